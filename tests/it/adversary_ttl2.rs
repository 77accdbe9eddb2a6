//! Adversarial tests (second round) of the rule "a write decides about an item past its TTL
//! (which DynamoDB has not deleted yet) as about no item": lazy migration over expired items
//! of a newer or older schema version, versioned transactions over several expired items,
//! writers racing the clear-and-resend, stored attributes of another type, and the backfill's
//! upgrade. Tables are created without TTL, so that DynamoDB Local keeps expired items.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::model::upgrade::Upgrading;
use dynomodel::prelude::*;
use dynomodel::schema::backfill::Backfill;
use serde::{Deserialize, Serialize};

use crate::common;

type Item = std::collections::HashMap<String, AttributeValue>;

/// A versioned document with a TTL: a table of its own.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "adv2docs")]
pub struct Doc {
    #[dynomodel(hash_key)]
    pub id: String,
    pub owner: String,
    #[dynomodel(default = 0)]
    pub n: u32,
    #[dynomodel(version)]
    pub version: u32,
    #[dynomodel(ttl)]
    pub until: Option<i64>,
}

/// Schema version 2 of an account with a TTL: version 1 stored no `domain`.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "adv2accts", schema_version = 2, upgrade = "upgrade_acct")]
pub struct Acct {
    #[dynomodel(hash_key)]
    pub id: String,
    pub email: String,
    pub domain: String,
    #[dynomodel(version)]
    pub version: u32,
    #[dynomodel(ttl)]
    pub until: Option<i64>,
}

