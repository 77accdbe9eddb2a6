//! Lazy migration: a model at schema version 2 reads what version 1 stored, upgraded, on
//! every read path; a save writes the new shape; the backfill runs the same upgrade over the
//! table; a write never replaces an item that a newer version stored.
//!
//! What must never happen: a read that answers an old item un-upgraded (or differently on
//! another path); a backfill that overwrites what a writer stored meanwhile, or writes an
//! item twice in a run; an item left old after a backfill that no old writer touched; a
//! write of version 2 that drops what version 3 stored. `reads_agree_before_during_and_after
//! _a_backfill` checks these over generated tables, racing writers and stops at random
//! points; the named tests below show one case each.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::model::upgrade::Upgrading;
use dynomodel::prelude::*;
use dynomodel::schema::backfill::Backfill;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::backfill_safety::{counted_db, stop_after, Counter};
use crate::common;

/// Version 1, as the code before the migration had it: no `domain`, the name in `name`.
pub mod v1 {
    use dynomodel::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = "accounts")]
    pub struct Account {
        #[dynomodel(hash_key)]
        pub org: String,
        #[dynomodel(range_key)]
        pub id: String,
        pub email: String,
        pub name: String,
        #[dynomodel(version)]
        pub version: u32,
    }
}

/// Version 2 keeps the email's domain beside it (with an index on it), and calls `name`
/// `display`.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "accounts",
    schema_version = 2,
    upgrade = "upgrade_account",
    gsi(name = "by_domain", hash = "domain", range = "id")
)]
pub struct Account {
    #[dynomodel(hash_key)]
    pub org: String,
    #[dynomodel(range_key)]
    pub id: String,
    pub email: String,
    pub domain: String,
    pub display: String,
    #[dynomodel(version)]
    pub version: u32,
}

/// Version 1 -> 2: the domain from the email, `name` renamed. It keeps what a writer of
/// version 2 set already (an update of version 2 on an old item leaves it at version 1).
pub fn upgrade_account(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 {
        if !item.has("domain") {
            let email: String = item.get("email")?.unwrap_or_default();
            let Some((_, domain)) = email.split_once('@') else {
                return Err(item.fail("email", format!("`{email}` has no `@`")));
            };
            item.set("domain", &domain.to_owned())?;
        }
        item.rename("name", "display");
    }
    Ok(())
}

/// What version 2 must read of an item that version 1 stored.
fn upgraded(a: &v1::Account) -> Account {
    Account {
        org: a.org.clone(),
        id: a.id.clone(),
        email: a.email.clone(),
        domain: a.email.split_once('@').unwrap().1.to_owned(),
        display: a.name.clone(),
        version: a.version,
    }
}

/// The fields that a user sees, without the version (a backfill's save bumps it).
fn shown(a: &Account) -> (String, String, String, String, String) {
    (
        a.org.clone(),
        a.id.clone(),
        a.email.clone(),
        a.domain.clone(),
        a.display.clone(),
    )
}

async fn v1_items(db: &Db, items: &[v1::Account]) {
    for a in items {
        let mut a = a.clone();
        a.create(db).await.unwrap();
    }
}

