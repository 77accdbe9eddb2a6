//! Transactions across models and tables: all of their writes happen, or none.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::transaction::Transaction;
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Model, Serialize, Deserialize, Clone)]
//! # #[dynomodel(table = "pets")]
//! # struct Pet { #[dynomodel(hash_key)] id: String, age: u32 }
//! # async fn run(db: &Db, pet: &mut Pet) -> Result<()> {
//! Transaction::new()
//!     .create(pet)
//!     .update(Pet::update(Pet::key("2")).add(Pet::fields().age, 1u32))
//!     .delete(Pet::delete(Pet::key("3")))
//!     .condition_check(Pet::key("4"), Pet::fields().age.ge(1u32))
//!     .token("order-1234")
//!     .exec(db)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Layer: ops.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete as SdkDelete, Put, TransactWriteItem,
    Update as SdkUpdate,
};
use futures::future::BoxFuture;

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::Condition;
use crate::expr::Placeholders;
use crate::model::check_key_of;
use crate::model::upgrade::SCHEMA_ATTR;
use crate::model::{prepare_save, Key, Model};
use crate::ops::conditions::{clear_expired_at, entity_condition, live_condition, Expiry};
use crate::ops::request::{with_request, Request};
use crate::ops::send::{send, On};
use crate::ops::{put_request, Delete, Update};

mod get;

pub use crate::error::CancelReason;
pub use get::{collection_from_got, FromGot, GetResults, Partial, Push, TransactGet};

/// DynamoDB's limit on the actions of one transaction: a longer transaction is
/// `InvalidRequest` before anything is sent.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::transaction::MAX_ACTIONS;
/// # async fn run(db: &Db) -> Result<()> {
/// let mut pets: Vec<Pet> = (0..250).map(|i| pet(&i.to_string(), "Rex")).collect();
/// for chunk in pets.chunks_mut(MAX_ACTIONS) {
///     chunk.iter_mut().fold(Transaction::new(), |t, p| t.create(p)).exec(db).await?;
/// }
/// # Ok(()) }
/// ```
pub const MAX_ACTIONS: usize = 100;

/// The time that a transaction with a token compares TTL attributes with: before any, so
/// that none counts as past (the least number that DynamoDB stores).
const BEFORE_ANY_TTL: &str = "-9.9999999999999999999999999999999999999E+125";

pub(crate) type Prepare = Box<dyn FnOnce() -> BoxFuture<'static, Result<Request>> + Send>;

pub(crate) enum Build {
    Ready(Box<Result<Request>>),
    Deferred(Prepare),
}

pub(crate) struct Action {
    table: &'static str,
    key: Option<Item>,
    build: Build,
    /// How the action's model tells an item past its TTL, which the action treats as none.
    expiry: Expiry,
    /// For an upsert of a model with a schema version: the form for an item stored without a
    /// version (see `Update::versioned_forms`), and the upsert's one plain request, which a
    /// transaction with a token sends (a retry must send what the first call sent).
    other: Option<(Request, Request)>,
}

/// A TransactWriteItems: up to 100 actions on distinct items, across models and tables.
/// Either every action is applied or none is.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let f = Pet::fields();
/// let mut tom = pet("2", "Tom");
/// Transaction::new()
///     .create(&mut tom)
///     .update(Pet::update(Pet::key("1")).set(&f.owner, "tom's owner"))
///     .delete(Pet::delete(Pet::key("3")))
///     .token("adopt-2-once")
///     .exec(db)
///     .await?;
/// assert_eq!(tom.version, 1); // what the transaction stored
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct Transaction<'a> {
    actions: Vec<Action>,
    token: Option<String>,
    /// What the caller's models become once the transaction has succeeded.
    commits: Vec<Commit<'a>>,
}

/// Gives a model what its `create` or `put` stored.
type Commit<'a> = Box<dyn FnOnce() + Send + 'a>;

pub(crate) fn key_from(r: &Request) -> Item {
    r.key.clone().unwrap_or_default()
}

impl<'a> Transaction<'a> {
    /// An empty transaction.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let mut rex = pet("1", "Rex");
    /// let t = Transaction::new().create(&mut rex);
    /// # let _ = t;
    /// ```
    pub fn new() -> Self {
        Transaction::default()
    }

