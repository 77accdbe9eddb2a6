//! Every write keeps the model's promise, over random sequences of writes against DynamoDB
//! Local: typed update actions on top-level, nested, element and map-entry paths of a model
//! with sets, bytes, epoch dates, documents and rules, interleaved with saves, deletes and
//! transactions. After every step, read back with a raw GetItem: either the call failed and
//! the stored item is unchanged, or it succeeded and the stored item decodes into the model
//! and passes every rule.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use dynomodel::prelude::*;
use dynomodel::update::UpdateActions;
use dynomodel::Item;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "ledger")]
pub struct Ledger {
    #[dynomodel(hash_key)]
    pub id: String,
    #[dynomodel(set = "trim", validate(length(min = 1, max = 12)))]
    pub name: String,
    #[dynomodel(validate(range(min = 0, max = 1000)))]
    pub stock: u32,
    #[dynomodel(validate(range(min = 10)))]
    pub points: i64,
    #[dynomodel(string_set)]
    pub tags: BTreeSet<String>,
    #[dynomodel(binary_set)]
    pub keys: BTreeSet<Vec<u8>>,
    pub blob: Vec<u8>,
    #[dynomodel(epoch)]
    pub seen: Option<DateTime<Utc>>,
    pub at: Option<DateTime<Utc>>,
    pub address: Option<Address>,
    #[dynomodel(validate(length(max = 4)))]
    pub history: Vec<Entry>,
    pub notes: HashMap<String, Entry>,
    pub scores: Vec<i32>,
    #[dynomodel(version)]
    pub version: u64,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Address {
    #[dynomodel(set = "trim", validate(length(min = 1, max = 20)))]
    pub street: String,
    #[dynomodel(string_set)]
    pub labels: BTreeSet<String>,
    pub bytes: Vec<u8>,
    #[dynomodel(epoch)]
    pub since: Option<DateTime<Utc>>,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Entry {
    #[dynomodel(set = "lowercase", validate(length(min = 1, max = 8)))]
    pub note: String,
    #[dynomodel(string_set)]
    pub marks: BTreeSet<String>,
    pub data: Vec<u8>,
    #[dynomodel(epoch)]
    pub when: Option<DateTime<Utc>>,
}

/// One typed update action.
#[derive(Clone, Debug)]
enum Act {
    Name(String),
    Stock(u32),
    AddStock(u32),
    SubtractStock(u32),
    AddPoints(i64),
    SubtractPoints(i64),
    AddTags(BTreeSet<String>),
    DeleteTags(BTreeSet<String>),
    AddKeys(BTreeSet<Vec<u8>>),
    Blob(Vec<u8>),
    Seen(Option<DateTime<Utc>>),
    At(Option<DateTime<Utc>>),
    Address(Option<Address>),
    Street(String),
    Labels(BTreeSet<String>),
    AppendHistory(Vec<Entry>),
    PrependHistory(Vec<Entry>),
    HistoryAt(usize, Entry),
    HistoryNote(usize, String),
    Note(String, Entry),
    NoteMarks(String, BTreeSet<String>),
    RemoveNote(String),
    ScoreAt(usize, i32),
    AppendScores(Vec<i32>),
    RemoveName,
    RemoveSeen,
    RemoveAddress,
}

/// One step of a sequence.
#[derive(Clone, Debug)]
enum Step {
    /// Create the item, or read it, change it and save it.
    Save(Box<Ledger>),
    /// A typed update, or an upsert, answered in one of the four ways an update can be
    /// (the new item, nothing, the old item, the changed attributes).
    Update(Vec<Act>, bool, u8),
    /// A save of the stored item, changed, on the condition that `points` is what was read.
    SaveIf(Box<Ledger>),
    /// A batch put of an item, over whatever version is stored.
    Batch(Box<Ledger>),
    /// The same update inside a transaction.
    Transact(Vec<Act>),
    /// A delete.
    Delete,
}

fn date() -> impl Strategy<Value = Option<DateTime<Utc>>> {
    prop::option::of(
        (0i64..4_000_000_000, 0u32..1_000_000_000)
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap_or_default()),
    )
}

/// Mostly text that the rules take, sometimes text that they refuse.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z]{1,6}",
        1 => Just(String::new()),
        1 => Just("  Padded  ".to_owned()),
        1 => "[a-z ]{9,24}",
    ]
}

fn words() -> impl Strategy<Value = BTreeSet<String>> {
    prop::collection::btree_set("[a-c]{1,2}", 0..3)
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..4)
}

fn entry() -> impl Strategy<Value = Entry> {
    (text(), words(), bytes(), date()).prop_map(|(note, marks, data, when)| Entry {
        note,
        marks,
        data,
        when,
    })
}

