//! Range conditions of models that adopt untagged items stay within the sort-key prefix of
//! their template: random partitions of tagged items (of the models and of another entity)
//! and untagged items (inside the prefixes, at their edges and outside), queried with random
//! ranges (lt, le, gt, ge, between) on a field of the sort key. `count` (DynamoDB's Count),
//! `all` (the pages, through the read policy) and a reference computed here (the item is the
//! model's, or untagged with the template's prefix, and its sort key is in the range that
//! the condition means on the composed key) must give the same items.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Table)]
#[dynomodel(name = "range_club", pk = "pk", sk = "sk")]
struct RangeClub;

/// The ranged field ends the sort key.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = RangeClub, entity = "entry", pk = "CLUB#{club}", sk = "ENTRY#{n}", adopt_untagged)]
struct Entry {
    club: String,
    n: u32,
    text: String,
}

/// The ranged field is followed by more of the sort key.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = RangeClub, entity = "visit", pk = "CLUB#{club}", sk = "VISIT#{day}#{n}", adopt_untagged)]
struct Visit {
    club: String,
    day: String,
    n: u32,
    text: String,
}

/// Another entity in the same partitions.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = RangeClub, entity = "badge", pk = "CLUB#{club}", sk = "BADGE#{b}")]
struct Badge {
    club: String,
    b: String,
    text: String,
}

/// Sort keys of untagged items: inside each prefix, at its edges, and outside.
const UNTAGGED: &[&str] = &[
    "ENTRY#0000000003",
    "ENTRY#0000000007",
    "ENTRY#",
    "ENTRY",
    "ENTRY$",
    "ENTRX#9",
    "ENTRY#9",
    "ENTRY#00000000050",
    "ENTRY#\u{10FFFF}",
    "VISIT#a#0000000001",
    "VISIT#b#0000000002",
    "VISIT#",
    "VISIT#b",
    "VISIT#b$",
    "VISIT$",
    "VISIT#ab#x",
    "VISIT#c#",
    "A",
    "BADGE#zz",
    "OTHER#1",
    "ZZZ",
];

const DAYS: &[&str] = &["a", "ab", "b", "c"];

#[derive(Clone, Debug)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Between,
}

#[derive(Clone, Debug)]
struct Case {
    entries: Vec<u32>,
    visits: Vec<(usize, u32)>,
    badges: Vec<u8>,
    untagged: Vec<usize>,
    /// Ranges on `Entry::n`: the operator and its values.
    entry_ranges: Vec<(Op, u32, u32)>,
    /// Ranges on `Visit::day`: the operator and its values (indexes into `DAYS`, or "").
    visit_ranges: Vec<(Op, Option<usize>, Option<usize>)>,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Lt),
        Just(Op::Le),
        Just(Op::Gt),
        Just(Op::Ge),
        Just(Op::Between),
    ]
}

fn day() -> impl Strategy<Value = Option<usize>> {
    prop::option::weighted(0.85, 0..DAYS.len())
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::btree_set(0u32..12, 0..6),
        prop::collection::btree_set((0..DAYS.len(), 0u32..4), 0..6),
        prop::collection::btree_set(0u8..3, 0..3),
        prop::collection::btree_set(0..UNTAGGED.len(), 0..10),
        prop::collection::vec((op(), 0u32..12, 0u32..12), 1..4),
        prop::collection::vec((op(), day(), day()), 1..4),
    )
        .prop_map(|(e, v, b, u, er, vr)| Case {
            entries: e.into_iter().collect(),
            visits: v.into_iter().collect(),
            badges: b.into_iter().collect(),
            untagged: u.into_iter().collect(),
            entry_ranges: er,
            visit_ranges: vr,
        })
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// Whether `sk` is in the range `op` of `low` and `high` on the composed key, where `head`
/// is the key text of a value and `upper` the text above every key that continues it.
fn in_range(sk: &str, op: &Op, low: (&str, &str), high: (&str, &str)) -> bool {
    let ((head_low, upper_low), (_, upper_high)) = (low, high);
    match op {
        Op::Lt => sk < head_low,
        Op::Le => sk < upper_low || (upper_low == head_low && sk == head_low),
        Op::Gt => sk >= upper_low && !(upper_low == head_low && sk == head_low),
        Op::Ge => sk >= head_low,
        Op::Between => sk >= head_low && sk <= upper_high,
    }
}

/// A stored item: its sort key, entity attribute and text.
struct Stored {
    sk: String,
    entity: Option<&'static str>,
    text: String,
}

/// What the reference gives of `stored` for a model of `entity` with sort-key `prefix`.
fn expected(
    stored: &[Stored],
    entity: &str,
    prefix: &str,
    keep: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut texts: Vec<String> = stored
        .iter()
        .filter(|i| match i.entity {
            Some(e) => e == entity,
            None => i.sk.starts_with(prefix),
        })
        .filter(|i| keep(&i.sk))
        .map(|i| i.text.clone())
        .collect();
    texts.sort();
    texts
}

