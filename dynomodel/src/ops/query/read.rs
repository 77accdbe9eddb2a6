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

/// What queries and scans share.
pub(crate) struct Read<M, O> {
    pub(crate) index: Option<Index<M>>,
    pub(crate) filter: Option<Condition<M>>,
    pub(crate) limit: Option<i32>,
    pub(crate) consistent: bool,
    pub(crate) start: Option<Cursor>,
    projection: Option<fn(&mut Placeholders) -> Result<String>>,
    pub(crate) decode: Decode<O>,
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
    pub(crate) fn new() -> Self {
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
    pub(crate) fn project<P: Document>(self) -> Read<M, P> {
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

    pub(crate) fn fill(&self, r: &mut Request, ph: &mut Placeholders) -> Result<()> {
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
pub(crate) fn key_attr(node: &Node) -> Option<&str> {
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
