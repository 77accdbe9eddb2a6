//! Operations against DynamoDB Local: CRUD, conditions, updates, versions.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::condition::{AttrType, Cmp};
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "pets", gsi(name = "by_owner", hash = "owner", range = "name"))]
pub struct Pet {
    #[dynomodel(hash_key)]
    pub id: String,
    #[dynomodel(set = "trim", validate(length(min = 1, max = 64)))]
    pub name: String,
    #[dynomodel(default = 0, validate(range(max = 100)))]
    pub age: u32,
    pub owner: String,
    #[dynomodel(string_set)]
    pub tags: BTreeSet<String>,
    pub address: Option<Address>,
    #[dynomodel(version)]
    pub version: u64,
    pub status: Option<String>,
    pub size: Option<u32>,
    #[serde(rename = "odd.name-with space")]
    pub odd: Option<String>,
    pub scores: Vec<u32>,
    pub meta: HashMap<String, String>,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Address {
    #[dynomodel(validate(length(min = 1)))]
    pub street: String,
    pub city: String,
}

pub fn pet(id: &str) -> Pet {
    Pet {
        id: id.into(),
        name: "Beeba".into(),
        age: 3,
        owner: "rachel".into(),
        tags: ["cute".to_owned(), "small".to_owned()].into(),
        address: Some(Address {
            street: "1 Main St".into(),
            city: "Springfield".into(),
        }),
        version: 0,
        status: Some("active".into()),
        size: Some(10),
        odd: Some("x".into()),
        scores: vec![1, 2, 3],
        meta: HashMap::from([("color".into(), "brown".into())]),
    }
}

async fn setup() -> Db {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    db
}

#[tokio::test]
async fn create_get_save_delete() {
    let db = setup().await;
    let mut p = pet("1");
    p.name = "  Beeba  ".into();
    p.create(&db).await.unwrap();
    assert_eq!(p.name, "Beeba", "create wrote back the trimmed name");
    assert_eq!(p.version, 1);

    let err = pet("1").create(&db).await.unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err:?}");

    let got = Pet::get(Pet::key("1"))
        .consistent()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(got.as_ref(), Some(&p));
    assert!(Pet::get(Pet::key("nope"))
        .exec(&db)
        .await
        .unwrap()
        .is_none());

    #[derive(Document, Serialize, Deserialize, Debug, PartialEq)]
    struct PetName {
        id: String,
        name: String,
    }
    let name = Pet::get(Pet::key("1"))
        .project::<PetName>()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(
        name,
        Some(PetName {
            id: "1".into(),
            name: "Beeba".into()
        })
    );

    let mut p2 = got.unwrap();
    p2.age = 4;
    p2.save(&db).await.unwrap();
    assert_eq!(p2.version, 2);

    let old = Pet::delete(Pet::key("1")).exec(&db).await.unwrap();
    assert_eq!(old.map(|p| p.age), Some(4));
    assert!(Pet::get(Pet::key("1"))
        .consistent()
        .exec(&db)
        .await
        .unwrap()
        .is_none());
    assert_eq!(Pet::delete(Pet::key("1")).exec(&db).await.unwrap(), None);
    let err = Pet::delete(Pet::key("1"))
        .must_exist()
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_stale_save_is_a_version_conflict_and_two_concurrent_saves_give_exactly_one() {
    let db = setup().await;
    pet("v").create(&db).await.unwrap();
    let a = Pet::get(Pet::key("v"))
        .consistent()
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    let b = a.clone();
    let (mut a, mut b) = (a, b);
    a.age = 10;
    b.age = 20;
    let (ra, rb) = tokio::join!(a.save(&db), b.save(&db));
    let results = [ra, rb];
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(Error::VersionConflict { expected: 1, .. })))
        .count();
    let oks = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!((oks, conflicts), (1, 1), "{results:?}");
    let stored = Pet::get(Pet::key("v"))
        .consistent()
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 2);
    let winner = if results[0].is_ok() { 10 } else { 20 };
    assert_eq!(stored.age, winner);
    let loser = if results[0].is_ok() { &b } else { &a };
    assert_eq!(
        loser.version, 1,
        "the failed save keeps the version it read"
    );
}