/// Every read path of version 2 over the whole table: get, batch get, TransactGet, a query
/// of each org, a query of the index, and a scan; each must answer `want` (by key).
async fn every_read_answers(
    db: &Db,
    want: &BTreeMap<(String, String), Account>,
    upgraded_only_in_index: bool,
) -> Result<(), String> {
    let f = Account::fields();
    let keys: Vec<_> = want.keys().cloned().collect();
    for (org, id) in &keys {
        let got = Account::get(Account::key(org, id))
            .exec(db)
            .await
            .map_err(|e| format!("get {org}/{id}: {e}"))?;
        let w = &want[&(org.clone(), id.clone())];
        if got.as_ref().map(shown) != Some(shown(w)) {
            return Err(format!("get {org}/{id}: {got:?}, want {w:?}"));
        }
    }
    let by_key = |items: Vec<Account>, path: &str| -> Result<(), String> {
        let got: BTreeMap<_, _> = items
            .iter()
            .map(|a| ((a.org.clone(), a.id.clone()), shown(a)))
            .collect();
        let w: BTreeMap<_, _> = want.iter().map(|(k, a)| (k.clone(), shown(a))).collect();
        match got == w {
            true => Ok(()),
            false => Err(format!("{path}: {got:?}\nwant {w:?}")),
        }
    };
    let batch = Account::batch_get(keys.iter().map(|(o, i)| Account::key(o, i)))
        .exec(db)
        .await
        .map_err(|e| format!("batch_get: {e}"))?;
    by_key(batch.into_iter().flatten().collect(), "batch_get")?;
    let scan = Account::scan()
        .page_size(3)
        .all(db)
        .await
        .map_err(|e| format!("scan: {e}"))?;
    by_key(scan, "scan")?;
    let mut queried = Vec::new();
    let orgs: std::collections::BTreeSet<_> = keys.iter().map(|(o, _)| o.clone()).collect();
    for org in &orgs {
        queried.extend(
            Account::query(f.org.eq(org.as_str()))
                .page_size(2)
                .all(db)
                .await
                .map_err(|e| format!("query {org}: {e}"))?,
        );
    }
    by_key(queried, "query")?;
    if let Some(((org, id), w)) = want.iter().next() {
        let (a,) = TransactGet::new()
            .get(Account::key(org, id))
            .exec(db)
            .await
            .map_err(|e| format!("TransactGet: {e}"))?;
        if a.as_ref().map(shown) != Some(shown(w)) {
            return Err(format!("TransactGet {org}/{id}: {a:?}"));
        }
    }
    if !upgraded_only_in_index {
        let mut in_index = Vec::new();
        let domains: std::collections::BTreeSet<_> =
            want.values().map(|a| a.domain.clone()).collect();
        for d in &domains {
            in_index.extend(
                Account::query(f.domain.eq(d.as_str()))
                    .all(db)
                    .await
                    .map_err(|e| format!("query by_domain {d}: {e}"))?,
            );
        }
        by_key(in_index, "query by_domain")?;
    }
    Ok(())
}

