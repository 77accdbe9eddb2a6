//! The physical table of a single-table design, declared once with `#[derive(Table)]`, and
//! the compile-time checks that the models and collections on it run.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::single::Groceries;
//! assert!(dynomodel::model::single_table::find_index(<Groceries as Table>::INDEXES, "gsi1").is_some());
//! ```
//!
//! Layer: model.

// The checks run in constants, where `get()` and checked arithmetic are not available: each
// index is below the length that the loop compares it with.
#![allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

use super::index::{IndexKind, Projection};
pub use super::template::str_eq;
use super::template::{Entity, Part};

/// A table that several models share: its name, its key attributes, the attribute that
/// names each item's entity, and its indexes. `#[derive(Table)]` implements it (and
/// [`Model`](crate::Model) for the table type, so that `Groceries::create_table()`,
/// `delete_table()`, `migrate::plan` and `infra::cloudformation` take the whole table).
///
/// ```
/// use dynomodel::prelude::*;
///
/// #[derive(Table)]
/// #[dynomodel(name = "groceries", pk = "pk", sk = "sk", entity_attr = "_et",
///             gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"))]
/// struct Groceries;
///
/// assert_eq!(<Groceries as Table>::NAME, "groceries");
/// assert_eq!(<Groceries as Table>::INDEXES[0].pk, "gsi1pk");
/// ```
pub trait Table {
    /// The table name (before any `Db` prefix).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(<Groceries as Table>::NAME, "groceries");
    /// ```
    const NAME: &'static str;
    /// The partition key attribute (a string).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(<Groceries as Table>::PK, "pk");
    /// ```
    const PK: &'static str;
    /// The sort key attribute (a string), if the table has one.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(<Groceries as Table>::SK, Some("sk"));
    /// ```
    const SK: Option<&'static str>;
    /// The attribute that holds each item's entity name.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(<Groceries as Table>::ENTITY_ATTR, "_et"); // the default
    /// ```
    const ENTITY_ATTR: &'static str;
    /// The text that separates the parts of a key template; a value that contains it is
    /// refused (`#` unless the table says otherwise).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(<Groceries as Table>::DELIMITER, "#");
    /// ```
    const DELIMITER: &'static str;
    /// The TTL attribute, if the table has one.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(<Groceries as Table>::TTL, None);
    /// ```
    const TTL: Option<&'static str>;
    /// The secondary indexes.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::*;
    /// assert_eq!(<Groceries as Table>::INDEXES[0].name, "gsi1");
    /// ```
    const INDEXES: &'static [TableIndex];
}

/// A secondary index of a [`Table`].
///
/// ```
/// use dynomodel::model::{IndexKind, Projection, TableIndex};
/// let i = TableIndex { name: "gsi1", kind: IndexKind::Global, pk: "gsi1pk", sk: Some("gsi1sk"),
///                      pk_rest: &[], sk_rest: &[], native: &[], projection: Projection::All };
/// assert_eq!(i.name, "gsi1");
/// assert!(!i.is_native());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableIndex {
    /// The index name.
    pub name: &'static str,
    /// Global or local.
    pub kind: IndexKind,
    /// The partition key attribute (the table's, for a local index).
    pub pk: &'static str,
    /// The sort key attribute, if any.
    pub sk: Option<&'static str>,
    /// A native multi-attribute index: its partition key attributes after `pk`.
    pub pk_rest: &'static [&'static str],
    /// Its sort key attributes after `sk`.
    pub sk_rest: &'static [&'static str],
    /// A native index (`pk = [status: S]`): every key attribute with its type (`'S'`, `'N'`
    /// or `'B'`), which the models that fill the index store as fields of their own. Empty
    /// for an index of templates, whose keys are strings that the models compose.
    pub native: &'static [(&'static str, char)],
    /// The attributes that the index carries.
    pub projection: Projection,
}

