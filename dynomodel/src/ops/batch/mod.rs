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
//!
//! Layer: ops.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::Result;
use crate::model::check_key_of;
use crate::model::{Key, Model};
use crate::ops::request::Request;
use crate::ops::send::ChunkOutcome;

pub use get::{BatchGet, CollectionGet};
pub use write::{BatchDelete, BatchPut};

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
        let half = cap.checked_div(2).unwrap_or_default();
        half.saturating_add(half.mul_f64(jitter()))
    }
}

/// A number in [0, 1): enough randomness to spread retries, without a dependency.
pub(crate) fn jitter() -> f64 {
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

/// The keys, each checked, once each in their first order: what a batch reads or deletes.
pub(crate) fn unique_keys<M: Model>(keys: &[Key<M>]) -> Result<Vec<Item>> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut unique = Vec::new();
    for key in keys {
        check_key_of::<M>(key)?;
        if seen.insert(key_id::<M>(key.item())) {
            unique.push(key.item().clone());
        }
    }
    Ok(unique)
}

/// The requests of `operation` that carry `keys` (each checked, once each), `size` a request.
pub(crate) fn key_requests<M: Model>(
    operation: &'static str,
    keys: &[Key<M>],
    size: usize,
) -> Result<Vec<Request>> {
    Ok(unique_keys::<M>(keys)?
        .chunks(size)
        .map(|chunk| Request {
            keys: chunk.to_vec(),
            ..Request::new(operation, M::TABLE)
        })
        .collect())
}

/// A text that is the same for equal keys, to find duplicates and match results.
pub(crate) fn key_id<M: Model>(item: &Item) -> String {
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

// After `options_methods`, which they use.
mod get;
mod write;
