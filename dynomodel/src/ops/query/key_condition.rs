//! Queries of a model in a shared table: conditions on its logical fields become conditions
//! on the composed keys (`id = "c1"` is `pk = "CUSTOMER#c1"`, a range on `placed_at` is a
//! range on `sk` within `ORDER#`), and a query of one model reads only its own sort-key
//! prefix.
//! Layer: ops.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expr::condition::{Cmp, Condition, Node, Subject};
use crate::model::path::PathElem;
use crate::model::template::{KeyTemplate, Part};
use crate::model::{Entity, Index, IndexKind, Model, Path};

/// The key conditions and the index of a query of `M`, a model in a shared table.
pub(crate) struct Translated<M> {
    pub(crate) hash: Condition<M>,
    pub(crate) range: Option<Condition<M>>,
    pub(crate) index: Option<Index<M>>,
    /// No key of the model's prefix is in the range: the query answers nothing (its range
    /// is then a condition that DynamoDB takes, whose answer is not to be given).
    pub(crate) none: bool,
}

fn top(p: &Path) -> Option<&str> {
    match p.elems() {
        [PathElem::Name(n)] => Some(n),
        _ => None,
    }
}

/// The field values of a partition condition: one `eq`, or several joined by `and`.
fn equalities(node: &Node, out: &mut HashMap<String, AttributeValue>) -> Result<()> {
    match node {
        Node::Cmp(Subject::Path(p), Cmp::Eq, v) => match top(p) {
            Some(n) => match out.insert(n.to_owned(), v.clone()) {
                // Two equalities of one field on different values: no item meets both, and
                // composing a key from either one would read the other's items.
                Some(before) if !same_value(&before, v) => Err(Error::InvalidRequest(format!(
                    "the partition condition asks `{n}` to equal two values ({before:?} and {v:?}): no item meets both"
                ))),
                _ => Ok(()),
            },
            None => Err(not_equalities()),
        },
        Node::And(nodes) => nodes.iter().try_for_each(|n| equalities(n, out)),
        Node::Invalid(why) => Err(Error::InvalidRequest(why.clone())),
        _ => Err(not_equalities()),
    }
}

/// Whether two operands are one value (numbers as DynamoDB compares them).
fn same_value(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => {
            crate::codec::canonical_number(x) == crate::codec::canonical_number(y)
        }
        _ => a == b,
    }
}

fn not_equalities() -> Error {
    Error::InvalidRequest(
        "a query of a model in a shared table needs an equality on each field of a partition key template, such as M::fields().id.eq(..) (joined with & where the template has several)".into(),
    )
}

fn templates_text<'a>(ts: impl Iterator<Item = &'a KeyTemplate>) -> String {
    ts.map(|t| format!("{} = \"{}\"", t.attr, t.text))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Translates the conditions; `whole_partition` for a collection, which reads every sort
/// key of the partition unless given a range.
pub(crate) fn translate<M: Model>(
    e: &Entity,
    hash: &Condition<M>,
    range: Option<&Condition<M>>,
    index: Option<Index<M>>,
    whole_partition: bool,
) -> Result<Translated<M>> {
    let mut given = HashMap::new();
    equalities(&hash.node, &mut given)?;
    let names: BTreeSet<&str> = given.keys().map(String::as_str).collect();
    let (pk, index) = match index {
        Some(i) => (named_partition(e, i, &names)?, Some(i)),
        None => chosen_partition::<M>(e, &names)?,
    };
    let value = e
        .compose(pk, |n| given.get(n))?
        .ok_or_else(not_equalities)?;
    let hash = Node::Cmp(
        Subject::Path(Path::root(pk.attr)),
        Cmp::Eq,
        AttributeValue::S(value),
    );
    let sk = e.template(index.map(|i| i.name), true);
    let mut none = false;
    let range = match (range, sk) {
        (Some(r), Some(sk)) => {
            let (node, empty) = range_node(e, sk, &r.node, !whole_partition)?;
            none = empty;
            Some(node)
        }
        (Some(_), None) => {
            return Err(Error::InvalidRequest(format!(
                "`{}` has no sort key template here: a query of this key takes no range",
                e.name
            )))
        }
        (None, Some(sk)) if !whole_partition => own_prefix(sk),
        (None, _) => None,
    };
    Ok(Translated {
        hash: Condition::from_node(hash),
        range: range.map(Condition::from_node),
        index,
        none,
    })
}

fn listed(names: &BTreeSet<&str>) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The partition key template of the index that the query names, which must be made of
/// exactly the fields that the query gives.
fn named_partition<'e, M>(
    e: &'e Entity,
    i: Index<M>,
    names: &BTreeSet<&str>,
) -> Result<&'e KeyTemplate> {
    let t = match i.kind {
        IndexKind::Local => e.template(None, false),
        IndexKind::Global => e.template(Some(i.name), false),
    }
    .ok_or_else(|| {
        Error::InvalidRequest(format!(
            "`{}` has no key template on the index `{}`",
            e.name, i.name
        ))
    })?;
    if t.fields().collect::<BTreeSet<_>>() != *names {
        return Err(Error::InvalidRequest(format!(
            "the partition key of the index `{}` is {} = \"{}\": the query gives {}",
            i.name,
            t.attr,
            t.text,
            listed(names)
        )));
    }
    Ok(t)
}