async fn check(db: &Db, club: &str, c: &Case) -> Result<(), String> {
    let mut stored = Vec::new();
    for &n in &c.entries {
        let text = format!("entry {n}");
        let mut e = Entry {
            club: club.into(),
            n,
            text: text.clone(),
        };
        e.save(db).await.map_err(|e| e.to_string())?;
        stored.push(Stored {
            sk: format!("ENTRY#{n:010}"),
            entity: Some("entry"),
            text,
        });
    }
    for &(d, n) in &c.visits {
        let text = format!("visit {} {n}", DAYS[d]);
        let mut v = Visit {
            club: club.into(),
            day: DAYS[d].into(),
            n,
            text: text.clone(),
        };
        v.save(db).await.map_err(|e| e.to_string())?;
        stored.push(Stored {
            sk: format!("VISIT#{}#{n:010}", DAYS[d]),
            entity: Some("visit"),
            text,
        });
    }
    for &b in &c.badges {
        let text = format!("badge {b}");
        let mut badge = Badge {
            club: club.into(),
            b: format!("b{b}"),
            text: text.clone(),
        };
        badge.save(db).await.map_err(|e| e.to_string())?;
        stored.push(Stored {
            sk: format!("BADGE#b{b}"),
            entity: Some("badge"),
            text,
        });
    }
    for &u in &c.untagged {
        let sk = UNTAGGED[u];
        let text = format!("untagged {sk}");
        let item: HashMap<String, AttributeValue> = HashMap::from([
            ("pk".to_owned(), s(&format!("CLUB#{club}"))),
            ("sk".to_owned(), s(sk)),
            ("club".to_owned(), s(club)),
            ("n".to_owned(), AttributeValue::N("1".into())),
            ("day".to_owned(), s("a")),
            ("b".to_owned(), s("b9")),
            ("text".to_owned(), s(&text)),
        ]);
        common::raw_put(db, "range_club", item).await;
        // It replaces a tagged item of the same key.
        stored.retain(|i: &Stored| i.sk != sk);
        stored.push(Stored {
            sk: sk.to_owned(),
            entity: None,
            text,
        });
    }
    let f = Entry::fields();
    for (op, a, b) in &c.entry_ranges {
        let cond = match op {
            Op::Lt => f.n.lt(*a),
            Op::Le => f.n.le(*a),
            Op::Gt => f.n.gt(*a),
            Op::Ge => f.n.ge(*a),
            Op::Between => f.n.between(*a, *b),
        };
        let q = Entry::query(f.club.eq(club)).range(cond);
        let (head_a, head_b) = (format!("ENTRY#{a:010}"), format!("ENTRY#{b:010}"));
        let want = expected(&stored, "entry", "ENTRY#", |sk| {
            in_range(sk, op, (&head_a, &head_a), (&head_b, &head_b))
        });
        compare(db, &q, want, &format!("n {op:?} {a} {b}")).await?;
    }
    let f = Visit::fields();
    for (op, a, b) in &c.visit_ranges {
        let (a, b) = (a.map_or("", |i| DAYS[i]), b.map_or("", |i| DAYS[i]));
        let cond = match op {
            Op::Lt => f.day.lt(a),
            Op::Le => f.day.le(a),
            Op::Gt => f.day.gt(a),
            Op::Ge => f.day.ge(a),
            Op::Between => f.day.between(a, b),
        };
        let q = Visit::query(f.club.eq(club)).range(cond);
        // A day is followed by "#": every key of the day `d` starts with "VISIT#d#", and is
        // below "VISIT#d$".
        let (head_a, upper_a) = (format!("VISIT#{a}"), format!("VISIT#{a}$"));
        let (head_b, upper_b) = (format!("VISIT#{b}"), format!("VISIT#{b}$"));
        let want = expected(&stored, "visit", "VISIT#", |sk| {
            in_range(sk, op, (&head_a, &upper_a), (&head_b, &upper_b))
        });
        compare(db, &q, want, &format!("day {op:?} {a:?} {b:?}")).await?;
    }
    Ok(())
}

trait Texts {
    fn text(&self) -> String;
}

impl Texts for Entry {
    fn text(&self) -> String {
        self.text.clone()
    }
}

impl Texts for Visit {
    fn text(&self) -> String {
        self.text.clone()
    }
}

static QUERIES: AtomicUsize = AtomicUsize::new(0);
static FOUND: AtomicUsize = AtomicUsize::new(0);

async fn compare<M: Model + Texts>(
    db: &Db,
    q: &dynomodel::query::Query<M>,
    want: Vec<String>,
    what: &str,
) -> Result<(), String> {
    let mut all: Vec<String> = match q.all(db).await {
        Ok(all) => all.iter().map(Texts::text).collect(),
        // A range whose ends are crossed is refused before sending (the reference has no
        // item), by `count` as by `all`.
        Err(Error::InvalidRequest(why)) if want.is_empty() && why.contains("lower bound after") => {
            return match q.count(db).await {
                Err(Error::InvalidRequest(_)) => Ok(()),
                other => Err(format!(
                    "{what}: all refused a crossed range, count answered {other:?}"
                )),
            };
        }
        Err(e) => return Err(format!("{what}: all: {e}")),
    };
    all.sort();
    let count = q
        .count(db)
        .await
        .map_err(|e| format!("{what}: count: {e}"))?;
    QUERIES.fetch_add(1, Ordering::Relaxed);
    FOUND.fetch_add(want.len(), Ordering::Relaxed);
    if all != want || count != want.len() {
        return Err(format!(
            "{what}: all gives {all:?}, count {count}, the reference {want:?}"
        ));
    }
    Ok(())
}

#[test]
fn ranges_of_adopting_models_count_what_all_gives() {
    let props = common::Props::new(48, 200);
    let db = props.block_on(async {
        let db = common::db().await;
        RangeClub::create_table().exec(&db).await.unwrap();
        db
    });
    let next = AtomicUsize::new(0);
    let cases = props.run(&case(), |c| {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let db = &db;
        async move { check(db, &format!("c{n}"), &c).await }
    });
    eprintln!(
        "ranges_of_adopting_models_count_what_all_gives: {cases} cases, {} queries, {} items found",
        QUERIES.load(Ordering::Relaxed),
        FOUND.load(Ordering::Relaxed)
    );
}
