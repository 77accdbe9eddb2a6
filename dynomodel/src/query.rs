//! Queries and scans: pages, opaque cursors, every page, a lazy stream, counts and parallel
//! scan segments.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! # async fn run(db: &Db) -> Result<()> {
//! let f = Pet::fields();
//! let page = Pet::query(f.owner.eq("rachel")).limit(10).exec(db).await?;
//! let text: Option<String> = page.next.map(|c| c.to_string()); // hand it to the client
//! let next_page = Pet::query(f.owner.eq("rachel"))
//!     .limit(10)
//!     .start_at(text.map(|t| t.parse::<Cursor>()).transpose()?)
//!     .exec(db)
//!     .await?;
//! let everything: Vec<Pet> = Pet::scan().parallel(4).all(db).await?;
//! let how_many = Pet::scan().count(db).await?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use base64::Engine as _;
use futures::future::BoxFuture;
use futures::stream::{self, Stream, StreamExt};
use tracing::Instrument;

use crate::codec::Item;
use crate::condition::{Cmp, Condition, Node, Subject};
use crate::db::Db;
use crate::error::{DynamoError, Error, Result};
use crate::expr::Placeholders;
use crate::model::{Document, Index, Model};
use crate::ops::projection_of;
use crate::path::PathElem;
use crate::request::{capacity, op_span, record_capacity, Request};

/// Where the next page starts: opaque, URL-safe, and serializable, so that a Lambda can hand
/// it to a web client and take it back.
///
/// ```
/// use dynomodel::query::Cursor;
///
/// let text = "eyJpZCI6eyJTIjoiMSJ9fQ";
/// let cursor: Cursor = text.parse().unwrap();
/// assert_eq!(cursor.to_string(), text);
/// assert!("not a cursor".parse::<Cursor>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cursor {
    key: Item,
}

fn value_to_json(v: &AttributeValue) -> Option<serde_json::Value> {
    use serde_json::json;
    Some(match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => {
            json!({ "B": base64::engine::general_purpose::STANDARD.encode(b.as_ref()) })
        }
        _ => return None,
    })
}

fn value_from_json(v: &serde_json::Value) -> Option<AttributeValue> {
    let obj = v.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let (t, v) = obj.iter().next()?;
    let v = v.as_str()?;
    match t.as_str() {
        "S" => Some(AttributeValue::S(v.to_owned())),
        "N" if v.parse::<f64>().is_ok() => Some(AttributeValue::N(v.to_owned())),
        "B" => base64::engine::general_purpose::STANDARD
            .decode(v)
            .ok()
            .map(|b| AttributeValue::B(Blob::new(b))),
        _ => None,
    }
}

impl Cursor {
    /// The cursor of DynamoDB's `LastEvaluatedKey`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::query::Cursor;
    /// let key = std::collections::HashMap::from([("id".to_owned(), aws_sdk_dynamodb::types::AttributeValue::S("1".into()))]);
    /// let text = Cursor::from_key(key.clone()).to_string();
    /// assert_eq!(text.parse::<Cursor>()?.key(), &key);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_key(key: Item) -> Self {
        Cursor { key }
    }

    /// The key where the next page starts.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::query::Cursor;
    /// let cursor = Cursor::from_key(Pet::key("7").into_item());
    /// assert_eq!(cursor.key(), Pet::key("7").item());
    /// ```
    pub fn key(&self) -> &Item {
        &self.key
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sorted, so that one key gives one text.
        let map: std::collections::BTreeMap<&String, serde_json::Value> = self
            .key
            .iter()
            .filter_map(|(k, v)| Some((k, value_to_json(v)?)))
            .collect();
        let json = serde_json::to_vec(&map).map_err(|_| fmt::Error)?;
        f.write_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
    }
}

impl FromStr for Cursor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let invalid = || Error::InvalidRequest("the cursor is not one that dynomodel gave".into());
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .map_err(|_| invalid())?;
        let json: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if json.is_empty() || json.len() > 4 {
            return Err(invalid());
        }
        let key = json
            .iter()
            .map(|(k, v)| Some((k.clone(), value_from_json(v)?)))
            .collect::<Option<Item>>()
            .ok_or_else(invalid)?;
        Ok(Cursor { key })
    }
}

impl TryFrom<String> for Cursor {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Cursor> for String {
    fn from(c: Cursor) -> String {
        c.to_string()
    }
}

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
}

