//! Operations: each builds its SDK input from a model and expressions (what `to_request`
//! returns), then sends it through [`Db`] and decodes the answer. One module per operation
//! family; [`ModelOps`] gives every model its entry points (`Pet::get`, `pet.save(&db)`).
//! Layer: ops, above `db`; the schema layer and the edge (`local`, `lambda`) are higher.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! # async fn run(db: &Db) -> Result<()> {
//! let mut p = pet("1", "Rex");
//! p.create(db).await?;
//! p.age += 1;
//! p.save(db).await?;
//! let f = Pet::fields();
//! let p = Pet::update(Pet::key("1")).add(&f.age, 1u32).exec(db).await?;
//! let again = Pet::get(Pet::key("1")).consistent().exec(db).await?;
//! assert_eq!(again, Some(p));
//! Pet::delete(Pet::key("1")).exec(db).await?;
//! # Ok(()) }
//! ```

use crate::db::Db;
use crate::error::Result;
use crate::expr::condition::Condition;
use crate::model::{Collection, Key, Member, Model};

pub mod batch;
pub(crate) mod conditions;
mod delete;
pub(crate) mod get;
mod index_keys;
mod put;
pub mod query;
pub mod request;
pub(crate) mod send;
pub mod transaction;
mod update;

use batch::{BatchDelete, BatchGet, BatchPut};
pub use delete::Delete;
pub use get::{Get, Projected};
pub use put::put_request;
pub(crate) use put::rewrite_request;
use query::{Query, Scan};
pub use update::Update;

/// The operations of every model: `Pet::get(..)`, `Pet::query(..)`, `pet.save(&db)`, ...
///
/// A blanket extension trait, so that the model layer below names no operation; the prelude
/// brings it into scope.
///
/// ```
/// use dynomodel::prelude::*;
/// # use dynomodel::doc_support::Pet;
/// let r = Pet::get(Pet::key("1")).consistent().to_request()?;
/// assert_eq!((r.operation, r.table), ("GetItem", "pets"));
/// # Ok::<(), Error>(())
/// ```
#[async_trait::async_trait]
pub trait ModelOps: Model {
    /// Reads one item: `Pet::get(Pet::key("1")).consistent().exec(&db)`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let found: Option<Pet> = Pet::get(Pet::key("1")).consistent().exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn get(key: Key<Self>) -> Get<Self> {
        Get::new(key)
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
    fn update(key: Key<Self>) -> Update<Self> {
        Update::new(key)
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
    fn delete(key: Key<Self>) -> Delete<Self> {
        Delete::new(key)
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
    fn query(hash_key: Condition<Self>) -> Query<Self> {
        Query::new(hash_key)
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
    fn scan() -> Scan<Self> {
        Scan::new()
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
    fn batch_get(keys: impl IntoIterator<Item = Key<Self>>) -> BatchGet<Self> {
        BatchGet::new(keys)
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
    fn batch_put(items: impl IntoIterator<Item = Self>) -> BatchPut<Self> {
        BatchPut::new(items)
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
    fn batch_delete(keys: impl IntoIterator<Item = Key<Self>>) -> BatchDelete<Self> {
        BatchDelete::new(keys)
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
    async fn create(&mut self, db: &Db) -> Result<()> {
        put::put(self, db, put::PutMode::Create, None).await
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
    async fn save(&mut self, db: &Db) -> Result<()> {
        put::put(self, db, put::PutMode::Save, None).await
    }

    /// [`ModelOps::save`] where `condition` also holds on the stored item (Dynamoose's
    /// `item.save({ condition })`): `ConditionFailed` with the stored item where it does not,
    /// `VersionConflict` where the version moved on. The model is changed only when the
    /// item was written.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let mut p = pet("1", "Rex");
    /// p.owner = "ann".into();
    /// // Only while nobody else has adopted it.
    /// p.save_if(db, Pet::fields().owner.not_exists() | Pet::fields().owner.eq("ann")).await?;
    /// # Ok(()) }
    /// ```
    async fn save_if(&mut self, db: &Db, condition: Condition<Self>) -> Result<()> {
        put::put(self, db, put::PutMode::Save, Some(&condition)).await
    }

    /// The PutItem that `save` would send, after the save pipeline (run on a copy: the
    /// model is not changed).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let mut p = pet("1", " Rex ");
    /// p.version = 3;
    /// let r = p.save_request().await?;
    /// assert_eq!(r.condition.as_deref(), Some("#n0 = :v0")); // still at version 3?
    /// assert_eq!(r.item.unwrap()["version"], aws_sdk_dynamodb::types::AttributeValue::N("4".into()));
    /// assert_eq!(p.version, 3);
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    async fn save_request(&self) -> Result<request::Request>
    where
        Self: Clone,
    {
        put::dry_run(self, false).await
    }

    /// The PutItem that `create` would send, after the save pipeline (run on a copy).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let r = pet("1", "Rex").create_request().await?;
    /// assert_eq!(r.condition.as_deref(), Some("attribute_not_exists(#n0)"));
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    async fn create_request(&self) -> Result<request::Request>
    where
        Self: Clone,
    {
        put::dry_run(self, true).await
    }
}

impl<M: Model> ModelOps for M {}

/// The operations of a collection (`#[derive(Collection)]`): `View::query(..)` reads one
/// partition and gives each item as the member that its entity attribute names.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{Customer, CustomerView};
/// # async fn run(db: &Db) -> Result<()> {
/// let page = CustomerView::query(Customer::fields().id.eq("c1")).limit(25).exec(db).await?;
/// for item in &page.items {
///     match item {
///         CustomerView::Customer(c) => println!("{}", c.name),
///         CustomerView::Order(o) => println!("order {}", o.number),
///     }
/// }
/// # Ok(()) }
/// ```
pub trait CollectionOps: Collection {
    /// A query of the partition that `partition` names, by the partition key template of
    /// any member: every member's items, in sort key order, with pages, cursors and a
    /// stream as a model's query has.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{Order, CustomerView};
    /// let r = CustomerView::query(Order::fields().customer_id.eq("c1")).to_request()?;
    /// assert_eq!(r.values[":v0"].as_s().unwrap(), "CUSTOMER#c1");
    /// # Ok::<(), Error>(())
    /// ```
    fn query<M: Member<Self>>(partition: Condition<M>) -> Query<M, Self> {
        Query::collection(partition)
    }

    /// Reads the items of keys of any members, in chunks of 100 sent concurrently; one
    /// result per key, in order, each as the member that its entity attribute names.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{Customer, CustomerView, Order};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let found = CustomerView::batch_get([
    ///     Customer::key("c1").into(),
    ///     Order::key("c1", "2026-11-30", 7u32).into(),
    /// ])
    /// .exec(db)
    /// .await?;
    /// # Ok(()) }
    /// ```
    fn batch_get(
        keys: impl IntoIterator<Item = crate::model::collection::MemberKey<Self>>,
    ) -> batch::CollectionGet<Self> {
        batch::CollectionGet::new(keys)
    }
}

impl<C: Collection> CollectionOps for C {}
