//! BatchWriteItem of any number of puts or deletes.
//! Layer: ops.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};

use crate::codec::{item_size, Item};
use crate::db::Db;
use crate::error::ValidationErrors;
use crate::error::{Error, Result};
use crate::model::stored::key_of;
use crate::model::{check_key, check_key_of};
use crate::model::{prepare_save, Key, Model};
use crate::ops::request::{flags, Request};
use crate::ops::send::{fan_out, retry_chunk, send_read, Attempt, ChunkOutcome};

use super::*;

/// Writes: puts or deletes, in chunks of at most 25 requests and 16 MB.
pub(crate) async fn write_all<M: Model>(
    db: &Db,
    requests: Vec<(Item, WriteRequest, usize)>,
    options: BatchOptions,
) -> Result<()> {
    let mut chunks: Vec<Vec<(Item, WriteRequest)>> = Vec::new();
    let mut current: Vec<(Item, WriteRequest)> = Vec::new();
    let mut bytes: usize = 0;
    for (key, request, size) in requests {
        if current.len() == MAX_WRITE_REQUESTS || bytes.saturating_add(size) > MAX_WRITE_BYTES {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes = bytes.saturating_add(size);
        current.push((key, request));
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    let table = db.table_name(M::TABLE);
    fan_out(
        chunks,
        options.concurrency,
        ("items", "written"),
        |chunk| chunk.into_iter().map(|(k, _)| k).collect(),
        |chunk| write_chunk::<M>(db, &table, chunk, options),
    )
    .await
    .map(|_| ())
}

pub(crate) async fn write_chunk<M: Model>(
    db: &Db,
    table: &str,
    chunk: Vec<(Item, WriteRequest)>,
    options: BatchOptions,
) -> ChunkOutcome<()> {
    let (keys, requests): (Vec<Item>, Vec<WriteRequest>) = chunk.into_iter().unzip();
    // A failed request ends the chunk: the SDK has already retried transient errors when one
    // comes back, and the keys say what was not written.
    retry_chunk(
        requests,
        keys,
        options.max_attempts,
        |a| options.backoff(a),
        false,
        |requests| async move {
            let out = send_read("BatchWriteItem", table, |capacity| {
                db.client()
                    .batch_write_item()
                    .request_items(table, requests)
                    .set_return_consumed_capacity(capacity)
                    .send()
            })
            .await?;
            let left: Vec<WriteRequest> = out
                .unprocessed_items
                .and_then(|mut u| u.remove(table))
                .unwrap_or_default();
            let keys = left
                .iter()
                .filter_map(|r| {
                    r.put_request()
                        .map(|p| key_of::<M>(p.item()))
                        .or_else(|| r.delete_request().map(|d| d.key().clone()))
                })
                .collect();
            Ok(Attempt {
                done: Vec::new(),
                left,
                keys,
            })
        },
    )
    .await
}

/// Refuses a batch of a model in a shared table unless the caller allowed it to `verb`
/// another entity's item: a batch cannot carry the entity condition.
fn shared_table<M: Model>(allowed: bool, what: &str, verb: &str) -> Result<()> {
    match M::ENTITY {
        Some(e) if !allowed => Err(Error::InvalidRequest(format!(
            "`{}` shares the table `{}`: a {what} cannot check that a key holds no other entity's item, and would {verb} it. Write each item (its entity is checked), use a Transaction, or say .{}() on the batch",
            e.name,
            e.table,
            if what == "batch_put" { "overwrite_other_entities" } else { "delete_other_entities" }
        ))),
        _ => Ok(()),
    }
}

/// A BatchWriteItem of puts; `M::batch_put(items)` makes one.
///
/// Every item runs the save pipeline (defaults, transforms, `before_save`, validation,
/// timestamps) before the first request; an item that fails stops the whole batch before
/// anything is written. BatchWriteItem takes no conditions, so a `version` is bumped but
/// not checked: use `save` or a transaction where another writer may race.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// Pet::batch_put([pet("1", "Rex"), pet("2", "Tom")]).exec(db).await?;
/// # Ok(()) }
/// ```
pub struct BatchPut<M> {
    items: Vec<M>,
    options: BatchOptions,
    overwrite_versions: bool,
    other_entities: bool,
}

impl<M: Model> BatchPut<M> {
    pub(crate) fn new(items: impl IntoIterator<Item = M>) -> Self {
        BatchPut {
            items: items.into_iter().collect(),
            options: BatchOptions::default(),
            overwrite_versions: false,
            other_entities: false,
        }
    }

    flags! {
    /// Writes the items of a model in a shared table although a key may hold another
    /// entity's item, which the put then replaces.
    ///
    /// BatchWriteItem takes no condition, so a batch cannot carry the entity condition that
    /// `save` has: a batch of a model in a shared table is `InvalidRequest` unless it says
    /// this (to write with the condition, `save` each, or put up to 100 in a `Transaction`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{customer, Customer};
    /// let seed = Customer::batch_put([customer("c1")]).overwrite_other_entities();
    /// # let _ = seed;
    /// ```
        overwrite_other_entities => other_entities = true;
    }

    flags! {
    /// Writes the items of a versioned model without checking the stored versions.
    ///
    /// BatchWriteItem takes no condition, so a batch cannot check that each item is still at
    /// the version that was read: a stale item would overwrite a newer one. A batch of a
    /// model with a `version` is therefore `InvalidRequest` unless it says this. (To write
    /// versioned items with their checks, `save` each, or put up to 100 in a `Transaction`.)
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let seed = Pet::batch_put([pet("1", "Rex")]).overwrite_versions();
    /// # let _ = seed;
    /// ```
        overwrite_versions => overwrite_versions = true;
    }

    /// The requests that `exec` sends: each item after the save pipeline (run on a copy, so
    /// the items are not changed), in BatchWriteItem chunks of up to 25 (`exec` also keeps a
    /// chunk under 16 MB).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let batch = Pet::batch_put((0..30).map(|i| pet(&i.to_string(), "  Rex "))).overwrite_versions();
    /// let requests = batch.to_requests().await?;
    /// assert_eq!(requests.iter().map(|r| r.items.len()).collect::<Vec<_>>(), [25, 5]);
    /// assert_eq!(requests[0].items[0]["name"], aws_sdk_dynamodb::types::AttributeValue::S("Rex".into()));
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    pub async fn to_requests(&self) -> Result<Vec<Request>>
    where
        M: Clone,
    {
        let mut items = Vec::with_capacity(self.items.len());
        for m in &self.items {
            let mut copy = m.clone();
            items.push(prepare_save(&mut copy).await?.item);
        }
        Ok(items
            .chunks(MAX_WRITE_REQUESTS)
            .map(|chunk| {
                let mut r = Request::new("BatchWriteItem", M::TABLE);
                r.items = chunk.to_vec();
                r
            })
            .collect())
    }

    options_methods!("Pet::batch_put([pet(\"1\", \"Rex\")])");

    /// Writes every item. Two items with one key are refused (DynamoDB rejects them in one
    /// batch, and one of them would be lost).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pets = (0..1000).map(|i| pet(&i.to_string(), "Rex"));
    /// match Pet::batch_put(pets).concurrency(4).exec(db).await {
    ///     Err(Error::BatchIncomplete { unprocessed, .. }) => println!("{} not written", unprocessed.len()),
    ///     other => other?,
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn exec(mut self, db: &Db) -> Result<()> {
        if let (Some(version), false) = (M::VERSION, self.overwrite_versions) {
            return Err(Error::InvalidRequest(format!(
                "`{}` has the version attribute `{version}`, which a batch cannot check: a stale item would overwrite a newer one. Save each item, put them in a Transaction, or call .overwrite_versions() on the batch to write them unchecked",
                M::TABLE
            )));
        }
        shared_table::<M>(self.other_entities, "batch_put", "replace")?;
        let mut invalid = ValidationErrors::default();
        let mut requests = Vec::with_capacity(self.items.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, m) in self.items.iter_mut().enumerate() {
            match prepare_save(m).await {
                Ok(plan) => {
                    let key = key_of::<M>(&plan.item);
                    check_key::<M>(&key)?;
                    if let Some(first) = seen.insert(key_id::<M>(&key), i) {
                        return Err(Error::InvalidRequest(format!(
                            "items {first} and {i} of the batch have the same key {key:?}"
                        )));
                    }
                    let size = plan.size;
                    let put = PutRequest::builder()
                        .set_item(Some(plan.item))
                        .build()
                        .map_err(|e| Error::InvalidRequest(e.to_string()))?;
                    requests.push((key, WriteRequest::builder().put_request(put).build(), size));
                }
                Err(Error::Validation(errors)) => {
                    for e in errors {
                        let path = if e.path.starts_with('[') {
                            format!("[{i}]{}", e.path)
                        } else {
                            format!("[{i}].{}", e.path)
                        };
                        invalid.push(path, e.rule, e.message);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        invalid.into_result()?;
        write_all::<M>(db, requests, self.options).await
    }
}

/// A BatchWriteItem of deletes; `M::batch_delete(keys)` makes one. A key given twice is
/// deleted once.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// Pet::batch_delete([Pet::key("1"), Pet::key("1")]).exec(db).await?;
/// # Ok(()) }
/// ```
pub struct BatchDelete<M> {
    keys: Vec<Key<M>>,
    options: BatchOptions,
    other_entities: bool,
    _m: PhantomData<fn() -> M>,
}

impl<M: Model> BatchDelete<M> {
    pub(crate) fn new(keys: impl IntoIterator<Item = Key<M>>) -> Self {
        let keys = keys.into_iter().collect();
        let options = BatchOptions::default();
        BatchDelete {
            keys,
            options,
            other_entities: false,
            _m: PhantomData,
        }
    }

    flags! {
    /// Deletes the keys of a model in a shared table although a key may hold another
    /// entity's item, which the delete then deletes. A batch of a model in a shared table is
    /// `InvalidRequest` unless it says this: BatchWriteItem takes no entity condition (to
    /// delete with it, `delete` each, or up to 100 in a `Transaction`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::Customer;
    /// let cleanup = Customer::batch_delete([Customer::key("c1")]).delete_other_entities();
    /// # let _ = cleanup;
    /// ```
        delete_other_entities => other_entities = true;
    }

    options_methods!("Pet::batch_delete([Pet::key(\"1\")])");

    /// The requests that `exec` sends: BatchWriteItem deletes of up to 25 distinct keys
    /// each (before the `before_delete` hooks, which `exec` runs).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let requests = Pet::batch_delete((0..30).map(|i| Pet::key(i.to_string()))).to_requests()?;
    /// assert_eq!(requests.iter().map(|r| r.keys.len()).collect::<Vec<_>>(), [25, 5]);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_requests(&self) -> Result<Vec<Request>> {
        key_requests("BatchWriteItem", &self.keys, MAX_WRITE_REQUESTS)
    }

    /// Deletes every key (a key without an item is no error), after each `before_delete`
    /// hook.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::batch_delete(["1", "2", "3"].map(Pet::key)).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<()> {
        shared_table::<M>(self.other_entities, "batch_delete", "delete")?;
        let mut requests = Vec::with_capacity(self.keys.len());
        let mut seen: HashSet<String> = HashSet::new();
        for key in &self.keys {
            check_key_of::<M>(key)?;
            if !seen.insert(key_id::<M>(key.item())) {
                continue;
            }
            M::run_before_delete(key).await?;
            let delete = DeleteRequest::builder()
                .set_key(Some(key.item().clone()))
                .build()
                .map_err(|e| Error::InvalidRequest(e.to_string()))?;
            let size = item_size(key.item());
            requests.push((
                key.item().clone(),
                WriteRequest::builder().delete_request(delete).build(),
                size,
            ));
        }
        write_all::<M>(db, requests, self.options).await
    }
}
