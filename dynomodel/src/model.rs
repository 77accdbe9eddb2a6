//! The traits that `#[derive(Document)]` and `#[derive(Model)]` implement, and the save
//! pipeline that every write runs.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! # futures::executor::block_on(async {
//! let mut p = pet("1", "  Rex  ");
//! let plan = dynomodel::model::prepare_save(&mut p).await?; // what `create` and `save` run
//! assert_eq!(p.name, "Rex"); // the `set = "trim"` transform
//! assert_eq!(Pet::from_item(&plan.item)?, p);
//! # Ok::<(), Error>(()) })?;
//! # Ok::<(), Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::Result;
use crate::path::Path;
use crate::validate::ValidationErrors;

/// A struct stored as a DynamoDB map: its field rules (defaults, transforms, validation) and
/// its codec. `#[derive(Document)]` implements it; a [`Model`] is a `Document` with a table.
///
/// ```
/// use dynomodel::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Document, Serialize, Deserialize, Debug, PartialEq)]
/// struct Address {
///     #[dynomodel(set = "trim", validate(length(min = 1)))]
///     street: String,
///     #[dynomodel(default = "Oslo")]
///     city: Option<String>,
/// }
///
/// let mut a = Address { street: "  Main St ".into(), city: None };
/// a.apply_defaults();
/// a.apply_set_transforms();
/// assert_eq!(a, Address { street: "Main St".into(), city: Some("Oslo".into()) });
/// assert_eq!(Address::from_item(&a.to_item()?)?, a);
/// # Ok::<(), Error>(())
/// ```
pub trait Document: Sized + Send + Sync + 'static {
    /// The attribute names of the stored fields, in field order.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(&Pet::ATTRIBUTES[..3], ["id", "name", "age"]);
    /// ```
    const ATTRIBUTES: &'static [&'static str];

    /// The typed attribute handles of this document, rooted in model `R`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f: <Pet as Document>::Fields<Pet> = Pet::fields();
    /// assert_eq!(f.owner.path().to_string(), "owner");
    /// ```
    type Fields<R: 'static>: Send + Sync + 'static;

    /// The handles of this document's attributes below `base`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::doc_support::Address;
    /// let f = Address::fields_at::<Pet>(dynomodel::Path::root("address"));
    /// assert_eq!(f.city.path().to_string(), "address.city");
    /// ```
    fn fields_at<R: 'static>(base: Path) -> Self::Fields<R>;

    /// Encodes every field (a `None` field writes nothing).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let item = pet("1", "Rex").to_item()?;
    /// assert!(item.contains_key("name"));
    /// assert!(!item.contains_key("address")); // None
    /// assert!(!item.contains_key("tags")); // an empty set
    /// # Ok::<(), Error>(())
    /// ```
    fn to_item(&self) -> Result<Item>;

    /// Decodes an item: missing attributes take their `default`, and `get` transforms run.
    /// An item that does not fit is `Error::Decode` naming the attribute path.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let mut item = pet("1", "Rex").to_item()?;
    /// assert_eq!(Pet::from_item(&item)?.name, "Rex");
    /// item.insert("age".into(), AttributeValue::S("old".into()));
    /// let err = Pet::from_item(&item).unwrap_err();
    /// assert!(matches!(err, Error::Decode { ref path, .. } if path == "age"), "{err}");
    /// # Ok::<(), Error>(())
    /// ```
    fn from_item(item: &Item) -> Result<Self>;

    /// Gives `None` fields that have a `default` their default, here and in nested documents.
    ///
    /// The save pipeline calls it; `from_item` gives defaults to missing attributes.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Document, Serialize, Deserialize)]
    /// struct Settings {
    ///     #[dynomodel(default = "en")]
    ///     language: Option<String>,
    /// }
    ///
    /// let mut s = Settings { language: None };
    /// s.apply_defaults();
    /// assert_eq!(s.language.as_deref(), Some("en"));
    /// ```
    fn apply_defaults(&mut self);

    /// Runs the `set` transforms, here and in nested documents.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut p = pet("1", "  Rex  ");
    /// p.apply_set_transforms();
    /// assert_eq!(p.name, "Rex");
    /// ```
    fn apply_set_transforms(&mut self);

    /// Decodes a DynamoDB Stream record's `NewImage` or `OldImage` (feature `lambda`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let image: serde_dynamo::Item = serde_json::from_str(
    ///     r#"{"id": {"S": "7"}, "name": {"S": "Rex"}, "owner": {"S": "ann"}, "version": {"N": "1"}}"#,
    /// ).unwrap();
    /// assert_eq!(Pet::from_stream_image(&image)?.id, "7");
    /// # Ok::<(), Error>(())
    /// ```
    #[cfg(feature = "lambda")]
    fn from_stream_image(image: &serde_dynamo::Item) -> Result<Self> {
        crate::lambda::from_stream_image(image)
    }

    /// Records every rule that this document breaks, with paths below `base` (empty at the top).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::ValidationErrors;
    /// let mut errors = ValidationErrors::default();
    /// pet("1", "").validate_at("pets[0]", &mut errors);
    /// assert_eq!(errors.iter().next().unwrap().path, "pets[0].name");
    /// ```
    fn validate_at(&self, base: &str, errors: &mut ValidationErrors);

    /// Every rule that this document breaks, as `Error::Validation`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut p = pet("1", "");
    /// p.age = 200;
    /// let Err(Error::Validation(errors)) = p.validate() else { panic!() };
    /// let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    /// assert_eq!(paths, ["name", "age"]);
    /// ```
    fn validate(&self) -> Result<()> {
        let mut errors = ValidationErrors::default();
        self.validate_at("", &mut errors);
        errors.into_result()
    }
}