impl TableIndex {
    /// Whether the models fill this index with fields of their own (a native index), rather
    /// than with key templates.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::single::Groceries;
    /// assert!(!<Groceries as Table>::INDEXES[0].is_native());
    /// ```
    pub const fn is_native(&self) -> bool {
        !self.native.is_empty()
    }
}

/// The type that a native index of table `T` gives attribute `name` (`'S'`, `'N'`, `'B'`),
/// where one does: what a model's field of that name must be stored as.
const fn native_type<T: Table>(name: &str) -> Option<char> {
    let mut j = 0;
    while j < T::INDEXES.len() {
        let native = T::INDEXES[j].native;
        let mut k = 0;
        while k < native.len() {
            if str_eq(native[k].0, name) {
                return Some(native[k].1);
            }
            k += 1;
        }
        j += 1;
    }
    None
}

/// Whether a model field stored as `name`, of key type `ty` (`'S'`, `'N'`, `'B'`, or `'-'`
/// for a type that cannot be a key), fits every native index of `T` that keys `name`.
#[doc(hidden)]
pub const fn native_type_fits<T: Table>(name: &str, ty: char) -> bool {
    match native_type::<T>(name) {
        Some(want) => want == ty,
        None => true,
    }
}

/// Whether the index `name` of `T` is a native one whose every key attribute is among
/// `fields` (the model's stored attributes): what a model that fills it must have.
#[doc(hidden)]
pub const fn fills_native<T: Table>(name: &str, fields: &[&str]) -> bool {
    let Some(i) = find_index(T::INDEXES, name) else {
        return false;
    };
    if !i.is_native() {
        return false;
    }
    let mut k = 0;
    while k < i.native.len() {
        let mut found = false;
        let mut f = 0;
        while f < fields.len() {
            if str_eq(fields[f], i.native[k].0) {
                found = true;
            }
            f += 1;
        }
        if !found {
            return false;
        }
        k += 1;
    }
    true
}