/// A model's `after_load` hook, as a function pointer.
type AfterLoad<O> = for<'a> fn(&'a mut O) -> BoxFuture<'a, Result<()>>;

/// How a page's items become results: a synchronous decode, and the `after_load` hook of
/// models that have one (no future at all for the others).
struct Decode<O> {
    decode: fn(&Item) -> Result<O>,
    after_load: Option<AfterLoad<O>>,
}

impl<O> Clone for Decode<O> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<O> Copy for Decode<O> {}

fn after_load<M: Model>(m: &mut M) -> BoxFuture<'_, Result<()>> {
    m.run_after_load()
}

fn decode_model<M: Model>() -> Decode<M> {
    Decode {
        decode: M::from_item,
        after_load: M::HAS_HOOKS
            .then_some(after_load::<M> as for<'a> fn(&'a mut M) -> BoxFuture<'a, Result<()>>),
    }
}

fn decode_document<P: Document>() -> Decode<P> {
    Decode {
        decode: P::from_item,
        after_load: None,
    }
}

impl<O> Decode<O> {
    async fn item(self, item: &Item) -> Result<O> {
        let mut o = (self.decode)(item)?;
        if let Some(hook) = self.after_load {
            hook(&mut o).await?;
        }
        Ok(o)
    }
}

/// What queries and scans share.
struct Read<M, O> {
    index: Option<Index<M>>,
    filter: Option<Condition<M>>,
    limit: Option<i32>,
    consistent: bool,
    start: Option<Cursor>,
    projection: Option<fn(&mut Placeholders) -> Result<String>>,
    decode: Decode<O>,
    _m: PhantomData<fn() -> M>,
}

impl<M, O> Clone for Read<M, O> {
    fn clone(&self) -> Self {
        Read {
            index: self.index,
            filter: self.filter.clone(),
            limit: self.limit,
            consistent: self.consistent,
            start: self.start.clone(),
            projection: self.projection,
            decode: self.decode,
            _m: PhantomData,
        }
    }
}

impl<M: Model> Read<M, M> {
    fn new() -> Self {
        Read {
            index: None,
            filter: None,
            limit: None,
            consistent: false,
            start: None,
            projection: None,
            decode: decode_model::<M>(),
            _m: PhantomData,
        }
    }
}

impl<M: Model, O> Read<M, O> {
    fn project<P: Document>(self) -> Read<M, P> {
        Read {
            index: self.index,
            filter: self.filter,
            limit: self.limit,
            consistent: self.consistent,
            start: self.start,
            projection: Some(projection_of::<M, P>),
            decode: decode_document::<P>(),
            _m: PhantomData,
        }
    }

    fn fill(&self, r: &mut Request, ph: &mut Placeholders) -> Result<()> {
        if let Some(limit) = self.limit {
            if limit < 1 {
                return Err(Error::InvalidRequest(format!(
                    "a limit is at least 1, not {limit}"
                )));
            }
        }
        if self.consistent
            && self
                .index
                .is_some_and(|i| i.kind == crate::model::IndexKind::Global)
        {
            return Err(Error::InvalidRequest(
                "a global secondary index cannot be read with strong consistency".into(),
            ));
        }
        r.index = self.index.map(|i| i.name);
        r.filter = self.filter.as_ref().map(|f| f.render(ph)).transpose()?;
        r.projection = self.projection.map(|p| p(ph)).transpose()?;
        r.limit = self.limit;
        r.consistent = self.consistent;
        r.start_key = self.start.as_ref().map(|c| c.key().clone());
        Ok(())
    }
}

/// The attribute name of a top-level path in a key condition.
fn key_attr(node: &Node) -> Option<&str> {
    let path = match node {
        Node::Cmp(Subject::Path(p), _, _) | Node::Between(Subject::Path(p), _, _) => p,
        Node::BeginsWith(p, _) => p,
        _ => return None,
    };
    match path.elems() {
        [PathElem::Name(n)] => Some(n),
        _ => None,
    }
}

/// A Query of one partition; `M::query(M::fields().owner.eq("r"))` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// use futures::TryStreamExt;
/// let f = Pet::fields();
/// let mut pets = std::pin::pin!(Pet::query(f.owner.eq("rachel")).filter(f.age.lt(5u32)).stream(db));
/// while let Some(p) = pets.try_next().await? {
///     println!("{}", p.name);
/// }
/// # Ok(()) }
/// ```
pub struct Query<M, O = M> {
    hash: Condition<M>,
    range: Option<Condition<M>>,
    descending: bool,
    read: Read<M, O>,
}

