//! Lazy migration under attack: upgrades that move an item's key, items whose version
//! attribute is odd, expired items of a newer version, upgrades that fail on one item of a
//! page, shared tables, `extra` fields, and the read paths that the happy tests do not take
//! (collections, hydrate, the item a delete returns, stream images).
//!
//! Each test says first what must never happen.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::model::upgrade::Upgrading;
use dynomodel::prelude::*;
use dynomodel::schema::backfill::Backfill;
use dynomodel::Item;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::{Deserialize, Serialize};

use crate::common;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Every item of `table`, as stored.
async fn stored(db: &Db, table: &str) -> Vec<Item> {
    db.client()
        .scan()
        .table_name(db.table_name(table))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items()
        .to_vec()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// ---------------------------------------------------------------------------------------
// An upgrade that changes a key attribute.

/// Version 1 numbered the tickets of a queue from 0, version 2 from 1: an upgrade that
/// changes the range key, which a lazy migration cannot do (the item would move).
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "adv_lazy_tickets", schema_version = 2, upgrade = "renumber")]
struct Ticket {
    #[dynomodel(hash_key)]
    queue: String,
    #[dynomodel(range_key)]
    n: u32,
    note: String,
}

fn renumber(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 {
        let n: u32 = item.get("n")?.unwrap_or_default();
        item.set("n", &(n + 1))?;
    }
    Ok(())
}

/// What must never happen: a read of key K answers a model whose key is K' (its save
/// would write a second item, and leave the old one old forever); the backfill writes an
/// item under another key, or counts an item that it cannot upgrade as skipped.
#[tokio::test]
async fn an_upgrade_that_moves_the_key_is_refused_by_reads_and_the_backfill() {
    let db = common::db().await;
    Ticket::create_table().exec(&db).await.unwrap();
    let v1 = item(&[("queue", s("q")), ("n", n(0)), ("note", s("first"))]);
    common::raw_put(&db, "adv_lazy_tickets", v1.clone()).await;

    let got = Ticket::get(Ticket::key("q", 0u32)).exec(&db).await;
    assert!(
        matches!(&got, Err(Error::Upgrade { from: 1, to: 2, source })
            if source.to_string().contains("`n`")),
        "a read of key n=0 answered {got:?}"
    );
    let scanned = Ticket::scan().all(&db).await;
    assert!(matches!(scanned, Err(Error::Upgrade { .. })), "{scanned:?}");
    let queried = Ticket::query(Ticket::fields().queue.eq("q")).all(&db).await;
    assert!(matches!(queried, Err(Error::Upgrade { .. })), "{queried:?}");

    let done = Backfill::<Ticket>::new().upgrade(&db).await.unwrap();
    assert_eq!((done.written, done.failed), (0, 1), "{done}");
    assert_eq!(
        stored(&db, "adv_lazy_tickets").await,
        vec![v1],
        "one item, as it was"
    );
}

// ---------------------------------------------------------------------------------------
// A shared table: composed keys, the entity attribute, collections.

#[derive(Table)]
#[dynomodel(name = "adv_lazy_club", pk = "pk", sk = "sk", entity_attr = "_et")]
pub struct LazyClub;

/// Version 1 kept the member's id only in the key, and had no level.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = LazyClub, entity = "member", pk = "MEMBER#{id}", sk = "PROFILE",
            schema_version = 2, upgrade = "upgrade_member")]
pub struct Member {
    pub id: String,
    pub level: u8,
}

/// Fills the id from the key (the key stays what it was), and, carelessly, drops the entity
/// attribute, which the read has checked already and every save writes.
fn upgrade_member(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 {
        item.remove("_et");
        if !item.has("id") {
            let pk: String = item.get("pk")?.unwrap_or_default();
            let id = pk.strip_prefix("MEMBER#").unwrap_or_default().to_owned();
            item.set("id", &id)?;
        }
        if !item.has("level") {
            item.set("level", &1u8)?;
        }
    }
    Ok(())
}

/// Version 2 spells badge names in capitals: a field of the sort key's template.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = LazyClub, entity = "badge", pk = "MEMBER#{member}", sk = "BADGE#{name}",
            schema_version = 2, upgrade = "shout_badge")]
pub struct Badge {
    pub member: String,
    pub name: String,
}

