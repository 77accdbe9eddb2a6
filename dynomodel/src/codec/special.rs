//! Codecs that a field chooses with an attribute: bytes and the three set types.
//! Layer: codec.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;

use super::*;

/// `Vec<u8>` as B.
#[doc(hidden)]
#[inline]
pub fn bytes_to_attr(bytes: &[u8]) -> Result<AttributeValue> {
    Ok(AttributeValue::B(Blob::new(bytes.to_vec())))
}

/// B as `Vec<u8>`.
#[doc(hidden)]
#[inline]
pub fn bytes_from_attr(value: &AttributeValue) -> Result<Vec<u8>> {
    match value {
        AttributeValue::B(b) => Ok(b.as_ref().to_vec()),
        other => Err(expected("B (binary)", other)),
    }
}

/// A set of strings as SS; `None` for an empty set, which DynamoDB cannot store.
#[doc(hidden)]
#[inline]
pub fn string_set_to_attr<'a, S>(set: &'a S) -> Result<Option<AttributeValue>>
where
    &'a S: IntoIterator<Item = &'a String>,
{
    // A `Vec` may repeat a value, which a DynamoDB set cannot: each is written once.
    let mut v: Vec<String> = set.into_iter().cloned().collect();
    v.sort_unstable();
    v.dedup();
    Ok((!v.is_empty()).then_some(AttributeValue::Ss(v)))
}

/// SS as a set of strings; a missing attribute is an empty set.
#[doc(hidden)]
#[inline]
pub fn string_set_from_attr<S: FromIterator<String>>(value: Option<&AttributeValue>) -> Result<S> {
    match value {
        None | Some(AttributeValue::Null(_)) => Ok(std::iter::empty().collect()),
        Some(AttributeValue::Ss(v)) => Ok(v.iter().cloned().collect()),
        Some(other) => Err(expected("SS (string set)", other)),
    }
}

/// A set of numbers as NS; `None` for an empty set.
#[doc(hidden)]
#[inline]
pub fn number_set_to_attr<'a, S, N>(set: &'a S) -> Result<Option<AttributeValue>>
where
    &'a S: IntoIterator<Item = &'a N>,
    N: Number + 'a,
{
    let mut v = set
        .into_iter()
        .map(|n| n.to_n())
        .collect::<Result<Vec<String>>>()?;
    v.sort_unstable();
    v.dedup();
    Ok((!v.is_empty()).then_some(AttributeValue::Ns(v)))
}

/// NS as a set of numbers; a missing attribute is an empty set.
#[doc(hidden)]
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
#[doc(hidden)]
#[inline]
pub fn binary_set_to_attr<'a, S, B>(set: &'a S) -> Result<Option<AttributeValue>>
where
    &'a S: IntoIterator<Item = &'a B>,
    B: AsRef<[u8]> + 'a,
{
    let mut v: Vec<Vec<u8>> = set.into_iter().map(|b| b.as_ref().to_vec()).collect();
    v.sort_unstable();
    v.dedup();
    let v: Vec<Blob> = v.into_iter().map(Blob::new).collect();
    Ok((!v.is_empty()).then_some(AttributeValue::Bs(v)))
}

/// BS as a set of byte strings; a missing attribute is an empty set.
#[doc(hidden)]
#[inline]
pub fn binary_set_from_attr<S: FromIterator<Vec<u8>>>(value: Option<&AttributeValue>) -> Result<S> {
    match value {
        None | Some(AttributeValue::Null(_)) => Ok(std::iter::empty().collect()),
        Some(AttributeValue::Bs(v)) => Ok(v.iter().map(|b| b.as_ref().to_vec()).collect()),
        Some(other) => Err(expected("BS (binary set)", other)),
    }
}

/// A date-time as epoch seconds (N), for `#[dynomodel(epoch)]` and TTL fields.
#[doc(hidden)]
#[inline]
pub fn epoch_to_attr<T: Epoch>(t: &T) -> Result<AttributeValue> {
    Ok(AttributeValue::N(t.epoch_seconds().to_string()))
}

/// Epoch seconds (N) as a date-time.
#[doc(hidden)]
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
