//! Batches, transactions and tables against DynamoDB Local.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{AttributeValue, IndexStatus, ProjectionType, TimeToLiveStatus};
use dynomodel::prelude::*;
use dynomodel::transaction::MAX_ACTIONS;
use serde::{Deserialize, Serialize};

use crate::common;
use crate::ops::{pet, Note, Pet};

/// A shuffle without a dependency: a fixed permutation that scatters neighbours.
fn scatter<T: Clone>(v: &[T]) -> Vec<T> {
    let n = v.len();
    (0..n).map(|i| v[(i * 7919 + 13) % n].clone()).collect()
}

#[tokio::test]
async fn a_thousand_items_put_then_read_back_in_shuffled_order_with_missing_keys() {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    let pets: Vec<Pet> = (0..1000)
        .map(|i| {
            let mut p = pet(&format!("p{i:04}"));
            p.age = (i % 100) as u32;
            p
        })
        .collect();
    Pet::batch_put(pets.clone())
        .overwrite_versions()
        .exec(&db)
        .await
        .unwrap();

    let mut ids: Vec<String> = (0..1000).map(|i| format!("p{i:04}")).collect();
    ids.extend((0..50).map(|i| format!("missing{i}")));
    let ids = scatter(&ids);
    let got = Pet::batch_get(ids.iter().map(|id| Pet::key(id.as_str())))
        .consistent()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(got.len(), ids.len());
    for (id, result) in ids.iter().zip(&got) {
        match result {
            Some(p) => {
                assert_eq!(&p.id, id);
                let n: u32 = id[1..].parse().unwrap();
                assert_eq!(p.age, n % 100);
                assert_eq!(p.version, 1, "the save pipeline ran");
            }
            None => assert!(id.starts_with("missing"), "{id} was written but not read"),
        }
    }
    assert_eq!(got.iter().filter(|p| p.is_some()).count(), 1000);
    assert_eq!(Pet::scan().count(&db).await.unwrap(), 1000);

    let twice = Pet::batch_get([Pet::key("p0001"), Pet::key("p0001")])
        .exec(&db)
        .await
        .unwrap();
    assert!(twice[0].is_some() && twice[0] == twice[1]);

    Pet::batch_delete((0..1000).map(|i| Pet::key(format!("p{i:04}"))))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(Pet::scan().count(&db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_batch_with_one_bad_item_writes_nothing() {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    let mut pets: Vec<Pet> = (0..60).map(|i| pet(&format!("b{i}"))).collect();
    pets[42].name = String::new();
    pets[7].age = 1000;
    let err = Pet::batch_put(pets)
        .overwrite_versions()
        .exec(&db)
        .await
        .unwrap_err();
    let Error::Validation(errors) = err else {
        panic!("{err:?}")
    };
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["[7].age", "[42].name"]);
    assert_eq!(Pet::scan().count(&db).await.unwrap(), 0);

    let dup = Pet::batch_put([pet("same"), pet("other"), pet("same")])
        .overwrite_versions()
        .exec(&db)
        .await
        .unwrap_err();
    assert!(dup.to_string().contains("items 0 and 2"), "{dup}");
    assert_eq!(Pet::scan().count(&db).await.unwrap(), 0);
}

#[tokio::test]
async fn a_batch_that_cannot_be_written_names_every_item_left() {
    // No table: DynamoDB refuses every chunk, and the error lists every key.
    let db = common::db().await;
    let pets: Vec<Pet> = (0..30).map(|i| pet(&format!("n{i}"))).collect();
    let err = Pet::batch_put(pets)
        .overwrite_versions()
        .exec(&db)
        .await
        .unwrap_err();
    let Error::BatchIncomplete {
        unprocessed,
        verb,
        source,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*verb, "written");
    assert_eq!(unprocessed.len(), 30);
    let mut ids: Vec<&str> = unprocessed
        .iter()
        .map(|k| k["id"].as_s().unwrap().as_str())
        .collect();
    ids.sort();
    let mut want: Vec<String> = (0..30).map(|i| format!("n{i}")).collect();
    want.sort();
    assert_eq!(ids, want);
    assert!(source.is_some(), "the last error from DynamoDB is kept");
}

#[tokio::test]
async fn a_transaction_whose_third_action_fails_changes_nothing() {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    Note::create_table().exec(&db).await.unwrap();
    for id in ["t1", "t2", "t3"] {
        pet(id).create(&db).await.unwrap();
    }
    let f = Pet::fields();
    let before = Pet::scan().all(&db).await.unwrap();
    let mut note = Note {
        id: "n".into(),
        body: "x".into(),
        loaded: false,
    };
    let err = Transaction::new()
        .update(Pet::update(Pet::key("t1")).add(f.age.clone(), 1u32))
        .create(&mut note)
        .condition_check(Pet::key("t2"), f.age.gt(50u32))
        .delete(Pet::delete(Pet::key("t3")))
        .exec(&db)
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    let r = &reasons[0];
    assert_eq!(r.index, 2);
    assert_eq!(
        r.table,
        db.table_name("pets"),
        "prefixed, as in every error"
    );
    assert!(r.is_condition_failed(), "{r}");
    assert_eq!(r.key.get("id"), Some(&AttributeValue::S("t2".into())));
    assert_eq!(
        r.item.as_ref().and_then(|i| i.get("age")),
        Some(&AttributeValue::N("3".into())),
        "the stored item comes with the reason"
    );
    assert!(
        err.to_string().contains(&format!(
            "action 2 on `{}` (id=\"t2\"): ConditionalCheckFailed",
            db.table_name("pets")
        )),
        "{err}"
    );

    let mut after = Pet::scan().all(&db).await.unwrap();
    let mut before = before;
    after.sort_by(|a, b| a.id.cmp(&b.id));
    before.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(after, before, "every item unchanged");
    assert!(Note::get(Note::key("n")).exec(&db).await.unwrap().is_none());
}

#[tokio::test]
async fn a_transaction_across_models_with_a_token_and_a_typed_transact_get() {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    Note::create_table().exec(&db).await.unwrap();
    pet("x1").create(&db).await.unwrap();
    let note = Note {
        id: "n1".into(),
        body: "hello".into(),
        loaded: false,
    };
    let f = Pet::fields();
    // The same token twice within DynamoDB's window is applied once.
    for _ in 0..2 {
        Transaction::new()
            .create(&mut note.clone())
            .update(Pet::update(Pet::key("x1")).add(f.age.clone(), 1u32))
            .put(&mut pet("x2"))
            .token("tx-across-models")
            .exec(&db)
            .await
            .unwrap();
    }

    let (p, n, none): (Option<Pet>, Option<Note>, Option<Pet>) = TransactGet::new()
        .get(Pet::key("x1"))
        .get(Note::key("n1"))
        .get(Pet::key("nope"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(p.unwrap().age, 4, "applied once");
    let n = n.unwrap();
    assert_eq!(n.body, "hello");
    assert!(n.loaded, "after_load ran");
    assert!(none.is_none());
}

#[tokio::test]
async fn transactions_check_versions_and_validate_before_sending() {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    pet("v1").create(&db).await.unwrap();
    let mut stale = Pet::get(Pet::key("v1")).exec(&db).await.unwrap().unwrap();
    let mut fresh = stale.clone();
    fresh.age = 9;
    fresh.save(&db).await.unwrap();

    let err = Transaction::new()
        .put(&mut stale)
        .exec(&db)
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (reasons[0].index, reasons[0].is_condition_failed()),
        (0, true)
    );

    let mut bad = pet("v2");
    bad.name = String::new();
    let err = Transaction::new()
        .create(&mut pet("v3"))
        .create(&mut bad)
        .exec(&db)
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(reasons.len(), 1);
    assert_eq!(
        (reasons[0].index, reasons[0].code.as_str()),
        (1, "Validation")
    );
    assert!(reasons[0]
        .message
        .as_deref()
        .unwrap()
        .contains("`name` (length)"));
    assert!(
        Pet::get(Pet::key("v3")).exec(&db).await.unwrap().is_none(),
        "nothing was sent"
    );
}

#[tokio::test]
async fn oversized_and_overlapping_transactions_are_refused_before_sending() {
    let mut tx = Transaction::new();
    for i in 0..=MAX_ACTIONS {
        tx = tx.condition_check(Pet::key(format!("k{i}")), Pet::fields().age.gt(0u32));
    }
    let err = tx.to_requests().await.unwrap_err();
    assert!(
        err.to_string().contains("1 to 100 actions, not 101"),
        "{err}"
    );

    let err = Transaction::new()
        .update(Pet::update(Pet::key("a")).add(Pet::fields().age, 1u32))
        .delete(Pet::delete(Pet::key("a")))
        .to_requests()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("actions 0 and 1 touch the same item"),
        "{err}"
    );
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "orders")]
#[dynomodel(gsi(name = "by_customer", hash = "customer", range = "placed", projection = keys_only))]
#[dynomodel(lsi(name = "by_total", range = "total", projection = include("note")))]
struct Order {
    #[dynomodel(hash_key)]
    shop: String,
    #[dynomodel(range_key)]
    number: u64,
    customer: String,
    placed: String,
    total: u64,
    note: Option<String>,
    #[dynomodel(string_set)]
    tags: BTreeSet<String>,
    #[dynomodel(ttl)]
    expires: Option<i64>,
}

#[tokio::test]
async fn create_table_makes_the_keys_indexes_and_ttl_of_the_model() {
    let db = common::db().await;
    let d = Order::create_table().exec(&db).await.unwrap();
    let keys: Vec<(&str, &str)> = d
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type().as_str()))
        .collect();
    assert_eq!(keys, [("shop", "HASH"), ("number", "RANGE")]);
    let mut defs: Vec<(&str, &str)> = d
        .attribute_definitions()
        .iter()
        .map(|a| (a.attribute_name(), a.attribute_type().as_str()))
        .collect();
    defs.sort();
    assert_eq!(
        defs,
        [
            ("customer", "S"),
            ("number", "N"),
            ("placed", "S"),
            ("shop", "S"),
            ("total", "N")
        ]
    );
    let gsi = &d.global_secondary_indexes()[0];
    assert_eq!(gsi.index_name(), Some("by_customer"));
    assert_eq!(gsi.index_status(), Some(&IndexStatus::Active));
    assert_eq!(
        gsi.projection().and_then(|p| p.projection_type()),
        Some(&ProjectionType::KeysOnly)
    );
    let lsi = &d.local_secondary_indexes()[0];
    assert_eq!(lsi.index_name(), Some("by_total"));
    let projection = lsi.projection().unwrap();
    assert_eq!(projection.projection_type(), Some(&ProjectionType::Include));
    assert_eq!(projection.non_key_attributes(), ["note"]);

    let ttl = db
        .client()
        .describe_time_to_live()
        .table_name(db.table_name("orders"))
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("expires"));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));

    assert!(dynomodel::table::describe::<Order>(&db)
        .await
        .unwrap()
        .is_some());
    dynomodel::table::ensure::<Order>(&db).await.unwrap();
    Order::delete_table().exec(&db).await.unwrap();
    assert!(dynomodel::table::describe::<Order>(&db)
        .await
        .unwrap()
        .is_none());
    // Deleting again: no error, unless the table must exist.
    dynomodel::table::delete::<Order>(&db).await.unwrap();
    let err = Order::delete_table()
        .must_exist()
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    dynomodel::table::ensure::<Order>(&db).await.unwrap();
    assert!(dynomodel::table::describe::<Order>(&db)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn table_prefixes_apply_to_every_operation() {
    let base = common::db().await;
    let db = base
        .clone()
        .with_table_prefix(format!("{}extra_", base.table_prefix()));
    Pet::create_table().exec(&db).await.unwrap();
    pet("1").create(&db).await.unwrap();
    Pet::batch_put([pet("2")])
        .overwrite_versions()
        .exec(&db)
        .await
        .unwrap();
    Transaction::new()
        .put(&mut pet("3"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(Pet::scan().count(&db).await.unwrap(), 3);
    let names = common::table_names(&db).await;
    assert!(names.contains(&db.table_name("pets")));
    assert!(!names.contains(&base.table_name("pets")));
}
