//! BatchGetItem of any number of keys.
//! Layer: ops.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::KeysAndAttributes;

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::{projection_of, Placeholders};
use crate::model::check_key_of;
use crate::model::stored::{
    decode, load, load_keyed, load_member_keyed, wrong_entity, ReadPolicy, Verdict,
};
use crate::model::{Document, Key, Model};
use crate::ops::request::{flags, Request};
use crate::ops::send::{fan_out, retry_chunk, send_read, Attempt};
use crate::ops::Projected;
use std::time::SystemTime;

use super::*;

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
    include_expired: bool,
    /// A read on behalf of a search (hydrate): another entity's item is left out, not
    /// reported.
    pub(crate) searching: bool,
}

impl<M: Model> BatchGet<M> {
    pub(crate) fn new(keys: impl IntoIterator<Item = Key<M>>) -> Self {
        BatchGet {
            keys: keys.into_iter().collect(),
            consistent: false,
            options: BatchOptions::default(),
            include_expired: false,
            searching: false,
        }
    }

    options_methods!("Pet::batch_get([Pet::key(\"1\")])");

    flags! {
    /// Also gives items whose TTL has passed but that DynamoDB has not deleted yet; without
    /// it, such an item reads as `None`, as in `get`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let every = Pet::batch_get([Pet::key("1")]).include_expired();
    /// # let _ = every;
    /// ```
        include_expired => include_expired = true;
    }

    flags! {
    /// Strongly consistent reads.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pets = Pet::batch_get([Pet::key("1"), Pet::key("2")]).consistent().exec(db).await?;
    /// # Ok(()) }
    /// ```
        consistent => consistent = true;
    }

    /// The requests that `exec` sends first: one BatchGetItem of up to 100 distinct keys
    /// each (keys given twice are read once).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let keys = (0..150).map(|i| Pet::key(i.to_string())).chain([Pet::key("0")]);
    /// let requests = Pet::batch_get(keys).to_requests()?;
    /// assert_eq!(requests.len(), 2);
    /// assert_eq!(requests[0].operation, "BatchGetItem");
    /// assert_eq!((requests[0].keys.len(), requests[1].keys.len()), (100, 50));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_requests(&self) -> Result<Vec<Request>> {
        let mut requests = key_requests("BatchGetItem", &self.keys, MAX_GET_KEYS)?;
        for r in &mut requests {
            r.consistent = self.consistent;
        }
        Ok(requests)
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
        let policy = ReadPolicy::of::<M>(self.include_expired);
        let searching = self.searching;
        let mut out = Vec::with_capacity(self.keys.len());
        for item in self.read(db, None).await? {
            out.push(match item {
                Some(item) if searching => match policy.verdict(&item, SystemTime::now()) {
                    Verdict::Own => Some(load::<M>(&item).await?),
                    Verdict::Expired | Verdict::Foreign(_) => None,
                },
                Some(item) => load_keyed::<M>(&policy, &item).await?,
                None => None,
            });
        }
        Ok(out)
    }

    /// Reads only the attributes of document `P` (and the keys, to match items to keys).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Name { name: String }
    /// let names: Vec<Option<Name>> =
    ///     Pet::batch_get([Pet::key("1"), Pet::key("2")]).project::<Name>().exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn project<P: Document>(self) -> Projected<Self, P> {
        Projected {
            inner: self,
            _p: std::marker::PhantomData,
        }
    }

    /// The items of the keys, in the keys' order, as DynamoDB stores them.
    async fn read(
        self,
        db: &Db,
        projection: Option<(String, HashMap<String, String>)>,
    ) -> Result<Vec<Option<Item>>> {
        // Each key's id once: to read a repeated key once, and to find its item after.
        let mut ids: Vec<String> = Vec::with_capacity(self.keys.len());
        let mut unique: Vec<Item> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for key in &self.keys {
            check_key_of::<M>(key)?;
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
        let items = fan_out(
            chunks,
            options.concurrency,
            ("keys", "read"),
            |chunk| chunk,
            |chunk| get_chunk(db, &table, chunk, consistent, options, projection.as_ref()),
        )
        .await?;
        let found: HashMap<String, Item> = items
            .into_iter()
            .map(|item| (key_id::<M>(&item), item))
            .collect();
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }
}

