//! The single-table surface as a whole, against DynamoDB Local: random sequences of saves,
//! creates, batches, updates of index-key fields, upserts, deletes and queries with range
//! conditions on a templated sort key. After every step each stored item is read back raw:
//! it decodes, its keys are the ones its fields compose (computed here independently of
//! the library), it carries its entity, and the table holds exactly what the steps that
//! succeeded wrote. Every query answers what a filter of that state answers. Two entities
//! share the partitions and the sparse index: orders, and parcels, whose keys hold a
//! date-time and a u64 and whose attributes hold sets, bytes, a nested document and i64
//! extremes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use dynomodel::prelude::*;
use dynomodel::Item;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::{Deserialize, Serialize};

use crate::common;
use crate::single::{Order, Shop};

/// A parcel, in the customers' partitions beside their orders (its sort keys start with
/// `PARCEL#`), and in the sparse status index beside them.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shop, entity = "parcel",
            pk = "CUSTOMER#{customer_id}", sk = "PARCEL#{sent_at}#{n}",
            gsi2(pk = "STATUS#{status}", sk = "{sent_at}#{n}"))]
pub struct Parcel {
    pub customer_id: String,
    pub n: u64,
    pub sent_at: DateTime<Utc>,
    pub weight: i64,
    #[dynomodel(string_set)]
    pub tags: BTreeSet<String>,
    pub blob: Vec<u8>,
    pub to: Option<Addr>,
    pub status: Option<String>,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Addr {
    pub street: String,
    #[dynomodel(string_set)]
    pub marks: BTreeSet<String>,
    pub data: Vec<u8>,
}

const DATES: [&str; 4] = ["2026-01-01", "2026-02-15", "2026-11-30", "2027-01-01"];

#[derive(Debug, Clone)]
enum Range {
    None,
    Eq(&'static str),
    Lt(&'static str),
    Le(&'static str),
    Gt(&'static str),
    Ge(&'static str),
    Between(&'static str, &'static str),
    BeginsWith(&'static str),
}

#[derive(Debug, Clone)]
enum Step {
    Save(Order),
    Create(Order),
    BatchPut(Vec<Order>),
    SetStatus(usize, Option<String>),
    SetTotal(usize, u64),
    Upsert(Order),
    Delete(usize),
    Query(String, Range),
    ByStatus(String),
    SaveParcel(Parcel),
    UpdateParcel(usize, ParcelAct),
    DeleteParcel(usize),
    Parcels(String, DateTime<Utc>, DateTime<Utc>),
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("a".to_owned()),
        3 => Just("b".to_owned()),
        1 => Just(String::new()),
        1 => Just("é ü".to_owned()),
        1 => Just("c#d".to_owned()),
        1 => Just("!".to_owned()),
    ]
}

fn order() -> impl Strategy<Value = Order> {
    (
        text(),
        prop_oneof![4 => 0..4u32, 1 => Just(u32::MAX)],
        prop_oneof![9 => prop::sample::select(DATES.to_vec()).prop_map(str::to_owned), 1 => Just("20#26".to_owned())],
        prop_oneof![Just(0u64), Just(u64::MAX), 1..1000u64],
        prop::option::of(prop_oneof![Just("NEW".to_owned()), Just("OPEN".to_owned()), Just("a#b".to_owned())]),
    )
        .prop_map(|(customer_id, number, placed_at, total_cents, status)| Order {
            customer_id,
            number,
            placed_at,
            total_cents,
            status,
        })
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    prop::sample::select(vec![
        Utc.timestamp_opt(0, 0).unwrap(),
        Utc.timestamp_opt(1_796_000_000, 0).unwrap(),
        Utc.timestamp_opt(1_796_000_000, 1).unwrap(),
        Utc.timestamp_opt(253_402_300_799, 999_999_999).unwrap(),
    ])
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..4)
}

fn parcel() -> impl Strategy<Value = Parcel> {
    (
        text(),
        prop_oneof![3 => 0..3u64, 1 => Just(u64::MAX)],
        instant(),
        prop_oneof![3 => -5..5i64, 1 => Just(i64::MAX), 1 => Just(i64::MIN)],
        prop::collection::btree_set("[a-c]{1,2}", 0..3),
        bytes(),
        prop::option::of(addr()),
        prop::option::of(prop_oneof![Just("NEW".to_owned()), Just("a#b".to_owned())]),
    )
        .prop_map(
            |(customer_id, n, sent_at, weight, tags, blob, to, status)| Parcel {
                customer_id,
                n,
                sent_at,
                weight,
                tags,
                blob,
                to,
                status,
            },
        )
}

fn addr() -> impl Strategy<Value = Addr> {
    (
        "[a-z ]{0,6}",
        prop::collection::btree_set("[a-c]", 0..3),
        bytes(),
    )
        .prop_map(|(street, marks, data)| Addr {
            street,
            marks,
            data,
        })
}

#[derive(Debug, Clone)]
enum ParcelAct {
    AddTag(String),
    Blob(Vec<u8>),
    To(Option<Addr>),
    Weight(i64),
    Status(Option<String>),
}

fn parcel_act() -> impl Strategy<Value = ParcelAct> {
    prop_oneof![
        "[a-d]".prop_map(ParcelAct::AddTag),
        bytes().prop_map(ParcelAct::Blob),
        prop::option::of(addr()).prop_map(ParcelAct::To),
        prop_oneof![-3..3i64, Just(i64::MAX), Just(i64::MIN)].prop_map(ParcelAct::Weight),
        prop::option::of(prop_oneof![Just("NEW".to_owned()), Just("OPEN".to_owned())])
            .prop_map(ParcelAct::Status),
    ]
}

fn range() -> impl Strategy<Value = Range> {
    let date = || prop::sample::select(DATES.to_vec());
    prop_oneof![
        Just(Range::None),
        date().prop_map(Range::Eq),
        date().prop_map(Range::Lt),
        date().prop_map(Range::Le),
        date().prop_map(Range::Gt),
        date().prop_map(Range::Ge),
        (date(), date()).prop_map(|(a, b)| if a <= b {
            Range::Between(a, b)
        } else {
            Range::Between(b, a)
        }),
        prop::sample::select(vec!["2026", "2026-1", "2027-01"]).prop_map(Range::BeginsWith),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => order().prop_map(Step::Save),
        2 => order().prop_map(Step::Create),
        1 => prop::collection::vec(order(), 1..5).prop_map(Step::BatchPut),
        3 => (any::<usize>(), prop::option::of(prop_oneof![Just("NEW".to_owned()), Just("SHIPPED".to_owned()), Just("x#y".to_owned())]))
            .prop_map(|(k, s)| Step::SetStatus(k, s)),
        1 => (any::<usize>(), any::<u64>()).prop_map(|(k, t)| Step::SetTotal(k, t)),
        2 => order().prop_map(Step::Upsert),
        1 => any::<usize>().prop_map(Step::Delete),
        3 => (text(), range()).prop_map(|(c, r)| Step::Query(c, r)),
        1 => prop_oneof![Just("NEW".to_owned()), Just("OPEN".to_owned()), Just("SHIPPED".to_owned())].prop_map(Step::ByStatus),
        3 => parcel().prop_map(Step::SaveParcel),
        3 => (any::<usize>(), parcel_act()).prop_map(|(k, a)| Step::UpdateParcel(k, a)),
        1 => any::<usize>().prop_map(Step::DeleteParcel),
        2 => (text(), instant(), instant()).prop_map(|(c, a, b)| Step::Parcels(c, a.min(b), a.max(b))),
    ]
}

/// The item's table key, as the templates compose it (written out here, not by the library).
fn key_of(o: &Order) -> (String, String) {
    (
        format!("CUSTOMER#{}", o.customer_id),
        format!("ORDER#{}#{:010}", o.placed_at, o.number),
    )
}

fn valid(o: &Order) -> bool {
    !o.customer_id.contains('#')
        && !o.placed_at.contains('#')
        && !o.status.as_deref().is_some_and(|s| s.contains('#'))
}

/// A parcel's table key, as its templates compose it: the date-time as the field writes it
/// (UTC RFC 3339, nine fraction digits), the u64 in 20 digits.
fn parcel_key(p: &Parcel) -> (String, String) {
    (
        format!("CUSTOMER#{}", p.customer_id),
        format!("PARCEL#{}#{:020}", stamp(&p.sent_at), p.n),
    )
}

fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn parcel_valid(p: &Parcel) -> bool {
    !p.customer_id.contains('#') && !p.status.as_deref().is_some_and(|s| s.contains('#'))
}

type State = BTreeMap<(String, String), Order>;
type Parcels = BTreeMap<(String, String), Parcel>;

fn key(o: &Order) -> Key<Order> {
    Order::key(o.customer_id.as_str(), o.placed_at.as_str(), o.number)
}

fn pick_parcel(parcels: &Parcels, k: usize) -> Option<Parcel> {
    let n = parcels.len();
    (n > 0)
        .then(|| parcels.values().nth(k % n).cloned())
        .flatten()
}

fn pick(state: &State, k: usize) -> Option<Order> {
    if state.is_empty() {
        return None;
    }
    state.values().nth(k % state.len()).cloned()
}

static SUCCEEDED: AtomicUsize = AtomicUsize::new(0);

/// Runs one step against the table and the model of it; `Err` where they part.
async fn run(db: &Db, state: &mut State, parcels: &mut Parcels, step: &Step) -> Result<(), String> {
    let f = Order::fields();
    let pf = Parcel::fields();
    let ok = |r: dynomodel::Result<()>, expect: bool, what: &str| -> Result<bool, String> {
        match (r, expect) {
            (Ok(()), true) => Ok(true),
            (Err(_), false) => Ok(false),
            (Ok(()), false) => Err(format!("{what} succeeded where it must fail")),
            (Err(e), true) => Err(format!("{what} failed: {e}")),
        }
    };
    let done = match step {
        Step::Save(o) => {
            let r = o.clone().save(db).await.map(|_| ());
            let done = ok(r, valid(o), "save")?;
            if done {
                state.insert(key_of(o), o.clone());
            }
            done
        }
        Step::Create(o) => {
            let exists = state.contains_key(&key_of(o));
            let r = o.clone().create(db).await.map(|_| ());
            let done = ok(r, valid(o) && !exists, "create")?;
            if done {
                state.insert(key_of(o), o.clone());
            }
            done
        }
        Step::BatchPut(orders) => {
            let mut unique: BTreeMap<(String, String), Order> = BTreeMap::new();
            for o in orders {
                unique.insert(key_of(o), o.clone());
            }
            let orders: Vec<Order> = unique.into_values().collect();
            let expect = orders.iter().all(valid);
            let r = Order::batch_put(orders.clone())
                .overwrite_other_entities()
                .exec(db)
                .await;
            let done = ok(r, expect, "batch_put")?;
            if done {
                for o in orders {
                    state.insert(key_of(&o), o);
                }
            }
            done
        }
        Step::SetStatus(k, status) => {
            let Some(o) = pick(state, *k) else {
                return Ok(());
            };
            let update = Order::update(key(&o));
            let update = match status {
                Some(s) => update.set(&f.status, Some(s.clone())),
                None => update.remove(&f.status),
            };
            let r = update.exec(db).await.map(|_| ());
            let expect = !status.as_deref().is_some_and(|s| s.contains('#'));
            let done = ok(r, expect, "update of status")?;
            if done {
                if let Some(stored) = state.get_mut(&key_of(&o)) {
                    stored.status = status.clone();
                }
            }
            done
        }
        Step::SetTotal(k, t) => {
            let Some(o) = pick(state, *k) else {
                return Ok(());
            };
            let r = Order::update(key(&o))
                .set(&f.total_cents, *t)
                .exec(db)
                .await
                .map(|_| ());
            let done = ok(r, true, "update of total")?;
            if let Some(stored) = state.get_mut(&key_of(&o)) {
                stored.total_cents = *t;
            }
            done
        }
        Step::Upsert(o) => {
            let expect = !o.customer_id.contains('#') && !o.placed_at.contains('#');
            let r = Order::update(key(o))
                .set(&f.total_cents, o.total_cents)
                .upsert()
                .exec(db)
                .await
                .map(|_| ());
            let done = ok(r, expect, "upsert")?;
            if done {
                let entry = state.entry(key_of(o)).or_insert_with(|| Order {
                    status: None,
                    ..o.clone()
                });
                entry.total_cents = o.total_cents;
            }
            done
        }
        Step::Delete(k) => {
            let Some(o) = pick(state, *k) else {
                return Ok(());
            };
            let r = Order::delete(key(&o)).exec(db).await.map(|_| ());
            let done = ok(r, true, "delete")?;
            state.remove(&key_of(&o));
            done
        }
        Step::Query(customer, range) => {
            let q = Order::query(f.customer_id.eq(customer.as_str()));
            let q = match range {
                Range::None => q,
                Range::Eq(d) => q.range(f.placed_at.eq(*d)),
                Range::Lt(d) => q.range(f.placed_at.lt(*d)),
                Range::Le(d) => q.range(f.placed_at.le(*d)),
                Range::Gt(d) => q.range(f.placed_at.gt(*d)),
                Range::Ge(d) => q.range(f.placed_at.ge(*d)),
                Range::Between(a, b) => q.range(f.placed_at.between(*a, *b)),
                Range::BeginsWith(p) => q.range(f.placed_at.begins_with(*p)),
            };
            let got = q.all(db).await;
            if customer.contains('#') {
                return match got {
                    Err(_) => Ok(()),
                    Ok(items) => Err(format!(
                        "a query of a customer with the delimiter answered {items:?}"
                    )),
                };
            }
            let got = got.map_err(|e| format!("query failed: {e}"))?;
            let holds = |p: &str| match range {
                Range::None => true,
                Range::Eq(d) => p == *d,
                Range::Lt(d) => p < *d,
                Range::Le(d) => p <= *d,
                Range::Gt(d) => p > *d,
                Range::Ge(d) => p >= *d,
                Range::Between(a, b) => *a <= p && p <= *b,
                Range::BeginsWith(x) => p.starts_with(x),
            };
            // The state is ordered by (pk, sk): within one partition, sort key order.
            let want: Vec<&Order> = state
                .values()
                .filter(|o| o.customer_id == *customer && holds(&o.placed_at))
                .collect();
            if got.iter().collect::<Vec<_>>() != want {
                return Err(format!(
                    "the query answered {got:?}, the state holds {want:?}"
                ));
            }
            true
        }
        Step::ByStatus(status) => {
            let got = Order::query(f.status.eq(status.as_str()))
                .hydrate()
                .all(db)
                .await
                .map_err(|e| format!("{e}"))?;
            let mut got: Vec<Order> = got;
            got.sort_by_key(key_of);
            let want: Vec<Order> = state
                .values()
                .filter(|o| o.status.as_deref() == Some(status))
                .cloned()
                .collect();
            if got != want {
                return Err(format!(
                    "the sparse index answered {got:?}, the state holds {want:?}"
                ));
            }
            // The parcels of the index, besides, are the parcels' own.
            let mut got = Parcel::query(pf.status.eq(status.as_str()))
                .hydrate()
                .all(db)
                .await
                .map_err(|e| format!("{e}"))?;
            got.sort_by_key(parcel_key);
            let want: Vec<Parcel> = parcels
                .values()
                .filter(|p| p.status.as_deref() == Some(status))
                .cloned()
                .collect();
            if got != want {
                return Err(format!(
                    "the sparse index answered parcels {got:?}, the state holds {want:?}"
                ));
            }
            true
        }
        Step::SaveParcel(p) => {
            let r = p.clone().save(db).await.map(|_| ());
            let done = ok(r, parcel_valid(p), "save of a parcel")?;
            if done {
                parcels.insert(parcel_key(p), p.clone());
            }
            done
        }
        Step::UpdateParcel(k, act) => {
            let Some(p) = pick_parcel(parcels, *k) else {
                return Ok(());
            };
            let u = Parcel::update(Parcel::key(p.customer_id.as_str(), p.sent_at, p.n));
            let mut next = p.clone();
            let (u, expect) = match act {
                ParcelAct::AddTag(t) => {
                    next.tags.insert(t.clone());
                    (u.add(&pf.tags, BTreeSet::from([t.clone()])), true)
                }
                ParcelAct::Blob(b) => {
                    next.blob = b.clone();
                    (u.set(&pf.blob, b.clone()), true)
                }
                ParcelAct::To(a) => {
                    next.to = a.clone();
                    (u.set(&pf.to, a.clone()), true)
                }
                ParcelAct::Weight(w) => {
                    let sum = p.weight.checked_add(*w);
                    next.weight = sum.unwrap_or(p.weight);
                    (u.add(&pf.weight, *w), sum.is_some())
                }
                ParcelAct::Status(st) => {
                    next.status = st.clone();
                    let u = match st {
                        Some(st) => u.set(&pf.status, Some(st.clone())),
                        None => u.remove(&pf.status),
                    };
                    (u, true)
                }
            };
            let r = u.exec(db).await.map(|_| ());
            let done = ok(r, expect, &format!("update {act:?} of a parcel"))?;
            if done {
                parcels.insert(parcel_key(&p), next);
            }
            done
        }
        Step::DeleteParcel(k) => {
            let Some(p) = pick_parcel(parcels, *k) else {
                return Ok(());
            };
            let r = Parcel::delete(Parcel::key(p.customer_id.as_str(), p.sent_at, p.n))
                .exec(db)
                .await
                .map(|_| ());
            let done = ok(r, true, "delete of a parcel")?;
            parcels.remove(&parcel_key(&p));
            done
        }
        Step::Parcels(customer, from, to) => {
            let got = Parcel::query(pf.customer_id.eq(customer.as_str()))
                .range(pf.sent_at.between(*from, *to))
                .all(db)
                .await;
            if customer.contains('#') {
                return match got {
                    Err(_) => Ok(()),
                    Ok(items) => Err(format!(
                        "a query of a customer with the delimiter answered {items:?}"
                    )),
                };
            }
            let got = got.map_err(|e| format!("parcel query failed: {e}"))?;
            let want: Vec<&Parcel> = parcels
                .values()
                .filter(|p| p.customer_id == *customer && *from <= p.sent_at && p.sent_at <= *to)
                .collect();
            if got.iter().collect::<Vec<_>>() != want {
                return Err(format!(
                    "the parcel query answered {got:?}, the state holds {want:?}"
                ));
            }
            true
        }
    };
    if done {
        SUCCEEDED.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Every stored item, read raw, against the state.
async fn check_table(db: &Db, state: &State, parcels: &Parcels) -> Result<(), String> {
    let items: Vec<Item> = db
        .client()
        .scan()
        .table_name(db.table_name("shop"))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?
        .items
        .unwrap_or_default();
    let s = |v: &str| AttributeValue::S(v.into());
    let mut stored = State::new();
    let mut stored_parcels = Parcels::new();
    for item in items {
        if item.get("_et") == Some(&s("parcel")) {
            let p = Parcel::from_item(&item)
                .map_err(|e| format!("a parcel does not decode: {e}\n{item:?}"))?;
            let (pk, sk) = parcel_key(&p);
            let want_gsi2 = p.status.as_ref().map(|st| s(&format!("STATUS#{st}")));
            if item.get("pk") != Some(&s(&pk))
                || item.get("sk") != Some(&s(&sk))
                || item.get("gsi2pk") != want_gsi2.as_ref()
                || item.get("gsi2sk")
                    != p.status
                        .as_ref()
                        .map(|_| s(&format!("{}#{:020}", stamp(&p.sent_at), p.n)))
                        .as_ref()
            {
                return Err(format!(
                    "the parcel's keys are not the ones its fields compose: {item:?}"
                ));
            }
            stored_parcels.insert((pk, sk), p);
            continue;
        }
        let o = Order::from_item(&item)
            .map_err(|e| format!("an item does not decode: {e}\n{item:?}"))?;
        let (pk, sk) = key_of(&o);
        let want_gsi2 = o.status.as_ref().map(|st| s(&format!("STATUS#{st}")));
        if item.get("pk") != Some(&s(&pk))
            || item.get("sk") != Some(&s(&sk))
            || item.get("_et") != Some(&s("order"))
            || item.get("gsi2pk") != want_gsi2.as_ref()
            || item.get("gsi2sk") != o.status.as_ref().map(|_| s(&o.placed_at)).as_ref()
        {
            return Err(format!(
                "the keys are not the ones its fields compose: {item:?}"
            ));
        }
        stored.insert((pk, sk), o);
    }
    if &stored != state {
        return Err(format!(
            "the table holds {stored:?}\nthe steps wrote {state:?}"
        ));
    }
    if &stored_parcels != parcels {
        return Err(format!(
            "the table holds parcels {stored_parcels:?}\nthe steps wrote {parcels:?}"
        ));
    }
    Ok(())
}

#[test]
fn single_table_writes_and_reads_keep_their_keys() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let counted = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 16,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(step(), 20..40), |steps| {
        rt.block_on(async {
            let db = common::db().await;
            Shop::create_table()
                .exec(&db)
                .await
                .map_err(|e| e.to_string())?;
            let (mut state, mut parcels) = (State::new(), Parcels::new());
            for (n, step) in steps.iter().enumerate() {
                counted.fetch_add(1, Ordering::Relaxed);
                run(&db, &mut state, &mut parcels, step)
                    .await
                    .map_err(|e| format!("step {n} {step:?}: {e}"))?;
                check_table(&db, &state, &parcels)
                    .await
                    .map_err(|e| format!("after step {n} {step:?}: {e}"))?;
            }
            Ok::<(), String>(())
        })
        .map_err(TestCaseError::fail)
    });
    let steps = counted.load(Ordering::Relaxed);
    let succeeded = SUCCEEDED.load(Ordering::Relaxed);
    eprintln!(
        "single_table_writes_and_reads_keep_their_keys: {steps} steps, {succeeded} succeeded"
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(steps >= 300, "only {steps} steps ran");
    assert!(
        succeeded * 3 >= steps,
        "only {succeeded} of {steps} steps succeeded"
    );
}