pub fn upgrade_acct(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 && !item.has("domain") {
        let email: String = item.get("email")?.unwrap_or_default();
        let Some((_, domain)) = email.split_once('@') else {
            return Err(item.fail("email", format!("`{email}` has no `@`")));
        };
        item.set("domain", &domain.to_owned())?;
    }
    Ok(())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

async fn raw(db: &Db, table: &str, id: &str) -> Option<Item> {
    db.client()
        .get_item()
        .table_name(db.table_name(table))
        .key("id", s(id))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

async fn docs() -> Db {
    let db = common::db().await;
    Doc::create_table().without_ttl().exec(&db).await.unwrap();
    db
}

async fn accts() -> Db {
    let db = common::db().await;
    Acct::create_table().without_ttl().exec(&db).await.unwrap();
    db
}

/// An expired doc at version 5, with an attribute that no field has.
async fn expired_doc(db: &Db, id: &str) {
    let it = item(&[
        ("id", s(id)),
        ("owner", s("stale")),
        ("n", n(9)),
        ("version", n(5)),
        ("until", n(now() - 100)),
        ("legacy", s("stale")),
    ]);
    common::raw_put(db, "adv2docs", it).await;
}

fn doc(id: &str, owner: &str) -> Doc {
    Doc {
        id: id.into(),
        owner: owner.into(),
        n: 0,
        version: 0,
        until: Some(now() + 3600),
    }
}

/// An expired account that schema version 3 stored (`_sv` = 3, an attribute of its own).
async fn expired_v3(db: &Db, id: &str) {
    let it = item(&[
        ("id", s(id)),
        ("email", s("old@v3.example")),
        ("domain", s("v3.example")),
        ("v3only", s("from v3")),
        ("version", n(7)),
        ("_sv", n(3)),
        ("until", n(now() - 100)),
    ]);
    common::raw_put(db, "adv2accts", it).await;
}

/// An expired account that version 1 stored, whose e-mail the upgrade refuses.
async fn expired_v1_bad(db: &Db, id: &str) {
    let it = item(&[
        ("id", s(id)),
        ("email", s("no-at-sign")),
        ("version", n(4)),
        ("until", n(now() - 100)),
    ]);
    common::raw_put(db, "adv2accts", it).await;
}

fn acct(id: &str) -> Acct {
    Acct {
        id: id.into(),
        email: "new@new.example".into(),
        domain: "new.example".into(),
        version: 0,
        until: Some(now() + 3600),
    }
}

fn acct_upsert(id: &str) -> dynomodel::ops::Update<Acct> {
    let f = Acct::fields();
    Acct::update(Acct::key(id))
        .set(&f.email, "up@up.example")
        .set(&f.domain, "up.example")
        .set(&f.until, Some(now() + 3600))
        .upsert()
}

// ---------------------------------------------------------------------------------------
// 1. Lazy migration: an expired item of a newer (or older) schema version.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn lazy_create_and_save_over_expired_newer_version_act_as_over_no_item() {
    let db = accts().await;
    expired_v3(&db, "c").await;
    expired_v3(&db, "p").await;
    let mut c = acct("c");
    let answer = c.create(&db).await;
    assert!(answer.is_ok(), "create over an expired v3 item: {answer:?}");
    let mut p = acct("p");
    let answer = p.save(&db).await;
    assert!(
        answer.is_ok(),
        "save (new) over an expired v3 item: {answer:?}"
    );
    for id in ["c", "p"] {
        let got = Acct::get(Acct::key(id)).exec(&db).await.unwrap().unwrap();
        assert_eq!(got.version, 1, "{id}: a new item, version 1: {got:?}");
        let r = raw(&db, "adv2accts", id).await.unwrap();
        assert!(!r.contains_key("v3only"), "{id}: {r:?}");
        assert_eq!(r.get("_sv"), Some(&n(2)), "{id}: {r:?}");
    }
}

#[tokio::test]
async fn lazy_update_upsert_delete_over_expired_newer_version_act_as_over_no_item() {
    let db = accts().await;
    expired_v3(&db, "u").await;
    expired_v3(&db, "up").await;
    expired_v3(&db, "d").await;
    expired_v3(&db, "dm").await;
    let f = Acct::fields();
    let answer = Acct::update(Acct::key("u"))
        .set(&f.email, "x@y.example")
        .exec(&db)
        .await;
    assert!(
        matches!(answer, Err(Error::NotFound { .. })),
        "update of an expired v3 item: NotFound as over no item, got {answer:?}"
    );
    let answer = acct_upsert("up").exec(&db).await;
    let got = answer.expect("upsert over an expired v3 item: as over no item, created");
    assert_eq!(got.version, 1);
    let r = raw(&db, "adv2accts", "up").await.unwrap();
    assert!(!r.contains_key("v3only"), "{r:?}");
    assert_eq!(
        r.get("_sv"),
        Some(&n(2)),
        "created at the model's version: {r:?}"
    );
    let answer = Acct::delete(Acct::key("d")).exec(&db).await;
    assert!(
        matches!(answer, Ok(None)),
        "delete: no old item, got {answer:?}"
    );
    let answer = Acct::delete(Acct::key("dm")).must_exist().exec(&db).await;
    assert!(
        matches!(answer, Err(Error::NotFound { .. })),
        "must_exist delete: NotFound, got {answer:?}"
    );
}

#[tokio::test]
async fn lazy_transaction_over_expired_newer_version_items_is_applied() {
    let db = accts().await;
    for id in ["c", "p", "u", "k"] {
        expired_v3(&db, id).await;
    }
    let mut c = acct("c");
    let mut p = acct("p");
    let f = Acct::fields();
    let answer = Transaction::new()
        .create(&mut c)
        .put(&mut p)
        .update(acct_upsert("u"))
        .condition_check(Acct::key("k"), f.email.not_exists())
        .exec(&db)
        .await;
    assert!(answer.is_ok(), "as over no items: applied, got {answer:?}");
    for id in ["c", "p", "u"] {
        let r = raw(&db, "adv2accts", id).await.unwrap();
        assert!(!r.contains_key("v3only"), "{id}: {r:?}");
    }
}

/// An expired item of version 1 that the upgrade refuses: every write acts as over no item
/// (none decodes or upgrades what every read leaves out).
#[tokio::test]
async fn lazy_writes_over_expired_unupgradable_old_item_act_as_over_no_item() {
    let db = accts().await;
    for id in ["c", "up", "d", "u", "tx"] {
        expired_v1_bad(&db, id).await;
    }
    let mut c = acct("c");
    assert!(c.create(&db).await.is_ok());
    let answer = acct_upsert("up").exec(&db).await;
    assert!(answer.is_ok(), "upsert: {answer:?}");
    let answer = Acct::delete(Acct::key("d")).exec(&db).await;
    assert!(matches!(answer, Ok(None)), "delete: {answer:?}");
    let f = Acct::fields();
    let answer = Acct::update(Acct::key("u"))
        .set(&f.email, "a@b")
        .expect_version(4)
        .exec(&db)
        .await;
    assert!(
        !matches!(answer, Ok(_) | Err(Error::Upgrade { .. })),
        "update at the expired item's version: {answer:?}"
    );
    let answer = Transaction::new().update(acct_upsert("tx")).exec(&db).await;
    assert!(answer.is_ok(), "transaction upsert: {answer:?}");
}

// ---------------------------------------------------------------------------------------
// 2. Versioned transactions over several expired items, mixed with live ones.
// ---------------------------------------------------------------------------------------

/// Builds the transaction: create a, put (new) b, upsert c, upsert d, condition check that e
/// has no owner, update live f at version 2.
async fn versioned_tx(db: &Db) -> Result<()> {
    let f = Doc::fields();
    let mut a = doc("a", "ann");
    let mut b = doc("b", "bob");
    Transaction::new()
        .create(&mut a)
        .put(&mut b)
        .update(
            Doc::update(Doc::key("c"))
                .set(&f.owner, "cy")
                .add(&f.n, 1u32)
                .upsert(),
        )
        .update(
            Doc::update(Doc::key("d"))
                .set(&f.owner, "di")
                .add(&f.n, 1u32)
                .upsert(),
        )
        .condition_check(Doc::key("e"), f.owner.not_exists())
        .update(
            Doc::update(Doc::key("f"))
                .set(&f.owner, "fay")
                .expect_version(2),
        )
        .exec(db)
        .await
}

async fn live_f(db: &Db) {
    let mut f = doc("f", "first");
    f.create(db).await.unwrap();
    let g = Doc::fields();
    Doc::update(Doc::key("f"))
        .set(&g.owner, "second")
        .exec(db)
        .await
        .unwrap();
}

async fn state(db: &Db) -> Vec<Option<(String, u32, u32)>> {
    let mut out = Vec::new();
    for id in ["a", "b", "c", "d", "e", "f"] {
        out.push(
            Doc::get(Doc::key(id))
                .exec(db)
                .await
                .unwrap()
                .map(|d| (d.owner, d.n, d.version)),
        );
    }
    out
}

#[tokio::test]
async fn versioned_tx_over_several_expired_items_is_as_over_no_items() {
    let reference = docs().await;
    live_f(&reference).await;
    let expected = versioned_tx(&reference).await;
    assert!(expected.is_ok(), "reference: {expected:?}");
    let expected_state = state(&reference).await;

    let db = docs().await;
    live_f(&db).await;
    for id in ["a", "b", "c", "d", "e"] {
        expired_doc(&db, id).await;
    }
    let answer = versioned_tx(&db).await;
    assert!(
        answer.is_ok(),
        "over five expired items and a live one: {answer:?}"
    );
    assert_eq!(state(&db).await, expected_state);
    for id in ["a", "b", "c", "d"] {
        let r = raw(&db, "adv2docs", id).await.unwrap();
        assert!(!r.contains_key("legacy"), "{id}: {r:?}");
    }
}

/// Four upserts, each over an expired item (each needs the item cleared first).
#[tokio::test]
async fn tx_of_four_upserts_over_expired_items_is_applied() {
    let db = docs().await;
    let ids = ["w", "x", "y", "z"];
    for id in ids {
        expired_doc(&db, id).await;
    }
    let f = Doc::fields();
    let mut tx = Transaction::new();
    for id in ids {
        tx = tx.update(Doc::update(Doc::key(id)).set(&f.owner, "new").upsert());
    }
    let answer = tx.exec(&db).await;
    assert!(answer.is_ok(), "as over no items: applied, got {answer:?}");
    for id in ids {
        let d = Doc::get(Doc::key(id)).exec(&db).await.unwrap();
        assert_eq!(
            d.map(|d| (d.owner, d.n, d.version)),
            Some(("new".into(), 0, 1))
        );
    }
}

/// Over expired items and a live one at another version: the transaction is cancelled as over
/// no items, only for the live item's version; nothing of it applied; the live item kept.
#[tokio::test]
async fn versioned_tx_conflict_on_live_item_beside_expired_ones_is_as_over_no_items() {
    let db = docs().await;
    let mut f0 = doc("f", "first");
    f0.create(&db).await.unwrap(); // version 1, the transaction expects 2
    for id in ["a", "b", "c", "d", "e"] {
        expired_doc(&db, id).await;
    }
    let answer = versioned_tx(&db).await;
    match &answer {
        Err(Error::TransactionCanceled { reasons }) => {
            let failed: Vec<usize> = reasons
                .iter()
                .filter(|r| r.code == "ConditionalCheckFailed")
                .map(|r| r.index)
                .collect();
            assert_eq!(
                failed,
                vec![5],
                "only the live item's version failed: {reasons:?}"
            );
        }
        other => panic!("expected a cancellation for f's version, got {other:?}"),
    }
    let got = Doc::get(Doc::key("f")).exec(&db).await.unwrap();
    assert_eq!(got.map(|d| (d.owner, d.version)), Some(("first".into(), 1)));
    for id in ["a", "b", "c", "d", "e"] {
        assert_eq!(
            Doc::get(Doc::key(id)).exec(&db).await.unwrap(),
            None,
            "{id}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 3. Writers racing the clear and the resend.
// ---------------------------------------------------------------------------------------

/// Another writer keeps storing an expired item under the key. Every read says there is no
/// item all along: an update (not an upsert) must answer `NotFound`, as over no item, however
/// often the library's resends meet a fresh expired item; never `ConditionFailed` carrying
/// an item that every read leaves out.
#[tokio::test]
async fn update_while_a_writer_keeps_storing_an_expired_item_is_not_found() {
    let db = docs().await;
    expired_doc(&db, "r").await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                expired_doc(&db, "r").await;
            }
        })
    };
    let f = Doc::fields();
    let mut answers = Vec::new();
    for _ in 0..40 {
        let a = Doc::update(Doc::key("r"))
            .set(&f.owner, "x")
            .exec(&db)
            .await;
        answers.push(format!("{a:?}"));
        if !matches!(a, Err(Error::NotFound { .. })) {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let last = answers.last().unwrap();
    assert!(
        last.starts_with("Err(NotFound"),
        "after {} updates of a key whose only item is always expired: {last}",
        answers.len()
    );
}

/// The same with a must-exist delete and with a version-checked save.
#[tokio::test]
async fn conditioned_writes_while_a_writer_keeps_storing_an_expired_item_answer_as_over_no_item() {
    let db = docs().await;
    expired_doc(&db, "r").await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                expired_doc(&db, "r").await;
            }
        })
    };
    let mut bad = None;
    for _ in 0..40 {
        let a = Doc::delete(Doc::key("r")).must_exist().exec(&db).await;
        if !matches!(a, Err(Error::NotFound { .. })) {
            bad = Some(format!("must_exist delete: {a:?}"));
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert_eq!(bad, None);
}

/// Another writer keeps creating the item live (while the library clears the expired one and
/// sends again): no live item is ever deleted, and each answer is one that a user can act on.
#[tokio::test]
async fn writer_recreating_the_item_live_is_never_lost() {
    let db = docs().await;
    let f = Doc::fields();
    for round in 0..15 {
        let id = format!("l{round}");
        expired_doc(&db, &id).await;
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (db, stop, id) = (db.clone(), stop.clone(), id.clone());
            tokio::spawn(async move {
                let mut last = None;
                while !stop.load(Ordering::Relaxed) {
                    let it = item(&[
                        ("id", s(&id)),
                        ("owner", s("live")),
                        ("n", n(1)),
                        ("version", n(1)),
                        ("until", n(now() + 3600)),
                    ]);
                    common::raw_put(&db, "adv2docs", it.clone()).await;
                    last = Some(it);
                    tokio::task::yield_now().await;
                }
                last
            })
        };
        let a = Doc::update(Doc::key(&id))
            .set(&f.owner, "upd")
            .exec(&db)
            .await;
        stop.store(true, Ordering::Relaxed);
        writer.await.unwrap();
        assert!(
            matches!(a, Ok(_) | Err(Error::NotFound { .. })),
            "round {round}: {a:?}"
        );
        let got = Doc::get(Doc::key(&id)).exec(&db).await.unwrap();
        assert!(got.is_some(), "round {round}: the live item was lost");
    }
}

