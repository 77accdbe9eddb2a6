//! Typed updates: `SET`, `ADD`, `REMOVE` and `DELETE` actions on top-level and nested paths.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! let f = Pet::fields();
//! let r = Pet::update(Pet::key("1"))
//!     .set(&f.address.city, "Oslo")
//!     .add(&f.age, 1u32)
//!     .remove(f.meta.key("old"))
//!     .condition(f.address.exists())
//!     .to_request()?;
//! assert_eq!(r.update.as_deref(), Some("SET #n0.#n1 = :v0 ADD #n2 :v1, #n5 :v2 REMOVE #n3.#n4"));
//! # Ok::<(), Error>(())
//! ```
//!
//! Layer: expr.

use std::collections::{BTreeSet, HashSet};
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::error::ValidationErrors;
use crate::error::{Error, Result};
use crate::expr::condition::IntoField;
use crate::expr::path::{Attr, Path};
use crate::expr::Placeholders;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Action {
    Set(Path, AttributeValue),
    SetIfNotExists(Path, AttributeValue),
    Add(Path, AttributeValue),
    Subtract(Path, AttributeValue),
    Append(Path, AttributeValue),
    Prepend(Path, AttributeValue),
    Delete(Path, AttributeValue),
    Remove(Path),
}

impl Action {
    /// The top-level attribute that the action changes.
    pub(crate) fn top(&self) -> Option<&str> {
        self.path().top()
    }

    fn path(&self) -> &Path {
        match self {
            Action::Set(p, _)
            | Action::SetIfNotExists(p, _)
            | Action::Add(p, _)
            | Action::Subtract(p, _)
            | Action::Append(p, _)
            | Action::Prepend(p, _)
            | Action::Delete(p, _)
            | Action::Remove(p) => p,
        }
    }
}

/// A number or a set: what `add` takes. Adding to a field of another type is a compile
/// error.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let f = Pet::fields();
/// let r = Pet::update(Pet::key("1"))
///     .add(&f.age, 1u32) // a number
///     .add(&f.tags, std::collections::BTreeSet::from(["shy".to_owned()])) // a set
///     .to_request()?;
/// assert!(r.update.unwrap().starts_with("ADD #n0 :v0, #n1 :v1"));
/// # Ok::<(), Error>(())
/// ```
///
/// ```compile_fail
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let _ = Pet::update(Pet::key("1")).add(&Pet::fields().name, "x".to_owned());
/// ```
pub trait Addable {}
macro_rules! addable {
    ($($t:ty),*) => {$( impl Addable for $t {} )*};
}
addable!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);
impl<T> Addable for BTreeSet<T> {}
impl<T, S> Addable for HashSet<T, S> {}
impl<T: Addable> Addable for Option<T> {}

/// A number: what `subtract` takes.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let r = Pet::update(Pet::key("1")).subtract(&Pet::fields().age, 1u32).to_request()?;
/// assert!(r.update.unwrap().starts_with("SET #n0 = #n0 - :v0"));
/// # Ok::<(), Error>(())
/// ```
pub trait Numeric {}
macro_rules! numeric {
    ($($t:ty),*) => {$( impl Numeric for $t {} )*};
}
numeric!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);
impl<T: Numeric> Numeric for Option<T> {}

