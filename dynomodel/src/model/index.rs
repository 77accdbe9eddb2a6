//! Secondary indexes: kind, keys and projection.
//! Layer: model.

use std::marker::PhantomData;

/// The kind of a secondary index.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::model::IndexKind;
/// assert_eq!(Pet::indexes()[0].kind, IndexKind::Global);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexKind {
    /// A global secondary index: its own hash key.
    Global,
    /// A local secondary index: the table's hash key, its own range key.
    Local,
}

/// Which attributes a secondary index carries: `projection = "all"` (the default),
/// `"keys_only"`, or `include(...)` in the index declaration.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::model::Projection;
/// assert_eq!(Pet::indexes()[0].projection, Projection::All);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Projection {
    /// Every attribute.
    All,
    /// The table's and the index's keys only.
    KeysOnly,
    /// The keys and these attributes.
    Include(&'static [&'static str]),
}

/// A secondary index of model `M`, as declared with `gsi(...)`, `lsi(...)` or the field-level
/// `gsi_hash`/`gsi_range`/`lsi_range`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let by_owner = &Pet::indexes()[0];
/// assert_eq!((by_owner.name, by_owner.hash_key, by_owner.range_key), ("by_owner", "owner", Some("name")));
/// ```
#[derive(Debug)]
pub struct Index<M> {
    /// The index name.
    pub name: &'static str,
    /// Global or local.
    pub kind: IndexKind,
    /// The hash key attribute (the table's, for a local index).
    pub hash_key: &'static str,
    /// The range key attribute, if any.
    pub range_key: Option<&'static str>,
    /// The attributes that the index carries.
    pub projection: Projection,
    /// The model.
    pub model: PhantomData<fn() -> M>,
}

impl<M> Clone for Index<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Index<M> {}
