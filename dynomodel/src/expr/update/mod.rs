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

use std::cmp::Ordering;

use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::error::ValidationErrors;
use crate::error::{Error, Result};
use crate::expr::condition::IntoField;
use crate::expr::guard::{Guard, Num, Test};
pub use crate::expr::operand::{Addable, ListOf, Numeric};
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

    /// Whether the action leaves the top-level attribute `name` stored, even on an item
    /// that it creates (an `ADD` starts from 0 or an empty set, an append from an empty list).
    pub(crate) fn sets_top(&self, name: &str) -> bool {
        match self {
            Action::Set(p, _)
            | Action::SetIfNotExists(p, _)
            | Action::Add(p, _)
            | Action::Append(p, _)
            | Action::Prepend(p, _) => p.elems().len() == 1 && p.top() == Some(name),
            _ => false,
        }
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

/// The actions of one update, collected by the builders of `update` and transactions.
#[doc(hidden)]
pub struct Actions<M> {
    pub(crate) actions: Vec<Action>,
    pub(crate) invalid: ValidationErrors,
    pub(crate) errors: Vec<Error>,
    /// The conditions that keep the fields' rules on the stored result.
    pub(crate) guards: Vec<Guard>,
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
            guards: self.guards.clone(),
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
            guards: Vec::new(),
            _model: PhantomData,
        }
    }
}

impl<M> Actions<M> {
    fn failed(&mut self, e: Error) {
        match e {
            Error::Validation(errors) => {
                for e in errors {
                    self.invalid.push(e.path, e.rule, e.message);
                }
            }
            other => self.errors.push(other),
        }
    }

