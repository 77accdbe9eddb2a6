//! Upserts of models with a schema version, sent in phases (an update of an existing item,
//! then the creation of one with `_sv`), under attack: what they return, racing deletes,
//! and shared-table key rules.
//!
//! Each test says first what must never happen.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::model::upgrade::Upgrading;
use dynomodel::prelude::*;
use dynomodel::Item;
use serde::{Deserialize, Serialize};

use crate::common;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

/// Version 2 of a note whose upgrade needs what version 1 always stored (`name`).
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "adv_up_notes",
    schema_version = 2,
    upgrade = "upgrade_up_note"
)]
pub struct UpNote {
    #[dynomodel(hash_key)]
    pub id: String,
    pub title: String,
    #[dynomodel(default = 0)]
    pub n: u32,
    #[dynomodel(version)]
    pub version: u32,
}

pub fn upgrade_up_note(item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    if item.from() < 2 {
        let name: Option<String> = item.get("name")?;
        let Some(name) = name else {
            return Err(item.fail("name", "version 1 always stored a name"));
        };
        if !item.has("title") {
            item.set("title", &name)?;
        }
        item.remove("name");
    }
    Ok(())
}

async fn raw_get(db: &Db, table: &str, key: Item) -> Option<Item> {
    db.client()
        .get_item()
        .table_name(db.table_name(table))
        .set_key(Some(key))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

fn note_key(id: &str) -> Item {
    [("id".to_owned(), s(id))].into_iter().collect()
}

/// What must never happen: `exec_updated` of an upsert answers an attribute that the caller
/// did not change (the library's own `_sv` bookkeeping). Over an existing item it answers
/// title, n and version; over no item it must answer the same attributes.
#[tokio::test]
async fn exec_updated_of_a_creating_upsert_answers_only_what_the_update_changed() {
    let db = common::db().await;
    UpNote::create_table().exec(&db).await.unwrap();
    let f = UpNote::fields();
    let created = UpNote::update(UpNote::key("a"))
        .set(&f.title, "t")
        .add(&f.n, 1u32)
        .upsert()
        .exec_updated(&db)
        .await
        .unwrap();
    let again = UpNote::update(UpNote::key("a"))
        .set(&f.title, "t")
        .add(&f.n, 1u32)
        .upsert()
        .exec_updated(&db)
        .await
        .unwrap();
    let mut created_keys: Vec<_> = created.keys().cloned().collect();
    let mut again_keys: Vec<_> = again.keys().cloned().collect();
    created_keys.sort();
    again_keys.sort();
    assert_eq!(
        created_keys, again_keys,
        "exec_updated of the creating upsert answered {created:?}, of the updating one {again:?}"
    );
    assert!(!created.contains_key("_sv"), "{created:?}");
}

/// What must never happen: an upsert creates an item without `_sv` (which reads take for
/// version 1, whose upgrade here fails: the item cannot be read at all). Upserts race deletes
/// of one key; a watcher reads the item as stored after every change.
#[tokio::test]
async fn upserts_racing_deletes_never_create_an_item_without_the_schema_version() {
    let db = common::db().await;
    UpNote::create_table().exec(&db).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let unmarked = Arc::new(AtomicUsize::new(0));
    let seen: Arc<std::sync::Mutex<Option<Item>>> = Arc::default();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let f = UpNote::fields();
            for _ in 0..60 {
                let r = UpNote::update(UpNote::key("hot"))
                    .set_if_not_exists(&f.title, "hot")
                    .add(&f.n, 1u32)
                    .upsert()
                    .exec_quiet(&db)
                    .await;
                r.unwrap();
            }
        }));
    }
    for _ in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..60 {
                UpNote::delete(UpNote::key("hot"))
                    .exec_quiet(&db)
                    .await
                    .unwrap();
            }
        }));
    }
    let watcher = {
        let (db, stop, unmarked, seen) = (db.clone(), stop.clone(), unmarked.clone(), seen.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Some(item) = raw_get(&db, "adv_up_notes", note_key("hot")).await {
                    if !item.contains_key("_sv") {
                        unmarked.fetch_add(1, Ordering::Relaxed);
                        *seen.lock().unwrap() = Some(item);
                    }
                }
            }
        })
    };
    for t in tasks {
        t.await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    watcher.await.unwrap();
    // What is left: readable.
    let last = UpNote::get(UpNote::key("hot")).consistent().exec(&db).await;
    assert!(last.is_ok(), "the item left cannot be read: {last:?}");
    assert_eq!(
        unmarked.load(Ordering::Relaxed),
        0,
        "an upsert created an item without _sv, e.g. {:?}",
        seen.lock().unwrap()
    );
}

