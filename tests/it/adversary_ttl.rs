//! Adversarial tests of the rule "a write decides about an item past its TTL (which DynamoDB
//! has not deleted yet) as about no item": each test makes a write that meets an item that
//! every read already answers as absent, and expects what the same write answers over no item.
//! Tables are created without TTL, so that DynamoDB Local keeps expired items.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use dynomodel::schema::backfill::{Backfill, Change};
use serde::{Deserialize, Serialize};

use crate::common;

type Item = std::collections::HashMap<String, AttributeValue>;

/// A session: a table of its own, a TTL, no version.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "advsessions")]
pub struct Session {
    #[dynomodel(hash_key)]
    pub id: String,
    pub owner: String,
    #[dynomodel(default = 0)]
    pub n: u32,
    #[dynomodel(ttl)]
    pub until: Option<i64>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn setup() -> Db {
    let db = common::db().await;
    Session::create_table()
        .without_ttl()
        .exec(&db)
        .await
        .unwrap();
    db
}

/// Stores, as other code would, a session that expires at `until`, with an attribute that no
/// field of the model has.
async fn stored(db: &Db, id: &str, owner: &str, until: i64) {
    let item: Item = [
        ("id", AttributeValue::S(id.into())),
        ("owner", AttributeValue::S(owner.into())),
        ("n", AttributeValue::N("5".into())),
        ("until", AttributeValue::N(until.to_string())),
        ("legacy", AttributeValue::S("stale".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    common::raw_put(db, "advsessions", item).await;
}

/// The stored item under `id`, every attribute, read raw.
async fn raw(db: &Db, id: &str) -> Option<Item> {
    db.client()
        .get_item()
        .table_name(db.table_name("advsessions"))
        .key("id", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

/// Waits until the epoch second is past `until` (the item stored with it is expired).
async fn until_past(until: i64) {
    while now() <= until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn session(id: &str, owner: &str) -> Session {
    Session {
        id: id.into(),
        owner: owner.into(),
        n: 0,
        until: Some(now() + 3600),
    }
}

// ---------------------------------------------------------------------------------------
// Transactions built before the item expired, sent after.
// ---------------------------------------------------------------------------------------

/// A transaction's update is built (its "item is live" condition rendered with the clock of
/// that moment) when it is added to the transaction; the item expires before `exec`. Over no
/// item, an update (not an upsert) cancels the transaction; here it refreshes the expired
/// session in place, stale attributes included: the revival that the rule was made against.
#[tokio::test]
async fn tx_update_built_before_expiry_does_not_revive_the_item() {
    let db = setup().await;
    let until = now() + 1;
    stored(&db, "s", "stale-owner", until).await;
    let f = Session::fields();
    let tx = Transaction::new()
        .update(Session::update(Session::key("s")).set(&f.until, Some(now() + 3600)));
    until_past(until).await;
    assert_eq!(
        Session::get(Session::key("s")).exec(&db).await.unwrap(),
        None,
        "every read says there is no item before the transaction is sent"
    );
    let answer = tx.exec(&db).await;
    assert!(
        matches!(answer, Err(Error::TransactionCanceled { .. })),
        "an update of an item past its TTL is an update of no item: cancelled, got {answer:?}"
    );
    assert_eq!(
        Session::get(Session::key("s")).exec(&db).await.unwrap(),
        None,
        "the expired session was brought back: {:?}",
        raw(&db, "s").await
    );
}

/// The same, with a condition check: over no item `owner = "ann"` fails and the transaction
/// is cancelled (and the other action not applied).
#[tokio::test]
async fn tx_condition_check_built_before_expiry_is_decided_as_on_no_item() {
    let db = setup().await;
    let until = now() + 1;
    stored(&db, "s", "ann", until).await;
    let f = Session::fields();
    let mut other = session("other", "bob");
    let tx = Transaction::new()
        .condition_check(Session::key("s"), f.owner.eq("ann"))
        .create(&mut other);
    until_past(until).await;
    assert_eq!(
        Session::get(Session::key("s")).exec(&db).await.unwrap(),
        None
    );
    let answer = tx.exec(&db).await;
    assert!(
        matches!(answer, Err(Error::TransactionCanceled { .. })),
        "a check on an item past its TTL is a check on no item: cancelled, got {answer:?}"
    );
    assert_eq!(
        Session::get(Session::key("other")).exec(&db).await.unwrap(),
        None,
        "the other action of a cancelled transaction was applied"
    );
}

/// The same, with a delete that must find its item: over no item, cancelled.
#[tokio::test]
async fn tx_must_exist_delete_built_before_expiry_is_decided_as_on_no_item() {
    let db = setup().await;
    let until = now() + 1;
    stored(&db, "s", "ann", until).await;
    let tx = Transaction::new().delete(Session::delete(Session::key("s")).must_exist());
    until_past(until).await;
    assert_eq!(
        Session::get(Session::key("s")).exec(&db).await.unwrap(),
        None
    );
    let answer = tx.exec(&db).await;
    assert!(
        matches!(answer, Err(Error::TransactionCanceled { .. })),
        "a must-exist delete of an item past its TTL finds no item: cancelled, got {answer:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Transactions over an expired item: several actions, an idempotency token.
// ---------------------------------------------------------------------------------------

/// An upsert over an expired item in a transaction of several actions, with a client request
/// token: the library deletes the expired item and sends the same transaction again, with the
/// same token. Over no item the transaction succeeds; it must here too, with a new item.
#[tokio::test]
async fn tx_with_token_over_an_expired_item_is_applied() {
    let db = setup().await;
    stored(&db, "a", "stale-owner", now() - 60).await;
    let f = Session::fields();
    let mut b = session("b", "bob");
    let answer = Transaction::new()
        .update(
            Session::update(Session::key("a"))
                .set(&f.owner, "ann")
                .upsert(),
        )
        .create(&mut b)
        .token(format!("adv-ttl-{}", db.table_prefix()))
        .exec(&db)
        .await;
    assert!(answer.is_ok(), "as over no item: applied, got {answer:?}");
    let a = Session::get(Session::key("a")).exec(&db).await.unwrap();
    assert_eq!(a.map(|a| a.owner), Some("ann".to_owned()));
    assert!(Session::get(Session::key("b"))
        .exec(&db)
        .await
        .unwrap()
        .is_some());
    let item = raw(&db, "a").await.unwrap();
    assert!(
        !item.contains_key("legacy"),
        "a stale attribute survived: {item:?}"
    );
}

/// The same transaction without a token (a reference for the one above).
#[tokio::test]
async fn tx_without_token_over_an_expired_item_is_applied() {
    let db = setup().await;
    stored(&db, "a", "stale-owner", now() - 60).await;
    let f = Session::fields();
    let mut b = session("b", "bob");
    let answer = Transaction::new()
        .update(
            Session::update(Session::key("a"))
                .set(&f.owner, "ann")
                .upsert(),
        )
        .create(&mut b)
        .exec(&db)
        .await;
    assert!(answer.is_ok(), "as over no item: applied, got {answer:?}");
    let item = raw(&db, "a").await.unwrap();
    assert!(
        !item.contains_key("legacy"),
        "a stale attribute survived: {item:?}"
    );
    assert_eq!(item.get("owner"), Some(&AttributeValue::S("ann".into())));
}

// ---------------------------------------------------------------------------------------
// Backfill: an item that expires between the scan and the write.
// ---------------------------------------------------------------------------------------

/// The scan reads a live session; it expires while the function runs; the function saves it
/// with a renewed TTL. An item deleted since the scan is skipped ("nothing to rewrite"), and
/// one past its TTL is no item to every read: the backfill must not bring it back.
#[tokio::test]
async fn backfill_save_does_not_revive_an_item_that_expired_after_the_scan() {
    let db = setup().await;
    let until = now() + 2;
    stored(&db, "s", "stale-owner", until).await;
    let progress = Backfill::<Session>::new()
        .run(&db, move |mut s: Session| async move {
            until_past(until).await;
            s.until = Some(now() + 3600);
            Ok(Change::Save(s))
        })
        .await
        .unwrap();
    assert_eq!(
        Session::get(Session::key("s")).exec(&db).await.unwrap(),
        None,
        "the backfill brought back a session past its TTL: {:?} (written {}, skipped {})",
        raw(&db, "s").await,
        progress.written,
        progress.skipped
    );
    assert_eq!(
        progress.written, 0,
        "an expired item was counted as written"
    );
}

/// The same with an update change (which carries the live condition): the reference.
#[tokio::test]
async fn backfill_update_skips_an_item_that_expired_after_the_scan() {
    let db = setup().await;
    let until = now() + 2;
    stored(&db, "s", "stale-owner", until).await;
    let progress = Backfill::<Session>::new()
        .run(&db, move |s: Session| {
            let f = Session::fields();
            async move {
                until_past(until).await;
                Ok(Change::Update(
                    Session::update(s.key_of()?).set(&f.until, Some(now() + 3600)),
                ))
            }
        })
        .await
        .unwrap();
    assert_eq!(
        Session::get(Session::key("s")).exec(&db).await.unwrap(),
        None
    );
    assert_eq!(progress.written, 0);
}

// ---------------------------------------------------------------------------------------
// Single writes over an expired item (references that held).
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn single_writes_over_an_expired_item_answer_as_over_no_item() {
    let db = setup().await;
    let f = Session::fields();
    // Update: NotFound, item left alone.
    stored(&db, "u", "ann", now() - 60).await;
    let r = Session::update(Session::key("u"))
        .set(&f.n, 1u32)
        .exec(&db)
        .await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    // exec_quiet of a must-exist delete: NotFound.
    stored(&db, "d", "ann", now() - 60).await;
    let r = Session::delete(Session::key("d"))
        .must_exist()
        .exec_quiet(&db)
        .await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    // Upsert exec_updated: a brand-new item.
    stored(&db, "p", "ann", now() - 60).await;
    let r = Session::update(Session::key("p"))
        .set(&f.owner, "bob")
        .upsert()
        .exec_updated(&db)
        .await
        .unwrap();
    assert_eq!(r.get("n"), None, "the expired item's n survived: {r:?}");
    assert!(!raw(&db, "p").await.unwrap().contains_key("legacy"));
    // save_if with a condition that holds on no item.
    stored(&db, "c", "ann", now() - 60).await;
    let mut s = session("c", "bob");
    let r = s.save_if(&db, f.owner.not_exists()).await;
    assert!(r.is_ok(), "{r:?}");
}

// ---------------------------------------------------------------------------------------
// A single delete whose before_delete hook takes time: its condition is rendered first.
// ---------------------------------------------------------------------------------------

/// A session with a `before_delete` hook that takes two seconds (an audit call, say).
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "advaudited", hooks)]
pub struct Audited {
    #[dynomodel(hash_key)]
    pub id: String,
    pub owner: String,
    #[dynomodel(ttl)]
    pub until: Option<i64>,
}

#[dynomodel::async_trait]
impl Hooks for Audited {
    async fn before_delete(_key: &Key<Self>) -> Result<()> {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        Ok(())
    }
}

/// `Delete::exec` renders its request (the "item is live" condition, with the clock of that
/// moment) before it runs the hook; the item expires while the hook runs. Over no item, a
/// must-exist delete is NotFound, and so is it over an item that every read already answers
/// as absent when the delete is sent.
#[tokio::test]
async fn must_exist_delete_after_a_slow_hook_is_not_found_on_an_item_expired_meanwhile() {
    let db = common::db().await;
    Audited::create_table()
        .without_ttl()
        .exec(&db)
        .await
        .unwrap();
    let until = now() + 1;
    let item: Item = [
        ("id", AttributeValue::S("a".into())),
        ("owner", AttributeValue::S("ann".into())),
        ("until", AttributeValue::N(until.to_string())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    common::raw_put(&db, "advaudited", item).await;
    let f = Audited::fields();
    let answer = Audited::delete(Audited::key("a"))
        .must_exist()
        .condition(f.owner.eq("ann"))
        .exec(&db)
        .await;
    assert!(
        Audited::get(Audited::key("a"))
            .exec(&db)
            .await
            .unwrap()
            .is_none(),
        "expired by now"
    );
    assert!(
        matches!(answer, Err(Error::NotFound { .. })),
        "the delete was sent when the item was past its TTL: NotFound as over no item, got {answer:?}"
    );
}

// ---------------------------------------------------------------------------------------
// A shared table: another entity's expired item, an untagged expired item.
// ---------------------------------------------------------------------------------------

#[derive(Table)]
#[dynomodel(name = "advhall", pk = "pk", sk = "sk")]
pub struct AdvHall;

/// Adopts untagged items; its key is the same as `Seat`'s.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = AdvHall, entity = "pass", pk = "P#{id}", sk = "X", adopt_untagged)]
pub struct Pass {
    pub id: String,
    pub owner: String,
    #[dynomodel(ttl)]
    pub until: Option<i64>,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = AdvHall, entity = "seat", pk = "P#{id}", sk = "X")]
pub struct Seat {
    pub id: String,
    pub row: String,
    #[dynomodel(ttl)]
    pub until: Option<i64>,
}

async fn hall_item(db: &Db, id: &str, entity: Option<&str>, until: i64) {
    let mut item: Item = [
        ("pk", AttributeValue::S(format!("P#{id}"))),
        ("sk", AttributeValue::S("X".into())),
        ("id", AttributeValue::S(id.into())),
        ("owner", AttributeValue::S("stale".into())),
        ("row", AttributeValue::S("stale".into())),
        ("legacy", AttributeValue::S("stale".into())),
        ("until", AttributeValue::N(until.to_string())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(e) = entity {
        item.insert("_et".into(), AttributeValue::S(e.into()));
    }
    common::raw_put(db, "advhall", item).await;
}

async fn hall_raw(db: &Db, id: &str) -> Option<Item> {
    db.client()
        .get_item()
        .table_name(db.table_name("advhall"))
        .key("pk", AttributeValue::S(format!("P#{id}")))
        .key("sk", AttributeValue::S("X".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

#[tokio::test]
async fn shared_table_writes_over_expired_items_follow_the_read_policy() {
    let db = common::db().await;
    AdvHall::create_table()
        .without_ttl()
        .exec(&db)
        .await
        .unwrap();
    let f = Pass::fields();
    let past = now() - 60;

    // Another entity's expired item: reads of Pass report WrongEntity; writes of Pass must
    // neither replace nor delete it.
    hall_item(&db, "s", Some("seat"), past).await;
    let read = Pass::get(Pass::key("s")).exec(&db).await;
    assert!(matches!(read, Err(Error::WrongEntity { .. })), "{read:?}");
    let mut p = Pass {
        id: "s".into(),
        owner: "ann".into(),
        until: Some(now() + 3600),
    };
    let r = p.create(&db).await;
    // (A create over any stored item answers AlreadyExists, live or not another entity's.)
    assert!(
        matches!(
            r,
            Err(Error::WrongEntity { .. } | Error::AlreadyExists { .. })
        ),
        "create: {r:?}"
    );
    let r = Pass::update(Pass::key("s"))
        .set(&f.owner, "ann")
        .upsert()
        .exec(&db)
        .await;
    assert!(matches!(r, Err(Error::WrongEntity { .. })), "upsert: {r:?}");
    let r = Pass::delete(Pass::key("s")).must_exist().exec(&db).await;
    assert!(matches!(r, Err(Error::WrongEntity { .. })), "delete: {r:?}");
    assert_eq!(
        hall_raw(&db, "s").await.and_then(|i| i.get("_et").cloned()),
        Some(AttributeValue::S("seat".into())),
        "another entity's item was replaced or deleted"
    );

    // An untagged expired item, adopted by Pass: as no item.
    hall_item(&db, "u", None, past).await;
    assert_eq!(Pass::get(Pass::key("u")).exec(&db).await.unwrap(), None);
    let r = Pass::update(Pass::key("u"))
        .set(&f.owner, "ann")
        .exec(&db)
        .await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "update: {r:?}");
    let r = Pass::update(Pass::key("u"))
        .set(&f.owner, "ann")
        .upsert()
        .exec(&db)
        .await;
    assert!(r.is_ok(), "upsert: {r:?}");
    let item = hall_raw(&db, "u").await.unwrap();
    assert!(
        !item.contains_key("legacy"),
        "a stale attribute survived: {item:?}"
    );

    // An untagged expired item, seen by Seat (which does not adopt): WrongEntity for reads, and
    // for writes; the item is not deleted by Seat's writes.
    hall_item(&db, "v", None, past).await;
    let read = Seat::get(Seat::key("v")).exec(&db).await;
    assert!(matches!(read, Err(Error::WrongEntity { .. })), "{read:?}");
    let sf = Seat::fields();
    let r = Seat::update(Seat::key("v"))
        .set(&sf.row, "r1")
        .upsert()
        .exec(&db)
        .await;
    assert!(
        matches!(r, Err(Error::WrongEntity { .. })),
        "seat upsert: {r:?}"
    );
    assert!(hall_raw(&db, "v")
        .await
        .is_some_and(|i| i.contains_key("legacy")));

    // A TTL stored as a string is no expiry time: the item is live to reads and to writes.
    let mut item = hall_raw(&db, "v").await.unwrap();
    item.insert("_et".into(), AttributeValue::S("pass".into()));
    item.insert("until".into(), AttributeValue::S("1".into()));
    item.insert("pk".into(), AttributeValue::S("P#w".into()));
    item.insert("id".into(), AttributeValue::S("w".into()));
    common::raw_put(&db, "advhall", item).await;
    let r = Pass::update(Pass::key("w"))
        .set(&f.owner, "ann")
        .exec_quiet(&db)
        .await;
    assert!(r.is_ok(), "update of a live item (string TTL): {r:?}");
    assert!(hall_raw(&db, "w").await.unwrap().contains_key("legacy"));
}
