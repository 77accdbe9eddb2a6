//! Item operations: get, create, save, update and delete.
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

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use tracing::Instrument;

use crate::codec::Item;
use crate::condition::Condition;
use crate::db::Db;
use crate::error::{DynamoError, Error, Result};
use crate::expr::Placeholders;
use crate::model::{prepare_save, Document, Key, Model};
use crate::request::{capacity, op_span, record_capacity, Request};
use crate::update::{Actions, UpdateActions};

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

/// Decodes an item read from DynamoDB and runs the `after_load` hook.
pub(crate) async fn load<M: Model>(item: &Item) -> Result<M> {
    let mut m = M::from_item(item)?;
    if M::HAS_HOOKS {
        m.run_after_load().await?;
    }
    Ok(m)
}

/// A GetItem of one `M`; `M::get(key)` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// match Pet::get(Pet::key("1")).consistent().exec(db).await? {
///     Some(p) => println!("{} is {}", p.name, p.age),
///     None => println!("no pet 1"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Get<M> {
    key: Key<M>,
    consistent: bool,
}

impl<M: Model> Get<M> {
    pub(crate) fn new(key: Key<M>) -> Self {
        Get {
            key,
            consistent: false,
        }
    }

    /// A strongly consistent read.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::get(Pet::key("1")).consistent().to_request()?;
    /// assert!(r.consistent);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Reads only the attributes of `P` (a `Document` whose attributes are attributes of `M`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct PetName { id: String, name: String }
    /// let r = Pet::get(Pet::key("1")).project::<PetName>().to_request()?;
    /// assert_eq!(r.projection.as_deref(), Some("#n0, #n1"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn project<P: Document>(self) -> Projected<Self, P> {
        Projected {
            inner: self,
            _p: PhantomData,
        }
    }

    /// The request that `exec` sends.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::get(Pet::key("1")).to_request()?;
    /// assert_eq!((r.operation, r.table, r.consistent), ("GetItem", "pets", false));
    /// assert_eq!(r.key, Some(Pet::key("1").into_item()));
    /// assert!(Pet::get(Pet::key("")).to_request().is_err()); // an empty key string
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        check_key::<M>(self.key.item())?;
        let mut r = Request::new("GetItem", M::TABLE);
        r.key = Some(self.key.item().clone());
        r.consistent = self.consistent;
        Ok(r)
    }

    /// Reads the item: `None` where there is none.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pet: Option<Pet> = Pet::get(Pet::key("1")).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<Option<M>> {
        let r = self.to_request()?;
        match get_item(db, r).await? {
            Some(item) => Ok(Some(load::<M>(&item).await?)),
            None => Ok(None),
        }
    }
}

async fn get_item(db: &Db, r: Request) -> Result<Option<Item>> {
    let table = db.table_name(r.table);
    let span = op_span!("GetItem", table);
    async {
        let out = db
            .client()
            .get_item()
            .table_name(&table)
            .set_key(r.key.clone())
            .consistent_read(r.consistent)
            .set_projection_expression(r.projection.clone())
            .set_expression_attribute_names(r.names_or_none())
            .set_return_consumed_capacity(capacity())
            .send()
            .await
            .map_err(|e| DynamoError::from_sdk("GetItem", e))?;
        record_capacity(out.consumed_capacity());
        Ok(out.item)
    }
    .instrument(span)
    .await
}

/// A read that returns only the attributes of `P`; `project::<P>()` on a get, query or scan
/// makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// #[derive(Document, serde::Serialize, serde::Deserialize)]
/// struct Name { name: String }
///
/// let name: Option<Name> = Pet::get(Pet::key("1")).project::<Name>().exec(db).await?;
/// # Ok(()) }
/// ```
pub struct Projected<B, P> {
    inner: B,
    _p: PhantomData<fn() -> P>,
}

