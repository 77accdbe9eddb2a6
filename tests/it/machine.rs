//! The write and read promise as a state machine: random sequences of creates, saves,
//! typed updates, deletes, batches and transactions over three colliding keys, against
//! DynamoDB Local and against a reference model of what must be stored. After every step the
//! stored item (a raw GetItem) equals the reference; a write that failed changed nothing; a
//! write that succeeded moved the version by exactly one and answered what is stored; and
//! every read path gives the item, or leaves it out when it is past its TTL, by the same rule.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "machine")]
struct Rec {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(required)]
    email: Option<String>,
    #[dynomodel(validate(range(min = -1000, max = 1000)))]
    n: i32,
    #[dynomodel(string_set, validate(length(max = 3)))]
    tags: BTreeSet<String>,
    #[dynomodel(validate(length(max = 4)))]
    list: Vec<i8>,
    f: f32,
    text: String,
    #[dynomodel(number_set)]
    scores: BTreeSet<i32>,
    labels: BTreeMap<String, String>,
    #[dynomodel(ttl)]
    ttl: Option<i64>,
    #[dynomodel(version)]
    version: u8,
}

#[derive(Table)]
#[dynomodel(name = "machine_shared", pk = "pk", sk = "sk")]
struct MachineTable;

/// The same model in a shared table: its keys composed from templates, its entity stored.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = MachineTable, entity = "rec", pk = "REC#{id}", sk = "R")]
struct SharedRec {
    id: String,
    #[dynomodel(required)]
    email: Option<String>,
    #[dynomodel(validate(range(min = -1000, max = 1000)))]
    n: i32,
    #[dynomodel(string_set, validate(length(max = 3)))]
    tags: BTreeSet<String>,
    #[dynomodel(validate(length(max = 4)))]
    list: Vec<i8>,
    f: f32,
    text: String,
    #[dynomodel(number_set)]
    scores: BTreeSet<i32>,
    labels: BTreeMap<String, String>,
    #[dynomodel(ttl)]
    ttl: Option<i64>,
    #[dynomodel(version)]
    version: u8,
}