fn shout_badge(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 {
        let name: String = item.get("name")?.unwrap_or_default();
        item.set("name", &name.to_uppercase())?;
    }
    Ok(())
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = LazyClub, entity = "visit", pk = "MEMBER#{member}", sk = "VISIT#{day}")]
pub struct Visit {
    pub member: String,
    pub day: String,
}

#[derive(Collection, Debug, Clone, PartialEq)]
pub enum MemberView {
    Member(Member),
    Visit(Visit),
}

/// What must never happen: in a shared table, an upgrade that changes a field of a key
/// template is read as the model (its save would compose another key and write a second
/// item); an upgrade that fills a key field in agreement with the stored key is refused; a
/// save of an upgraded item loses the entity attribute; a collection reads the member
/// un-upgraded.
#[tokio::test]
async fn a_shared_table_upgrade_keeps_the_composed_key_and_the_entity() {
    let db = common::db().await;
    LazyClub::create_table().exec(&db).await.unwrap();
    let member = item(&[
        ("pk", s("MEMBER#m1")),
        ("sk", s("PROFILE")),
        ("_et", s("member")),
    ]);
    let badge = item(&[
        ("pk", s("MEMBER#m1")),
        ("sk", s("BADGE#gold")),
        ("_et", s("badge")),
        ("member", s("m1")),
        ("name", s("gold")),
    ]);
    common::raw_put(&db, "adv_lazy_club", member).await;
    common::raw_put(&db, "adv_lazy_club", badge.clone()).await;
    Visit {
        member: "m1".into(),
        day: "2026-01-02".into(),
    }
    .save(&db)
    .await
    .unwrap();

    let want = Member {
        id: "m1".into(),
        level: 1,
    };
    let got = Member::get(Member::key("m1")).exec(&db).await.unwrap();
    assert_eq!(got.as_ref(), Some(&want));
    let view = MemberView::query(Member::fields().id.eq("m1"))
        .all(&db)
        .await
        .unwrap();
    assert!(view.contains(&MemberView::Member(want.clone())), "{view:?}");
    let mut m = got.unwrap();
    m.save(&db).await.unwrap();
    let items = stored(&db, "adv_lazy_club").await;
    assert_eq!(items.len(), 3, "{items:?}");
    let saved = items
        .iter()
        .find(|i| i["sk"] == s("PROFILE"))
        .expect("the member");
    assert_eq!(saved.get("_et"), Some(&s("member")), "{saved:?}");
    assert_eq!(saved.get("_sv"), Some(&n(2)), "{saved:?}");

    let got = Badge::get(Badge::key("m1", "gold")).exec(&db).await;
    assert!(
        matches!(&got, Err(Error::Upgrade { source, .. }) if source.to_string().contains("`name`")),
        "a read of BADGE#gold answered {got:?}"
    );
    let done = Backfill::<Badge>::new().upgrade(&db).await.unwrap();
    assert_eq!((done.written, done.failed), (0, 1), "{done}");
    let items = stored(&db, "adv_lazy_club").await;
    assert!(
        !items.iter().any(|i| i["sk"] == s("BADGE#GOLD")),
        "the backfill wrote a second badge: {items:?}"
    );
    assert!(items.contains(&badge));
}

// ---------------------------------------------------------------------------------------
// TTL: an expired item of a newer version.

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "adv_lazy_leases",
    schema_version = 2,
    upgrade = "upgrade_lease"
)]
struct Lease {
    #[dynomodel(hash_key)]
    id: String,
    owner: String,
    #[dynomodel(ttl)]
    expires: Option<i64>,
    #[dynomodel(version)]
    version: u32,
}

fn upgrade_lease(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 && !item.has("owner") {
        item.set("owner", &"nobody".to_owned())?;
    }
    Ok(())
}

fn lease(id: &str) -> Lease {
    Lease {
        id: id.into(),
        owner: "ann".into(),
        expires: Some(now() + 3600),
        version: 0,
    }
}

