//! Both keys of an index, or neither: random sequences of every write path (save, create,
//! update, upsert, batch put, transaction put and update, delete) of a model with sparse
//! indexes, against DynamoDB Local and a reference model. After every step each stored item
//! holds, for each index, both key attributes (with the values its fields compose, computed
//! here independently of the library) or neither, and the table holds what the steps that
//! succeeded wrote.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use dynomodel::Item;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Table)]
#[dynomodel(
    name = "market",
    pk = "pk",
    sk = "sk",
    gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"),
    gsi(name = "gsi2", pk = "gsi2pk", sk = "gsi2sk"),
    gsi(name = "gsi3", pk = "gsi3pk", sk = "gsi3sk")
)]
pub struct Market;

/// A sale: `gsi1` is sparse on its partition key and sorts by fields of the table's key;
/// `gsi2` is sparse on both keys, with two fields in its sort key; `gsi3` holds a field of
/// the table's key in its partition and a sparse field beside one of the table's key in its
/// sort key.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Market, entity = "sale",
            pk = "SHOP#{shop}", sk = "SALE#{placed_at}#{number}",
            gsi1(pk = "STATUS#{status}", sk = "{placed_at}#{number}"),
            gsi2(pk = "REGION#{region}", sk = "{tier}#{label}"),
            gsi3(pk = "SHOP#{shop}", sk = "S#{status}#{placed_at}"))]
pub struct Sale {
    pub shop: String,
    pub number: u32,
    pub placed_at: String,
    pub status: Option<String>,
    pub region: Option<String>,
    pub tier: Option<String>,
    pub label: Option<String>,
    pub total: u64,
}

type Id = (String, String, u32);

fn id(s: &Sale) -> Id {
    (s.shop.clone(), s.placed_at.clone(), s.number)
}

fn key(i: &Id) -> Key<Sale> {
    Sale::key(i.0.as_str(), i.1.as_str(), i.2)
}

/// One change of an optional field: `None` removes it.
#[derive(Debug, Clone)]
enum Field {
    Status(Option<String>),
    Region(Option<String>),
    Tier(Option<String>),
    Label(Option<String>),
    Total(u64),
}

#[derive(Debug, Clone)]
enum Step {
    Save(Sale),
    Create(Sale),
    Update(usize, Vec<Field>),
    Upsert(Sale, Vec<Field>),
    BatchPut(Vec<Sale>),
    TxPutUpdate(Sale, usize, Vec<Field>),
    Delete(usize),
}

fn opt() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(vec!["a", "b"]).prop_map(str::to_owned))
}

fn sale() -> impl Strategy<Value = Sale> {
    (
        prop::sample::select(vec!["s1", "s2"]),
        0..3u32,
        prop::sample::select(vec!["2026-01", "2026-02"]),
        (opt(), opt(), opt(), opt()),
        0..100u64,
    )
        .prop_map(
            |(shop, number, placed_at, (status, region, tier, label), total)| Sale {
                shop: shop.into(),
                number,
                placed_at: placed_at.into(),
                status,
                region,
                tier,
                label,
                total,
            },
        )
}

fn change() -> impl Strategy<Value = Field> {
    prop_oneof![
        opt().prop_map(Field::Status),
        opt().prop_map(Field::Region),
        opt().prop_map(Field::Tier),
        opt().prop_map(Field::Label),
        (0..100u64).prop_map(Field::Total),
    ]
}

fn changes() -> impl Strategy<Value = Vec<Field>> {
    prop::collection::vec(change(), 1..4).prop_map(|mut cs| {
        // One change of each field at most.
        let mut seen = Vec::new();
        cs.retain(|c| {
            let d = std::mem::discriminant(c);
            !seen.contains(&d) && {
                seen.push(d);
                true
            }
        });
        cs
    })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => sale().prop_map(Step::Save),
        1 => sale().prop_map(Step::Create),
        5 => (any::<usize>(), changes()).prop_map(|(k, c)| Step::Update(k, c)),
        2 => (sale(), changes()).prop_map(|(s, c)| Step::Upsert(s, c)),
        1 => prop::collection::vec(sale(), 1..4).prop_map(Step::BatchPut),
        1 => (sale(), any::<usize>(), changes()).prop_map(|(s, k, c)| Step::TxPutUpdate(s, k, c)),
        1 => any::<usize>().prop_map(Step::Delete),
    ]
}

