//! Pages, and how pages are fetched, decoded, collected and counted.
//! Layer: ops.

use futures::future::BoxFuture;
use futures::stream::{self, Stream, StreamExt};

use crate::codec::Item;
use crate::db::Db;
use crate::error::Result;

use super::*;
use crate::model::{Document, Model};
use crate::ops::request::Request;

/// One page of results, and the cursor of the next page (`None` after the last).
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let mut cursor: Option<Cursor> = None;
/// loop {
///     let page: Page<Pet> = Pet::scan().limit(50).start_at(cursor).exec(db).await?;
///     for p in &page.items {
///         println!("{}", p.name);
///     }
///     match page.next {
///         Some(next) => cursor = Some(next),
///         None => break,
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts.
    pub next: Option<Cursor>,
    /// How many items DynamoDB read for this page, before the filter (its `ScannedCount`).
    pub scanned_count: usize,
    /// The capacity units that the page consumed, where DynamoDB said: it does when a
    /// tracing subscriber records the operation's `dynomodel` span.
    pub consumed_capacity: Option<f64>,
}

/// A model's `after_load` hook, as a function pointer.
pub(crate) type AfterLoad<O> = for<'a> fn(&'a mut O) -> BoxFuture<'a, Result<()>>;

/// How a page's items become results: a synchronous decode, and the `after_load` hook of
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

pub(crate) fn after_load<M: Model>(m: &mut M) -> BoxFuture<'_, Result<()>> {
    m.run_after_load()
}

pub(crate) fn decode_model<M: Model>() -> Decode<M> {
    Decode {
        decode: M::from_item,
        after_load: M::HAS_HOOKS
            .then_some(after_load::<M> as for<'a> fn(&'a mut M) -> BoxFuture<'a, Result<()>>),
    }
}

fn collection_after_load<C: crate::model::Collection>(c: &mut C) -> BoxFuture<'_, Result<()>> {
    c.run_after_load()
}

pub(crate) fn decode_collection<C: crate::model::Collection>() -> Decode<C> {
    Decode {
        decode: C::from_item,
        after_load: Some(
            collection_after_load::<C> as for<'a> fn(&'a mut C) -> BoxFuture<'a, Result<()>>,
        ),
    }
}

pub(crate) fn decode_document<P: Document>() -> Decode<P> {
    Decode {
        decode: P::from_item,
        after_load: None,
    }
}

impl<O> Decode<O> {
    pub(crate) async fn item(self, item: &Item) -> Result<O> {
        let mut o = (self.decode)(item)?;
        if let Some(hook) = self.after_load {
            hook(&mut o).await?;
        }
        Ok(o)
    }
}

/// Every page's items, decoded, without the per-item futures of `stream`.
/// A cursor just after `item`, which was read by `r`: its table and index key attributes.
pub(crate) fn cursor_after(r: &Request, item: &Item) -> Option<Cursor> {
    let key: Item = r
        .cursor_keys
        .iter()
        .filter_map(|k| Some(((*k).to_owned(), item.get(*k)?.clone())))
        .collect();
    next_cursor(Some(key))
}

/// A page cut to the `room` left under the total limit, with the cursor after its last item
/// where it was cut.
pub(crate) fn cut(
    r: &Request,
    mut items: Vec<Item>,
    next: Option<Cursor>,
    room: usize,
) -> (Vec<Item>, Option<Cursor>) {
    if items.len() <= room {
        return (items, next);
    }
    items.truncate(room);
    let next = items.last().and_then(|last| cursor_after(r, last));
    (items, next)
}

pub(crate) async fn collect_pages<O, F>(
    db: &Db,
    mut r: Request,
    fetch: F,
    decode: Decode<O>,
) -> Result<Vec<O>>
where
    F: for<'r> Fn(&'r Db, &'r Request) -> BoxFuture<'r, PageResult>,
{
    let mut out = Vec::new();
    let cap = r.total_limit.unwrap_or(usize::MAX);
    loop {
        let raw = fetch(db, &r).await?;
        let (items, next) = cut(&r, raw.items, raw.next, cap.saturating_sub(out.len()));
        out.reserve(items.len());
        for item in &items {
            out.push(decode.item(item).await?);
        }
        match next {
            Some(c) if out.len() < cap => r.start_key = Some(c.key),
            _ => return Ok(out),
        }
    }
}

