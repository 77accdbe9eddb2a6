//! Lazy migration: a model declares the schema version that it writes, and how an item
//! stored by an older version becomes one of its own. Every read upgrades such an item in
//! memory before it decodes it (the one decode of a stored item runs [`upgrade`]), a save
//! writes the new shape with the new version, and the backfill
//! (`dynomodel::schema::backfill::Backfill::upgrade`) runs the same upgrade over the table.
//!
//! ```
//! use dynomodel::prelude::*;
//! use dynomodel::model::upgrade::Upgrading;
//! use serde::{Deserialize, Serialize};
//!
//! /// Version 1 stored the whole email only; version 2 keeps its domain beside it.
//! fn upgrade_account(item: &mut Upgrading<'_>) -> Result<()> {
//!     if item.from() < 2 && !item.has("domain") {
//!         let email: String = item.get("email")?.unwrap_or_default();
//!         let domain = email.split_once('@').map(|(_, d)| d.to_owned()).unwrap_or_default();
//!         item.set("domain", &domain)?;
//!     }
//!     Ok(())
//! }
//!
//! #[derive(Model, Serialize, Deserialize, Debug, PartialEq)]
//! #[dynomodel(table = "accounts", schema_version = 2, upgrade = "upgrade_account")]
//! struct Account {
//!     #[dynomodel(hash_key)]
//!     id: String,
//!     email: String,
//!     domain: String,
//! }
//!
//! // An item that version 1 stored: no `_sv`, no `domain`.
//! use aws_sdk_dynamodb::types::AttributeValue as A;
//! let v1: dynomodel::Item = [("id", "1"), ("email", "ann@shop.test")]
//!     .into_iter()
//!     .map(|(k, v)| (k.to_owned(), A::S(v.to_owned())))
//!     .collect();
//! let account = Account::from_item(&v1)?;
//! assert_eq!(account.domain, "shop.test");
//! // What a save writes: the new shape, at version 2.
//! let stored = account.to_item()?;
//! assert_eq!(stored["_sv"], A::N("2".into()));
//! assert_eq!(Account::from_item(&stored)?, account);
//! # Ok::<(), Error>(())
//! ```
//!
//! Layer: model.

use std::borrow::Cow;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::{at, AttrValue, Item};
use crate::error::{Error, Result};
use crate::model::Model;

/// The attribute in which an item carries the schema version that wrote it. An item without
/// it was written before the model declared a version: version 1.
///
/// ```
/// assert_eq!(dynomodel::model::upgrade::SCHEMA_ATTR, "_sv");
/// ```
pub const SCHEMA_ATTR: &str = "_sv";

/// What `#[dynomodel(schema_version = N, upgrade = "f")]` declares: the version that the
/// model writes, and the function that brings an older item up to it.
///
/// ```
/// use dynomodel::model::upgrade::{SchemaVersion, Upgrading};
/// fn up(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
///     item.rename("name", "title");
///     Ok(())
/// }
/// let schema = SchemaVersion { version: 2, upgrade: up };
/// let mut item: dynomodel::Item =
///     [("name".to_owned(), aws_sdk_dynamodb::types::AttributeValue::S("Rex".into()))].into();
/// (schema.upgrade)(&mut Upgrading::new(&mut item, 1, schema.version))?;
/// assert!(item.contains_key("title"));
/// # Ok::<(), dynomodel::Error>(())
/// ```
#[derive(Debug)]
pub struct SchemaVersion {
    /// The version that the model writes, from 1 (every item stored before the model
    /// declared a version is at version 1; a model at version 1 has nothing to upgrade, and
    /// declares it to mark its items and keep its writes off those of a newer version).
    pub version: u32,
    /// Brings an item stored by an older version (`Upgrading::from`) up to `version`, in
    /// place. It runs on every read of such an item, so it must give the same result however
    /// often it runs, and keep what a newer writer has set already (an update of the model
    /// leaves an old item's version as it is). It cannot change the item's key (the read
    /// refuses that with `Error::Upgrade`), and it reports an item that it cannot upgrade
    /// with an error ([`Upgrading::fail`]): a panic in it is not caught, and unwinds through
    /// the read.
    pub upgrade: fn(&mut Upgrading<'_>) -> Result<()>,
}

/// An item stored by an older schema version, while it is upgraded: typed reads and writes
/// of its attributes, and the raw item for anything else.
///
/// ```
/// use dynomodel::model::upgrade::Upgrading;
/// use aws_sdk_dynamodb::types::AttributeValue;
/// let mut item: dynomodel::Item = [("name".to_owned(), AttributeValue::S("Rex".into()))].into();
/// let mut up = Upgrading::new(&mut item, 1, 2);
/// up.rename("name", "title");
/// up.set("legs", &4u8)?;
/// assert_eq!(up.get::<String>("title")?.as_deref(), Some("Rex"));
/// assert_eq!(up.get::<u8>("legs")?, Some(4));
/// assert!(!up.has("name"));
/// # Ok::<(), dynomodel::Error>(())
/// ```
#[derive(Debug)]
pub struct Upgrading<'a> {
    item: &'a mut Item,
    from: u32,
    to: u32,
}

