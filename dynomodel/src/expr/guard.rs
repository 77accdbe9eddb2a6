//! Guards: the conditions that an update adds so that a rule holds for the value as stored
//! after the update, where only DynamoDB knows the stored value (`stock >= :n` for a
//! subtract under `range(min = 0)`, a `size()` bound for an append under `length(max)`).
//! When the update's condition fails, the item that DynamoDB returns tells which guard
//! failed, and the error names the attribute path and the rule.
//!
//! Layer: expr.

use std::cmp::Ordering;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::ValidationErrors;
use crate::expr::Placeholders;
use crate::model::path::{Path, PathElem};

/// What the stored value must be for the update to keep its rule.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Test {
    /// A number at least this (DynamoDB number text).
    AtLeast(String),
    /// A number at most this.
    AtMost(String),
    /// A list, map, set or string of at most this size.
    SizeAtMost(usize),
    /// Any value: the element that a `set` of a list element replaces (past the end of a
    /// list, DynamoDB would append it instead, at another index).
    Exists,
    /// A list, map, set or string of at least this size.
    SizeAtLeast(usize),
    /// The map entry at this path exists (it is replaced), or the map has at most this many
    /// entries (one is added).
    EntryOrSizeAtMost(Path, usize),
}

/// One guard of an update.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Guard {
    pub(crate) path: Path,
    pub(crate) rule: &'static str,
    pub(crate) test: Test,
    /// Whether an item without the attribute passes (an `ADD` starts from 0, an append
    /// from an empty list).
    pub(crate) missing_ok: bool,
    /// What the rule says, for the error: "must be at least 0".
    pub(crate) message: String,
}

impl Guard {
    /// The guard as a condition expression.
    pub(crate) fn render(&self, ph: &mut Placeholders) -> String {
        let p = ph.path(&self.path);
        let test = match &self.test {
            Test::AtLeast(n) => format!("{p} >= {}", ph.value(AttributeValue::N(n.clone()))),
            Test::AtMost(n) => format!("{p} <= {}", ph.value(AttributeValue::N(n.clone()))),
            Test::SizeAtMost(n) => {
                format!(
                    "size({p}) <= {}",
                    ph.value(AttributeValue::N(n.to_string()))
                )
            }
            Test::Exists => format!("attribute_exists({p})"),
            Test::SizeAtLeast(n) => {
                format!(
                    "size({p}) >= {}",
                    ph.value(AttributeValue::N(n.to_string()))
                )
            }
            Test::EntryOrSizeAtMost(entry, n) => {
                let entry = ph.path(entry);
                let n = ph.value(AttributeValue::N(n.to_string()));
                format!("(attribute_exists({entry}) OR size({p}) <= {n})")
            }
        };
        if self.missing_ok {
            format!("(attribute_not_exists({p}) OR {test})")
        } else {
            test
        }
    }

    /// Whether `item`, as stored before the update, passes the guard.
    pub(crate) fn passes(&self, item: &Item) -> bool {
        let Some(value) = lookup(item, &self.path) else {
            return self.missing_ok;
        };
        match (&self.test, value) {
            (Test::AtLeast(bound), AttributeValue::N(n)) => {
                compare(n, bound).is_some_and(|o| o != Ordering::Less)
            }
            (Test::AtMost(bound), AttributeValue::N(n)) => {
                compare(n, bound).is_some_and(|o| o != Ordering::Greater)
            }
            (Test::SizeAtMost(bound), v) => size(v).is_some_and(|s| s <= *bound),
            (Test::Exists, _) => true,
            (Test::SizeAtLeast(bound), v) => size(v).is_some_and(|s| s >= *bound),
            (Test::EntryOrSizeAtMost(entry, bound), v) => {
                lookup(item, entry).is_some() || size(v).is_some_and(|s| s <= *bound)
            }
            _ => false,
        }
    }
}

