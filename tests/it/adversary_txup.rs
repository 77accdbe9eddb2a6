//! Adversarial tests: a transaction's upsert of a model with a schema version, sent in the
//! marking form and switched to the legacy form where it meets an item stored without `_sv`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::ops::Update;
use dynomodel::prelude::*;

use crate::common;
use crate::lazy::StrictNote;

async fn setup() -> Db {
    let db = common::db().await;
    StrictNote::create_table().exec(&db).await.unwrap();
    db
}

/// An item stored by version 1 of the model: no `_sv`, the name in `name`.
async fn legacy(db: &Db, id: &str) {
    let mut item = HashMap::new();
    item.insert("id".to_owned(), AttributeValue::S(id.into()));
    item.insert("name".to_owned(), AttributeValue::S("from v1".into()));
    common::raw_put(db, "strict_notes", item).await;
}

async fn raw(db: &Db, id: &str) -> Option<HashMap<String, AttributeValue>> {
    db.client()
        .get_item()
        .table_name(db.table_name("strict_notes"))
        .key("id", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

fn up(id: &str, title: &str) -> Update<StrictNote> {
    let f = StrictNote::fields();
    StrictNote::update(StrictNote::key(id))
        .set(&f.title, title.to_owned())
        .add(&f.n, 1u32)
        .upsert()
}

fn note(id: &str) -> StrictNote {
    StrictNote {
        id: id.into(),
        title: "t".into(),
        n: 0,
    }
}

/// With an idempotency token, a transaction whose versioned upsert meets a legacy item must
/// succeed as it does without a token: the resend carries other parameters under the same
/// token.
#[tokio::test]
async fn tokened_tx_upsert_over_a_legacy_item_is_applied() {
    let db = setup().await;
    legacy(&db, "old").await;
    let answer = Transaction::new()
        .update(up("old", "in tx"))
        .update(up("fresh", "new"))
        .token(format!("adv-txup-1-{}", db.table_prefix()))
        .exec(&db)
        .await;
    assert!(
        answer.is_ok(),
        "as without a token: applied, got {answer:?}"
    );
    let item = raw(&db, "old").await.unwrap();
    assert_eq!(item.get("title"), Some(&AttributeValue::S("in tx".into())));
}

/// The same tokened transaction sent twice (a caller's retry within DynamoDB's window) is
/// applied once and answers Ok both times, as the token promises.
#[tokio::test]
async fn tokened_tx_upsert_over_a_legacy_item_retried_is_applied_once() {
    let db = setup().await;
    legacy(&db, "old").await;
    let token = format!("adv-txup-2-{}", db.table_prefix());
    let mut answers = Vec::new();
    for _ in 0..2 {
        answers.push(
            Transaction::new()
                .update(up("old", "in tx"))
                .token(token.clone())
                .exec(&db)
                .await,
        );
    }
    let item = raw(&db, "old").await.unwrap();
    assert!(
        answers.iter().all(|a| a.is_ok()),
        "a retry with the same token answers Ok: {answers:?}; item {item:?}"
    );
    assert_eq!(
        item.get("n"),
        Some(&AttributeValue::N("1".into())),
        "applied once"
    );
}

/// A versioned upsert over a legacy item beside a create over an existing item: cancelled,
/// the create named, nothing written.
#[tokio::test]
async fn legacy_upsert_beside_a_failing_create_is_cancelled_with_nothing_written() {
    let db = setup().await;
    legacy(&db, "old").await;
    StrictNote::update(StrictNote::key("there"))
        .set(&StrictNote::fields().title, "there")
        .upsert()
        .exec_quiet(&db)
        .await
        .unwrap();
    let before_old = raw(&db, "old").await;
    let before_there = raw(&db, "there").await;
    let mut dup = note("there");
    let err = Transaction::new()
        .update(up("old", "in tx"))
        .update(up("new", "new"))
        .create(&mut dup)
        .exec(&db)
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("cancelled, got {err:?}");
    };
    let idx: Vec<usize> = reasons.iter().map(|r| r.index).collect();
    assert_eq!(idx, vec![2], "only the create failed: {reasons:?}");
    assert_eq!(reasons[0].code, "ConditionalCheckFailed");
    assert_eq!(raw(&db, "old").await, before_old);
    assert_eq!(raw(&db, "there").await, before_there);
    assert_eq!(raw(&db, "new").await, None);
}

/// A caller's condition that the legacy item fails: cancelled; the reason names the upsert
/// and the stored item; nothing written (the swap must not lose the caller's condition).
#[tokio::test]
async fn callers_condition_on_a_legacy_item_is_kept_across_the_swap() {
    let db = setup().await;
    legacy(&db, "old").await;
    let f = StrictNote::fields();
    let before = raw(&db, "old").await;
    let err = Transaction::new()
        .update(up("old", "in tx").condition(f.n.gt(5u32)))
        .update(up("new", "new"))
        .exec(&db)
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("cancelled, got {err:?}");
    };
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0].index, 0);
    assert_eq!(reasons[0].code, "ConditionalCheckFailed");
    assert_eq!(reasons[0].item, before, "the stored item is named");
    assert_eq!(raw(&db, "old").await, before);
    assert_eq!(raw(&db, "new").await, None);
    // exec alone refuses it too.
    let alone = up("old", "alone").condition(f.n.gt(5u32)).exec(&db).await;
    assert!(
        matches!(alone, Err(Error::ConditionFailed { .. })),
        "{alone:?}"
    );
}

