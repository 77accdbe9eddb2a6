//! `#[derive(Model)]` and `#[derive(Document)]`: schema, rules, save order and codec.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::model::{prepare_save, IndexKind, Projection};
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "pets")]
#[dynomodel(gsi(name = "by_owner", hash = "owner", range = "name", projection = keys_only))]
#[dynomodel(hooks)]
pub struct Pet {
    #[dynomodel(hash_key)]
    pub id: String,
    #[dynomodel(set = "trim", validate(length(min = 1, max = 64)))]
    pub name: String,
    #[dynomodel(default = 0, validate(range(min = 0, max = 100)))]
    pub age: u32,
    pub owner: String,
    #[dynomodel(string_set)]
    pub tags: BTreeSet<String>,
    pub address: Option<Address>,
    #[dynomodel(version)]
    pub version: u64,
    #[dynomodel(created_at)]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[dynomodel(updated_at)]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
    #[dynomodel(ttl)]
    pub expires_at: Option<i64>,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Address {
    #[dynomodel(validate(length(min = 1)))]
    pub street: String,
    pub city: String,
}

#[dynomodel::async_trait]
impl Hooks for Pet {
    async fn before_save(&mut self) -> Result<()> {
        if self.owner == "nobody" {
            return Err(Error::InvalidRequest("a pet needs an owner".into()));
        }
        // Runs after the set transforms: the name is already trimmed here.
        self.tags.insert(format!("name-len-{}", self.name.len()));
        Ok(())
    }
}

fn pet() -> Pet {
    Pet {
        id: "1".into(),
        name: "  Beeba ".into(),
        age: 3,
        owner: "rachel".into(),
        tags: ["cute".to_owned()].into(),
        address: Some(Address {
            street: "1 Main St".into(),
            city: "Springfield".into(),
        }),
        version: 0,
        created_at: None,
        updated_at: None,
        expires_at: None,
    }
}

#[test]
fn the_schema_comes_from_the_attributes() {
    assert_eq!(Pet::TABLE, "pets");
    assert_eq!(<Pet as dynomodel::Model>::HASH_KEY, "id");
    assert_eq!(<Pet as dynomodel::Model>::RANGE_KEY, None);
    assert_eq!(<Pet as dynomodel::Model>::VERSION, Some("version"));
    assert_eq!(<Pet as dynomodel::Model>::TTL, Some("expires_at"));
    let index = Pet::BY_OWNER;
    assert_eq!(index.name, "by_owner");
    assert_eq!(index.kind, IndexKind::Global);
    assert_eq!((index.hash_key, index.range_key), ("owner", Some("name")));
    assert_eq!(index.projection, Projection::KeysOnly);
    assert_eq!(Pet::index("by_owner").map(|i| i.name), Some("by_owner"));
    assert!(Pet::index("nope").is_none());
    let key = Pet::key("1");
    assert_eq!(key.item().get("id"), Some(&AttributeValue::S("1".into())));
}

#[test]
fn handles_know_their_paths() {
    assert_eq!(Pet::fields().age.path().to_string(), "age");
    assert_eq!(
        Pet::fields().address.city.path().to_string(),
        "address.city"
    );
}

#[tokio::test]
async fn the_save_pipeline_runs_in_dynamoose_order() {
    let mut p = pet();
    let plan = prepare_save(&mut p).await.unwrap();
    assert_eq!(p.name, "Beeba", "set = trim ran");
    assert!(
        p.tags.contains("name-len-5"),
        "the hook saw the trimmed name"
    );
    assert_eq!(p.version, 1);
    assert_eq!(plan.expected_version, Some(0));
    assert!(p.created_at.is_some() && p.updated_at.is_some());
    assert_eq!(
        plan.item.get("name"),
        Some(&AttributeValue::S("Beeba".into()))
    );
    assert_eq!(
        plan.item.get("tags"),
        Some(&AttributeValue::Ss(vec![
            "cute".into(),
            "name-len-5".into()
        ]))
    );
    assert!(!plan.item.contains_key("expires_at"), "None writes nothing");
    let back = Pet::from_item(&plan.item).unwrap();
    assert_eq!(back, p);
}

#[tokio::test]
async fn validation_collects_every_failure_with_its_path() {
    let mut p = pet();
    p.name = "   ".into();
    p.age = 101;
    p.address.as_mut().unwrap().street = String::new();
    let err = prepare_save(&mut p).await.unwrap_err();
    let Error::Validation(errors) = err else {
        panic!("expected a validation error, got {err:?}")
    };
    let paths: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.path.as_str(), e.rule.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("name", "length"),
            ("age", "range"),
            ("address.street", "length")
        ]
    );
    assert_eq!(p.version, 0, "a failed save does not bump the version");
}

#[tokio::test]
async fn a_failing_hook_stops_the_save() {
    let mut p = pet();
    p.owner = "nobody".into();
    let err = prepare_save(&mut p).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}

#[test]
fn decoding_names_the_path_of_what_does_not_fit() {
    let mut item = pet().to_item().unwrap();
    item.insert(
        "address".into(),
        AttributeValue::M(HashMap::from([
            ("street".into(), AttributeValue::N("1".into())),
            ("city".into(), AttributeValue::S("x".into())),
        ])),
    );
    let err = Pet::from_item(&item).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode `address.street`: expected S (string), found N (number)"
    );
    item.remove("owner");
    let err = Pet::from_item(&item).unwrap_err();
    assert!(
        matches!(&err, Error::Decode { path, .. } if path == "owner"),
        "{err}"
    );
}

#[test]
fn a_missing_attribute_takes_its_default() {
    let mut item = pet().to_item().unwrap();
    item.remove("age");
    item.remove("tags");
    let p = Pet::from_item(&item).unwrap();
    assert_eq!(p.age, 0);
    assert!(p.tags.is_empty());
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Renamed {
    first_name: String,
    #[serde(rename = "LAST")]
    last_name: String,
    kind: Kind,
    scores: Vec<u16>,
    by_day: BTreeMap<String, f64>,
    #[dynomodel(extra)]
    #[serde(skip)]
    extra: HashMap<String, AttributeValue>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Kind {
    Cat,
    Dog { good: bool },
}

#[test]
fn serde_names_enums_by_serde_and_unknown_attributes_are_kept() {
    let r = Renamed {
        first_name: "a".into(),
        last_name: "b".into(),
        kind: Kind::Dog { good: true },
        scores: vec![1, 2],
        by_day: BTreeMap::from([("mon".into(), 1.5)]),
        extra: HashMap::new(),
    };
    let mut item = r.to_item().unwrap();
    assert!(item.contains_key("firstName") && item.contains_key("LAST"));
    assert!(item.contains_key("byDay"));
    item.insert("legacy".into(), AttributeValue::S("kept".into()));
    let back = Renamed::from_item(&item).unwrap();
    assert_eq!(back.kind, Kind::Dog { good: true });
    assert_eq!(
        back.extra.get("legacy"),
        Some(&AttributeValue::S("kept".into()))
    );
    let again = back.to_item().unwrap();
    assert_eq!(again, item, "read, kept, and written back unchanged");
}
