//! The traits that `#[derive(Document)]` and `#[derive(Model)]` implement, and the save
//! pipeline that every write runs.

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::Result;
use crate::path::Path;
use crate::validate::ValidationErrors;

/// A struct stored as a DynamoDB map: its field rules (defaults, transforms, validation) and
/// its codec. `#[derive(Document)]` implements it; a [`Model`] is a `Document` with a table.
pub trait Document: Sized + Send + Sync + 'static {
    /// The attribute names of the stored fields, in field order.
    const ATTRIBUTES: &'static [&'static str];

    /// The typed attribute handles of this document, rooted in model `R`.
    type Fields<R: 'static>: Send + Sync + 'static;

    /// The handles of this document's attributes below `base`.
    fn fields_at<R: 'static>(base: Path) -> Self::Fields<R>;

    /// Encodes every field (a `None` field writes nothing).
    fn to_item(&self) -> Result<Item>;

    /// Decodes an item: missing attributes take their `default`, and `get` transforms run.
    /// An item that does not fit is `Error::Decode` naming the attribute path.
    fn from_item(item: &Item) -> Result<Self>;

    /// Gives `None` fields that have a `default` their default, here and in nested documents.
    fn apply_defaults(&mut self);

    /// Runs the `set` transforms, here and in nested documents.
    fn apply_set_transforms(&mut self);

    /// Decodes a DynamoDB Stream record's `NewImage` or `OldImage` (feature `lambda`).
    #[cfg(feature = "lambda")]
    fn from_stream_image(image: &serde_dynamo::Item) -> Result<Self> {
        crate::lambda::from_stream_image(image)
    }

    /// Records every rule that this document breaks, with paths below `base` (empty at the top).
    fn validate_at(&self, base: &str, errors: &mut ValidationErrors);

    /// Every rule that this document breaks, as `Error::Validation`.
    fn validate(&self) -> Result<()> {
        let mut errors = ValidationErrors::default();
        self.validate_at("", &mut errors);
        errors.into_result()
    }
}

/// The kind of a secondary index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    /// A global secondary index: its own hash key.
    Global,
    /// A local secondary index: the table's hash key, its own range key.
    Local,
}

/// Which attributes a secondary index carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Projection {
    /// Every attribute.
    All,
    /// The table's and the index's keys only.
    KeysOnly,
    /// The keys and these attributes.
    Include(&'static [&'static str]),
}

/// A secondary index of model `M`, as declared with `gsi(...)`, `lsi(...)` or the field-level
/// `gsi_hash`/`gsi_range`/`lsi_range`.
#[derive(Debug)]
pub struct Index<M> {
    /// The index name.
    pub name: &'static str,
    /// Global or local.
    pub kind: IndexKind,
    /// The hash key attribute (the table's, for a local index).
    pub hash_key: &'static str,
    /// The range key attribute, if any.
    pub range_key: Option<&'static str>,
    /// The attributes that the index carries.
    pub projection: Projection,
    /// The model.
    pub model: PhantomData<fn() -> M>,
}

impl<M> Clone for Index<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Index<M> {}

