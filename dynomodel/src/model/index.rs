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
/// A global index declared with `gsi(name = "...", pk = [a, b], sk = [c, d])` has native
/// multi-attribute keys: up to four partition key attributes and four sort key attributes,
/// each the model's own attribute of its own type. `hash_key` and `range_key` are the first
/// of each; `hash_rest` and `range_rest` hold the others, in key order.
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
    /// The partition key attributes after `hash_key`, for a native multi-attribute index
    /// (empty for any other).
    pub hash_rest: &'static [&'static str],
    /// The sort key attributes after `range_key`, for a native multi-attribute index
    /// (empty for any other).
    pub range_rest: &'static [&'static str],
    /// The attributes that the index carries.
    pub projection: Projection,
    /// The model.
    pub model: PhantomData<fn() -> M>,
}

impl<M> Index<M> {
    /// Every partition key attribute, in key order.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// #[derive(Model, serde::Serialize, serde::Deserialize)]
    /// #[dynomodel(table = "orders", gsi(name = "by_status", pk = [tenant, status], sk = [placed_at, number]))]
    /// struct Order {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    ///     tenant: String,
    ///     status: String,
    ///     placed_at: i64,
    ///     number: u32,
    /// }
    /// let i = &Order::indexes()[0];
    /// assert_eq!(i.hash_keys().collect::<Vec<_>>(), ["tenant", "status"]);
    /// assert_eq!(i.range_keys().collect::<Vec<_>>(), ["placed_at", "number"]);
    /// assert!(i.is_multi_attribute());
    /// ```
    pub fn hash_keys(&self) -> impl Iterator<Item = &'static str> + Clone {
        std::iter::once(self.hash_key).chain(self.hash_rest.iter().copied())
    }

    /// Every sort key attribute, in key order (none where the index has no sort key).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::indexes()[0].range_keys().collect::<Vec<_>>(), ["name"]);
    /// ```
    pub fn range_keys(&self) -> impl Iterator<Item = &'static str> + Clone {
        self.range_key
            .into_iter()
            .chain(self.range_rest.iter().copied())
    }

    /// Whether the index has more than one partition or sort key attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert!(!Pet::indexes()[0].is_multi_attribute());
    /// ```
    pub fn is_multi_attribute(&self) -> bool {
        !self.hash_rest.is_empty() || !self.range_rest.is_empty()
    }
}

impl<M> Clone for Index<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Index<M> {}
