//! The key of one item, typed by its model.
//! Layer: model.

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::{Error, Result};

use super::Model;

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
    /// The fields that a key template composed the key from (single-table models).
    fields: Item,
    /// Why the key could not be made; reported when a request is built from it.
    error: Option<String>,
    model: PhantomData<fn() -> M>,
}

impl<M> Clone for Key<M> {
    fn clone(&self) -> Self {
        let Key {
            item,
            fields,
            error,
            ..
        } = self;
        let (item, fields, error) = (item.clone(), fields.clone(), error.clone());
        Key {
            item,
            fields,
            error,
            model: PhantomData,
        }
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
            fields: Item::new(),
            error: None,
            model: PhantomData,
        }
    }

    /// The key of a single-table model, composed by its key templates from `fields` (the
    /// derive's `M::key(...)`): a value that a template refuses makes a key that every
    /// request built from it reports, before anything is sent.
    #[doc(hidden)]
    pub fn from_fields(fields: Item) -> Self
    where
        M: crate::model::Model,
    {
        let Some(entity) = M::ENTITY else {
            return Key::from_item(fields);
        };
        match entity.table_key(&fields) {
            Ok(item) => Key {
                item,
                fields,
                error: None,
                model: PhantomData,
            },
            Err(e) => Key {
                item: Item::new(),
                fields,
                error: Some(e.to_string()),
                model: PhantomData,
            },
        }
    }

    /// As [`Key::from_fields`], with the template's refusal as an error.
    #[doc(hidden)]
    pub fn try_from_fields(fields: Item) -> Result<Self>
    where
        M: crate::model::Model,
    {
        let Some(entity) = M::ENTITY else {
            return Ok(Key::from_item(fields));
        };
        let item = entity.table_key(&fields)?;
        Ok(Key {
            item,
            fields,
            error: None,
            model: PhantomData,
        })
    }

    /// A key that could not be made (a value its field cannot write): every request built
    /// from it reports `error`.
    #[doc(hidden)]
    pub fn invalid(error: crate::error::Error) -> Self {
        Key {
            item: Item::new(),
            fields: Item::new(),
            error: Some(error.to_string()),
            model: PhantomData,
        }
    }

    /// The fields that a key template composed this key from (empty for other models).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::Customer;
    /// assert!(Customer::key("c1").fields().contains_key("id"));
    /// ```
    pub fn fields(&self) -> &Item {
        &self.fields
    }

    /// The same key, as a key of another model of the same table.
    pub(crate) fn cast<N>(self) -> Key<N> {
        Key {
            item: self.item,
            fields: self.fields,
            error: self.error,
            model: PhantomData,
        }
    }

    /// Why the key could not be made, if it could not.
    pub(crate) fn error(&self) -> Option<&str> {
        self.error.as_deref()
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

/// Checks a key made by `M::key(...)`: a template that refused a value, then the attributes.
pub(crate) fn check_key_of<M: Model>(key: &Key<M>) -> Result<()> {
    if let Some(why) = key.error() {
        return Err(Error::InvalidRequest(format!(
            "the key of `{}`: {why}",
            M::TABLE
        )));
    }
    check_key::<M>(key.item())
}

/// Checks that every key attribute is present and not an empty string, before any request.
pub(crate) fn check_key<M: Model>(key: &Item) -> Result<()> {
    for name in std::iter::once(M::HASH_KEY).chain(M::RANGE_KEY) {
        match key.get(name) {
            None => {
                return Err(Error::InvalidRequest(format!(
                    "the key of `{}` lacks its key attribute `{name}`",
                    M::TABLE
                )))
            }
            Some(AttributeValue::S(s)) if s.is_empty() => {
                return Err(Error::InvalidRequest(format!(
                    "the key attribute `{name}` is an empty string, which DynamoDB does not allow"
                )))
            }
            Some(AttributeValue::B(b)) if b.as_ref().is_empty() => {
                return Err(Error::InvalidRequest(format!(
                    "the key attribute `{name}` is empty binary, which DynamoDB does not allow"
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks the values that `item` (a whole item, or what an update sets) gives the key
/// attributes of the model's secondary indexes, before any request: DynamoDB refuses a write
/// with an empty string or empty bytes in any of them, and, in a shared table, with a value
/// of another type than a native index of the table declares for it (whichever model
/// writes it: a serde type of the derive cannot see, an `extra` map). Each is
/// `Error::Validation` at the attribute, rule `index_key`.
pub(crate) fn check_index_values<M: Model>(item: &Item) -> Result<()> {
    let own = M::indexes().iter().flat_map(|i| {
        i.hash_keys()
            .chain(i.range_keys())
            .map(|a| (i.name, a, None))
    });
    let declared = M::ENTITY
        .into_iter()
        .flat_map(|e| e.indexes.iter())
        .flat_map(|i| i.native.iter().map(|(a, t)| (i.name, *a, Some(*t))));
    let mut errors = crate::error::ValidationErrors::default();
    let mut named: Vec<&str> = Vec::new();
    for (index, attr, ty) in own.chain(declared) {
        let Some(value) = item.get(attr) else {
            continue;
        };
        if named.contains(&attr) {
            continue;
        }
        let (stored, empty) = match value {
            AttributeValue::S(s) => ('S', s.is_empty()),
            AttributeValue::N(_) => ('N', false),
            AttributeValue::B(b) => ('B', b.as_ref().is_empty()),
            // No value: the item is not in the index (a sparse index).
            AttributeValue::Null(_) => continue,
            _ => ('-', false),
        };
        let message = if ty.is_some_and(|t| t != stored) {
            format!(
                "is stored as {}, but the index `{index}` keys it as {}: DynamoDB refuses the write",
                type_name(stored),
                type_name(ty.unwrap_or('-'))
            )
        } else if empty {
            format!(
                "is empty, and a key attribute of the index `{index}`: DynamoDB refuses an empty {} in a key attribute (leave it out, `None`, to keep the item out of the index)",
                if stored == 'S' { "string" } else { "binary" }
            )
        } else {
            continue;
        };
        named.push(attr);
        errors.push(attr, "index_key", message);
    }
    errors.into_result()
}

fn type_name(t: char) -> &'static str {
    match t {
        'S' => "a string (S)",
        'N' => "a number (N)",
        'B' => "bytes (B)",
        _ => "a value that is not a string, number or bytes",
    }
}
