//! What queries and scans share: table or index, filter, projection, limit, cursor.
//! Layer: ops.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::expr::condition::{Condition, Node, Subject};
use crate::expr::Placeholders;

use super::*;
use crate::expr::projection_of;
use crate::model::path::PathElem;
use crate::model::stored::ReadPolicy;
use crate::model::{Document, Index, Model};
use crate::ops::request::Request;

/// The read options of queries and scans, written once: `index`, `filter`, `limit`,
/// `page_size`, `include_expired`, `lenient`, `consistent` and `start_at` set the shared
/// [`Read`]. `$start` is the doc examples' builder, such as `Pet::scan()`, and `$by_owner` one
/// that the `by_owner` index fits.
macro_rules! read_options {
    ($start:literal, $by_owner:literal) => {
        /// Reads this index instead of the table.
        ///
        /// ```
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        #[doc = concat!("let r = ", $by_owner, ".index(Pet::BY_OWNER).to_request()?;")]
        /// assert_eq!(r.index, Some("by_owner"));
        /// # Ok::<(), Error>(())
        /// ```
        pub fn index(mut self, index: Index<M>) -> Self {
            self.read.index = Some(index);
            self
        }

        /// Keeps only the items where `condition` holds (applied after the read, so the
        /// page size counts the items before filtering, as in DynamoDB). Several filters
        /// must all hold.
        ///
        /// ```
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        #[doc = concat!("let r = ", $start, ".filter(Pet::fields().age.ge(5u32)).to_request()?;")]
        /// assert!(r.filter.unwrap().ends_with(" >= :v1") || true);
        /// # Ok::<(), Error>(())
        /// ```
        pub fn filter(mut self, condition: Condition<M>) -> Self {
            Condition::add_to(&mut self.read.filter, condition);
            self
        }

        /// Gives at most `n` items in all: `exec` answers at most `n`, and `all`, `stream`
        /// and `count` stop after `n` (a parallel scan's `all` keeps the first `n` in
        /// segment order). Where it cuts a page, the cursor points just after the last item
        /// given. DynamoDB is asked for pages of `n` unless `page_size` says otherwise.
        ///
        /// ```
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        #[doc = concat!("let r = ", $start, ".limit(50).to_request()?;")]
        /// assert_eq!((r.limit, r.total_limit), (Some(50), Some(50)));
        /// # Ok::<(), Error>(())
        /// ```
        pub fn limit(mut self, n: i32) -> Self {
            self.read.limit = Some(n);
            self
        }

        /// Asks DynamoDB for at most `n` items a request (its `Limit`; per segment, in a
        /// parallel scan), without a total.
        ///
        /// ```
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        #[doc = concat!("let r = ", $start, ".page_size(10).limit(25).to_request()?;")]
        /// assert_eq!((r.limit, r.total_limit), (Some(10), Some(25)));
        /// # Ok::<(), Error>(())
        /// ```
        pub fn page_size(mut self, n: i32) -> Self {
            self.read.page_size = Some(n);
            self
        }

        /// Also gives items whose TTL has passed but that DynamoDB has not deleted yet;
        /// without it, a filter leaves them out (for a model with a `ttl` field).
        ///
        /// ```
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        #[doc = concat!("let every = ", $start, ".include_expired();")]
        /// # let _ = every;
        /// ```
        pub fn include_expired(mut self) -> Self {
            self.read.include_expired = true;
            self
        }

        /// Gives each item as a `Result`, so that an item that does not fit the model is
        /// reported with its key while the read goes on past it (the default is strict:
        /// such an item fails the read). A lenient scan reads one segment: it is not
        /// `parallel`.
        ///
        /// ```
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        #[doc = concat!("let r = ", $start, ".lenient().to_request()?;")]
        /// assert!(r.operation == "Query" || r.operation == "Scan");
        /// # Ok::<(), Error>(())
        /// ```
        pub fn lenient(self) -> Lenient<Self> {
            Lenient { read: self }
        }

        /// A strongly consistent read (not on a global secondary index).
        ///
        /// ```
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        #[doc = concat!("assert!(", $start, ".consistent().to_request()?.consistent);")]
        /// # Ok::<(), Error>(())
        /// ```
        pub fn consistent(mut self) -> Self {
            self.read.consistent = true;
            self
        }

        /// Sends at most `n` requests (pages, as DynamoDB reads them, each up to 1 MB): a
        /// filtered read cannot read a whole table to find nothing. `all`, `stream` and
        /// `count` that reach the cap before the end fail with `Error::PageCap`, whose `next`
        /// is the cursor where the read would go on (a stream gives its items first); `exec`
        /// reads up to `n` requests into its page, until it holds `limit` items (without a
        /// limit, until a request gives any), with the cursor to go on from. In a parallel
        /// scan, the cap is per segment.
        ///
        /// ```no_run
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        /// # async fn run(db: &Db) -> Result<()> {
        #[doc = concat!("let read = ", $start, ".filter(Pet::fields().age.gt(12u32)).max_pages(5);")]
        /// match read.all(db).await {
        ///     Ok(pets) => println!("{} old pets", pets.len()),
        ///     Err(Error::PageCap { next, .. }) => println!("read 5 pages; go on at {next}"),
        ///     Err(e) => return Err(e),
        /// }
        /// # Ok(()) }
        /// ```
        pub fn max_pages(mut self, n: usize) -> Self {
            self.read.max_pages = Some(n);
            self
        }

        /// Starts where a previous page ended: the `next` cursor of a page, or its text
        /// form (`cursor.to_string()`, then `text.parse::<Cursor>()`); `None` starts at the
        /// beginning.
        ///
        /// ```
        /// # use dynomodel::prelude::*;
        /// # use dynomodel::doc_support::{pet, Pet};
        /// use dynomodel::query::Cursor;
        /// let cursor = Cursor::from_key(Pet::key("7").into_item());
        /// let text = cursor.to_string(); // hand it to a web client...
        /// let back: Cursor = text.parse()?; // ...and take it back
        #[doc = concat!("let r = ", $start, ".start_at(back).to_request()?;")]
        /// assert_eq!(r.start_key, Some(Pet::key("7").into_item()));
        #[doc = concat!("assert_eq!(", $start, ".start_at(None).to_request()?.start_key, None);")]
        /// # Ok::<(), Error>(())
        /// ```
        pub fn start_at(mut self, cursor: impl Into<Option<Cursor>>) -> Self {
            self.read.start = cursor.into();
            self
        }
    };
}
pub(crate) use read_options;

