//! The traits that `#[derive(Document)]` and `#[derive(Model)]` implement, and the save
//! pipeline that every write runs.
//!
//! Layer: model, above `codec`: what a model is, without a client. Operations on models
//! live in `ops` ([`crate::ops::ModelOps`]).
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

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::{Result, ValidationErrors};

pub mod collection;
mod hooks;
mod index;
mod key;
pub(crate) mod managed;
mod nested;
pub mod path;
mod save;
pub mod single_table;
pub(crate) mod stored;
pub mod template;
pub mod upgrade;
pub mod validate;

pub use collection::{Collection, Member};
pub use hooks::Hooks;
pub use index::{Index, IndexKind, Projection};
#[doc(hidden)]
pub use key::key_attr;
pub use key::Key;
pub(crate) use key::{check_index_values, check_key, check_key_of};
pub use managed::{Timestamp, Version};
#[doc(hidden)]
pub use nested::Nested;
pub use path::Path;
#[doc(hidden)]
pub use save::version_error;
pub use save::{prepare_save, SavePlan};
pub use single_table::{Table, TableIndex};
pub use template::{Entity, KeyTemplate};
pub use upgrade::{SchemaVersion, Upgrading};

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
        Self::from_item(&image.clone().into())
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

    /// The largest version that the version field's type holds: an update that would store a
    /// larger one is refused, as a save is.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::Pet;
    /// assert_eq!(Pet::VERSION_MAX, u64::MAX);
    /// ```
    const VERSION_MAX: u64 = u64::MAX;
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

    /// The attributes, other than the keys, that an item must have for the model to read
    /// it: what an `upsert` that creates the item must set.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::REQUIRED, ["name", "owner"]);
    /// ```
    const REQUIRED: &'static [&'static str] = &[];

    /// For a model in a shared [`Table`] (`table = SomeTable`): its entity name and key
    /// templates. `None` for a model with a table of its own.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # use dynomodel::doc_support::single::Customer;
    /// assert!(Pet::ENTITY.is_none());
    /// assert_eq!(Customer::ENTITY.unwrap().name, "customer");
    /// ```
    const ENTITY: Option<&'static Entity> = None;

    /// The schema version that the model writes and how it upgrades an item stored by an
    /// older one (`#[dynomodel(schema_version = N, upgrade = "f")]`); `None` for a model
    /// that declares none. See the module [`upgrade`](mod@crate::model::upgrade).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::Pet;
    /// assert!(Pet::SCHEMA.is_none());
    /// ```
    const SCHEMA: Option<&'static SchemaVersion> = None;

    /// Decodes an item whose entity was checked already (by a collection).
    #[doc(hidden)]
    fn decode_member(item: &Item) -> Result<Self> {
        Self::from_item(item)
    }

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

    /// The stored version (0 for an item never saved), where the model has a `version`; a
    /// negative version (in a signed field) is a `Validation` error on the field.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(pet("1", "Rex").version()?, Some(0));
    /// # Ok::<(), Error>(())
    /// ```
    fn version(&self) -> Result<Option<u64>>;

    /// Sets the `version` field, where the model has one.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut p = pet("1", "Rex");
    /// p.set_version(7)?;
    /// assert_eq!(p.version, 7);
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// A version that the field's type cannot hold is a `Validation` error, and the field is
    /// left as it was.
    fn set_version(&mut self, version: u64) -> Result<()>;

    /// The managed attributes (version, `created_at`, `updated_at`) as they are now: a write
    /// that fails puts them back with [`Model::set_managed`], so that the caller's struct
    /// changes only when the write succeeded.
    #[doc(hidden)]
    type Managed: Send + 'static;

    /// A copy of the managed attributes.
    #[doc(hidden)]
    fn managed(&self) -> Self::Managed;

    /// Puts back managed attributes copied by [`Model::managed`].
    #[doc(hidden)]
    fn set_managed(&mut self, managed: Self::Managed);

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