/// What must never happen: every read says that there is no item (it is past its TTL),
/// and a create (or a save of a new model) under its key is refused because of what that
/// invisible item stored. A live item of a newer version is still never replaced.
#[tokio::test]
async fn a_create_replaces_an_expired_item_of_a_newer_version() {
    let db = common::db().await;
    Lease::create_table().exec(&db).await.unwrap();
    for id in ["gone1", "gone2"] {
        let expired = item(&[
            ("id", s(id)),
            ("owner", s("old")),
            ("expires", n(now() - 60)),
            ("_sv", n(3)),
            ("holder", s("v3 only")),
            ("version", n(5)),
        ]);
        common::raw_put(&db, "adv_lazy_leases", expired).await;
    }
    let live = item(&[
        ("id", s("live")),
        ("owner", s("old")),
        ("expires", n(now() + 3600)),
        ("_sv", n(3)),
        ("version", n(1)),
    ]);
    common::raw_put(&db, "adv_lazy_leases", live.clone()).await;

    assert_eq!(
        Lease::get(Lease::key("gone1")).exec(&db).await.unwrap(),
        None
    );
    lease("gone1").create(&db).await.unwrap();
    lease("gone2").save(&db).await.unwrap();
    for i in stored(&db, "adv_lazy_leases").await {
        if i["id"] != s("live") {
            assert_eq!(
                (i.get("_sv"), i.get("holder")),
                (Some(&n(2)), None),
                "{i:?}"
            );
        }
    }
    let err = lease("live").create(&db).await.unwrap_err();
    assert!(err.is_condition_failed(), "{err}");
    let mut got = Lease::get(Lease::key("live"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    got.owner = "bo".into();
    let err = got.save(&db).await.unwrap_err();
    assert!(matches!(err, Error::NewerSchema { stored: 3, .. }), "{err}");
}

// ---------------------------------------------------------------------------------------
// The version attribute, generated: reads and writes decide alike.

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "adv_lazy_accounts",
    schema_version = 2,
    upgrade = "upgrade_acct"
)]
struct Acct {
    #[dynomodel(hash_key)]
    id: String,
    email: String,
    domain: String,
}

fn upgrade_acct(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 && !item.has("domain") {
        let email: String = item.get("email")?.unwrap_or_default();
        let Some((_, domain)) = email.split_once('@') else {
            return Err(item.fail("email", "no `@` in it"));
        };
        item.set("domain", &domain.to_owned())?;
    }
    Ok(())
}

/// An item stored at version `sv` (`None`: without the attribute), in that version's shape.
fn acct_at(id: &str, sv: Option<u32>) -> Item {
    let mut i = item(&[("id", s(id)), ("email", s("ann@shop.test"))]);
    if let Some(v) = sv {
        i.insert("_sv".into(), n(v));
        if v >= 2 {
            i.insert("domain".into(), s("shop.test"));
        }
    }
    if sv.is_some_and(|v| v > 2) {
        i.insert("nickname".into(), s("only version 3 knows"));
    }
    i
}

async fn sv_case(db: &Db, id: &str, sv: Option<u32>) -> Result<(), String> {
    let table = "adv_lazy_accounts";
    let newer = sv.is_some_and(|v| v > 2);
    let f = Acct::fields();
    // A read answers the version 2 shape.
    common::raw_put(db, table, acct_at(id, sv)).await;
    let got = Acct::get(Acct::key(id))
        .exec(db)
        .await
        .map_err(|e| format!("get: {e}"))?
        .ok_or("get: no item")?;
    if got.domain != "shop.test" {
        return Err(format!("get: {got:?}"));
    }
    let expect = |what: &str, r: dynomodel::Result<()>| -> Result<(), String> {
        match (newer, r) {
            (false, Ok(())) => Ok(()),
            (
                true,
                Err(Error::NewerSchema {
                    stored, model: 2, ..
                }),
            ) if Some(stored) == sv => Ok(()),
            (_, r) => Err(format!("{what} at _sv {sv:?}: {r:?}")),
        }
    };
    // A save, an update, a transaction's put and update, an upsert.
    expect("save", got.clone().save(db).await)?;
    common::raw_put(db, table, acct_at(id, sv)).await;
    let update = || {
        Acct::update(Acct::key(id))
            .set(&f.email, "bo@shop.test")
            .set(&f.domain, "shop.test")
    };
    expect("update", update().exec_quiet(db).await)?;
    expect("upsert", update().upsert().exec_quiet(db).await)?;
    let tx = |r: dynomodel::Result<()>| match r {
        Err(Error::TransactionCanceled { reasons })
            if reasons.iter().all(|r| r.code == "ConditionalCheckFailed") =>
        {
            Err(Error::NewerSchema {
                table: String::new(),
                stored: sv.unwrap_or(1),
                model: 2,
            })
        }
        r => r,
    };
    let mut copy = got.clone();
    expect(
        "transaction put",
        tx(Transaction::new().put(&mut copy).exec(db).await),
    )?;
    common::raw_put(db, table, acct_at(id, sv)).await;
    expect(
        "transaction update",
        tx(Transaction::new().update(update()).exec(db).await),
    )?;
    // Whatever was refused left the item as it was.
    if newer {
        let now = stored(db, table).await;
        if !now.contains(&acct_at(id, sv)) {
            return Err(format!("a refused write changed the item at _sv {sv:?}"));
        }
    }
    Ok(())
}