/// Which items of a shared table a read gives.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope {
    /// The model's own (a filter on the entity attribute).
    Entity,
    /// A collection's members; with `report`, every item of the partition, so that another
    /// entity's is reported rather than left out.
    Collection {
        members: &'static [&'static str],
        /// Each member's TTL attribute.
        ttls: &'static [Option<&'static str>],
        report: bool,
    },
}

/// What queries and scans share.
pub(crate) struct Read<M, O> {
    pub(crate) scope: Scope,
    pub(crate) index: Option<Index<M>>,
    pub(crate) filter: Option<Condition<M>>,
    pub(crate) limit: Option<i32>,
    pub(crate) page_size: Option<i32>,
    pub(crate) include_expired: bool,
    pub(crate) consistent: bool,
    pub(crate) start: Option<Cursor>,
    pub(crate) max_pages: Option<usize>,
    projection: Option<fn(&mut Placeholders) -> Result<String>>,
    pub(crate) decode: Decode<O>,
    _m: PhantomData<fn() -> M>,
}

impl<M, O> Clone for Read<M, O> {
    fn clone(&self) -> Self {
        Read {
            scope: self.scope,
            index: self.index,
            filter: self.filter.clone(),
            limit: self.limit,
            page_size: self.page_size,
            include_expired: self.include_expired,
            consistent: self.consistent,
            start: self.start.clone(),
            max_pages: self.max_pages,
            projection: self.projection,
            decode: self.decode,
            _m: PhantomData,
        }
    }
}

