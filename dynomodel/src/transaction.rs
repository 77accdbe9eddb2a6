//! Transactions across models and tables: all of their writes happen, or none.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::transaction::Transaction;
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Model, Serialize, Deserialize, Clone)]
//! # #[dynomodel(table = "pets")]
//! # struct Pet { #[dynomodel(hash_key)] id: String, age: u32 }
//! # async fn run(db: &Db, pet: &Pet) -> Result<()> {
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

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete as SdkDelete, Get as SdkGet, Put, ReturnValuesOnConditionCheckFailure,
    TransactGetItem, TransactWriteItem, Update as SdkUpdate,
};
use futures::future::BoxFuture;
use tracing::Instrument;

use crate::codec::Item;
use crate::condition::Condition;
use crate::db::Db;
use crate::error::{DynamoError, Error, Result};
use crate::expr::Placeholders;
use crate::model::{prepare_save, Key, Model};
use crate::ops::{check_key, load, put_request, Delete, Update};
use crate::request::{op_span, Request};

/// DynamoDB's limit on the actions of one transaction: a longer transaction is
/// `InvalidRequest` before anything is sent.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::transaction::MAX_ACTIONS;
/// # async fn run(db: &Db) -> Result<()> {
/// let pets: Vec<Pet> = (0..250).map(|i| pet(&i.to_string(), "Rex")).collect();
/// for chunk in pets.chunks(MAX_ACTIONS) {
///     chunk.iter().fold(Transaction::new(), |t, p| t.create(p)).exec(db).await?;
/// }
/// # Ok(()) }
/// ```
pub const MAX_ACTIONS: usize = 100;

/// Why one action of a cancelled transaction failed.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let f = Pet::fields();
/// let t = Transaction::new()
///     .update(Pet::update(Pet::key("1")).add(&f.age, 1u32))
///     .condition_check(Pet::key("2"), f.owner.eq("rachel"));
/// if let Err(Error::TransactionCanceled { reasons }) = t.exec(db).await {
///     for r in &reasons {
///         println!("action {} on {} failed: {}", r.index, r.table, r.code);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CancelReason {
    /// The action's position in the transaction, from 0.
    pub index: usize,
    /// The model's table (before any `Db` prefix).
    pub table: &'static str,
    /// The key of the item that the action touched.
    pub key: Item,
    /// DynamoDB's code (`ConditionalCheckFailed`, `TransactionConflict`, `ValidationError`,
    /// ...), or `Validation` for a model rule that failed before anything was sent.
    pub code: String,
    /// What went wrong, in words.
    pub message: Option<String>,
    /// The item as stored, where a condition failed and DynamoDB returned it.
    pub item: Option<Item>,
}

impl CancelReason {
    /// Whether the action's condition did not hold.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// match Transaction::new().create(&pet("1", "Rex")).exec(db).await {
    ///     Err(Error::TransactionCanceled { reasons }) if reasons[0].is_condition_failed() => {
    ///         println!("pet 1 exists");
    ///     }
    ///     other => other?,
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_condition_failed(&self) -> bool {
        self.code == "ConditionalCheckFailed"
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key: Vec<String> = {
            let mut k: Vec<_> = self.key.iter().collect();
            k.sort_by(|a, b| a.0.cmp(b.0));
            k.iter()
                .map(|(n, v)| match v {
                    aws_sdk_dynamodb::types::AttributeValue::S(s) => format!("{n}={s:?}"),
                    aws_sdk_dynamodb::types::AttributeValue::N(x) => format!("{n}={x}"),
                    other => format!("{n}={other:?}"),
                })
                .collect()
        };
        write!(
            f,
            "action {} on `{}` ({}): {}",
            self.index,
            self.table,
            key.join(", "),
            self.code
        )?;
        if let Some(m) = &self.message {
            write!(f, " ({m})")?;
        }
        Ok(())
    }
}

type Prepare = Box<dyn FnOnce() -> BoxFuture<'static, Result<Request>> + Send>;

enum Build {
    Ready(Box<Result<Request>>),
    Deferred(Prepare),
}