/// A caller's condition on a marked item (has `_sv`) that fails, beside an upsert over a
/// legacy item: cancelled with the marked one named; nothing written.
#[tokio::test]
async fn failing_condition_on_marked_item_with_legacy_neighbour() {
    let db = setup().await;
    legacy(&db, "old").await;
    up("marked", "m").exec_quiet(&db).await.unwrap();
    let f = StrictNote::fields();
    let (b_old, b_marked) = (raw(&db, "old").await, raw(&db, "marked").await);
    let err = Transaction::new()
        .update(up("old", "x"))
        .update(up("marked", "x").condition(f.n.gt(5u32)))
        .update(up("new", "x"))
        .condition_check(StrictNote::key("nope"), f.title.exists())
        .exec(&db)
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("cancelled, got {err:?}");
    };
    let idx: Vec<usize> = reasons.iter().map(|r| r.index).collect();
    assert_eq!(idx, vec![1, 3], "{reasons:?}");
    assert_eq!(reasons[0].item, b_marked);
    assert_eq!(raw(&db, "old").await, b_old);
    assert_eq!(raw(&db, "marked").await, b_marked);
    assert_eq!(raw(&db, "new").await, None);
}

/// Several versioned upserts, legacy, new and marked, all applied as each alone would.
#[tokio::test]
async fn several_versioned_upserts_are_applied_as_alone() {
    let db = setup().await;
    legacy(&db, "old1").await;
    legacy(&db, "old2").await;
    up("marked", "m").exec_quiet(&db).await.unwrap();
    Transaction::new()
        .update(up("old1", "a"))
        .update(up("new1", "b"))
        .update(up("old2", "c"))
        .update(up("marked", "d"))
        .update(up("new2", "e"))
        .exec(&db)
        .await
        .unwrap();
    let db = &db;
    let sv = |id: &'static str| async move { raw(db, id).await.unwrap().get("_sv").cloned() };
    let two = Some(AttributeValue::N("2".into()));
    assert_eq!(sv("old1").await, None);
    assert_eq!(sv("old2").await, None);
    assert_eq!(sv("new1").await, two);
    assert_eq!(sv("new2").await, two);
    assert_eq!(sv("marked").await, two);
    for (id, n) in [
        ("old1", 1),
        ("old2", 1),
        ("new1", 1),
        ("new2", 1),
        ("marked", 2),
    ] {
        let got = StrictNote::get(StrictNote::key(id))
            .exec(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.n, n, "{id}");
    }
}

