//! What queries and scans share: table or index, filter, projection, limit, cursor.
//! Layer: ops.

use std::marker::PhantomData;

use crate::error::{Error, Result};
use crate::expr::condition::{Condition, Node, Subject};
use crate::expr::Placeholders;

use super::*;
use crate::expr::projection_of;
use crate::model::path::PathElem;
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
        // Items past their TTL that DynamoDB has not deleted yet are left out.
        if let (Some(ttl), false) = (M::TTL, self.include_expired) {
            let now = crate::model::managed::epoch_secs(std::time::SystemTime::now());
            let ttl = ph.name(ttl);
            let now = ph.value(aws_sdk_dynamodb::types::AttributeValue::N(now.to_string()));
            let live = format!("(attribute_not_exists({ttl}) OR {ttl} > {now})");
            r.filter = Some(match r.filter.take() {
                Some(f) => format!("{f} AND {live}"),
                None => live,
            });
        }
        // A shared table: only this model's items, or the collection's members.
        // An index that holds only the keys cannot be filtered on the entity: its keys are
        // the entity's templates.
        let keys_only = self
            .index
            .is_some_and(|i| i.projection == crate::model::Projection::KeysOnly);
        if let (Some(e), false) = (M::ENTITY, keys_only) {
            let only = match self.scope {
                Scope::Entity => Some(format!(
                    "{} = {}",
                    ph.name(e.attr),
                    ph.value(aws_sdk_dynamodb::types::AttributeValue::S(
                        e.name.to_owned()
                    ))
                )),
                Scope::Collection {
                    members,
                    report: false,
                } => Some(format!(
                    "{} IN ({})",
                    ph.name(e.attr),
                    members
                        .iter()
                        .map(|m| ph
                            .value(aws_sdk_dynamodb::types::AttributeValue::S((*m).to_owned())))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Scope::Collection { report: true, .. } => None,
            };
            if let Some(only) = only {
                r.filter = Some(match r.filter.take() {
                    Some(f) => format!("{f} AND {only}"),
                    None => only,
                });
            }
        }
        r.projection = self.projection.map(|p| p(ph)).transpose()?;
        // DynamoDB's Limit is per request: the page size, and never more than the total.
        r.limit = match (self.page_size, self.limit) {
            (Some(p), Some(l)) => Some(p.min(l)),
            (p, l) => p.or(l),
        };
        r.total_limit = self.limit.and_then(|l| usize::try_from(l).ok());
        let mut keys = vec![M::HASH_KEY];
        keys.extend(M::RANGE_KEY);
        if let Some(i) = self.index {
            keys.push(i.hash_key);
            keys.extend(i.range_key);
        }
        keys.dedup();
        r.cursor_keys = keys;
        r.consistent = self.consistent;
        r.start_key = self.start.as_ref().map(|c| c.key().clone());
        Ok(())
    }
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
