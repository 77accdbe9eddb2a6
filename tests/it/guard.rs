//! One write guard: what a typed update promises on a field (required, its type's range, its
//! length rule, a version that fits), it keeps on elements, entries, sets and versions too,
//! refused before anything is stored and naming the rule.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "accounts")]
struct Account {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(required)]
    email: Option<String>,
    #[dynomodel(version)]
    version: u8,
    nums: Vec<i32>,
    counts: HashMap<String, i32>,
    small: f32,
    #[dynomodel(string_set, validate(length(max = 3)))]
    tags: BTreeSet<String>,
    #[dynomodel(validate(length(max = 2)))]
    meta: HashMap<String, String>,
    #[dynomodel(validate(length(min = 2)))]
    steps: Vec<String>,
}

fn account(id: &str) -> Account {
    Account {
        id: id.into(),
        email: Some("a@example.com".into()),
        version: 0,
        nums: vec![i32::MAX - 5, i32::MIN + 5],
        counts: HashMap::from([("a".to_owned(), i32::MAX - 5)]),
        small: f32::MAX / 2.0,
        tags: ["x", "y", "z"].map(String::from).into(),
        meta: HashMap::from([
            ("k1".to_owned(), "v".to_owned()),
            ("k2".to_owned(), "v".to_owned()),
        ]),
        steps: vec!["a".into(), "b".into()],
    }
}

/// The rule that a refused update names, and that the item stayed as it was.
async fn refused(db: &Db, update: dynomodel::ops::Update<Account>, rule: &str) {
    let before = raw(db).await;
    let err = update.exec(db).await.unwrap_err();
    match &err {
        Error::Validation(errors) => {
            assert!(
                errors.iter().any(|e| e.rule == rule),
                "expected rule {rule}: {err}"
            );
        }
        other => panic!("expected a Validation error of rule {rule}: {other}"),
    }
    assert_eq!(raw(db).await, before, "a refused update changed the item");
    // The item still decodes.
    Account::get(Account::key("a"))
        .exec(db)
        .await
        .unwrap()
        .unwrap();
}

async fn raw(db: &Db) -> HashMap<String, AttributeValue> {
    db.client()
        .get_item()
        .table_name(db.table_name("accounts"))
        .key("id", AttributeValue::S("a".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

#[tokio::test]
async fn every_typed_update_keeps_the_models_promise() {
    let db = common::db().await;
    Account::create_table().exec(&db).await.unwrap();
    account("a").create(&db).await.unwrap();
    let f = Account::fields();
    let up = || Account::update(Account::key("a"));

    // A required option cannot be removed, by remove or by a set of None.
    refused(&db, up().remove(&f.email), "required").await;
    refused(&db, up().set(&f.email, None::<String>), "required").await;
    // The range of an element's or an entry's number type, and an f32's.
    refused(&db, up().add(f.nums.at(0), 10), "type").await;
    refused(&db, up().subtract(f.nums.at(1), 10), "type").await;
    refused(&db, up().add(f.counts.key("a"), 10), "type").await;
    refused(&db, up().add(&f.small, f32::MAX), "type").await;
    // Length rules where an update grows or shrinks a container.
    refused(
        &db,
        up().add(&f.tags, BTreeSet::from(["w".to_owned()])),
        "length",
    )
    .await;
    refused(&db, up().set(f.meta.key("k3"), "v".to_owned()), "length").await;
    refused(&db, up().remove(f.steps.at(0)), "length").await;
    // What stays within the rules is stored.
    let a = up()
        .set(f.meta.key("k1"), "w".to_owned())
        .add(f.nums.at(0), 5)
        .add(f.counts.key("a"), 5)
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(
        (a.nums[0], a.counts["a"], a.meta["k1"].as_str()),
        (i32::MAX, i32::MAX, "w")
    );
    let a = up()
        .set(&f.email, Some("b@example.com".to_owned()))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(a.email.as_deref(), Some("b@example.com"));

    // A version at its type's largest value takes no more updates, as a save takes none.
    db.client()
        .update_item()
        .table_name(db.table_name("accounts"))
        .key("id", AttributeValue::S("a".into()))
        .update_expression("SET version = :v")
        .expression_attribute_values(":v", AttributeValue::N("255".into()))
        .send()
        .await
        .unwrap();
    refused(&db, up().set(&f.small, 1.0f32), "version").await;
    let mut stored = Account::get(Account::key("a"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 255);
    assert!(stored.save(&db).await.is_err());
}