/// The kind of a secondary index.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::model::IndexKind;
/// assert_eq!(Pet::indexes()[0].kind, IndexKind::Global);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    /// A global secondary index: its own hash key.
    Global,
    /// A local secondary index: the table's hash key, its own range key.
    Local,
}

/// Which attributes a secondary index carries: `projection = "all"` (the default),
/// `"keys_only"`, or `include(...)` in the index declaration.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::model::Projection;
/// assert_eq!(Pet::indexes()[0].projection, Projection::All);
/// ```
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
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let by_owner = &Pet::indexes()[0];
/// assert_eq!((by_owner.name, by_owner.hash_key, by_owner.range_key), ("by_owner", "owner", Some("name")));
/// ```
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
///
/// ```no_run
/// use dynomodel::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Model, Serialize, Deserialize, Debug, Clone)]
/// #[dynomodel(table = "orders")]
/// struct Order {
///     #[dynomodel(hash_key)]
///     customer: String,
///     #[dynomodel(range_key)]
///     id: u64,
///     total_cents: u64,
///     #[dynomodel(version)]
///     version: u64,
///     #[dynomodel(created_at)]
///     created_at: i64,
///     #[dynomodel(updated_at)]
///     updated_at: i64,
/// }
///
/// # async fn run(db: &Db) -> Result<()> {
/// Order::create_table().exec(db).await?;
/// let mut order = Order {
///     customer: "ann".into(), id: 1, total_cents: 1250, version: 0,
///     created_at: 0, updated_at: 0,
/// };
/// order.create(db).await?;
/// let stored = Order::get(Order::key("ann", 1u64)).exec(db).await?;
/// assert_eq!(stored.map(|o| o.version), Some(1));
/// # Ok(()) }
/// ```
#[async_trait::async_trait]
pub trait Model: Document {
    /// The table name (before any `Db` prefix).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::TABLE, "pets");
    /// ```
    const TABLE: &'static str;
    /// The hash key attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::HASH_KEY, "id");
    /// ```
    const HASH_KEY: &'static str;
    /// The range key attribute, if any.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::RANGE_KEY, None);
    /// ```
    const RANGE_KEY: Option<&'static str>;
    /// The `version` attribute, if any.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::VERSION, Some("version"));
    /// ```
    const VERSION: Option<&'static str>;
    /// The `created_at` attribute, if any.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::CREATED_AT, None);
    /// ```
    const CREATED_AT: Option<&'static str>;
    /// The `updated_at` attribute, if any.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::UPDATED_AT, None);
    /// ```
    const UPDATED_AT: Option<&'static str>;
    /// The `ttl` attribute, if any.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::TTL, None);
    /// ```
    const TTL: Option<&'static str>;
    /// Whether the model opted into [`Hooks`]: without them, no hook call is made at all.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert!(!Pet::HAS_HOOKS);
    /// ```
    const HAS_HOOKS: bool = false;

