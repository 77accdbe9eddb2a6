//! One entity never touches another: two entities whose key templates compose the same keys,
//! random operations of every write path through the first (save, create, update, upsert,
//! delete, batch put, batch delete, transaction put, update, delete and condition check) over
//! keys that the second holds too, against DynamoDB Local and a reference model. After every
//! step the table holds exactly what the reference says: nothing done through `Alpha` changes
//! or deletes an item of `Beta`, and a condition check through `Alpha` never holds on a
//! `Beta`.

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
    name = "shared",
    pk = "pk",
    sk = "sk",
    gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk")
)]
pub struct Shared;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shared, entity = "alpha", pk = "K#{id}", sk = "ITEM",
            gsi1(pk = "V#{tag}", sk = "K#{id}"))]
pub struct Alpha {
    pub id: String,
    pub v: u32,
    pub tag: Option<String>,
}

/// The same keys and the same attribute names: only the entity attribute tells them apart.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shared, entity = "beta", pk = "K#{id}", sk = "ITEM")]
pub struct Beta {
    pub id: String,
    pub v: u32,
}

#[derive(Debug, Clone, PartialEq)]
enum Stored {
    A(Alpha),
    B(Beta),
}

type State = BTreeMap<String, Stored>;

#[derive(Debug, Clone)]
enum Step {
    SaveB(Beta),
    Save(Alpha),
    Create(Alpha),
    Update(String, u32),
    Upsert(String, u32),
    Delete(String),
    BatchPut(Vec<Alpha>),
    BatchDelete(Vec<String>),
    TxPut(Alpha),
    TxUpdate(String, u32),
    TxDelete(String),
    /// A condition check on the first key (`v >= 0`, which any item with `v` meets) beside a
    /// save of the second.
    TxCheck(String, Alpha),
}

fn id() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["1", "2", "3"]).prop_map(str::to_owned)
}

fn alpha() -> impl Strategy<Value = Alpha> {
    (id(), 0..50u32, prop::option::of(Just("t".to_owned()))).prop_map(|(id, v, tag)| Alpha {
        id,
        v,
        tag,
    })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (id(), 0..50u32).prop_map(|(id, v)| Step::SaveB(Beta { id, v })),
        2 => alpha().prop_map(Step::Save),
        1 => alpha().prop_map(Step::Create),
        2 => (id(), 0..50u32).prop_map(|(i, v)| Step::Update(i, v)),
        1 => (id(), 0..50u32).prop_map(|(i, v)| Step::Upsert(i, v)),
        1 => id().prop_map(Step::Delete),
        2 => prop::collection::vec(alpha(), 1..3).prop_map(Step::BatchPut),
        2 => prop::collection::vec(id(), 1..3).prop_map(Step::BatchDelete),
        1 => alpha().prop_map(Step::TxPut),
        1 => (id(), 0..50u32).prop_map(|(i, v)| Step::TxUpdate(i, v)),
        1 => id().prop_map(Step::TxDelete),
        2 => (id(), alpha()).prop_map(|(i, a)| Step::TxCheck(i, a)),
    ]
}

static STEPS: AtomicUsize = AtomicUsize::new(0);
static DONE: AtomicUsize = AtomicUsize::new(0);
static AT_BETA: AtomicUsize = AtomicUsize::new(0);

fn is_b(state: &State, id: &str) -> bool {
    matches!(state.get(id), Some(Stored::B(_)))
}

fn alpha_of(state: &State, id: &str) -> Option<Alpha> {
    match state.get(id) {
        Some(Stored::A(a)) => Some(a.clone()),
        _ => None,
    }
}

