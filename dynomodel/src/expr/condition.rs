//! Typed conditions: condition expressions, key conditions and filters.
//!
//! Built from typed attribute handles, so that an operand of the wrong type does not compile:
//!
//! ```
//! use dynomodel::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Model, Serialize, Deserialize)]
//! #[dynomodel(table = "pets")]
//! struct Pet {
//!     #[dynomodel(hash_key)]
//!     id: String,
//!     age: u32,
//!     #[dynomodel(string_set)]
//!     tags: std::collections::BTreeSet<String>,
//! }
//!
//! let f = Pet::fields();
//! let c = f.age.gt(2) & !f.tags.contains("shy") | f.id.begins_with("x");
//! let (expression, names, values) = c.to_expression().unwrap();
//! assert_eq!(expression, "((#n0 > :v0 AND (NOT contains(#n1, :v1))) OR begins_with(#n2, :v2))");
//! assert_eq!(names["#n1"], "tags");
//! ```
//!
//! `Pet::fields().age.gt("x")` is a compile error.
//!
//! Layer: expr.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expr::Placeholders;

pub use super::operand::{ElementOf, IntoField};
use crate::expr::path::Path;

/// DynamoDB's attribute types, for `attribute_type`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::condition::AttrType;
/// let c = Pet::fields().meta.attribute_type(AttrType::M);
/// let (_, _, values) = c.to_expression()?;
/// assert_eq!(values[":v0"], aws_sdk_dynamodb::types::AttributeValue::S("M".into()));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
    /// Boolean.
    Bool,
    /// Null.
    Null,
    /// List.
    L,
    /// Map.
    M,
    /// String set.
    Ss,
    /// Number set.
    Ns,
    /// Binary set.
    Bs,
}

impl AttrType {
    fn code(self) -> &'static str {
        match self {
            AttrType::S => "S",
            AttrType::N => "N",
            AttrType::B => "B",
            AttrType::Bool => "BOOL",
            AttrType::Null => "NULL",
            AttrType::L => "L",
            AttrType::M => "M",
            AttrType::Ss => "SS",
            AttrType::Ns => "NS",
            AttrType::Bs => "BS",
        }
    }
}

/// A comparison operator, for comparing two attributes with `cmp_attr`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::condition::Cmp;
/// let f = Pet::fields();
/// assert_eq!(f.name.cmp_attr(Cmp::Ge, &f.owner).to_expression()?.0, "#n0 >= #n1");
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Cmp {
    fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "=",
            Cmp::Ne => "<>",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// The left side of a comparison: an attribute or its `size()`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Subject {
    Path(Path),
    Size(Path),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Cmp(Subject, Cmp, AttributeValue),
    CmpPaths(Path, Cmp, Path),
    Between(Subject, AttributeValue, AttributeValue),
    In(Path, Vec<AttributeValue>),
    BeginsWith(Path, AttributeValue),
    Contains(Path, AttributeValue),
    Exists(Path),
    NotExists(Path),
    Type(Path, AttrType),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Raw {
        expression: String,
        names: HashMap<String, String>,
        values: HashMap<String, AttributeValue>,
    },
    /// A condition that could not be built (an operand that cannot be written); reported
    /// when the request is built, before anything is sent.
    Invalid(String),
}

/// An expression with its `#name` and `:value` placeholders.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::condition::Expression;
/// let (text, names, values): Expression = Pet::fields().age.eq(3u32).to_expression()?;
/// assert_eq!(text, "#n0 = :v0");
/// assert_eq!(names["#n0"], "age");
/// assert_eq!(values[":v0"], aws_sdk_dynamodb::types::AttributeValue::N("3".into()));
/// # Ok::<(), Error>(())
/// ```
pub type Expression = (
    String,
    HashMap<String, String>,
    HashMap<String, AttributeValue>,
);

