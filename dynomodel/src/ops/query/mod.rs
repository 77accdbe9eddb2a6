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
//!
//! Layer: ops.

use futures::future::BoxFuture;
use futures::stream::{Stream, StreamExt};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::Condition;
use crate::expr::Placeholders;

mod cursor;
mod hydrate;
mod key_condition;
mod key_shape;
mod lenient;
mod page;
mod read;
mod scan;

#[doc(hidden)]
pub use crate::model::stored::Decode;
use crate::model::{Document, Index, Model};
use crate::ops::request::{flags, Request};
use crate::ops::send::read_request;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
pub use cursor::Cursor;
pub use hydrate::Hydrate;
use key_shape::KeyConditions;
pub use lenient::{Lenient, LenientRead, Unreadable};
pub use page::Page;
pub use page::Raw;
use page::*;
use read::*;
pub use scan::{Scan, DEFAULT_SCAN_CONCURRENCY};

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

    /// Reads the keys from the index, then the whole items from the table (BatchGetItem),
    /// in the query's order: ElectroDB's `hydrate`, for an index that holds only some
    /// attributes. An item deleted between the two reads is left out.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "orders", gsi(name = "by_customer", hash = "customer", projection = keys_only))]
    /// struct Order {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    ///     customer: String,
    ///     total: u64,
    /// }
    /// let q = Order::query(Order::fields().customer.eq("ann"));
    /// assert!(q.to_request().is_err()); // the index holds only the keys
    /// assert_eq!(q.hydrate().to_request()?.index, Some("by_customer"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn hydrate(self) -> Hydrate<M> {
        Hydrate { query: self }
    }
}

impl<M: Model, C: crate::model::Collection> Query<M, C> {
    /// A query of collection `C`: the partition that `hash` names, every member's items.
    pub(crate) fn collection(hash: Condition<M>) -> Self {
        let mut read = Read::collection();
        read.index =
            C::INDEX.and_then(|name| M::indexes().iter().find(|i| i.name == name).copied());
        Query {
            hash,
            range: None,
            descending: false,
            read,
        }
    }

    /// Reads every item of the partition, so that an item of an entity that is not a member
    /// is an error (`Error::WrongEntity`; with [`Query::lenient`], an `Unreadable` in its
    /// place) rather than left out by a filter (the default).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::{Customer, CustomerView};
    /// let q = CustomerView::query(Customer::fields().id.eq("c1"));
    /// assert!(q.to_request()?.filter.unwrap().contains(" IN ("));
    /// assert_eq!(q.report_others().to_request()?.filter, None);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn report_others(mut self) -> Self {
        if let Scope::Collection { members, ttls, .. } = self.read.scope {
            self.read.scope = Scope::Collection {
                members,
                ttls,
                report: true,
            };
        }
        self
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

    read_options!(
        "Pet::query(Pet::fields().id.eq(\"1\"))",
        "Pet::query(Pet::fields().owner.eq(\"ann\"))"
    );

    flags! {
    /// Sorts by range key, largest first.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::query(Pet::fields().id.eq("1")).descending().to_request()?;
    /// assert!(r.descending);
    /// # Ok::<(), Error>(())
    /// ```
        descending => descending = true;
    }

    flags! {
    /// Sorts by range key, smallest first (the default).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::query(Pet::fields().id.eq("1")).descending().ascending().to_request()?;
    /// assert!(!r.descending);
    /// # Ok::<(), Error>(())
    /// ```
        ascending => descending = false;
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
        self.request(false)
    }

