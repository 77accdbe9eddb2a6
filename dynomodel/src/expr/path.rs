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
use std::sync::{Arc, OnceLock};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result, ValidationErrors};
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
    codec: Option<Codec<T>>,
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
    /// Runs the field's `set` transform (and its nested documents' transforms) alone.
    pub transform: fn(&mut T),
    /// Whether an item without the attribute fails to decode (no `Option`, no default, not
    /// a list, map or set).
    pub required: bool,
    /// The bounds that the stored value must keep.
    pub bounds: fn() -> Bounds,
}

/// The bounds of a field that an update must keep on the stored value: the `range` rule
/// (as DynamoDB number text), an integer type's own range, and the `length` rule.
#[doc(hidden)]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bounds {
    /// `range(min = ..)`.
    pub min: Option<String>,
    /// `range(max = ..)`.
    pub max: Option<String>,
    /// The smallest value of the integer type.
    pub type_min: Option<String>,
    /// The largest value of the integer type.
    pub type_max: Option<String>,
    /// `length(min = ..)`.
    pub length_min: Option<usize>,
    /// `length(max = ..)`.
    pub length_max: Option<usize>,
}

impl<T> Clone for FieldCodec<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for FieldCodec<T> {}

/// The codec of a handle: a field's own, or that of an element of a container field (a list
/// element, a map entry), which goes through the container's codec.
enum Codec<T> {
    Field(FieldCodec<T>),
    Element(Arc<dyn ElementCodec<T>>),
}

impl<T> Clone for Codec<T> {
    fn clone(&self) -> Self {
        match self {
            Codec::Field(c) => Codec::Field(*c),
            Codec::Element(c) => Codec::Element(Arc::clone(c)),
        }
    }
}

/// The codec of an element, by value.
trait ElementCodec<E>: Send + Sync {
    fn encode(&self, value: E) -> Result<Option<AttributeValue>>;
    fn transform(&self, value: E) -> Result<E>;
    fn check(&self, value: E, errors: &mut ValidationErrors) -> Result<E>;
    /// The container's path and bounds (its `length` rule), and whether the element is a
    /// map entry (else a list element).
    fn container(&self) -> (Path, Bounds, bool);
}

/// Where an element sits in its container.
#[derive(Clone)]
enum Slot {
    Index,
    Key(String),
}

/// A container of elements `E`: a list, an optional list, or a map.
trait Container<E>: Sized + Send + Sync + 'static {
    /// A container of one element.
    fn wrap(e: E, slot: &Slot) -> Self;
    /// That one element back.
    fn unwrap(self, slot: &Slot) -> Option<E>;
}

impl<E: Send + Sync + 'static> Container<E> for Vec<E> {
    fn wrap(e: E, _: &Slot) -> Self {
        vec![e]
    }
    fn unwrap(self, _: &Slot) -> Option<E> {
        self.into_iter().next()
    }
}

impl<E: Send + Sync + 'static> Container<E> for Option<Vec<E>> {
    fn wrap(e: E, _: &Slot) -> Self {
        Some(vec![e])
    }
    fn unwrap(self, _: &Slot) -> Option<E> {
        self?.into_iter().next()
    }
}

impl<E, S> Container<E> for HashMap<String, E, S>
where
    E: Send + Sync + 'static,
    S: std::hash::BuildHasher + Default + Send + Sync + 'static,
{
    fn wrap(e: E, slot: &Slot) -> Self {
        let mut map = HashMap::with_hasher(S::default());
        map.insert(slot_key(slot), e);
        map
    }
    fn unwrap(mut self, slot: &Slot) -> Option<E> {
        self.remove(&slot_key(slot))
    }
}

impl<E: Send + Sync + 'static> Container<E> for BTreeMap<String, E> {
    fn wrap(e: E, slot: &Slot) -> Self {
        BTreeMap::from([(slot_key(slot), e)])
    }
    fn unwrap(mut self, slot: &Slot) -> Option<E> {
        self.remove(&slot_key(slot))
    }
}

fn slot_key(slot: &Slot) -> String {
    match slot {
        Slot::Key(k) => k.clone(),
        Slot::Index => String::new(),
    }
}