/// One page of `r`, cut at its total limit and decoded, with DynamoDB's figures.
pub(crate) async fn one_page<O>(
    db: &Db,
    r: &Request,
    fetch: Fetch,
    decode: Decode<O>,
) -> Result<Page<O>> {
    let raw = fetch(db, r).await?;
    let (items, next) = cut(r, raw.items, raw.next, r.total_limit.unwrap_or(usize::MAX));
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        out.push(decode.item(item).await?);
    }
    Ok(Page {
        items: out,
        next,
        scanned_count: raw.scanned,
        consumed_capacity: raw.capacity,
    })
}

/// How a page is fetched.
pub(crate) type Fetch = for<'r> fn(&'r Db, &'r Request) -> BoxFuture<'r, PageResult>;

/// One page as DynamoDB answered it.
#[doc(hidden)]
pub struct Raw {
    pub(crate) items: Vec<Item>,
    pub(crate) next: Option<Cursor>,
    /// Items that DynamoDB read for the page, before the filter.
    pub(crate) scanned: usize,
    /// Capacity units that the page consumed, where DynamoDB said (a tracing subscriber that
    /// records the operation's span asks for it).
    pub(crate) capacity: Option<f64>,
}

pub(crate) type PageResult = Result<Raw>;

/// A page from the parts of a Query or Scan answer; its `Count` beside it.
pub(crate) fn raw_page(
    operation: &str,
    count: i32,
    scanned: i32,
    capacity: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>,
    items: Option<Vec<Item>>,
    last_key: Option<Item>,
) -> Result<(Raw, usize)> {
    let counted = |what: &str, n: i32| {
        usize::try_from(n).map_err(|_| crate::error::Error::Decode {
            path: what.into(),
            message: format!("DynamoDB answered a {operation} {what} of {n}"),
        })
    };
    let count = counted("Count", count)?;
    let raw = Raw {
        items: items.unwrap_or_default(),
        next: next_cursor(last_key),
        scanned: counted("ScannedCount", scanned)?,
        capacity: capacity.and_then(|c| c.capacity_units()),
    };
    Ok((raw, count))
}

/// Pages of raw items, each fetched when the previous one is used up.
pub(crate) fn pages<'a, F>(
    request: Result<Request>,
    db: &'a Db,
    fetch: F,
) -> impl Stream<Item = Result<Vec<Item>>> + Send + 'a
where
    F: for<'r> Fn(&'r Db, &'r Request) -> BoxFuture<'r, PageResult> + Send + Sync + Copy + 'a,
{
    // The state is the request of the next page: `None` after the last page.
    stream::try_unfold(Some(request), move |state| async move {
        let mut r = match state {
            None => return Ok(None),
            Some(request) => request?,
        };
        let Raw { items, next, .. } = fetch(db, &r).await?;
        let state = next.map(|c| {
            r.start_key = Some(c.key);
            Ok(r)
        });
        Ok(Some((items, state)))
    })
}

pub(crate) fn decoded<O: Send + 'static>(
    decode: Decode<O>,
    page: Result<Vec<Item>>,
) -> impl Stream<Item = Result<O>> + Send {
    stream::iter(match page {
        Ok(items) => items.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(e) => vec![Err(e)],
    })
    .then(move |item| async move {
        let item = item?;
        decode.item(&item).await
    })
}

pub(crate) async fn count_pages<F>(db: &Db, mut r: Request, fetch: F) -> Result<usize>
where
    F: for<'r> Fn(&'r Db, &'r Request) -> BoxFuture<'r, Result<(usize, Option<Cursor>)>>,
{
    let mut total = 0;
    let cap = r.total_limit.unwrap_or(usize::MAX);
    loop {
        let (n, next) = fetch(db, &r).await?;
        total = usize::saturating_add(total, n).min(cap);
        match next {
            Some(c) if total < cap => r.start_key = Some(c.key),
            _ => return Ok(total),
        }
    }
}

pub(crate) fn next_cursor(key: Option<Item>) -> Option<Cursor> {
    key.filter(|k| !k.is_empty()).map(Cursor::from_key)
}