fn address() -> impl Strategy<Value = Address> {
    (text(), words(), bytes(), date()).prop_map(|(street, labels, bytes, since)| Address {
        street,
        labels,
        bytes,
        since,
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just("c d".to_owned())
    ]
}

fn ledger() -> impl Strategy<Value = Ledger> {
    (
        (
            text(),
            prop_oneof![9 => 0u32..1000, 1 => 1000u32..1200],
            prop_oneof![9 => 10i64..100, 1 => -20i64..10],
            words(),
            prop::collection::btree_set(bytes(), 0..3),
        ),
        (bytes(), date(), date(), prop::option::of(address())),
        (
            prop::collection::vec(entry(), 0..5),
            prop::collection::hash_map(key(), entry(), 0..3),
            prop::collection::vec(any::<i32>(), 0..3),
        ),
    )
        .prop_map(
            |(
                (name, stock, points, tags, keys),
                (blob, seen, at, address),
                (history, notes, scores),
            )| {
                Ledger {
                    id: String::new(),
                    name,
                    stock,
                    points,
                    tags,
                    keys,
                    blob,
                    seen,
                    at,
                    address,
                    history,
                    notes,
                    scores,
                    version: 0,
                }
            },
        )
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        text().prop_map(Act::Name),
        (0u32..1200).prop_map(Act::Stock),
        (0u32..600).prop_map(Act::AddStock),
        (0u32..600).prop_map(Act::SubtractStock),
        // Extreme amounts too: guards and their arithmetic at the ends of i64.
        prop_oneof![8 => -30i64..30, 1 => Just(i64::MAX), 1 => Just(i64::MIN)]
            .prop_map(Act::AddPoints),
        prop_oneof![8 => -30i64..30, 1 => Just(i64::MAX), 1 => Just(i64::MIN)]
            .prop_map(Act::SubtractPoints),
        words().prop_map(Act::AddTags),
        words().prop_map(Act::DeleteTags),
        prop::collection::btree_set(bytes(), 0..3).prop_map(Act::AddKeys),
        bytes().prop_map(Act::Blob),
        date().prop_map(Act::Seen),
        date().prop_map(Act::At),
        prop::option::of(address()).prop_map(Act::Address),
        text().prop_map(Act::Street),
        words().prop_map(Act::Labels),
        prop::collection::vec(entry(), 0..3).prop_map(Act::AppendHistory),
        prop::collection::vec(entry(), 0..3).prop_map(Act::PrependHistory),
        (0usize..5, entry()).prop_map(|(i, e)| Act::HistoryAt(i, e)),
        (0usize..5, text()).prop_map(|(i, t)| Act::HistoryNote(i, t)),
        (key(), entry()).prop_map(|(k, e)| Act::Note(k, e)),
        (key(), words()).prop_map(|(k, w)| Act::NoteMarks(k, w)),
        key().prop_map(Act::RemoveNote),
        (0usize..4, any::<i32>()).prop_map(|(i, v)| Act::ScoreAt(i, v)),
        prop::collection::vec(any::<i32>(), 0..3).prop_map(Act::AppendScores),
        Just(Act::RemoveName),
        Just(Act::RemoveSeen),
        Just(Act::RemoveAddress),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => ledger().prop_map(|l| Step::Save(Box::new(l))),
        6 => (prop::collection::vec(act(), 1..4), prop::bool::weighted(0.15), 0u8..4)
            .prop_map(|(a, upsert, answer)| Step::Update(a, upsert, answer)),
        1 => ledger().prop_map(|l| Step::SaveIf(Box::new(l))),
        1 => ledger().prop_map(|l| Step::Batch(Box::new(l))),
        2 => prop::collection::vec(act(), 1..3).prop_map(Step::Transact),
        1 => Just(Step::Delete),
    ]
}

fn apply<U: UpdateActions<Ledger>>(u: U, act: &Act) -> U {
    let f = Ledger::fields();
    match act.clone() {
        Act::Name(v) => u.set(&f.name, v),
        Act::Stock(v) => u.set(&f.stock, v),
        Act::AddStock(v) => u.add(&f.stock, v),
        Act::SubtractStock(v) => u.subtract(&f.stock, v),
        Act::AddPoints(v) => u.add(&f.points, v),
        Act::SubtractPoints(v) => u.subtract(&f.points, v),
        Act::AddTags(v) => u.add(&f.tags, v),
        Act::DeleteTags(v) => u.delete(&f.tags, v),
        Act::AddKeys(v) => u.add(&f.keys, v),
        Act::Blob(v) => u.set(&f.blob, v),
        Act::Seen(v) => u.set(&f.seen, v),
        Act::At(v) => u.set(&f.at, v),
        Act::Address(v) => u.set(&f.address, v),
        Act::Street(v) => u.set(&f.address.street, v),
        Act::Labels(v) => u.set(&f.address.labels, v),
        Act::AppendHistory(v) => u.append(&f.history, v),
        Act::PrependHistory(v) => u.prepend(&f.history, v),
        Act::HistoryAt(i, e) => u.set(f.history.at(i), e),
        Act::HistoryNote(i, t) => u.set(&f.history.at(i).note, t),
        Act::Note(k, e) => u.set(f.notes.key(k), e),
        Act::NoteMarks(k, w) => u.set(&f.notes.key(k).marks, w),
        Act::RemoveNote(k) => u.remove(f.notes.key(k)),
        Act::ScoreAt(i, v) => u.set(f.scores.at(i), v),
        Act::AppendScores(v) => u.append(&f.scores, v),
        Act::RemoveName => u.remove(&f.name),
        Act::RemoveSeen => u.remove(&f.seen),
        Act::RemoveAddress => u.remove(&f.address),
    }
}