/// What must never happen: `expect_version` and caller conditions answer otherwise than a
/// plain upsert did: over no item, expect_version(0) creates; expect_version(1) and a
/// condition that needs a stored value fail with ConditionFailed and create nothing; over an
/// item at version 1, expect_version(0) is a VersionConflict.
#[tokio::test]
async fn expect_version_and_conditions_of_a_phased_upsert() {
    let db = common::db().await;
    UpNote::create_table().exec(&db).await.unwrap();
    let f = UpNote::fields();
    let made = UpNote::update(UpNote::key("v"))
        .set(&f.title, "t")
        .expect_version(0)
        .upsert()
        .exec_old(&db)
        .await
        .unwrap();
    assert!(made.is_none());
    let r = UpNote::update(UpNote::key("w"))
        .set(&f.title, "t")
        .expect_version(1)
        .upsert()
        .exec(&db)
        .await;
    assert!(
        matches!(r, Err(Error::ConditionFailed { item: None, .. })),
        "{r:?}"
    );
    let r = UpNote::update(UpNote::key("w"))
        .set(&f.title, "t")
        .condition(f.n.gt(3u32))
        .upsert()
        .exec(&db)
        .await;
    assert!(
        matches!(r, Err(Error::ConditionFailed { item: None, .. })),
        "{r:?}"
    );
    assert!(raw_get(&db, "adv_up_notes", note_key("w")).await.is_none());
    let r = UpNote::update(UpNote::key("v"))
        .set(&f.title, "t")
        .expect_version(0)
        .upsert()
        .exec(&db)
        .await;
    assert!(
        matches!(r, Err(Error::VersionConflict { expected: 0, .. })),
        "{r:?}"
    );
}

// ---------------------------------------------------------------------------------------
// A shared table with an index.

#[derive(Table)]
#[dynomodel(
    name = "adv_up_club",
    pk = "pk",
    sk = "sk",
    entity_attr = "_et",
    gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk")
)]
pub struct UpClub;

/// A member of version 2, found by email in gsi1.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = UpClub, entity = "member", pk = "MEMBER#{id}", sk = "PROFILE",
            gsi1(pk = "EMAIL#{email}", sk = "NAME#{name}"),
            schema_version = 2, upgrade = "upgrade_up_member")]
pub struct UpMember {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: String,
}

fn upgrade_up_member(_item: &mut Upgrading<'_>) -> dynomodel::Result<()> {
    Ok(())
}

/// What must never happen: an upsert of a shared-table model with a schema version is
/// refused before sending, for a key field that the upsert itself writes (the caller cannot
/// set it: it is part of the item's key). `to_request` accepts it; `exec` must send it, over
/// no item (creating the member, at version 2, with its entity) and over an existing one.
#[tokio::test]
async fn a_shared_table_upsert_of_a_lazy_model_is_sent() {
    let db = common::db().await;
    UpClub::create_table().exec(&db).await.unwrap();
    let f = UpMember::fields();
    let upsert = |email: &str| {
        UpMember::update(UpMember::key("m1"))
            .set(&f.email, email)
            .set(&f.name, "ann")
            .upsert()
    };
    let as_request = upsert("a@x.test").to_request();
    assert!(as_request.is_ok(), "{as_request:?}");
    let made = upsert("a@x.test").exec(&db).await;
    assert!(made.is_ok(), "an upsert over no item answered {made:?}");
    let stored = raw_get(
        &db,
        "adv_up_club",
        [
            ("pk".to_owned(), s("MEMBER#m1")),
            ("sk".to_owned(), s("PROFILE")),
        ]
        .into_iter()
        .collect(),
    )
    .await
    .expect("the member");
    assert_eq!(stored.get("_et"), Some(&s("member")), "{stored:?}");
    assert_eq!(
        stored.get("_sv"),
        Some(&AttributeValue::N("2".into())),
        "{stored:?}"
    );
    let again = upsert("b@x.test").exec(&db).await;
    assert!(
        again.is_ok(),
        "an upsert over an existing item answered {again:?}"
    );
}