/// The raw items of the table, by key.
async fn raw(db: &Db) -> BTreeMap<(String, String), dynomodel::Item> {
    let out = db
        .client()
        .scan()
        .table_name(db.table_name("accounts"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.items()
        .iter()
        .map(|i| {
            let k = (
                i["org"].as_s().unwrap().clone(),
                i["id"].as_s().unwrap().clone(),
            );
            (k, i.clone())
        })
        .collect()
}

fn sv(item: &dynomodel::Item) -> Option<String> {
    item.get("_sv").map(|v| v.as_n().unwrap().clone())
}

#[derive(Clone, Debug)]
struct Case {
    /// Per item: its org (0..3), and whether version 2 wrote it already.
    items: Vec<(u8, bool)>,
    segments: u32,
    page_size: i32,
    concurrency: usize,
    /// Stop after this many more answered writes, then this many microseconds.
    stops: Vec<(usize, u64)>,
    /// Items that a writer of version 2 saves (a new display name) while a run goes on.
    racers: Vec<usize>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec((0u8..3, prop::bool::weighted(0.2)), 1..30),
        1u32..=3,
        1i32..=6,
        1usize..=4,
        prop::collection::vec((0usize..8, 0u64..1500), 0..=3),
        prop::collection::vec(0usize..30, 0..6),
    )
        .prop_map(
            |(items, segments, page_size, concurrency, stops, racers)| Case {
                items,
                segments,
                page_size,
                concurrency,
                stops,
                racers,
            },
        )
}

static STOPS: AtomicUsize = AtomicUsize::new(0);
static ITEMS: AtomicUsize = AtomicUsize::new(0);
static RACES: AtomicUsize = AtomicUsize::new(0);

/// A writer of version 2: reads the item, gives it a new display name, saves it (again on a
/// version conflict). Answers what it stored.
async fn race(db: &Db, org: &str, id: &str, display: &str) -> Account {
    loop {
        let mut a = Account::get(Account::key(org, id))
            .exec(db)
            .await
            .unwrap()
            .unwrap();
        a.display = display.to_owned();
        match a.save(db).await {
            Ok(()) => return a,
            Err(Error::VersionConflict { .. }) => continue,
            Err(e) => panic!("the racing save of {org}/{id} failed: {e}"),
        }
    }
}

async fn check(c: &Case) -> Result<(), String> {
    let (db, counter): (Db, std::sync::Arc<Counter>) = counted_db().await;
    Account::create_table().exec(&db).await.unwrap();
    let mut want = BTreeMap::new();
    let mut old = Vec::new();
    for (i, (org, v2)) in c.items.iter().enumerate() {
        let a = v1::Account {
            org: format!("org{org}"),
            id: format!("a{i:02}"),
            email: format!("user{i}@d{}.test", i % 4),
            name: format!("User {i}"),
            version: 0,
        };
        let key = (a.org.clone(), a.id.clone());
        if *v2 {
            let mut n = upgraded(&a);
            n.display = format!("Written by 2: {i}");
            n.create(&db).await.unwrap();
            want.insert(key, n);
        } else {
            let mut a = a;
            v1_items(&db, std::slice::from_ref(&a)).await;
            a.version = 1;
            want.insert(key, upgraded(&a));
            old.push(a);
        }
    }
    ITEMS.fetch_add(c.items.len(), Ordering::Relaxed);
    // Before: every path reads the old items upgraded (the index holds only the new ones).
    every_read_answers(&db, &want, true)
        .await
        .map_err(|e| format!("before the backfill: {e}"))?;

    let dir = std::env::temp_dir().join(format!("lazy-{}", db.table_prefix()));
    std::fs::create_dir_all(&dir).unwrap();
    let checkpoint = dir.join("checkpoint.json");
    let backfill = || {
        Backfill::<Account>::new()
            .segments(c.segments)
            .page_size(c.page_size)
            .concurrency(c.concurrency)
            .checkpoint(&checkpoint)
    };
    let keys: Vec<_> = want.keys().cloned().collect();
    let mut racers = c.racers.iter().map(|i| keys[i % keys.len()].clone());
    let mut finished = None;
    for (n, (writes, micros)) in c.stops.iter().enumerate() {
        counter.reset();
        let at = counter.writes() + writes;
        let run = stop_after(
            backfill().upgrade(&db),
            &counter,
            at,
            Duration::from_micros(*micros),
        );
        // A writer of version 2 saves an item while the run goes on.
        let racer = racers.next();
        let racing = async {
            let (org, id) = racer.clone()?;
            tokio::time::sleep(Duration::from_micros(*micros / 2)).await;
            Some(race(&db, &org, &id, &format!("raced {n}")).await)
        };
        let (result, raced) = tokio::join!(run, racing);
        if let Some(a) = raced {
            RACES.fetch_add(1, Ordering::Relaxed);
            want.insert((a.org.clone(), a.id.clone()), a);
        }
        match result {
            Some(r) => {
                finished = Some(r.map_err(|e| format!("a run failed: {e}"))?);
                break;
            }
            None => {
                STOPS.fetch_add(1, Ordering::Relaxed);
                // During: every path answers the same, whatever the run has written.
                every_read_answers(&db, &want, true)
                    .await
                    .map_err(|e| format!("after stop {n}: {e}"))?;
            }
        }
    }
    let done = match finished {
        Some(p) => p,
        None => backfill()
            .upgrade(&db)
            .await
            .map_err(|e| format!("the resume failed: {e}"))?,
    };
    let _ = std::fs::remove_dir_all(&dir);
    // After: every item stored at version 2, as the upgrade and the racers left it; the
    // index holds every item.
    for (k, item) in raw(&db).await {
        if sv(&item).as_deref() != Some("2") {
            return Err(format!(
                "{k:?} is stored at {:?} after the backfill: {item:?}",
                sv(&item)
            ));
        }
        if item.contains_key("name") {
            return Err(format!("{k:?} keeps version 1's `name`: {item:?}"));
        }
    }
    every_read_answers(&db, &want, false)
        .await
        .map_err(|e| format!("after the backfill ({done}): {e}"))?;
    if done.failed != 0 || done.read < c.items.len() as u64 {
        return Err(format!("counts: {done}"));
    }
    if done.written + done.already > old.len() as u64 {
        return Err(format!("{} old items, {done}", old.len()));
    }
    Ok(())
}

#[test]
fn reads_agree_before_during_and_after_a_backfill() {
    let cases = common::Props::new(16, 40).run(&case(), |c| async move { check(&c).await });
    eprintln!(
        "reads_agree_before_during_and_after_a_backfill: {cases} cases, {} items, {} stops, {} racing saves",
        ITEMS.load(Ordering::Relaxed),
        STOPS.load(Ordering::Relaxed),
        RACES.load(Ordering::Relaxed),
    );
}

fn a(org: &str, id: &str, email: &str) -> v1::Account {
    v1::Account {
        org: org.into(),
        id: id.into(),
        email: email.into(),
        name: format!("Name of {id}"),
        version: 0,
    }
}

/// A save of version 2 writes the new shape: the old attribute goes, the version comes.
#[tokio::test]
async fn a_save_writes_the_new_shape() {
    let db = common::db().await;
    Account::create_table().exec(&db).await.unwrap();
    v1_items(&db, &[a("o", "1", "ann@shop.test")]).await;
    let mut got = Account::get(Account::key("o", "1"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (got.domain.as_str(), got.display.as_str()),
        ("shop.test", "Name of 1")
    );
    got.save(&db).await.unwrap();
    let stored = &raw(&db).await[&("o".to_owned(), "1".to_owned())];
    assert_eq!(sv(stored).as_deref(), Some("2"));
    assert!(!stored.contains_key("name"), "{stored:?}");
    assert_eq!(stored["domain"], AttributeValue::S("shop.test".into()));
}

/// An item that the upgrade refuses: its read names the versions and the attribute; the
/// backfill counts it failed with its key and upgrades the others.
#[tokio::test]
async fn an_item_the_upgrade_refuses_is_named_and_the_backfill_goes_on() {
    let db = common::db().await;
    Account::create_table().exec(&db).await.unwrap();
    v1_items(
        &db,
        &[
            a("o", "1", "ann@shop.test"),
            a("o", "2", "no-at-sign"),
            a("o", "3", "bo@shop.test"),
        ],
    )
    .await;
    let err = Account::get(Account::key("o", "2"))
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Upgrade { from: 1, to: 2, .. }),
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("schema version 1 to version 2") && text.contains("`email`"),
        "{text}"
    );
    let done = Backfill::<Account>::new().upgrade(&db).await.unwrap();
    assert_eq!((done.written, done.failed), (2, 1), "{done}");
    assert!(done.failures[0].contains("no-at-sign") || done.failures[0].contains('2'));
    let stored = raw(&db).await;
    assert_eq!(sv(&stored[&("o".into(), "1".into())]).as_deref(), Some("2"));
    assert_eq!(
        sv(&stored[&("o".into(), "2".into())]),
        None,
        "left as it was"
    );
}