impl<M, O> Clone for Query<M, O> {
    fn clone(&self) -> Self {
        Query {
            hash: self.hash.clone(),
            range: self.range.clone(),
            descending: self.descending,
            read: self.read.clone(),
        }
    }
}

impl<M: Model> Query<M> {
    pub(crate) fn new(hash: Condition<M>) -> Self {
        Query {
            hash,
            range: None,
            descending: false,
            read: Read::new(),
        }
    }
}

impl<M: Model, O: Send + 'static> Query<M, O> {
    /// A condition on the range key: `eq`, `lt`, `le`, `gt`, `ge`, `between` or
    /// `begins_with`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f = Pet::fields();
    /// let r = Pet::query(f.owner.eq("rachel")).range(f.name.begins_with("B")).to_request()?;
    /// assert_eq!(r.key_condition.as_deref(), Some("#n0 = :v0 AND begins_with(#n1, :v1)"));
    /// assert_eq!(r.index, Some("by_owner"), "the index whose keys fit");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn range(mut self, condition: Condition<M>) -> Self {
        self.range = Some(condition);
        self
    }

    /// Queries this index instead of the table. Without it, the table or the one index
    /// whose keys fit the conditions is chosen.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::query(Pet::fields().owner.eq("rachel")).index(Pet::BY_OWNER).to_request()?;
    /// assert_eq!(r.index, Some("by_owner"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn index(mut self, index: Index<M>) -> Self {
        self.read.index = Some(index);
        self
    }

    /// Keeps only the items where `condition` holds (applied after the read, so the page
    /// size counts the items before filtering, as in DynamoDB).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f = Pet::fields();
    /// let r = Pet::query(f.id.eq("1")).filter(f.age.gt(2u32)).to_request()?;
    /// assert_eq!(r.filter.as_deref(), Some("#n1 > :v1"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn filter(mut self, condition: Condition<M>) -> Self {
        self.read.filter = Some(match self.read.filter.take() {
            Some(f) => f & condition,
            None => condition,
        });
        self
    }

    /// Reads at most `n` items per page.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::query(Pet::fields().id.eq("1")).limit(50).to_request()?;
    /// assert_eq!(r.limit, Some(50));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn limit(mut self, n: i32) -> Self {
        self.read.limit = Some(n);
        self
    }

    /// Sorts by range key, largest first.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::query(Pet::fields().id.eq("1")).descending().to_request()?;
    /// assert!(r.descending);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Sorts by range key, smallest first (the default).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::query(Pet::fields().id.eq("1")).descending().ascending().to_request()?;
    /// assert!(!r.descending);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn ascending(mut self) -> Self {
        self.descending = false;
        self
    }

    /// A strongly consistent read (not on a global secondary index).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::query(Pet::fields().id.eq("1")).consistent().to_request()?;
    /// assert!(r.consistent);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn consistent(mut self) -> Self {
        self.read.consistent = true;
        self
    }

    /// Starts where a previous page ended.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let query = Pet::query(Pet::fields().owner.eq("rachel")).limit(10);
    /// let first = query.exec(db).await?;
    /// if let Some(next) = first.next {
    ///     let text = next.to_string();          // hand it to a web client...
    ///     let back: Cursor = text.parse()?;     // ...and take it back
    ///     let second = query.clone().start_at(back).exec(db).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn start_at(mut self, cursor: impl Into<Option<Cursor>>) -> Self {
        self.read.start = cursor.into();
        self
    }

    /// Reads only the attributes of `P`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct PetName { id: String, name: String }
    /// let r = Pet::query(Pet::fields().id.eq("1")).project::<PetName>().to_request()?;
    /// assert!(r.projection.is_some());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn project<P: Document>(self) -> Query<M, P> {
        Query {
            hash: self.hash,
            range: self.range,
            descending: self.descending,
            read: self.read.project::<P>(),
        }
    }

    fn choose_index(&self, hash: &str, range: Option<&str>) -> Result<Option<Index<M>>> {
        let fits_table = hash == M::HASH_KEY && range.is_none_or(|r| Some(r) == M::RANGE_KEY);
        if let Some(index) = self.read.index {
            let fits = hash == index.hash_key && range.is_none_or(|r| Some(r) == index.range_key);
            if !fits {
                return Err(Error::InvalidRequest(format!(
                    "the index `{}` has the keys {}{}; the query names {hash}{}",
                    index.name,
                    index.hash_key,
                    index
                        .range_key
                        .map(|r| format!(" and {r}"))
                        .unwrap_or_default(),
                    range.map(|r| format!(" and {r}")).unwrap_or_default()
                )));
            }
            return Ok(Some(index));
        }
        if fits_table {
            return Ok(None);
        }
        let fitting: Vec<&Index<M>> = M::indexes()
            .iter()
            .filter(|i| i.hash_key == hash && range.is_none_or(|r| Some(r) == i.range_key))
            .collect();
        match fitting.as_slice() {
            [one] => Ok(Some(**one)),
            [] => Err(Error::InvalidRequest(format!(
                "neither the table `{}` nor any of its indexes has the hash key `{hash}`{}",
                M::TABLE,
                range
                    .map(|r| format!(" with the range key `{r}`"))
                    .unwrap_or_default()
            ))),
            many => Err(Error::InvalidRequest(format!(
                "several indexes fit the query ({}): choose one with .index(..)",
                many.iter().map(|i| i.name).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// The request that `exec` sends for its first page. A query whose conditions fit no
    /// key of the table or its indexes is `InvalidRequest`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f = Pet::fields();
    /// let r = Pet::query(f.owner.eq("rachel")).range(f.name.begins_with("R")).to_request()?;
    /// assert_eq!((r.operation, r.index), ("Query", Some("by_owner")));
    /// assert_eq!(r.key_condition.as_deref(), Some("#n0 = :v0 AND begins_with(#n1, :v1)"));
    /// assert!(Pet::query(f.name.eq("Rex")).to_request().is_err()); // `name` is no hash key
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        let hash = match &self.hash.node {
            node @ Node::Cmp(Subject::Path(_), Cmp::Eq, _) => key_attr(node),
            _ => None,
        }
        .ok_or_else(|| {
            Error::InvalidRequest(
                "a query needs an equality on a top-level hash key attribute, such as M::fields().owner.eq(..)".into(),
            )
        })?;
        let range = match &self.range {
            None => None,
            Some(c) => {
                let ok = matches!(
                    &c.node,
                    Node::Cmp(Subject::Path(_), op, _) if *op != Cmp::Ne
                ) || matches!(
                    &c.node,
                    Node::Between(Subject::Path(_), _, _) | Node::BeginsWith(_, _)
                );
                let attr = key_attr(&c.node).filter(|_| ok).ok_or_else(|| {
                    Error::InvalidRequest(
                        "a range key condition is one of eq, lt, le, gt, ge, between or begins_with on a top-level attribute".into(),
                    )
                })?;
                Some(attr)
            }
        };
        let index = self.choose_index(hash, range)?;
        if let Some(filter) = &self.read.filter {
            let (key_hash, key_range) = match index {
                Some(i) => (i.hash_key, i.range_key),
                None => (M::HASH_KEY, M::RANGE_KEY),
            };
            let mut names = Vec::new();
            filter.node.top_names(&mut names);
            if let Some(n) = names
                .into_iter()
                .find(|n| *n == key_hash || Some(*n) == key_range)
            {
                return Err(Error::InvalidRequest(format!(
                    "a query filter cannot name `{n}`, a key attribute of the {}: put a condition on it in .range(..)",
                    index.map_or_else(|| "table".to_owned(), |i| format!("index `{}`", i.name))
                )));
            }
        }
        let mut ph = Placeholders::default();
        let mut key_condition = self.hash.render(&mut ph)?;
        if let Some(r) = &self.range {
            key_condition = format!("{key_condition} AND {}", r.render(&mut ph)?);
        }
        let mut r = Request::new("Query", M::TABLE);
        let mut read = self.read.clone();
        read.index = index;
        read.fill(&mut r, &mut ph)?;
        r.key_condition = Some(key_condition);
        r.descending = self.descending;
        r.placeholders(ph);
        Ok(r)
    }

    /// One page.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let page = Pet::query(Pet::fields().owner.eq("rachel")).limit(20).exec(db).await?;
    /// println!("{} pets, more: {}", page.items.len(), page.next.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn exec(&self, db: &Db) -> Result<Page<O>> {
        let r = self.to_request()?;
        let (items, next) = query_page(db, &r).await?;
        decode_page(self.read.decode, items, next).await
    }

    /// Every page, from the cursor (if any) to the end.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pets: Vec<Pet> = Pet::query(Pet::fields().owner.eq("rachel")).all(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn all(&self, db: &Db) -> Result<Vec<O>> {
        collect_pages(db, self.to_request()?, query_page, self.read.decode).await
    }

    /// The items, one at a time, fetching the next page only when the last is used up.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// use futures::TryStreamExt;
    /// let query = Pet::query(Pet::fields().owner.eq("rachel"));
    /// let mut pets = std::pin::pin!(query.stream(db));
    /// while let Some(pet) = pets.try_next().await? {
    ///     println!("{}", pet.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream<'a>(&self, db: &'a Db) -> impl Stream<Item = Result<O>> + Send + 'a {
        let request = self.to_request();
        let decode = self.read.decode;
        pages(request, db, query_page).flat_map(move |page| decoded(decode, page))
    }

    /// How many items match (after the filter), reading every page.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let n = Pet::query(Pet::fields().owner.eq("rachel")).count(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn count(&self, db: &Db) -> Result<usize> {
        let mut r = self.to_request()?;
        r.count = true;
        count_pages(db, r, query_count).await
    }
}