impl<M, O> Read<M, O> {
    /// A read of the whole table, from the start, that gives `scope`'s items as `decode`
    /// decodes them.
    fn with(scope: Scope, decode: Decode<O>) -> Self {
        Read {
            scope,
            index: None,
            filter: None,
            limit: None,
            page_size: None,
            include_expired: false,
            consistent: false,
            start: None,
            max_pages: None,
            projection: None,
            decode,
            _m: PhantomData,
        }
    }
}

impl<M: Model> Read<M, M> {
    pub(crate) fn new() -> Self {
        Read::with(Scope::Entity, Decode::<M>::model())
    }
}

impl<M: Model, C: crate::model::Collection> Read<M, C> {
    /// A read of collection `C`'s members.
    pub(crate) fn collection() -> Self {
        let scope = Scope::Collection {
            members: C::MEMBERS,
            ttls: C::TTLS,
            report: false,
        };
        Read::with(scope, Decode::<C>::collection())
    }
}

impl<M: Model, O> Read<M, O> {
    pub(crate) fn project<P: Document>(self) -> Read<M, P> {
        Read {
            scope: self.scope,
            index: self.index,
            filter: self.filter,
            limit: self.limit,
            page_size: self.page_size,
            include_expired: self.include_expired,
            consistent: self.consistent,
            start: self.start,
            max_pages: self.max_pages,
            projection: Some(projection_of::<M, P>),
            decode: Decode::<P>::document(),
            _m: PhantomData,
        }
    }

    /// A read of the whole model from an index that holds only some attributes would fail on
    /// the first item: it is refused, with the ways that work.
    pub(crate) fn check_projection(&self) -> Result<()> {
        let Some(index) = self.index else {
            return Ok(());
        };
        let what = match index.projection {
            crate::model::Projection::All => return Ok(()),
            crate::model::Projection::KeysOnly => "only the keys".to_owned(),
            crate::model::Projection::Include(names) => {
                format!("only the keys and {}", names.join(", "))
            }
        };
        if self.projection.is_some() {
            return Ok(());
        }
        Err(Error::InvalidRequest(format!(
            "the index `{}` holds {what}, not every attribute of `{}`: read it into a projection with .project::<P>(), or fetch the whole items with .hydrate()",
            index.name,
            M::TABLE
        )))
    }