    /// The secondary indexes.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::indexes().iter().map(|i| i.name).collect::<Vec<_>>(), ["by_owner"]);
    /// ```
    fn indexes() -> &'static [Index<Self>];

    /// The key of this item.
    ///
    /// An empty string in a key attribute is `InvalidRequest` (DynamoDB refuses it).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(pet("1", "Rex").key_of()?, Pet::key("1"));
    /// assert!(pet("", "Rex").key_of().is_err());
    /// # Ok::<(), Error>(())
    /// ```
    fn key_of(&self) -> Result<Key<Self>>;

    /// The stored version (0 for an item never saved), where the model has a `version`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(pet("1", "Rex").version(), Some(0));
    /// ```
    fn version(&self) -> Option<u64>;

    /// Sets the `version` field, where the model has one.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut p = pet("1", "Rex");
    /// p.set_version(7);
    /// assert_eq!(p.version, 7);
    /// ```
    fn set_version(&mut self, version: u64);

    /// Sets `updated_at` to `now`, and `created_at` where it is not set yet.
    ///
    /// The save pipeline calls it; a model without timestamps ignores it.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "notes")]
    /// struct Note {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    ///     #[dynomodel(created_at)]
    ///     created_at: i64,
    ///     #[dynomodel(updated_at)]
    ///     updated_at: i64,
    /// }
    ///
    /// let mut n = Note { id: "1".into(), created_at: 0, updated_at: 0 };
    /// n.touch(std::time::UNIX_EPOCH + std::time::Duration::from_secs(100));
    /// n.touch(std::time::UNIX_EPOCH + std::time::Duration::from_secs(200));
    /// assert_eq!((n.created_at, n.updated_at), (100, 200));
    /// ```
    fn touch(&mut self, now: std::time::SystemTime);

    /// The `updated_at` value for `now`, written as the field writes it (for updates).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// // Pet has no updated_at.
    /// assert_eq!(Pet::updated_at_value(std::time::SystemTime::now())?, None);
    /// # Ok::<(), Error>(())
    /// ```
    fn updated_at_value(now: std::time::SystemTime) -> Result<Option<AttributeValue>>;

    /// An example value of every key attribute (table and indexes), for their types.
    ///
    /// `create_table` takes the attribute definitions from it.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let types = Pet::key_types();
    /// assert!(matches!(types["id"], AttributeValue::S(_)));
    /// assert!(matches!(types["owner"], AttributeValue::S(_)));
    /// ```
    fn key_types() -> crate::codec::Item;

