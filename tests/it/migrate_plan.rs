//! The plan sees every difference that DescribeTable shows: a plan that says "nothing to do"
//! where the table and the model differ would be trusted with production. Each test makes a
//! table of one version of a model and plans the next.

use aws_sdk_dynamodb::types::{StreamViewType, TimeToLiveStatus};
use dynomodel::prelude::*;
use dynomodel::schema::migrate::{plan, Change};
use serde::{Deserialize, Serialize};

use crate::common;

macro_rules! model {
    ($m:ident, [$($attr:tt)*], $($field:tt)*) => {
        mod $m {
            use super::*;
            #[derive(Model, Serialize, Deserialize, Debug, Clone)]
            #[dynomodel($($attr)*)]
            pub struct Item { $($field)* }
        }
    };
}

model!(key_s, [table = "keys"], #[dynomodel(hash_key)] pub id: String,);
model!(key_n, [table = "keys"], #[dynomodel(hash_key)] pub id: u64,);
model!(gsi_s, [table = "gkeys", gsi(name = "by_owner", hash = "owner")],
    #[dynomodel(hash_key)] pub id: String, pub owner: String,);
model!(gsi_n, [table = "gkeys", gsi(name = "by_owner", hash = "owner")],
    #[dynomodel(hash_key)] pub id: String, pub owner: u64,);
model!(inc_1, [table = "inc", gsi(name = "by_owner", hash = "owner", projection = include("name"))],
    #[dynomodel(hash_key)] pub id: String, pub owner: String, pub name: String, pub age: u32,);
model!(inc_2, [table = "inc", gsi(name = "by_owner", hash = "owner", projection = include("name", "age"))],
    #[dynomodel(hash_key)] pub id: String, pub owner: String, pub name: String, pub age: u32,);
model!(lsi_0, [table = "lsi"],
    #[dynomodel(hash_key)] pub id: String, #[dynomodel(range_key)] pub at: String, pub age: u32,);
model!(lsi_1, [table = "lsi", lsi(name = "by_age", range = "age")],
    #[dynomodel(hash_key)] pub id: String, #[dynomodel(range_key)] pub at: String, pub age: u32,);
model!(lsi_2, [table = "lsi", lsi(name = "by_age", range = "age", projection = keys_only)],
    #[dynomodel(hash_key)] pub id: String, #[dynomodel(range_key)] pub at: String, pub age: u32,);
model!(ttl_1, [table = "ttl"], #[dynomodel(hash_key)] pub id: String,
    #[dynomodel(ttl)] pub expires: Option<i64>, pub ends: Option<i64>,);
model!(ttl_2, [table = "ttl"], #[dynomodel(hash_key)] pub id: String,
    pub expires: Option<i64>, #[dynomodel(ttl)] pub ends: Option<i64>,);

fn blocked_text(p: &dynomodel::schema::migrate::Plan) -> String {
    p.changes
        .iter()
        .filter_map(|c| match c {
            Change::Blocked(why) => Some(why.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn a_key_that_changes_type_is_blocked() {
    let db = common::schema_db().await;
    key_s::Item::create_table().exec(&db).await.unwrap();
    let p = plan(&key_n::Item::create_table(), &db).await.unwrap();
    let why = blocked_text(&p);
    assert!(
        why.contains("id (HASH, S)") && why.contains("id (HASH, N)"),
        "{p}"
    );
    assert!(p.apply(&db, true).await.is_err());

    gsi_s::Item::create_table().exec(&db).await.unwrap();
    let p = plan(&gsi_n::Item::create_table(), &db).await.unwrap();
    let why = blocked_text(&p);
    assert!(
        why.contains("by_owner") && why.contains("owner (HASH, N)"),
        "{p}"
    );
}

#[tokio::test]
async fn the_attributes_of_an_include_projection_are_compared() {
    let db = common::schema_db().await;
    inc_1::Item::create_table().exec(&db).await.unwrap();
    assert!(plan(&inc_1::Item::create_table(), &db)
        .await
        .unwrap()
        .changes
        .is_empty());
    let p = plan(&inc_2::Item::create_table(), &db).await.unwrap();
    let why = blocked_text(&p);
    assert!(
        why.contains("INCLUDE [name]") && why.contains("INCLUDE [age, name]"),
        "{p}"
    );
}

#[tokio::test]
async fn local_indexes_added_removed_or_changed_need_a_new_table() {
    let db = common::schema_db().await;
    lsi_1::Item::create_table().exec(&db).await.unwrap();
    assert!(plan(&lsi_1::Item::create_table(), &db)
        .await
        .unwrap()
        .changes
        .is_empty());
    for (p, word) in [
        (
            plan(&lsi_0::Item::create_table(), &db).await.unwrap(),
            "does not declare",
        ),
        (
            plan(&lsi_2::Item::create_table(), &db).await.unwrap(),
            "KEYS_ONLY",
        ),
    ] {
        let why = blocked_text(&p);
        assert!(why.contains("by_age") && why.contains(word), "{p}");
        assert!(
            p.to_string().contains("copy the items"),
            "the copy path: {p}"
        );
        assert!(p.apply(&db, true).await.is_err());
    }
}

#[tokio::test]
async fn billing_mode_and_throughput_are_planned_and_applied() {
    let db = common::schema_db().await;
    gsi_s::Item::create_table()
        .provisioned(5, 5)
        .exec(&db)
        .await
        .unwrap();
    assert!(plan(&gsi_s::Item::create_table().provisioned(5, 5), &db)
        .await
        .unwrap()
        .changes
        .is_empty());
    for want in [
        gsi_s::Item::create_table().provisioned(7, 3),
        gsi_s::Item::create_table(),
        gsi_s::Item::create_table().provisioned(2, 2),
    ] {
        let p = plan(&want, &db).await.unwrap();
        assert!(p.to_string().contains("bill"), "{p}");
        p.apply(&db, false).await.unwrap();
        let again = plan(&want, &db).await.unwrap();
        assert!(again.changes.is_empty(), "{again}");
    }
}

#[tokio::test]
async fn a_ttl_moved_to_another_attribute_is_turned_off_then_on() {
    let db = common::schema_db().await;
    ttl_1::Item::create_table().exec(&db).await.unwrap();
    let p = plan(&ttl_2::Item::create_table(), &db).await.unwrap();
    let text = p.to_string();
    assert!(text.contains("move TTL from `expires` to `ends`"), "{text}");
    p.apply(&db, false).await.unwrap();
    let ttl = db
        .client()
        .describe_time_to_live()
        .table_name(db.table_name("ttl"))
        .send()
        .await
        .unwrap();
    let d = ttl.time_to_live_description().unwrap();
    assert_eq!(d.attribute_name(), Some("ends"));
    assert_eq!(d.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
    assert!(plan(&ttl_2::Item::create_table(), &db)
        .await
        .unwrap()
        .changes
        .is_empty());
}

#[tokio::test]
async fn a_stream_of_another_view_says_its_consumers_must_be_repointed() {
    let db = common::schema_db().await;
    key_s::Item::create_table()
        .stream(StreamViewType::NewImage)
        .exec(&db)
        .await
        .unwrap();
    let want = key_s::Item::create_table().stream(StreamViewType::NewAndOldImages);
    let p = plan(&want, &db).await.unwrap();
    let text = p.to_string();
    assert!(
        text.contains("new ARN") && text.contains("re-point"),
        "{text}"
    );
    p.apply(&db, false).await.unwrap();
    assert!(plan(&want, &db).await.unwrap().changes.is_empty());
}