struct Action {
    table: &'static str,
    key: Option<Item>,
    build: Build,
}

/// A TransactWriteItems: up to 100 actions on distinct items, across models and tables.
/// Either every action is applied or none is.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let f = Pet::fields();
/// Transaction::new()
///     .create(&pet("2", "Tom"))
///     .update(Pet::update(Pet::key("1")).set(&f.owner, "tom's owner"))
///     .delete(Pet::delete(Pet::key("3")))
///     .token("adopt-2-once")
///     .exec(db)
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct Transaction {
    actions: Vec<Action>,
    token: Option<String>,
}

fn key_from(r: &Request) -> Item {
    r.key.clone().unwrap_or_default()
}

impl Transaction {
    /// An empty transaction.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let t = Transaction::new().create(&pet("1", "Rex"));
    /// # let _ = t;
    /// ```
    pub fn new() -> Self {
        Transaction::default()
    }

    fn save<M: Model + Clone>(mut self, model: &M, create: bool) -> Self {
        let mut m = model.clone();
        let key = model.key_of().ok().map(Key::into_item);
        self.actions.push(Action {
            table: M::TABLE,
            key,
            build: Build::Deferred(Box::new(move || {
                Box::pin(async move {
                    let plan = prepare_save(&mut m).await?;
                    let mut r = put_request::<M>(plan.item, plan.expected_version, create)?;
                    r.key = Some(m.key_of()?.into_item());
                    Ok(r)
                })
            })),
        });
        self
    }

    /// Puts a new item (the save pipeline runs on a copy of `model` at `exec`); the
    /// transaction is cancelled where an item has its key.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let requests = Transaction::new().create(&pet("1", "Rex")).to_requests().await?;
    /// assert_eq!(requests[0].condition.as_deref(), Some("attribute_not_exists(#n0)"));
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn create<M: Model + Clone>(self, model: &M) -> Self {
        self.save(model, true)
    }

    /// Puts an item, replacing what is stored; a versioned model checks its version.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let mut p = pet("1", "Rex");
    /// p.version = 3; // as read
    /// let requests = Transaction::new().put(&p).to_requests().await?;
    /// assert!(requests[0].condition.as_deref().unwrap().contains("= :v0"), "checks the version");
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn put<M: Model + Clone>(self, model: &M) -> Self {
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
        let r = update.to_request();
        self.actions.push(Action {
            table: M::TABLE,
            key: r.as_ref().ok().map(key_from),
            build: Build::Ready(Box::new(r)),
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
        });
        self
    }

    /// Requires `condition` to hold for the item at `key`, without changing it.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let tx = Transaction::new().condition_check(Pet::key("1"), Pet::fields().owner.eq("rachel"));
    /// assert!(!tx.is_empty());
    /// ```
    pub fn condition_check<M: Model>(mut self, key: Key<M>, condition: Condition<M>) -> Self {
        let r = check_key::<M>(key.item()).and_then(|()| {
            let mut ph = Placeholders::default();
            let mut r = Request::new("ConditionCheck", M::TABLE);
            r.condition = Some(condition.render(&mut ph)?);
            r.key = Some(key.item().clone());
            r.placeholders(ph);
            Ok(r)
        });
        self.actions.push(Action {
            table: M::TABLE,
            key: Some(key.into_item()),
            build: Build::Ready(Box::new(r)),
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
    /// Transaction::new().create(&pet("1", "Rex")).token("order-1234").exec(db).await?;
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
                    table: action.table,
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
    pub async fn exec(self, db: &Db) -> Result<()> {
        let token = self.token.clone();
        let requests = self.to_requests().await?;
        let mut items = Vec::with_capacity(requests.len());
        for r in &requests {
            items.push(write_item(db, r)?);
        }
        let span = op_span!("TransactWriteItems", format!("{} actions", requests.len()));
        let result = db
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token)
            .send()
            .instrument(span)
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                if let Some(TransactWriteItemsError::TransactionCanceledException(c)) =
                    e.as_service_error()
                {
                    let reasons = c
                        .cancellation_reasons()
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.code().is_some_and(|code| code != "None"))
                        .map(|(index, r)| CancelReason {
                            index,
                            table: requests.get(index).map_or("", |q| q.table),
                            key: requests.get(index).map(key_from).unwrap_or_default(),
                            code: r.code().unwrap_or_default().to_owned(),
                            message: r.message().map(str::to_owned),
                            item: r.item().cloned(),
                        })
                        .collect();
                    return Err(Error::TransactionCanceled { reasons });
                }
                Err(DynamoError::from_sdk("TransactWriteItems", e).into())
            }
        }
    }
}