/// A condition on items of model `M`: built from the typed handles of `M::fields()`,
/// combined with `&`, `|` and `!` (or [`and`](Self::and), [`or`](Self::or),
/// [`not`](Self::not)), and used by `create`/`update`/`delete` conditions, query key
/// conditions and filters, and transaction condition checks.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let f = Pet::fields();
/// let c: Condition<Pet> = (f.age.ge(1u32) & f.age.le(10u32)) | !f.address.exists();
/// assert_eq!(
///     c.to_expression()?.0,
///     "((#n0 >= :v0 AND #n0 <= :v1) OR (NOT attribute_exists(#n1)))"
/// );
/// # Ok::<(), Error>(())
/// ```
pub struct Condition<M> {
    pub(crate) node: Node,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Condition<M> {
    fn clone(&self) -> Self {
        Condition::from_node(self.node.clone())
    }
}

impl<M> fmt::Debug for Condition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

impl<M> PartialEq for Condition<M> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

pub(crate) fn from_result(r: Result<Node>) -> Node {
    r.unwrap_or_else(|e| Node::Invalid(e.to_string()))
}

impl<M> Condition<M> {
    pub(crate) fn from_node(node: Node) -> Self {
        Condition {
            node,
            _model: PhantomData,
        }
    }

    /// Both conditions hold.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f = Pet::fields();
    /// assert_eq!(f.age.gt(1u32).and(f.age.lt(9u32)).to_expression()?.0, "(#n0 > :v0 AND #n0 < :v1)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn and(self, other: Condition<M>) -> Self {
        self.and_node(other)
    }

    /// `condition`, AND the one already in `slot` where there is one: how the builders take a
    /// second `condition(..)` or `filter(..)`.
    pub(crate) fn add_to(slot: &mut Option<Condition<M>>, condition: Condition<M>) {
        *slot = Some(match slot.take() {
            Some(c) => c.and_node(condition),
            None => condition,
        });
    }

    fn and_node(self, other: Condition<M>) -> Self {
        self.join(other, true)
    }

    /// Both (`and`) or either condition, flattened: `a AND b AND c`, not `(a AND b) AND c`.
    fn join(self, other: Condition<M>, and: bool) -> Self {
        let group = |n: &Node| matches!((n, and), (Node::And(_), true) | (Node::Or(_), false));
        let wrap = if and { Node::And } else { Node::Or };
        let parts = |n: Node| match n {
            Node::And(v) | Node::Or(v) => v,
            n => vec![n],
        };
        let node = match (self.node, other.node) {
            (a, b) if group(&a) && group(&b) => wrap([parts(a), parts(b)].concat()),
            (a, b) if group(&a) => wrap([parts(a), vec![b]].concat()),
            (a, b) => wrap(vec![a, b]),
        };
        Condition::from_node(node)
    }

    /// Either condition holds.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let f = Pet::fields();
    /// assert_eq!(f.age.lt(1u32).or(f.age.gt(9u32)).to_expression()?.0, "(#n0 < :v0 OR #n0 > :v1)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn or(self, other: Condition<M>) -> Self {
        self.join(other, false)
    }

    /// The condition does not hold.
    #[allow(clippy::should_implement_trait)]
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// assert_eq!(Pet::fields().age.eq(1u32).not().to_expression()?.0, "(NOT #n0 = :v0)");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn not(self) -> Self {
        Condition::from_node(Node::Not(Box::new(self.node)))
    }

    /// The escape hatch: an expression with its own `#name` and `:value` placeholders. When
    /// the request is built, each is renamed to a placeholder of the request, so that raw
    /// parts that use the same placeholders cannot clobber each other.
    ///
    /// ```
    /// use dynomodel::condition::Condition;
    /// use aws_sdk_dynamodb::types::AttributeValue;
    ///
    /// let c: Condition<()> = Condition::raw(
    ///     "#st IN (:a, :b)",
    ///     [("#st", "status")],
    ///     [(":a", AttributeValue::S("new".into())), (":b", AttributeValue::S("open".into()))],
    /// );
    /// assert_eq!(c.to_expression().unwrap().0, "(#n0 IN (:v0, :v1))");
    /// ```
    pub fn raw<N, K, V>(
        expression: impl Into<String>,
        names: N,
        values: impl IntoIterator<Item = (V, AttributeValue)>,
    ) -> Self
    where
        N: IntoIterator<Item = (K, K)>,
        K: Into<String>,
        V: Into<String>,
    {
        let names: HashMap<String, String> = names
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let values: HashMap<String, AttributeValue> =
            values.into_iter().map(|(k, v)| (k.into(), v)).collect();
        Condition::from_node(Node::Raw {
            expression: expression.into(),
            names,
            values,
        })
    }

    /// The expression with its names and values, as it would be sent.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let (expression, names, values) = Pet::fields().age.gt(2u32).to_expression()?;
    /// assert_eq!(expression, "#n0 > :v0");
    /// assert_eq!(names["#n0"], "age");
    /// assert_eq!(values[":v0"], aws_sdk_dynamodb::types::AttributeValue::N("2".into()));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_expression(&self) -> Result<Expression> {
        let mut ph = Placeholders::default();
        let e = self.render(&mut ph)?;
        Ok((e, ph.names().clone(), ph.values().clone()))
    }

    pub(crate) fn render(&self, ph: &mut Placeholders) -> Result<String> {
        render(&self.node, ph)
    }
}

