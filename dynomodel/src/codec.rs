//! Conversion between Rust values and DynamoDB attribute values.
//!
//! The derive generates direct code over [`AttrValue`] for the types that it knows (strings,
//! numbers, booleans, lists, maps, sets, bytes, nested documents, date-times) and falls back to
//! `serde_dynamo` for any other type that implements `Serialize` and `Deserialize`, such as a
//! user's enum. Every error names the attribute path where it happened.
//!
//! ```
//! use dynomodel::codec::{item_size, AttrValue};
//! use aws_sdk_dynamodb::types::AttributeValue;
//! use std::collections::HashMap;
//!
//! let scores = HashMap::from([("math".to_owned(), 9u8)]);
//! let value = scores.to_attr()?;
//! assert_eq!(value, AttributeValue::M(HashMap::from([("math".into(), AttributeValue::N("9".into()))])));
//! assert_eq!(HashMap::<String, u8>::from_attr(&value)?, scores);
//! // The name, a map's 3 bytes, and per entry 1 byte, the key, and the number (1 digit: 2 bytes).
//! assert_eq!(item_size(&HashMap::from([("scores".to_owned(), value)])), 6 + 3 + (1 + 4 + 2));
//! # Ok::<(), dynomodel::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};

/// A DynamoDB item: attribute names to values, as the SDK's `item`/`key` fields take it.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use aws_sdk_dynamodb::types::AttributeValue;
/// let item: dynomodel::Item = pet("1", "Rex").to_item()?;
/// assert_eq!(item["name"], AttributeValue::S("Rex".into()));
/// # Ok::<(), Error>(())
/// ```
pub type Item = HashMap<String, AttributeValue>;

/// A value that converts to and from one DynamoDB attribute value.
///
/// ```
/// use dynomodel::codec::AttrValue;
/// use aws_sdk_dynamodb::types::AttributeValue;
///
/// assert_eq!(42u32.to_attr().unwrap(), AttributeValue::N("42".into()));
/// assert_eq!(u32::from_attr(&AttributeValue::N("42".into())).unwrap(), 42);
/// let err = u8::from_attr(&AttributeValue::N("300".into())).unwrap_err();
/// assert_eq!(err.to_string(), "cannot decode the value: a number that fits u8, found 300");
/// ```
pub trait AttrValue: Sized {
    /// The attribute value; errors name the path below this value (empty at the top).
    ///
    /// ```
    /// use dynomodel::codec::AttrValue;
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let list = vec!["a".to_owned()].to_attr().unwrap();
    /// assert_eq!(list, AttributeValue::L(vec![AttributeValue::S("a".into())]));
    /// assert!(f64::NAN.to_attr().is_err());
    /// ```
    fn to_attr(&self) -> Result<AttributeValue>;
    /// Reads the value; errors name the path below this value (empty at the top).
    ///
    /// ```
    /// use dynomodel::codec::AttrValue;
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let list = AttributeValue::L(vec![AttributeValue::N("1".into()), AttributeValue::S("x".into())]);
    /// let err = Vec::<u32>::from_attr(&list).unwrap_err();
    /// assert!(err.to_string().contains("[1]"), "{err}");
    /// ```
    fn from_attr(value: &AttributeValue) -> Result<Self>;
}

/// An error at `path` below the value being converted.
#[cold]
pub(crate) fn decode_err(message: impl Into<String>) -> Error {
    Error::Decode {
        path: String::new(),
        message: message.into(),
    }
}

#[cold]
fn encode_err(message: impl Into<String>) -> Error {
    Error::Encode {
        path: String::new(),
        message: message.into(),
    }
}

/// The DynamoDB type of a value, as DynamoDB writes it (`S`, `N`, `M`, ...).
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use aws_sdk_dynamodb::types::AttributeValue;
/// assert_eq!(dynomodel::codec::type_name(&AttributeValue::Bool(true)), "BOOL");
/// ```
pub fn type_name(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "S (string)",
        AttributeValue::N(_) => "N (number)",
        AttributeValue::B(_) => "B (binary)",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::L(_) => "L (list)",
        AttributeValue::M(_) => "M (map)",
        AttributeValue::Ss(_) => "SS (string set)",
        AttributeValue::Ns(_) => "NS (number set)",
        AttributeValue::Bs(_) => "BS (binary set)",
        _ => "an unknown type",
    }
}

