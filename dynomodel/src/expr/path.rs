//! Typed attribute handles: `Pet::fields().age` knows its path, its type, and its field's
//! codec and rules, so that every operand is written as the item codec writes it.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! let f = Pet::fields();
//! assert_eq!(f.address.city.path().to_string(), "address.city");
//! assert_eq!(f.age.gt(3u32).to_expression()?.0, "#n0 > :v0");
//! # Ok::<(), Error>(())
//! ```
//!
//! Layer: expr.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::OnceLock;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::ValidationErrors;
pub use crate::model::path::{Path, PathElem};
use crate::model::Document;

/// A typed handle on the attribute at a path of model `R`, whose Rust type is `T`.
///
/// Conditions and updates built from a handle check their operands against `T`. A handle on a
/// nested document dereferences to that document's handles, so that
/// `Pet::fields().address.city` is the handle on `address.city`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::Attr;
/// let f = Pet::fields();
/// let city: &Attr<Pet, String> = &f.address.city;
/// assert_eq!(city.path().to_string(), "address.city");
/// let c = city.eq("Oslo");
/// assert_eq!(c.to_expression()?.0, "#n0.#n1 = :v0");
/// # Ok::<(), Error>(())
/// ```
pub struct Attr<R, T> {
    path: Path,
    codec: Option<FieldCodec<T>>,
    nested: OnceLock<Box<dyn Any + Send + Sync>>,
    _types: PhantomData<fn() -> R>,
}

/// How a model field writes and checks its values, so that a value in a condition or an
/// update is written exactly as the item codec writes it, after the field's `set` transform
/// and validation. The derive makes one per field.
#[doc(hidden)]
pub struct FieldCodec<T> {
    /// Writes a value of the field (`None`: nothing to write, such as a `None` option).
    pub encode: fn(&T) -> crate::error::Result<Option<AttributeValue>>,
    /// Runs the field's `set` transform and rules; the path is the field's parent path.
    pub check: fn(&mut T, &str, &mut ValidationErrors),
}

impl<T> Clone for FieldCodec<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for FieldCodec<T> {}

impl<R, T> Attr<R, T> {
    /// The handle on `path`, for a value written with `serde_dynamo`: for an attribute that
    /// the model does not declare as a field (one kept by `extra`, say).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::{Attr, Path};
    /// let legacy: Attr<Pet, String> = Attr::new(Path::root("legacy_id"));
    /// assert_eq!(legacy.exists().to_expression()?.0, "attribute_exists(#n0)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(path: Path) -> Self {
        Attr {
            path,
            codec: None,
            nested: OnceLock::new(),
            _types: PhantomData,
        }
    }

    /// The handle on a model field at `path`, with the field's codec and rules.
    #[doc(hidden)]
    pub fn with_codec(path: Path, codec: FieldCodec<T>) -> Self {
        Attr {
            path,
            codec: Some(codec),
            nested: OnceLock::new(),
            _types: PhantomData,
        }
    }

    /// The attribute path.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().meta.key("color").path().to_string(), "meta.color");
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs the field's `set` transform and rules on `value`.
    pub(crate) fn check(&self, value: &mut T) -> crate::error::Result<()> {
        let Some(codec) = &self.codec else {
            return Ok(());
        };
        let mut errors = ValidationErrors::default();
        let parent = self.path.parent().to_string();
        (codec.check)(value, &parent, &mut errors);
        errors.into_result()
    }

    /// Writes `value` as the field writes it.
    pub(crate) fn encode(&self, value: &T) -> crate::error::Result<Option<AttributeValue>>
    where
        T: serde::Serialize,
    {
        let result = match &self.codec {
            Some(codec) => (codec.encode)(value),
            None => serde_dynamo::to_attribute_value(value)
                .map(Some)
                .map_err(|e| crate::error::Error::Encode {
                    path: String::new(),
                    message: e.to_string(),
                }),
        };
        result.map_err(|e| crate::codec::at(e, &self.path.to_string()))
    }

    fn nested<D: Document>(&self) -> &D::Fields<R>
    where
        R: 'static,
    {
        self.nested
            .get_or_init(|| Box::new(D::fields_at::<R>(self.path.clone())))
            .downcast_ref()
            .expect("the nested handles of one attribute have one type")
    }
}

impl<R, T> Clone for Attr<R, T> {
    fn clone(&self) -> Self {
        Attr {
            path: self.path.clone(),
            codec: self.codec,
            nested: OnceLock::new(),
            _types: PhantomData,
        }
    }
}

/// Lets update actions take a handle or a reference to one: `.set(f.name, ..)` and
/// `.set(&f.name, ..)` both work.
impl<R, T> AsRef<Attr<R, T>> for Attr<R, T> {
    fn as_ref(&self) -> &Attr<R, T> {
        self
    }
}

impl<R, T> fmt::Debug for Attr<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Attr({})", self.path)
    }
}

impl<R: 'static, D: Document> Deref for Attr<R, D> {
    type Target = D::Fields<R>;
    fn deref(&self) -> &Self::Target {
        self.nested::<D>()
    }
}

impl<R: 'static, D: Document> Deref for Attr<R, Option<D>> {
    type Target = D::Fields<R>;
    fn deref(&self) -> &Self::Target {
        self.nested::<D>()
    }
}

impl<R, T> Attr<R, Vec<T>> {
    /// The handle on element `i` of this list.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().scores.at(2).path().to_string(), "scores[2]");
    /// ```
    pub fn at(&self, i: usize) -> Attr<R, T> {
        Attr::new(self.path.index(i))
    }
}

impl<R, T> Attr<R, Option<Vec<T>>> {
    /// The handle on element `i` of this list.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "routes")]
    /// struct Route {
    ///     #[dynomodel(hash_key)]
    ///     id: String,
    ///     stops: Option<Vec<String>>,
    /// }
    ///
    /// let c = Route::fields().stops.at(0).eq("Oslo".to_owned());
    /// assert_eq!(c.to_expression()?.0, "#n0[0] = :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn at(&self, i: usize) -> Attr<R, T> {
        Attr::new(self.path.index(i))
    }
}

impl<R, T, S> Attr<R, HashMap<String, T, S>> {
    /// The handle on the map entry `key`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().meta.key("color").path().to_string(), "meta.color");
    /// ```
    pub fn key(&self, key: impl Into<String>) -> Attr<R, T> {
        Attr::new(self.path.name(key))
    }
}

impl<R, T> Attr<R, BTreeMap<String, T>> {
    /// The handle on the map entry `key`.
    ///
    /// ```
    /// use dynomodel::prelude::*;
    /// use serde::{Deserialize, Serialize};
    /// use std::collections::BTreeMap;
    ///
    /// #[derive(Model, Serialize, Deserialize)]
    /// #[dynomodel(table = "stock")]
    /// struct Stock {
    ///     #[dynomodel(hash_key)]
    ///     sku: String,
    ///     by_store: BTreeMap<String, u32>,
    /// }
    ///
    /// let c = Stock::fields().by_store.key("oslo").gt(0u32);
    /// assert_eq!(c.to_expression()?.0, "#n0.#n1 > :v0");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn key(&self, key: impl Into<String>) -> Attr<R, T> {
        Attr::new(self.path.name(key))
    }
}
