//! A stored item, as a model reads it: every read path (get, batch get, TransactGet, query,
//! scan, collections, hydrate, lenient reads, the items that writes return, stream images)
//! turns a stored item into a model, and into its key, here.
//! Layer: model.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::BoxFuture;

use crate::codec::Item;
use crate::error::{Error, Result};
use crate::model::{Collection, Document, Entity, Model};

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

/// What a read decides about one stored item, before it decodes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The read's own item.
    Own,
    /// Past its TTL: DynamoDB has not deleted it yet.
    Expired,
    /// Another entity's item (its entity attribute), or an item without the entity attribute
    /// (`None`) that the model does not adopt.
    Foreign(Option<String>),
}

/// The read policy: which stored items a read gives. Every read path (get, batch get,
/// TransactGet, query, scan, collections, hydrate) asks it, so that each decides the same way:
/// an item past its TTL is left out unless the read includes expired items; in a shared
/// table, an item of another entity is not this model's, and neither is an item without the
/// entity attribute unless the model adopts untagged items. Keyed reads report a foreign item
/// as `WrongEntity`; reads that search (query, scan, collections, hydrate) leave it out.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct ReadPolicy {
    include_expired: bool,
    /// The entity attribute of a shared table.
    entity_attr: Option<&'static str>,
    /// The entities that the read gives, each with its TTL attribute (one, unnamed, for a
    /// model with a table of its own).
    entities: Vec<(&'static str, Option<&'static str>)>,
    adopts_untagged: bool,
    /// The table key attributes and the constant text that the model's templates start
    /// them with: an untagged item is adopted only where its keys start so.
    key_prefixes: Vec<(&'static str, String)>,
    /// A search that gives other entities' items, so that their decode reports them.
    report_foreign: bool,
}

impl ReadPolicy {
    /// The policy of a read of model `M`.
    pub(crate) fn of<M: Model>(include_expired: bool) -> Self {
        match M::ENTITY {
            Some(e) => ReadPolicy {
                include_expired,
                entity_attr: Some(e.attr),
                entities: vec![(e.name, M::TTL)],
                adopts_untagged: e.adopts_untagged,
                key_prefixes: e
                    .keys
                    .iter()
                    .filter(|t| t.index.is_none())
                    .map(|t| (t.attr, t.prefix()))
                    .collect(),
                report_foreign: false,
            },
            None => ReadPolicy {
                include_expired,
                entity_attr: None,
                entities: vec![("", M::TTL)],
                adopts_untagged: true,
                key_prefixes: Vec::new(),
                report_foreign: false,
            },
        }
    }

    /// The policy of a read of collection `C`: its members' items, each with its own TTL.
    pub(crate) fn of_collection<C: Collection>(include_expired: bool) -> Self {
        ReadPolicy::of_members(Some(C::ENTITY_ATTR), C::MEMBERS, C::TTLS, false)
            .with_expired(include_expired)
    }