/// The projection expression of `P`'s attributes, checked against `M`'s.
pub(crate) fn projection_of<M: Document, P: Document>(ph: &mut Placeholders) -> Result<String> {
    for a in P::ATTRIBUTES {
        if !M::ATTRIBUTES.contains(a) {
            return Err(Error::InvalidRequest(format!(
                "the projection names `{a}`, which is not an attribute of the model; its attributes are: {}",
                M::ATTRIBUTES.join(", ")
            )));
        }
    }
    Ok(crate::expr::projection(ph, P::ATTRIBUTES))
}

impl<M: Model, P: Document> Projected<Get<M>, P> {
    /// The request that `exec` sends. An attribute of `P` that `M` does not have is
    /// `InvalidRequest`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Name { name: String }
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Color { color: String }
    ///
    /// let r = Pet::get(Pet::key("1")).project::<Name>().to_request()?;
    /// assert_eq!(r.projection.as_deref(), Some("#n0"));
    /// assert!(Pet::get(Pet::key("1")).project::<Color>().to_request().is_err());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        let mut r = self.inner.to_request()?;
        let mut ph = Placeholders::default();
        r.projection = Some(projection_of::<M, P>(&mut ph)?);
        r.placeholders(ph);
        Ok(r)
    }

    /// Reads the projected item: `None` where there is none.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Age { age: u32 }
    ///
    /// if let Some(Age { age }) = Pet::get(Pet::key("1")).project::<Age>().exec(db).await? {
    ///     println!("pet 1 is {age}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<Option<P>> {
        let r = self.to_request()?;
        match get_item(db, r).await? {
            Some(item) => Ok(Some(P::from_item(&item)?)),
            None => Ok(None),
        }
    }
}

/// How a put may replace what is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PutMode {
    Create,
    Save,
}

/// The PutItem that `create` (`create = true`) or `save` sends for a prepared item.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let item = pet("1", "Beeba").to_item()?;
/// let r = dynomodel::ops::put_request::<Pet>(item, Some(0), true)?;
/// assert_eq!(r.condition.as_deref(), Some("attribute_not_exists(#n0)"));
/// # Ok::<(), Error>(())
/// ```
pub fn put_request<M: Model>(
    item: Item,
    expected_version: Option<u64>,
    create: bool,
) -> Result<Request> {
    check_key::<M>(&item)?;
    let mut r = Request::new("PutItem", M::TABLE);
    let mut ph = Placeholders::default();
    let condition = match (create, M::VERSION, expected_version) {
        (true, _, _) => Some(format!("attribute_not_exists({})", ph.name(M::HASH_KEY))),
        (false, Some(version), Some(v)) => Some(version_condition(&mut ph, version, v)),
        _ => None,
    };
    if condition.is_some() {
        r.condition = condition;
        r.placeholders(ph);
    }
    r.item = Some(item);
    Ok(r)
}

/// The condition that the stored item is at version `v`. Version 0 is an item never saved
/// with a version: there is no item, or it has no version attribute (written before the model
/// had one, or by other code).
pub(crate) fn version_condition(ph: &mut Placeholders, attribute: &str, v: u64) -> String {
    let n = ph.name(attribute);
    if v == 0 {
        format!("attribute_not_exists({n})")
    } else {
        format!("{n} = {}", ph.value(AttributeValue::N(v.to_string())))
    }
}

pub(crate) async fn put<M: Model>(model: &mut M, db: &Db, mode: PutMode) -> Result<()> {
    let plan = prepare_save(model).await?;
    let expected = plan.expected_version;
    let r = put_request::<M>(plan.item, expected, mode == PutMode::Create)?;
    let table = db.table_name(M::TABLE);
    let span = op_span!("PutItem", table);
    let names = r.names_or_none();
    let values = r.values_or_none();
    let result = async {
        db.client()
            .put_item()
            .table_name(&table)
            .set_item(r.item)
            .set_condition_expression(r.condition)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .set_return_consumed_capacity(capacity())
            .send()
            .await
    }
    .instrument(span.clone())
    .await;
    match result {
        Ok(out) => {
            span.in_scope(|| record_capacity(out.consumed_capacity()));
            Ok(())
        }
        Err(e) => {
            // The write did not happen: the model keeps the version that is stored.
            if let Some(v) = expected {
                model.set_version(v);
            }
            let conditional = e
                .as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception());
            if !conditional {
                return Err(DynamoError::from_sdk("PutItem", e).into());
            }
            Err(match (mode, expected) {
                (PutMode::Create, _) => Error::AlreadyExists { table },
                (PutMode::Save, Some(expected)) => Error::VersionConflict { table, expected },
                (PutMode::Save, None) => Error::ConditionFailed { table, item: None },
            })
        }
    }
}

