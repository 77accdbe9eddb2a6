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
//!
//! Layer: codec, above `error`: values and items, with no model and no client.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};

mod collection;
mod date;
pub(crate) mod number;
mod size;
#[doc(hidden)]
pub mod special;
mod via;

pub use date::Epoch;
pub(crate) use number::canonical_number;
pub use number::{check_number, Number};
pub use size::{check_item_size, item_size, MAX_ITEM_SIZE};
pub use via::{Via, ViaAttr, ViaSerde};

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
pub(crate) fn encode_err(message: impl Into<String>) -> Error {
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
pub(crate) fn expected(what: &str, found: &AttributeValue) -> Error {
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
