//! Batches of any size: split into DynamoDB's limits, sent with bounded concurrency, and
//! retried with exponential backoff and jitter until every item is written or read, or the
//! error names exactly the ones that were not.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! # async fn run(db: &Db) -> Result<()> {
//! let pets: Vec<Pet> = (0..1000).map(|i| pet(&i.to_string(), "Rex")).collect();
//! Pet::batch_put(pets).exec(db).await?; // 40 requests of 25, 8 at a time
//! let found = Pet::batch_get((0..1000).map(|i| Pet::key(i.to_string()))).exec(db).await?;
//! assert!(found.iter().all(Option::is_some));
//! Pet::batch_delete((0..1000).map(|i| Pet::key(i.to_string()))).exec(db).await?;
//! # Ok(()) }
//! ```

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};
use futures::stream::{self, StreamExt};
use tracing::Instrument;

use crate::codec::{item_size, Item};
use crate::db::Db;
use crate::error::{DynamoError, Error, Result};
use crate::model::{prepare_save, Key, Model};
use crate::ops::{check_key, load};
use crate::request::op_span;
use crate::validate::ValidationErrors;

/// Keys in one BatchGetItem: `batch_get` splits longer lists into chunks of this size.
///
/// ```
/// assert_eq!(dynomodel::batch::MAX_GET_KEYS, 100);
/// ```
pub const MAX_GET_KEYS: usize = 100;
/// Requests in one BatchWriteItem: `batch_put` and `batch_delete` split into chunks of at
/// most this many.
///
/// ```
/// assert_eq!(dynomodel::batch::MAX_WRITE_REQUESTS, 25);
/// ```
pub const MAX_WRITE_REQUESTS: usize = 25;
/// Bytes in one BatchWriteItem: a chunk is also closed before it would exceed this size.
///
/// ```
/// assert_eq!(dynomodel::batch::MAX_WRITE_BYTES, 16 * 1024 * 1024);
/// ```
pub const MAX_WRITE_BYTES: usize = 16 * 1024 * 1024;

/// How a batch is sent: concurrency and retries.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::batch::BatchOptions;
/// use std::time::Duration;
/// # async fn run(db: &Db) -> Result<()> {
/// let patient = BatchOptions {
///     max_attempts: 20,
///     max_delay: Duration::from_secs(5),
///     ..BatchOptions::default()
/// };
/// let pets = (0..100).map(|i| pet(&i.to_string(), "Rex"));
/// Pet::batch_put(pets).options(patient).exec(db).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BatchOptions {
    /// Chunks in flight at once (8 by default).
    pub concurrency: usize,
    /// Sends of one chunk, the first included, before its unprocessed entries are given up
    /// (10 by default).
    pub max_attempts: u32,
    /// The first backoff (25 ms by default); it doubles at every retry.
    pub base_delay: Duration,
    /// The longest backoff (2 s by default).
    pub max_delay: Duration,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            concurrency: 8,
            max_attempts: 10,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl BatchOptions {
    /// The backoff before retry `attempt` (1 for the first retry): exponential, capped, and
    /// jittered over its upper half so that concurrent chunks do not retry in step.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::batch::BatchOptions;
    /// use std::time::Duration;
    /// let o = BatchOptions::default();
    /// assert!(o.backoff(1) <= Duration::from_millis(25));
    /// assert!(o.backoff(30) <= Duration::from_secs(2));
    /// assert!(o.backoff(30) >= Duration::from_secs(1));
    /// ```
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let cap = exp.min(self.max_delay);
        let half = cap / 2;
        half + half.mul_f64(jitter())
    }
}

/// A number in [0, 1): enough randomness to spread retries, without a dependency.
fn jitter() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ seed;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A text that is the same for equal keys, to find duplicates and match results.
fn key_id<M: Model>(item: &Item) -> String {
    let mut id = String::new();
    for name in std::iter::once(M::HASH_KEY).chain(M::RANGE_KEY) {
        match item.get(name) {
            Some(AttributeValue::S(s)) => id.push_str(&format!("S{}:{s}", s.len())),
            Some(AttributeValue::N(n)) => id.push_str(&format!("N{}:{n}", n.len())),
            Some(AttributeValue::B(b)) => id.push_str(&format!("B{:?}", b.as_ref())),
            other => id.push_str(&format!("{other:?}")),
        }
        id.push('|');
    }
    id
}

