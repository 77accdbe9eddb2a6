//! Named cases of the single-table rules, against DynamoDB Local: an update recomputes an
//! index key from the identifying key, an error names the model's field, conditions that
//! cannot hold read nothing, an `extra` field never carries the table's keys, and a stream
//! handler of one model gets past the records of the others.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use dynomodel::Item;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Table)]
#[dynomodel(
    name = "club",
    pk = "pk",
    sk = "sk",
    gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"),
    gsi(name = "gsi2", pk = "gsi2pk", sk = "gsi2sk")
)]
pub struct Club;

/// Members by the day they joined: the index's sort key holds the table key's `id`.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Club, entity = "member", pk = "MEMBER#{id}", sk = "PROFILE",
            gsi1(pk = "MEMBERS", sk = "SINCE#{since}#{id}"))]
pub struct Member {
    pub id: String,
    pub since: String,
    pub name: String,
}

/// A code whose value may be missing: it writes `NULL` then.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Code(Option<String>);

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Club, entity = "badge", pk = "BADGE", sk = "CODE#{code}")]
pub struct Badge {
    pub code: Code,
}

/// A shared-table model that keeps the attributes it does not declare.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Club, entity = "event", pk = "EVENT#{id}", sk = "EVENT",
            gsi2(pk = "OPEN#{open}", sk = "EVENT#{id}"))]
pub struct Event {
    pub id: String,
    pub open: Option<String>,
    #[dynomodel(extra)]
    #[serde(skip)]
    pub extra: HashMap<String, AttributeValue>,
}

async fn setup() -> Db {
    let db = common::db().await;
    Club::create_table().exec(&db).await.unwrap();
    db
}

