//! Expression placeholders: every attribute name travels as `#n<i>` and every value as
//! `:v<i>`, so that no user string is ever spliced into an expression.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! let r = Pet::update(Pet::key("1")).set(Pet::fields().name, "Rex").to_request()?;
//! assert_eq!(r.update.as_deref(), Some("SET #n0 = :v0 ADD #n1 :v1"));
//! assert_eq!(r.names["#n0"], "name");
//! # Ok::<(), Error>(())
//! ```
//!
//! Layer: expr, above `model`: pure expression building (paths and typed handles,
//! conditions, update actions, projections, placeholders). Operands are encoded here, by the
//! field's codec, and nowhere else. Nothing here sends a request.

use std::collections::HashMap;
use std::fmt::Write;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::model::path::{Path, PathElem};
use crate::model::Document;

mod compare;
pub mod condition;
mod operand;
pub mod path;
pub mod update;

/// The names and values of one request, shared by its expressions (an UpdateItem has an
/// update, a condition and a projection that use one set of placeholders).
///
/// ```
/// use dynomodel::expr::Placeholders;
/// use dynomodel::Path;
/// use aws_sdk_dynamodb::types::AttributeValue;
///
/// let mut p = Placeholders::default();
/// let condition = format!("{} = {}", p.path(&Path::root("status")), p.value(AttributeValue::S("open".into())));
/// assert_eq!(condition, "#n0 = :v0");
/// assert_eq!(p.names()["#n0"], "status");
/// ```
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Placeholders {
    names: HashMap<String, String>,
    by_name: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Placeholders {
    /// The placeholder of one attribute name, the same for every use of that name.
    ///
    /// ```
    /// let mut p = dynomodel::expr::Placeholders::default();
    /// assert_eq!(p.name("size"), "#n0");
    /// assert_eq!(p.name("owner"), "#n1");
    /// assert_eq!(p.name("size"), "#n0");
    /// ```
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
    ///
    /// ```
    /// use dynomodel::Path;
    /// let mut p = dynomodel::expr::Placeholders::default();
    /// assert_eq!(p.path(&Path::root("address").name("lines").index(2)), "#n0.#n1[2]");
    /// ```
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

    /// The placeholder of a new value (each call makes a new one, equal values included).
    ///
    /// ```
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let mut p = dynomodel::expr::Placeholders::default();
    /// assert_eq!(p.value(AttributeValue::N("1".into())), ":v0");
    /// assert_eq!(p.value(AttributeValue::N("1".into())), ":v1");
    /// ```
    pub fn value(&mut self, value: AttributeValue) -> String {
        let p = format!(":v{}", self.values.len());
        self.values.insert(p.clone(), value);
        p
    }

    /// `#placeholder` to attribute name, for `ExpressionAttributeNames`.
    ///
    /// ```
    /// let mut p = dynomodel::expr::Placeholders::default();
    /// p.name("name");
    /// assert_eq!(p.names().get("#n0").map(String::as_str), Some("name"));
    /// ```
    pub fn names(&self) -> &HashMap<String, String> {
        &self.names
    }

    /// `:placeholder` to value, for `ExpressionAttributeValues`.
    ///
    /// ```
    /// use aws_sdk_dynamodb::types::AttributeValue;
    /// let mut p = dynomodel::expr::Placeholders::default();
    /// p.value(AttributeValue::Bool(true));
    /// assert_eq!(p.values()[":v0"], AttributeValue::Bool(true));
    /// ```
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

/// The projection expression of `P`'s attributes, checked against `M`'s.
pub(crate) fn projection_of<M: Document, P: Document>(ph: &mut Placeholders) -> Result<String> {
    for a in P::ATTRIBUTES {
        if !M::ATTRIBUTES.contains(a) {
            return Err(Error::InvalidRequest(format!(
                "the projection names `{a}`, which is not an attribute of the model; its attributes are: {}",
                M::ATTRIBUTES.join(", ")
            )));
        }
    }
    Ok(projection(ph, P::ATTRIBUTES))
}