    fn save<M: Model + Clone>(mut self, model: &'a mut M, create: bool) -> Self {
        let mut m = model.clone();
        let key = model.key_of().ok().map(Key::into_item);
        // The save pipeline runs on a copy at `exec`; the caller's model takes the copy's
        // state only once the whole transaction has succeeded.
        let saved: Arc<Mutex<Option<M>>> = Arc::default();
        let slot = Arc::clone(&saved);
        self.actions.push(Action {
            table: M::TABLE,
            key,
            expiry: Expiry::of::<M>(),
            other: None,
            build: Build::Deferred(Box::new(move || {
                Box::pin(async move {
                    let plan = prepare_save(&mut m).await?;
                    let mut r = put_request::<M>(plan.item, plan.expected_version, create)?;
                    r.key = Some(m.key_of()?.into_item());
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(m);
                    }
                    Ok(r)
                })
            })),
        });
        self.commits.push(Box::new(move || {
            if let Some(stored) = saved.lock().ok().and_then(|mut s| s.take()) {
                *model = stored;
            }
        }));
        self
    }

    /// Puts a new item; the transaction is cancelled where an item has its key. The save
    /// pipeline runs on a copy of `model` at `exec`, and `model` becomes what was stored
    /// (version, timestamps, transforms) when the transaction succeeds; it is left as it
    /// was when it fails.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let requests = Transaction::new().create(&mut pet("1", "Rex")).to_requests().await?;
    /// assert_eq!(requests[0].condition.as_deref(), Some("attribute_not_exists(#n0)"));
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn create<M: Model + Clone>(self, model: &'a mut M) -> Self {
        self.save(model, true)
    }

    /// Puts an item, replacing what is stored; a versioned model checks its version. As with
    /// [`Transaction::create`], `model` becomes what was stored once the transaction succeeded.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let mut p = pet("1", "Rex");
    /// p.version = 3; // as read
    /// let requests = Transaction::new().put(&mut p).to_requests().await?;
    /// assert!(requests[0].condition.as_deref().unwrap().contains("= :v0"), "checks the version");
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn put<M: Model + Clone>(self, model: &'a mut M) -> Self {
        self.save(model, false)
    }

    /// Updates an item: the actions and conditions of an [`Update`].
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let tx = Transaction::new().update(Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32));
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn update<M: Model>(mut self, update: Update<M>) -> Self {
        // An upsert of a model with a schema version: first the form that marks an item it
        // creates with the version; the other where the item has none (`exec`).
        let (r, other) = match (update.versioned_forms(), update.to_request()) {
            (Some(Ok((marked, legacy))), Ok(plain)) => (Ok(marked), Some((legacy, plain))),
            (Some(Err(e)), _) => (Err(e), None),
            (_, plain) => (plain, None),
        };
        self.actions.push(Action {
            table: M::TABLE,
            key: r.as_ref().ok().map(key_from),
            build: Build::Ready(Box::new(r)),
            expiry: Expiry::of::<M>(),
            other,
        });
        self
    }

    /// Deletes an item, with the conditions of a [`Delete`]. The model's `before_delete` hook
    /// runs when the requests are built; an error from it stops the transaction before
    /// anything is sent.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let tx = Transaction::new().delete(Pet::delete(Pet::key("1")));
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn delete<M: Model>(mut self, delete: Delete<M>) -> Self {
        let r = delete.to_request();
        let key = r.as_ref().ok().map(key_from);
        let build = if M::HAS_HOOKS && r.is_ok() {
            let hook_key = delete.key().clone();
            Build::Deferred(Box::new(move || {
                Box::pin(async move {
                    M::run_before_delete(&hook_key).await?;
                    r
                })
            }))
        } else {
            Build::Ready(Box::new(r))
        };
        self.actions.push(Action {
            table: M::TABLE,
            key,
            build,
            expiry: Expiry::of::<M>(),
            other: None,
        });
        self
    }

    /// Requires `condition` to hold for the item at `key`, without changing it. For a model in a
    /// shared table, the item must be this model's too (or have no entity attribute).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let tx = Transaction::new().condition_check(Pet::key("1"), Pet::fields().owner.eq("rachel"));
    /// assert!(!tx.is_empty());
    /// ```
    pub fn condition_check<M: Model>(mut self, key: Key<M>, condition: Condition<M>) -> Self {
        let r = check_key_of::<M>(&key).and_then(|()| {
            let mut ph = Placeholders::default();
            let mut r = Request::new("ConditionCheck", M::TABLE);
            let mut rendered = condition.render(&mut ph)?;
            // In a shared table the check holds only on this model's item, as every write of
            // it is conditioned on the entity; and on a live item only (one past its TTL is
            // deleted and the transaction sent again, to meet no item).
            let guards = entity_condition::<M>(&mut ph)
                .into_iter()
                .chain(live_condition::<M>(&mut ph));
            for guard in guards {
                rendered = crate::expr::and(&rendered, &guard);
            }
            r.condition = Some(rendered);
            r.key = Some(key.item().clone());
            r.placeholders(ph);
            Ok(r)
        });
        self.actions.push(Action {
            table: M::TABLE,
            key: Some(key.into_item()),
            build: Build::Ready(Box::new(r)),
            expiry: Expiry::of::<M>(),
            other: None,
        });
        self
    }

    /// An idempotency token: the same transaction sent again within 10 minutes with the same
    /// token is not applied twice.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Transaction::new().create(&mut pet("1", "Rex")).token("order-1234").exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The number of actions.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Transaction::new().delete(Pet::delete(Pet::key("1"))).len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether there are no actions.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert!(Transaction::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Builds every action's request: the save pipelines run here. A model rule that fails
    /// cancels the transaction before anything is sent.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let requests = Transaction::new().delete(Pet::delete(Pet::key("1"))).to_requests().await?;
    /// assert_eq!(requests[0].operation, "DeleteItem");
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    pub async fn to_requests(self) -> Result<Vec<Request>> {
        if self.actions.is_empty() || self.actions.len() > MAX_ACTIONS {
            return Err(Error::InvalidRequest(format!(
                "a transaction takes 1 to {MAX_ACTIONS} actions, not {}",
                self.actions.len()
            )));
        }
        let mut requests = Vec::with_capacity(self.actions.len());
        let mut reasons = Vec::new();
        for (index, action) in self.actions.into_iter().enumerate() {
            let built = match action.build {
                Build::Ready(r) => *r,
                Build::Deferred(prepare) => prepare().await,
            };
            match built {
                Ok(r) => requests.push(r),
                Err(Error::Validation(errors)) => reasons.push(CancelReason {
                    index,
                    table: action.table.to_owned(),
                    key: action.key.unwrap_or_default(),
                    code: "Validation".into(),
                    message: Some(errors.to_string()),
                    item: None,
                }),
                Err(e) => {
                    return Err(Error::InvalidRequest(format!("action {index}: {e}")));
                }
            }
        }
        if !reasons.is_empty() {
            return Err(Error::TransactionCanceled { reasons });
        }
        let mut seen: HashMap<(&'static str, String), usize> = HashMap::new();
        for (i, r) in requests.iter().enumerate() {
            let mut key: Vec<_> = r.key.iter().flatten().collect();
            key.sort_by(|a, b| a.0.cmp(b.0));
            if let Some(first) = seen.insert((r.table, format!("{key:?}")), i) {
                return Err(Error::InvalidRequest(format!(
                    "actions {first} and {i} touch the same item of `{}`: DynamoDB allows one action per item",
                    r.table
                )));
            }
        }
        Ok(requests)
    }

    /// Sends the transaction.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Transaction::new()
    ///     .update(Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32))
    ///     .delete(Pet::delete(Pet::key("2")))
    ///     .exec(db)
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(mut self, db: &Db) -> Result<()> {
        let token = self.token.clone();
        let commits = std::mem::take(&mut self.commits);
        let expiries: Vec<Expiry> = self.actions.iter().map(|a| a.expiry).collect();
        let forms: Vec<Option<(Request, Request)>> =
            self.actions.iter_mut().map(|a| a.other.take()).collect();
        let mut requests = match self.to_requests().await {
            Ok(requests) => requests,
            // Reasons found before sending name the table as every error does: prefixed.
            Err(Error::TransactionCanceled { mut reasons }) => {
                for r in &mut reasons {
                    r.table = db.table_name(&r.table);
                }
                return Err(Error::TransactionCanceled { reasons });
            }
            Err(e) => return Err(e),
        };
        // The other form of each versioned upsert, and whether the one sent now marks. With a
        // token, a retry must send what the first call sent, whatever the items hold: each
        // upsert is sent as its one plain request (an item it creates has no `_sv`).
        let mut others: Vec<Option<(Request, bool)>> = Vec::with_capacity(forms.len());
        for (r, form) in requests.iter_mut().zip(forms) {
            others.push(match (form, &token) {
                (Some((_, plain)), Some(_)) => {
                    *r = plain;
                    None
                }
                (form, _) => form.map(|(legacy, _)| (legacy, true)),
            });
        }
        // A retry with the token must send what the first call sent: no time of sending in
        // it. A time before any TTL stands in; the items past their TTL under the actions'
        // keys are deleted first instead (read, and deleted while still past it), so that the
        // transaction meets no item there, as every read would have told.
        if token.is_some() {
            let stale = requests
                .iter()
                .zip(&expiries)
                .filter(|(_, e)| e.applies())
                .map(|(r, expiry)| async move {
                    let mut get = Request::new("GetItem", r.table);
                    get.key = r.key.clone();
                    get.consistent = true;
                    match crate::ops::get::get_item(db, get).await? {
                        Some(item) if (expiry.is_expired)(&item) => {
                            let table = db.table_name(r.table);
                            clear_expired_at(db, expiry, r.table, &table, key_from(r)).await
                        }
                        _ => Ok(()),
                    }
                });
            for cleared in futures::future::join_all(stale).await {
                cleared?;
            }
            for r in &mut requests {
                if let Some(p) = r.now.take() {
                    r.values
                        .insert(p, AttributeValue::N(BEFORE_ANY_TTL.to_owned()));
                }
            }
        }
        let what = format!("{} actions", requests.len());
        // At most two rounds of clearing expired items, and two of switching the form of a
        // versioned upsert: five sends.
        let (mut clears, mut switches) = (0..2, 0..2);
        loop {
            // Built for each send: what is past its TTL is decided at the time of sending.
            let mut items = Vec::with_capacity(requests.len());
            for r in &requests {
                items.push(write_item(db, r)?);
            }
            let call = db
                .client()
                .transact_write_items()
                .set_transact_items(Some(items))
                .set_client_request_token(token.clone());
            let sent = send("TransactWriteItems", On::Many(&what), |c| {
                call.set_return_consumed_capacity(c).send()
            })
            .await?;
            let reasons = match sent {
                Ok(_) => {
                    for commit in commits {
                        commit();
                    }
                    return Ok(());
                }
                Err(reasons) => reasons,
            };
            // A condition that failed on an item past its TTL: nothing was written; the item
            // is deleted (while still past its TTL) and the transaction sent again, so that
            // it meets no item there, as every read would have told.
            let expired: Vec<(&Request, &Expiry)> = reasons
                .iter()
                .zip(requests.iter().zip(&expiries))
                .filter(|(reason, (_, expiry))| {
                    reason.code() == Some("ConditionalCheckFailed")
                        && reason.item().is_some_and(|item| (expiry.is_expired)(item))
                })
                .map(|(_, action)| action)
                .collect();
            if !expired.is_empty() && clears.next().is_some() {
                for (r, expiry) in expired {
                    let table = db.table_name(r.table);
                    clear_expired_at(db, expiry, r.table, &table, key_from(r)).await?;
                }
                continue;
            }
            // A versioned upsert in the form for the other kind of item: the marking form met
            // an item stored without a version, or the other met no item or one with a version.
            let switch: Vec<usize> = reasons
                .iter()
                .enumerate()
                .filter(|(i, reason)| {
                    let Some(Some((_, marks))) = others.get(*i) else {
                        return false;
                    };
                    let legacy = reason.item().map(|item| !item.contains_key(SCHEMA_ATTR));
                    reason.code() == Some("ConditionalCheckFailed")
                        && (legacy == Some(true)) == *marks
                })
                .map(|(i, _)| i)
                .collect();
            if !switch.is_empty() && switches.next().is_some() {
                for i in switch {
                    if let (Some(r), Some(Some((other, marks)))) =
                        (requests.get_mut(i), others.get_mut(i))
                    {
                        std::mem::swap(r, other);
                        *marks = !*marks;
                    }
                }
                continue;
            }
            return Err(Error::TransactionCanceled {
                reasons: reasons
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.code().is_some_and(|code| code != "None"))
                    .map(|(index, r)| CancelReason {
                        index,
                        table: requests
                            .get(index)
                            .map_or_else(String::new, |q| db.table_name(q.table)),
                        key: requests.get(index).map(key_from).unwrap_or_default(),
                        code: r.code().unwrap_or_default().to_owned(),
                        message: r.message().map(str::to_owned),
                        // An item past its TTL (a writer kept storing one) is no item.
                        item: r
                            .item()
                            .filter(|item| {
                                expiries.get(index).is_none_or(|e| !(e.is_expired)(item))
                            })
                            .cloned(),
                    })
                    .collect(),
            });
        }
    }
}

pub(crate) fn write_item(db: &Db, r: &Request) -> Result<TransactWriteItem> {
    let table = db.table_name(r.table);
    let bad = |e: aws_sdk_dynamodb::error::BuildError| Error::InvalidRequest(e.to_string());
    // One action: the SDK type of the operation, the setter of `TransactWriteItem` that
    // takes it, and the parts of the request that it carries.
    macro_rules! action {
        ($sdk:ident, $set:ident, $($part:ident),*) => {
            TransactWriteItem::builder().$set(
                with_request!($sdk::builder().table_name(table), r, $($part,)* names, values, fail)
                    .build()
                    .map_err(bad)?,
            )
        };
    }
    let item = match r.operation {
        "PutItem" => action!(Put, put, item, condition),
        "UpdateItem" => action!(SdkUpdate, update, key, update, condition),
        "DeleteItem" => action!(SdkDelete, delete, key, condition),
        _ => action!(ConditionCheck, condition_check, key, condition),
    };
    Ok(item.build())
}