/// `to_requests` shows what is sent first: the marking form.
#[tokio::test]
async fn to_requests_shows_the_marking_form() {
    let requests = Transaction::new()
        .update(up("a", "x"))
        .to_requests()
        .await
        .unwrap();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    let update = r.update.clone().unwrap_or_default();
    let names: Vec<_> = r.names.values().cloned().collect();
    assert!(names.iter().any(|n| n == "_sv"), "{r:?}");
    assert!(update.contains("if_not_exists"), "{update}");
}

#[derive(dynomodel::Model, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "adv_txup_leases",
    schema_version = 2,
    upgrade = "upgrade_lease"
)]
pub struct Lease {
    #[dynomodel(hash_key)]
    id: String,
    owner: String,
    #[dynomodel(ttl)]
    expires: Option<i64>,
    #[dynomodel(version)]
    version: u32,
}

fn upgrade_lease(_item: &mut dynomodel::model::upgrade::Upgrading<'_>) -> dynomodel::Result<()> {
    Ok(())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn lease_raw(db: &Db, id: &str, version: u32, expires: i64) {
    let mut item = HashMap::new();
    item.insert("id".to_owned(), AttributeValue::S(id.into()));
    item.insert("owner".to_owned(), AttributeValue::S("old".into()));
    item.insert("version".to_owned(), AttributeValue::N(version.to_string()));
    item.insert("expires".to_owned(), AttributeValue::N(expires.to_string()));
    common::raw_put(db, "adv_txup_leases", item).await;
}

async fn lease_item(db: &Db, id: &str) -> Option<HashMap<String, AttributeValue>> {
    db.client()
        .get_item()
        .table_name(db.table_name("adv_txup_leases"))
        .key("id", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

/// expect_version on legacy items: a conflict cancels (never swapped into applying), a match
/// applies; an expired legacy item is no item: the upsert creates it marked.
#[tokio::test]
async fn expect_version_and_expiry_on_legacy_items() {
    let db = common::db().await;
    Lease::create_table().without_ttl().exec(&db).await.unwrap();
    lease_raw(&db, "conflict", 3, now() + 3600).await;
    lease_raw(&db, "match", 3, now() + 3600).await;
    lease_raw(&db, "expired", 3, now() - 60).await;
    let f = Lease::fields();
    let upd = |id: &str| {
        Lease::update(Lease::key(id))
            .set(&f.owner, "ann".to_owned())
            .upsert()
    };
    let before = lease_item(&db, "conflict").await;
    let err = Transaction::new()
        .update(upd("conflict").expect_version(2))
        .update(upd("match").expect_version(3))
        .exec(&db)
        .await
        .unwrap_err();
    let Error::TransactionCanceled { reasons } = &err else {
        panic!("cancelled, got {err:?}");
    };
    let idx: Vec<usize> = reasons.iter().map(|r| r.index).collect();
    assert_eq!(idx, vec![0], "{reasons:?}");
    assert_eq!(lease_item(&db, "conflict").await, before);

    Transaction::new()
        .update(upd("match").expect_version(3))
        .update(upd("expired"))
        .exec(&db)
        .await
        .unwrap();
    let m = lease_item(&db, "match").await.unwrap();
    assert_eq!(m.get("version"), Some(&AttributeValue::N("4".into())));
    assert_eq!(m.get("_sv"), None, "a legacy item stays legacy");
    let e = lease_item(&db, "expired").await.unwrap();
    assert_eq!(e.get("_sv"), Some(&AttributeValue::N("2".into())), "{e:?}");
    assert_eq!(
        e.get("version"),
        Some(&AttributeValue::N("1".into())),
        "{e:?}"
    );
}