/// Every page's items, decoded, without the per-item futures of `stream`.
async fn collect_pages<O, F>(db: &Db, mut r: Request, fetch: F, decode: Decode<O>) -> Result<Vec<O>>
where
    F: for<'r> Fn(&'r Db, &'r Request) -> BoxFuture<'r, PageResult>,
{
    let mut out = Vec::new();
    loop {
        let (items, next) = fetch(db, &r).await?;
        out.reserve(items.len());
        for item in &items {
            out.push(decode.item(item).await?);
        }
        match next {
            Some(c) => r.start_key = Some(c.key),
            None => return Ok(out),
        }
    }
}

async fn decode_page<O>(
    decode: Decode<O>,
    items: Vec<Item>,
    next: Option<Cursor>,
) -> Result<Page<O>> {
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        out.push(decode.item(item).await?);
    }
    Ok(Page { items: out, next })
}

type PageResult = Result<(Vec<Item>, Option<Cursor>)>;

/// Pages of raw items, each fetched when the previous one is used up.
fn pages<'a, F>(
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
        let (items, next) = fetch(db, &r).await?;
        let state = next.map(|c| {
            r.start_key = Some(c.key);
            Ok(r)
        });
        Ok(Some((items, state)))
    })
}

fn decoded<O: Send + 'static>(
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

