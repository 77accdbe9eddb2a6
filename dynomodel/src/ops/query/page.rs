//! Pages, and how pages are fetched, decoded, collected and counted.
//! Layer: ops.

use futures::future::BoxFuture;
use futures::stream::{self, Stream, StreamExt};

use crate::codec::Item;
use crate::db::Db;
use crate::error::Result;

use super::*;
use crate::model::stored::Decode;
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

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next: None,
            scanned_count: 0,
            consumed_capacity: None,
        }
    }
}

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
    for request in 1.. {
        let raw = fetch(db, &r).await?;
        let (items, next) = cut(&r, raw.items, raw.next, cap.saturating_sub(out.len()));
        out.reserve(items.len());
        for item in &items {
            out.push(decode.item(item).await?);
        }
        match next {
            Some(c) if out.len() < cap => r.start_key = Some(past_cap(&r, request, c)?.key),
            _ => return Ok(out),
        }
    }
    Ok(out)
}

/// The cursor of the next request, or `PageCap` where `request` requests were as many as
/// the read may send (`max_pages`).
pub(crate) fn past_cap(r: &Request, request: usize, next: Cursor) -> Result<Cursor> {
    match r.max_pages {
        Some(max) if request >= max => Err(crate::error::Error::PageCap {
            requests: max,
            next: next.to_string(),
        }),
        _ => Ok(next),
    }
}

/// One page of `r`, cut at its total limit and decoded, with DynamoDB's figures.
pub(crate) async fn one_page<O>(
    db: &Db,
    r: &Request,
    fetch: Fetch,
    decode: Decode<O>,
) -> Result<Page<O>> {
    // With `max_pages(n)`, a page is read from up to n requests, until it holds `limit`
    // items (without a limit, until a request gives any).
    let (mut r, mut page) = (r.clone(), Page::default());
    let cap = r.total_limit.unwrap_or(usize::MAX);
    let want = if r.max_pages.is_some() {
        r.total_limit.unwrap_or(1)
    } else {
        0
    };
    for request in 1..=r.max_pages.unwrap_or(1).max(1) {
        let raw = fetch(db, &r).await?;
        let room = cap.saturating_sub(page.items.len());
        let (items, next) = cut(&r, raw.items, raw.next, room);
        for item in &items {
            page.items.push(decode.item(item).await?);
        }
        page.next = next;
        page.scanned_count = page.scanned_count.saturating_add(raw.scanned);
        page.consumed_capacity = match (page.consumed_capacity, raw.capacity) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        match &page.next {
            Some(c) if page.items.len() < want && request < r.max_pages.unwrap_or(1) => {
                r.start_key = Some(c.key.clone());
            }
            _ => break,
        }
    }
    Ok(page)
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
/// What Query and Scan answer alike: a page of items, its counts and the key to go on from.
pub(crate) trait PageAnswer {
    const OPERATION: &'static str;
    fn parts(self) -> (i32, i32, Option<f64>, Option<Vec<Item>>, Option<Item>);
}

macro_rules! page_answer {
    ($($op:literal => $out:ty),*) => {$(
        impl PageAnswer for $out {
            const OPERATION: &'static str = $op;
            fn parts(self) -> (i32, i32, Option<f64>, Option<Vec<Item>>, Option<Item>) {
                let capacity = self.consumed_capacity.as_ref().and_then(|c| c.capacity_units());
                (self.count, self.scanned_count, capacity, self.items, self.last_evaluated_key)
            }
        }
    )*};
}

page_answer!(
    "Query" => aws_sdk_dynamodb::operation::query::QueryOutput,
    "Scan" => aws_sdk_dynamodb::operation::scan::ScanOutput
);

/// The page of a Query or Scan answer to `r`, without what its read policy leaves out, and
/// DynamoDB's `Count`.
pub(crate) fn raw_page<A: PageAnswer>(answer: A, r: &Request) -> Result<(Raw, usize)> {
    let (count, scanned, capacity, items, last_key) = answer.parts();
    let counted = |what: &str, n: i32| {
        usize::try_from(n).map_err(|_| crate::error::Error::Decode {
            path: what.into(),
            message: format!("DynamoDB answered a {} {what} of {n}", A::OPERATION),
        })
    };
    let count = counted("Count", count)?;
    let mut items = items.unwrap_or_default();
    if let Some(policy) = &r.policy {
        let now = std::time::SystemTime::now();
        items.retain(|item| policy.keeps(item, now));
    }
    let raw = Raw {
        items,
        next: next_cursor(last_key),
        scanned: counted("ScannedCount", scanned)?,
        capacity,
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
        r.requests = r.requests.saturating_add(1);
        let state = next.map(|c| {
            r.start_key = Some(past_cap(&r, r.requests, c)?.key);
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
    for request in 1.. {
        let (n, next) = fetch(db, &r).await?;
        total = usize::saturating_add(total, n).min(cap);
        match next {
            Some(c) if total < cap => r.start_key = Some(past_cap(&r, request, c)?.key),
            _ => return Ok(total),
        }
    }
    Ok(total)
}

pub(crate) fn next_cursor(key: Option<Item>) -> Option<Cursor> {
    key.filter(|k| !k.is_empty()).map(Cursor::from_key)
}