#[cold]
fn expected(what: &str, found: &AttributeValue) -> Error {
    decode_err(format!("expected {what}, found {}", type_name(found)))
}

/// Puts `segment` in front of the path of a `Decode` or `Encode` error: `name` for a field,
/// `[3]` for a list element. Used by the derive.
#[cold]
#[doc(hidden)]
pub fn at(err: Error, segment: &str) -> Error {
    fn join(segment: &str, path: String) -> String {
        if path.is_empty() {
            segment.to_owned()
        } else if path.starts_with('[') {
            format!("{segment}{path}")
        } else {
            format!("{segment}.{path}")
        }
    }
    match err {
        Error::Decode { path, message } => Error::Decode {
            path: join(segment, path),
            message,
        },
        Error::Encode { path, message } => Error::Encode {
            path: join(segment, path),
            message,
        },
        other => other,
    }
}

impl AttrValue for String {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        Ok(AttributeValue::S(self.clone()))
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::S(s) => Ok(s.clone()),
            other => Err(expected("S (string)", other)),
        }
    }
}

impl AttrValue for bool {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        Ok(AttributeValue::Bool(*self))
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::Bool(b) => Ok(*b),
            other => Err(expected("BOOL", other)),
        }
    }
}

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

/// In a list or map, `None` is written as NULL; as a model field, `None` writes nothing.
impl<T: AttrValue> AttrValue for Option<T> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        match self {
            Some(v) => v.to_attr(),
            None => Ok(AttributeValue::Null(true)),
        }
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::Null(_) => Ok(None),
            other => T::from_attr(other).map(Some),
        }
    }
}

impl<T: AttrValue> AttrValue for Box<T> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        (**self).to_attr()
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        T::from_attr(value).map(Box::new)
    }
}

impl<T: AttrValue> AttrValue for Vec<T> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        let mut list = Vec::with_capacity(self.len());
        for (i, v) in self.iter().enumerate() {
            list.push(v.to_attr().map_err(|e| at(e, &format!("[{i}]")))?);
        }
        Ok(AttributeValue::L(list))
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::L(list) => list
                .iter()
                .enumerate()
                .map(|(i, v)| T::from_attr(v).map_err(|e| at(e, &format!("[{i}]"))))
                .collect(),
            other => Err(expected("L (list)", other)),
        }
    }
}

fn map_to_attr<'a, T: AttrValue + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
    len: usize,
) -> Result<AttributeValue> {
    let mut map = HashMap::with_capacity(len);
    for (k, v) in entries {
        map.insert(k.clone(), v.to_attr().map_err(|e| at(e, k))?);
    }
    Ok(AttributeValue::M(map))
}

fn map_from_attr<T: AttrValue, C: FromIterator<(String, T)>>(value: &AttributeValue) -> Result<C> {
    match value {
        AttributeValue::M(map) => map
            .iter()
            .map(|(k, v)| Ok((k.clone(), T::from_attr(v).map_err(|e| at(e, k))?)))
            .collect(),
        other => Err(expected("M (map)", other)),
    }
}

impl<T: AttrValue, S: BuildHasher + Default> AttrValue for HashMap<String, T, S> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        map_to_attr(self.iter(), self.len())
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        map_from_attr(value)
    }
}

impl<T: AttrValue> AttrValue for BTreeMap<String, T> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        map_to_attr(self.iter(), self.len())
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        map_from_attr(value)
    }
}

/// Sets without a `string_set`/`number_set` attribute are lists (L), as serde writes them.
impl<T: AttrValue + Ord> AttrValue for BTreeSet<T> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        let list: Result<Vec<_>> = self.iter().map(AttrValue::to_attr).collect();
        list.map(AttributeValue::L)
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        Vec::<T>::from_attr(value).map(|v| v.into_iter().collect())
    }
}

