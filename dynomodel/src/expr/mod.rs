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
pub(crate) mod guard;
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
    /// The placeholder of the time of sending, where the expression has one.
    now: Option<String>,
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

    /// The placeholder of the time (epoch seconds) at which the request is sent, the same for
    /// every use: its value is the time now, and is set again each time the request is sent
    /// (`Request::values_or_none`), so that a request built before it is sent, or sent again,
    /// decides by the time of sending what is past its TTL.
    pub(crate) fn now(&mut self) -> String {
        if let Some(p) = &self.now {
            return p.clone();
        }
        let p = self.value(now_value());
        self.now = Some(p.clone());
        p
    }

    /// The placeholder of the time of sending, where [`Placeholders::now`] made one.
    pub(crate) fn now_placeholder(&self) -> Option<&String> {
        self.now.as_ref()
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

    /// Adds a raw expression with its own placeholders, each renamed to a placeholder of
    /// this request, so that two raw parts that both use `#a` or `:x` cannot overwrite each
    /// other. A placeholder without a name or value is `InvalidRequest`.
    pub(crate) fn raw(
        &mut self,
        expression: &str,
        names: &HashMap<String, String>,
        values: &HashMap<String, AttributeValue>,
    ) -> Result<String> {
        let mut out = String::with_capacity(expression.len());
        let mut renamed: HashMap<&str, String> = HashMap::new();
        let mut rest = expression;
        while let Some(start) = rest.find(['#', ':']) {
            let (before, from) = rest.split_at(start);
            out.push_str(before);
            let len = from
                .char_indices()
                .skip(1)
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
                .map_or(from.len(), |(i, _)| i);
            let (token, after) = from.split_at(len);
            rest = after;
            if token.len() < 2 {
                out.push_str(token);
                continue;
            }
            if let Some(new) = renamed.get(token) {
                out.push_str(new);
                continue;
            }
            let new = if token.starts_with('#') {
                let name = names.get(token).ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "the raw condition {expression:?} uses `{token}`, which its names do not give"
                    ))
                })?;
                self.name(name)
            } else {
                let value = values.get(token).ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "the raw condition {expression:?} uses `{token}`, which its values do not give"
                    ))
                })?;
                self.value(value.clone())
            };
            out.push_str(&new);
            renamed.insert(token, new);
        }
        out.push_str(rest);
        Ok(out)
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

/// `left AND right`, two rendered conditions: `left` in parentheses, unless it is one group
/// in parentheses already (DynamoDB refuses parentheses around a group that has its own:
/// "redundant parentheses").
pub(crate) fn and(left: &str, right: &str) -> String {
    match grouped(left) {
        true => format!("{left} AND {right}"),
        false => format!("({left}) AND {right}"),
    }
}

/// Whether `c` is one group in parentheses, `(...)`, whose opening one closes at its end.
fn grouped(c: &str) -> bool {
    if !c.starts_with('(') {
        return false;
    }
    let mut depth = 0usize;
    for (i, ch) in c.char_indices() {
        match ch {
            '(' => depth = depth.saturating_add(1),
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i.saturating_add(1) == c.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// The time now in epoch seconds, as a number value: what TTL attributes are compared with.
pub(crate) fn now_value() -> AttributeValue {
    let now = crate::model::managed::epoch_secs(std::time::SystemTime::now());
    AttributeValue::N(now.to_string())
}

#[cfg(test)]
mod tests {
    use super::and;

    #[test]
    fn and_groups_its_left_side_once() {
        assert_eq!(and("(a OR b)", "c"), "(a OR b) AND c");
        assert_eq!(and("a OR b", "c"), "(a OR b) AND c");
        assert_eq!(and("(a) OR (b)", "c"), "((a) OR (b)) AND c");
    }
}