async fn count_pages<F>(db: &Db, mut r: Request, fetch: F) -> Result<usize>
where
    F: for<'r> Fn(&'r Db, &'r Request) -> BoxFuture<'r, Result<(usize, Option<Cursor>)>>,
{
    let mut total = 0;
    loop {
        let (n, next) = fetch(db, &r).await?;
        total += n;
        match next {
            Some(c) => r.start_key = Some(c.key),
            None => return Ok(total),
        }
    }
}

fn next_cursor(key: Option<Item>) -> Option<Cursor> {
    key.filter(|k| !k.is_empty()).map(Cursor::from_key)
}

fn query_page<'r>(db: &'r Db, r: &'r Request) -> BoxFuture<'r, PageResult> {
    Box::pin(async move {
        let (items, _, next) = query_send(db, r).await?;
        Ok((items, next))
    })
}

async fn query_send(db: &Db, r: &Request) -> Result<(Vec<Item>, usize, Option<Cursor>)> {
    let table = db.table_name(r.table);
    let span = op_span!("Query", table);
    async {
        let out = db
            .client()
            .query()
            .table_name(&table)
            .set_index_name(r.index.map(str::to_owned))
            .set_key_condition_expression(r.key_condition.clone())
            .set_filter_expression(r.filter.clone())
            .set_projection_expression(r.projection.clone())
            .set_expression_attribute_names(r.names_or_none())
            .set_expression_attribute_values(r.values_or_none())
            .set_limit(r.limit)
            .consistent_read(r.consistent)
            .scan_index_forward(!r.descending)
            .set_exclusive_start_key(r.start_key.clone())
            .set_select(r.count.then_some(Select::Count))
            .set_return_consumed_capacity(capacity())
            .send()
            .await
            .map_err(|e| DynamoError::from_sdk("Query", e))?;
        record_capacity(out.consumed_capacity());
        let count = out.count as usize;
        Ok((
            out.items.unwrap_or_default(),
            count,
            next_cursor(out.last_evaluated_key),
        ))
    }
    .instrument(span)
    .await
}