impl<T: AttrValue + Eq + Hash, S: BuildHasher + Default> AttrValue for HashSet<T, S> {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        let list: Result<Vec<_>> = self.iter().map(AttrValue::to_attr).collect();
        list.map(AttributeValue::L)
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        Vec::<T>::from_attr(value).map(|v| v.into_iter().collect())
    }
}

impl AttrValue for AttributeValue {
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        Ok(self.clone())
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        Ok(value.clone())
    }
}

#[cfg(feature = "chrono")]
impl AttrValue for chrono::DateTime<chrono::Utc> {
    /// RFC 3339 with the precision that the value has, such as `2024-05-01T12:00:00Z`.
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        Ok(AttributeValue::S(
            self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ))
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::S(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&chrono::Utc))
                .map_err(|e| decode_err(format!("an RFC 3339 date-time, found {s:?} ({e})"))),
            AttributeValue::N(n) => n
                .parse::<i64>()
                .ok()
                .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
                .ok_or_else(|| decode_err(format!("epoch seconds, found {n}"))),
            other => Err(expected("S (RFC 3339 date-time)", other)),
        }
    }
}

/// Codecs that a field chooses with an attribute, and the `Vec<u8>` byte codec. Used by the
/// derive.
#[doc(hidden)]
pub mod special {
    use super::*;

    /// `Vec<u8>` as B.
    #[inline]
    pub fn bytes_to_attr(bytes: &[u8]) -> Result<AttributeValue> {
        Ok(AttributeValue::B(Blob::new(bytes.to_vec())))
    }

    /// B as `Vec<u8>`.
    #[inline]
    pub fn bytes_from_attr(value: &AttributeValue) -> Result<Vec<u8>> {
        match value {
            AttributeValue::B(b) => Ok(b.as_ref().to_vec()),
            other => Err(expected("B (binary)", other)),
        }
    }

    /// A set of strings as SS; `None` for an empty set, which DynamoDB cannot store.
    #[inline]
    pub fn string_set_to_attr<'a, S>(set: &'a S) -> Result<Option<AttributeValue>>
    where
        &'a S: IntoIterator<Item = &'a String>,
    {
        let v: Vec<String> = set.into_iter().cloned().collect();
        Ok((!v.is_empty()).then_some(AttributeValue::Ss(v)))
    }

    /// SS as a set of strings; a missing attribute is an empty set.
    #[inline]
    pub fn string_set_from_attr<S: FromIterator<String>>(
        value: Option<&AttributeValue>,
    ) -> Result<S> {
        match value {
            None | Some(AttributeValue::Null(_)) => Ok(std::iter::empty().collect()),
            Some(AttributeValue::Ss(v)) => Ok(v.iter().cloned().collect()),
            Some(other) => Err(expected("SS (string set)", other)),
        }
    }

    /// A set of numbers as NS; `None` for an empty set.
    #[inline]
    pub fn number_set_to_attr<'a, S, N>(set: &'a S) -> Result<Option<AttributeValue>>
    where
        &'a S: IntoIterator<Item = &'a N>,
        N: Number + 'a,
    {
        let v = set
            .into_iter()
            .map(|n| n.to_n())
            .collect::<Result<Vec<String>>>()?;
        Ok((!v.is_empty()).then_some(AttributeValue::Ns(v)))
    }

    /// NS as a set of numbers; a missing attribute is an empty set.
    #[inline]
    pub fn number_set_from_attr<S: FromIterator<N>, N: Number>(
        value: Option<&AttributeValue>,
    ) -> Result<S> {
        match value {
            None | Some(AttributeValue::Null(_)) => Ok(std::iter::empty().collect()),
            Some(AttributeValue::Ns(v)) => v.iter().map(|n| N::from_n(n)).collect(),
            Some(other) => Err(expected("NS (number set)", other)),
        }
    }

    /// A set of byte strings as BS; `None` for an empty set.
    #[inline]
    pub fn binary_set_to_attr<'a, S, B>(set: &'a S) -> Result<Option<AttributeValue>>
    where
        &'a S: IntoIterator<Item = &'a B>,
        B: AsRef<[u8]> + 'a,
    {
        let v: Vec<Blob> = set
            .into_iter()
            .map(|b| Blob::new(b.as_ref().to_vec()))
            .collect();
        Ok((!v.is_empty()).then_some(AttributeValue::Bs(v)))
    }

    /// BS as a set of byte strings; a missing attribute is an empty set.
    #[inline]
    pub fn binary_set_from_attr<S: FromIterator<Vec<u8>>>(
        value: Option<&AttributeValue>,
    ) -> Result<S> {
        match value {
            None | Some(AttributeValue::Null(_)) => Ok(std::iter::empty().collect()),
            Some(AttributeValue::Bs(v)) => Ok(v.iter().map(|b| b.as_ref().to_vec()).collect()),
            Some(other) => Err(expected("BS (binary set)", other)),
        }
    }

    /// A date-time as epoch seconds (N), for `#[dynomodel(epoch)]` and TTL fields.
    #[inline]
    pub fn epoch_to_attr<T: Epoch>(t: &T) -> Result<AttributeValue> {
        Ok(AttributeValue::N(t.epoch_seconds().to_string()))
    }

    /// Epoch seconds (N) as a date-time.
    #[inline]
    pub fn epoch_from_attr<T: Epoch>(value: &AttributeValue) -> Result<T> {
        match value {
            AttributeValue::N(n) => n
                .parse::<i64>()
                .ok()
                .and_then(T::from_epoch_seconds)
                .ok_or_else(|| decode_err(format!("epoch seconds, found {n}"))),
            other => Err(expected("N (epoch seconds)", other)),
        }
    }
}