/// What must never happen: a write of version 2 replaces or updates an item that a newer
/// version stored (whatever the write: save, update, upsert, a transaction's put or
/// update), or refuses one of an older or the same version; a read of any of them fails.
#[test]
fn every_write_decides_about_the_stored_version_as_the_read_does() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = rt.block_on(async {
        let db = common::db().await;
        Acct::create_table().exec(&db).await.unwrap();
        db
    });
    let ids = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    let versions = prop_oneof![
        Just(None),
        (0u32..=4).prop_map(Some),
        (5u32..=u32::MAX).prop_map(Some),
        Just(Some(u32::MAX)),
    ];
    let result = runner.run(&versions, |sv| {
        let id = format!("a{}", ids.fetch_add(1, Ordering::Relaxed));
        rt.block_on(sv_case(&db, &id, sv))
            .map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// What must never happen: a version attribute that no version of the model writes (a
/// string, a negative or fractional number, one beyond the versions a model can declare) is
/// read as some version and decoded; a write replaces such an item where its number is
/// above the model's version.
#[tokio::test]
async fn a_version_attribute_that_no_model_writes_is_refused_by_reads() {
    let db = common::db().await;
    Acct::create_table().exec(&db).await.unwrap();
    let odd = [
        ("text", s("3")),
        ("negative", n(-1)),
        ("fraction", n(1.5)),
        ("huge", n(u64::from(u32::MAX) + 1)),
    ];
    for (id, v) in &odd {
        let mut i = acct_at(id, Some(2));
        i.insert("_sv".into(), v.clone());
        common::raw_put(&db, "adv_lazy_accounts", i).await;
        let got = Acct::get(Acct::key(*id)).exec(&db).await;
        assert!(
            matches!(&got, Err(Error::Decode { path, .. }) if path == "_sv"),
            "{id}: {got:?}"
        );
    }
    let mut a = Acct {
        id: "huge".into(),
        email: "ann@shop.test".into(),
        domain: "shop.test".into(),
    };
    let err = a.save(&db).await.unwrap_err();
    assert!(err.is_condition_failed(), "{err}");
}

// ---------------------------------------------------------------------------------------
// One item that the upgrade refuses, among others.

/// What must never happen: a query or scan treats an item that the upgrade refuses
/// otherwise than one that does not decode (today both fail a strict read, and a lenient
/// read names each with its key and goes on); a lenient read loses the key of the refused
/// item or the items after it.
#[tokio::test]
async fn an_item_the_upgrade_refuses_is_treated_as_one_that_does_not_decode() {
    let db = common::db().await;
    Acct::create_table().exec(&db).await.unwrap();
    let t = "adv_lazy_accounts";
    common::raw_put(&db, t, acct_at("good", None)).await;
    common::raw_put(&db, t, item(&[("id", s("no-at")), ("email", s("ann"))])).await;
    common::raw_put(
        &db,
        t,
        item(&[("id", s("number")), ("email", n(7)), ("_sv", n(2))]),
    )
    .await;

    let strict = Acct::scan().all(&db).await;
    assert!(strict.is_err(), "{strict:?}");
    let q = Acct::query(Acct::fields().id.eq("no-at")).all(&db).await;
    assert!(matches!(q, Err(Error::Upgrade { from: 1, .. })), "{q:?}");
    let q = Acct::query(Acct::fields().id.eq("number")).all(&db).await;
    assert!(matches!(q, Err(Error::Decode { .. })), "{q:?}");

    let lenient = Acct::scan().lenient().all(&db).await.unwrap();
    assert_eq!(lenient.len(), 3);
    let mut bad: Vec<(Item, String)> = lenient
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|u| (u.key.clone(), u.error.to_string()))
        .collect();
    bad.sort_by_key(|(k, _)| format!("{k:?}"));
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert_eq!(bad[0].0, item(&[("id", s("no-at"))]));
    assert!(bad[0].1.contains("schema version 1"), "{}", bad[0].1);
    assert_eq!(bad[1].0, item(&[("id", s("number"))]));
    assert_eq!(
        Acct::scan().count(&db).await.unwrap(),
        3,
        "count decodes nothing"
    );
}

// ---------------------------------------------------------------------------------------
// The read paths off the beaten track, and what writes return.

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "adv_lazy_orders", schema_version = 2, upgrade = "upgrade_order",
            gsi(name = "by_customer", hash = "customer", projection = keys_only))]