/// The index called `name`, in a constant; `None` where the table has none.
///
/// ```
/// # use dynomodel::model::{IndexKind, Projection, TableIndex};
/// const I: &[TableIndex] = &[TableIndex { name: "gsi1", kind: IndexKind::Global, pk: "a", sk: None,
///                                          pk_rest: &[], sk_rest: &[], native: &[], projection: Projection::All }];
/// assert!(dynomodel::model::single_table::find_index(I, "gsi1").is_some());
/// assert!(dynomodel::model::single_table::find_index(I, "gsi2").is_none());
/// ```
pub const fn find_index(indexes: &'static [TableIndex], name: &str) -> Option<&'static TableIndex> {
    let mut i = 0;
    while i < indexes.len() {
        if str_eq(indexes[i].name, name) {
            return Some(&indexes[i]);
        }
        i += 1;
    }
    None
}

/// The index called `name`. The derive checks that it exists, with a message that names
/// the table; until that error is fixed, a missing index reads as one without a name.
#[doc(hidden)]
pub const fn index(indexes: &'static [TableIndex], name: &str) -> &'static TableIndex {
    const MISSING: TableIndex = TableIndex {
        name: "",
        kind: IndexKind::Global,
        pk: "",
        sk: None,
        pk_rest: &[],
        sk_rest: &[],
        native: &[],
        projection: Projection::All,
    };
    match find_index(indexes, name) {
        Some(i) => i,
        None => &MISSING,
    }
}

/// The sort key attribute of a table or index (the derive checks that it has one).
#[doc(hidden)]
pub const fn sort_key(sk: Option<&'static str>) -> &'static str {
    match sk {
        Some(sk) => sk,
        None => "",
    }
}

/// Whether two entities share a table and the partition template of an index (`None`:
/// the table's key): the same text and the same kinds of values in the same places, field
/// names aside. What a collection's members must have in common.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{Customer, Order};
/// use dynomodel::model::single_table::same_partition;
/// assert!(same_partition(Customer::ENTITY, Order::ENTITY, None));
/// ```
pub const fn same_partition(a: Option<&Entity>, b: Option<&Entity>, index: Option<&str>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    if !str_eq(a.table, b.table) || !str_eq(a.attr, b.attr) {
        return false;
    }
    let (Some(x), Some(y)) = (a.partition(index), b.partition(index)) else {
        return false;
    };
    if x.len() != y.len() {
        return false;
    }
    let mut i = 0;
    while i < x.len() {
        let same = match (&x[i], &y[i]) {
            (Part::Text(s), Part::Text(t)) => str_eq(s, t),
            (Part::Field { width: w, .. }, Part::Field { width: v, .. }) => *w == *v,
            _ => false,
        };
        if !same {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether an entity has a key template on index `index` (`None`: the table's key).
#[doc(hidden)]
pub const fn has_partition(e: Option<&Entity>, index: Option<&str>) -> bool {
    match e {
        Some(e) => e.partition(index).is_some(),
        None => false,
    }
}

/// Whether none of `names` is one of the table's key or entity attributes: a model field
/// stored under such a name would be overwritten by its key.
#[doc(hidden)]
pub const fn free_names<T: Table>(names: &[&str]) -> bool {
    let mut i = 0;
    while i < names.len() {
        let n = names[i];
        if str_eq(n, T::PK) || str_eq(n, T::ENTITY_ATTR) {
            return false;
        }
        if let Some(sk) = T::SK {
            if str_eq(n, sk) {
                return false;
            }
        }
        let mut j = 0;
        while j < T::INDEXES.len() {
            let idx = &T::INDEXES[j];
            // A native index's attributes are the models' own fields.
            if idx.is_native() {
                j += 1;
                continue;
            }
            if str_eq(n, idx.pk) {
                return false;
            }
            if let Some(sk) = idx.sk {
                if str_eq(n, sk) {
                    return false;
                }
            }
            j += 1;
        }
        i += 1;
    }
    true
}

/// The entity name of a model in a shared table, in a constant.
/// Whether `name` is a key attribute or the entity attribute of table `T`: what an `extra`
/// field of a model in `T` never reads or writes (the keys are composed on every write).
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::Groceries;
/// assert!(dynomodel::model::single_table::reserved::<Groceries>("gsi1sk"));
/// assert!(!dynomodel::model::single_table::reserved::<Groceries>("note"));
/// ```
pub fn reserved<T: Table>(name: &str) -> bool {
    !free_names::<T>(&[name])
}

#[doc(hidden)]
pub const fn entity_name(e: Option<&Entity>) -> &'static str {
    match e {
        Some(e) => e.name,
        None => "",
    }
}

/// The entity attribute of a model in a shared table, in a constant.
#[doc(hidden)]
pub const fn entity_attr(e: Option<&Entity>) -> &'static str {
    match e {
        Some(e) => e.attr,
        None => "",
    }
}

/// The entity that an item names.
#[doc(hidden)]
pub fn entity_of<'a>(item: &'a crate::codec::Item, attr: &str) -> Option<&'a str> {
    match item.get(attr) {
        Some(aws_sdk_dynamodb::types::AttributeValue::S(s)) => Some(s),
        _ => None,
    }
}

/// The error for an item of an entity that is not a member of a collection.
#[doc(hidden)]
pub fn not_member(
    members: &[&str],
    e: Option<&Entity>,
    item: &crate::codec::Item,
) -> crate::error::Error {
    let attr = entity_attr(e);
    crate::error::Error::WrongEntity {
        expected: format!("one of {}", members.join(", ")),
        found: entity_of(item, attr)
            .map_or_else(|| format!("item without `{attr}`"), str::to_owned),
        key: e.map(|e| e.describe_key(item)).unwrap_or_default(),
    }
}

/// The table type's own items: it has none, it holds its models' items.
#[doc(hidden)]
pub fn no_items(table: &str) -> crate::error::Error {
    crate::error::Error::InvalidRequest(format!(
        "the table type of `{table}` has no items of its own: write its models"
    ))
}