fn query_count<'r>(db: &'r Db, r: &'r Request) -> BoxFuture<'r, Result<(usize, Option<Cursor>)>> {
    Box::pin(async move {
        let (_, n, next) = query_send(db, r).await?;
        Ok((n, next))
    })
}

fn scan_page<'r>(db: &'r Db, r: &'r Request) -> BoxFuture<'r, PageResult> {
    Box::pin(async move {
        let (items, _, next) = scan_send(db, r, None).await?;
        Ok((items, next))
    })
}

fn scan_count<'r>(db: &'r Db, r: &'r Request) -> BoxFuture<'r, Result<(usize, Option<Cursor>)>> {
    Box::pin(async move {
        let (_, n, next) = scan_send(db, r, None).await?;
        Ok((n, next))
    })
}

async fn scan_send(
    db: &Db,
    r: &Request,
    segment: Option<(i32, i32)>,
) -> Result<(Vec<Item>, usize, Option<Cursor>)> {
    let table = db.table_name(r.table);
    let span = op_span!("Scan", table);
    async {
        let out = db
            .client()
            .scan()
            .table_name(&table)
            .set_index_name(r.index.map(str::to_owned))
            .set_filter_expression(r.filter.clone())
            .set_projection_expression(r.projection.clone())
            .set_expression_attribute_names(r.names_or_none())
            .set_expression_attribute_values(r.values_or_none())
            .set_limit(r.limit)
            .consistent_read(r.consistent)
            .set_exclusive_start_key(r.start_key.clone())
            .set_select(r.count.then_some(Select::Count))
            .set_segment(segment.map(|s| s.0))
            .set_total_segments(segment.map(|s| s.1))
            .set_return_consumed_capacity(capacity())
            .send()
            .await
            .map_err(|e| DynamoError::from_sdk("Scan", e))?;
        record_capacity(out.consumed_capacity());
        let count = out.count as usize;
        Ok((
            out.items.unwrap_or_default(),
            count,
            next_cursor(out.last_evaluated_key),
        ))
    }
    .instrument(span)
    .await
}

/// A Scan of the table or an index; `M::scan()` makes one.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let puppies: Vec<Pet> = Pet::scan().filter(Pet::fields().age.lt(1u32)).parallel(4).all(db).await?;
/// # Ok(()) }
/// ```
pub struct Scan<M, O = M> {
    read: Read<M, O>,
    segments: i32,
}

impl<M: Model> Scan<M> {
    pub(crate) fn new() -> Self {
        Scan {
            read: Read::new(),
            segments: 1,
        }
    }
}