struct Order {
    #[dynomodel(hash_key)]
    id: String,
    customer: String,
    total_cents: u64,
}

/// Version 1 stored the total in units, as a fraction.
fn upgrade_order(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 && !item.has("total_cents") {
        let total: f64 = item.get("total")?.unwrap_or_default();
        item.remove("total");
        item.set("total_cents", &((total * 100.0).round() as u64))?;
    }
    Ok(())
}

fn order_v1(id: &str) -> Item {
    item(&[("id", s(id)), ("customer", s("ann")), ("total", n(1.5))])
}

/// What must never happen: hydrating a keys-only index, the item that a delete returns,
/// an update's old item, or a stream image answer an old item un-upgraded.
#[tokio::test]
async fn hydrate_deletes_updates_and_stream_images_upgrade() {
    let db = common::db().await;
    Order::create_table().exec(&db).await.unwrap();
    let t = "adv_lazy_orders";
    common::raw_put(&db, t, order_v1("o1")).await;
    common::raw_put(&db, t, order_v1("o2")).await;
    let want = |id: &str| Order {
        id: id.into(),
        customer: "ann".into(),
        total_cents: 150,
    };
    let mut hydrated = Order::query(Order::fields().customer.eq("ann"))
        .hydrate()
        .all(&db)
        .await
        .unwrap();
    hydrated.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(hydrated, vec![want("o1"), want("o2")]);
    let old = Order::update(Order::key("o1"))
        .set(&Order::fields().customer, "ann")
        .exec_old(&db)
        .await
        .unwrap();
    assert_eq!(old, Some(want("o1")));
    let deleted = Order::delete(Order::key("o2")).exec(&db).await.unwrap();
    assert_eq!(deleted, Some(want("o2")));
    let image: serde_dynamo::Item = serde_json::from_str(
        r#"{"id": {"S": "o3"}, "customer": {"S": "ann"}, "total": {"N": "1.5"}}"#,
    )
    .unwrap();
    assert_eq!(Order::from_stream_image(&image).unwrap(), want("o3"));
}

/// Documented: a batch put carries no condition, so it replaces an item that a newer
/// version stored; a delete is not refused for one either (it loses the whole item, which
/// is what it was asked to do).
#[tokio::test]
async fn batch_puts_and_deletes_are_not_guarded_as_documented() {
    let db = common::db().await;
    Order::create_table().exec(&db).await.unwrap();
    let t = "adv_lazy_orders";
    for id in ["n1", "n2"] {
        let mut newer = order_v1(id);
        newer.insert("_sv".into(), n(3));
        newer.insert("total_cents".into(), n(150));
        common::raw_put(&db, t, newer).await;
    }
    Order::batch_put([Order {
        id: "n1".into(),
        customer: "bo".into(),
        total_cents: 1,
    }])
    .exec(&db)
    .await
    .unwrap();
    let deleted = Order::delete(Order::key("n2")).exec(&db).await.unwrap();
    assert_eq!(deleted.map(|o| o.total_cents), Some(150));
    let items = stored(&db, t).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].get("_sv"), Some(&n(2)), "replaced: {items:?}");
}

/// An upsert that creates the item marks it with the model's version, as a save does, so
/// that reads do not run the upgrade over it.
#[tokio::test]
async fn an_upsert_creates_an_item_of_the_models_version() {
    let db = common::db().await;
    Order::create_table().exec(&db).await.unwrap();
    let f = Order::fields();
    let got = Order::update(Order::key("u1"))
        .set(&f.customer, "ann")
        .set(&f.total_cents, 999u64)
        .upsert()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(got.total_cents, 999);
    let items = stored(&db, "adv_lazy_orders").await;
    assert_eq!(items[0].get("_sv"), Some(&n(2)), "{items:?}");
}

