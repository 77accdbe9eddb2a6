//! Key templates never let two items share a key: for every template shape that the derive
//! accepts, distinct field values compose distinct keys, and every key reads back as the
//! values it was composed of. Checked over generated shapes and values (pure), and over
//! generated writes against DynamoDB Local with a reference model, on a table whose
//! delimiter is two characters long.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::model::template::{separators_hold, Entity, KeyTemplate, Part};
use dynomodel::prelude::*;
use dynomodel::Item;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::{Deserialize, Serialize};

use crate::common;

/// A template shape: the table's delimiter, the text before the first field, the fields
/// (each a width: 0 for a string), the separators between them and the text after the last.
#[derive(Debug, Clone)]
struct Shape {
    delimiter: &'static str,
    lead: &'static str,
    widths: Vec<u8>,
    seps: Vec<&'static str>,
    tail: &'static str,
}

const DELIMITERS: [&str; 4] = ["#", "::", "|", "#!"];
const TEXTS: [&str; 12] = [
    "#", "-", "::", ":", "|", "#!", "x#", "#x#", "ab", "!", "a::b", "|#",
];

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::sample::select(DELIMITERS.to_vec()),
        prop::sample::select(vec!["", "A", "A#", "#", "P::", "|"]),
        prop::collection::vec(prop_oneof![3 => Just(0u8), 1 => 1..4u8], 1..4),
        prop::collection::vec(prop::sample::select(TEXTS.to_vec()), 3),
        prop::sample::select(vec!["", "#", "Z", ":", "!"]),
    )
        .prop_map(|(delimiter, lead, widths, seps, tail)| Shape {
            delimiter,
            lead,
            seps: seps.into_iter().take(widths.len() - 1).collect(),
            widths,
            tail,
        })
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

impl Shape {
    fn entity(&self) -> (&'static Entity, &'static KeyTemplate) {
        let mut parts = Vec::new();
        let mut text = String::new();
        if !self.lead.is_empty() {
            parts.push(Part::Text(self.lead));
            text.push_str(self.lead);
        }
        for (i, w) in self.widths.iter().enumerate() {
            if i > 0 {
                parts.push(Part::Text(self.seps[i - 1]));
                text.push_str(self.seps[i - 1]);
            }
            let name: &'static str = leak(format!("f{i}")).as_str();
            parts.push(Part::Field { name, width: *w });
            text.push_str(&format!("{{{name}}}"));
        }
        if !self.tail.is_empty() {
            parts.push(Part::Text(self.tail));
            text.push_str(self.tail);
        }
        let parts: &'static [Part] = leak(parts).as_slice();
        let t = KeyTemplate {
            attr: "sk",
            index: None,
            sort: true,
            text: leak(text).as_str(),
            parts,
            sparse: false,
        };
        let keys: &'static [KeyTemplate] = leak(vec![t]).as_slice();
        let e = leak(Entity {
            name: "e",
            table: "t",
            attr: "_et",
            delimiter: self.delimiter,
            keys,
            adopts_untagged: false,
            indexes: &[],
        });
        (e, &e.keys[0])
    }

    /// Whether the derive accepts the shape: text between every two fields (no two fields
    /// in a row), and that text holds the delimiter (a constant check at the template).
    fn accepted(&self, t: &KeyTemplate) -> bool {
        self.seps.iter().all(|s| !s.is_empty()) && separators_hold(t.parts, self.delimiter)
    }
}

/// A value of each field: strings over the characters of the delimiters and separators.
fn values(widths: Vec<u8>) -> impl Strategy<Value = Vec<AttributeValue>> {
    widths
        .into_iter()
        .map(|w| {
            if w == 0 {
                prop::collection::vec(
                    prop::sample::select(vec!['a', '#', ':', '-', '|', '!', 'x', 'b']),
                    0..4,
                )
                .prop_map(|cs| AttributeValue::S(cs.into_iter().collect()))
                .boxed()
            } else {
                (0..10u64.pow(u32::from(w)))
                    .prop_map(|n| AttributeValue::N(n.to_string()))
                    .boxed()
            }
        })
        .collect::<Vec<_>>()
}