type State = BTreeMap<Id, Sale>;

fn pick(state: &State, k: usize) -> Option<Id> {
    if state.is_empty() {
        return None;
    }
    state.keys().nth(k % state.len()).cloned()
}

fn apply(s: &mut Sale, cs: &[Field]) {
    for c in cs {
        match c {
            Field::Status(v) => s.status = v.clone(),
            Field::Region(v) => s.region = v.clone(),
            Field::Tier(v) => s.tier = v.clone(),
            Field::Label(v) => s.label = v.clone(),
            Field::Total(v) => s.total = *v,
        }
    }
}

fn update(u: dynomodel::ops::Update<Sale>, cs: &[Field]) -> dynomodel::ops::Update<Sale> {
    let f = Sale::fields();
    cs.iter().fold(u, |u, c| match c {
        Field::Status(Some(v)) => u.set(&f.status, Some(v.clone())),
        Field::Status(None) => u.remove(&f.status),
        Field::Region(Some(v)) => u.set(&f.region, Some(v.clone())),
        Field::Region(None) => u.remove(&f.region),
        Field::Tier(Some(v)) => u.set(&f.tier, Some(v.clone())),
        Field::Tier(None) => u.remove(&f.tier),
        Field::Label(Some(v)) => u.set(&f.label, Some(v.clone())),
        Field::Label(None) => u.remove(&f.label),
        Field::Total(v) => u.set(&f.total, *v),
    })
}

static STEPS: AtomicUsize = AtomicUsize::new(0);
static DONE: AtomicUsize = AtomicUsize::new(0);
static REFUSED: AtomicUsize = AtomicUsize::new(0);

/// Runs a step; a write that the library refuses before sending leaves the state as it was.
async fn run(db: &Db, state: &mut State, step: &Step) -> Result<(), String> {
    let result: dynomodel::Result<()> = match step {
        Step::Save(s) => s.clone().save(db).await.map(|_| ()),
        Step::Create(s) => s.clone().create(db).await.map(|_| ()),
        Step::Update(k, cs) => {
            let Some(i) = pick(state, *k) else {
                return Ok(());
            };
            update(Sale::update(key(&i)), cs).exec(db).await.map(|_| ())
        }
        Step::Upsert(s, cs) => update(Sale::update(key(&id(s))), cs)
            .upsert()
            .exec(db)
            .await
            .map(|_| ()),
        Step::BatchPut(sales) => {
            let mut unique = State::new();
            for s in sales {
                unique.insert(id(s), s.clone());
            }
            Sale::batch_put(unique.into_values())
                .overwrite_other_entities()
                .exec(db)
                .await
        }
        Step::TxPutUpdate(s, k, cs) => {
            let Some(i) = pick(state, *k).filter(|i| *i != id(s)) else {
                return Ok(());
            };
            let mut put = s.clone();
            Transaction::new()
                .put(&mut put)
                .update(update(Sale::update(key(&i)), cs))
                .exec(db)
                .await
        }
        Step::Delete(k) => {
            let Some(i) = pick(state, *k) else {
                return Ok(());
            };
            Sale::delete(key(&i)).exec(db).await.map(|_| ())
        }
    };
    match result {
        Ok(()) => {
            DONE.fetch_add(1, Ordering::Relaxed);
        }
        Err(Error::InvalidRequest(_)) => {
            REFUSED.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Err(Error::AlreadyExists { .. }) if matches!(step, Step::Create(s) if state.contains_key(&id(s))) =>
        {
            return Ok(());
        }
        Err(Error::TransactionCanceled { .. }) if matches!(step, Step::TxPutUpdate(..)) => {
            return Ok(());
        }
        Err(e) => return Err(format!("failed: {e}")),
    }
    match step {
        Step::Save(s) => {
            state.insert(id(s), s.clone());
        }
        Step::Create(s) => {
            state.insert(id(s), s.clone());
        }
        Step::Update(k, cs) => {
            let i = pick(state, *k).unwrap();
            apply(state.get_mut(&i).unwrap(), cs);
        }
        Step::Upsert(s, cs) => {
            let stored = state.entry(id(s)).or_insert_with(|| Sale {
                status: None,
                region: None,
                tier: None,
                label: None,
                total: 0,
                ..s.clone()
            });
            apply(stored, cs);
        }
        Step::BatchPut(sales) => {
            for s in sales {
                state.insert(id(s), s.clone());
            }
        }
        Step::TxPutUpdate(s, k, cs) => {
            let i = pick(state, *k).unwrap();
            apply(state.get_mut(&i).unwrap(), cs);
            state.insert(id(s), s.clone());
        }
        Step::Delete(k) => {
            let i = pick(state, *k).unwrap();
            state.remove(&i);
        }
    }
    Ok(())
}

/// The index keys that a sale's fields compose, computed here: both, or neither.
fn index_keys(s: &Sale) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    let n = format!("{:010}", s.number);
    if let Some(st) = &s.status {
        out.insert("gsi1pk", format!("STATUS#{st}"));
        out.insert("gsi1sk", format!("{}#{n}", s.placed_at));
        out.insert("gsi3pk", format!("SHOP#{}", s.shop));
        out.insert("gsi3sk", format!("S#{st}#{}", s.placed_at));
    }
    if let (Some(r), Some(t), Some(l)) = (&s.region, &s.tier, &s.label) {
        out.insert("gsi2pk", format!("REGION#{r}"));
        out.insert("gsi2sk", format!("{t}#{l}"));
    }
    out
}