// ---------------------------------------------------------------------------------------
// 5. An expired item whose attributes have another type than the model's.
// ---------------------------------------------------------------------------------------

/// Other code stored `n` as a string; the item expired. Over no item, an upsert that adds 1
/// to `n` creates the item with `n` = 1; over the expired item it must do the same.
#[tokio::test]
async fn upsert_add_over_expired_item_with_another_type_is_as_over_no_item() {
    let db = docs().await;
    let it = item(&[
        ("id", s("t")),
        ("owner", s("stale")),
        ("n", s("nine")),
        ("version", n(5)),
        ("until", n(now() - 100)),
    ]);
    common::raw_put(&db, "adv2docs", it).await;
    assert_eq!(Doc::get(Doc::key("t")).exec(&db).await.unwrap(), None);
    let f = Doc::fields();
    let answer = Doc::update(Doc::key("t"))
        .set(&f.owner, "new")
        .add(&f.n, 1u32)
        .upsert()
        .exec(&db)
        .await;
    assert!(answer.is_ok(), "as over no item: created, got {answer:?}");
    assert_eq!(answer.unwrap().n, 1);
}

/// The same, with the version attribute stored as a string by other code.
#[tokio::test]
async fn upsert_over_expired_item_with_a_string_version_is_as_over_no_item() {
    let db = docs().await;
    let it = item(&[
        ("id", s("t")),
        ("owner", s("stale")),
        ("version", s("v5")),
        ("until", n(now() - 100)),
    ]);
    common::raw_put(&db, "adv2docs", it).await;
    let f = Doc::fields();
    let answer = Doc::update(Doc::key("t"))
        .set(&f.owner, "new")
        .upsert()
        .exec(&db)
        .await;
    assert!(answer.is_ok(), "as over no item: created, got {answer:?}");
}