/// An UpdateItem of one `M`; `M::update(key)` makes one.
///
/// An update of a key that is not stored fails with `NotFound` and creates nothing, unless
/// [`Update::upsert`] asks for it.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let f = Pet::fields();
/// let p = Pet::update(Pet::key("1"))
///     .set(&f.name, "Rex")
///     .add(&f.age, 1u32)
///     .remove(&f.address)
///     .condition(f.owner.eq("rachel"))
///     .exec(db)
///     .await?;
/// # Ok(()) }
/// ```
pub struct Update<M> {
    key: Key<M>,
    actions: Actions<M>,
    condition: Option<Condition<M>>,
    upsert: bool,
    expected_version: Option<u64>,
}

impl<M> UpdateActions<M> for Update<M> {
    fn actions_mut(&mut self) -> &mut Actions<M> {
        &mut self.actions
    }
}

impl<M: Model> Update<M> {
    pub(crate) fn new(key: Key<M>) -> Self {
        Update {
            key,
            actions: Actions::default(),
            condition: None,
            upsert: false,
            expected_version: None,
        }
    }

    /// Updates only where `condition` holds (else `ConditionFailed`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f = Pet::fields();
    /// let r = Pet::update(Pet::key("1")).set(&f.age, 4u32).condition(f.age.lt(4u32)).to_request()?;
    /// assert!(r.condition.unwrap().ends_with("#n0 < :v2"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.condition = Some(match self.condition.take() {
            Some(c) => c & condition,
            None => condition,
        });
        self
    }

    /// Creates the item where it is not stored, as DynamoDB's UpdateItem does by itself.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set(Pet::fields().age, 4u32).upsert().to_request()?;
    /// assert_eq!(r.condition, None, "no attribute_exists(id)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn upsert(mut self) -> Self {
        self.upsert = true;
        self
    }

    /// Updates only where the stored version is `version` (else `VersionConflict`), for a
    /// model with a `version`. Version 0 is an item without a version attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set(Pet::fields().age, 4u32).expect_version(3).to_request()?;
    /// assert!(r.condition.unwrap().contains("= :v"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn expect_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// The request that `exec` sends. The version (where the model has one) is increased
    /// by 1, and the key must exist unless `upsert()`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set(Pet::fields().age, 4u32).to_request()?;
    /// assert_eq!(r.operation, "UpdateItem");
    /// assert_eq!(r.update.as_deref(), Some("SET #n0 = :v0 ADD #n1 :v1"));
    /// assert_eq!(r.names["#n1"], "version");
    /// assert_eq!(r.condition.as_deref(), Some("attribute_exists(#n2)"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        self.to_request_at(std::time::SystemTime::now())
    }

    pub(crate) fn to_request_at(&self, now: std::time::SystemTime) -> Result<Request> {
        check_key::<M>(self.key.item())?;
        self.actions.check()?;
        let mut actions = self.actions.clone();
        for name in std::iter::once(M::HASH_KEY).chain(M::RANGE_KEY) {
            if actions.actions.iter().any(|a| a.top() == Some(name)) {
                return Err(Error::InvalidRequest(format!(
                    "an update cannot change the key attribute `{name}`"
                )));
            }
        }
        if let Some(updated) = M::UPDATED_AT {
            if let Some(v) = M::updated_at_value(now)? {
                actions.push_set(updated, v);
            }
        }
        if let Some(version) = M::VERSION {
            actions.push_add(version, AttributeValue::N("1".into()));
        }
        let mut ph = Placeholders::default();
        let update = actions.render(&mut ph);
        let mut conditions = Vec::new();
        if !self.upsert {
            conditions.push(format!("attribute_exists({})", ph.name(M::HASH_KEY)));
        }
        if let (Some(version), Some(v)) = (M::VERSION, self.expected_version) {
            conditions.push(version_condition(&mut ph, version, v));
        }
        if let Some(c) = &self.condition {
            conditions.push(c.render(&mut ph)?);
        }
        let mut r = Request::new("UpdateItem", M::TABLE);
        r.key = Some(self.key.item().clone());
        r.update = update;
        r.condition = (!conditions.is_empty()).then(|| conditions.join(" AND "));
        r.placeholders(ph);
        Ok(r)
    }

    /// Sends the update and returns the item as stored after it.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pet = Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32).exec(db).await?;
    /// println!("{} is now {}", pet.name, pet.age);
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<M> {
        let r = self.to_request()?;
        let table = db.table_name(M::TABLE);
        let span = op_span!("UpdateItem", table);
        let result = async {
            db.client()
                .update_item()
                .table_name(&table)
                .set_key(r.key.clone())
                .set_update_expression(r.update.clone())
                .set_condition_expression(r.condition.clone())
                .set_expression_attribute_names(r.names_or_none())
                .set_expression_attribute_values(r.values_or_none())
                .return_values(ReturnValue::AllNew)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .set_return_consumed_capacity(capacity())
                .send()
                .await
        }
        .instrument(span.clone())
        .await;
        match result {
            Ok(out) => {
                span.in_scope(|| record_capacity(out.consumed_capacity()));
                let item = out.attributes.ok_or_else(|| Error::NotFound {
                    table: table.clone(),
                })?;
                load::<M>(&item).await
            }
            Err(e) => {
                let stored = match e.as_service_error() {
                    Some(aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c)) => {
                        Some(c.item().cloned())
                    }
                    _ => None,
                };
                let Some(stored) = stored else {
                    return Err(DynamoError::from_sdk("UpdateItem", e).into());
                };
                Err(condition_error::<M>(
                    table,
                    stored,
                    self.upsert,
                    self.expected_version,
                ))
            }
        }
    }
}