/// The partition key template made of exactly the fields that the query gives: the table's
/// where it fits, else the one index whose template fits.
fn chosen_partition<'e, M: Model>(
    e: &'e Entity,
    names: &BTreeSet<&str>,
) -> Result<(&'e KeyTemplate, Option<Index<M>>)> {
    let fitting: Vec<&KeyTemplate> = e
        .keys
        .iter()
        .filter(|t| !t.sort && t.fields().collect::<BTreeSet<_>>() == *names)
        .collect();
    let t = match (
        fitting.iter().find(|t| t.index.is_none()),
        fitting.as_slice(),
    ) {
        (Some(t), _) | (None, [t]) => *t,
        (None, []) => {
            return Err(Error::InvalidRequest(format!(
                "no partition key template of `{}` is made of {}: its templates are {}",
                e.name,
                listed(names),
                templates_text(e.keys.iter().filter(|t| !t.sort))
            )))
        }
        (None, many) => {
            return Err(Error::InvalidRequest(format!(
                "several indexes fit the query ({}): choose one with .index(..)",
                many.iter()
                    .filter_map(|t| t.index)
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    };
    let index = match t.index {
        Some(name) => Some(
            *M::indexes()
                .iter()
                .find(|i| i.name == name)
                .ok_or_else(|| {
                    Error::InvalidRequest(format!("`{}` has no index `{name}`", e.name))
                })?,
        ),
        None => None,
    };
    Ok((t, index))
}

/// The range condition that keeps a query of one model to its own items: its sort key
/// template's constant (`sk = "PROFILE"`) or prefix (`begins_with(sk, "ORDER#")`).
fn own_prefix(sk: &KeyTemplate) -> Option<Node> {
    let prefix = sk.prefix();
    if sk.fields().next().is_none() {
        Some(Node::Cmp(
            Subject::Path(Path::root(sk.attr)),
            Cmp::Eq,
            AttributeValue::S(prefix),
        ))
    } else if prefix.is_empty() {
        None
    } else {
        Some(Node::BeginsWith(
            Path::root(sk.attr),
            AttributeValue::S(prefix),
        ))
    }
}

/// The text just above every text that starts with `text`'s first character: where the
/// keys that continue past a field end.
fn after(next: Option<&str>) -> Option<String> {
    let c = next?.chars().next()?;
    char::from_u32(u32::from(c).checked_add(1)?).map(String::from)
}

/// A range condition on a field of the sort key template, as a condition on the sort key;
/// `own` for a read of the model's own items, whose range stays within the template's
/// prefix. A collection's range may reach its other members' keys (its filter keeps its
/// members, in every page and in a count alike).
/// The answer's flag is true where no key of the prefix is in the range (the node then
/// stands for none, and its answer is not to be given).
fn range_node(e: &Entity, sk: &KeyTemplate, node: &Node, own: bool) -> Result<(Node, bool)> {
    let field = match node {
        Node::Cmp(Subject::Path(p), _, _) | Node::Between(Subject::Path(p), _, _) => top(p),
        Node::BeginsWith(p, _) => top(p),
        Node::Invalid(why) => return Err(Error::InvalidRequest(why.clone())),
        _ => None,
    }
    .ok_or_else(|| {
        Error::InvalidRequest(
            "a range key condition is one of eq, lt, le, gt, ge, between or begins_with on a top-level attribute".into(),
        )
    })?;
    let position = sk
        .parts
        .iter()
        .position(|p| matches!(p, Part::Field { name, .. } if *name == field))
        .ok_or_else(|| {
            Error::InvalidRequest(format!(
                "`{field}` is not part of the sort key {} = \"{}\"",
                sk.attr, sk.text
            ))
        })?;
    let (before, rest) = sk.parts.split_at(position);
    let mut prefix = String::new();
    for p in before {
        match p {
            Part::Text(t) => prefix.push_str(t),
            Part::Field { name, .. } => {
                return Err(Error::InvalidRequest(format!(
                    "a range condition on `{field}` needs the fields before it in {} = \"{}\": the range can be on `{name}`",
                    sk.attr, sk.text
                )))
            }
        }
    }
    let next = match rest.get(1) {
        Some(Part::Text(t)) => Some(*t),
        _ => None,
    };
    let head = |v: &AttributeValue| -> Result<String> {
        Ok(format!("{prefix}{}", e.part_value(sk, field, v)?))
    };
    // Every key whose field is `v` starts with `head(v) + next`, and ends below `upper`.
    let upper = |v: &AttributeValue| -> Result<String> {
        let h = head(v)?;
        Ok(match after(next) {
            Some(a) => format!("{h}{a}"),
            None => h,
        })
    };
    let attr = || Subject::Path(Path::root(sk.attr));
    let s = AttributeValue::S;
    // A range open on one side would reach past the template's prefix, to other entities'
    // keys and to untagged items that the read policy does not adopt (and that a count,
    // which DynamoDB makes, would count: a query cannot filter on its sort key). A query takes one condition on its sort key, and
    // no filter on it: the range becomes a BETWEEN whose other end is the prefix's first or
    // last key.
    let none = std::cell::Cell::new(false);
    let within = |low: Bound, high: Bound| -> Node {
        let low = match low {
            Bound::Prefix => Some(prefix.clone()),
            Bound::At(v) => Some(v),
            Bound::After(v) => least_above(&v),
        };
        let high = match high {
            Bound::Prefix => Some(greatest_from(prefix.clone())),
            Bound::At(v) => Some(v),
            Bound::After(v) => greatest_below(&v),
        };
        match (low, high) {
            (Some(l), Some(h)) if l <= h => Node::Between(attr(), s(l), s(h)),
            // No key of the prefix is in the range: the query answers nothing. The condition
            // sent is one that DynamoDB takes (the prefix's greatest key, which an item may
            // have: its answer is not given).
            _ => {
                none.set(true);
                Node::Cmp(attr(), Cmp::Eq, s(greatest_from(prefix.clone())))
            }
        }
    };
    let confined = own && !prefix.is_empty();
    let node = match node {
        Node::Cmp(_, Cmp::Eq, v) => match next {
            Some(n) => Node::BeginsWith(Path::root(sk.attr), s(format!("{}{n}", head(v)?))),
            None => Node::Cmp(attr(), Cmp::Eq, s(head(v)?)),
        },
        // `< head`: `After` as an upper end is the key just below it.
        Node::Cmp(_, Cmp::Lt, v) if confined => within(Bound::Prefix, Bound::After(head(v)?)),
        Node::Cmp(_, Cmp::Lt, v) => Node::Cmp(attr(), Cmp::Lt, s(head(v)?)),
        Node::Cmp(_, Cmp::Le, v) => match (next, confined) {
            (Some(_), true) => within(Bound::Prefix, Bound::After(upper(v)?)),
            (Some(_), false) => Node::Cmp(attr(), Cmp::Lt, s(upper(v)?)),
            (None, true) => within(Bound::Prefix, Bound::At(head(v)?)),
            (None, false) => Node::Cmp(attr(), Cmp::Le, s(head(v)?)),
        },
        Node::Cmp(_, Cmp::Gt, v) => match (next, confined) {
            (Some(_), true) => within(Bound::At(upper(v)?), Bound::Prefix),
            (Some(_), false) => Node::Cmp(attr(), Cmp::Ge, s(upper(v)?)),
            (None, true) => within(Bound::After(head(v)?), Bound::Prefix),
            (None, false) => Node::Cmp(attr(), Cmp::Gt, s(head(v)?)),
        },
        Node::Cmp(_, Cmp::Ge, v) if confined => within(Bound::At(head(v)?), Bound::Prefix),
        Node::Cmp(_, Cmp::Ge, v) => Node::Cmp(attr(), Cmp::Ge, s(head(v)?)),
        Node::Cmp(_, Cmp::Ne, _) => {
            return Err(Error::InvalidRequest(
                "a range key condition cannot be `ne`".into(),
            ))
        }
        Node::Between(_, a, b) => Node::Between(attr(), s(head(a)?), s(upper(b)?)),
        Node::BeginsWith(_, v) => match v {
            AttributeValue::S(_) => Node::BeginsWith(Path::root(sk.attr), s(head(v)?)),
            _ => {
                return Err(Error::InvalidRequest(format!(
                    "begins_with on `{field}` takes text"
                )))
            }
        },
        _ => {
            return Err(Error::InvalidRequest(
                "a range key condition is one of eq, lt, le, gt, ge, between or begins_with".into(),
            ))
        }
    };
    Ok((node, none.get()))
}

/// One end of a range kept within a template's prefix.
enum Bound {
    /// The prefix's own end: its first key (a lower end) or its last (an upper end).
    Prefix,
    /// This key, included.
    At(String),
    /// This key excluded: the key just above it (a lower end) or just below (an upper end).
    After(String),
}

/// The longest key that DynamoDB takes, in bytes (a sort key's limit).
const KEY_BYTES: usize = 1024;

/// The greatest key that starts with `text`: `text`, then the greatest characters that fit
/// in [`KEY_BYTES`]. Keys compare as their UTF-8 bytes, which is the order of their
/// characters; no longer key exists.
fn greatest_from(mut text: String) -> String {
    while text.len().saturating_add(4) <= KEY_BYTES {
        text.push(char::MAX);
    }
    match KEY_BYTES.saturating_sub(text.len()) {
        3 => text.push('\u{FFFF}'),
        2 => text.push('\u{7FF}'),
        1 => text.push('\u{7F}'),
        _ => {}
    }
    text
}

/// The least key above `text` that DynamoDB takes (at most [`KEY_BYTES`]): `text` and U+0000
/// where that fits, else `text` cut before its last character that has a next one that fits,
/// with that next character in its place; `None` above the greatest key.
fn least_above(text: &str) -> Option<String> {
    if text.len() < KEY_BYTES {
        return Some(format!("{text}\u{0}"));
    }
    let mut t = text.to_owned();
    while let Some(last) = t.pop() {
        // The next character (past the surrogates); a larger one is no shorter.
        let next =
            (u32::from(last).saturating_add(1)..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(n) = next {
            if t.len().saturating_add(n.len_utf8()) <= KEY_BYTES {
                t.push(n);
                return Some(t);
            }
        }
    }
    None
}

/// The greatest key below `text` (`None` below the empty text): `text` without its last
/// character where that is U+0000, else with the character before its last one, followed by
/// the greatest characters that fit.
fn greatest_below(text: &str) -> Option<String> {
    let mut t = text.to_owned();
    let last = t.pop()?;
    if last == '\0' {
        return Some(t);
    }
    let before = (0..u32::from(last))
        .rev()
        .find_map(char::from_u32)
        .unwrap_or('\0');
    t.push(before);
    Some(greatest_from(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greatest_key_of_a_prefix_fills_the_key_limit_and_starts_with_it() {
        let top = greatest_from("ORDER#".into());
        assert_eq!(top.len(), KEY_BYTES);
        assert!(top.starts_with("ORDER#"));
        // Above every other key of the prefix, below the next prefix.
        assert!(top.as_str() > "ORDER#\u{10FFFF}\u{10FFFF}zzz");
        assert!(top.as_str() < "ORDER$");
    }

    #[test]
    fn the_greatest_key_below_a_text_is_below_it_and_above_its_neighbours() {
        let below = greatest_below("ORDER#5").unwrap();
        assert!(below.as_str() < "ORDER#5");
        assert!(below.as_str() > "ORDER#4\u{10FFFF}zzz");
        assert!(below.len() <= KEY_BYTES);
        // Below a text that ends with U+0000 is the text without it.
        assert_eq!(greatest_below("ab\0").as_deref(), Some("ab"));
        // The surrogates are no characters: below U+E000 is U+D7FF.
        assert!(greatest_below("a\u{E000}")
            .unwrap()
            .starts_with("a\u{D7FF}"));
        assert_eq!(greatest_below(""), None);
    }
}
