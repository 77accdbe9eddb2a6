#![doc = include_str!("../reference.md")]
#![warn(missing_docs)]
// No panic on any input or any response: where a case is proven safe, a local `allow` says why.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

// The layers, lowest first; a module names only modules of its own layer or below
// (docs/architecture.md, and the test `layers` in tests/it that holds the order).
pub mod codec;
pub mod db;
#[cfg(feature = "derive")]
#[doc(hidden)]
pub mod doc_support;
pub mod error;
pub mod expr;
#[cfg(feature = "lambda")]
pub mod lambda;
#[cfg(feature = "local")]
pub mod local;
pub mod model;
pub mod ops;
pub mod schema;

// The paths that users know, kept where they were before the layers.
pub use expr::{condition, path, update};
pub use model::validate;
pub use ops::{batch, query, request, transaction};
pub use schema::table;

pub use async_trait::async_trait;
pub use codec::{AttrValue, Item};
pub use db::Db;
/// A struct stored as a map inside a model (`address.street` in paths), with its own rules.
///
/// ```
/// use dynomodel::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Document, Serialize, Deserialize, Debug, Clone)]
/// struct Address {
///     #[dynomodel(validate(length(min = 1)))]
///     street: String,
/// }
///
/// #[derive(Model, Serialize, Deserialize, Debug, Clone)]
/// #[dynomodel(table = "people")]
/// struct Person {
///     #[dynomodel(hash_key)]
///     id: String,
///     home: Address,
/// }
///
/// let p = Person { id: "1".into(), home: Address { street: String::new() } };
/// let Err(Error::Validation(errors)) = p.validate() else { panic!() };
/// assert_eq!(errors.iter().next().unwrap().path, "home.street");
/// assert_eq!(Person::fields().home.street.path().to_string(), "home.street");
/// ```
#[cfg(feature = "derive")]
pub use dynomodel_derive::Document;
/// A struct stored in a DynamoDB table: keys, indexes, rules, managed attributes. See the
/// attribute tables in the [crate documentation](crate).
///
/// ```
/// use dynomodel::prelude::*;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Model, Serialize, Deserialize, Debug, Clone)]
/// #[dynomodel(table = "pets", gsi(name = "by_owner", hash = "owner"))]
/// struct Pet {
///     #[dynomodel(hash_key)]
///     id: String,
///     #[dynomodel(set = "trim", validate(length(min = 1, max = 64)))]
///     name: String,
///     owner: String,
///     #[dynomodel(version)]
///     version: u64,
/// }
///
/// assert_eq!(Pet::TABLE, "pets");
/// assert_eq!(Pet::fields().owner.eq("ann").to_expression()?.0, "#n0 = :v0");
/// # Ok::<(), Error>(())
/// ```
///
/// A mistake in the attributes is a compile error at its token:
///
/// ```compile_fail
/// use dynomodel::prelude::*;
///
/// #[derive(Model, serde::Serialize, serde::Deserialize)]
/// #[dynomodel(table = "pets")]
/// struct Pet {
///     #[dynomodel(hash_key, validate(lenght(max = 3)))]
///     id: String,
/// }
/// ```
#[cfg(feature = "derive")]
pub use dynomodel_derive::Model;
/// Derives [`Table`](trait@Table): the physical table of a single-table design, declared
/// once, on a unit struct. Attributes: `name`, `pk`, `sk` (optional), `entity_attr`
/// (default `_et`), `delimiter` (default `#`), `ttl`, and indexes as
/// `gsi(name = "...", pk = "...", sk = "...", projection = ...)` and
/// `lsi(name = "...", sk = "...")`. Models point at it with `table = Groceries` and fill
/// its keys with templates; docs/single-table.md tells the whole design.
///
/// ```
/// use dynomodel::prelude::*;
///
/// #[derive(Table)]
/// #[dynomodel(name = "groceries", pk = "pk", sk = "sk",
///             gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"))]
/// struct Groceries;
///
/// let r = Groceries::create_table().to_request()?; // the table with every index
/// assert_eq!(r.global_secondary_indexes().len(), 1);
/// # Ok::<(), Error>(())
/// ```
#[cfg(feature = "derive")]
pub use dynomodel_derive::Table;

/// Derives [`Collection`](trait@Collection) on an enum of models that share a partition
/// key template: `View::query(..)` reads the partition once and decodes each item as the
/// member that its entity attribute names. `#[dynomodel(index = "gsi1")]` shares an
/// index's partition instead of the table's. Members that do not share the table and the
/// template fail to compile.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{Customer, Order};
/// #[derive(Collection)]
/// enum History {
///     Customer(Customer),
///     Order(Order),
/// }
///
/// let r = History::query(Customer::fields().id.eq("c1")).to_request()?;
/// assert_eq!(r.key_condition.as_deref(), Some("#n0 = :v0")); // the whole partition
/// # Ok::<(), Error>(())
/// ```
#[cfg(feature = "derive")]
pub use dynomodel_derive::Collection;
pub use error::{DynamoError, Error, Result, ValidationError, ValidationErrors};
pub use expr::condition::Condition;
pub use expr::path::{Attr, Path};
pub use model::{Collection, Document, Hooks, Index, Key, Member, Model, Table};
pub use ops::request::Request;
pub use ops::{CollectionOps, ModelOps};
pub use schema::SchemaOps;

