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
pub struct Renamed {
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
pub enum Kind {
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

fn no_spaces(s: &str) -> std::result::Result<(), &'static str> {
    if s.contains(' ') {
        Err("must not contain spaces")
    } else {
        Ok(())
    }
}

fn shout(s: &mut String) {
    s.push('!');
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct Rules {
    #[dynomodel(set = "lowercase", validate(regex = "^[a-z]+$"))]
    handle: String,
    #[dynomodel(set = "uppercase", validate(length(max = 3)))]
    code: Option<String>,
    #[dynomodel(required)]
    must: Option<u8>,
    #[dynomodel(validate(custom = no_spaces))]
    slug: String,
    #[dynomodel(set = shout)]
    greeting: String,
    #[dynomodel(validate(range(min = -1.5, max = 1.5)))]
    ratio: f64,
    #[dynomodel(validate(length(min = 1, max = 2)))]
    list: Vec<u8>,
    #[dynomodel(validate(one_of = [1, 2, 3]))]
    level: Option<i32>,
    addresses: Vec<Address>,
    by_name: BTreeMap<String, Address>,
}

fn addr(street: &str) -> Address {
    Address {
        street: street.into(),
        city: "c".into(),
    }
}

#[test]
fn every_rule_reports_its_path_and_name() {
    let mut r = Rules {
        handle: "Bob Smith".into(),
        code: Some("abcd".into()),
        must: None,
        slug: "a b".into(),
        greeting: "hi".into(),
        ratio: 2.0,
        list: vec![],
        level: Some(7),
        addresses: vec![addr("ok"), addr("")],
        by_name: BTreeMap::from([("home".into(), addr(""))]),
    };
    r.apply_set_transforms();
    assert_eq!(r.handle, "bob smith");
    assert_eq!(r.code.as_deref(), Some("ABCD"));
    assert_eq!(r.greeting, "hi!");
    let Err(Error::Validation(errors)) = r.validate() else {
        panic!("expected validation errors")
    };
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.path.as_str(), e.rule.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("handle", "regex"),
            ("code", "length"),
            ("must", "required"),
            ("slug", "no_spaces"),
            ("ratio", "range"),
            ("list", "length"),
            ("level", "one_of"),
            ("addresses[1].street", "length"),
            ("by_name.home.street", "length"),
        ]
    );
    assert_eq!(
        errors.at("slug").unwrap().message,
        "must not contain spaces"
    );
    assert_eq!(
        errors.at("ratio").unwrap().message,
        "must be -1.5 to 1.5, is 2"
    );
}

#[test]
fn rules_on_an_option_run_only_when_it_is_some() {
    let r = Rules {
        handle: "bob".into(),
        must: Some(1),
        slug: "bob".into(),
        list: vec![1],
        ..Rules::default()
    };
    r.validate().unwrap();
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "events", lsi(name = "by_kind", range = "kind", projection = include("note")))]
struct Event {
    #[dynomodel(hash_key)]
    stream: String,
    #[dynomodel(range_key)]
    seq: u64,
    #[dynomodel(gsi_hash = "by_day")]
    day: String,
    #[dynomodel(gsi_range = "by_day", lsi_range = "by_hour")]
    hour: u8,
    kind: String,
    note: Option<String>,
    #[dynomodel(created_at)]
    created: i64,
    #[dynomodel(updated_at)]
    updated: Option<time::OffsetDateTime>,
    #[dynomodel(ttl)]
    expires: Option<chrono::DateTime<chrono::Utc>>,
    #[dynomodel(epoch)]
    seen: time::OffsetDateTime,
}

fn event() -> Event {
    Event {
        stream: "s".into(),
        seq: 7,
        day: "2024-05-01".into(),
        hour: 13,
        kind: "click".into(),
        note: None,
        created: 0,
        updated: None,
        expires: chrono::DateTime::from_timestamp(1_900_000_000, 0),
        seen: time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
    }
}

#[test]
fn indexes_declared_on_fields_and_on_the_struct() {
    let names: Vec<_> = <Event as dynomodel::Model>::indexes()
        .iter()
        .map(|i| (i.name, i.kind, i.hash_key, i.range_key))
        .collect();
    assert_eq!(
        names,
        [
            ("by_kind", IndexKind::Local, "stream", Some("kind")),
            ("by_day", IndexKind::Global, "day", Some("hour")),
            ("by_hour", IndexKind::Local, "stream", Some("hour")),
        ]
    );
    assert_eq!(Event::BY_KIND.projection, Projection::Include(&["note"]));
    let key = Event::key("s", 7u64);
    assert_eq!(key.item().get("seq"), Some(&AttributeValue::N("7".into())));
    assert_eq!(key.item().len(), 2);
}

#[tokio::test]
async fn created_at_is_set_once_and_updated_at_at_every_save() {
    let mut e = event();
    prepare_save(&mut e).await.unwrap();
    assert!(
        e.created > 1_700_000_000,
        "created_at set at the first save"
    );
    assert!(e.updated.is_some());
    let created = e.created;
    let old = time::OffsetDateTime::from_unix_timestamp(1_000_000_000).unwrap();
    e.updated = Some(old);
    let plan = prepare_save(&mut e).await.unwrap();
    assert_eq!(e.created, created, "created_at kept");
    assert!(e.updated.unwrap() > old, "updated_at moved");
    assert_eq!(
        plan.item.get("expires"),
        Some(&AttributeValue::N("1900000000".into())),
        "a date-time TTL is stored as epoch seconds"
    );
    assert_eq!(
        plan.item.get("seen"),
        Some(&AttributeValue::N("1700000000".into()))
    );
    assert!(matches!(plan.item.get("updated"), Some(AttributeValue::S(s)) if s.ends_with('Z')));
    assert_eq!(plan.expected_version, None, "no version field");
    assert_eq!(Event::from_item(&plan.item).unwrap(), e);
}

#[test]
fn handles_reach_list_elements_and_map_entries() {
    #[derive(Document, Serialize, Deserialize)]
    struct Doc {
        list: Vec<Address>,
        map: HashMap<String, u32>,
        #[serde(rename = "Opt")]
        opt: Option<Address>,
    }
    let f = Doc::fields();
    assert_eq!(f.list.at(2).path().to_string(), "list[2]");
    assert_eq!(f.list.at(2).street.path().to_string(), "list[2].street");
    assert_eq!(f.map.key("k").path().to_string(), "map.k");
    assert_eq!(f.opt.city.path().to_string(), "Opt.city");
}

#[tokio::test]
async fn an_item_over_400_kb_is_refused_before_any_request() {
    let mut p = pet();
    p.owner = "x".repeat(410 * 1024);
    let err = prepare_save(&mut p).await.unwrap_err();
    assert!(
        matches!(err, Error::ItemTooLarge { size } if size > 400 * 1024),
        "{err:?}"
    );
}

#[test]
fn a_wrong_type_in_a_nested_list_names_the_element() {
    let mut item = Rules {
        handle: "a".into(),
        addresses: vec![addr("a"), addr("b")],
        ..Rules::default()
    }
    .to_item()
    .unwrap();
    let Some(AttributeValue::L(list)) = item.get_mut("addresses") else {
        panic!("addresses is a list")
    };
    list[1] = AttributeValue::S("oops".into());
    let err = Rules::from_item(&item).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode `addresses[1]`: expected M (map), found S (string)"
    );
}