fn case() -> impl Strategy<Value = (Shape, Vec<Vec<AttributeValue>>)> {
    shape().prop_flat_map(|s| {
        let w = s.widths.clone();
        (Just(s), prop::collection::vec(values(w), 2..12))
    })
}

fn item(values: &[AttributeValue]) -> Item {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("f{i}"), v.clone()))
        .collect()
}

#[test]
fn distinct_values_compose_distinct_keys_for_every_accepted_template() {
    let (cases, composed, refused) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let mut runner = TestRunner::new(Config {
        cases: 3000,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&case(), |(shape, tuples)| {
        let (e, t) = shape.entity();
        if !shape.accepted(t) {
            return Ok(());
        }
        cases.fetch_add(1, Ordering::Relaxed);
        let mut seen: HashMap<String, Vec<AttributeValue>> = HashMap::new();
        for values in tuples {
            let fields = item(&values);
            let key = match e.compose(t, |n| fields.get(n)) {
                Ok(Some(key)) => key,
                Ok(None) => return Err(TestCaseError::fail("every field has a value")),
                Err(_) => {
                    refused.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            };
            composed.fetch_add(1, Ordering::Relaxed);
            // The key reads back as the text that each value wrote (computed here: a string
            // as it is, a number zero-padded to its width).
            let want: Vec<(&str, String)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let text = match v {
                        AttributeValue::S(s) => s.clone(),
                        AttributeValue::N(n) => {
                            format!("{n:0>w$}", w = usize::from(shape.widths[i]))
                        }
                        other => panic!("{other:?}"),
                    };
                    (
                        t.parts
                            .iter()
                            .filter_map(|p| match p {
                                Part::Field { name, .. } => Some(*name),
                                _ => None,
                            })
                            .nth(i)
                            .unwrap(),
                        text,
                    )
                })
                .collect();
            prop_assert_eq!(
                e.parse(t, &key),
                Some(want),
                "template {:?}: {:?}",
                t.text,
                key
            );
            if let Some(other) = seen.insert(key.clone(), values.clone()) {
                prop_assert_eq!(
                    &other,
                    &values,
                    "template {:?} (delimiter {:?}): both compose {:?}",
                    t.text,
                    shape.delimiter,
                    key
                );
            }
        }
        Ok(())
    });
    let (cases, composed, refused) = (
        cases.into_inner(),
        composed.into_inner(),
        refused.into_inner(),
    );
    eprintln!(
        "distinct_values_compose_distinct_keys_for_every_accepted_template: {cases} accepted shapes, {composed} keys composed, {refused} values refused"
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        cases >= 500 && composed >= 2000,
        "too few: {cases} shapes, {composed} keys"
    );
}

#[derive(Table)]
#[dynomodel(name = "pairs", pk = "pk", sk = "sk", delimiter = "::")]
pub struct Pairs;

/// A two-field sort key under a two-character delimiter.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Pairs, entity = "pair", pk = "PAIR", sk = "{a}::{b}")]
pub struct Pair {
    pub a: String,
    pub b: String,
    pub v: u32,
}

#[derive(Debug, Clone)]
enum PairStep {
    Save(String, String, u32),
    Delete(String, String),
}

fn pair_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec!["", "x", "y"]),
        1 => prop::sample::select(vec![":", "x:", ":x", "::"]),
    ]
    .prop_map(str::to_owned)
}

fn pair_step() -> impl Strategy<Value = PairStep> {
    prop_oneof![
        4 => (pair_text(), pair_text(), 0..100u32).prop_map(|(a, b, v)| PairStep::Save(a, b, v)),
        1 => (pair_text(), pair_text()).prop_map(|(a, b)| PairStep::Delete(a, b)),
    ]
}

static PAIR_STEPS: AtomicUsize = AtomicUsize::new(0);
static PAIR_WRITES: AtomicUsize = AtomicUsize::new(0);

