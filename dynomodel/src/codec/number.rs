//! Numbers: DynamoDB's N, exact and within its range, for every Rust integer and float.
//! Layer: codec.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;

use super::*;

/// A Rust number that DynamoDB stores as N: the integer types, `f32` and `f64`.
///
/// ```
/// use dynomodel::codec::Number;
/// assert_eq!(7u8.to_n().unwrap(), "7");
/// assert_eq!(i64::from_n("-12").unwrap(), -12);
/// ```
pub trait Number: Sized + Copy {
    /// The number as DynamoDB's decimal text; a float that is NaN or infinite, or beyond
    /// DynamoDB's range, is an error.
    ///
    /// ```
    /// use dynomodel::codec::Number;
    /// assert_eq!(2.5f64.to_n().unwrap(), "2.5");
    /// assert!(f64::INFINITY.to_n().is_err());
    /// ```
    fn to_n(self) -> Result<String>;
    /// Reads DynamoDB's decimal text; a value that does not fit the type is an error.
    ///
    /// ```
    /// use dynomodel::codec::Number;
    /// assert_eq!(u16::from_n("65535").unwrap(), 65535);
    /// assert!(u16::from_n("65536").is_err());
    /// assert!(u16::from_n("1.5").is_err());
    /// ```
    fn from_n(text: &str) -> Result<Self>;
}

/// Checks a number against DynamoDB's limits: at most 38 significant digits, and a
/// magnitude from 1e-130 to below 1e126 (or zero).
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::codec::check_number;
/// assert!(check_number("1e125").is_ok());
/// assert!(check_number("1e126").is_err());
/// assert!(check_number(&"9".repeat(39)).is_err());
/// ```
pub fn check_number(text: &str) -> Result<()> {
    let unsigned = text.trim_start_matches(['-', '+']);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (
            m,
            e.parse::<i64>()
                .map_err(|_| encode_err(format!("{text} is not a number")))?,
        ),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{int}{frac}");
    let leading = digits.len() - digits.trim_start_matches('0').len();
    let significant = digits.trim_matches('0');
    if significant.is_empty() {
        return Ok(());
    }
    if significant.len() > 38 {
        return Err(encode_err(format!(
            "{text} has {} significant digits; DynamoDB numbers have at most 38",
            significant.len()
        )));
    }
    // The power of ten of the first significant digit.
    let magnitude = int.len() as i64 - leading as i64 - 1 + exponent;
    if !(-130..=125).contains(&magnitude) {
        return Err(encode_err(format!(
            "{text} is outside DynamoDB's range of numbers (1e-130 to 9.99e125)"
        )));
    }
    Ok(())
}

/// `Number` and `AttrValue` (as N) for one number type; `$to_n` writes `$v` as text.
macro_rules! number {
    ($t:ty, |$v:ident| $to_n:block) => {
        impl Number for $t {
            #[inline]
            fn to_n(self) -> Result<String> {
                let $v = self;
                $to_n
            }
            #[inline]
            fn from_n(text: &str) -> Result<Self> {
                text.parse().map_err(|_| {
                    decode_err(format!(
                        concat!("a number that fits ", stringify!($t), ", found {}"),
                        text
                    ))
                })
            }
        }
        impl AttrValue for $t {
            #[inline]
            fn to_attr(&self) -> Result<AttributeValue> {
                self.to_n().map(AttributeValue::N)
            }
            #[inline]
            fn from_attr(value: &AttributeValue) -> Result<Self> {
                match value {
                    AttributeValue::N(n) => <$t as Number>::from_n(n),
                    other => Err(expected("N (number)", other)),
                }
            }
        }
    };
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        number!($t, |v| {
            let text = v.to_string();
            // Only 128-bit integers can pass DynamoDB's 38 digits.
            if text.len() > 38 {
                check_number(&text)?;
            }
            Ok(text)
        });
    )*};
}
integers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! floats {
    ($($t:ty),*) => {$(
        number!($t, |v| {
            if v.is_finite() {
                let text = v.to_string();
                check_number(&text)?;
                Ok(text)
            } else {
                Err(encode_err(format!("DynamoDB numbers cannot be {v}")))
            }
        });
    )*};
}
floats!(f32, f64);
