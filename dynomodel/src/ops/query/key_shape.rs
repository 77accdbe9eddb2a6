//! Which key a query reads by: the table's or an index's whose attributes its key conditions
//! fit. A key has one to four partition key attributes and up to four sort key attributes
//! (a native multi-attribute index; any other key has one of each at most). A query gives an
//! equality on every partition key attribute, equalities on a leading run of the sort key
//! attributes, then at most one range condition on the next: what DynamoDB accepts, checked
//! here so that a query that it would refuse is never sent.
//! Layer: ops.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::expr::condition::{render, Cmp, Node, Subject};
use crate::expr::Placeholders;
use crate::model::{Index, Model};

use super::read::compared_attr;

/// The key conditions of a query, each with the attribute that it names.
pub(crate) struct KeyConditions<'c> {
    hash: Vec<(&'c str, &'c Node)>,
    range: Vec<(&'c str, &'c Node)>,
}

/// The conditions of `node`, a condition or several joined with `and`.
fn flatten<'c>(node: &'c Node, out: &mut Vec<&'c Node>) {
    match node {
        Node::And(nodes) => nodes.iter().for_each(|n| flatten(n, out)),
        other => out.push(other),
    }
}

fn is_range(node: &Node) -> bool {
    !matches!(node, Node::Cmp(_, Cmp::Eq, _))
}