    /// Creates the table of this model: `Pet::create_table().exec(&db)`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::create_table().billing_on_demand().exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn create_table() -> crate::table::CreateTable<Self> {
        crate::table::CreateTable::new()
    }

    /// Deletes the table of this model, with its items: `Pet::delete_table().exec(&db)`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::delete_table().exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn delete_table() -> crate::table::DeleteTable<Self> {
        crate::table::DeleteTable::new()
    }

    /// Reads one item: `Pet::get(Pet::key("1")).consistent().exec(&db)`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let found: Option<Pet> = Pet::get(Pet::key("1")).consistent().exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn get(key: Key<Self>) -> crate::ops::Get<Self> {
        crate::ops::Get::new(key)
    }

    /// Updates one item with typed actions, and returns it as stored after the update.
    ///
    /// A missing key is `NotFound` unless the update is an `upsert()`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let f = Pet::fields();
    /// let p: Pet = Pet::update(Pet::key("1"))
    ///     .add(&f.age, 1u32)
    ///     .condition(f.age.lt(100u32))
    ///     .exec(db)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    fn update(key: Key<Self>) -> crate::ops::Update<Self> {
        crate::ops::Update::new(key)
    }

    /// Deletes one item.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::delete(Pet::key("1")).exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn delete(key: Key<Self>) -> crate::ops::Delete<Self> {
        crate::ops::Delete::new(key)
    }

    /// Queries one partition of the table or of an index, by hash-key equality.
    ///
    /// The table or the index whose keys fit the conditions is chosen.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let f = Pet::fields();
    /// let page = Pet::query(f.owner.eq("rachel"))
    ///     .range(f.name.begins_with("R"))
    ///     .limit(20)
    ///     .exec(db)
    ///     .await?;
    /// for p in &page.items {
    ///     println!("{}", p.name);
    /// }
    /// # Ok(()) }
    /// ```
    fn query(hash_key: crate::condition::Condition<Self>) -> crate::query::Query<Self> {
        crate::query::Query::new(hash_key)
    }

    /// Scans the table or an index.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let old: Vec<Pet> = Pet::scan().filter(Pet::fields().age.gt(10u32)).all(db).await?;
    /// # Ok(()) }
    /// ```
    fn scan() -> crate::query::Scan<Self> {
        crate::query::Scan::new()
    }

    /// Reads any number of keys, in chunks of 100 sent concurrently; one result per key, in
    /// order.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pets: Vec<Option<Pet>> = Pet::batch_get(["1", "2"].map(Pet::key)).exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn batch_get(keys: impl IntoIterator<Item = Key<Self>>) -> crate::batch::BatchGet<Self> {
        crate::batch::BatchGet::new(keys)
    }

    /// Writes any number of items, in chunks of 25 sent concurrently.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::batch_put((0..100).map(|i| pet(&i.to_string(), "Rex"))).exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn batch_put(items: impl IntoIterator<Item = Self>) -> crate::batch::BatchPut<Self> {
        crate::batch::BatchPut::new(items)
    }

    /// Deletes any number of keys, in chunks of 25 sent concurrently.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::batch_delete((0..100).map(|i| Pet::key(i.to_string()))).exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn batch_delete(keys: impl IntoIterator<Item = Key<Self>>) -> crate::batch::BatchDelete<Self> {
        crate::batch::BatchDelete::new(keys)
    }

    /// Writes a new item after the save pipeline; fails with `AlreadyExists` where an item
    /// has its key. The model is updated with what the save decided (defaults, transforms,
    /// timestamps, version).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let mut p = pet("1", "  Rex ");
    /// match p.create(db).await {
    ///     Ok(()) => assert_eq!((p.name.as_str(), p.version), ("Rex", 1)),
    ///     Err(Error::AlreadyExists { .. }) => println!("pet 1 exists"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    async fn create(&mut self, db: &crate::Db) -> Result<()> {
        crate::ops::put(self, db, crate::ops::PutMode::Create).await
    }

    /// Writes the item after the save pipeline, replacing what is stored. A versioned model
    /// fails with `VersionConflict` where another writer saved first.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// if let Some(mut p) = Pet::get(Pet::key("1")).exec(db).await? {
    ///     p.age += 1;
    ///     match p.save(db).await {
    ///         Err(Error::VersionConflict { .. }) => println!("changed meanwhile: read it again"),
    ///         other => other?,
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    async fn save(&mut self, db: &crate::Db) -> Result<()> {
        crate::ops::put(self, db, crate::ops::PutMode::Save).await
    }

    /// The `before_save` hook (a no-op unless the model opts into `hooks`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let mut p = pet("1", "Rex");
    /// p.run_before_save().await?; // Pet has no hooks: nothing happens
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    async fn run_before_save(&mut self) -> Result<()>;

    /// The `after_load` hook.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let mut p = pet("1", "Rex");
    /// p.run_after_load().await?;
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    async fn run_after_load(&mut self) -> Result<()>;

    /// The `before_delete` hook.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// Pet::run_before_delete(&Pet::key("1")).await?;
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
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
    ///
    /// An error stops the save before anything is written.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "slugs", hooks)]
    /// struct Page {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    ///     title: String,
    ///     slug: String,
    /// }
    ///
    /// #[dynomodel::async_trait]
    /// impl Hooks for Page {
    ///     async fn before_save(&mut self) -> Result<()> {
    ///         self.slug = self.title.to_lowercase().replace(' ', "-");
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// let mut p = Page { id: "1".into(), title: "Hello World".into(), slug: String::new() };
    /// dynomodel::model::prepare_save(&mut p).await?;
    /// assert_eq!(p.slug, "hello-world");
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    async fn before_save(&mut self) -> Result<()> {
        Ok(())
    }
    /// Runs after an item is read and decoded.
    ///
    /// An error is returned by the read instead of the item.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "users", hooks)]
    /// struct User {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    ///     #[serde(skip)]
    ///     loaded: bool,
    /// }
    ///
    /// #[dynomodel::async_trait]
    /// impl Hooks for User {
    ///     async fn after_load(&mut self) -> Result<()> {
    ///         self.loaded = true;
    ///         Ok(())
    ///     }
    /// }
    /// ```
    async fn after_load(&mut self) -> Result<()> {
        Ok(())
    }
    /// Runs before an item is deleted.
    ///
    /// An error stops the delete before anything is sent.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "accounts", hooks)]
    /// struct Account {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    /// }
    ///
    /// #[dynomodel::async_trait]
    /// impl Hooks for Account {
    ///     async fn before_delete(key: &Key<Self>) -> Result<()> {
    ///         if key == &Account::key("root") {
    ///             return Err(Error::InvalidRequest("the root account stays".into()));
    ///         }
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// assert!(Account::run_before_delete(&Account::key("root")).await.is_err());
    /// assert!(Account::run_before_delete(&Account::key("ann")).await.is_ok());
    /// # });
    /// ```
    async fn before_delete(_key: &Key<Self>) -> Result<()> {
        Ok(())
    }
}

