//! The key of one item, typed by its model.
//! Layer: model.

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::Result;

/// The key of one item of model `M`: its hash key, and its range key where it has one.
/// `Pet::key(...)` makes one, with one typed argument per key attribute.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let key: Key<Pet> = Pet::key("1");
/// assert_eq!(key, pet("1", "Rex").key_of()?);
/// # Ok::<(), Error>(())
/// ```
pub struct Key<M> {
    item: Item,
    model: PhantomData<fn() -> M>,
}

impl<M> Clone for Key<M> {
    fn clone(&self) -> Self {
        Key::from_item(self.item.clone())
    }
}

impl<M> std::fmt::Debug for Key<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Key").field(&self.item).finish()
    }
}

impl<M> PartialEq for Key<M> {
    fn eq(&self, other: &Self) -> bool {
        self.item == other.item
    }
}

impl<M> Key<M> {
    /// A key from its attribute values; the derive's `M::key(...)` is the typed way.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let key = Key::<Pet>::from_item([("id".to_owned(), aws_sdk_dynamodb::types::AttributeValue::S("1".into()))].into());
    /// assert_eq!(key, Pet::key("1"));
    /// ```
    ///
    /// Numbers are written as DynamoDB answers them (`01`, `1.0`, `1e0` and `+1` are all
    /// `1`), so that keys compare as DynamoDB compares them.
    pub fn from_item(mut item: Item) -> Self {
        for value in item.values_mut() {
            if let AttributeValue::N(n) = value {
                if let Some(canonical) = crate::codec::canonical_number(n) {
                    *n = canonical;
                }
            }
        }
        Key {
            item,
            model: PhantomData,
        }
    }

    /// The key attributes.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert!(Pet::key("1").item().contains_key("id"));
    /// ```
    pub fn item(&self) -> &Item {
        &self.item
    }

    /// The key attributes, owned.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::key("1").into_item().len(), 1);
    /// ```
    pub fn into_item(self) -> Item {
        self.item
    }
}

/// Reads an attribute of a key that was passed to `M::key(...)`: used by the derive.
#[doc(hidden)]
pub fn key_attr<T: crate::codec::AttrValue>(name: &str, v: &T) -> Result<(String, AttributeValue)> {
    let value = v.to_attr().map_err(|e| crate::codec::at(e, name))?;
    if matches!(&value, AttributeValue::S(s) if s.is_empty()) {
        return Err(crate::error::Error::InvalidRequest(format!(
            "the key attribute `{name}` is an empty string, which DynamoDB does not allow"
        )));
    }
    Ok((name.to_owned(), value))
}