impl<'c> KeyConditions<'c> {
    /// Reads the partition conditions (equalities) and the sort key conditions (`eq`, `lt`,
    /// `le`, `gt`, `ge`, `between`, `begins_with`), each on a top-level attribute.
    pub(crate) fn read(hash: &'c Node, range: Option<&'c Node>) -> Result<Self> {
        let mut nodes = Vec::new();
        flatten(hash, &mut nodes);
        let hash = nodes
            .into_iter()
            .map(|n| match n {
                Node::Invalid(why) => Err(Error::InvalidRequest(why.clone())),
                Node::Cmp(Subject::Path(_), Cmp::Eq, _) => {
                    compared_attr(n).map(|a| (a, n)).ok_or_else(not_equality)
                }
                _ => Err(not_equality()),
            })
            .collect::<Result<Vec<_>>>()?;
        let mut nodes = Vec::new();
        if let Some(r) = range {
            flatten(r, &mut nodes);
        }
        let range = nodes
            .into_iter()
            .map(|n| {
                let ok = matches!(n, Node::Cmp(Subject::Path(_), op, _) if *op != Cmp::Ne)
                    || matches!(n, Node::Between(Subject::Path(_), _, _) | Node::BeginsWith(_, _));
                match n {
                    Node::Invalid(why) => Err(Error::InvalidRequest(why.clone())),
                    _ => compared_attr(n).filter(|_| ok).map(|a| (a, n)).ok_or_else(|| {
                        Error::InvalidRequest(
                            "a range key condition is one of eq, lt, le, gt, ge, between or begins_with on a top-level attribute".into(),
                        )
                    }),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        // DynamoDB refuses a `between` whose lower bound is past its upper one.
        for (a, n) in &range {
            if let Node::Between(_, lo, hi) = n {
                if reversed(lo, hi) {
                    return Err(Error::InvalidRequest(format!(
                        "the condition between {} and {} on `{a}` has its lower bound after its upper one: between takes the smaller bound first",
                        shown(lo),
                        shown(hi)
                    )));
                }
            }
        }
        for side in [&hash, &range] {
            for (n, (a, _)) in side.iter().enumerate() {
                if side.iter().take(n).any(|(b, _)| b == a) {
                    return Err(Error::InvalidRequest(format!(
                        "the key conditions name `{a}` twice: a key condition takes one condition on each key attribute"
                    )));
                }
            }
        }
        Ok(KeyConditions { hash, range })
    }

    /// The partition key attributes that the query gives.
    fn hash_names(&self) -> impl Iterator<Item = &'c str> + '_ {
        self.hash.iter().map(|(a, _)| *a)
    }

    /// Why a key of these attributes does not fit the conditions; `None` where it fits.
    fn misfit(&self, hash_keys: &[&str], range_keys: &[&str]) -> Option<String> {
        if let Some(missing) = hash_keys
            .iter()
            .find(|k| !self.hash_names().any(|a| a == **k))
        {
            return Some(format!(
                "it needs an equality on every partition key attribute ({}): the query has none on `{missing}`",
                hash_keys.join(", ")
            ));
        }
        if let Some(extra) = self.hash_names().find(|a| !hash_keys.contains(a)) {
            return Some(format!(
                "`{extra}` is not one of its partition key attributes ({})",
                hash_keys.join(", ")
            ));
        }
        let ranges: Vec<&str> = self
            .range
            .iter()
            .filter(|(_, n)| is_range(n))
            .map(|(a, _)| *a)
            .collect();
        if let [first, second, ..] = ranges.as_slice() {
            return Some(format!(
                "the query has two range conditions (on `{first}` and `{second}`): it takes equalities on a leading run of the sort key attributes, then one range condition on the next"
            ));
        }
        let sort = if range_keys.is_empty() {
            "none".to_owned()
        } else {
            range_keys.join(", ")
        };
        let mut positions = Vec::with_capacity(self.range.len());
        for (a, node) in &self.range {
            match range_keys.iter().position(|k| k == a) {
                Some(p) => positions.push((p, *a, is_range(node))),
                None => {
                    return Some(format!(
                        "`{a}` is not one of its sort key attributes ({sort})"
                    ))
                }
            }
        }
        positions.sort_unstable();
        for (expected, (p, a, range)) in positions.iter().enumerate() {
            if *p != expected {
                let before = range_keys.get(expected).copied().unwrap_or_default();
                return Some(format!(
                    "a condition on `{a}` needs an equality on `{before}` before it (its sort key attributes are {sort}, in this order)"
                ));
            }
            if *range && expected.checked_add(1) != Some(positions.len()) {
                return Some(format!(
                    "the range condition on `{a}` comes before an equality on a later sort key attribute: only the last condition of the run can be a range"
                ));
            }
        }
        None
    }

    /// The table's key (`None`) or the index that the conditions fit, `chosen` where the
    /// query names one (or a shared table's templates did).
    pub(crate) fn choose<M: Model>(&self, chosen: Option<Index<M>>) -> Result<Option<Index<M>>> {
        let keys_of = |i: &Index<M>| -> (Vec<&'static str>, Vec<&'static str>) {
            (i.hash_keys().collect(), i.range_keys().collect())
        };
        if let Some(index) = chosen {
            let (h, r) = keys_of(&index);
            return match self.misfit(&h, &r) {
                None => Ok(Some(index)),
                Some(why) => Err(Error::InvalidRequest(format!(
                    "the query does not fit the index `{}`: {why}",
                    index.name
                ))),
            };
        }
        let table_range: Vec<&str> = M::RANGE_KEY.into_iter().collect();
        let table_misfit = self.misfit(&[M::HASH_KEY], &table_range);
        if table_misfit.is_none() {
            return Ok(None);
        }
        let fitting: Vec<&Index<M>> = M::indexes()
            .iter()
            .filter(|i| {
                let (h, r) = keys_of(i);
                self.misfit(&h, &r).is_none()
            })
            .collect();
        // A query of the partition alone, which several indexes fit: the one without a sort
        // key, where exactly one has none (Dynamoose's rule); `to_request` names it.
        let unranged: Vec<&&Index<M>> = fitting.iter().filter(|i| i.range_key.is_none()).collect();
        match (fitting.as_slice(), unranged.as_slice()) {
            ([one], _) => return Ok(Some(**one)),
            ([_, _, ..], [one]) if self.range.is_empty() => return Ok(Some(***one)),
            ([_, _, ..], _) => {
                return Err(Error::InvalidRequest(format!(
                    "several indexes fit the query ({}): choose one with .index(..)",
                    fitting
                        .iter()
                        .map(|i| i.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
            _ => {}
        }
        Err(Error::InvalidRequest(self.nothing_fits::<M>(table_misfit)))
    }

    /// Why neither the table nor an index fits: the reason of the keys that share an
    /// attribute with the query's partition, else what the query names.
    fn nothing_fits<M: Model>(&self, table_misfit: Option<String>) -> String {
        let near = |hash: &mut dyn Iterator<Item = &str>| {
            let hash: Vec<&str> = hash.collect();
            self.hash_names().all(|a| hash.contains(&a))
        };
        let mut reasons = Vec::new();
        if near(&mut std::iter::once(M::HASH_KEY)) {
            reasons.extend(table_misfit.map(|why| format!("the table `{}`: {why}", M::TABLE)));
        }
        for i in M::indexes() {
            if near(&mut i.hash_keys()) {
                let (h, r): (Vec<&str>, Vec<&str>) =
                    (i.hash_keys().collect(), i.range_keys().collect());
                reasons.extend(
                    self.misfit(&h, &r)
                        .map(|why| format!("the index `{}`: {why}", i.name)),
                );
            }
        }
        if reasons.is_empty() {
            let range: Vec<&str> = self.range.iter().map(|(a, _)| *a).collect();
            return format!(
                "neither the table `{}` nor any of its indexes has the hash key `{}`{}",
                M::TABLE,
                self.hash_names().collect::<Vec<_>>().join("`, `"),
                if range.is_empty() {
                    String::new()
                } else {
                    format!(" with the range key `{}`", range.join("`, `"))
                }
            );
        }
        format!("no key fits the query; {}", reasons.join("; "))
    }

    /// The KeyConditionExpression: the partition equalities, then the sort key conditions in
    /// the order of `keys` (the chosen key's sort key attributes).
    pub(crate) fn render(&self, range_keys: &[&str], ph: &mut Placeholders) -> Result<String> {
        let mut range: Vec<&(&str, &Node)> = self.range.iter().collect();
        range.sort_by_key(|(a, _)| range_keys.iter().position(|k| k == a));
        let parts = self
            .hash
            .iter()
            .chain(range)
            .map(|(_, n)| render(n, ph))
            .collect::<Result<Vec<_>>>()?;
        Ok(parts.join(" AND "))
    }
}

/// Whether `lo` comes after `hi` in DynamoDB's order of key values: numbers by value,
/// strings and bytes by their bytes.
fn reversed(lo: &AttributeValue, hi: &AttributeValue) -> bool {
    match (lo, hi) {
        (AttributeValue::N(lo), AttributeValue::N(hi)) => {
            crate::codec::number::compare_numbers(lo, hi) == Some(std::cmp::Ordering::Greater)
        }
        (AttributeValue::S(lo), AttributeValue::S(hi)) => lo.as_bytes() > hi.as_bytes(),
        (AttributeValue::B(lo), AttributeValue::B(hi)) => lo.as_ref() > hi.as_ref(),
        _ => false,
    }
}

fn shown(v: &AttributeValue) -> String {
    match v {
        AttributeValue::N(n) => n.clone(),
        AttributeValue::S(s) => format!("{s:?}"),
        other => format!("{other:?}"),
    }
}

fn not_equality() -> Error {
    Error::InvalidRequest(
        "a query needs an equality on a top-level hash key attribute, such as M::fields().owner.eq(..), and on each partition key attribute of a native index, joined with &".into(),
    )
}