/// A BatchGetItem of keys of any members of collection `C`; `C::batch_get(keys)` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{Customer, CustomerView, Order};
/// # async fn run(db: &Db) -> Result<()> {
/// let found: Vec<Option<CustomerView>> = CustomerView::batch_get([
///     Customer::key("c1").into(),
///     Order::key("c1", "2026-11-30", 7u32).into(),
/// ])
/// .exec(db)
/// .await?;
/// # Ok(()) }
/// ```
pub struct CollectionGet<C: crate::model::Collection> {
    inner: BatchGet<C::First>,
}

impl<C: crate::model::Collection> CollectionGet<C> {
    pub(crate) fn new(
        keys: impl IntoIterator<Item = crate::model::collection::MemberKey<C>>,
    ) -> Self {
        CollectionGet {
            inner: BatchGet::new(keys.into_iter().map(|k| k.0)),
        }
    }

    flags! {
    /// Strongly consistent reads.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{Customer, CustomerView};
    /// let get = CustomerView::batch_get([Customer::key("c1").into()]).consistent();
    /// # let _ = get;
    /// ```
        consistent => inner.consistent = true;
    }

    flags! {
    /// Also gives items whose TTL (their member's) has passed but that DynamoDB has not
    /// deleted yet.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{Customer, CustomerView};
    /// let get = CustomerView::batch_get([Customer::key("c1").into()]).include_expired();
    /// # let _ = get;
    /// ```
        include_expired => inner.include_expired = true;
    }

    /// Reads the keys' items, each as the member that its entity attribute names, in the
    /// keys' order (`None` where a key has no item).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{Customer, CustomerView};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let found = CustomerView::batch_get([Customer::key("c1").into()]).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<Vec<Option<C>>> {
        let policy = ReadPolicy::of_collection::<C>(self.inner.include_expired);
        let mut out = Vec::with_capacity(self.inner.keys.len());
        for item in self.inner.read(db, None).await? {
            out.push(match item {
                Some(item) => load_member_keyed::<C>(&policy, &item).await?,
                None => None,
            });
        }
        Ok(out)
    }
}

impl<M: Model, P: Document> Projected<BatchGet<M>, P> {
    /// Reads the keys' items, projected, in the keys' order.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Age { age: u32 }
    /// let ages = Pet::batch_get([Pet::key("1")]).project::<Age>().exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<Vec<Option<P>>> {
        let mut ph = Placeholders::default();
        projection_of::<M, P>(&mut ph)?;
        // The keys come too, so that each item finds its key, and what the read policy
        // decides by.
        let policy = ReadPolicy::of::<M>(self.inner.include_expired);
        let mut attributes: Vec<&str> = P::ATTRIBUTES.to_vec();
        for k in std::iter::once(M::HASH_KEY)
            .chain(M::RANGE_KEY)
            .chain(policy.attributes())
        {
            if !attributes.contains(&k) {
                attributes.push(k);
            }
        }
        let mut ph = Placeholders::default();
        let expression = crate::expr::projection(&mut ph, &attributes);
        let items = self
            .inner
            .read(db, Some((expression, ph.names().clone())))
            .await?;
        let now = SystemTime::now();
        items
            .into_iter()
            .map(|item| match item {
                Some(i) => match policy.verdict(&i, now) {
                    Verdict::Own => decode::<P>(&i).map(Some),
                    Verdict::Expired => Ok(None),
                    Verdict::Foreign(found) => Err(wrong_entity(M::ENTITY, &i, found)),
                },
                None => Ok(None),
            })
            .collect()
    }
}

pub(crate) async fn get_chunk(
    db: &Db,
    table: &str,
    keys: Vec<Item>,
    consistent: bool,
    options: BatchOptions,
    projection: Option<&(String, HashMap<String, String>)>,
) -> ChunkOutcome<Item> {
    retry_chunk(
        keys.clone(),
        keys,
        options.max_attempts,
        |a| options.backoff(a),
        true,
        |keys| async move {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(consistent)
                .set_projection_expression(projection.map(|p| p.0.clone()))
                .set_expression_attribute_names(projection.map(|p| p.1.clone()))
                .build()
                .map_err(|e| Error::InvalidRequest(e.to_string()))?;
            let mut out = send_read("BatchGetItem", table, |capacity| {
                db.client()
                    .batch_get_item()
                    .request_items(table, request)
                    .set_return_consumed_capacity(capacity)
                    .send()
            })
            .await?;
            let done = out
                .responses
                .as_mut()
                .and_then(|r| r.remove(table))
                .unwrap_or_default();
            let left: Vec<Item> = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(table))
                .map(|k| k.keys)
                .unwrap_or_default();
            Ok(Attempt {
                done,
                keys: left.clone(),
                left,
            })
        },
    )
    .await
}