fn write_item(db: &Db, r: &Request) -> Result<TransactWriteItem> {
    let table = db.table_name(r.table);
    let fail = ReturnValuesOnConditionCheckFailure::AllOld;
    let bad = |e: aws_sdk_dynamodb::error::BuildError| Error::InvalidRequest(e.to_string());
    let item = match r.operation {
        "PutItem" => TransactWriteItem::builder().put(
            Put::builder()
                .table_name(table)
                .set_item(r.item.clone())
                .set_condition_expression(r.condition.clone())
                .set_expression_attribute_names(r.names_or_none())
                .set_expression_attribute_values(r.values_or_none())
                .return_values_on_condition_check_failure(fail)
                .build()
                .map_err(bad)?,
        ),
        "UpdateItem" => TransactWriteItem::builder().update(
            SdkUpdate::builder()
                .table_name(table)
                .set_key(r.key.clone())
                .set_update_expression(r.update.clone())
                .set_condition_expression(r.condition.clone())
                .set_expression_attribute_names(r.names_or_none())
                .set_expression_attribute_values(r.values_or_none())
                .return_values_on_condition_check_failure(fail)
                .build()
                .map_err(bad)?,
        ),
        "DeleteItem" => TransactWriteItem::builder().delete(
            SdkDelete::builder()
                .table_name(table)
                .set_key(r.key.clone())
                .set_condition_expression(r.condition.clone())
                .set_expression_attribute_names(r.names_or_none())
                .set_expression_attribute_values(r.values_or_none())
                .return_values_on_condition_check_failure(fail)
                .build()
                .map_err(bad)?,
        ),
        _ => TransactWriteItem::builder().condition_check(
            ConditionCheck::builder()
                .table_name(table)
                .set_key(r.key.clone())
                .set_condition_expression(r.condition.clone())
                .set_expression_attribute_names(r.names_or_none())
                .set_expression_attribute_values(r.values_or_none())
                .return_values_on_condition_check_failure(fail)
                .build()
                .map_err(bad)?,
        ),
    };
    Ok(item.build())
}

/// The typed results of a [`TransactGet`]: a tuple with one `Option` per key.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// fn results<T: dynomodel::transaction::GetResults>() {}
/// results::<(Option<Pet>,)>();
/// results::<(Option<Pet>, Option<Pet>, Option<Pet>)>();
/// ```
pub trait GetResults: Sized + Send {
    #[doc(hidden)]
    fn decode(items: Vec<Option<Item>>) -> BoxFuture<'static, Result<Self>>;
}

/// Adds one more result type to a tuple: how [`TransactGet::get`] grows its result type.
///
/// ```
/// use dynomodel::transaction::Push;
/// let pair: <(Option<u8>,) as Push<Option<&str>>>::Output = (Some(1), Some("a"));
/// assert_eq!(pair.1, Some("a"));
/// ```
pub trait Push<T> {
    /// The longer tuple.
    ///
    /// ```
    /// use dynomodel::transaction::Push;
    /// let t: <() as Push<Option<u8>>>::Output = (None,);
    /// assert_eq!(t, (None::<u8>,));
    /// ```
    type Output;
}

macro_rules! tuples {
    ($(($($t:ident),*) => $next:ident;)*) => {$(
        impl<$($t,)* $next> Push<$next> for ($($t,)*) {
            type Output = ($($t,)* $next,);
        }
    )*};
}
tuples! {
    () => A;
    (A) => B;
    (A, B) => C;
    (A, B, C) => D;
    (A, B, C, D) => E;
    (A, B, C, D, E) => F;
    (A, B, C, D, E, F) => G;
    (A, B, C, D, E, F, G) => H;
}