/// The guards that `item` fails, as validation errors.
pub(crate) fn failures(guards: &[Guard], item: &Item) -> Option<ValidationErrors> {
    let mut errors = ValidationErrors::default();
    for g in guards.iter().filter(|g| !g.passes(item)) {
        errors.push(g.path.to_string(), g.rule, g.message.clone());
    }
    (!errors.is_empty()).then_some(errors)
}

/// The guard of a `set` of a list element: the element must exist, so that the set
/// replaces it rather than appends past the end of the list.
pub(crate) fn element_exists(path: &Path) -> Option<Guard> {
    matches!(path.elems().last(), Some(PathElem::Index(_))).then(|| Guard {
        path: path.clone(),
        rule: "index",
        test: Test::Exists,
        missing_ok: false,
        message: "is past the end of the list: a set replaces an element and does not append one (append adds to the list)".into(),
    })
}

/// The map or document that holds the entry or field at `path`, where it is one: DynamoDB
/// cannot set a path below an attribute that is not stored (an empty map writes nothing).
pub(crate) fn parent_exists(path: &Path) -> Option<Guard> {
    let nested = path.elems().len() > 1 && matches!(path.elems().last(), Some(PathElem::Name(_)));
    nested.then(|| {
        let parent = path.parent();
        Guard {
            message: format!(
                "is not stored (an empty map or a missing document writes nothing): `{path}` cannot be set below it; set `{parent}` whole"
            ),
            path: parent,
            rule: "parent",
            test: Test::Exists,
            missing_ok: false,
        }
    })
}

/// The value at `path` in `item`.
pub(crate) fn lookup<'a>(item: &'a Item, path: &Path) -> Option<&'a AttributeValue> {
    let mut elems = path.elems().iter();
    let mut value = match elems.next()? {
        PathElem::Name(n) => item.get(n)?,
        PathElem::Index(_) => return None,
    };
    for e in elems {
        value = match (e, value) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// DynamoDB's `size()` of a value.
fn size(value: &AttributeValue) -> Option<usize> {
    Some(match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        _ => return None,
    })
}

/// A number in DynamoDB's text: exact as an integer where it is one, else a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(crate) fn parse(text: &str) -> Option<Num> {
        match text.parse::<i128>() {
            Ok(i) => Some(Num::Int(i)),
            Err(_) => text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(Num::Float),
        }
    }

    fn float(self) -> f64 {
        match self {
            // Precision is lost only beyond 2^53, where a float is the best there is.
            #[allow(clippy::cast_precision_loss)]
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    /// `self + other`, exactly for integers.
    pub(crate) fn add(self, other: Num) -> Option<Num> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a.checked_add(b).map(Num::Int),
            (a, b) => Some(Num::Float(a.float() + b.float())).filter(|n| n.float().is_finite()),
        }
    }

    /// `-self`.
    pub(crate) fn neg(self) -> Option<Num> {
        match self {
            Num::Int(a) => a.checked_neg().map(Num::Int),
            Num::Float(f) => Some(Num::Float(-f)),
        }
    }

    pub(crate) fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.float().partial_cmp(&b.float()),
        }
    }

    pub(crate) fn text(self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => f.to_string(),
        }
    }
}

fn compare(a: &str, b: &str) -> Option<Ordering> {
    Num::parse(a)?.cmp(Num::parse(b)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_exactly_as_integers_and_as_floats_otherwise() {
        assert_eq!(compare("10", "9"), Some(Ordering::Greater));
        assert_eq!(
            compare(
                "170141183460469231731687303715884105727",
                "170141183460469231731687303715884105726"
            ),
            Some(Ordering::Greater)
        );
        assert_eq!(compare("1.5", "2"), Some(Ordering::Less));
        assert_eq!(Num::Int(i128::MAX).add(Num::Int(1)), None);
        assert_eq!(Num::parse("-3").and_then(Num::neg), Some(Num::Int(3)));
    }
}