impl<'a> Upgrading<'a> {
    /// The item stored by version `from`, to be brought up to `to`.
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// let mut item = dynomodel::Item::new();
    /// assert_eq!(Upgrading::new(&mut item, 1, 3).to(), 3);
    /// ```
    pub fn new(item: &'a mut Item, from: u32, to: u32) -> Self {
        Upgrading { item, from, to }
    }

    /// The schema version that stored the item (1 for an item without the version
    /// attribute).
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// let mut item = dynomodel::Item::new();
    /// assert_eq!(Upgrading::new(&mut item, 1, 2).from(), 1);
    /// ```
    pub fn from(&self) -> u32 {
        self.from
    }

    /// The schema version that the model writes.
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// let mut item = dynomodel::Item::new();
    /// assert_eq!(Upgrading::new(&mut item, 1, 2).to(), 2);
    /// ```
    pub fn to(&self) -> u32 {
        self.to
    }

    /// Whether the item holds `attr` (a NULL counts as absent, as the decode counts it).
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// let mut item = dynomodel::Item::new();
    /// assert!(!Upgrading::new(&mut item, 1, 2).has("domain"));
    /// ```
    pub fn has(&self, attr: &str) -> bool {
        !matches!(self.item.get(attr), None | Some(AttributeValue::Null(_)))
    }

    /// The value of `attr`, decoded as `T` (`None` where the item does not hold it); an
    /// attribute of another type is `Error::Decode` naming it.
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let mut item: dynomodel::Item = [("age".to_owned(), AttributeValue::S("old".into()))].into();
    /// let up = Upgrading::new(&mut item, 1, 2);
    /// assert!(up.get::<u32>("age").unwrap_err().to_string().contains("`age`"));
    /// assert_eq!(up.get::<u32>("legs")?, None);
    /// # Ok::<(), dynomodel::Error>(())
    /// ```
    pub fn get<T: AttrValue>(&self, attr: &str) -> Result<Option<T>> {
        match self.item.get(attr) {
            None | Some(AttributeValue::Null(_)) => Ok(None),
            Some(v) => T::from_attr(v).map(Some).map_err(|e| at(e, attr)),
        }
    }

    /// Sets `attr` to `value`, encoded as the model encodes a field of type `T`.
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// let mut item = dynomodel::Item::new();
    /// Upgrading::new(&mut item, 1, 2).set("tags", &vec!["a".to_owned()])?;
    /// assert!(item.contains_key("tags"));
    /// # Ok::<(), dynomodel::Error>(())
    /// ```
    pub fn set<T: AttrValue>(&mut self, attr: &str, value: &T) -> Result<()> {
        let v = value.to_attr().map_err(|e| at(e, attr))?;
        self.item.insert(attr.to_owned(), v);
        Ok(())
    }

    /// Removes `attr`, answering what it held.
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// let mut item = dynomodel::Item::new();
    /// assert!(Upgrading::new(&mut item, 1, 2).remove("legacy").is_none());
    /// ```
    pub fn remove(&mut self, attr: &str) -> Option<AttributeValue> {
        self.item.remove(attr)
    }

    /// Moves the value of `from` to `to` (where `to` holds nothing yet, or a NULL, which
    /// [`has`](Self::has) counts as absent; else `from` is only removed, and what `to` holds
    /// stays).
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// use aws_sdk_dynamodb::types::AttributeValue as A;
    /// let mut item: dynomodel::Item =
    ///     [("a".to_owned(), A::S("old".into())), ("b".to_owned(), A::S("new".into()))].into();
    /// Upgrading::new(&mut item, 1, 2).rename("a", "b");
    /// assert_eq!(item.len(), 1);
    /// assert_eq!(item["b"], A::S("new".into()));
    /// ```
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(v) = self.item.remove(from) {
            if !self.has(to) {
                self.item.insert(to.to_owned(), v);
            }
        }
    }

    /// The error of an item that cannot be upgraded: `Error::Decode` naming `attr` and why
    /// (the read answers it inside `Error::Upgrade`, with the versions).
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// let mut item = dynomodel::Item::new();
    /// let e = Upgrading::new(&mut item, 1, 2).fail("email", "no `@` in it");
    /// assert_eq!(e.to_string(), "cannot decode `email`: no `@` in it");
    /// ```
    pub fn fail(&self, attr: &str, message: impl Into<String>) -> Error {
        Error::Decode {
            path: attr.to_owned(),
            message: message.into(),
        }
    }

    /// The item as stored, for what the typed methods do not cover.
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// let mut item = dynomodel::Item::new();
    /// assert!(Upgrading::new(&mut item, 1, 2).item().is_empty());
    /// ```
    pub fn item(&self) -> &Item {
        self.item
    }

    /// The item, to change as raw attribute values.
    ///
    /// ```
    /// # use dynomodel::model::upgrade::Upgrading;
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let mut item = dynomodel::Item::new();
    /// Upgrading::new(&mut item, 1, 2).item_mut().insert("n".into(), AttributeValue::N("1".into()));
    /// assert_eq!(item.len(), 1);
    /// ```
    pub fn item_mut(&mut self) -> &mut Item {
        self.item
    }
}