// The README's and the guides' snippets are doctests of the workspace's root package
// (`docs/lib.rs`): the published crate holds no file outside its folder.

/// The types that almost every user of dynomodel needs, and the traits whose methods every
/// model has.
///
/// ```
/// use dynomodel::prelude::*;
///
/// fn first_page(owner: &str) -> Result<dynomodel::Request> {
///     # use dynomodel::doc_support::Pet;
///     Pet::query(Pet::fields().owner.eq(owner)).limit(10).to_request()
/// }
/// assert_eq!(first_page("ann")?.index, Some("by_owner"));
/// # Ok::<(), Error>(())
/// ```
pub mod prelude {
    pub use crate::db::Db;
    pub use crate::error::{Error, Result};
    pub use crate::expr::condition::Condition;
    pub use crate::expr::update::UpdateActions as _;
    pub use crate::model::{Document as _, Hooks, Key, Model as _};
    pub use crate::ops::query::{Cursor, Page};
    pub use crate::ops::transaction::{TransactGet, Transaction};
    pub use crate::ops::{CollectionOps as _, ModelOps as _};
    pub use crate::schema::SchemaOps as _;
    #[cfg(feature = "derive")]
    pub use crate::{Collection, Document, Model, Table};
}

/// What the derive's generated code refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::codec::special;
    pub use crate::codec::{at, AttrValue, Item, Number, Via, ViaAttr, ViaSerde};
    pub use crate::error::Result;
    pub use crate::error::ValidationErrors;
    pub use crate::expr::path::{Attr, Bounds, FieldCodec, Path};
    pub use crate::model::single_table as table;
    pub use crate::model::template::{separators_hold, Part};
    pub use crate::model::upgrade::{
        no_upgrade, upgrade as upgrade_item, version_attr as schema_attr, SchemaVersion,
        SCHEMA_ATTR,
    };
    pub use crate::model::validate::{rules, transforms};
    pub use crate::model::{
        key_attr, version_error, Collection, Document, Entity, Hooks, Index, IndexKind, Key,
        KeyTemplate, Member, Model, Nested, Projection, Table, TableIndex, Timestamp, Version,
    };
    pub use crate::ops::transaction::{collection_from_got, FromGot};
    pub use crate::ops::ModelOps;
    pub use crate::schema::table::CreateTable;
    pub use crate::schema::SchemaOps;
    pub use async_trait::async_trait;
    pub use aws_sdk_dynamodb::primitives::Blob;
    pub use aws_sdk_dynamodb::types::AttributeValue;
    pub use futures::future::BoxFuture;
    pub use regex::Regex;
    pub use std::collections::HashMap;
    pub use std::sync::LazyLock;

    use std::marker::PhantomData;

    /// Reaches [`Nested`] where the field type has nested documents, and does nothing where
    /// it has not (method resolution prefers the impl on `&Rules<T>`).
    pub struct Rules<T>(PhantomData<T>);

    impl<T> Rules<T> {
        #[allow(clippy::new_without_default)]
        pub const fn new() -> Self {
            Rules(PhantomData)
        }
    }

    pub trait RulesNested<T> {
        fn defaults(&self, v: &mut T);
        fn set(&self, v: &mut T);
        fn validate(&self, v: &T, path: &str, errors: &mut ValidationErrors);
    }

    impl<T: Nested> RulesNested<T> for &Rules<T> {
        #[inline]
        fn defaults(&self, v: &mut T) {
            v.nested_defaults()
        }
        #[inline]
        fn set(&self, v: &mut T) {
            v.nested_set()
        }
        #[inline]
        fn validate(&self, v: &T, path: &str, errors: &mut ValidationErrors) {
            v.nested_validate(path, errors)
        }
    }

    pub trait RulesNone<T> {
        fn defaults(&self, _v: &mut T) {}
        fn set(&self, _v: &mut T) {}
        fn validate(&self, _v: &T, _path: &str, _errors: &mut ValidationErrors) {}
    }

    impl<T> RulesNone<T> for Rules<T> {}

    /// The path of field `name` below `base`.
    pub fn join(base: &str, name: &str) -> String {
        if base.is_empty() {
            name.to_owned()
        } else {
            format!("{base}.{name}")
        }
    }

    /// The error for a value of the wrong DynamoDB type.
    pub fn expected(what: &str, found: &AttributeValue) -> crate::Error {
        crate::Error::Decode {
            path: String::new(),
            message: format!("expected {what}, found {}", crate::codec::type_name(found)),
        }
    }

    /// The error for an attribute that an item lacks and the field cannot do without.
    pub fn missing(name: &str) -> crate::Error {
        crate::Error::Decode {
            path: name.to_owned(),
            message:
                "the attribute is missing, and the field is neither an Option nor has a default"
                    .into(),
        }
    }
}