async fn check(db: &Db, state: &State) -> Result<(), String> {
    let items: Vec<Item> = db
        .client()
        .scan()
        .table_name(db.table_name("market"))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?
        .items
        .unwrap_or_default();
    let mut stored = State::new();
    for item in items {
        for i in ["gsi1", "gsi2", "gsi3"] {
            let (pk, sk) = (format!("{i}pk"), format!("{i}sk"));
            if item.contains_key(&pk) != item.contains_key(&sk) {
                return Err(format!("half of the index {i}'s key: {item:?}"));
            }
        }
        let s = Sale::from_item(&item).map_err(|e| format!("{e}: {item:?}"))?;
        let want = index_keys(&s);
        let got: BTreeMap<&'static str, String> =
            ["gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"]
                .into_iter()
                .filter_map(|a| match item.get(a) {
                    Some(AttributeValue::S(v)) => Some((a, v.clone())),
                    _ => None,
                })
                .collect();
        if got != want {
            return Err(format!(
                "index keys {got:?}, the fields compose {want:?}: {item:?}"
            ));
        }
        stored.insert(id(&s), s);
    }
    if &stored != state {
        return Err(format!(
            "the table holds {stored:?}\nthe steps wrote {state:?}"
        ));
    }
    Ok(())
}

#[test]
fn every_write_leaves_both_keys_of_an_index_or_neither() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 16,
        max_shrink_iters: 200,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(step(), 10..30), |steps| {
        rt.block_on(async {
            let db = common::db().await;
            Market::create_table()
                .exec(&db)
                .await
                .map_err(|e| e.to_string())?;
            let mut state = State::new();
            for (n, step) in steps.iter().enumerate() {
                STEPS.fetch_add(1, Ordering::Relaxed);
                run(&db, &mut state, step)
                    .await
                    .map_err(|e| format!("step {n} {step:?}: {e}"))?;
                check(&db, &state)
                    .await
                    .map_err(|e| format!("after step {n} {step:?}: {e}"))?;
            }
            Ok::<(), String>(())
        })
        .map_err(TestCaseError::fail)
    });
    let (steps, done, refused) = (
        STEPS.load(Ordering::Relaxed),
        DONE.load(Ordering::Relaxed),
        REFUSED.load(Ordering::Relaxed),
    );
    eprintln!("every_write_leaves_both_keys_of_an_index_or_neither: {steps} steps, {done} written, {refused} refused before sending");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(done * 2 >= steps, "only {done} of {steps} steps wrote");
}