/// Which condition failed, from the item that DynamoDB returned with the failure.
fn condition_error<M: Model>(
    table: String,
    stored: Option<Item>,
    upsert: bool,
    expected_version: Option<u64>,
) -> Error {
    match stored {
        None if !upsert => Error::NotFound { table },
        Some(item) => {
            if let (Some(version), Some(expected)) = (M::VERSION, expected_version) {
                // No version attribute: version 0.
                let stored_version = match item.get(version) {
                    None => Some(0),
                    Some(v) => v.as_n().ok().and_then(|n| n.parse::<u64>().ok()),
                };
                if stored_version != Some(expected) {
                    return Error::VersionConflict { table, expected };
                }
            }
            Error::ConditionFailed {
                table,
                item: Some(Box::new(item)),
            }
        }
        None => Error::ConditionFailed { table, item: None },
    }
}

/// A DeleteItem of one `M`; `M::delete(key)` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// match Pet::delete(Pet::key("1")).must_exist().expect_version(2).exec(db).await {
///     Ok(old) => println!("deleted {:?}", old.map(|p| p.name)),
///     Err(Error::NotFound { .. }) => println!("already gone"),
///     Err(Error::VersionConflict { .. }) => println!("changed since it was read"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
pub struct Delete<M> {
    key: Key<M>,
    condition: Option<Condition<M>>,
    expected_version: Option<u64>,
    must_exist: bool,
}