fn key_of<M: Model>(item: &Item) -> Item {
    std::iter::once(M::HASH_KEY)
        .chain(M::RANGE_KEY)
        .filter_map(|k| item.get(k).map(|v| (k.to_owned(), v.clone())))
        .collect()
}

/// What one chunk left undone, and why.
struct ChunkOutcome<T> {
    done: Vec<T>,
    left: Vec<Item>,
    attempts: u32,
    error: Option<Error>,
}

macro_rules! options_methods {
    ($make:literal) => {
        /// Chunks in flight at once (at least 1).
        ///
        /// ```no_run
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        /// # async fn run(db: &Db) -> Result<()> {
        #[doc = concat!("let batch = ", $make, ".concurrency(2);")]
        /// batch.exec(db).await?;
        /// # Ok(()) }
        /// ```
        pub fn concurrency(mut self, n: usize) -> Self {
            self.options.concurrency = n.max(1);
            self
        }

        /// Sends of one chunk, the first included, before its unprocessed entries are given
        /// up (at least 1).
        ///
        /// ```no_run
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        /// # async fn run(db: &Db) -> Result<()> {
        #[doc = concat!("let batch = ", $make, ".max_attempts(3);")]
        /// batch.exec(db).await?;
        /// # Ok(()) }
        /// ```
        pub fn max_attempts(mut self, n: u32) -> Self {
            self.options.max_attempts = n.max(1);
            self
        }

        /// Every option at once.
        ///
        /// ```no_run
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        /// use dynomodel::batch::BatchOptions;
        /// # async fn run(db: &Db) -> Result<()> {
        /// let options = BatchOptions { concurrency: 2, ..BatchOptions::default() };
        #[doc = concat!("let batch = ", $make, ".options(options);")]
        /// batch.exec(db).await?;
        /// # Ok(()) }
        /// ```
        pub fn options(mut self, options: BatchOptions) -> Self {
            self.options = options;
            self
        }
    };
}

/// A BatchGetItem of any number of keys; `M::batch_get(keys)` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let found: Vec<Option<Pet>> = Pet::batch_get(["1", "2"].map(Pet::key)).exec(db).await?;
/// assert_eq!(found.len(), 2);
/// # Ok(()) }
/// ```
pub struct BatchGet<M> {
    keys: Vec<Key<M>>,
    consistent: bool,
    options: BatchOptions,
}

impl<M: Model> BatchGet<M> {
    pub(crate) fn new(keys: impl IntoIterator<Item = Key<M>>) -> Self {
        BatchGet {
            keys: keys.into_iter().collect(),
            consistent: false,
            options: BatchOptions::default(),
        }
    }

    options_methods!("Pet::batch_get([Pet::key(\"1\")])");

    /// Strongly consistent reads.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pets = Pet::batch_get([Pet::key("1"), Pet::key("2")]).consistent().exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }

    /// Reads every key: one result per key given, in the same order, `None` for a key with
    /// no item. A key given twice is read once.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let keys = ["3", "1", "404"].map(Pet::key);
    /// let pets = Pet::batch_get(keys).exec(db).await?;
    /// assert!(pets[2].is_none(), "one result per key, in order");
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<Vec<Option<M>>> {
        // Each key's id once: to read a repeated key once, and to find its item after.
        let mut ids: Vec<String> = Vec::with_capacity(self.keys.len());
        let mut unique: Vec<Item> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for key in &self.keys {
            check_key::<M>(key.item())?;
            let id = key_id::<M>(key.item());
            if seen.insert(id.clone()) {
                unique.push(key.item().clone());
            }
            ids.push(id);
        }
        let table = db.table_name(M::TABLE);
        let consistent = self.consistent;
        let options = self.options;
        let chunks: Vec<Vec<Item>> = unique.chunks(MAX_GET_KEYS).map(<[Item]>::to_vec).collect();
        let failed = AtomicBool::new(false);
        let outcomes: Vec<ChunkOutcome<Item>> = stream::iter(chunks)
            .map(|chunk| {
                let (failed, table) = (&failed, &table);
                async move {
                    if failed.load(Ordering::Relaxed) {
                        return ChunkOutcome {
                            done: vec![],
                            left: chunk,
                            attempts: 0,
                            error: None,
                        };
                    }
                    let outcome = get_chunk(db, table, chunk, consistent, options).await;
                    if outcome.error.is_some() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    outcome
                }
            })
            .buffer_unordered(options.concurrency)
            .collect()
            .await;
        let mut found: HashMap<String, Item> = HashMap::new();
        let mut left = Vec::new();
        let (mut attempts, mut error) = (0, None);
        for o in outcomes {
            for item in o.done {
                found.insert(key_id::<M>(&item), item);
            }
            if !o.left.is_empty() {
                left.extend(o.left);
                attempts = attempts.max(o.attempts);
                error = error.or(o.error);
            }
        }
        if !left.is_empty() {
            return Err(Error::BatchIncomplete {
                what: "keys",
                verb: "read",
                unprocessed: left,
                attempts,
                source: error.map(Box::new),
            });
        }
        let mut out = Vec::with_capacity(self.keys.len());
        for id in &ids {
            out.push(match found.get(id) {
                Some(item) => Some(load::<M>(item).await?),
                None => None,
            });
        }
        Ok(out)
    }
}

async fn get_chunk(
    db: &Db,
    table: &str,
    mut keys: Vec<Item>,
    consistent: bool,
    options: BatchOptions,
) -> ChunkOutcome<Item> {
    let span = op_span!("BatchGetItem", table);
    async move {
        let mut done = Vec::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys.clone()))
                .consistent_read(consistent)
                .build();
            let request = match request {
                Ok(r) => r,
                Err(e) => {
                    return ChunkOutcome {
                        done,
                        left: keys,
                        attempts: attempt,
                        error: Some(Error::InvalidRequest(e.to_string())),
                    }
                }
            };
            let result = db
                .client()
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await;
            match result {
                Ok(mut out) => {
                    if let Some(items) = out.responses.as_mut().and_then(|r| r.remove(table)) {
                        done.extend(items);
                    }
                    keys = out
                        .unprocessed_keys
                        .and_then(|mut u| u.remove(table))
                        .map(|k| k.keys)
                        .unwrap_or_default();
                    if keys.is_empty() {
                        return ChunkOutcome {
                            done,
                            left: keys,
                            attempts: attempt,
                            error: None,
                        };
                    }
                }
                Err(e) => {
                    let e = Error::from(DynamoError::from_sdk("BatchGetItem", e));
                    if !e.is_retryable() || attempt >= options.max_attempts {
                        return ChunkOutcome {
                            done,
                            left: keys,
                            attempts: attempt,
                            error: Some(e),
                        };
                    }
                }
            }
            if attempt >= options.max_attempts {
                return ChunkOutcome {
                    done,
                    left: keys,
                    attempts: attempt,
                    error: None,
                };
            }
            tokio::time::sleep(options.backoff(attempt)).await;
        }
    }
    .instrument(span)
    .await
}