/// A date-time type that can be stored as epoch seconds: `chrono::DateTime<Utc>` (feature
/// `chrono`) and `time::OffsetDateTime` (feature `time`). A field opts in with
/// `#[dynomodel(epoch)]`; a `ttl` field always is.
///
/// ```
/// # #[cfg(feature = "chrono")] {
/// use dynomodel::codec::Epoch;
/// let t = chrono::DateTime::<chrono::Utc>::from_epoch_seconds(1_700_000_000).unwrap();
/// assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20+00:00");
/// # }
/// ```
pub trait Epoch: Sized {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    ///
    /// ```
    /// # #[cfg(feature = "time")] {
    /// use dynomodel::codec::Epoch;
    /// assert_eq!(time::OffsetDateTime::UNIX_EPOCH.epoch_seconds(), 0);
    /// # }
    /// ```
    fn epoch_seconds(&self) -> i64;
    /// The date-time at whole seconds since the epoch, where it is representable.
    ///
    /// ```
    /// # #[cfg(feature = "time")] {
    /// use dynomodel::codec::Epoch;
    /// assert_eq!(time::OffsetDateTime::from_epoch_seconds(0), Some(time::OffsetDateTime::UNIX_EPOCH));
    /// assert_eq!(time::OffsetDateTime::from_epoch_seconds(i64::MAX), None);
    /// # }
    /// ```
    fn from_epoch_seconds(secs: i64) -> Option<Self>;
}

#[cfg(feature = "chrono")]
impl Epoch for chrono::DateTime<chrono::Utc> {
    fn epoch_seconds(&self) -> i64 {
        self.timestamp()
    }
    fn from_epoch_seconds(secs: i64) -> Option<Self> {
        chrono::DateTime::from_timestamp(secs, 0)
    }
}

#[cfg(feature = "time")]
impl Epoch for time::OffsetDateTime {
    fn epoch_seconds(&self) -> i64 {
        self.unix_timestamp()
    }
    fn from_epoch_seconds(secs: i64) -> Option<Self> {
        time::OffsetDateTime::from_unix_timestamp(secs).ok()
    }
}

#[cfg(feature = "time")]
impl AttrValue for time::OffsetDateTime {
    /// RFC 3339, such as `2024-05-01T12:00:00Z`.
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        self.format(&time::format_description::well_known::Rfc3339)
            .map(AttributeValue::S)
            .map_err(|e| encode_err(format!("cannot write the date-time as RFC 3339: {e}")))
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::S(s) => {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| decode_err(format!("an RFC 3339 date-time, found {s:?} ({e})")))
            }
            AttributeValue::N(n) => n
                .parse::<i64>()
                .ok()
                .and_then(<Self as Epoch>::from_epoch_seconds)
                .ok_or_else(|| decode_err(format!("epoch seconds, found {n}"))),
            other => Err(expected("S (RFC 3339 date-time)", other)),
        }
    }
}