    /// The value as the field writes it; with `check`, after its `set` transform and rules,
    /// as a save would, else after its `set` transform alone. `None` where it failed (the
    /// failure is recorded), `Some(None)` where it writes nothing (a `None` option or an
    /// empty set).
    fn value<T: Serialize, V: IntoField<T>>(
        &mut self,
        field: &Attr<M, T>,
        v: V,
        check: bool,
    ) -> Option<Option<AttributeValue>> {
        let value = v.into_field();
        let value = if check {
            field.check(value)
        } else {
            field.transform(value)
        };
        match value.and_then(|v| field.encode(v)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.failed(e);
                None
            }
        }
    }

    fn refuse_removal<T>(&mut self, field: &Attr<M, T>) {
        self.invalid.push(
            field.path().to_string(),
            "required",
            "cannot be removed: an item without it does not fit the model",
        );
    }

    fn writes_nothing<T>(&mut self, field: &Attr<M, T>, what: &str) {
        self.errors.push(Error::InvalidRequest(format!(
            "`{what}` on `{}` with a value that writes nothing (None or an empty set)",
            field.path()
        )));
    }

    pub(crate) fn set<T: Serialize, V: IntoField<T>>(&mut self, field: &Attr<M, T>, v: V) {
        match self.value(field, v, true) {
            Some(Some(av)) => {
                self.guards
                    .extend(crate::expr::guard::element_exists(field.path()));
                self.guards
                    .extend(crate::expr::guard::parent_exists(field.path()));
                self.grow_entry(field);
                self.actions.push(Action::Set(field.path().clone(), av))
            }
            // Setting a value that writes nothing removes the attribute.
            Some(None) if field.is_required() => self.refuse_removal(field),
            Some(None) => self.remove(field),
            None => {}
        }
    }

    /// A set of a map entry may add one: the map's `length(max)` must hold after it.
    fn grow_entry<T>(&mut self, field: &Attr<M, T>) {
        if let Some((map, bounds, true)) = field.container() {
            if let Some(max) = bounds.length_max {
                self.guards.push(Guard {
                    test: Test::EntryOrSizeAtMost(field.path().clone(), max.saturating_sub(1)),
                    path: map,
                    rule: "length",
                    missing_ok: max >= 1,
                    message: format!(
                        "must have at most {max} entries: a new entry `{}` needs at most {} stored",
                        field.path(),
                        max.saturating_sub(1)
                    ),
                });
            }
        }
    }

    pub(crate) fn with_value<T: Serialize, V: IntoField<T>>(
        &mut self,
        field: &Attr<M, T>,
        v: V,
        what: &str,
        make: fn(Path, AttributeValue) -> Action,
    ) {
        // `set_if_not_exists` stores its value as it is: the field's rules apply to it. The
        // elements of a `delete` are not the stored value.
        let check = what == "set_if_not_exists";
        match self.value(field, v, check) {
            Some(Some(av)) => {
                if check {
                    self.guards
                        .extend(crate::expr::guard::element_exists(field.path()));
                }
                self.guards
                    .extend(crate::expr::guard::parent_exists(field.path()));
                self.actions.push(make(field.path().clone(), av))
            }
            Some(None) => self.writes_nothing(field, what),
            None => {}
        }
    }

    /// `add` or `subtract`: the amount, and for a number the guards that keep the field's
    /// `range` rule and its integer type's range on the stored result.
    pub(crate) fn number<T: Serialize, V: IntoField<T>>(
        &mut self,
        field: &Attr<M, T>,
        v: V,
        subtract: bool,
        type_range: Option<(String, String)>,
    ) {
        let (what, make): (&str, fn(Path, AttributeValue) -> Action) = if subtract {
            ("subtract", Action::Subtract)
        } else {
            ("add", Action::Add)
        };
        let av = match self.value(field, v, false) {
            Some(Some(av)) => av,
            Some(None) => return self.writes_nothing(field, what),
            None => return,
        };
        self.guards
            .extend(crate::expr::guard::parent_exists(field.path()));
        let AttributeValue::N(text) = &av else {
            // A set: `add` of elements, which no number rule bounds; its `length(max)` must
            // hold with every element added (elements already stored count twice here, so a
            // set at its limit takes no add).
            let added = match &av {
                AttributeValue::Ss(v) | AttributeValue::Ns(v) => v.len(),
                AttributeValue::Bs(v) => v.len(),
                AttributeValue::L(v) => v.len(),
                _ => 0,
            };
            if let (false, Some(max)) = (subtract, field.bounds().length_max) {
                self.guards.push(Guard {
                    path: field.path().clone(),
                    rule: "length",
                    test: Test::SizeAtMost(max.saturating_sub(added)),
                    missing_ok: added <= max,
                    message: format!(
                        "must have at most {max} elements: adding {added} needs at most {} stored",
                        max.saturating_sub(added)
                    ),
                });
            }
            self.actions.push(make(field.path().clone(), av));
            return;
        };
        // The change to the stored value.
        let Some(delta) = Num::parse(text).and_then(|n| if subtract { n.neg() } else { Some(n) })
        else {
            return self.errors.push(Error::InvalidRequest(format!(
                "`{what}` on `{}` with {text}, which cannot be applied exactly",
                field.path()
            )));
        };
        // The type's range: the field's own, or for an element, an entry or a float, the
        // number type's.
        let mut bounds = field.bounds();
        if let (None, None, Some((lo, hi))) = (&bounds.type_min, &bounds.type_max, type_range) {
            (bounds.type_min, bounds.type_max) = (Some(lo), Some(hi));
        }
        // Only the side that the change moves toward can be crossed; of a rule's bound and
        // the type's, the tighter one guards it.
        let lower = match delta.cmp(Num::Int(0)) {
            Some(Ordering::Less) => true,
            Some(Ordering::Greater) => false,
            _ => return self.actions.push(make(field.path().clone(), av)),
        };
        let (rule_bound, type_bound) = if lower {
            (bounds.min, bounds.type_min)
        } else {
            (bounds.max, bounds.type_max)
        };
        let candidates = [(rule_bound, "range"), (type_bound, "type")];
        let tightest = candidates
            .into_iter()
            .filter_map(|(b, rule)| Some((b.as_deref().and_then(Num::parse)?, rule)))
            .reduce(|a, b| {
                let b_tighter = b.0.cmp(a.0).is_some_and(|o| {
                    if lower {
                        o == Ordering::Greater
                    } else {
                        o == Ordering::Less
                    }
                });
                if b_tighter {
                    b
                } else {
                    a
                }
            });
        if let Some((bound, rule)) = tightest {
            if let Some(limit) = delta.neg().and_then(|d| bound.add(d)) {
                let (test, words) = if lower {
                    (Test::AtLeast(limit.text()), "at least")
                } else {
                    (Test::AtMost(limit.text()), "at most")
                };
                let kind = if rule == "type" {
                    "the field's type holds"
                } else {
                    "the field's rule says"
                };
                // An `ADD` to a missing attribute starts from 0: fine where the amount
                // itself keeps the bound. A subtract from a missing attribute fails in
                // DynamoDB.
                let keeps = delta.cmp(bound).is_some_and(|o| {
                    if lower {
                        o != Ordering::Less
                    } else {
                        o != Ordering::Greater
                    }
                });
                self.guards.push(Guard {
                    path: field.path().clone(),
                    rule,
                    test,
                    missing_ok: !subtract && keeps,
                    message: format!(
                        "must stay {words} {}, as {kind}: `{what}` of {text} needs a stored value of {words} {}",
                        bound.text(),
                        limit.text()
                    ),
                });
            }
        }
        self.actions.push(make(field.path().clone(), av));
    }

    /// `append` or `prepend`: the items as the field writes them (each element after its own
    /// rules), and a guard for the field's `length(max)` on the stored list.
    pub(crate) fn list<E, L>(
        &mut self,
        field: &Attr<M, L>,
        items: Vec<E>,
        make: fn(Path, AttributeValue) -> Action,
    ) where
        L: ListOf<E> + Serialize,
    {
        let n = items.len();
        let whole = field.path().to_string();
        // The elements' own rules (nested documents) hold; the field's rules on the whole
        // list are about the stored list, kept by the guard below.
        let mut found = ValidationErrors::default();
        let items = match field.check_into(L::from_items(items), &mut found) {
            Ok(items) => items,
            Err(e) => return self.failed(e),
        };
        let mut kept = ValidationErrors::default();
        for e in found.into_iter().filter(|e| e.path != whole) {
            kept.push(e.path, e.rule, e.message);
        }
        if !kept.is_empty() {
            return self.failed(Error::Validation(kept));
        }
        self.push_list(field, items, n, make);
    }

    fn push_list<L: Serialize>(
        &mut self,
        field: &Attr<M, L>,
        items: L,
        n: usize,
        make: fn(Path, AttributeValue) -> Action,
    ) {
        let value = match field.encode(items) {
            Ok(Some(v @ AttributeValue::L(_))) => v,
            Ok(None) => AttributeValue::L(Vec::new()),
            Ok(Some(other)) => {
                return self.errors.push(Error::InvalidRequest(format!(
                    "`{}` is not stored as a list (it is {}): append and prepend work on lists",
                    field.path(),
                    crate::codec::type_name(&other)
                )))
            }
            Err(e) => return self.failed(e),
        };
        if let Some(max) = field.bounds().length_max {
            match max.checked_sub(n) {
                None => self.invalid.push(
                    field.path().to_string(),
                    "length",
                    format!("must hold at most {max} elements; {n} are to be added"),
                ),
                Some(room) => self.guards.push(Guard {
                    path: field.path().clone(),
                    rule: "length",
                    test: Test::SizeAtMost(room),
                    missing_ok: true,
                    message: format!(
                        "must hold at most {max} elements: adding {n} needs at most {room} stored"
                    ),
                }),
            }
        }
        self.actions.push(make(field.path().clone(), value));
    }

    pub(crate) fn push_set(&mut self, name: &str, value: AttributeValue) {
        self.actions.push(Action::Set(Path::root(name), value));
    }

    pub(crate) fn push_add(&mut self, name: &str, value: AttributeValue) {
        self.actions.push(Action::Add(Path::root(name), value));
    }

    pub(crate) fn remove<T>(&mut self, field: &Attr<M, T>) {
        if field.is_required() {
            return self.refuse_removal(field);
        }
        // Removing an element or an entry shrinks its container: its `length(min)` must
        // hold after it.
        if let Some((container, bounds, _)) = field.container() {
            if let Some(min) = bounds.length_min.filter(|m| *m > 0) {
                self.guards.push(Guard {
                    test: Test::SizeAtLeast(min.saturating_add(1)),
                    path: container,
                    rule: "length",
                    missing_ok: false,
                    message: format!(
                        "must keep at least {min}: removing `{}` needs at least {} stored",
                        field.path(),
                        min.saturating_add(1)
                    ),
                });
            }
        }
        self.actions.push(Action::Remove(field.path().clone()));
    }

    /// Fails with what was wrong with the values, before anything is sent.
    pub(crate) fn check(&self) -> Result<()> {
        if !self.invalid.is_empty() {
            return Err(Error::Validation(self.invalid.clone()));
        }
        if let Some(e) = self.errors.first() {
            return Err(match e {
                Error::InvalidRequest(m) => Error::InvalidRequest(m.clone()),
                other => Error::InvalidRequest(other.to_string()),
            });
        }
        // DynamoDB refuses two actions on one path, or on a path and a path inside it.
        for (i, a) in self.actions.iter().enumerate() {
            for b in self.actions.iter().skip(i.saturating_add(1)) {
                let (pa, pb) = (a.path().elems(), b.path().elems());
                // One path is the other, or lies inside it.
                if pa.iter().zip(pb).all(|(x, y)| x == y) {
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
                Action::Set(p, v) | Action::SetIfNotExists(p, v) | Action::Subtract(p, v) => {
                    let p = ph.path(p);
                    let v = ph.value(v.clone());
                    set.push(match a {
                        Action::Set(..) => format!("{p} = {v}"),
                        Action::SetIfNotExists(..) => format!("{p} = if_not_exists({p}, {v})"),
                        _ => format!("{p} = {p} - {v}"),
                    });
                }
                Action::Append(p, v) | Action::Prepend(p, v) => {
                    let p = ph.path(p);
                    let old = format!(
                        "if_not_exists({p}, {})",
                        ph.value(AttributeValue::L(vec![]))
                    );
                    let v = ph.value(v.clone());
                    set.push(match a {
                        Action::Append(..) => format!("{p} = list_append({old}, {v})"),
                        _ => format!("{p} = list_append({v}, {old})"),
                    });
                }
                Action::Add(p, v) | Action::Delete(p, v) => {
                    let text = format!("{} {}", ph.path(p), ph.value(v.clone()));
                    match a {
                        Action::Add(..) => add.push(text),
                        _ => delete.push(text),
                    }
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

mod builder;
pub use builder::UpdateActions;