/// The same upsert in a transaction.
#[tokio::test]
async fn tx_upsert_add_over_expired_item_with_another_type_is_as_over_no_item() {
    let db = docs().await;
    let it = item(&[
        ("id", s("t")),
        ("owner", s("stale")),
        ("n", s("nine")),
        ("version", n(5)),
        ("until", n(now() - 100)),
    ]);
    common::raw_put(&db, "adv2docs", it).await;
    let f = Doc::fields();
    let answer = Transaction::new()
        .update(
            Doc::update(Doc::key("t"))
                .set(&f.owner, "new")
                .add(&f.n, 1u32)
                .upsert(),
        )
        .exec(&db)
        .await;
    assert!(answer.is_ok(), "as over no item: applied, got {answer:?}");
}

// ---------------------------------------------------------------------------------------
// 4. Backfill::upgrade over expired old-version items.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn backfill_upgrade_leaves_expired_old_items_as_no_items() {
    let db = accts().await;
    expired_v1_bad(&db, "bad").await;
    let ok_old = item(&[
        ("id", s("old")),
        ("email", s("me@old.example")),
        ("version", n(2)),
        ("until", n(now() - 100)),
    ]);
    common::raw_put(&db, "adv2accts", ok_old).await;
    let live = item(&[
        ("id", s("live")),
        ("email", s("me@live.example")),
        ("version", n(2)),
        ("until", n(now() + 3600)),
    ]);
    common::raw_put(&db, "adv2accts", live).await;
    let done = Backfill::<Acct>::new().upgrade(&db).await.unwrap();
    assert_eq!(
        done.failed, 0,
        "an expired item is no item: {:?}",
        done.failures
    );
    assert_eq!(done.written, 1, "{done:?}");
    for id in ["bad", "old"] {
        assert_eq!(
            Acct::get(Acct::key(id)).exec(&db).await.unwrap(),
            None,
            "{id}"
        );
    }
    let live = raw(&db, "adv2accts", "live").await.unwrap();
    assert_eq!(live.get("_sv"), Some(&n(2)), "{live:?}");
}

