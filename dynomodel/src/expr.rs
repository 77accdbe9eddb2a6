//! Expression placeholders: every attribute name travels as `#n<i>` and every value as
//! `:v<i>`, so that no user string is ever spliced into an expression.

use std::collections::HashMap;
use std::fmt::Write;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::path::{Path, PathElem};

/// The names and values of one request, shared by its expressions (an UpdateItem has an
/// update, a condition and a projection that use one set of placeholders).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Placeholders {
    names: HashMap<String, String>,
    by_name: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Placeholders {
    /// The placeholder of one attribute name, the same for every use of that name.
    pub fn name(&mut self, name: &str) -> String {
        if let Some(p) = self.by_name.get(name) {
            return p.clone();
        }
        let p = format!("#n{}", self.by_name.len());
        self.by_name.insert(name.to_owned(), p.clone());
        self.names.insert(p.clone(), name.to_owned());
        p
    }

    /// A path such as `#n0.#n1[2]`.
    pub fn path(&mut self, path: &Path) -> String {
        let mut out = String::new();
        for (i, elem) in path.elems().iter().enumerate() {
            match elem {
                PathElem::Name(n) => {
                    if i > 0 {
                        out.push('.');
                    }
                    let p = self.name(n);
                    out.push_str(&p);
                }
                PathElem::Index(j) => {
                    let _ = write!(out, "[{j}]");
                }
            }
        }
        out
    }

    /// The placeholder of a new value.
    pub fn value(&mut self, value: AttributeValue) -> String {
        let p = format!(":v{}", self.values.len());
        self.values.insert(p.clone(), value);
        p
    }

    /// `#placeholder` to attribute name.
    pub fn names(&self) -> &HashMap<String, String> {
        &self.names
    }

    /// `:placeholder` to value.
    pub fn values(&self) -> &HashMap<String, AttributeValue> {
        &self.values
    }

    /// Adds the names and values of a raw expression, renaming none: raw placeholders must
    /// not collide with `#n<i>` and `:v<i>`, which [`crate::Condition::raw`] checks.
    pub(crate) fn merge_raw(
        &mut self,
        names: &HashMap<String, String>,
        values: &HashMap<String, AttributeValue>,
    ) {
        for (k, v) in names {
            self.names.insert(k.clone(), v.clone());
        }
        for (k, v) in values {
            self.values.insert(k.clone(), v.clone());
        }
    }
}

/// A projection expression for `attributes`.
pub(crate) fn projection(ph: &mut Placeholders, attributes: &[&str]) -> String {
    attributes
        .iter()
        .map(|a| ph.name(a))
        .collect::<Vec<_>>()
        .join(", ")
}
