//! The codec the derive picks for a field type: the direct one where the type has one, serde_dynamo otherwise.
//! Layer: codec.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;

use super::*;

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