macro_rules! results {
    ($(($($t:ident),+);)*) => {$(
        impl<$($t: Model),+> GetResults for ($(Option<$t>,)+) {
            #[allow(non_snake_case)]
            fn decode(items: Vec<Option<Item>>) -> BoxFuture<'static, Result<Self>> {
                Box::pin(async move {
                    let mut items = items.into_iter();
                    $(
                        let $t = match items.next().flatten() {
                            Some(item) => Some(load::<$t>(&item).await?),
                            None => None,
                        };
                    )+
                    Ok(($($t,)+))
                })
            }
        }
    )*};
}
results! {
    (A);
    (A, B);
    (A, B, C);
    (A, B, C, D);
    (A, B, C, D, E);
    (A, B, C, D, E, F);
    (A, B, C, D, E, F, G);
    (A, B, C, D, E, F, G, H);
}

/// A TransactGetItems: a consistent read of up to 8 typed items (of any models) at once.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::transaction::TransactGet;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Model, Serialize, Deserialize)]
/// # #[dynomodel(table = "pets")]
/// # struct Pet { #[dynomodel(hash_key)] id: String }
/// # #[derive(Model, Serialize, Deserialize)]
/// # #[dynomodel(table = "owners")]
/// # struct Owner { #[dynomodel(hash_key)] name: String }
/// # async fn run(db: &Db) -> Result<()> {
/// let (pet, owner): (Option<Pet>, Option<Owner>) =
///     TransactGet::new().get(Pet::key("1")).get(Owner::key("r")).exec(db).await?;
/// # Ok(()) }
/// ```
pub struct TransactGet<T = ()> {
    keys: Vec<Result<(&'static str, Item)>>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl TransactGet<()> {
    /// An empty read.
    ///
    /// ```
    /// use dynomodel::transaction::TransactGet;
    /// let read: TransactGet<()> = TransactGet::new();
    /// # let _ = read;
    /// ```
    pub fn new() -> Self {
        TransactGet {
            keys: Vec::new(),
            _t: std::marker::PhantomData,
        }
    }
}

impl Default for TransactGet<()> {
    fn default() -> Self {
        TransactGet::new()
    }
}

impl<T> TransactGet<T> {
    /// Reads the item at `key` too.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let (a, b): (Option<Pet>, Option<Pet>) =
    ///     TransactGet::new().get(Pet::key("1")).get(Pet::key("2")).exec(db).await?;
    /// # Ok(()) }
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn get<M: Model>(mut self, key: Key<M>) -> TransactGet<<T as Push<Option<M>>>::Output>
    where
        T: Push<Option<M>>,
    {
        let k = check_key::<M>(key.item()).map(|()| (M::TABLE, key.into_item()));
        self.keys.push(k);
        TransactGet {
            keys: self.keys,
            _t: std::marker::PhantomData,
        }
    }
}

impl<T: GetResults> TransactGet<T> {
    /// Reads every item at once, as of one moment; an item that is not stored is `None`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let (p,) = TransactGet::new().get(Pet::key("1")).exec(db).await?;
    /// println!("{:?}", p.map(|p| p.name));
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<T> {
        let mut gets = Vec::with_capacity(self.keys.len());
        for k in self.keys {
            let (table, key) = k?;
            gets.push(
                TransactGetItem::builder()
                    .get(
                        SdkGet::builder()
                            .table_name(db.table_name(table))
                            .set_key(Some(key))
                            .build()
                            .map_err(|e| Error::InvalidRequest(e.to_string()))?,
                    )
                    .build(),
            );
        }
        let span = op_span!("TransactGetItems", format!("{} items", gets.len()));
        let out = db
            .client()
            .transact_get_items()
            .set_transact_items(Some(gets))
            .send()
            .instrument(span)
            .await
            .map_err(|e| DynamoError::from_sdk("TransactGetItems", e))?;
        let items = out
            .responses
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.item.filter(|i| !i.is_empty()))
            .collect();
        T::decode(items).await
    }
}
