//! The access patterns of examples/groceries, run against DynamoDB Local, each answer
//! checked; and the items it stores, read back raw.

use chrono::{TimeZone, Utc};
use dynomodel::prelude::*;

#[allow(dead_code)]
#[path = "../../examples/groceries/store.rs"]
mod store;
#[path = "../../examples/groceries/stream.rs"]
mod stream;

use store::*;

use crate::common;

#[tokio::test]
async fn every_access_pattern_answers_as_designed() {
    let db = common::db().await;
    seed(&db).await.unwrap();
    let day = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap();

    assert_eq!(
        customer(&db, "bo").await.unwrap().unwrap().email,
        "bo@example.com"
    );
    let ana = customer_by_email(&db, "ANA@example.com".to_lowercase().as_str())
        .await
        .unwrap();
    assert_eq!(ana.map(|c| c.id), Some("ana".to_owned()));
    let fruit = products_in(&db, "fruit").await.unwrap();
    let skus: Vec<&str> = fruit.iter().map(|p| p.sku.as_str()).collect();
    assert_eq!(skus, ["apple", "kiwi", "pear"], "by sku, milk is dairy");
    let (apples, pears) = (&fruit[0], &fruit[2]);
    let milk = Product::get(Product::key("milk"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();

    let first = place_order(&db, "ana", 1, day(2), &[(apples, 4), (pears, 2)])
        .await
        .unwrap();
    assert_eq!(first.total_cents, 4 * 349 + 2 * 429);
    assert_eq!(
        (
            stock(&db, "apple").await.unwrap(),
            stock(&db, "pear").await.unwrap()
        ),
        (6, 1)
    );
    // Not enough pears: nothing changes, not even the milk.
    let err = place_order(&db, "ana", 2, day(3), &[(&milk, 1), (pears, 2)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TransactionCanceled { reasons } if reasons.len() == 1 && reasons[0].index == 2 && reasons[0].is_condition_failed()),
        "{err}"
    );
    assert_eq!(
        (
            stock(&db, "milk").await.unwrap(),
            stock(&db, "pear").await.unwrap()
        ),
        (5, 1)
    );
    assert!(order_with_lines(&db, 2).await.unwrap().is_empty());
    // An unknown customer: refused.
    assert!(place_order(&db, "cy", 3, day(4), &[(&milk, 1)])
        .await
        .is_err());
    assert_eq!(stock(&db, "milk").await.unwrap(), 5);
    place_order(&db, "ana", 4, day(20), &[(&milk, 2)])
        .await
        .unwrap();
    place_order(&db, "bo", 5, day(21), &[(apples, 1)])
        .await
        .unwrap();

    let view = customer_with_orders(&db, "ana").await.unwrap();
    let shape: Vec<String> = view
        .iter()
        .map(|v| match v {
            CustomerView::Customer(c) => format!("customer {}", c.id),
            CustomerView::Order(o) => format!("order {}", o.number),
        })
        .collect();
    assert_eq!(
        shape,
        ["order 1", "order 4", "customer ana"],
        "by sk: ORDER# before PROFILE"
    );

    let early = orders_between(&db, "ana", day(1), day(10)).await.unwrap();
    assert_eq!(early.iter().map(|o| o.number).collect::<Vec<_>>(), [1]);
    let all = orders_between(&db, "ana", day(1), day(30)).await.unwrap();
    assert_eq!(
        all.iter().map(|o| o.number).collect::<Vec<_>>(),
        [4, 1],
        "newest first"
    );

    let lines = order_with_lines(&db, 1).await.unwrap();
    let shape: Vec<String> = lines
        .iter()
        .map(|v| match v {
            OrderView::Order(o) => format!("order {}", o.number),
            OrderView::Line(l) => format!("{} x {}", l.quantity, l.sku),
        })
        .collect();
    assert_eq!(shape, ["4 x apple", "2 x pear", "order 1"]);

    let numbers = |orders: Vec<Order>| orders.iter().map(|o| o.number).collect::<Vec<_>>();
    assert_eq!(
        numbers(waiting(&db).await.unwrap()),
        [1, 4, 5],
        "oldest first"
    );
    let delivered = deliver(&db, &first).await.unwrap();
    assert_eq!(delivered.status, None);
    assert_eq!(
        numbers(waiting(&db).await.unwrap()),
        [4, 5],
        "left the sparse index"
    );

    // What is stored: keys composed by the templates, the entity, the logical fields.
    let item = db
        .client()
        .get_item()
        .table_name(db.table_name("groceries"))
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S("CUSTOMER#ana".into()),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S(
                "ORDER#2026-11-20T09:00:00.000000000Z#0000000004".into(),
            ),
        )
        .send()
        .await
        .unwrap()
        .item
        .expect("the order under its composed key");
    assert_eq!(item["_et"].as_s().unwrap(), "order");
    assert_eq!(item["gsi1pk"].as_s().unwrap(), "ORDER#0000000004");
    // The native index reads the order's own attributes: nothing composed for it.
    assert_eq!(item["status"].as_s().unwrap(), "PLACED");
    assert!(!item.contains_key("gsi2pk") && !item.contains_key("gsi2sk"));
    assert_eq!(item["customer_id"].as_s().unwrap(), "ana");
}

/// One record of the groceries table's stream.
fn record(
    seq: &str,
    name: &str,
    new: Option<&dynomodel::Item>,
    old: Option<&dynomodel::Item>,
) -> serde_json::Value {
    let image = |i: Option<&dynomodel::Item>| match i {
        Some(i) => serde_json::to_value(serde_dynamo::Item::from(i.clone())).unwrap(),
        None => serde_json::json!({}),
    };
    let keyed = new.or(old).unwrap();
    let key: dynomodel::Item = ["pk", "sk"]
        .iter()
        .map(|k| (k.to_string(), keyed[*k].clone()))
        .collect();
    serde_json::json!({
        "eventID": seq, "eventName": name, "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {"Keys": image(Some(&key)), "NewImage": image(new), "OldImage": image(old),
                     "SequenceNumber": seq, "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    })
}

#[tokio::test]
async fn one_stream_handler_reads_the_whole_table() {
    let day = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let ana = Customer {
        id: "ana".into(),
        name: "Ana".into(),
        email: "ana@example.com".into(),
    }
    .to_item()
    .unwrap();
    let apples = product("apple", "Apples (1 kg)", "fruit", 349, 10)
        .to_item()
        .unwrap();
    let placed = Order {
        customer_id: "ana".into(),
        number: 4,
        placed_at: day,
        total_cents: 698,
        status: Some("PLACED".into()),
    };
    let delivered = Order {
        status: None,
        ..placed.clone()
    };
    let line = Line {
        number: 4,
        sku: "apple".into(),
        quantity: 2,
        price_cents: 349,
    }
    .to_item()
    .unwrap();
    let (placed, delivered) = (placed.to_item().unwrap(), delivered.to_item().unwrap());
    let records = vec![
        record("1", "INSERT", Some(&apples), None),
        record("2", "INSERT", Some(&ana), None),
        record("3", "INSERT", Some(&placed), None),
        record("4", "INSERT", Some(&line), None),
        record("5", "MODIFY", Some(&delivered), Some(&placed)),
        record("6", "REMOVE", None, Some(&line)),
    ];
    let event: aws_lambda_events::dynamodb::Event =
        serde_json::from_value(serde_json::json!({ "Records": records })).unwrap();
    let feed = stream::on_stream(&event).await;
    assert!(feed.failures.is_empty(), "{feed:?}");
    assert_eq!(feed.customers_joined, ["ana"]);
    assert_eq!(feed.orders_placed, [4]);
    assert_eq!(feed.status_changes, [(4, Some("PLACED".to_owned()), None)]);
    assert_eq!(
        feed.removed, 0,
        "the line's removal is another entity's record"
    );
    assert_eq!(
        feed.others,
        std::collections::BTreeMap::from([("line".to_owned(), 2), ("product".to_owned(), 1)])
    );
}