    /// The policy of a read of a collection's `members` (each with its TTL attribute) in a
    /// table whose entity attribute is `entity_attr`; with `report`, a search keeps other
    /// entities' items, for their decode to report.
    pub(crate) fn of_members(
        entity_attr: Option<&'static str>,
        members: &'static [&'static str],
        ttls: &'static [Option<&'static str>],
        report: bool,
    ) -> Self {
        ReadPolicy {
            include_expired: false,
            entity_attr,
            entities: members.iter().copied().zip(ttls.iter().copied()).collect(),
            adopts_untagged: false,
            key_prefixes: Vec::new(),
            report_foreign: report,
        }
    }

    /// Whether a search keeps `item` in its page.
    pub(crate) fn keeps(&self, item: &Item, now: std::time::SystemTime) -> bool {
        match self.verdict(item, now) {
            Verdict::Own => true,
            Verdict::Expired => false,
            Verdict::Foreign(_) => self.report_foreign,
        }
    }

    /// The same policy, giving items past their TTL where `include` says.
    pub(crate) fn with_expired(mut self, include: bool) -> Self {
        self.include_expired = include;
        self
    }

    /// The attributes that the policy decides by: the TTL attributes, the entity attribute
    /// and, where the model adopts untagged items, the table keys that it checks (a projected
    /// read asks for them too).
    pub(crate) fn attributes(&self) -> impl Iterator<Item = &'static str> + '_ {
        let keys = self.key_prefixes.iter().filter(|_| self.adopts_untagged);
        self.ttls()
            .chain(self.entity_attr)
            .chain(keys.map(|(attr, _)| *attr))
    }

    /// The table key attributes and the constant text that the model's templates start them
    /// with, where the model adopts untagged items (none otherwise).
    pub(crate) fn adopted_prefixes(&self) -> &[(&'static str, String)] {
        match self.adopts_untagged {
            true => &self.key_prefixes,
            false => &[],
        }
    }

    /// The TTL attributes that the read checks.
    pub(crate) fn ttls(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entities.iter().filter_map(|(_, ttl)| *ttl)
    }

    /// Whether the item's table keys start as the model's templates start them.
    fn fits_keys(&self, item: &Item) -> bool {
        self.key_prefixes.iter().all(|(attr, prefix)| {
            matches!(item.get(*attr), Some(AttributeValue::S(v)) if v.starts_with(prefix.as_str()))
        })
    }

    /// What the read decides about `item` at `now`.
    pub(crate) fn verdict(&self, item: &Item, now: std::time::SystemTime) -> Verdict {
        let ttl = match self.entity_attr {
            None => self.entities.first().and_then(|(_, ttl)| *ttl),
            Some(attr) => match item.get(attr) {
                Some(AttributeValue::S(name)) => {
                    match self.entities.iter().find(|(e, _)| e == name) {
                        Some((_, ttl)) => *ttl,
                        None => return Verdict::Foreign(Some(name.clone())),
                    }
                }
                None if self.adopts_untagged && self.fits_keys(item) => {
                    self.entities.first().and_then(|(_, t)| *t)
                }
                _ => return Verdict::Foreign(None),
            },
        };
        match ttl.and_then(|ttl| item.get(ttl)) {
            Some(AttributeValue::N(n)) if !self.include_expired && past(n, now) => Verdict::Expired,
            _ => Verdict::Own,
        }
    }
}

/// Whether the epoch seconds `n` are at or before `now`: as DynamoDB compares numbers, so a
/// fraction of a second counts as the filters of queries and scans count it.
fn past(n: &str, now: std::time::SystemTime) -> bool {
    let now = crate::model::managed::epoch_secs(now);
    match n.parse::<i64>() {
        Ok(at) => at <= now,
        Err(_) => n.parse::<f64>().is_ok_and(|at| at <= now as f64),
    }
}

/// A keyed read of `M` (get, batch get, TransactGet): the model, `None` where the item is
/// past its TTL, and `WrongEntity` where it is not this entity's.
pub(crate) async fn load_keyed<M: Model>(policy: &ReadPolicy, item: &Item) -> Result<Option<M>> {
    match policy.verdict(item, std::time::SystemTime::now()) {
        Verdict::Own => load::<M>(item).await.map(Some),
        Verdict::Expired => Ok(None),
        Verdict::Foreign(found) => Err(wrong_entity(M::ENTITY, item, found)),
    }
}

/// [`load_keyed`] for a collection's member.
pub(crate) async fn load_member_keyed<C: Collection>(
    policy: &ReadPolicy,
    item: &Item,
) -> Result<Option<C>> {
    match policy.verdict(item, std::time::SystemTime::now()) {
        Verdict::Own => load_member::<C>(item).await.map(Some),
        Verdict::Expired => Ok(None),
        // The collection names every member that it expected.
        Verdict::Foreign(_) => load_member::<C>(item).await.map(Some),
    }
}

/// The error of a keyed read that found another entity's item (or an untagged one).
pub(crate) fn wrong_entity(e: Option<&Entity>, item: &Item, found: Option<String>) -> Error {
    let attr = e.map_or("_et", |e| e.attr);
    Error::WrongEntity {
        expected: e.map_or_else(String::new, |e| e.name.to_owned()),
        found: found.unwrap_or_else(|| format!("item without `{attr}`")),
        key: e.map(|e| e.describe_key(item)).unwrap_or_default(),
    }
}