/// The item as stored, read with the raw SDK.
async fn raw_get(db: &Db, id: &str) -> Option<Item> {
    db.client()
        .get_item()
        .table_name(db.table_name(Ledger::TABLE))
        .key("id", aws_sdk_dynamodb::types::AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

async fn run(db: &Db, id: &str, step: &Step) -> Result<()> {
    match step {
        Step::Save(seed) => match Ledger::get(Ledger::key(id)).consistent().exec(db).await? {
            None => {
                let mut l = Ledger {
                    id: id.to_owned(),
                    ..(**seed).clone()
                };
                l.create(db).await
            }
            Some(stored) => {
                let mut l = Ledger {
                    id: id.to_owned(),
                    version: stored.version,
                    ..(**seed).clone()
                };
                l.save(db).await
            }
        },
        Step::Update(acts, upsert, answer) => {
            let mut u = Ledger::update(Ledger::key(id));
            if *upsert {
                u = u.upsert();
            }
            let u = acts.iter().fold(u, apply);
            match answer {
                0 => u.exec(db).await.map(|_| ()),
                1 => u.exec_quiet(db).await,
                2 => u.exec_old(db).await.map(|_| ()),
                _ => u.exec_updated(db).await.map(|_| ()),
            }
        }
        Step::SaveIf(seed) => {
            let Some(stored) = Ledger::get(Ledger::key(id)).consistent().exec(db).await? else {
                return Ok(());
            };
            let mut l = Ledger {
                id: id.to_owned(),
                version: stored.version,
                ..(**seed).clone()
            };
            l.save_if(db, Ledger::fields().points.eq(stored.points))
                .await
        }
        Step::Batch(seed) => {
            let l = Ledger {
                id: id.to_owned(),
                ..(**seed).clone()
            };
            Ledger::batch_put([l]).overwrite_versions().exec(db).await
        }
        Step::Transact(acts) => {
            let u = acts.iter().fold(Ledger::update(Ledger::key(id)), apply);
            Transaction::new().update(u).exec(db).await
        }
        Step::Delete => Ledger::delete(Ledger::key(id)).exec(db).await.map(|_| ()),
    }
}

static SUCCEEDED: AtomicUsize = AtomicUsize::new(0);

/// What went wrong at one step, for the report.
async fn check_sequence(
    db: &Db,
    steps: &[Step],
    counted: &AtomicUsize,
) -> std::result::Result<(), String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let id = format!("l{}", NEXT.fetch_add(1, Ordering::Relaxed));
    for (n, step) in steps.iter().enumerate() {
        let before = raw_get(db, &id).await;
        let result = run(db, &id, step).await;
        let after = raw_get(db, &id).await;
        counted.fetch_add(1, Ordering::Relaxed);
        if result.is_ok() {
            SUCCEEDED.fetch_add(1, Ordering::Relaxed);
        }
        match result {
            Err(e) if before != after => {
                return Err(format!(
                    "step {n} {step:?} failed with `{e}` but changed the stored item\nbefore: {before:?}\nafter: {after:?}"
                ))
            }
            Err(e) => {
                if std::env::var("WRITE_PROPS_LOG").is_ok() {
                    eprintln!("{}", e.to_string().chars().take(150).collect::<String>());
                }
            }
            Ok(()) => {
                if let Some(item) = &after {
                    let decoded = Ledger::from_item(item).map_err(|e| {
                        format!("step {n} {step:?} succeeded and stored an item that does not decode: {e}\n{item:?}")
                    })?;
                    decoded.validate().map_err(|e| {
                        format!("step {n} {step:?} succeeded and stored an item that breaks a rule: {e}\n{item:?}")
                    })?;
                }
            }
        }
    }
    Ok(())
}

#[test]
fn every_write_keeps_the_models_promise() {
    let props = common::Props::new(20, 300);
    let db = props.block_on(async {
        let db = common::db().await;
        Ledger::create_table().exec(&db).await.unwrap();
        db
    });
    let counted = AtomicUsize::new(0);
    // Each sequence starts by storing an item, so that the steps after it find one.
    let sequence =
        (ledger(), prop::collection::vec(step(), 45..60)).prop_map(|(first, mut steps)| {
            steps.insert(0, Step::Save(Box::new(first)));
            steps
        });
    props.run(&sequence, |steps| {
        let (db, counted) = (&db, &counted);
        async move { check_sequence(db, &steps, counted).await }
    });
    let steps = counted.load(Ordering::Relaxed);
    let succeeded = SUCCEEDED.load(Ordering::Relaxed);
    eprintln!(
        "every_write_keeps_the_models_promise: {steps} steps against DynamoDB Local, {succeeded} of them succeeded"
    );
    assert!(steps >= 500, "only {steps} steps ran");
    // A sequence whose every step fails would prove nothing.
    assert!(
        succeeded * 5 >= steps,
        "only {succeeded} of {steps} steps succeeded"
    );
}