    /// The request; `hydrated` where the whole items come from the table afterwards, so that
    /// the index may hold only some attributes.
    pub(crate) fn request(&self, hydrated: bool) -> Result<Request> {
        // A model in a shared table: conditions on its fields become key conditions.
        let translated;
        let mut none = false;
        let whole = matches!(self.read.scope, Scope::Collection { .. });
        let (hash_c, range_c, chosen) = match M::ENTITY {
            // A native index that the conditions fit goes first: its keys are the
            // fields as they are, numbers in number order.
            Some(e) if whole || !self.reads_native() => {
                translated = key_condition::translate(
                    e,
                    &self.hash,
                    self.range.as_ref(),
                    self.read.index,
                    whole,
                )?;
                none = translated.none;
                (
                    &translated.hash,
                    translated.range.as_ref(),
                    translated.index,
                )
            }
            _ => (&self.hash, self.range.as_ref(), self.read.index),
        };
        let conditions = KeyConditions::read(&hash_c.node, range_c.map(|c| &c.node))?;
        let index = conditions.choose(chosen)?;
        if let Some(filter) = &self.read.filter {
            let keys: Vec<&str> = match index {
                Some(i) => i.hash_keys().chain(i.range_keys()).collect(),
                None => std::iter::once(M::HASH_KEY).chain(M::RANGE_KEY).collect(),
            };
            let mut names = Vec::new();
            filter.node.top_names(&mut names);
            if let Some(n) = names.into_iter().find(|n| keys.contains(n)) {
                return Err(Error::InvalidRequest(format!(
                    "a query filter cannot name `{n}`, a key attribute of the {}: put a condition on it in .range(..)",
                    index.map_or_else(|| "table".to_owned(), |i| format!("index `{}`", i.name))
                )));
            }
        }
        let range_keys: Vec<&str> = match index {
            Some(i) => i.range_keys().collect(),
            None => M::RANGE_KEY.into_iter().collect(),
        };
        let mut ph = Placeholders::default();
        let key_condition = conditions.render(&range_keys, &mut ph)?;
        let mut r = Request::new("Query", M::TABLE);
        let mut read = self.read.clone();
        read.index = index;
        if !hydrated {
            read.check_projection()?;
        }
        read.fill(&mut r, &mut ph)?;
        r.key_condition = Some(key_condition);
        r.descending = self.descending;
        r.placeholders(ph);
        // No key of the model is in the range: every read and count of it answers nothing.
        if none {
            r.total_limit = Some(0);
        }
        Ok(r)
    }

    /// For a model in a shared table: whether the query reads a native index that the model
    /// fills (the one it names, or one that its own conditions fit) rather than a template.
    fn reads_native(&self) -> bool {
        let natives = M::indexes().iter().filter(|i| {
            i.kind == crate::model::IndexKind::Global
                && M::ENTITY.is_some_and(|e| e.template(Some(i.name), false).is_none())
        });
        let named = self.read.index;
        let mut natives = natives.filter(|i| named.is_none_or(|n| n.name == i.name));
        // A native index named: read by it, or say why the conditions do not fit it.
        let fits = named.is_some() && natives.next().is_some()
            || natives.any(|i| {
                KeyConditions::read(&self.hash.node, self.range.as_ref().map(|c| &c.node))
                    .and_then(|c| c.choose(Some(*i)))
                    .is_ok()
            });
        fits
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
        one_page(db, &r, query_page, self.read.decode).await
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
        let cap = request.as_ref().ok().and_then(|r| r.total_limit);
        let decode = self.read.decode;
        pages(request, db, query_page)
            .flat_map(move |page| decoded(decode, page))
            .take(cap.unwrap_or(usize::MAX))
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

pub(crate) fn query_page<'r>(db: &'r Db, r: &'r Request) -> BoxFuture<'r, PageResult> {
    Box::pin(async move { Ok(query_send(db, r).await?.0) })
}

/// One Query request: the page, and DynamoDB's `Count`.
pub(crate) async fn query_send(db: &Db, r: &Request) -> Result<(Raw, usize)> {
    let table = db.table_name(r.table);
    let out = read_request::<QueryFluentBuilder>(db.client(), &table, r, |b| {
        b.set_key_condition_expression(r.key_condition.clone())
            .scan_index_forward(!r.descending)
    })
    .await?;
    raw_page(out, r)
}

pub(crate) fn query_count<'r>(
    db: &'r Db,
    r: &'r Request,
) -> BoxFuture<'r, Result<(usize, Option<Cursor>)>> {
    Box::pin(async move {
        let (raw, n) = query_send(db, r).await?;
        Ok((n, raw.next))
    })
}

impl<M: Model, O: Send + 'static> LenientRead for Query<M, O> {
    type Model = M;
    type Out = O;
    fn lenient_request(&self) -> Result<Request> {
        self.to_request()
    }
    fn lenient_decode(&self) -> Decode<O> {
        self.read.decode
    }
    fn lenient_fetch(&self) -> Fetch {
        query_page
    }
}