/// The one element of a container's attribute value: a list or map of one, or a set of one.
pub(crate) fn single(value: AttributeValue) -> Option<AttributeValue> {
    match value {
        AttributeValue::L(l) if l.len() == 1 => l.into_iter().next(),
        AttributeValue::M(m) if m.len() == 1 => m.into_values().next(),
        AttributeValue::Ss(s) if s.len() == 1 => s.into_iter().next().map(AttributeValue::S),
        AttributeValue::Ns(s) if s.len() == 1 => s.into_iter().next().map(AttributeValue::N),
        AttributeValue::Bs(s) if s.len() == 1 => s.into_iter().next().map(AttributeValue::B),
        _ => None,
    }
}

/// An element of container `C` at `path`, written and checked through the container's codec
/// on a container of one.
struct InContainer<C> {
    parent: Codec<C>,
    parent_path: Path,
    path: Path,
    slot: Slot,
}

impl<C> InContainer<C> {
    fn lost(&self) -> Error {
        Error::InvalidRequest(format!(
            "the `set` transform of `{}` left no element at `{}`",
            self.parent_path, self.path
        ))
    }
}

impl<C: Container<E>, E> ElementCodec<E> for InContainer<C> {
    fn encode(&self, value: E) -> Result<Option<AttributeValue>> {
        let path = &self.parent_path;
        match encode_with(&self.parent, C::wrap(value, &self.slot), path)? {
            None => Ok(None),
            Some(AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_))
                if matches!(self.slot, Slot::Index) =>
            {
                Err(Error::InvalidRequest(format!(
                    "`{path}` is stored as a set, whose elements have no position"
                )))
            }
            Some(v) => single(v).map(Some).ok_or_else(|| Error::Encode {
                path: self.path.to_string(),
                message: "the container of one element was not written as one element".into(),
            }),
        }
    }

    fn container(&self) -> (Path, Bounds, bool) {
        let bounds = match &self.parent {
            Codec::Field(c) => (c.bounds)(),
            Codec::Element(_) => Bounds::default(),
        };
        let entry = matches!(self.slot, Slot::Key(_));
        (self.parent_path.clone(), bounds, entry)
    }

    fn transform(&self, value: E) -> Result<E> {
        let c = transform_with(&self.parent, C::wrap(value, &self.slot))?;
        c.unwrap(&self.slot).ok_or_else(|| self.lost())
    }

    fn check(&self, value: E, errors: &mut ValidationErrors) -> Result<E> {
        let mut found = ValidationErrors::default();
        let c = check_with(
            &self.parent,
            C::wrap(value, &self.slot),
            &self.parent_path,
            &mut found,
        )?;
        // Rules on the container itself (its length, say) are about the whole stored value,
        // not this one element: only the element's own failures count.
        let prefix = match &self.slot {
            Slot::Index => format!("{}[0]", self.parent_path),
            Slot::Key(k) => format!("{}.{k}", self.parent_path),
        };
        for e in found {
            if let Some(rest) = e.path.strip_prefix(&prefix) {
                errors.push(format!("{}{rest}", self.path), e.rule, e.message);
            }
        }
        c.unwrap(&self.slot).ok_or_else(|| self.lost())
    }
}

fn encode_with<T>(codec: &Codec<T>, value: T, path: &Path) -> Result<Option<AttributeValue>> {
    match codec {
        Codec::Field(c) => (c.encode)(&value).map_err(|e| crate::codec::at(e, &path.to_string())),
        Codec::Element(c) => c.encode(value),
    }
}

fn transform_with<T>(codec: &Codec<T>, mut value: T) -> Result<T> {
    match codec {
        Codec::Field(c) => {
            (c.transform)(&mut value);
            Ok(value)
        }
        Codec::Element(c) => c.transform(value),
    }
}