async fn raw(db: &Db, pk: &str, sk: &str) -> Item {
    db.client()
        .get_item()
        .table_name(db.table_name("club"))
        .key("pk", AttributeValue::S(pk.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

#[tokio::test]
async fn an_update_composes_an_index_key_with_the_fields_of_the_table_key() {
    let db = setup().await;
    let mut m = Member {
        id: "m1".into(),
        since: "2020".into(),
        name: "Ana".into(),
    };
    m.save(&db).await.unwrap();
    let f = Member::fields();
    Member::update(Member::key("m1"))
        .set(&f.since, "2024")
        .exec(&db)
        .await
        .unwrap();
    let item = raw(&db, "MEMBER#m1", "PROFILE").await;
    assert_eq!(item["gsi1sk"], AttributeValue::S("SINCE#2024#m1".into()));
    assert_eq!(item["gsi1pk"], AttributeValue::S("MEMBERS".into()));
}

#[tokio::test]
async fn a_key_field_without_a_value_is_named() {
    let db = setup().await;
    let err = Badge { code: Code(None) }.save(&db).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("code"), "{text}");
    assert!(
        matches!(&err, Error::Validation(e) if e.iter().any(|e| e.path == "code")),
        "{err:?}"
    );
}

#[tokio::test]
async fn equalities_that_cannot_both_hold_read_nothing() {
    let db = setup().await;
    for id in ["a", "b"] {
        let mut m = Member {
            id: id.into(),
            since: "2020".into(),
            name: id.into(),
        };
        m.save(&db).await.unwrap();
    }
    let f = Member::fields();
    let got = Member::query(f.id.eq("a") & f.id.eq("b")).all(&db).await;
    match got {
        Ok(items) => assert!(items.is_empty(), "{items:?}"),
        Err(e) => assert!(matches!(e, Error::InvalidRequest(_)), "{e}"),
    }
    // The same equality twice is one condition.
    let got = Member::query(f.id.eq("a") & f.id.eq("a"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
}

#[tokio::test]
async fn an_extra_field_never_carries_the_tables_keys() {
    let db = setup().await;
    let mut e = Event {
        id: "e1".into(),
        open: Some("yes".into()),
        extra: HashMap::new(),
    };
    e.save(&db).await.unwrap();
    let mut read = Event::get(Event::key("e1"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    for attr in ["pk", "sk", "gsi2pk", "gsi2sk", "_et"] {
        assert!(!read.extra.contains_key(attr), "{attr} in {:?}", read.extra);
    }
    // Closed: the item leaves the sparse index, and no stale key is written back.
    read.open = None;
    read.save(&db).await.unwrap();
    let item = raw(&db, "EVENT#e1", "EVENT").await;
    assert!(
        !item.contains_key("gsi2pk") && !item.contains_key("gsi2sk"),
        "{item:?}"
    );
    // Keys that an extra map is given by hand are not written either.
    let mut hand = Event {
        id: "e2".into(),
        open: None,
        extra: HashMap::from([("gsi2pk".to_owned(), AttributeValue::S("OPEN#x".into()))]),
    };
    hand.save(&db).await.unwrap();
    assert!(!raw(&db, "EVENT#e2", "EVENT").await.contains_key("gsi2pk"));
}

fn record(
    seq: &str,
    name: &str,
    new: serde_json::Value,
    old: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "eventID": seq, "eventName": name, "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"pk": new.get("pk").or(old.get("pk")).cloned().unwrap_or_default(),
                     "sk": new.get("sk").or(old.get("sk")).cloned().unwrap_or_default()},
            "NewImage": new, "OldImage": old,
            "SequenceNumber": seq, "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    })
}

fn image(item: &Item) -> serde_json::Value {
    let image: serde_dynamo::Item = item.clone().into();
    serde_json::to_value(image).unwrap()
}

/// A stream of the whole table: members, a badge and events.
pub fn club_event() -> aws_lambda_events::dynamodb::Event {
    let m = |id: &str, since: &str| {
        Member {
            id: id.into(),
            since: since.into(),
            name: "Ana".into(),
        }
        .to_item()
        .unwrap()
    };
    let ev = Event {
        id: "e1".into(),
        open: None,
        extra: HashMap::new(),
    }
    .to_item()
    .unwrap();
    let records = vec![
        record(
            "1",
            "INSERT",
            image(&m("m1", "2020")),
            serde_json::json!({}),
        ),
        record("2", "INSERT", image(&ev), serde_json::json!({})),
        record(
            "3",
            "MODIFY",
            image(&m("m1", "2024")),
            image(&m("m1", "2020")),
        ),
        record("4", "REMOVE", serde_json::json!({}), image(&ev)),
        record(
            "5",
            "REMOVE",
            serde_json::json!({}),
            image(&m("m1", "2024")),
        ),
    ];
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

#[tokio::test]
async fn a_stream_handler_of_one_model_gets_past_the_others_records() {
    let event = club_event();
    let mut seen = Vec::new();
    let (answer, error) = dynomodel::lambda::for_each_change::<Member, _, _>(&event, |_, seq| {
        seen.push(seq.to_owned());
        async { Ok(()) }
    })
    .await;
    assert!(answer.is_empty(), "{answer:?} {error:?}");
    assert!(error.is_none());
    assert_eq!(seen, ["1", "3", "5"]);
}

#[derive(Collection, Debug, Clone, PartialEq)]
pub enum Members {
    Member(Member),
}

#[tokio::test]
async fn a_stream_of_the_whole_table_decodes_into_a_collection() {
    use dynomodel::lambda::{for_each_table_change, Others, TableChange};
    let event = club_event();
    for others in [Others::Skip, Others::Report] {
        let mut seen = Vec::new();
        let (answer, error) = for_each_table_change::<Members, _, _>(&event, others, |c, seq| {
            seen.push((seq.to_owned(), c));
            async { Ok(()) }
        })
        .await;
        assert!(answer.is_empty() && error.is_none(), "{answer:?} {error:?}");
        let seqs: Vec<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
        match others {
            Others::Skip => assert_eq!(seqs, ["1", "3", "5"]),
            Others::Report => assert_eq!(seqs, ["1", "2", "3", "4", "5"]),
        }
        for (seq, c) in &seen {
            match (seq.as_str(), c) {
                ("1", TableChange::Insert(Members::Member(m))) => assert_eq!(m.since, "2020"),
                (
                    "3",
                    TableChange::Modify {
                        old: Some(Members::Member(o)),
                        new: Members::Member(n),
                        changed,
                    },
                ) => {
                    assert_eq!((o.since.as_str(), n.since.as_str()), ("2020", "2024"));
                    assert_eq!(changed, &["since"]);
                }
                (
                    "5",
                    TableChange::Remove {
                        old: Some(Members::Member(_)),
                        key,
                    },
                ) => {
                    assert_eq!(key["pk"], AttributeValue::S("MEMBER#m1".into()));
                }
                ("2" | "4", TableChange::Other { entity, .. }) => {
                    assert_eq!(entity.as_deref(), Some("event"))
                }
                other => panic!("{other:?}"),
            }
        }
    }
    // A member's record that does not decode stops the stream there, as for one model.
    let mut bad: serde_json::Value = serde_json::to_value(&event).unwrap();
    bad["Records"][2]["dynamodb"]["NewImage"]["since"] = serde_json::json!({"N": "7"});
    let bad: aws_lambda_events::dynamodb::Event = serde_json::from_value(bad).unwrap();
    let (answer, error) =
        for_each_table_change::<Members, _, _>(&bad, Others::Skip, |_, _| async { Ok(()) }).await;
    assert_eq!(
        answer,
        dynomodel::lambda::BatchItemFailures::from_sequence_number("3")
    );
    assert!(matches!(error, Some(Error::Decode { .. })), "{error:?}");
}