// ---------------------------------------------------------------------------------------
// Without a database: `extra`, `rename`, version 1, a panicking upgrade.

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "adv_lazy_loose",
    schema_version = 2,
    upgrade = "upgrade_loose"
)]
struct Loose {
    #[dynomodel(hash_key)]
    id: String,
    title: String,
    #[dynomodel(extra)]
    #[serde(skip)]
    extra: HashMap<String, AttributeValue>,
}

fn upgrade_loose(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    item.rename("name", "title");
    Ok(())
}

/// What must never happen: `_sv` is kept in an `extra` field (from an item of any
/// version), or an `extra` field's `_sv` is what a save writes; an attribute that the
/// upgrade renamed comes back as an extra one.
#[test]
fn extra_never_holds_the_version_attribute() {
    for stored in [
        item(&[("id", s("1")), ("name", s("Rex")), ("legacy", s("x"))]),
        item(&[
            ("id", s("1")),
            ("title", s("Rex")),
            ("legacy", s("x")),
            ("_sv", n(2)),
        ]),
        item(&[
            ("id", s("1")),
            ("title", s("Rex")),
            ("legacy", s("x")),
            ("_sv", n(7)),
        ]),
    ] {
        let mut got = Loose::from_item(&stored).unwrap();
        assert_eq!(got.title, "Rex");
        assert_eq!(got.extra, item(&[("legacy", s("x"))]).into_iter().collect());
        got.extra.insert("_sv".into(), n(9));
        assert_eq!(got.to_item().unwrap()["_sv"], n(2));
    }
}

/// What must never happen: `rename` loses the value of `from` where `to` holds a NULL,
/// which `has` and `get` (and every decode) count as absent.
#[test]
fn rename_onto_a_null_keeps_the_value() {
    let mut stored = item(&[("name", s("Rex")), ("title", AttributeValue::Null(true))]);
    let mut up = Upgrading::new(&mut stored, 1, 2);
    assert!(!up.has("title"));
    up.rename("name", "title");
    assert_eq!(up.get::<String>("title").unwrap().as_deref(), Some("Rex"));
    let got = Loose::from_item(&item(&[
        ("id", s("1")),
        ("name", s("Rex")),
        ("title", AttributeValue::Null(true)),
    ]));
    assert_eq!(got.map(|l| l.title).ok().as_deref(), Some("Rex"));
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "adv_lazy_plain", schema_version = 1)]
struct Plain {
    #[dynomodel(hash_key)]
    id: String,
    count: u32,
}

/// What must never happen: a model at version 1 (no upgrade) writes no version, or decodes
/// an untagged item differently, or replaces an item of version 2.
#[tokio::test]
async fn a_model_at_version_1_marks_its_items_and_keeps_away_from_newer_ones() {
    let untagged = item(&[("id", s("1")), ("count", n(3))]);
    let p = Plain::from_item(&untagged).unwrap();
    assert_eq!(p.to_item().unwrap().get("_sv"), Some(&n(1)));
    let db = common::db().await;
    Plain::create_table().exec(&db).await.unwrap();
    let mut newer = untagged.clone();
    newer.insert("_sv".into(), n(2));
    common::raw_put(&db, "adv_lazy_plain", newer).await;
    let mut got = Plain::get(Plain::key("1"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    got.count += 1;
    let err = got.save(&db).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NewerSchema {
                stored: 2,
                model: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "adv_lazy_fragile", schema_version = 2, upgrade = "fragile")]
struct Fragile {
    #[dynomodel(hash_key)]
    id: String,
}

fn fragile(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    let id: String = item.get("id")?.unwrap_or_default();
    assert!(id != "boom", "the upgrade's own bug");
    Ok(())
}

/// Documented: a panic in the upgrade is not caught (as a panic in any code of the
/// model's is not): it unwinds through the read. An upgrade reports an item that it cannot
/// upgrade with an error (`Upgrading::fail`).
#[test]
fn a_panicking_upgrade_panics_the_read() {
    let ok = Fragile::from_item(&item(&[("id", s("fine"))]));
    assert!(ok.is_ok());
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let caught = std::panic::catch_unwind(|| Fragile::from_item(&item(&[("id", s("boom"))])));
    std::panic::set_hook(hook);
    assert!(caught.is_err());
}