fn check_with<T>(
    codec: &Codec<T>,
    mut value: T,
    path: &Path,
    errors: &mut ValidationErrors,
) -> Result<T> {
    match codec {
        Codec::Field(c) => {
            (c.check)(&mut value, &path.parent().to_string(), errors);
            Ok(value)
        }
        Codec::Element(c) => c.check(value, errors),
    }
}

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
            codec: Some(Codec::Field(codec)),
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

    /// Whether removing the attribute would leave an item that the model cannot read.
    pub(crate) fn is_required(&self) -> bool {
        matches!(&self.codec, Some(Codec::Field(c)) if c.required)
    }

    /// For an element or a map entry: its container's path and bounds, and whether it is an
    /// entry (else a list element).
    pub(crate) fn container(&self) -> Option<(Path, Bounds, bool)> {
        match &self.codec {
            Some(Codec::Element(c)) => Some(c.container()),
            _ => None,
        }
    }

    /// The bounds that the stored value must keep.
    pub(crate) fn bounds(&self) -> Bounds {
        match &self.codec {
            Some(Codec::Field(c)) => (c.bounds)(),
            _ => Bounds::default(),
        }
    }

    /// Runs the field's `set` transform and rules on `value`, as a save would: the value as
    /// it will be written, or `Validation` with every failure.
    pub(crate) fn check(&self, value: T) -> Result<T> {
        let mut errors = ValidationErrors::default();
        let value = self.check_into(value, &mut errors)?;
        errors.into_result()?;
        Ok(value)
    }

    /// Runs the field's `set` transform and rules on `value`, recording the failures.
    pub(crate) fn check_into(&self, value: T, errors: &mut ValidationErrors) -> Result<T> {
        match &self.codec {
            Some(codec) => check_with(codec, value, &self.path, errors),
            None => Ok(value),
        }
    }

    /// Runs the field's `set` transform alone, as for a condition's operand.
    pub(crate) fn transform(&self, value: T) -> Result<T> {
        match &self.codec {
            Some(codec) => transform_with(codec, value),
            None => Ok(value),
        }
    }

    /// Writes `value` as the field writes it.
    pub(crate) fn encode(&self, value: T) -> Result<Option<AttributeValue>>
    where
        T: serde::Serialize,
    {
        match &self.codec {
            Some(codec) => encode_with(codec, value, &self.path),
            None => serde_dynamo::to_attribute_value(&value)
                .map(Some)
                .map_err(|e| Error::Encode {
                    path: self.path.to_string(),
                    message: e.to_string(),
                }),
        }
    }

    /// The handle on an element of this container, with the container's codec.
    fn element<E>(&self, path: Path, slot: Slot) -> Attr<R, E>
    where
        T: Container<E>,
    {
        Attr {
            codec: self.codec.clone().map(|parent| {
                Codec::Element(Arc::new(InContainer {
                    parent,
                    parent_path: self.path.clone(),
                    path: path.clone(),
                    slot,
                }) as Arc<dyn ElementCodec<E>>)
            }),
            path,
            nested: OnceLock::new(),
            _types: PhantomData,
        }
    }

    fn nested<D: Document>(&self) -> &D::Fields<R>
    where
        R: 'static,
    {
        let fields = self
            .nested
            .get_or_init(|| Box::new(D::fields_at::<R>(self.path.clone())));
        match fields.downcast_ref() {
            Some(f) => f,
            // The box was made just above from the same `D`.
            None => unreachable_fields(),
        }
    }
}

/// The nested handles of one attribute have one type, made and read by `nested`.
#[allow(clippy::panic)]
fn unreachable_fields<F>() -> F {
    panic!("the nested handles of one attribute have one type")
}

impl<R, T> Clone for Attr<R, T> {
    fn clone(&self) -> Self {
        Attr {
            path: self.path.clone(),
            codec: self.codec.clone(),
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

impl<R, T: Send + Sync + 'static> Attr<R, Vec<T>> {
    /// The handle on element `i` of this list.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().scores.at(2).path().to_string(), "scores[2]");
    /// ```
    pub fn at(&self, i: usize) -> Attr<R, T> {
        self.element(self.path.index(i), Slot::Index)
    }
}

impl<R, T: Send + Sync + 'static> Attr<R, Option<Vec<T>>> {
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
        self.element(self.path.index(i), Slot::Index)
    }
}

impl<R, T, S> Attr<R, HashMap<String, T, S>>
where
    T: Send + Sync + 'static,
    S: std::hash::BuildHasher + Default + Send + Sync + 'static,
{
    /// The handle on the map entry `key`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().meta.key("color").path().to_string(), "meta.color");
    /// ```
    pub fn key(&self, key: impl Into<String>) -> Attr<R, T> {
        let key = key.into();
        self.element(self.path.name(key.clone()), Slot::Key(key))
    }
}

impl<R, T: Send + Sync + 'static> Attr<R, BTreeMap<String, T>> {
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
        let key = key.into();
        self.element(self.path.name(key.clone()), Slot::Key(key))
    }
}