/// A write of version 2 never replaces (or updates) an item that version 3 stored: the
/// attributes that version 3 added would be lost. Reads still answer what version 2 knows.
#[tokio::test]
async fn a_write_never_replaces_an_item_of_a_newer_version() {
    let db = common::db().await;
    Account::create_table().exec(&db).await.unwrap();
    let mut newer: dynomodel::Item = [
        ("org", "o"),
        ("id", "1"),
        ("email", "ann@shop.test"),
        ("domain", "shop.test"),
        ("display", "Ann"),
        ("nickname", "annie"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
    .collect();
    newer.insert("_sv".into(), AttributeValue::N("3".into()));
    newer.insert("version".into(), AttributeValue::N("4".into()));
    common::raw_put(&db, "accounts", newer.clone()).await;

    let mut got = Account::get(Account::key("o", "1"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.display, "Ann");
    got.display = "Ann B".into();
    let err = got.save(&db).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::NewerSchema {
                stored: 3,
                model: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.is_condition_failed());
    let display = Account::fields().display;
    let err = Account::update(Account::key("o", "1"))
        .set(&display, "Ann C")
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NewerSchema { .. }), "{err}");
    // The backfill leaves it alone too.
    let done = Backfill::<Account>::new().upgrade(&db).await.unwrap();
    assert_eq!((done.written, done.skipped), (0, 1), "{done}");
    assert_eq!(raw(&db).await[&("o".into(), "1".into())], newer);
}

/// An update of version 2 on an old item sets what it names and leaves the rest old: the
/// upgrade keeps what it set (here `domain`) and the next read is still upgraded.
#[tokio::test]
async fn an_update_of_an_old_item_is_kept_by_the_upgrade() {
    let db = common::db().await;
    Account::create_table().exec(&db).await.unwrap();
    v1_items(&db, &[a("o", "1", "ann@shop.test")]).await;
    let domain = Account::fields().domain;
    let updated = Account::update(Account::key("o", "1"))
        .set(&domain, "corp.test")
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(
        (updated.domain.as_str(), updated.display.as_str()),
        ("corp.test", "Name of 1")
    );
    let stored = &raw(&db).await[&("o".to_owned(), "1".to_owned())];
    assert_eq!(sv(stored), None, "an update does not claim the new shape");
    let done = Backfill::<Account>::new().upgrade(&db).await.unwrap();
    assert_eq!(done.written, 1, "{done}");
    let got = Account::get(Account::key("o", "1"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.domain, "corp.test");
}

/// A model without a schema version has nothing to upgrade: the backfill says so.
#[tokio::test]
async fn upgrade_needs_a_schema_version() {
    let db = common::db().await;
    let err = Backfill::<v1::Account>::new()
        .upgrade(&db)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("declares no schema version"),
        "{err}"
    );
}

/// Version 2 of notes whose upgrade needs what version 1 always stored (`name`): an item
/// without it that reads took for version 1 could not be read at all.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "strict_notes", schema_version = 2, upgrade = "upgrade_strict")]
pub struct StrictNote {
    #[dynomodel(hash_key)]
    pub id: String,
    pub title: String,
    #[dynomodel(default = 0)]
    pub n: u32,
}

pub fn upgrade_strict(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 {
        let name: Option<String> = item.get("name")?;
        let Some(name) = name else {
            return Err(item.fail("name", "version 1 always stored a name"));
        };
        // What a writer of version 2 set already stays (an update of an old item).
        if !item.has("title") {
            item.set("title", &name)?;
        }
        item.remove("name");
    }
    Ok(())
}

/// The schema version attribute of the stored note `id`.
async fn note_sv(db: &Db, id: &str) -> Option<AttributeValue> {
    db.client()
        .get_item()
        .table_name(db.table_name("strict_notes"))
        .key("id", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .and_then(|mut i| i.remove("_sv"))
}

/// What must never happen: an upsert creates an item that reads take for an older version
/// (and whose upgrade then fails, or rewrites what the upsert set). An item that an upsert
/// creates is of the model's version, as a saved one is; an upsert of an existing item leaves
/// its version as it is (an update does); upserts racing to create one item all apply.
#[tokio::test]
async fn an_upsert_that_creates_an_item_marks_it_with_the_models_version() {
    let db = common::db().await;
    StrictNote::create_table().exec(&db).await.unwrap();
    let f = StrictNote::fields();

    let made = StrictNote::update(StrictNote::key("new"))
        .set(&f.title, "fresh")
        .upsert()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!((made.title.as_str(), made.n), ("fresh", 0));
    assert_eq!(
        note_sv(&db, "new").await,
        Some(AttributeValue::N("2".into()))
    );
    let got = StrictNote::get(StrictNote::key("new")).exec(&db).await;
    assert_eq!(got.unwrap().map(|n| n.title), Some("fresh".into()));
    // An upsert of the item that exists now: it stays at version 2.
    StrictNote::update(StrictNote::key("new"))
        .set(&f.title, "again")
        .upsert()
        .exec_quiet(&db)
        .await
        .unwrap();
    assert_eq!(
        note_sv(&db, "new").await,
        Some(AttributeValue::N("2".into()))
    );

    // An item of version 1: the upsert updates it and leaves it at version 1 (reads upgrade).
    let mut old = std::collections::HashMap::new();
    old.insert("id".to_owned(), AttributeValue::S("old".into()));
    old.insert("name".to_owned(), AttributeValue::S("from v1".into()));
    common::raw_put(&db, "strict_notes", old).await;
    let updated = StrictNote::update(StrictNote::key("old"))
        .add(&f.n, 5u32)
        .set(&f.title, "renamed")
        .upsert()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(note_sv(&db, "old").await, None);
    assert_eq!((updated.title.as_str(), updated.n), ("renamed", 5));

    // Sixteen upserts racing to create one item: every one applies once.
    let racers = (0..16).map(|_| {
        let db = db.clone();
        tokio::spawn(async move {
            let f = StrictNote::fields();
            StrictNote::update(StrictNote::key("raced"))
                .set_if_not_exists(&f.title, "raced")
                .add(&f.n, 1u32)
                .upsert()
                .exec_quiet(&db)
                .await
        })
    });
    for r in futures::future::join_all(racers).await {
        r.unwrap().unwrap();
    }
    let raced = StrictNote::get(StrictNote::key("raced"))
        .consistent()
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((raced.title.as_str(), raced.n), ("raced", 16));
    assert_eq!(
        note_sv(&db, "raced").await,
        Some(AttributeValue::N("2".into()))
    );

    // In a transaction the same: a new item is marked, an item of version 1 is left so, one
    // with a version keeps it.
    let mut legacy = std::collections::HashMap::new();
    legacy.insert("id".to_owned(), AttributeValue::S("tx-old".into()));
    legacy.insert("name".to_owned(), AttributeValue::S("from v1".into()));
    common::raw_put(&db, "strict_notes", legacy).await;
    let up = |id: &'static str, title: &'static str| {
        let f = StrictNote::fields();
        StrictNote::update(StrictNote::key(id))
            .set(&f.title, title)
            .add(&f.n, 1u32)
            .upsert()
    };
    Transaction::new()
        .update(up("tx-new", "new in tx"))
        .update(up("tx-old", "old in tx"))
        .update(up("new", "kept version"))
        .exec(&db)
        .await
        .unwrap();
    let two = Some(AttributeValue::N("2".into()));
    assert_eq!(note_sv(&db, "tx-new").await, two);
    assert_eq!(note_sv(&db, "tx-old").await, None);
    assert_eq!(note_sv(&db, "new").await, two);
    for (id, title) in [("tx-new", "new in tx"), ("tx-old", "old in tx")] {
        let got = StrictNote::get(StrictNote::key(id))
            .exec(&db)
            .await
            .unwrap();
        assert_eq!(
            got.map(|g| (g.title, g.n)),
            Some((title.to_owned(), 1)),
            "{id}"
        );
    }
}