/// The key of one item of model `M`: its hash key, and its range key where it has one.
/// `Pet::key(...)` makes one, with one typed argument per key attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Key<M> {
    item: Item,
    model: PhantomData<fn() -> M>,
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
    pub fn from_item(item: Item) -> Self {
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

/// A document stored in a table: keys, indexes, and the managed attributes (version,
/// timestamps, TTL). `#[derive(Model)]` implements it.
#[async_trait::async_trait]
pub trait Model: Document {
    /// The table name (before any `Db` prefix).
    const TABLE: &'static str;
    /// The hash key attribute.
    const HASH_KEY: &'static str;
    /// The range key attribute, if any.
    const RANGE_KEY: Option<&'static str>;
    /// The `version` attribute, if any.
    const VERSION: Option<&'static str>;
    /// The `created_at` attribute, if any.
    const CREATED_AT: Option<&'static str>;
    /// The `updated_at` attribute, if any.
    const UPDATED_AT: Option<&'static str>;
    /// The `ttl` attribute, if any.
    const TTL: Option<&'static str>;
    /// Whether the model opted into [`Hooks`]: without them, no hook call is made at all.
    const HAS_HOOKS: bool = false;

    /// The secondary indexes.
    fn indexes() -> &'static [Index<Self>];

    /// The key of this item.
    fn key_of(&self) -> Result<Key<Self>>;

    /// The stored version (0 for an item never saved), where the model has a `version`.
    fn version(&self) -> Option<u64>;

    /// Sets the `version` field, where the model has one.
    fn set_version(&mut self, version: u64);

    /// Sets `updated_at` to `now`, and `created_at` where it is not set yet.
    fn touch(&mut self, now: std::time::SystemTime);

    /// The `updated_at` value for `now`, written as the field writes it (for updates).
    fn updated_at_value(now: std::time::SystemTime) -> Result<Option<AttributeValue>>;

    /// An example value of every key attribute (table and indexes), for their types.
    fn key_types() -> crate::codec::Item;

    /// Creates the table of this model: `Pet::create_table().exec(&db)`.
    fn create_table() -> crate::table::CreateTable<Self> {
        crate::table::CreateTable::new()
    }

    /// Reads one item: `Pet::get(Pet::key("1")).consistent().exec(&db)`.
    fn get(key: Key<Self>) -> crate::ops::Get<Self> {
        crate::ops::Get::new(key)
    }

    /// Updates one item with typed actions, and returns it as stored after the update.
    fn update(key: Key<Self>) -> crate::ops::Update<Self> {
        crate::ops::Update::new(key)
    }

    /// Deletes one item.
    fn delete(key: Key<Self>) -> crate::ops::Delete<Self> {
        crate::ops::Delete::new(key)
    }

    /// Queries one partition of the table or of an index, by hash-key equality.
    fn query(hash_key: crate::condition::Condition<Self>) -> crate::query::Query<Self> {
        crate::query::Query::new(hash_key)
    }

    /// Scans the table or an index.
    fn scan() -> crate::query::Scan<Self> {
        crate::query::Scan::new()
    }

    /// Reads any number of keys, in chunks of 100 sent concurrently; one result per key, in
    /// order.
    fn batch_get(keys: impl IntoIterator<Item = Key<Self>>) -> crate::batch::BatchGet<Self> {
        crate::batch::BatchGet::new(keys)
    }

    /// Writes any number of items, in chunks of 25 sent concurrently.
    fn batch_put(items: impl IntoIterator<Item = Self>) -> crate::batch::BatchPut<Self> {
        crate::batch::BatchPut::new(items)
    }

    /// Deletes any number of keys, in chunks of 25 sent concurrently.
    fn batch_delete(keys: impl IntoIterator<Item = Key<Self>>) -> crate::batch::BatchDelete<Self> {
        crate::batch::BatchDelete::new(keys)
    }

    /// Writes a new item after the save pipeline; fails with `AlreadyExists` where an item
    /// has its key. The model is updated with what the save decided (defaults, transforms,
    /// timestamps, version).
    async fn create(&mut self, db: &crate::Db) -> Result<()> {
        crate::ops::put(self, db, crate::ops::PutMode::Create).await
    }

    /// Writes the item after the save pipeline, replacing what is stored. A versioned model
    /// fails with `VersionConflict` where another writer saved first.
    async fn save(&mut self, db: &crate::Db) -> Result<()> {
        crate::ops::put(self, db, crate::ops::PutMode::Save).await
    }

    /// The `before_save` hook (a no-op unless the model opts into `hooks`).
    async fn run_before_save(&mut self) -> Result<()>;

    /// The `after_load` hook.
    async fn run_after_load(&mut self) -> Result<()>;

    /// The `before_delete` hook.
    async fn run_before_delete(key: &Key<Self>) -> Result<()>;
}

/// Mongoose-style middleware: opt in with `#[dynomodel(hooks)]` and implement the methods
/// that you need; the others do nothing.
///
/// ```
/// use dynomodel::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Model, Serialize, Deserialize, Debug, Clone)]
/// #[dynomodel(table = "notes", hooks)]
/// struct Note {
///     #[dynomodel(hash_key)]
///     id: String,
///     body: String,
/// }
///
/// #[dynomodel::async_trait]
/// impl Hooks for Note {
///     async fn before_save(&mut self) -> Result<()> {
///         if self.body.contains("password") {
///             return Err(Error::InvalidRequest("notes must not hold passwords".into()));
///         }
///         Ok(())
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Hooks: Model {
    /// Runs at save after defaults and `set` transforms, before validation.
    async fn before_save(&mut self) -> Result<()> {
        Ok(())
    }
    /// Runs after an item is read and decoded.
    async fn after_load(&mut self) -> Result<()> {
        Ok(())
    }
    /// Runs before an item is deleted.
    async fn before_delete(_key: &Key<Self>) -> Result<()> {
        Ok(())
    }
}

/// What a save sends: the encoded item, and the version that the stored item must still
/// have (for a versioned model).
#[derive(Debug, Clone, PartialEq)]
pub struct SavePlan {
    /// The item to write.
    pub item: Item,
    /// The version read before this save (0: the item must not exist yet), for a model with
    /// a `version`.
    pub expected_version: Option<u64>,
    /// The item's size as DynamoDB counts it.
    pub size: usize,
}

/// The save pipeline, in Dynamoose's order: defaults, `set` transforms, the `before_save`
/// hook, validation (every failure collected), timestamps and version, then encoding.
///
/// The model is changed in place, so that the caller sees what the save decided. Nothing is
/// sent: an error here means nothing was written.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # futures::executor::block_on(async {
/// let mut p = pet("1", "  Rex ");
/// let plan = dynomodel::model::prepare_save(&mut p).await?;
/// assert_eq!(p.name, "Rex");
/// assert_eq!(plan.expected_version, Some(0));
/// assert_eq!(p.version, 1);
/// # Ok::<(), Error>(()) })?;
/// # Ok::<(), Error>(())
/// ```
pub async fn prepare_save<M: Model>(model: &mut M) -> Result<SavePlan> {
    model.apply_defaults();
    model.apply_set_transforms();
    if M::HAS_HOOKS {
        model.run_before_save().await?;
    }
    model.validate()?;
    let expected_version = model.version();
    if let Some(v) = expected_version {
        model.set_version(v + 1);
    }
    model.touch(std::time::SystemTime::now());
    let item = model.to_item()?;
    let size = crate::codec::item_size(&item);
    if size > crate::codec::MAX_ITEM_SIZE {
        return Err(crate::Error::ItemTooLarge { size });
    }
    Ok(SavePlan {
        item,
        expected_version,
        size,
    })
}

/// The nested-document rules of a field type: documents, and options, lists and maps of
/// them. The derive reaches it through [`crate::__private::Rules`], which does nothing for
/// other types.
pub trait Nested {
    /// See [`Document::apply_defaults`].
    fn nested_defaults(&mut self);
    /// See [`Document::apply_set_transforms`].
    fn nested_set(&mut self);
    /// See [`Document::validate_at`].
    fn nested_validate(&self, path: &str, errors: &mut ValidationErrors);
}

impl<D: Document> Nested for D {
    fn nested_defaults(&mut self) {
        self.apply_defaults()
    }
    fn nested_set(&mut self) {
        self.apply_set_transforms()
    }
    fn nested_validate(&self, path: &str, errors: &mut ValidationErrors) {
        self.validate_at(path, errors)
    }
}

impl<D: Document> Nested for Vec<D> {
    fn nested_defaults(&mut self) {
        self.iter_mut().for_each(D::apply_defaults)
    }
    fn nested_set(&mut self) {
        self.iter_mut().for_each(D::apply_set_transforms)
    }
    fn nested_validate(&self, path: &str, errors: &mut ValidationErrors) {
        for (i, d) in self.iter().enumerate() {
            d.validate_at(&format!("{path}[{i}]"), errors)
        }
    }
}

macro_rules! nested_maps {
    ($($map:ident),*) => {$(
        impl<D: Document> Nested for $map<String, D> {
            fn nested_defaults(&mut self) {
                self.values_mut().for_each(D::apply_defaults)
            }
            fn nested_set(&mut self) {
                self.values_mut().for_each(D::apply_set_transforms)
            }
            fn nested_validate(&self, path: &str, errors: &mut ValidationErrors) {
                for (k, d) in self {
                    d.validate_at(&format!("{path}.{k}"), errors)
                }
            }
        }
    )*};
}
nested_maps!(HashMap, BTreeMap);

impl<D: Document> Nested for Option<D> {
    fn nested_defaults(&mut self) {
        if let Some(d) = self {
            d.apply_defaults()
        }
    }
    fn nested_set(&mut self) {
        if let Some(d) = self {
            d.apply_set_transforms()
        }
    }
    fn nested_validate(&self, path: &str, errors: &mut ValidationErrors) {
        if let Some(d) = self {
            d.validate_at(path, errors)
        }
    }
}

/// A value that a `created_at`/`updated_at` field can hold.
pub trait Timestamp: Sized {
    /// The value for `now`.
    fn at(now: std::time::SystemTime) -> Self;
    /// Whether the field is still unset (`None`, or 0 epoch seconds).
    fn is_unset(&self) -> bool;
    /// Sets the field to `now`.
    fn set_now(&mut self, now: std::time::SystemTime) {
        *self = Self::at(now);
    }
}

fn epoch_secs(now: std::time::SystemTime) -> i64 {
    now.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Timestamp for i64 {
    fn at(now: std::time::SystemTime) -> Self {
        epoch_secs(now)
    }
    fn is_unset(&self) -> bool {
        *self == 0
    }
}

impl Timestamp for u64 {
    fn at(now: std::time::SystemTime) -> Self {
        epoch_secs(now) as u64
    }
    fn is_unset(&self) -> bool {
        *self == 0
    }
}

#[cfg(feature = "chrono")]
impl Timestamp for chrono::DateTime<chrono::Utc> {
    fn at(now: std::time::SystemTime) -> Self {
        now.into()
    }
    fn is_unset(&self) -> bool {
        self.timestamp() == 0
    }
}

#[cfg(feature = "time")]
impl Timestamp for time::OffsetDateTime {
    fn at(now: std::time::SystemTime) -> Self {
        now.into()
    }
    fn is_unset(&self) -> bool {
        self.unix_timestamp() == 0
    }
}

impl<T: Timestamp> Timestamp for Option<T> {
    fn at(now: std::time::SystemTime) -> Self {
        Some(T::at(now))
    }
    fn is_unset(&self) -> bool {
        self.as_ref().is_none_or(T::is_unset)
    }
}

/// An integer that a `version` field can hold.
pub trait Version {
    /// The version as `u64`.
    fn get(&self) -> u64;
    /// Sets the version.
    fn set(&mut self, v: u64);
}

macro_rules! versions {
    ($($t:ty),*) => {$(
        impl Version for $t {
            fn get(&self) -> u64 {
                *self as u64
            }
            fn set(&mut self, v: u64) {
                *self = v as $t;
            }
        }
    )*};
}
versions!(u8, u16, u32, u64, usize, i32, i64);

/// Reads an attribute of a key that was passed to `M::key(...)`: used by the derive.
pub fn key_attr<T: crate::codec::AttrValue>(name: &str, v: &T) -> Result<(String, AttributeValue)> {
    let value = v.to_attr().map_err(|e| crate::codec::at(e, name))?;
    if matches!(&value, AttributeValue::S(s) if s.is_empty()) {
        return Err(crate::Error::InvalidRequest(format!(
            "the key attribute `{name}` is an empty string, which DynamoDB does not allow"
        )));
    }
    Ok((name.to_owned(), value))
}