impl<M: Model> Delete<M> {
    pub(crate) fn new(key: Key<M>) -> Self {
        Delete {
            key,
            condition: None,
            expected_version: None,
            must_exist: false,
        }
    }

    /// Deletes only where `condition` holds (else `ConditionFailed`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::delete(Pet::key("1")).condition(Pet::fields().owner.eq("rachel")).to_request()?;
    /// assert_eq!(r.condition.as_deref(), Some("#n0 = :v0"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn condition(mut self, condition: Condition<M>) -> Self {
        self.condition = Some(match self.condition.take() {
            Some(c) => c & condition,
            None => condition,
        });
        self
    }

    /// Deletes only where the stored version is `version` (else `VersionConflict`). Version 0
    /// is an item without a version attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::delete(Pet::key("1")).expect_version(2).to_request()?;
    /// assert_eq!(r.condition.as_deref(), Some("#n0 = :v0"));
    /// assert_eq!(r.names["#n0"], "version");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn expect_version(mut self, version: u64) -> Self {
        self.expected_version = Some(version);
        self
    }

    /// Fails with `NotFound` where no item has the key (by default, deleting a missing item
    /// succeeds and returns `None`, as DynamoDB does).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// match Pet::delete(Pet::key("1")).must_exist().exec(db).await {
    ///     Err(Error::NotFound { .. }) => println!("there was no pet 1"),
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn must_exist(mut self) -> Self {
        self.must_exist = true;
        self
    }

    pub(crate) fn key(&self) -> &Key<M> {
        &self.key
    }

    /// The request that `exec` sends.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::delete(Pet::key("1")).must_exist().to_request()?;
    /// assert_eq!(r.operation, "DeleteItem");
    /// assert_eq!(r.condition.as_deref(), Some("attribute_exists(#n0)"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        check_key::<M>(self.key.item())?;
        let mut ph = Placeholders::default();
        let mut conditions = Vec::new();
        if self.must_exist {
            conditions.push(format!("attribute_exists({})", ph.name(M::HASH_KEY)));
        }
        if let (Some(version), Some(v)) = (M::VERSION, self.expected_version) {
            conditions.push(version_condition(&mut ph, version, v));
        }
        if let Some(c) = &self.condition {
            conditions.push(c.render(&mut ph)?);
        }
        let mut r = Request::new("DeleteItem", M::TABLE);
        r.key = Some(self.key.item().clone());
        r.condition = (!conditions.is_empty()).then(|| conditions.join(" AND "));
        r.placeholders(ph);
        Ok(r)
    }

    /// Deletes the item and returns it as it was stored (`None` where there was none).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let old: Option<Pet> = Pet::delete(Pet::key("1")).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<Option<M>> {
        let r = self.to_request()?;
        M::run_before_delete(&self.key).await?;
        let table = db.table_name(M::TABLE);
        let span = op_span!("DeleteItem", table);
        let result = async {
            db.client()
                .delete_item()
                .table_name(&table)
                .set_key(r.key.clone())
                .set_condition_expression(r.condition.clone())
                .set_expression_attribute_names(r.names_or_none())
                .set_expression_attribute_values(r.values_or_none())
                .return_values(ReturnValue::AllOld)
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .set_return_consumed_capacity(capacity())
                .send()
                .await
        }
        .instrument(span.clone())
        .await;
        match result {
            Ok(out) => {
                span.in_scope(|| record_capacity(out.consumed_capacity()));
                match out.attributes {
                    Some(item) if !item.is_empty() => Ok(Some(M::from_item(&item)?)),
                    _ => Ok(None),
                }
            }
            Err(e) => {
                let stored = match e.as_service_error() {
                    Some(aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(c)) => {
                        Some(c.item().cloned())
                    }
                    _ => None,
                };
                let Some(stored) = stored else {
                    return Err(DynamoError::from_sdk("DeleteItem", e).into());
                };
                Err(condition_error::<M>(
                    table,
                    stored,
                    !self.must_exist,
                    self.expected_version,
                ))
            }
        }
    }
}