/// Writes: puts or deletes, in chunks of at most 25 requests and 16 MB.
async fn write_all<M: Model>(
    db: &Db,
    requests: Vec<(Item, WriteRequest, usize)>,
    options: BatchOptions,
) -> Result<()> {
    let mut chunks: Vec<Vec<(Item, WriteRequest)>> = Vec::new();
    let mut current: Vec<(Item, WriteRequest)> = Vec::new();
    let mut bytes = 0;
    for (key, request, size) in requests {
        if current.len() == MAX_WRITE_REQUESTS || bytes + size > MAX_WRITE_BYTES {
            chunks.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push((key, request));
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    let table = db.table_name(M::TABLE);
    // Once a chunk has failed outright (after the SDK's own retries), the chunks not sent yet
    // are reported without being sent: the service is down, and waiting on each adds nothing.
    let failed = AtomicBool::new(false);
    let outcomes: Vec<ChunkOutcome<()>> = stream::iter(chunks)
        .map(|chunk| {
            let failed = &failed;
            let table = &table;
            async move {
                if failed.load(Ordering::Relaxed) {
                    return ChunkOutcome {
                        done: vec![],
                        left: chunk.into_iter().map(|(k, _)| k).collect(),
                        attempts: 0,
                        error: None,
                    };
                }
                let outcome = write_chunk::<M>(db, table, chunk, options).await;
                if outcome.error.is_some() {
                    failed.store(true, Ordering::Relaxed);
                }
                outcome
            }
        })
        .buffer_unordered(options.concurrency)
        .collect()
        .await;
    let mut left = Vec::new();
    let (mut attempts, mut error) = (0, None);
    for o in outcomes {
        if !o.left.is_empty() {
            left.extend(o.left);
            attempts = attempts.max(o.attempts);
            error = error.or(o.error);
        }
    }
    if left.is_empty() {
        Ok(())
    } else {
        Err(Error::BatchIncomplete {
            what: "items",
            verb: "written",
            unprocessed: left,
            attempts,
            source: error.map(Box::new),
        })
    }
}

async fn write_chunk<M: Model>(
    db: &Db,
    table: &str,
    chunk: Vec<(Item, WriteRequest)>,
    options: BatchOptions,
) -> ChunkOutcome<()> {
    let span = op_span!("BatchWriteItem", table);
    async move {
        let mut keys: Vec<Item> = Vec::with_capacity(chunk.len());
        let mut requests: Vec<WriteRequest> = Vec::with_capacity(chunk.len());
        for (key, request) in chunk {
            keys.push(key);
            requests.push(request);
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The requests move into the call: the SDK has already retried transient errors
            // when one comes back, and the keys say what was not written.
            let result = db
                .client()
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await;
            match result {
                Ok(out) => {
                    requests = out
                        .unprocessed_items
                        .and_then(|mut u| u.remove(table))
                        .unwrap_or_default();
                    if requests.is_empty() {
                        return ChunkOutcome {
                            done: vec![],
                            left: vec![],
                            attempts: attempt,
                            error: None,
                        };
                    }
                    keys = requests
                        .iter()
                        .filter_map(|r| {
                            r.put_request()
                                .map(|p| key_of::<M>(p.item()))
                                .or_else(|| r.delete_request().map(|d| d.key().clone()))
                        })
                        .collect();
                }
                Err(e) => {
                    return ChunkOutcome {
                        done: vec![],
                        left: keys,
                        attempts: attempt,
                        error: Some(DynamoError::from_sdk("BatchWriteItem", e).into()),
                    };
                }
            }
            if attempt >= options.max_attempts {
                return ChunkOutcome {
                    done: vec![],
                    left: keys,
                    attempts: attempt,
                    error: None,
                };
            }
            tokio::time::sleep(options.backoff(attempt)).await;
        }
    }
    .instrument(span)
    .await
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
}

impl<M: Model> BatchPut<M> {
    pub(crate) fn new(items: impl IntoIterator<Item = M>) -> Self {
        BatchPut {
            items: items.into_iter().collect(),
            options: BatchOptions::default(),
        }
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
    _m: PhantomData<fn() -> M>,
}

impl<M: Model> BatchDelete<M> {
    pub(crate) fn new(keys: impl IntoIterator<Item = Key<M>>) -> Self {
        BatchDelete {
            keys: keys.into_iter().collect(),
            options: BatchOptions::default(),
            _m: PhantomData,
        }
    }

    options_methods!("Pet::batch_delete([Pet::key(\"1\")])");

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
        let mut requests = Vec::with_capacity(self.keys.len());
        let mut seen: HashSet<String> = HashSet::new();
        for key in &self.keys {
            check_key::<M>(key.item())?;
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