// ---------------------------------------------------------------------------------------
// 3b. The same racing writer, with the other answers that it leads to.
// ---------------------------------------------------------------------------------------

/// Runs `write` up to 40 times while another task keeps storing `stored` under its key (an
/// item past its TTL, so that every read says there is no item all along); the first answer
/// that `ok` refuses, if any.
async fn racing<F, Fut>(
    db: &Db,
    table: &'static str,
    stored: Item,
    ok: fn(&Fut::Output) -> bool,
    write: F,
) -> Option<String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future,
    Fut::Output: std::fmt::Debug,
{
    common::raw_put(db, table, stored.clone()).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                common::raw_put(&db, table, stored.clone()).await;
            }
        })
    };
    let mut bad = None;
    for i in 0..40 {
        let a = write().await;
        if !ok(&a) {
            bad = Some(format!("attempt {i}: {a:?}"));
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    bad
}

fn v3_expired(id: &str) -> Item {
    item(&[
        ("id", s(id)),
        ("email", s("old@v3.example")),
        ("domain", s("v3.example")),
        ("v3only", s("from v3")),
        ("version", n(7)),
        ("_sv", n(3)),
        ("until", n(now() - 100)),
    ])
}

/// A lazy model: an update of a key whose only item is an expired one of schema version 3,
/// which a writer keeps storing. Every read says there is no item: `NotFound`, never
/// `NewerSchema` (the brief's "not NewerSchema" for an expired newer item).
#[tokio::test]
async fn lazy_update_while_a_writer_keeps_storing_an_expired_v3_item_is_not_newer_schema() {
    let db = accts().await;
    let f = Acct::fields();
    let bad = racing(
        &db,
        "adv2accts",
        v3_expired("r"),
        |a: &Result<Acct>| matches!(a, Err(Error::NotFound { .. })),
        || {
            Acct::update(Acct::key("r"))
                .set(&f.email, "x@y.example")
                .exec(&db)
        },
    )
    .await;
    assert_eq!(bad, None);
}

/// An upsert under the same writer: over no item it creates the item. Whatever it answers,
/// it is not an error naming an item that every read says is not there.
#[tokio::test]
async fn upsert_while_a_writer_keeps_storing_an_expired_item_names_no_invisible_item() {
    let db = docs().await;
    let stale = item(&[
        ("id", s("r")),
        ("owner", s("stale")),
        ("n", n(9)),
        ("version", n(5)),
        ("until", n(now() - 100)),
    ]);
    let f = Doc::fields();
    let bad = racing(
        &db,
        "adv2docs",
        stale,
        |a: &Result<Doc>| !matches!(a, Err(Error::ConditionFailed { item: Some(_), .. })),
        || {
            Doc::update(Doc::key("r"))
                .set(&f.owner, "new")
                .upsert()
                .exec(&db)
        },
    )
    .await;
    assert_eq!(bad, None);
}

/// A transaction under the same writer: an upsert over the key. Over no item it is applied;
/// a cancellation that names, as the reason, an item that every read says is not there is
/// not something that a caller can act on.
#[tokio::test]
async fn tx_while_a_writer_keeps_storing_an_expired_item_names_no_invisible_item() {
    let db = docs().await;
    let stale = item(&[
        ("id", s("r")),
        ("owner", s("stale")),
        ("n", n(9)),
        ("version", n(5)),
        ("until", n(now() - 100)),
    ]);
    let f = Doc::fields();
    let bad = racing(
        &db,
        "adv2docs",
        stale,
        |a: &Result<()>| match a {
            Err(Error::TransactionCanceled { reasons }) => reasons.iter().all(|r| r.item.is_none()),
            _ => true,
        },
        || {
            Transaction::new()
                .update(Doc::update(Doc::key("r")).set(&f.owner, "new").upsert())
                .exec(&db)
        },
    )
    .await;
    assert_eq!(bad, None);
}
