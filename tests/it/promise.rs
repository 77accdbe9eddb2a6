//! Every write keeps the model's promise: one test per way that a write could store an item
//! that the model cannot read, or fail after writing. Each reads back with a raw GetItem.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeZone, Utc};
use dynomodel::prelude::*;
use dynomodel::{Item, Key};
use serde::{Deserialize, Serialize};

use crate::common;
use crate::ops::Note;
use crate::write_props::{Entry, Ledger};

async fn raw_get(db: &Db, table: &str, key: &Item) -> Option<Item> {
    db.client()
        .get_item()
        .table_name(db.table_name(table))
        .set_key(Some(key.clone()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.into())
}

fn entry(note: &str) -> Entry {
    Entry {
        note: note.into(),
        marks: ["x".to_owned(), "y".to_owned()].into(),
        data: vec![1, 2, 3],
        when: Some(Utc.timestamp_opt(1_700_000_000, 0).unwrap()),
    }
}

fn ledger(id: &str) -> Ledger {
    Ledger {
        id: id.into(),
        name: "shop".into(),
        stock: 10,
        points: 20,
        tags: BTreeSet::new(),
        keys: BTreeSet::new(),
        blob: vec![7],
        seen: None,
        at: None,
        address: None,
        history: vec![entry("one")],
        notes: HashMap::new(),
        scores: vec![1],
        version: 0,
    }
}

async fn ledger_db() -> Db {
    let db = common::db().await;
    Ledger::create_table().exec(&db).await.unwrap();
    db
}

/// The stored item of ledger `id`, which must decode.
async fn stored(db: &Db, id: &str) -> (Item, Ledger) {
    let item = raw_get(db, Ledger::TABLE, Ledger::key(id).item())
        .await
        .unwrap();
    let l = Ledger::from_item(&item).unwrap();
    (item, l)
}

fn rules(err: &Error) -> Vec<(String, String)> {
    match err {
        Error::Validation(errors) => errors
            .iter()
            .map(|e| (e.path.clone(), e.rule.clone()))
            .collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// 1. One codec for every operand.
#[tokio::test]
async fn element_and_entry_operands_are_written_by_the_fields_codec() {
    let db = ledger_db().await;
    ledger("c").create(&db).await.unwrap();
    let f = Ledger::fields();
    let updated = Ledger::update(Ledger::key("c"))
        .set(f.history.at(0), entry("two"))
        .set(f.notes.key("k"), entry("three"))
        .append(&f.scores, [5, 6])
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(updated.history[0], entry("two"));
    let (item, read) = stored(&db, "c").await;
    assert_eq!(read, updated);
    let AttributeValue::L(history) = &item["history"] else {
        panic!()
    };
    let AttributeValue::M(first) = &history[0] else {
        panic!()
    };
    assert!(matches!(first["marks"], AttributeValue::Ss(_)), "{first:?}");
    assert!(matches!(first["data"], AttributeValue::B(_)), "{first:?}");
    assert_eq!(first["when"], n("1700000000"));

    let appended = Ledger::update(Ledger::key("c"))
        .append(&f.history, [entry("four")])
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(appended.history.last(), Some(&entry("four")));
    stored(&db, "c").await;
}

// 2. Rules hold for the stored result, not just the operand.
#[tokio::test]
async fn rules_hold_for_the_stored_result() {
    let db = ledger_db().await;
    ledger("r").create(&db).await.unwrap();
    let f = Ledger::fields();
    let (before, _) = stored(&db, "r").await;

    // stock is 10 under range(min = 0): subtracting 50 would leave -40.
    let err = Ledger::update(Ledger::key("r"))
        .subtract(&f.stock, 50u32)
        .exec(&db)
        .await
        .unwrap_err();
    assert_eq!(rules(&err), [("stock".to_owned(), "range".to_owned())]);
    assert!(err.to_string().contains("at least 0"), "{err}");
    assert_eq!(stored(&db, "r").await.0, before);

    // points is 20 under range(min = 10): adding 5 is fine, the amount is not the value.
    let l = Ledger::update(Ledger::key("r"))
        .add(&f.points, 5i64)
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(l.points, 25);
    // ... and subtracting 16 would leave 9.
    let err = Ledger::update(Ledger::key("r"))
        .add(&f.points, -16i64)
        .exec(&db)
        .await
        .unwrap_err();
    assert_eq!(rules(&err), [("points".to_owned(), "range".to_owned())]);

    // history holds at most 4: 1 stored, 4 more would be 5.
    let (before, _) = stored(&db, "r").await;
    let err = Ledger::update(Ledger::key("r"))
        .append(&f.history, (0..4).map(|i| entry(&format!("e{i}"))))
        .exec(&db)
        .await
        .unwrap_err();
    assert_eq!(rules(&err), [("history".to_owned(), "length".to_owned())]);
    assert_eq!(stored(&db, "r").await.0, before);

    // An element's own rules and transforms apply to an element set.
    let err = Ledger::update(Ledger::key("r"))
        .set(&f.history.at(0).note, "")
        .exec(&db)
        .await
        .unwrap_err();
    assert_eq!(
        rules(&err),
        [("history[0].note".to_owned(), "length".to_owned())]
    );
    let l = Ledger::update(Ledger::key("r"))
        .set(f.history.at(0), entry("LOUD"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(l.history[0].note, "loud");
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "counters")]
pub struct Counter {
    #[dynomodel(hash_key)]
    pub id: String,
    pub age: u32,
    #[dynomodel(version)]
    pub version: u8,
    #[dynomodel(updated_at)]
    pub updated_at: Option<DateTime<Utc>>,
    pub big: Option<String>,
}

#[tokio::test]
async fn a_subtract_below_the_types_range_is_refused() {
    let db = common::db().await;
    Counter::create_table().exec(&db).await.unwrap();
    let mut c = Counter {
        id: "c".into(),
        age: 30,
        version: 0,
        updated_at: None,
        big: None,
    };
    c.create(&db).await.unwrap();
    let err = Counter::update(Counter::key("c"))
        .subtract(&Counter::fields().age, 40u32)
        .exec(&db)
        .await
        .unwrap_err();
    assert_eq!(rules(&err), [("age".to_owned(), "type".to_owned())]);
    let read = Counter::get(Counter::key("c"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.age, 30);
}

// 3. No removal of what the model requires.
#[tokio::test]
async fn a_required_field_cannot_be_removed() {
    let db = ledger_db().await;
    ledger("q").create(&db).await.unwrap();
    let (before, _) = stored(&db, "q").await;
    let f = Ledger::fields();
    let err = Ledger::update(Ledger::key("q"))
        .remove(&f.name)
        .exec(&db)
        .await
        .unwrap_err();
    assert_eq!(rules(&err), [("name".to_owned(), "required".to_owned())]);
    let err = Ledger::update(Ledger::key("q"))
        .remove(&f.history.at(0).note)
        .exec(&db)
        .await
        .unwrap_err();
    assert_eq!(
        rules(&err),
        [("history[0].note".to_owned(), "required".to_owned())]
    );
    assert_eq!(stored(&db, "q").await.0, before);
    // Optional fields, lists and map entries can go.
    Ledger::update(Ledger::key("q"))
        .remove(&f.seen)
        .remove(f.history.at(0))
        .exec(&db)
        .await
        .unwrap();
}

// 4. An Err means nothing was written, or says that the write happened.
#[tokio::test]
async fn an_update_that_applied_says_so() {
    let db = ledger_db().await;
    // Another writer stored an item that the model cannot read (no `name`).
    let key = Ledger::key("bad");
    let mut item = key.item().clone();
    item.insert("stock".into(), n("1"));
    item.insert("points".into(), n("20"));
    item.insert("blob".into(), AttributeValue::B(Blob::new(vec![1])));
    common::raw_put(&db, Ledger::TABLE, item).await;
    let err = Ledger::update(key.clone())
        .add(&Ledger::fields().stock, 1u32)
        .exec(&db)
        .await
        .unwrap_err();
    let Error::Applied {
        key: written,
        source,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(**written, key.item().clone());
    assert!(matches!(**source, Error::Decode { ref path, .. } if path == "name"));
    assert!(!err.is_retryable());
    let after = raw_get(&db, Ledger::TABLE, key.item()).await.unwrap();
    assert_eq!(after["stock"], n("2"), "applied once");
}

// 5. Raw conditions cannot clobber each other.
#[tokio::test]
async fn raw_conditions_with_the_same_placeholders_both_hold() {
    let db = common::db().await;
    crate::ops::Pet::create_table().exec(&db).await.unwrap();
    let mut p = crate::ops::pet("raw");
    p.owner = "ann".into();
    p.name = "Rex".into();
    p.create(&db).await.unwrap();
    let owner_is_bob = Condition::raw("#a = :x", [("#a", "owner")], [(":x", s("bob"))]);
    let named_rex = Condition::raw("#a = :x", [("#a", "name")], [(":x", s("Rex"))]);
    let err = crate::ops::Pet::delete(crate::ops::Pet::key("raw"))
        .condition(owner_is_bob & named_rex)
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConditionFailed { .. }), "{err:?}");
    assert!(crate::ops::Pet::get(crate::ops::Pet::key("raw"))
        .exec(&db)
        .await
        .unwrap()
        .is_some());
}

// 6. Versions never panic, wrap, or drift.
#[tokio::test]
async fn versions_never_wrap_and_a_failed_save_changes_nothing() {
    let db = common::db().await;
    Counter::create_table().exec(&db).await.unwrap();
    let mut c = Counter {
        id: "v".into(),
        age: 1,
        version: 0,
        updated_at: None,
        big: None,
    };
    c.create(&db).await.unwrap();
    assert_eq!(c.version, 1);
    let stamped = c.updated_at;

    // A save that fails before sending (too large) leaves version and updated_at alone...
    c.big = Some("x".repeat(500 * 1024));
    let err = c.save(&db).await.unwrap_err();
    assert!(matches!(err, Error::ItemTooLarge { .. }), "{err:?}");
    assert_eq!((c.version, c.updated_at), (1, stamped));
    // ... so the next save is no conflict.
    c.big = None;
    c.save(&db).await.unwrap();
    assert_eq!(c.version, 2);

    // A u8 version at 255 cannot move on: an error, not a wrap to 0.
    let key = Counter::key("full");
    let mut item = key.item().clone();
    item.insert("age".into(), n("1"));
    item.insert("version".into(), n("255"));
    common::raw_put(&db, Counter::TABLE, item.clone()).await;
    let mut full = Counter::get(key.clone()).exec(&db).await.unwrap().unwrap();
    let err = full.save(&db).await.unwrap_err();
    assert_eq!(rules(&err), [("version".to_owned(), "version".to_owned())]);
    assert_eq!(full.version, 255);
    assert_eq!(
        raw_get(&db, Counter::TABLE, key.item()).await.unwrap(),
        item
    );
}

#[tokio::test]
async fn a_transaction_leaves_the_models_as_stored() {
    let db = common::db().await;
    Counter::create_table().exec(&db).await.unwrap();
    let counter = |id: &str| Counter {
        id: id.into(),
        age: 1,
        version: 0,
        updated_at: None,
        big: None,
    };
    let (mut a, mut b) = (counter("a"), counter("b"));
    Transaction::new()
        .create(&mut a)
        .create(&mut b)
        .exec(&db)
        .await
        .unwrap();
    assert_eq!((a.version, b.version), (1, 1));
    assert!(a.updated_at.is_some());
    let stored = Counter::get(Counter::key("a"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, a);
    // The models are what is stored: their next saves are no conflicts.
    a.age = 2;
    a.save(&db).await.unwrap();
    assert_eq!(a.version, 2);

    // A cancelled transaction leaves them as they were.
    let mut c = counter("c");
    let before = (b.clone(), c.clone());
    let err = Transaction::new()
        .put(&mut b)
        .create(&mut c)
        .condition_check(Counter::key("a"), Counter::fields().age.eq(99u32))
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }), "{err:?}");
    assert_eq!((b, c), before);
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "signed")]
pub struct Signed {
    #[dynomodel(hash_key)]
    pub id: String,
    #[dynomodel(version)]
    pub version: i64,
    #[dynomodel(validate(range(min = 0.0, max = 1.0)))]
    pub ratio: f64,
    pub small: Option<f32>,
}

#[tokio::test]
async fn extreme_versions_and_numbers_are_errors_not_panics() {
    let mut s = Signed {
        id: "1".into(),
        version: -1,
        ratio: 0.5,
        small: None,
    };
    let err = dynomodel::model::prepare_save(&mut s).await.unwrap_err();
    assert_eq!(rules(&err), [("version".to_owned(), "version".to_owned())]);
    assert_eq!(s.version, -1);

    // 7. Numbers are exact or refused.
    s.version = 0;
    s.ratio = f64::NAN;
    assert_eq!(
        rules(&s.validate().unwrap_err()),
        [("ratio".to_owned(), "range".to_owned())]
    );
    assert!(dynomodel::codec::check_number("11e9223372036854775807").is_err());
    let mut item = Signed::key("1").item().clone();
    item.insert("ratio".into(), n("0.5"));
    item.insert("small".into(), n("1E-50"));
    let err = Signed::from_item(&item).unwrap_err();
    assert!(
        matches!(err, Error::Decode { ref path, .. } if path == "small"),
        "{err:?}"
    );
    item.insert("small".into(), n("1e39"));
    assert!(Signed::from_item(&item).is_err());
}

// 8. Keys and lookups use the same transforms as writes.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "stock")]
pub struct Sku {
    #[dynomodel(hash_key)]
    pub shop: u32,
    #[dynomodel(range_key, set = "lowercase")]
    pub sku: String,
    #[dynomodel(set = "lowercase")]
    pub kind: String,
}

#[tokio::test]
async fn keys_and_operands_go_through_the_set_transform() {
    let db = common::db().await;
    Sku::create_table().exec(&db).await.unwrap();
    let mut apple = Sku {
        shop: 1,
        sku: "APPLE".into(),
        kind: "Fruit".into(),
    };
    apple.create(&db).await.unwrap();
    assert_eq!(apple.sku, "apple");
    let found = Sku::get(Sku::key(1u32, "APPLE")).exec(&db).await.unwrap();
    assert_eq!(found.as_ref().map(|s| s.sku.as_str()), Some("apple"));
    let kind = Sku::query(Sku::fields().shop.eq(1u32))
        .filter(Sku::fields().kind.eq("FRUIT"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(kind.len(), 1);
    // A number key written 01, 1.0, 1e0 or +1 is the key 1.
    for text in ["01", "1.0", "1e0", "+1"] {
        let key = Key::<Sku>::from_item(Item::from([
            ("shop".to_owned(), n(text)),
            ("sku".to_owned(), s("apple")),
        ]));
        let got = Sku::batch_get([key]).exec(&db).await.unwrap();
        assert!(got[0].is_some(), "{text}");
    }
}

// 10. Managed attributes are the model's.
#[tokio::test]
async fn managed_attributes_cannot_be_set_and_an_empty_update_changes_nothing() {
    let db = common::db().await;
    Counter::create_table().exec(&db).await.unwrap();
    let mut c = Counter {
        id: "m".into(),
        age: 1,
        version: 0,
        updated_at: None,
        big: None,
    };
    c.create(&db).await.unwrap();
    let f = Counter::fields();
    for err in [
        Counter::update(Counter::key("m"))
            .set(&f.version, 9u8)
            .to_request()
            .unwrap_err(),
        Counter::update(Counter::key("m"))
            .set(&f.updated_at, Some(Utc::now()))
            .to_request()
            .unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::InvalidRequest(ref m) if m.contains("managed")),
            "{err:?}"
        );
    }
    let same = Counter::update(Counter::key("m")).exec(&db).await.unwrap();
    assert_eq!(same, c);
}

// 11. A type that arrives through a macro keeps its codec.
macro_rules! with_bytes {
    ($t:ty) => {
        #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
        #[dynomodel(table = "blobs")]
        pub struct Blobbed {
            #[dynomodel(hash_key)]
            pub id: String,
            pub data: $t,
        }
    };
}
with_bytes!(Vec<u8>);

#[test]
fn a_type_through_a_macro_keeps_its_codec() {
    let b = Blobbed {
        id: "1".into(),
        data: vec![1, 2],
    };
    assert!(matches!(b.to_item().unwrap()["data"], AttributeValue::B(_)));
}

// 12. Dates sort as time.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "events")]
pub struct Event {
    #[dynomodel(hash_key)]
    pub stream: String,
    #[dynomodel(range_key)]
    pub id: String,
    pub at: DateTime<Utc>,
    pub local: Option<time::OffsetDateTime>,
}

#[tokio::test]
async fn dates_sort_as_time() {
    let db = common::db().await;
    Event::create_table().exec(&db).await.unwrap();
    let noon = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    let later = noon + chrono::Duration::milliseconds(250);
    // 14:00+02:00, the same instant as noon.
    let two_pm = time::OffsetDateTime::from_unix_timestamp(noon.timestamp())
        .unwrap()
        .to_offset(time::UtcOffset::from_hms(2, 0, 0).unwrap());
    for (id, at, local) in [("a", noon, Some(two_pm)), ("b", later, None)] {
        Event {
            stream: "s".into(),
            id: id.into(),
            at,
            local,
        }
        .create(&db)
        .await
        .unwrap();
    }
    let f = Event::fields();
    let after_noon = Event::query(f.stream.eq("s"))
        .filter(f.at.gt(noon))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(after_noon.iter().map(|e| e.at).collect::<Vec<_>>(), [later]);
    let between = Event::query(f.stream.eq("s"))
        .filter(f.at.between(noon, later))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(between.len(), 2);
    // 14:00+02:00 is stored as 12:00Z, so that it equals 12:00Z.
    let utc_noon = time::OffsetDateTime::from_unix_timestamp(noon.timestamp()).unwrap();
    let same = Event::query(f.stream.eq("s"))
        .filter(f.local.eq(utc_noon))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(same.len(), 1);
}

// 13. Sets and binary values in conditions; the item that delete returns.
#[tokio::test]
async fn binary_sets_match_and_delete_returns_a_loaded_item() {
    let db = ledger_db().await;
    let mut l = ledger("b");
    l.keys = [vec![1u8, 2], vec![3u8]].into();
    l.create(&db).await.unwrap();
    let f = Ledger::fields();
    let found = Ledger::scan()
        .filter(f.keys.contains(vec![1u8, 2]))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    Note::create_table().exec(&db).await.unwrap();
    let mut note = Note {
        id: "n".into(),
        body: "hi".into(),
        loaded: false,
    };
    note.create(&db).await.unwrap();
    let old = Note::delete(Note::key("n"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(old.loaded, "after_load ran on the deleted item");
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "labels")]
pub struct Labels {
    #[dynomodel(hash_key)]
    pub id: String,
    #[dynomodel(string_set)]
    pub names: Vec<String>,
}

#[tokio::test]
async fn a_string_set_with_repeats_is_stored_once_each() {
    let db = common::db().await;
    Labels::create_table().exec(&db).await.unwrap();
    let mut l = Labels {
        id: "1".into(),
        names: vec!["a".into(), "b".into(), "a".into()],
    };
    l.create(&db).await.unwrap();
    let read = Labels::get(Labels::key("1"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.names, ["a", "b"]);
}

// 14. Unknown attributes: save replaces the item; `extra` keeps what the model does not name.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "keeps")]
pub struct Keeps {
    #[dynomodel(hash_key)]
    pub id: String,
    pub name: String,
    #[dynomodel(extra)]
    #[serde(skip)]
    pub extra: HashMap<String, AttributeValue>,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "keeps")]
pub struct Drops {
    #[dynomodel(hash_key)]
    pub id: String,
    pub name: String,
}

#[tokio::test]
async fn save_keeps_unknown_attributes_only_with_extra() {
    let db = common::db().await;
    Keeps::create_table().exec(&db).await.unwrap();
    for id in ["keeps", "drops"] {
        common::raw_put(
            &db,
            Keeps::TABLE,
            Item::from([
                ("id".to_owned(), s(id)),
                ("name".to_owned(), s("n")),
                ("legacy".to_owned(), s("from another writer")),
            ]),
        )
        .await;
    }
    let mut k = Keeps::get(Keeps::key("keeps"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    k.name = "m".into();
    k.save(&db).await.unwrap();
    let item = raw_get(&db, Keeps::TABLE, Keeps::key("keeps").item())
        .await
        .unwrap();
    assert_eq!(item["legacy"], s("from another writer"));

    let mut d = Drops::get(Drops::key("drops"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    d.name = "m".into();
    d.save(&db).await.unwrap();
    let item = raw_get(&db, Drops::TABLE, Drops::key("drops").item())
        .await
        .unwrap();
    assert!(
        !item.contains_key("legacy"),
        "save replaces the item: documented"
    );
}

// 15. Batches keep versions.
#[tokio::test]
async fn a_batch_of_a_versioned_model_must_say_it_overwrites() {
    let db = ledger_db().await;
    let err = Ledger::batch_put([ledger("x")])
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest(ref m) if m.contains("overwrite_versions")),
        "{err:?}"
    );
    assert!(raw_get(&db, Ledger::TABLE, Ledger::key("x").item())
        .await
        .is_none());
    Ledger::batch_put([ledger("x")])
        .overwrite_versions()
        .exec(&db)
        .await
        .unwrap();
    assert!(raw_get(&db, Ledger::TABLE, Ledger::key("x").item())
        .await
        .is_some());
}

/// DynamoDB appends where a `SET` names a list element past the end: a set of `.at(i)`
/// must replace element `i` or fail, never store the value elsewhere (or past `length`).
#[tokio::test]
async fn a_set_of_an_element_past_the_end_of_a_list_is_refused() {
    let db = ledger_db().await;
    let mut l = ledger("past");
    l.history = vec![entry("a"), entry("b"), entry("c"), entry("d")];
    l.save(&db).await.unwrap();
    let f = Ledger::fields();
    let err = Ledger::update(Ledger::key("past"))
        .set(f.history.at(4), entry("e"))
        .exec(&db)
        .await
        .unwrap_err();
    let Error::Validation(errors) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        errors.at("history[4]").map(|e| e.rule.as_str()),
        Some("index"),
        "{err}"
    );
    let (_, stored) = stored(&db, "past").await;
    assert_eq!(stored.history.len(), 4, "nothing appended");
    // Within the list, the element is replaced.
    let updated = Ledger::update(Ledger::key("past"))
        .set(f.history.at(3), entry("z"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(updated.history[3].note, "z");
}
