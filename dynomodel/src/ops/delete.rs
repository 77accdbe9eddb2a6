//! DeleteItem.
//! Layer: ops.

use aws_sdk_dynamodb::types::ReturnValue;

use crate::db::Db;
use crate::error::Result;
use crate::expr::condition::Condition;
use crate::expr::Placeholders;
use crate::model::check_key_of;
use crate::model::stored::load_applied;
use crate::model::{Key, Model};
use crate::ops::request::Request;
use crate::ops::send::send_request;
use aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder;

use super::conditions::{
    condition_error, entity_condition, is_expired, live_condition, past_expired, version_condition,
};

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
        Condition::add_to(&mut self.condition, condition);
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
        check_key_of::<M>(&self.key)?;
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
        // A condition that reads the stored item decides on a live one only (`past_expired`
        // deletes one past its TTL and sends the delete again, to meet no item).
        if !conditions.is_empty() {
            conditions.extend(live_condition::<M>(&mut ph));
        }
        conditions.extend(entity_condition::<M>(&mut ph));
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
        self.send(db, ReturnValue::AllOld).await
    }

    /// Deletes, and returns nothing: DynamoDB sends no item back.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::delete(Pet::key("1")).exec_quiet(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec_quiet(self, db: &Db) -> Result<()> {
        self.send(db, ReturnValue::None).await.map(|_| ())
    }

    async fn send(&self, db: &Db, returns: ReturnValue) -> Result<Option<M>> {
        let r = self.to_request()?;
        M::run_before_delete(&self.key).await?;
        let table = db.table_name(M::TABLE);
        let sent = past_expired::<M, _, _, _>(db, &table, || {
            send_request::<DeleteItemFluentBuilder>(db.client(), &table, &r, |b| {
                b.return_values(returns.clone())
            })
        })
        .await?;
        match sent {
            // The item as it was, read as every read is: decoded, then `after_load`; one past
            // its TTL was no item to every read, and is none here.
            Ok(out) => match out
                .attributes
                .filter(|a| !a.is_empty() && !is_expired::<M>(a))
            {
                Some(item) => load_applied::<M>("DeleteItem", table, self.key.item(), &item)
                    .await
                    .map(Some),
                None => Ok(None),
            },
            Err(stored) => Err(condition_error::<M>(
                table,
                stored,
                !self.must_exist,
                self.expected_version,
                &[],
            )),
        }
    }
}