/// What a save sends: the encoded item, and the version that the stored item must still
/// have (for a versioned model).
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # futures::executor::block_on(async {
/// let mut p = pet("1", "Rex");
/// p.version = 4;
/// let plan = dynomodel::model::prepare_save(&mut p).await?;
/// assert_eq!(plan.expected_version, Some(4));
/// assert_eq!(plan.item["version"], aws_sdk_dynamodb::types::AttributeValue::N("5".into()));
/// assert_eq!(plan.size, dynomodel::codec::item_size(&plan.item));
/// # Ok::<(), Error>(()) })?;
/// # Ok::<(), Error>(())
/// ```
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
#[doc(hidden)]
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

/// A value that a `created_at`/`updated_at` field can hold: `i64`/`u64` epoch seconds,
/// `chrono::DateTime<Utc>` (feature `chrono`), `time::OffsetDateTime` (feature `time`), or an
/// `Option` of one.
///
/// ```
/// use dynomodel::model::Timestamp;
/// use std::time::{Duration, UNIX_EPOCH};
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(<Option<i64>>::at(now), Some(1_700_000_000));
/// ```
pub trait Timestamp: Sized {
    /// The value for `now`.
    ///
    /// ```
    /// use dynomodel::model::Timestamp;
    /// assert_eq!(u64::at(std::time::UNIX_EPOCH), 0);
    /// ```
    fn at(now: std::time::SystemTime) -> Self;
    /// Whether the field is still unset (`None`, or 0 epoch seconds): `created_at` is set
    /// only then.
    ///
    /// ```
    /// use dynomodel::model::Timestamp;
    /// assert!(Option::<i64>::None.is_unset());
    /// assert!(0i64.is_unset());
    /// assert!(!Some(5i64).is_unset());
    /// ```
    fn is_unset(&self) -> bool;
    /// Sets the field to `now`.
    ///
    /// ```
    /// use dynomodel::model::Timestamp;
    /// let mut t: Option<u64> = None;
    /// t.set_now(std::time::UNIX_EPOCH + std::time::Duration::from_secs(9));
    /// assert_eq!(t, Some(9));
    /// ```
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

/// An integer that a `version` field can hold: `u8`, `u16`, `u32`, `u64`, `usize`, `i32` or
/// `i64`.
///
/// ```
/// use dynomodel::model::Version;
/// let mut v: u32 = 1;
/// v.set(v.get() + 1);
/// assert_eq!(v, 2);
/// ```
pub trait Version {
    /// The version as `u64`.
    ///
    /// ```
    /// use dynomodel::model::Version;
    /// assert_eq!(Version::get(&7i64), 7);
    /// ```
    fn get(&self) -> u64;
    /// Sets the version.
    ///
    /// ```
    /// use dynomodel::model::Version;
    /// let mut v = 0u64;
    /// Version::set(&mut v, 3);
    /// assert_eq!(v, 3);
    /// ```
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
#[doc(hidden)]
pub fn key_attr<T: crate::codec::AttrValue>(name: &str, v: &T) -> Result<(String, AttributeValue)> {
    let value = v.to_attr().map_err(|e| crate::codec::at(e, name))?;
    if matches!(&value, AttributeValue::S(s) if s.is_empty()) {
        return Err(crate::Error::InvalidRequest(format!(
            "the key attribute `{name}` is an empty string, which DynamoDB does not allow"
        )));
    }
    Ok((name.to_owned(), value))
}