/// The schema version that stored `item`: 1 where it has no version attribute; a version
/// attribute that is not a whole number is `Error::Decode` naming it.
///
/// ```
/// use dynomodel::model::upgrade::stored_version;
/// use aws_sdk_dynamodb::types::AttributeValue;
/// let mut item = dynomodel::Item::new();
/// assert_eq!(stored_version(&item)?, 1);
/// item.insert("_sv".into(), AttributeValue::N("3".into()));
/// assert_eq!(stored_version(&item)?, 3);
/// item.insert("_sv".into(), AttributeValue::S("3".into()));
/// assert!(stored_version(&item).unwrap_err().to_string().contains("`_sv`"));
/// # Ok::<(), dynomodel::Error>(())
/// ```
pub fn stored_version(item: &Item) -> Result<u32> {
    match item.get(SCHEMA_ATTR) {
        None | Some(AttributeValue::Null(_)) => Ok(1),
        Some(v) => u32::from_attr(v).map_err(|e| at(e, SCHEMA_ATTR)),
    }
}

/// `item` as model `M` reads it: upgraded (a copy) where an older schema version stored it,
/// else as it is. A failed upgrade is `Error::Upgrade`, with the versions and the cause; so
/// is an upgrade that changes the item's key (a table key attribute, or in a shared table a
/// field of a table key's template): the model read would be saved as another item, and the
/// stored one left old.
///
/// ```
/// # use dynomodel::doc_support::Pet;
/// let item = dynomodel::Item::new();
/// // A model that declares no schema version reads every item as it is.
/// assert!(matches!(dynomodel::model::upgrade::upgrade::<Pet>(&item)?, std::borrow::Cow::Borrowed(_)));
/// # Ok::<(), dynomodel::Error>(())
/// ```
pub fn upgrade<M: Model>(item: &Item) -> Result<Cow<'_, Item>> {
    let Some(schema) = M::SCHEMA else {
        return Ok(Cow::Borrowed(item));
    };
    let from = stored_version(item)?;
    if from >= schema.version {
        return Ok(Cow::Borrowed(item));
    }
    let mut up = item.clone();
    (schema.upgrade)(&mut Upgrading::new(&mut up, from, schema.version))
        .and_then(|()| same_key::<M>(item, &up))
        .map_err(|e| Error::Upgrade {
            from,
            to: schema.version,
            source: Box::new(e),
        })?;
    Ok(Cow::Owned(up))
}

/// Refuses an upgrade that gave `stored` another key: a save writes an item under the key
/// of what it decoded. In a shared table, the table keys are composed from fields at each
/// save; an upgrade may fill such a field, where the composed key stays the stored one.
fn same_key<M: Model>(stored: &Item, upgraded: &Item) -> Result<()> {
    let moved = |attr: &str| {
        Error::Decode {
        path: attr.to_owned(),
        message: "the upgrade changed the item's key, which a read cannot move: write the item under its new key instead".to_owned(),
    }
    };
    for attr in std::iter::once(M::HASH_KEY).chain(M::RANGE_KEY) {
        if upgraded.get(attr) != stored.get(attr) {
            return Err(moved(attr));
        }
    }
    let Some(e) = M::ENTITY else { return Ok(()) };
    for t in e.keys.iter().filter(|t| t.index.is_none()) {
        let Ok(Some(after)) = e.compose(t, |n| upgraded.get(n)) else {
            // Not composed: the save refuses it, naming the field.
            continue;
        };
        let before = match e.compose(t, |n| stored.get(n)) {
            Ok(Some(before)) => Some(before),
            _ => stored.get(t.attr).and_then(|v| v.as_s().ok()).cloned(),
        };
        if before.as_deref() != Some(after.as_str()) {
            let field = t.fields().find(|f| upgraded.get(*f) != stored.get(*f));
            return Err(moved(field.unwrap_or(t.attr)));
        }
    }
    Ok(())
}

/// For a model that declares a schema version: its attribute and value, which every save
/// writes into the item.
///
/// ```
/// # use dynomodel::doc_support::Pet;
/// assert!(dynomodel::model::upgrade::version_attr::<Pet>().is_none());
/// ```
pub fn version_attr<M: Model>() -> Option<(&'static str, AttributeValue)> {
    M::SCHEMA.map(|s| (SCHEMA_ATTR, AttributeValue::N(s.version.to_string())))
}

/// The upgrade of a model at schema version 1, which no item needs.
#[doc(hidden)]
pub fn no_upgrade(_: &mut Upgrading<'_>) -> Result<()> {
    Ok(())
}