/// The actions of one update, collected by the builders of `update` and transactions.
#[doc(hidden)]
pub struct Actions<M> {
    pub(crate) actions: Vec<Action>,
    pub(crate) invalid: ValidationErrors,
    pub(crate) errors: Vec<Error>,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Actions<M> {
    fn clone(&self) -> Self {
        Actions {
            actions: self.actions.clone(),
            invalid: self.invalid.clone(),
            errors: self
                .errors
                .iter()
                .map(|e| Error::InvalidRequest(e.to_string()))
                .collect(),
            _model: PhantomData,
        }
    }
}

impl<M> Default for Actions<M> {
    fn default() -> Self {
        Actions {
            actions: Vec::new(),
            invalid: ValidationErrors::default(),
            errors: Vec::new(),
            _model: PhantomData,
        }
    }
}

impl<M> Actions<M> {
    /// Runs the field's transform and rules on the value and writes it; `None` where it
    /// writes nothing (a `None` option or an empty set).
    fn value<T: Serialize, V: IntoField<T>>(
        &mut self,
        field: &Attr<M, T>,
        v: V,
    ) -> Option<Option<AttributeValue>> {
        let mut value = v.into_field();
        if let Err(Error::Validation(errors)) = field.check(&mut value) {
            for e in errors {
                self.invalid.push(e.path, e.rule, e.message);
            }
            return None;
        }
        match field.encode(&value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    pub(crate) fn set<T: Serialize, V: IntoField<T>>(&mut self, field: &Attr<M, T>, v: V) {
        match self.value(field, v) {
            Some(Some(av)) => self.actions.push(Action::Set(field.path().clone(), av)),
            // Setting a value that writes nothing removes the attribute.
            Some(None) => self.actions.push(Action::Remove(field.path().clone())),
            None => {}
        }
    }

    pub(crate) fn with_value<T: Serialize, V: IntoField<T>>(
        &mut self,
        field: &Attr<M, T>,
        v: V,
        what: &str,
        make: fn(Path, AttributeValue) -> Action,
    ) {
        match self.value(field, v) {
            Some(Some(av)) => self.actions.push(make(field.path().clone(), av)),
            Some(None) => self.errors.push(Error::InvalidRequest(format!(
                "`{what}` on `{}` with a value that writes nothing (None or an empty set)",
                field.path()
            ))),
            None => {}
        }
    }

    pub(crate) fn list<E: Serialize>(
        &mut self,
        field: &Attr<M, Vec<E>>,
        items: Vec<E>,
        make: fn(Path, AttributeValue) -> Action,
    ) {
        let mut list = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match serde_dynamo::to_attribute_value(item) {
                Ok(v) => list.push(v),
                Err(e) => {
                    self.errors.push(Error::Encode {
                        path: format!("{}[{i}]", field.path()),
                        message: e.to_string(),
                    });
                    return;
                }
            }
        }
        self.actions
            .push(make(field.path().clone(), AttributeValue::L(list)));
    }

    pub(crate) fn push_set(&mut self, name: &str, value: AttributeValue) {
        self.actions.push(Action::Set(Path::root(name), value));
    }

    pub(crate) fn push_add(&mut self, name: &str, value: AttributeValue) {
        self.actions.push(Action::Add(Path::root(name), value));
    }

    pub(crate) fn remove<T>(&mut self, field: &Attr<M, T>) {
        self.actions.push(Action::Remove(field.path().clone()));
    }

    /// Fails with what was wrong with the values, before anything is sent.
    pub(crate) fn check(&self) -> Result<()> {
        if !self.invalid.is_empty() {
            return Err(Error::Validation(self.invalid.clone()));
        }
        if let Some(e) = self.errors.first() {
            return Err(Error::InvalidRequest(e.to_string()));
        }
        // DynamoDB refuses two actions on one path, or on a path and a path inside it.
        for (i, a) in self.actions.iter().enumerate() {
            for b in &self.actions[i + 1..] {
                let (pa, pb) = (a.path().elems(), b.path().elems());
                let n = pa.len().min(pb.len());
                if pa[..n] == pb[..n] {
                    return Err(Error::InvalidRequest(format!(
                        "two update actions on overlapping paths `{}` and `{}`",
                        a.path(),
                        b.path()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The update expression.
    pub(crate) fn render(&self, ph: &mut Placeholders) -> Option<String> {
        let (mut set, mut add, mut remove, mut delete) = (vec![], vec![], vec![], vec![]);
        for a in &self.actions {
            match a {
                Action::Set(p, v) => {
                    let p = ph.path(p);
                    set.push(format!("{p} = {}", ph.value(v.clone())));
                }
                Action::SetIfNotExists(p, v) => {
                    let p = ph.path(p);
                    set.push(format!("{p} = if_not_exists({p}, {})", ph.value(v.clone())));
                }
                Action::Subtract(p, v) => {
                    let p = ph.path(p);
                    set.push(format!("{p} = {p} - {}", ph.value(v.clone())));
                }
                Action::Append(p, v) => {
                    let p = ph.path(p);
                    let empty = ph.value(AttributeValue::L(vec![]));
                    let v = ph.value(v.clone());
                    set.push(format!(
                        "{p} = list_append(if_not_exists({p}, {empty}), {v})"
                    ));
                }
                Action::Prepend(p, v) => {
                    let p = ph.path(p);
                    let empty = ph.value(AttributeValue::L(vec![]));
                    let v = ph.value(v.clone());
                    set.push(format!(
                        "{p} = list_append({v}, if_not_exists({p}, {empty}))"
                    ));
                }
                Action::Add(p, v) => {
                    let p = ph.path(p);
                    add.push(format!("{p} {}", ph.value(v.clone())));
                }
                Action::Delete(p, v) => {
                    let p = ph.path(p);
                    delete.push(format!("{p} {}", ph.value(v.clone())));
                }
                Action::Remove(p) => remove.push(ph.path(p)),
            }
        }
        let mut parts = Vec::new();
        for (kw, list) in [
            ("SET", set),
            ("ADD", add),
            ("REMOVE", remove),
            ("DELETE", delete),
        ] {
            if !list.is_empty() {
                parts.push(format!("{kw} {}", list.join(", ")));
            }
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// The typed update actions that [`crate::ops::Update`] and transactions share. The
/// prelude imports it, so its methods are at hand on every update.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let f = Pet::fields();
/// let r = Pet::update(Pet::key("1"))
///     .set(&f.name, "Rex")
///     .append(&f.scores, vec![10u32])
///     .set(f.meta.key("color"), "brown".to_owned())
///     .remove(&f.address)
///     .to_request()?;
/// assert_eq!(
///     r.update.as_deref(),
///     Some("SET #n0 = :v0, #n1 = list_append(if_not_exists(#n1, :v1), :v2), #n2.#n3 = :v3 ADD #n5 :v4 REMOVE #n4")
/// );
/// # Ok::<(), Error>(())
/// ```
pub trait UpdateActions<M>: Sized {
    #[doc(hidden)]
    fn actions_mut(&mut self) -> &mut Actions<M>;

    /// `SET attribute = value`, after the field's `set` transform and validation. A value that
    /// writes nothing (`None`, an empty set) removes the attribute.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set(Pet::fields().name, " Rex ").to_request()?;
    /// assert_eq!(r.values[":v0"], aws_sdk_dynamodb::types::AttributeValue::S("Rex".into()), "trimmed");
    /// # Ok::<(), Error>(())
    /// ```
    fn set<T: Serialize, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        value: V,
    ) -> Self {
        self.actions_mut().set(field.as_ref(), value);
        self
    }

    /// `SET attribute = if_not_exists(attribute, value)`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).set_if_not_exists(Pet::fields().age, 1u32).to_request()?;
    /// assert!(r.update.unwrap().starts_with("SET #n0 = if_not_exists(#n0, :v0)"));
    /// # Ok::<(), Error>(())
    /// ```
    fn set_if_not_exists<T: Serialize, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        value: V,
    ) -> Self {
        self.actions_mut().with_value(
            field.as_ref(),
            value,
            "set_if_not_exists",
            Action::SetIfNotExists,
        );
        self
    }

    /// `ADD attribute value`: adds to a number (a missing number counts as 0) or adds the
    /// elements of a set.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).add(Pet::fields().age, 1u32).to_request()?;
    /// assert!(r.update.unwrap().starts_with("ADD #n0 :v0"));
    /// # Ok::<(), Error>(())
    /// ```
    fn add<T: Serialize + Addable, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        value: V,
    ) -> Self {
        self.actions_mut()
            .with_value(field.as_ref(), value, "add", Action::Add);
        self
    }

    /// `SET attribute = attribute - value`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).subtract(Pet::fields().age, 1u32).to_request()?;
    /// assert!(r.update.unwrap().starts_with("SET #n0 = #n0 - :v0"));
    /// # Ok::<(), Error>(())
    /// ```
    fn subtract<T: Serialize + Numeric, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        value: V,
    ) -> Self {
        self.actions_mut()
            .with_value(field.as_ref(), value, "subtract", Action::Subtract);
        self
    }

    /// Appends elements to a list (a missing list counts as empty).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).append(Pet::fields().scores, [7, 8]).to_request()?;
    /// assert!(r.update.unwrap().contains("list_append(if_not_exists(#n0, :v0), :v1)"));
    /// # Ok::<(), Error>(())
    /// ```
    fn append<E: Serialize>(
        mut self,
        field: impl AsRef<Attr<M, Vec<E>>>,
        items: impl IntoIterator<Item = E>,
    ) -> Self {
        let items = items.into_iter().collect();
        self.actions_mut()
            .list(field.as_ref(), items, Action::Append);
        self
    }

    /// Prepends elements to a list (a missing list counts as empty).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).prepend(Pet::fields().scores, [0]).to_request()?;
    /// assert!(r.update.unwrap().contains("list_append(:v1, if_not_exists(#n0, :v0))"));
    /// # Ok::<(), Error>(())
    /// ```
    fn prepend<E: Serialize>(
        mut self,
        field: impl AsRef<Attr<M, Vec<E>>>,
        items: impl IntoIterator<Item = E>,
    ) -> Self {
        let items = items.into_iter().collect();
        self.actions_mut()
            .list(field.as_ref(), items, Action::Prepend);
        self
    }

    /// `DELETE attribute elements`: removes elements from a set.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let shy = std::collections::BTreeSet::from(["shy".to_owned()]);
    /// let r = Pet::update(Pet::key("1")).delete(Pet::fields().tags, shy).to_request()?;
    /// assert!(r.update.unwrap().contains("DELETE #n0 :v0"));
    /// # Ok::<(), Error>(())
    /// ```
    fn delete<T: Serialize + Addable, V: IntoField<T>>(
        mut self,
        field: impl AsRef<Attr<M, T>>,
        elements: V,
    ) -> Self {
        self.actions_mut()
            .with_value(field.as_ref(), elements, "delete", Action::Delete);
        self
    }

    /// `REMOVE attribute`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::update(Pet::key("1")).remove(Pet::fields().address).to_request()?;
    /// assert!(r.update.unwrap().contains("REMOVE #n0"));
    /// # Ok::<(), Error>(())
    /// ```
    fn remove<T>(mut self, field: impl AsRef<Attr<M, T>>) -> Self {
        self.actions_mut().remove(field.as_ref());
        self
    }
}