/// Stores a pet without its version attribute, as other code (or this model before it had a
/// `version`) would.
async fn put_without_version(db: &Db, id: &str) {
    let mut item = pet(id).to_item().unwrap();
    item.remove("version");
    db.client()
        .put_item()
        .table_name(db.table_name(Pet::TABLE))
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_item_stored_without_a_version_reads_as_version_0_and_saves_once() {
    let db = setup().await;
    put_without_version(&db, "old").await;
    let read = Pet::get(Pet::key("old")).exec(&db).await.unwrap().unwrap();
    assert_eq!(read.version, 0);

    let (mut a, mut b) = (read.clone(), read);
    a.age = 4;
    a.save(&db).await.unwrap();
    assert_eq!(a.version, 1);
    b.age = 5;
    let err = b.save(&db).await.unwrap_err();
    assert!(
        matches!(err, Error::VersionConflict { expected: 0, .. }),
        "{err:?}"
    );
    let stored = Pet::get(Pet::key("old")).exec(&db).await.unwrap().unwrap();
    assert_eq!((stored.age, stored.version), (4, 1));

    // A fresh struct at version 0 does not overwrite a versioned item.
    let err = pet("old").save(&db).await.unwrap_err();
    assert!(matches!(err, Error::VersionConflict { .. }), "{err:?}");

    // expect_version(0) on an unversioned item: the update applies and sets version 1.
    put_without_version(&db, "old2").await;
    let f = Pet::fields();
    let updated = Pet::update(Pet::key("old2"))
        .set(&f.age, 9u32)
        .expect_version(0)
        .exec(&db)
        .await
        .unwrap();
    assert_eq!((updated.age, updated.version), (9, 1));
    let err = Pet::update(Pet::key("old2"))
        .set(&f.age, 10u32)
        .expect_version(0)
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::VersionConflict { expected: 0, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn validation_fails_before_anything_is_written() {
    let db = setup().await;
    let mut p = pet("bad");
    p.name = "   ".into();
    p.age = 200;
    let err = p.create(&db).await.unwrap_err();
    let Error::Validation(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(errors.len(), 2);
    assert!(Pet::get(Pet::key("bad"))
        .consistent()
        .exec(&db)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn updates_run_every_action_on_top_level_and_nested_paths() {
    let db = setup().await;
    pet("u").create(&db).await.unwrap();
    let f = Pet::fields();
    let p = Pet::update(Pet::key("u"))
        .set(f.name.clone(), "  Rex ")
        .add(f.age.clone(), 2u32)
        .set(f.address.city.clone(), "Shelbyville")
        .set(f.meta.key("color"), "black".to_owned())
        .set_if_not_exists(f.odd.clone(), "ignored")
        .append(f.scores.clone(), [4, 5])
        .add(f.tags.clone(), BTreeSet::from(["new".to_owned()]))
        .remove(f.status.clone())
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(p.name, "Rex", "the set transform ran on the update value");
    assert_eq!(p.age, 5);
    assert_eq!(p.address.as_ref().unwrap().city, "Shelbyville");
    assert_eq!(p.meta["color"], "black");
    assert_eq!(p.odd.as_deref(), Some("x"));
    assert_eq!(p.scores, [1, 2, 3, 4, 5]);
    assert!(p.tags.contains("new") && p.tags.contains("cute"));
    assert_eq!(p.status, None);
    assert_eq!(p.version, 2, "the version moved");

    let p = Pet::update(Pet::key("u"))
        .subtract(f.age.clone(), 1u32)
        .prepend(f.scores.clone(), [0])
        .delete(f.tags.clone(), BTreeSet::from(["cute".to_owned()]))
        .set(f.scores.at(1), 100u32)
        .exec(&db)
        .await;
    // `prepend` and `set(scores[1])` overlap: refused before sending.
    assert!(matches!(p, Err(Error::InvalidRequest(_))), "{p:?}");

    let p = Pet::update(Pet::key("u"))
        .subtract(f.age.clone(), 1u32)
        .prepend(f.scores.clone(), [0])
        .delete(f.tags.clone(), BTreeSet::from(["cute".to_owned()]))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(p.age, 4);
    assert_eq!(p.scores, [0, 1, 2, 3, 4, 5]);
    assert!(!p.tags.contains("cute"));
}

#[tokio::test]
async fn update_values_are_validated_and_a_missing_key_creates_nothing() {
    let db = setup().await;
    pet("w").create(&db).await.unwrap();
    let f = Pet::fields();
    let err = Pet::update(Pet::key("w"))
        .set(f.name.clone(), "   ")
        .set(f.age.clone(), 101u32)
        .exec(&db)
        .await
        .unwrap_err();
    let Error::Validation(errors) = err else {
        panic!("{err:?}")
    };
    let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["name", "age"]);

    let err = Pet::update(Pet::key("ghost"))
        .set(f.age.clone(), 1u32)
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert!(Pet::get(Pet::key("ghost"))
        .consistent()
        .exec(&db)
        .await
        .unwrap()
        .is_none());

    let created = Pet::update(Pet::key("ghost"))
        .set(f.name.clone(), "Ghost")
        .set(f.owner.clone(), "nobody")
        .upsert()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(created.name, "Ghost");
    assert_eq!(created.version, 1);
}

#[tokio::test]
async fn conditions_guard_writes_and_report_the_stored_item() {
    let db = setup().await;
    pet("c").create(&db).await.unwrap();
    let f = Pet::fields();
    let err = Pet::update(Pet::key("c"))
        .set(f.age.clone(), 9u32)
        .condition(f.age.gt(50u32))
        .exec(&db)
        .await
        .unwrap_err();
    let Error::ConditionFailed {
        item: Some(item), ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(item.get("age"), Some(&AttributeValue::N("3".into())));

    let err = Pet::update(Pet::key("c"))
        .set(f.age.clone(), 9u32)
        .expect_version(7)
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::VersionConflict { expected: 7, .. }),
        "{err:?}"
    );

    let err = Pet::delete(Pet::key("c"))
        .condition(f.owner.eq("someone else"))
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConditionFailed { .. }), "{err:?}");
    assert!(Pet::delete(Pet::key("c"))
        .condition(f.owner.eq("rachel"))
        .exec(&db)
        .await
        .unwrap()
        .is_some());
}

/// Runs `condition` as the condition of an update on a fresh pet: whether it held.
async fn holds(db: &Db, id: &str, condition: Condition<Pet>) -> bool {
    let f = Pet::fields();
    match Pet::update(Pet::key(id))
        .add(f.age.clone(), 0u32)
        .condition(condition)
        .exec(db)
        .await
    {
        Ok(_) => true,
        Err(Error::ConditionFailed { .. }) => false,
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn every_operator_on_reserved_words_nested_paths_and_odd_names() {
    let db = setup().await;
    pet("o").create(&db).await.unwrap();
    let f = Pet::fields();
    let cases: Vec<(&str, Condition<Pet>, bool)> = vec![
        ("eq", f.age.eq(3u32), true),
        ("ne", f.age.ne(3u32), false),
        ("lt", f.age.lt(4u32), true),
        ("le", f.age.le(2u32), false),
        ("gt", f.age.gt(2u32), true),
        ("ge", f.age.ge(4u32), false),
        ("between", f.age.between(1u32, 3u32), true),
        ("is_in", f.owner.is_in(["a", "rachel"]), true),
        ("begins_with", f.name.begins_with("Bee"), true),
        ("contains set", f.tags.contains("cute"), true),
        ("contains string", f.name.contains("eeb"), true),
        ("not_contains", f.tags.not_contains("cute"), false),
        ("contains list", f.scores.contains(2u32), true),
        ("exists", f.address.exists(), true),
        ("not_exists", f.address.not_exists(), false),
        ("attribute_type", f.tags.attribute_type(AttrType::Ss), true),
        (
            "attribute_type wrong",
            f.age.attribute_type(AttrType::S),
            false,
        ),
        ("size", f.tags.size().eq(2), true),
        ("size between", f.name.size().between(1, 4), false),
        ("reserved status", f.status.eq("active"), true),
        ("reserved size", f.size.eq(10u32), true),
        ("dots, dashes, spaces", f.odd.eq("x"), true),
        ("nested", f.address.city.eq("Springfield"), true),
        ("list element", f.scores.at(1).eq(2u32), true),
        (
            "map entry",
            f.meta.key("color").eq("brown".to_owned()),
            true,
        ),
        (
            "compare attributes",
            f.name.cmp_attr(Cmp::Ne, &f.owner),
            true,
        ),
        ("and", f.age.eq(3u32) & f.owner.eq("rachel"), true),
        ("or", f.age.eq(4u32) | f.owner.eq("rachel"), true),
        ("not", !f.age.eq(3u32), false),
        (
            "raw",
            Condition::raw(
                "#a = :three",
                [("#a", "age")],
                [(":three", AttributeValue::N("3".into()))],
            ),
            true,
        ),
        (
            "expression syntax as data",
            f.owner.eq(") OR attribute_exists(id"),
            false,
        ),
    ];
    for (what, condition, expected) in cases {
        assert_eq!(holds(&db, "o", condition).await, expected, "{what}");
    }
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "notes", hooks)]
pub struct Note {
    #[dynomodel(hash_key)]
    pub id: String,
    pub body: String,
    #[serde(skip)]
    pub loaded: bool,
}

#[dynomodel::async_trait]
impl Hooks for Note {
    async fn after_load(&mut self) -> Result<()> {
        self.loaded = true;
        Ok(())
    }
    async fn before_delete(key: &Key<Self>) -> Result<()> {
        if key.item().get("id") == Some(&AttributeValue::S("keep".into())) {
            return Err(Error::InvalidRequest("this note is kept".into()));
        }
        Ok(())
    }
}

#[tokio::test]
async fn after_load_runs_on_reads_and_before_delete_can_refuse() {
    let db = common::db().await;
    Note::create_table().exec(&db).await.unwrap();
    for id in ["a", "keep"] {
        let mut n = Note {
            id: id.into(),
            body: "b".into(),
            loaded: false,
        };
        n.create(&db).await.unwrap();
        assert!(!n.loaded);
    }
    let got = Note::get(Note::key("a")).exec(&db).await.unwrap().unwrap();
    assert!(got.loaded, "after_load ran on get");
    let all = Note::scan().all(&db).await.unwrap();
    assert!(all.iter().all(|n| n.loaded), "after_load ran on scan");
    let err = Note::delete(Note::key("keep")).exec(&db).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(
        Note::get(Note::key("keep"))
            .exec(&db)
            .await
            .unwrap()
            .is_some(),
        "nothing deleted"
    );

    // A transaction runs the hook too: one refused delete stops the whole transaction.
    let err = Transaction::new()
        .delete(Note::delete(Note::key("a")))
        .delete(Note::delete(Note::key("keep")))
        .exec(&db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("this note is kept"), "{err}");
    for id in ["a", "keep"] {
        let stored = Note::get(Note::key(id)).exec(&db).await.unwrap();
        assert!(stored.is_some(), "{id} is still stored");
    }
    Transaction::new()
        .delete(Note::delete(Note::key("a")))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(Note::get(Note::key("a")).exec(&db).await.unwrap(), None);
}

/// A table that does not exist is named in the error, with the `Db`'s prefix, whatever the
/// operation: DynamoDB's own message names no table.
#[tokio::test]
async fn a_missing_table_is_named_with_its_prefix() {
    use crate::lambda::pets_api::Pet;
    let db = common::db().await;
    let want = format!("table `{}` does not exist", db.table_name(Pet::TABLE));
    let f = Pet::fields();
    let errors = [
        Pet::get(Pet::key("1")).exec(&db).await.unwrap_err(),
        Pet::update(Pet::key("1"))
            .set(f.age, 3u32)
            .exec(&db)
            .await
            .unwrap_err(),
        Pet::delete(Pet::key("1")).exec(&db).await.unwrap_err(),
        Pet::query(f.owner.eq("ann")).exec(&db).await.unwrap_err(),
        Pet::scan().exec(&db).await.unwrap_err(),
    ];
    for e in errors {
        assert!(e.to_string().contains(&want), "{e}");
    }
}