    pub(crate) fn fill(&self, r: &mut Request, ph: &mut Placeholders) -> Result<()> {
        for (what, n) in [("limit", self.limit), ("page size", self.page_size)] {
            if let Some(n) = n.filter(|n| *n < 1) {
                return Err(Error::InvalidRequest(format!(
                    "a {what} is at least 1, not {n}"
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
        // The read policy decides what the pages give (model::stored). The filters below
        // only save reading what it would leave out, where the index holds what they test.
        let policy = match self.scope {
            Scope::Entity => ReadPolicy::of::<M>(self.include_expired),
            Scope::Collection {
                members,
                ttls,
                report,
            } => ReadPolicy::of_members(M::ENTITY.map(|e| e.attr), members, ttls, report)
                .with_expired(self.include_expired),
        };
        let holds = |attr: &str| match self.index.map(|i| i.projection) {
            None | Some(crate::model::Projection::All) => true,
            Some(crate::model::Projection::KeysOnly) => false,
            Some(crate::model::Projection::Include(attrs)) => attrs.contains(&attr),
        };
        // Items past their TTL that DynamoDB has not deleted yet.
        if let (Some(ttl), false) = (M::TTL.filter(|t| holds(t)), self.include_expired) {
            if matches!(self.scope, Scope::Entity) {
                let ttl = ph.name(ttl);
                // The time of each page's request: a long read decides by it, as its pages do.
                let now = ph.now();
                // A TTL that is not a number is no expiry time: DynamoDB never deletes such
                // an item, and the read policy keeps it (a missing one included).
                let number = ph.value(aws_sdk_dynamodb::types::AttributeValue::S("N".into()));
                and_filter(
                    r,
                    format!("(NOT attribute_type({ttl}, {number}) OR {ttl} > {now})"),
                );
            }
        }
        // A shared table: only this model's items, or the collection's members.
        let reports = matches!(self.scope, Scope::Collection { report: true, .. });
        if let (Some(e), false) = (M::ENTITY.filter(|e| holds(e.attr)), reports) {
            let attr = ph.name(e.attr);
            let mut value =
                |name: &str| ph.value(aws_sdk_dynamodb::types::AttributeValue::S(name.to_owned()));
            let only = match self.scope {
                Scope::Entity if e.adopts_untagged => {
                    let own = value(e.name);
                    // An untagged item is adopted where its table keys start as the model's
                    // templates start them: the policy decides so, and a count too.
                    let mut untagged = format!("attribute_not_exists({attr})");
                    // (A query cannot filter on the keys that it reads by: there its key
                    // condition keeps to the prefixes, unless a range on the sort key leaves it.)
                    let read_by = match self.index {
                        Some(i) => [Some(i.hash_key), i.range_key],
                        None if r.operation == "Query" => [Some(M::HASH_KEY), M::RANGE_KEY],
                        None => [None, None],
                    };
                    for (key, prefix) in policy.adopted_prefixes() {
                        if !prefix.is_empty() && !read_by.contains(&Some(*key)) {
                            let key = ph.name(key);
                            let prefix = ph
                                .value(aws_sdk_dynamodb::types::AttributeValue::S(prefix.clone()));
                            untagged.push_str(&format!(" AND begins_with({key}, {prefix})"));
                        }
                    }
                    Some(format!("({attr} = {own} OR ({untagged}))"))
                }
                Scope::Entity => Some(format!("{attr} = {}", value(e.name))),
                Scope::Collection {
                    members,
                    report: false,
                    ..
                } => {
                    let names: Vec<String> = members.iter().map(|m| value(m)).collect();
                    Some(format!("{attr} IN ({})", names.join(", ")))
                }
                Scope::Collection { report: true, .. } => None,
            };
            if let Some(only) = only {
                and_filter(r, only);
            }
        }
        // The page holds what the policy decides by (else a hydrate decides after its
        // batch get of the whole items); a projection asks for it too.
        if policy.attributes().all(holds) {
            r.policy = Some(policy);
        }
        r.projection = self.projection.map(|p| p(ph)).transpose()?;
        let mut keys = vec![M::HASH_KEY];
        keys.extend(M::RANGE_KEY);
        if let Some(i) = self.index {
            keys.extend(i.hash_keys().chain(i.range_keys()));
        }
        keys.dedup();
        // A projection asks, once each, for the keys (a page cut at its limit gives the
        // cursor after its last item) and for what the policy decides by.
        if let Some(p) = r.projection.as_mut() {
            let decides = r.policy.iter().flat_map(|policy| policy.attributes());
            for a in keys.iter().copied().chain(decides) {
                let name = ph.name(a);
                if !p.split(", ").any(|part| part == name) {
                    p.push_str(&format!(", {name}"));
                }
            }
        }
        // DynamoDB's Limit is per request: the page size, and never more than the total.
        r.limit = match (self.page_size, self.limit) {
            (Some(p), Some(l)) => Some(p.min(l)),
            (p, l) => p.or(l),
        };
        r.total_limit = self.limit.and_then(|l| usize::try_from(l).ok());
        r.cursor_keys = keys;
        r.consistent = self.consistent;
        r.start_key = self.start.as_ref().map(|c| c.key().clone());
        if self.max_pages == Some(0) {
            return Err(Error::InvalidRequest(
                "max_pages is at least 1, not 0".into(),
            ));
        }
        r.max_pages = self.max_pages;
        Ok(())
    }
}

/// Adds `condition` to the request's filter.
fn and_filter(r: &mut Request, condition: String) {
    r.filter = Some(match r.filter.take() {
        Some(f) => format!("{f} AND {condition}"),
        None => condition,
    });
}

/// The attribute name of a top-level path in a key condition.
pub(crate) fn compared_attr(node: &Node) -> Option<&str> {
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
