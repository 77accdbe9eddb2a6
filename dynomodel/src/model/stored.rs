//! A stored item, as a model reads it: every read path (get, batch get, TransactGet, query,
//! scan, collections, hydrate, lenient reads, the items that writes return, stream images)
//! turns a stored item into a model, and into its key, here.
//! Layer: model.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::BoxFuture;

use crate::codec::Item;
use crate::error::{Error, Result};
use crate::model::{Collection, Document, Model};

/// A model's (or a collection's) `after_load` hook, as a function pointer.
pub(crate) type AfterLoad<O> = for<'a> fn(&'a mut O) -> BoxFuture<'a, Result<()>>;

/// How a stored item becomes a result: a synchronous decode, and the `after_load` hook of
/// models that have one (no future at all for the others).
#[doc(hidden)]
pub struct Decode<O> {
    decode: fn(&Item) -> Result<O>,
    after_load: Option<AfterLoad<O>>,
}

impl<O> Clone for Decode<O> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<O> Copy for Decode<O> {}

fn model_after_load<M: Model>(m: &mut M) -> BoxFuture<'_, Result<()>> {
    m.run_after_load()
}

fn collection_after_load<C: Collection>(c: &mut C) -> BoxFuture<'_, Result<()>> {
    c.run_after_load()
}

impl<M: Model> Decode<M> {
    /// A model: decoded, then its `after_load` hook where it has one.
    pub(crate) fn model() -> Self {
        Decode {
            decode: M::from_item,
            after_load: M::HAS_HOOKS.then_some(model_after_load::<M> as AfterLoad<M>),
        }
    }
}

impl<C: Collection> Decode<C> {
    /// A collection: the member that the entity attribute names, then its `after_load` hook.
    pub(crate) fn collection() -> Self {
        Decode {
            decode: C::from_item,
            after_load: Some(collection_after_load::<C> as AfterLoad<C>),
        }
    }
}

impl<P: Document> Decode<P> {
    /// A projection or a document: decoded only.
    pub(crate) fn document() -> Self {
        Decode {
            decode: decode::<P>,
            after_load: None,
        }
    }
}

impl<O> Decode<O> {
    /// Decodes one stored item.
    pub(crate) async fn item(self, item: &Item) -> Result<O> {
        let mut o = (self.decode)(item)?;
        if let Some(hook) = self.after_load {
            hook(&mut o).await?;
        }
        Ok(o)
    }
}

/// Decodes an item read from DynamoDB as model `M` and runs its `after_load` hook.
pub(crate) async fn load<M: Model>(item: &Item) -> Result<M> {
    Decode::<M>::model().item(item).await
}

/// Decodes an item read from DynamoDB as collection `C`: the member that its entity
/// attribute names, with that member's `after_load` hook.
pub(crate) async fn load_member<C: Collection>(item: &Item) -> Result<C> {
    Decode::<C>::collection().item(item).await
}

/// Decodes an item as a document without hooks: a projection, a stream image.
pub(crate) fn decode<D: Document>(item: &Item) -> Result<D> {
    D::from_item(item)
}

/// [`load`] of the item that a write returned: a failure to decode it says that the write
/// was applied (`Error::Applied`), so that the caller does not retry it.
pub(crate) async fn load_applied<M: Model>(
    operation: &'static str,
    table: String,
    key: &Item,
    item: &Item,
) -> Result<M> {
    load::<M>(item).await.map_err(|e| Error::Applied {
        operation,
        table,
        key: Box::new(key.clone()),
        source: Box::new(e),
    })
}

/// The table key attributes of a stored item of `M` (those it has).
pub(crate) fn key_of<M: Model>(item: &Item) -> Item {
    std::iter::once(M::HASH_KEY)
        .chain(M::RANGE_KEY)
        .filter_map(|k| Some((k.to_owned(), item.get(k)?.clone())))
        .collect()
}

/// Whether `item` has passed its TTL (`M::TTL`, epoch seconds) at `now`: DynamoDB deletes
/// such items only eventually (within days), and reads leave them out unless asked.
pub(crate) fn expired<M: Model>(item: &Item, now: std::time::SystemTime) -> bool {
    let Some(AttributeValue::N(n)) = M::TTL.and_then(|ttl| item.get(ttl)) else {
        return false;
    };
    let now = crate::model::managed::epoch_secs(now);
    n.parse::<i64>().is_ok_and(|at| at <= now)
}