impl<M: Model, O: Send + 'static> Scan<M, O> {
    /// Scans this index instead of the table.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::scan().index(Pet::BY_OWNER).to_request()?;
    /// assert_eq!(r.index, Some("by_owner"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn index(mut self, index: Index<M>) -> Self {
        self.read.index = Some(index);
        self
    }

    /// Keeps only the items where `condition` holds.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::scan().filter(Pet::fields().age.ge(5u32)).to_request()?;
    /// assert_eq!(r.filter.as_deref(), Some("#n0 >= :v0"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn filter(mut self, condition: Condition<M>) -> Self {
        self.read.filter = Some(match self.read.filter.take() {
            Some(f) => f & condition,
            None => condition,
        });
        self
    }

    /// Reads at most `n` items per page (per segment, with `parallel`).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::scan().limit(100).to_request()?.limit, Some(100));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn limit(mut self, n: i32) -> Self {
        self.read.limit = Some(n);
        self
    }

    /// A strongly consistent read.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert!(Pet::scan().consistent().to_request()?.consistent);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn consistent(mut self) -> Self {
        self.read.consistent = true;
        self
    }

    /// Starts where a previous page ended.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::query::Cursor;
    /// let cursor = Cursor::from_key(Pet::key("7").into_item());
    /// let r = Pet::scan().start_at(cursor).to_request()?;
    /// assert_eq!(r.start_key, Some(Pet::key("7").into_item()));
    /// assert_eq!(Pet::scan().start_at(None).to_request()?.start_key, None);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn start_at(mut self, cursor: impl Into<Option<Cursor>>) -> Self {
        self.read.start = cursor.into();
        self
    }

    /// Reads only the attributes of `P`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// #[derive(Document, serde::Serialize, serde::Deserialize)]
    /// struct Name { name: String }
    /// let r = Pet::scan().project::<Name>().to_request()?;
    /// assert_eq!(r.projection.as_deref(), Some("#n0"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn project<P: Document>(self) -> Scan<M, P> {
        Scan {
            read: self.read.project::<P>(),
            segments: self.segments,
        }
    }

    /// Scans in `n` segments at once (1 to 1,000,000), for `all` and `count`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let every_pet: Vec<Pet> = Pet::scan().parallel(4).all(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn parallel(mut self, n: i32) -> Self {
        self.segments = n;
        self
    }

    /// The request that `exec` sends for its first page.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::scan().index(Pet::BY_OWNER).limit(10).to_request()?;
    /// assert_eq!((r.operation, r.index, r.limit), ("Scan", Some("by_owner"), Some(10)));
    /// assert!(Pet::scan().parallel(0).to_request().is_err());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<Request> {
        if !(1..=1_000_000).contains(&self.segments) {
            return Err(Error::InvalidRequest(format!(
                "a parallel scan has 1 to 1000000 segments, not {}",
                self.segments
            )));
        }
        let mut r = Request::new("Scan", M::TABLE);
        let mut ph = Placeholders::default();
        self.read.fill(&mut r, &mut ph)?;
        r.placeholders(ph);
        Ok(r)
    }

    /// One page (of the whole table; `parallel` does not apply).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let first = Pet::scan().limit(25).exec(db).await?;
    /// if let Some(next) = first.next {
    ///     let second = Pet::scan().limit(25).start_at(next).exec(db).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn exec(&self, db: &Db) -> Result<Page<O>> {
        let r = self.to_request()?;
        let (items, next) = scan_page(db, &r).await?;
        decode_page(self.read.decode, items, next).await
    }

    /// Every item; with `parallel(n)`, the segments are read at once and their items
    /// concatenated in segment order.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let pets: Vec<Pet> = Pet::scan().all(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn all(&self, db: &Db) -> Result<Vec<O>> {
        if self.segments == 1 {
            return collect_pages(db, self.to_request()?, scan_page, self.read.decode).await;
        }
        let r = self.to_request()?;
        let total = self.segments;
        let segments = (0..total).map(|segment| {
            let mut r = r.clone();
            r.start_key = None;
            async move {
                let mut items = Vec::new();
                loop {
                    let (page, _, next) = scan_send(db, &r, Some((segment, total))).await?;
                    items.extend(page);
                    match next {
                        Some(c) => r.start_key = Some(c.key),
                        None => return Ok::<_, Error>(items),
                    }
                }
            }
        });
        let per_segment = futures::future::try_join_all(segments).await?;
        let mut out = Vec::new();
        for item in per_segment.iter().flatten() {
            out.push(self.read.decode.item(item).await?);
        }
        Ok(out)
    }

    /// The items, one at a time, fetching the next page only when the last is used up
    /// (one segment).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// use futures::{StreamExt, TryStreamExt};
    /// let first_ten: Vec<Pet> = Pet::scan().stream(db).take(10).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn stream<'a>(&self, db: &'a Db) -> impl Stream<Item = Result<O>> + Send + 'a {
        let request = self.to_request();
        let decode = self.read.decode;
        pages(request, db, scan_page).flat_map(move |page| decoded(decode, page))
    }

    /// How many items match (after the filter), reading every page.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let adults = Pet::scan().filter(Pet::fields().age.ge(1u32)).count(db).await?;
    /// # Ok(()) }
    /// ```
    pub async fn count(&self, db: &Db) -> Result<usize> {
        let mut r = self.to_request()?;
        r.count = true;
        if self.segments == 1 {
            return count_pages(db, r, scan_count).await;
        }
        let total = self.segments;
        let counts = (0..total).map(|segment| {
            let mut r = r.clone();
            async move {
                let mut n = 0;
                loop {
                    let (_, c, next) = scan_send(db, &r, Some((segment, total))).await?;
                    n += c;
                    match next {
                        Some(c) => r.start_key = Some(c.key),
                        None => return Ok::<_, Error>(n),
                    }
                }
            }
        });
        Ok(futures::future::try_join_all(counts)
            .await?
            .into_iter()
            .sum())
    }
}
