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
    let not_a_number = || encode_err(format!("{text:?} is not a number"));
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| not_a_number())?),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.len().saturating_add(frac.len()) == 0 || !all_digits(int) || !all_digits(frac) {
        return Err(not_a_number());
    }
    let digits: String = format!("{int}{frac}");
    let leading = digits
        .len()
        .saturating_sub(digits.trim_start_matches('0').len());
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
    // The power of ten of the first significant digit; an exponent so large that this
    // overflows is out of range all the more.
    let magnitude = i64::try_from(int.len())
        .ok()
        .zip(i64::try_from(leading).ok())
        .and_then(|(int, leading)| {
            int.checked_sub(leading)?
                .checked_sub(1)?
                .checked_add(exponent)
        });
    if !magnitude.is_some_and(|m| (-130..=125).contains(&m)) {
        return Err(encode_err(format!(
            "{text} is outside DynamoDB's range of numbers (1e-130 to 9.99e125)"
        )));
    }
    Ok(())
}

/// A number as DynamoDB answers it: plain decimal text without a sign `+`, leading zeros,
/// trailing fraction zeros or an exponent (`1.50e1` is `15`); `None` where `text` is not a
/// number within DynamoDB's limits.
pub(crate) fn canonical_number(text: &str) -> Option<String> {
    check_number(text).ok()?;
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (unsigned, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    // The value is 0.digits x 10^point.
    let point = i64::try_from(int.len()).ok()?.checked_add(exponent)?;
    let leading = i64::try_from(
        digits
            .len()
            .saturating_sub(digits.trim_start_matches('0').len()),
    )
    .ok()?;
    let digits = digits.trim_matches('0');
    if digits.is_empty() {
        return Some("0".into());
    }
    let point = point.checked_sub(leading)?;
    let len = i64::try_from(digits.len()).ok()?;
    let body = if point <= 0 {
        format!(
            "0.{}{digits}",
            "0".repeat(usize::try_from(point.checked_neg()?).ok()?)
        )
    } else if point >= len {
        format!(
            "{digits}{}",
            "0".repeat(usize::try_from(point.checked_sub(len)?).ok()?)
        )
    } else {
        let (a, b) = digits.split_at(usize::try_from(point).ok()?);
        format!("{a}.{b}")
    };
    Some(if negative { format!("-{body}") } else { body })
}

/// The order of two numbers as DynamoDB orders them (by value, whatever their text);
/// `None` where either is not a number within DynamoDB's limits.
pub(crate) fn compare_numbers(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    // The magnitude of a canonical text: its integer digits, then its fraction digits.
    fn magnitude(text: &str, other: &str) -> Ordering {
        let (ai, af) = text.split_once('.').unwrap_or((text, ""));
        let (bi, bf) = other.split_once('.').unwrap_or((other, ""));
        let (ai, bi) = (ai.trim_start_matches('0'), bi.trim_start_matches('0'));
        ai.len()
            .cmp(&bi.len())
            .then_with(|| ai.cmp(bi))
            .then_with(|| af.cmp(bf))
    }
    let (a, b) = (canonical_number(a)?, canonical_number(b)?);
    Some(match (a.strip_prefix('-'), b.strip_prefix('-')) {
        (Some(a), Some(b)) => magnitude(b, a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => magnitude(&a, &b),
    })
}

/// `Number` and `AttrValue` (as N) for one number type; `$to_n` writes `$v` as text, and
/// `$fits` says whether a parsed value `$p` stands for the text `$text` (a float that
/// overflowed to infinity, or underflowed to zero, does not).
macro_rules! number {
    ($t:ty, |$v:ident| $to_n:block, |$p:ident, $text:ident| $fits:expr) => {
        impl Number for $t {
            #[inline]
            fn to_n(self) -> Result<String> {
                let $v = self;
                $to_n
            }
            #[inline]
            fn from_n(text: &str) -> Result<Self> {
                let misfit = || {
                    decode_err(format!(
                        concat!("a number that fits ", stringify!($t), ", found {}"),
                        text
                    ))
                };
                let $p: $t = text.parse().map_err(|_| misfit())?;
                let $text = text;
                if $fits {
                    Ok($p)
                } else {
                    Err(misfit())
                }
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
        }, |_parsed, _text| true);
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
        }, |parsed, text| parsed.is_finite() && (parsed != 0.0 || is_zero(text)));
    )*};
}
floats!(f32, f64);

/// Whether decimal text stands for zero (`0`, `-0.00`, `0e5`): a float that parsed as zero
/// from anything else underflowed.
fn is_zero(text: &str) -> bool {
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    mantissa
        .bytes()
        .all(|b| matches!(b, b'0' | b'.' | b'-' | b'+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_dynamodb_answers_them() {
        for (text, canonical) in [
            ("01", "1"),
            ("1.0", "1"),
            ("1e0", "1"),
            ("+1", "1"),
            ("-0.50", "-0.5"),
            ("1.5e1", "15"),
            ("1.5e3", "1500"),
            ("15e-3", "0.015"),
            ("0.000", "0"),
            ("-0", "0"),
            ("120", "120"),
        ] {
            assert_eq!(canonical_number(text).as_deref(), Some(canonical), "{text}");
        }
        assert_eq!(canonical_number("11e9223372036854775807"), None);
        assert_eq!(canonical_number("1.2.3"), None);
        assert!(check_number("11e9223372036854775807").is_err());
        assert!(check_number("-").is_err());
    }

    #[test]
    fn floats_refuse_what_they_cannot_hold() {
        assert!(f32::from_n("1E-50").is_err());
        assert!(f32::from_n("1e39").is_err());
        assert_eq!(f32::from_n("0.0").ok(), Some(0.0));
        assert_eq!(f64::from_n("1e39").ok(), Some(1e39));
    }
}