async fn pair_run(
    db: &Db,
    state: &mut BTreeMap<(String, String), u32>,
    step: &PairStep,
) -> Result<(), String> {
    match step {
        PairStep::Save(a, b, v) => {
            let mut p = Pair {
                a: a.clone(),
                b: b.clone(),
                v: *v,
            };
            match p.save(db).await {
                Ok(_) => {
                    PAIR_WRITES.fetch_add(1, Ordering::Relaxed);
                    state.insert((a.clone(), b.clone()), *v);
                }
                Err(Error::Validation(e)) => {
                    let e = e.into_iter().next().unwrap();
                    if e.rule != "template" {
                        return Err(format!("refused as {}: {}", e.rule, e.message));
                    }
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        PairStep::Delete(a, b) => {
            match Pair::delete(Pair::key(a.clone(), b.clone())).exec(db).await {
                Ok(_) => {
                    state.remove(&(a.clone(), b.clone()));
                }
                Err(Error::InvalidRequest(_)) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    }
    // Every pair that the steps wrote reads back as itself, and the table holds nothing else.
    for ((a, b), v) in state.iter() {
        let got = Pair::get(Pair::key(a.clone(), b.clone()))
            .exec(db)
            .await
            .map_err(|e| e.to_string())?;
        let want = Pair {
            a: a.clone(),
            b: b.clone(),
            v: *v,
        };
        if got.as_ref() != Some(&want) {
            return Err(format!("({a:?}, {b:?}) reads {got:?}"));
        }
    }
    let count = db
        .client()
        .scan()
        .table_name(db.table_name("pairs"))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .count as usize;
    if count != state.len() {
        return Err(format!(
            "the table holds {count} items, the steps wrote {}",
            state.len()
        ));
    }
    Ok(())
}

#[test]
fn pairs_under_a_two_character_delimiter_never_share_a_key() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 12,
        max_shrink_iters: 100,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(pair_step(), 8..20), |steps| {
        rt.block_on(async {
            let db = common::db().await;
            Pairs::create_table()
                .exec(&db)
                .await
                .map_err(|e| e.to_string())?;
            let mut state = BTreeMap::new();
            for (n, step) in steps.iter().enumerate() {
                PAIR_STEPS.fetch_add(1, Ordering::Relaxed);
                pair_run(&db, &mut state, step)
                    .await
                    .map_err(|e| format!("step {n} {step:?}: {e}"))?;
            }
            Ok::<(), String>(())
        })
        .map_err(TestCaseError::fail)
    });
    let (steps, writes) = (
        PAIR_STEPS.load(Ordering::Relaxed),
        PAIR_WRITES.load(Ordering::Relaxed),
    );
    eprintln!("pairs_under_a_two_character_delimiter_never_share_a_key: {steps} steps, {writes} saves written");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(writes * 3 >= steps, "only {writes} of {steps} steps wrote");
}

#[test]
fn a_value_with_the_delimiter_is_refused_naming_its_field() {
    let e = Pair::ENTITY.unwrap();
    let err = Pair {
        a: "x:".into(),
        b: "y".into(),
        v: 1,
    }
    .to_item()
    .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.iter().any(|e| e.path == "a" && e.rule == "template")),
        "{err}"
    );
    let err = Pair {
        a: "x::".into(),
        b: "y".into(),
        v: 1,
    }
    .to_item()
    .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.iter().any(|e| e.path == "a")),
        "{err}"
    );
    // A key that is not the template's reads back as nothing.
    assert_eq!(
        e.parse(&e.keys[1], "x::y").unwrap(),
        [("a", "x".to_owned()), ("b", "y".to_owned())]
    );
    assert!(e.parse(&e.keys[0], "PAIRS").is_none());
}

/// A flag in a key: `true` or `false`.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Pairs, entity = "flag", pk = "FLAG::{id}", sk = "ACTIVE::{active}")]
pub struct Flag {
    pub id: String,
    pub active: bool,
}

#[tokio::test]
async fn a_bool_field_in_a_key_template_writes_true_or_false() {
    let db = common::db().await;
    Pairs::create_table().exec(&db).await.unwrap();
    for active in [true, false] {
        let mut f = Flag {
            id: "f1".into(),
            active,
        };
        f.save(&db).await.unwrap();
        let item = f.to_item().unwrap();
        assert_eq!(item["sk"], AttributeValue::S(format!("ACTIVE::{active}")));
        assert_eq!(
            Flag::get(Flag::key("f1", active)).exec(&db).await.unwrap(),
            Some(f)
        );
    }
    let f = Flag::fields();
    let got = Flag::query(f.id.eq("f1"))
        .range(f.active.eq(true))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        got,
        [Flag {
            id: "f1".into(),
            active: true
        }]
    );
}