/// Runs a step, and changes the state as it must have changed where it succeeded. A step
/// through `Alpha` at a key that holds a `Beta` must fail and change nothing.
async fn run(db: &Db, state: &mut State, step: &Step) -> Result<(), String> {
    let f = Alpha::fields();
    let touches_b = match step {
        Step::SaveB(_) => false,
        Step::Save(a) | Step::Create(a) | Step::TxPut(a) => is_b(state, &a.id),
        Step::Update(i, _)
        | Step::Upsert(i, _)
        | Step::Delete(i)
        | Step::TxUpdate(i, _)
        | Step::TxDelete(i) => is_b(state, i),
        Step::BatchPut(items) => items.iter().any(|a| is_b(state, &a.id)),
        Step::BatchDelete(ids) => ids.iter().any(|i| is_b(state, i)),
        Step::TxCheck(i, a) => is_b(state, i) || is_b(state, &a.id),
    };
    if touches_b {
        AT_BETA.fetch_add(1, Ordering::Relaxed);
    }
    let r: dynomodel::Result<()> = match step {
        Step::SaveB(b) => b.clone().save(db).await.map(|_| ()),
        Step::Save(a) => a.clone().save(db).await.map(|_| ()),
        Step::Create(a) => a.clone().create(db).await.map(|_| ()),
        Step::Update(i, v) => Alpha::update(Alpha::key(i.as_str()))
            .set(&f.v, *v)
            .exec(db)
            .await
            .map(|_| ()),
        Step::Upsert(i, v) => Alpha::update(Alpha::key(i.as_str()))
            .set(&f.v, *v)
            .upsert()
            .exec(db)
            .await
            .map(|_| ()),
        Step::Delete(i) => Alpha::delete(Alpha::key(i.as_str()))
            .exec(db)
            .await
            .map(|_| ()),
        Step::BatchPut(items) => {
            let mut unique = BTreeMap::new();
            for a in items {
                unique.insert(a.id.clone(), a.clone());
            }
            Alpha::batch_put(unique.into_values()).exec(db).await
        }
        Step::BatchDelete(ids) => {
            Alpha::batch_delete(ids.iter().map(|i| Alpha::key(i.as_str())))
                .exec(db)
                .await
        }
        Step::TxPut(a) => {
            let mut a = a.clone();
            Transaction::new().put(&mut a).exec(db).await
        }
        Step::TxUpdate(i, v) => {
            Transaction::new()
                .update(Alpha::update(Alpha::key(i.as_str())).set(&f.v, *v))
                .exec(db)
                .await
        }
        Step::TxDelete(i) => {
            Transaction::new()
                .delete(Alpha::delete(Alpha::key(i.as_str())))
                .exec(db)
                .await
        }
        Step::TxCheck(i, a) => {
            if *i == a.id {
                return Ok(());
            }
            let mut a = a.clone();
            Transaction::new()
                .condition_check(Alpha::key(i.as_str()), f.v.ge(0u32))
                .put(&mut a)
                .exec(db)
                .await
        }
    };
    let Ok(()) = r else {
        return Ok(());
    };
    DONE.fetch_add(1, Ordering::Relaxed);
    if touches_b {
        return Err("succeeded at a key that holds a beta".into());
    }
    match step {
        Step::SaveB(b) => {
            if alpha_of(state, &b.id).is_some() {
                return Err("a beta replaced an alpha".into());
            }
            state.insert(b.id.clone(), Stored::B(b.clone()));
        }
        Step::Save(a) | Step::Create(a) | Step::TxPut(a) => {
            state.insert(a.id.clone(), Stored::A(a.clone()));
        }
        Step::Update(i, v) | Step::TxUpdate(i, v) => {
            let mut a = alpha_of(state, i).ok_or("an update of no item succeeded")?;
            a.v = *v;
            state.insert(i.clone(), Stored::A(a));
        }
        Step::Upsert(i, v) => {
            let a = match alpha_of(state, i) {
                Some(a) => Alpha { v: *v, ..a },
                None => Alpha {
                    id: i.clone(),
                    v: *v,
                    tag: None,
                },
            };
            state.insert(i.clone(), Stored::A(a));
        }
        Step::Delete(i) | Step::TxDelete(i) => {
            state.remove(i);
        }
        Step::BatchPut(items) => {
            for a in items {
                state.insert(a.id.clone(), Stored::A(a.clone()));
            }
        }
        Step::BatchDelete(ids) => {
            for i in ids {
                state.remove(i);
            }
        }
        Step::TxCheck(i, a) => {
            if alpha_of(state, i).is_none() {
                return Err("a condition check on no alpha held".into());
            }
            state.insert(a.id.clone(), Stored::A(a.clone()));
        }
    }
    Ok(())
}

async fn check(db: &Db, state: &State) -> Result<(), String> {
    let items: Vec<Item> = db
        .client()
        .scan()
        .table_name(db.table_name("shared"))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?
        .items
        .unwrap_or_default();
    let mut stored = State::new();
    for item in items {
        let s = match item.get("_et") {
            Some(AttributeValue::S(e)) if e == "beta" => {
                Stored::B(Beta::from_item(&item).map_err(|e| e.to_string())?)
            }
            _ => Stored::A(Alpha::from_item(&item).map_err(|e| e.to_string())?),
        };
        let id = match &s {
            Stored::A(a) => a.id.clone(),
            Stored::B(b) => b.id.clone(),
        };
        stored.insert(id, s);
    }
    if &stored != state {
        return Err(format!(
            "the table holds {stored:?}\nthe reference holds {state:?}"
        ));
    }
    Ok(())
}

#[test]
fn nothing_done_through_one_entity_touches_another() {
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
            Shared::create_table()
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
    let (steps, done, at_beta) = (
        STEPS.load(Ordering::Relaxed),
        DONE.load(Ordering::Relaxed),
        AT_BETA.load(Ordering::Relaxed),
    );
    eprintln!("nothing_done_through_one_entity_touches_another: {steps} steps, {done} succeeded, {at_beta} aimed at a beta");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        done * 3 >= steps && at_beta * 15 >= steps,
        "{done} succeeded, {at_beta} at a beta, of {steps}"
    );
}

/// A condition check of a shared-table model with a compound condition: its entity condition
/// joins the caller's without parentheses that DynamoDB refuses as redundant.
#[tokio::test]
async fn a_compound_condition_check_in_a_shared_table_is_sent_as_dynamodb_takes_it() {
    let db = crate::common::db().await;
    Shared::create_table().exec(&db).await.unwrap();
    let mut a = Alpha {
        id: "1".into(),
        v: 5,
        tag: None,
    };
    a.create(&db).await.unwrap();
    let f = Alpha::fields();
    let mut b = Alpha {
        id: "2".into(),
        v: 1,
        tag: None,
    };
    Transaction::new()
        .condition_check(Alpha::key("1"), f.v.ge(0u32) & f.v.le(10u32))
        .put(&mut b)
        .exec(&db)
        .await
        .unwrap();
    let mut c = Alpha {
        id: "3".into(),
        v: 1,
        tag: None,
    };
    let err = Transaction::new()
        .condition_check(Alpha::key("1"), f.v.ge(6u32) & f.v.le(10u32))
        .put(&mut c)
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }), "{err}");
}