impl Node {
    /// The top-level attribute names that the condition reads.
    pub(crate) fn top_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        let mut path = |p: &'a Path| out.extend(p.top());
        match self {
            Node::Cmp(Subject::Path(p) | Subject::Size(p), _, _)
            | Node::Between(Subject::Path(p) | Subject::Size(p), _, _)
            | Node::In(p, _)
            | Node::BeginsWith(p, _)
            | Node::Contains(p, _)
            | Node::Exists(p)
            | Node::NotExists(p)
            | Node::Type(p, _) => path(p),
            Node::CmpPaths(a, _, b) => {
                path(a);
                path(b);
            }
            Node::And(nodes) | Node::Or(nodes) => nodes.iter().for_each(|n| n.top_names(out)),
            Node::Not(n) => n.top_names(out),
            Node::Raw { names, .. } => out.extend(names.values().map(String::as_str)),
            Node::Invalid(_) => {}
        }
    }
}

pub(crate) fn subject(s: &Subject, ph: &mut Placeholders) -> String {
    match s {
        Subject::Path(p) => ph.path(p),
        Subject::Size(p) => format!("size({})", ph.path(p)),
    }
}

pub(crate) fn render(node: &Node, ph: &mut Placeholders) -> Result<String> {
    Ok(match node {
        Node::Cmp(s, op, v) => {
            let s = subject(s, ph);
            format!("{s} {} {}", op.symbol(), ph.value(v.clone()))
        }
        Node::CmpPaths(a, op, b) => format!("{} {} {}", ph.path(a), op.symbol(), ph.path(b)),
        Node::Between(s, lo, hi) => {
            let s = subject(s, ph);
            let lo = ph.value(lo.clone());
            format!("{s} BETWEEN {lo} AND {}", ph.value(hi.clone()))
        }
        Node::In(p, values) => {
            if values.is_empty() || values.len() > 100 {
                return Err(Error::InvalidRequest(format!(
                    "`is_in` on `{p}` takes 1 to 100 values, not {}",
                    values.len()
                )));
            }
            let p = ph.path(p);
            let vs: Vec<String> = values.iter().map(|v| ph.value(v.clone())).collect();
            format!("{p} IN ({})", vs.join(", "))
        }
        Node::BeginsWith(p, v) => {
            let p = ph.path(p);
            format!("begins_with({p}, {})", ph.value(v.clone()))
        }
        Node::Contains(p, v) => {
            let p = ph.path(p);
            format!("contains({p}, {})", ph.value(v.clone()))
        }
        Node::Exists(p) => format!("attribute_exists({})", ph.path(p)),
        Node::NotExists(p) => format!("attribute_not_exists({})", ph.path(p)),
        Node::Type(p, t) => {
            let p = ph.path(p);
            format!(
                "attribute_type({p}, {})",
                ph.value(AttributeValue::S(t.code().into()))
            )
        }
        Node::And(nodes) | Node::Or(nodes) => {
            let join = if matches!(node, Node::And(_)) {
                " AND "
            } else {
                " OR "
            };
            let parts = nodes
                .iter()
                .map(|n| render(n, ph))
                .collect::<Result<Vec<_>>>()?;
            format!("({})", parts.join(join))
        }
        Node::Not(n) => format!("(NOT {})", render(n, ph)?),
        Node::Raw {
            expression,
            names,
            values,
        } => format!("({})", ph.raw(expression, names, values)?),
        Node::Invalid(message) => return Err(Error::InvalidRequest(message.clone())),
    })
}

impl<M> std::ops::BitAnd for Condition<M> {
    type Output = Condition<M>;
    fn bitand(self, rhs: Self) -> Self {
        self.and(rhs)
    }
}

impl<M> std::ops::BitOr for Condition<M> {
    type Output = Condition<M>;
    fn bitor(self, rhs: Self) -> Self {
        self.or(rhs)
    }
}

impl<M> std::ops::Not for Condition<M> {
    type Output = Condition<M>;
    fn not(self) -> Self {
        Condition::not(self)
    }
}