/// The machine, for a model `$rec` in `$table` whose item of key `k` is at `raw_key(k)`.
macro_rules! machine {
    ($module:ident, $rec:ty, $table:literal, $test:ident) => {
        mod $module {
            use super::*;

            type Rec = $rec;
            const TABLE: &str = $table;

/// The raw key of the item of `k`.
fn raw_key(k: &str) -> std::collections::HashMap<String, AttributeValue> {
    match TABLE {
        "machine" => [("id".to_owned(), AttributeValue::S(k.into()))].into(),
        _ => [
            ("pk".to_owned(), AttributeValue::S(format!("REC#{k}"))),
            ("sk".to_owned(), AttributeValue::S("R".into())),
        ]
        .into(),
    }
}

const KEYS: [&str; 3] = ["a", "b", "c"];

/// A time to live long past.
const EXPIRED: i64 = 1_000_000;

#[derive(Clone, Debug)]
enum Step {
    Create(Rec),
    /// A save of `rec` by a caller that read the stored version, or one behind it.
    Save(Rec, bool),
    Add(&'static str, i32),
    DropEmail(&'static str, bool),
    AddTags(&'static str, BTreeSet<String>),
    Append(&'static str, Vec<i8>),
    AddElem(&'static str, usize, i8),
    AddF(&'static str, f32),
    Text(&'static str, String),
    Delete(&'static str),
    Expire(&'static str),
    BatchPut(Vec<Rec>),
    BatchDelete(BTreeSet<&'static str>),
    Tx(&'static str, i32, &'static str, i32),
    /// An upsert that sets `n` and fills the other required fields where they are missing.
    Upsert(&'static str, i32),
    /// A save under the condition `n >= 0`, by a caller at the stored version or behind it.
    SaveIf(Rec, bool),
    /// An add to `n` that expects the stored version, or one behind it.
    Expecting(&'static str, i32, bool),
    /// Adds and deletes of number-set elements.
    Scores(&'static str, BTreeSet<i32>, bool),
    /// A label set where it is missing (`set_if_not_exists` on a map entry).
    Label(&'static str, String, String),
    /// A text of this many bytes: near DynamoDB's 400 KB item limit, or over it.
    Big(&'static str, usize),
    /// An add to one item, checked against another's `n >= 0` in the same transaction.
    TxCheck(&'static str, i32, &'static str),
}

fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(KEYS.to_vec())
}

fn float() -> impl Strategy<Value = f32> {
    prop::sample::select(vec![
        0.0,
        -0.0,
        f32::MAX / 2.0,
        -f32::MAX / 2.0,
        f32::MAX,
        f32::MIN,
        f32::NAN,
        f32::INFINITY,
    ])
}

fn rec() -> impl Strategy<Value = Rec> {
    (
        key(),
        prop::option::weighted(0.9, "[a-zé€😀]{1,6}"),
        -1100i32..1100,
        prop::collection::btree_set("[xyz]", 0..5),
        prop::collection::vec(any::<i8>(), 0..6),
        float(),
        "[ a-zé€😀\u{0}]{0,8}",
        prop::option::of(prop::sample::select(vec![-3600i64, 3600])),
        prop::sample::select(vec![0u8, 1, 7, 254, 255]),
        (
            prop::collection::btree_set(
                prop::sample::select(vec![i32::MIN, -1, 0, 7, i32::MAX]),
                0..3,
            ),
            prop::collection::btree_map("[aé😀 ]{1,3}", "[a-z€]{0,3}", 0..3),
        ),
    )
        .prop_map(
            |(id, email, n, tags, list, f, text, ttl, version, (scores, labels))| Rec {
                id: id.into(),
                email,
                n,
                tags,
                list,
                f,
                text,
                ttl: ttl.map(|t| now() + t),
                version,
                scores,
                labels,
            },
        )
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => rec().prop_map(Step::Create),
        2 => (rec(), any::<bool>()).prop_map(|(r, stale)| Step::Save(r, stale)),
        3 => (key(), -600i32..600).prop_map(|(k, d)| Step::Add(k, d)),
        1 => (key(), any::<bool>()).prop_map(|(k, r)| Step::DropEmail(k, r)),
        2 => (key(), prop::collection::btree_set("[wxyz]", 1..4)).prop_map(|(k, t)| Step::AddTags(k, t)),
        2 => (key(), prop::collection::vec(any::<i8>(), 1..3)).prop_map(|(k, v)| Step::Append(k, v)),
        2 => (key(), 0usize..4, any::<i8>()).prop_map(|(k, i, d)| Step::AddElem(k, i, d)),
        1 => (key(), prop::sample::select(vec![f32::MAX / 2.0, -f32::MAX / 2.0, f32::MAX])).prop_map(|(k, x)| Step::AddF(k, x)),
        1 => (key(), "[a-z€😀]{0,5}").prop_map(|(k, t)| Step::Text(k, t)),
        1 => key().prop_map(Step::Delete),
        1 => key().prop_map(Step::Expire),
        1 => prop::collection::vec(rec(), 1..3).prop_map(Step::BatchPut),
        2 => (key(), -600i32..600, key(), -600i32..600).prop_map(|(a, x, b, y)| Step::Tx(a, x, b, y)),
        1 => prop::collection::btree_set(key(), 1..3).prop_map(Step::BatchDelete),
        2 => (key(), -1100i32..1100).prop_map(|(k, n)| Step::Upsert(k, n)),
        2 => (rec(), any::<bool>()).prop_map(|(r, stale)| Step::SaveIf(r, stale)),
        2 => (key(), -600i32..600, any::<bool>()).prop_map(|(k, d, stale)| Step::Expecting(k, d, stale)),
        2 => (key(), prop::collection::btree_set(prop::sample::select(vec![i32::MIN, -1, 0, 7, i32::MAX]), 1..3), any::<bool>()).prop_map(|(k, s, add)| Step::Scores(k, s, add)),
        1 => (key(), "[aé😀 ]{1,3}", "[a-z€]{0,3}").prop_map(|(k, l, v)| Step::Label(k, l, v)),
        1 => (key(), prop::sample::select(vec![380_000usize, 420_000])).prop_map(|(k, n)| Step::Big(k, n)),
        1 => (key(), -600i32..600, key()).prop_map(|(a, x, b)| Step::TxCheck(a, x, b)),
    ]
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn expired(r: &Rec) -> bool {
    r.ttl.is_some_and(|t| t <= now())
}

/// The item under `k` as every read and write sees it: none past its TTL.
fn live<'a>(m: &'a mut Model, k: &str) -> Option<&'a mut Rec> {
    m.get_mut(k).filter(|r| !expired(r))
}

/// Whether `r` passes the model's rules and can be written.
fn valid(r: &Rec) -> bool {
    r.email.is_some()
        && (-1000..=1000).contains(&r.n)
        && r.tags.len() <= 3
        && r.list.len() <= 4
        && r.f.is_finite()
}

/// The reference: what the table must hold, by key.
type Model = BTreeMap<String, Rec>;

/// What the stored items hold beyond their decoded values: the decimal that each item's `f`
/// is stored as (additions accumulate decimals that no `f32` shows exactly, which DynamoDB
/// adds as they are), and whether its `labels` map is stored at all (a save writes an empty
/// map; an upsert that creates the item writes none).
#[derive(Default)]
struct Decimals {
    f: BTreeMap<String, f64>,
    labels: BTreeSet<String>,
}

/// What a step must come to: the table after it, or a refusal that changes nothing.
fn expect(m: &Model, dec: &Decimals, step: &Step) -> Option<Model> {
    let mut next = m.clone();
    let bump = |r: &mut Rec| -> Option<()> {
        r.version = r.version.checked_add(1)?;
        Some(())
    };
    match step {
        Step::Create(r) => {
            if !valid(r) || m.get(&r.id).is_some_and(|s| !expired(s)) {
                return None;
            }
            let mut r = r.clone();
            bump(&mut r)?;
            next.insert(r.id.clone(), r);
        }
        Step::Save(r, stale) => {
            // An item past its TTL is no item to every read and write: a save over it is a
            // save over no item (version 0).
            let stored = m.get(&r.id).filter(|s| !expired(s)).map_or(0, |s| s.version);
            let mut r = r.clone();
            r.version = if *stale {
                stored.wrapping_sub(1)
            } else {
                stored
            };
            if !valid(&r) || r.version != stored {
                return None;
            }
            bump(&mut r)?;
            next.insert(r.id.clone(), r);
        }
        Step::Add(k, d) => {
            let r = live(&mut next, k)?;
            r.n = r.n.checked_add(*d).filter(|n| (-1000..=1000).contains(n))?;
            bump(r)?;
        }
        Step::DropEmail(..) => return None,
        Step::AddTags(k, t) => {
            let r = live(&mut next, k)?;
            // An add of elements is refused where the set could outgrow its rule.
            if !r.tags.is_empty() && r.tags.len() + t.len() > 3 {
                return None;
            }
            r.tags.extend(t.iter().cloned());
            bump(r)?;
        }
        Step::Append(k, v) => {
            let r = live(&mut next, k)?;
            if r.list.len() + v.len() > 4 {
                return None;
            }
            r.list.extend(v);
            bump(r)?;
        }
        Step::AddElem(k, i, d) => {
            let r = live(&mut next, k)?;
            let e = r.list.get_mut(*i)?;
            *e = e.checked_add(*d)?;
            bump(r)?;
        }
        Step::AddF(k, x) => {
            let r = live(&mut next, k)?;
            // DynamoDB adds the decimals that the floats are stored as, and the guard bounds
            // the sum by f32::MAX as a decimal.
            let decimal = |v: f32| v.to_string().parse::<f64>().unwrap();
            let stored = dec.f.get(*k).copied().unwrap_or_else(|| decimal(r.f));
            let sum = stored + decimal(*x);
            if sum.abs() > decimal(f32::MAX) {
                return None;
            }
            r.f = sum as f32;
            bump(r)?;
        }
        Step::Text(k, t) => {
            let r = live(&mut next, k)?;
            r.text = t.clone();
            bump(r)?;
        }
        Step::Delete(k) => {
            next.remove(*k);
        }
        Step::Expire(k) => {
            next.get_mut(*k)?.ttl = Some(EXPIRED);
        }
        Step::BatchPut(recs) => {
            let mut seen = BTreeSet::new();
            for r in recs {
                if !valid(r) || !seen.insert(r.id.clone()) {
                    return None;
                }
                let mut r = r.clone();
                bump(&mut r)?;
                next.insert(r.id.clone(), r);
            }
        }
        Step::BatchDelete(keys) => {
            for k in keys {
                next.remove(*k);
            }
        }
        Step::Scores(k, set, add) => {
            let r = live(&mut next, k)?;
            if *add {
                r.scores.extend(set.iter().copied());
            } else {
                r.scores.retain(|s| !set.contains(s));
            }
            bump(r)?;
        }
        Step::Label(k, l, v) => {
            let r = live(&mut next, k)?;
            // An entry cannot be set below a map that is not stored.
            if !dec.labels.contains(*k) {
                return None;
            }
            r.labels.entry(l.clone()).or_insert_with(|| v.clone());
            bump(r)?;
        }
        Step::Big(k, n) => {
            let r = live(&mut next, k)?;
            if *n > 400_000 {
                return None;
            }
            r.text = "x".repeat(*n);
            bump(r)?;
        }
        Step::TxCheck(a, x, b) => {
            if a == b || m.get(*b).is_none_or(|r| expired(r) || r.n < 0) {
                return None;
            }
            return expect(m, dec, &Step::Add(a, *x));
        }
        Step::Upsert(k, n) => {
            if !(-1000..=1000).contains(n) {
                return None;
            }
            // An upsert over an item past its TTL makes a new item, as over no item.
            if next.get(*k).is_some_and(expired) {
                next.remove(*k);
            }
            let r = next.entry((*k).to_owned()).or_insert_with(|| Rec {
                id: (*k).into(),
                email: Some("u".into()),
                n: 0,
                tags: BTreeSet::new(),
                list: Vec::new(),
                f: 0.0,
                text: String::new(),
                scores: BTreeSet::new(),
                labels: BTreeMap::new(),
                ttl: None,
                version: 0,
            });
            r.n = *n;
            bump(r)?;
        }
        Step::SaveIf(r, stale) => {
            if m.get(&r.id).is_none_or(|s| expired(s) || s.n < 0) {
                return None;
            }
            return expect(m, dec, &Step::Save(r.clone(), *stale));
        }
        Step::Expecting(k, d, stale) => {
            if *stale {
                return None;
            }
            return expect(m, dec, &Step::Add(k, *d));
        }
        Step::Tx(a, x, b, y) => {
            if a == b {
                return None;
            }
            next = expect(&next, dec, &Step::Add(a, *x))?;
            next = expect(&next, dec, &Step::Add(b, *y))?;
        }
    }
    Some(next)
}

/// The version that a caller who read the item holds: 0 where a read gave none (no item, or
/// one past its TTL).
fn read_version(m: &Model, k: &str) -> u8 {
    m.get(k).filter(|s| !expired(s)).map_or(0, |s| s.version)
}

/// Runs `step` through the public API; what it answered, as stored items where it answers one.
async fn run(db: &Db, m: &Model, step: &Step) -> Result<Option<Rec>> {
    let f = Rec::fields();
    let up = |k: &str| Rec::update(Rec::key(k));
    match step {
        Step::Create(r) => {
            let mut r = r.clone();
            r.create(db).await.map(|()| Some(r))
        }
        Step::Save(r, stale) => {
            let stored = read_version(m, &r.id);
            let mut r = r.clone();
            r.version = if *stale {
                stored.wrapping_sub(1)
            } else {
                stored
            };
            r.save(db).await.map(|()| Some(r))
        }
        Step::Add(k, d) => up(k).add(&f.n, *d).exec(db).await.map(Some),
        Step::DropEmail(k, true) => up(k).remove(&f.email).exec(db).await.map(Some),
        Step::DropEmail(k, false) => up(k).set(&f.email, None::<String>).exec(db).await.map(Some),
        Step::AddTags(k, t) => up(k).add(&f.tags, t.clone()).exec(db).await.map(Some),
        Step::Append(k, v) => up(k).append(&f.list, v.clone()).exec(db).await.map(Some),
        Step::AddElem(k, i, d) => {
            // An element past the end is refused before sending by the reference; keep the
            // request to elements that exist, as a caller that read the item would.
            if m.get(*k).is_none_or(|r| *i >= r.list.len()) {
                return Err(Error::InvalidRequest("no such element".into()));
            }
            up(k).add(f.list.at(*i), *d).exec(db).await.map(Some)
        }
        Step::AddF(k, x) => up(k).add(&f.f, *x).exec(db).await.map(Some),
        Step::Text(k, t) => up(k).set(&f.text, t.clone()).exec(db).await.map(Some),
        Step::Delete(k) => Rec::delete(Rec::key(*k)).exec(db).await.map(|_| None),
        Step::Expire(k) => {
            if !m.contains_key(*k) {
                return Err(Error::InvalidRequest("nothing to expire".into()));
            }
            db.client()
                .update_item()
                .table_name(db.table_name(TABLE))
                .set_key(Some(raw_key(k)))
                .update_expression("SET #t = :t")
                .expression_attribute_names("#t", "ttl")
                .expression_attribute_values(":t", AttributeValue::N(EXPIRED.to_string()))
                .send()
                .await
                .unwrap();
            Ok(None)
        }
        Step::BatchPut(recs) => Rec::batch_put(recs.clone())
            .overwrite_other_entities()
            .overwrite_versions()
            .exec(db)
            .await
            .map(|()| None),
        Step::BatchDelete(keys) => Rec::batch_delete(keys.iter().map(|k| Rec::key(*k)))
            .delete_other_entities()
            .exec(db)
            .await
            .map(|()| None),
        Step::Upsert(k, n) => up(k)
            .upsert()
            .set(&f.n, *n)
            .set_if_not_exists(&f.email, Some("u".to_owned()))
            .set_if_not_exists(&f.f, 0.0f32)
            .set_if_not_exists(&f.text, String::new())
            .exec(db)
            .await
            .map(Some),
        Step::SaveIf(r, stale) => {
            let stored = read_version(m, &r.id);
            let mut r = r.clone();
            r.version = if *stale {
                stored.wrapping_sub(1)
            } else {
                stored
            };
            r.save_if(db, f.n.ge(0)).await.map(|()| Some(r))
        }
        Step::Expecting(k, d, stale) => {
            let stored = read_version(m, k);
            let v = if *stale {
                stored.wrapping_sub(1)
            } else {
                stored
            };
            up(k)
                .add(&f.n, *d)
                .expect_version(u64::from(v))
                .exec(db)
                .await
                .map(Some)
        }
        Step::Scores(k, set, true) => up(k).add(&f.scores, set.clone()).exec(db).await.map(Some),
        Step::Scores(k, set, false) => up(k)
            .delete(&f.scores, set.clone())
            .exec(db)
            .await
            .map(Some),
        Step::Label(k, l, v) => up(k)
            .set_if_not_exists(f.labels.key(l), v.clone())
            .exec(db)
            .await
            .map(Some),
        Step::Big(k, n) => up(k).set(&f.text, "x".repeat(*n)).exec(db).await.map(Some),
        Step::TxCheck(a, x, b) => Transaction::new()
            .update(up(a).add(&f.n, *x))
            .condition_check(Rec::key(*b), f.n.ge(0))
            .exec(db)
            .await
            .map(|()| None),
        Step::Tx(a, x, b, y) => Transaction::new()
            .update(up(a).add(&f.n, *x))
            .update(up(b).add(&f.n, *y))
            .exec(db)
            .await
            .map(|()| None),
    }
}

async fn stored(db: &Db) -> (Model, Decimals) {
    let (mut out, mut dec) = (Model::new(), Decimals::default());
    for k in KEYS {
        let raw = db
            .client()
            .get_item()
            .table_name(db.table_name(TABLE))
            .set_key(Some(raw_key(k)))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        if let Some(item) = raw.item {
            let r = Rec::from_item(&item).unwrap_or_else(|e| panic!("{k} does not decode: {e}"));
            if let Some(AttributeValue::N(f)) = item.get("f") {
                dec.f.insert(k.into(), f.parse().unwrap());
            }
            if item.contains_key("labels") {
                dec.labels.insert(k.into());
            }
            out.insert(k.into(), r);
        }
    }
    (out, dec)
}

static SUCCEEDED: AtomicUsize = AtomicUsize::new(0);

async fn check(db: &Db, steps: &[Step], counted: &AtomicUsize) -> std::result::Result<(), String> {
    for k in KEYS {
        Rec::delete(Rec::key(k)).exec_quiet(db).await.unwrap();
    }
    let (mut m, mut dec) = (Model::new(), Decimals::default());
    for (i, step) in steps.iter().enumerate() {
        counted.fetch_add(1, Ordering::Relaxed);
        let expected = expect(&m, &dec, step);
        let answer = run(db, &m, step).await;
        let (now_stored, now_dec) = stored(db).await;
        dec = now_dec;
        // DynamoDB deletes an item past its TTL when it likes: the reference follows.
        let gone = |model: &mut Model| {
            model.retain(|k, r| !expired(r) || now_stored.contains_key(k));
        };
        gone(&mut m);
        let mut expected = expected;
        if let Some(e) = &mut expected {
            gone(e);
        }
        match (&expected, &answer) {
            (Some(e), Ok(returned)) => {
                SUCCEEDED.fetch_add(1, Ordering::Relaxed);
                if &now_stored != e {
                    return Err(format!(
                        "step {i} {step:?}: stored {now_stored:?}, expected {e:?}"
                    ));
                }
                if let Some(r) = returned {
                    if Some(r) != e.get(&r.id) {
                        return Err(format!(
                            "step {i} {step:?}: answered {r:?}, stored {:?}",
                            e.get(&r.id)
                        ));
                    }
                }
                m = e.clone();
            }
            (None, Err(_)) => {
                if now_stored != m {
                    return Err(format!("step {i} {step:?} failed ({answer:?}) but changed the table: {now_stored:?}, was {m:?}"));
                }
            }
            (Some(e), Err(err)) => {
                return Err(format!(
                    "step {i} {step:?}: refused ({err}), expected {e:?}"
                ));
            }
            (None, Ok(r)) => {
                return Err(format!("step {i} {step:?}: succeeded ({r:?}), expected a refusal; stored {now_stored:?}"));
            }
        }
        // Every read path gives the item, or leaves it out past its TTL, by one rule.
        let live: Vec<Option<Rec>> = KEYS
            .iter()
            .map(|k| m.get(*k).filter(|r| !expired(r)).cloned())
            .collect();
        let got = Rec::batch_get(KEYS.map(Rec::key))
            .consistent()
            .exec(db)
            .await
            .map_err(|e| e.to_string())?;
        if got != live {
            return Err(format!("step {i}: batch_get {got:?}, expected {live:?}"));
        }
        for (k, want) in KEYS.iter().zip(&live) {
            let one = Rec::get(Rec::key(*k))
                .consistent()
                .exec(db)
                .await
                .map_err(|e| e.to_string())?;
            if &one != want {
                return Err(format!("step {i}: get {k} {one:?}, expected {want:?}"));
            }
        }
        let mut scanned = Rec::scan()
            .consistent()
            .all(db)
            .await
            .map_err(|e| e.to_string())?;
        scanned.sort_by(|a, b| a.id.cmp(&b.id));
        let want: Vec<Rec> = live.iter().flatten().cloned().collect();
        if scanned != want {
            return Err(format!("step {i}: scan {scanned:?}, expected {want:?}"));
        }
    }
    Ok(())
}

#[test]
fn $test() {
    let props = common::Props::new(10, 200);
    let db = props.block_on(async {
        let db = common::db().await;
        Rec::create_table().exec(&db).await.unwrap();
        db
    });
    let counted = AtomicUsize::new(0);
    props.run(&prop::collection::vec(step(), 200..220), |steps| {
        let (db, counted) = (&db, &counted);
        async move { check(db, &steps, counted).await }
    });
    let steps = counted.load(Ordering::Relaxed);
    let succeeded = SUCCEEDED.load(Ordering::Relaxed);
    eprintln!(
        concat!(
            "the state machine (",
            $table,
            ") ran {} steps against DynamoDB Local, {} of them succeeded"
        ),
        steps, succeeded
    );
    assert!(steps >= 2000, "only {steps} steps ran");
    assert!(
        succeeded * 4 >= steps,
        "only {succeeded} of {steps} steps succeeded"
    );
}
        }
    };
}

machine!(
    own_table,
    super::Rec,
    "machine",
    writes_and_reads_follow_the_reference_model
);
machine!(
    shared_table,
    super::SharedRec,
    "machine_shared",
    a_shared_table_model_follows_the_same_reference
);