/// Picks the direct codec where the type has one and `serde_dynamo` where it has not: the
/// derive calls `(&&Via::<T>::new()).encode(v)`, and method resolution prefers the
/// [`ViaAttr`] impl on `&Via<T>` over the [`ViaSerde`] impl on `Via<T>`.
#[doc(hidden)]
pub struct Via<T>(std::marker::PhantomData<T>);

impl<T> Via<T> {
    /// The selector for `T`.
    #[doc(hidden)]
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Via(std::marker::PhantomData)
    }
}

/// The direct codec, for types that implement [`AttrValue`].
#[doc(hidden)]
pub trait ViaAttr<T> {
    /// Encodes `v`.
    fn encode(&self, v: &T) -> Result<AttributeValue>;
    /// Decodes `v`.
    fn decode(&self, v: &AttributeValue) -> Result<T>;
}

impl<T: AttrValue> ViaAttr<T> for &Via<T> {
    #[inline]
    fn encode(&self, v: &T) -> Result<AttributeValue> {
        v.to_attr()
    }
    #[inline]
    fn decode(&self, v: &AttributeValue) -> Result<T> {
        T::from_attr(v)
    }
}

/// The serde fallback, for any other `Serialize + Deserialize` type.
#[doc(hidden)]
pub trait ViaSerde<T> {
    /// Encodes `v`.
    fn encode(&self, v: &T) -> Result<AttributeValue>;
    /// Decodes `v`.
    fn decode(&self, v: &AttributeValue) -> Result<T>;
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> ViaSerde<T> for Via<T> {
    fn encode(&self, v: &T) -> Result<AttributeValue> {
        serde_dynamo::to_attribute_value(v).map_err(|e| encode_err(e.to_string()))
    }
    fn decode(&self, v: &AttributeValue) -> Result<T> {
        serde_dynamo::from_attribute_value(v.clone()).map_err(|e| decode_err(e.to_string()))
    }
}

/// DynamoDB's limit on the size of one item: a save of a bigger item is
/// [`Error::ItemTooLarge`] before anything is sent.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let mut p = pet("1", "Rex");
/// p.meta.insert("photo".into(), "x".repeat(dynomodel::codec::MAX_ITEM_SIZE));
/// # futures::executor::block_on(async {
/// let err = dynomodel::model::prepare_save(&mut p).await.unwrap_err();
/// assert!(matches!(err, Error::ItemTooLarge { .. }));
/// # });
/// ```
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The size of an item as DynamoDB counts it: attribute names and values, in bytes.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let item = pet("1", "Rex").to_item()?;
/// assert!(dynomodel::codec::item_size(&item) < dynomodel::codec::MAX_ITEM_SIZE);
/// # Ok::<(), Error>(())
/// ```
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        // Numbers take about one byte per two significant digits, plus one.
        AttributeValue::N(n) => n.trim_start_matches(['-', '0']).len().div_ceil(2) + 1,
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        _ => 0,
    }
}

/// `Error::ItemTooLarge` for an item over DynamoDB's 400 KB, before any request.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let mut p = pet("1", "Rex");
/// p.owner = "x".repeat(500 * 1024);
/// let item = p.to_item()?;
/// assert!(dynomodel::codec::check_item_size(&item).is_err());
/// # Ok::<(), Error>(())
/// ```
pub fn check_item_size(item: &Item) -> Result<()> {
    let size = item_size(item);
    if size > MAX_ITEM_SIZE {
        Err(Error::ItemTooLarge { size })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::check_number;

    #[test]
    fn numbers_at_dynamodb_limits() {
        for ok in [
            "0",
            "-0.000",
            "1e125",
            "9.9e125",
            "1e-130",
            "12300000000000000000000000000000000000000",
            &"9".repeat(38),
        ] {
            assert!(check_number(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1e126",
            "1e-131",
            &"9".repeat(39),
            "0.000000000000000000000000000000000000000123456789012345678901234567890123456789",
        ] {
            assert!(check_number(bad).is_err(), "{bad}");
        }
    }
}
