//! Attacks on native multi-attribute index keys: each test names what must never happen,
//! then tries to make it happen against DynamoDB Local.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

/// A model of its own table with two native indexes that share their leading attributes.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "adv_native_orders",
    gsi(name = "by_status", pk = [tenant, status], sk = [placed_at, number]),
    gsi(name = "by_tenant", pk = [tenant], sk = [placed_at])
)]
pub struct Order {
    #[dynomodel(hash_key)]
    pub id: String,
    pub tenant: String,
    pub status: String,
    pub placed_at: i64,
    pub number: Option<u32>,
}

fn order(id: &str, status: &str, placed_at: i64, number: Option<u32>) -> Order {
    Order {
        id: id.into(),
        tenant: "t1".into(),
        status: status.into(),
        placed_at,
        number,
    }
}

async fn orders_db() -> Db {
    let db = common::db().await;
    Order::create_table().exec(&db).await.unwrap();
    db
}

fn refused(e: &Error) -> bool {
    matches!(e, Error::InvalidRequest(_) | Error::Validation(_))
}

/// Never: a save that DynamoDB refuses because a key attribute of a native index is an empty
/// string; it is refused before sending, naming the attribute.
#[tokio::test]
async fn an_empty_string_in_a_native_key_attribute_is_refused_naming_it() {
    let db = orders_db().await;
    let err = order("o1", "", 1, Some(1)).save(&db).await.unwrap_err();
    assert!(
        refused(&err) && err.to_string().contains("status"),
        "{err:?}"
    );
    // A batch and a transaction meet the same check.
    let err = Order::batch_put(vec![order("o2", "", 1, None)])
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        refused(&err) && err.to_string().contains("status"),
        "{err:?}"
    );
    // An update that sets it to an empty string.
    order("o3", "open", 1, Some(1)).save(&db).await.unwrap();
    let f = Order::fields();
    let err = Order::update(Order::key("o3"))
        .set(&f.status, "")
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        refused(&err) && err.to_string().contains("status"),
        "{err:?}"
    );
}

/// An update that removes one key attribute of a native index takes the item out of the
/// index, without an error.
#[tokio::test]
async fn removing_one_key_attribute_leaves_the_index() {
    let db = orders_db().await;
    order("o1", "open", 1, Some(1)).save(&db).await.unwrap();
    let f = Order::fields();
    Order::update(Order::key("o1"))
        .remove(&f.number)
        .exec(&db)
        .await
        .unwrap();
    let q = Order::query(f.tenant.eq("t1") & f.status.eq("open"));
    assert!(q.all(&db).await.unwrap().is_empty());
    Order::update(Order::key("o1"))
        .set(&f.number, Some(4u32))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(q.all(&db).await.unwrap().len(), 1);
}

/// Never: a query that DynamoDB refuses is sent. A `between` with its bounds reversed
/// (DynamoDB: "the BETWEEN operator requires upper bound to be greater than or equal to
/// lower bound") is refused by `to_request`, naming the attribute.
#[tokio::test]
async fn a_between_with_reversed_bounds_is_refused_before_sending() {
    let db = orders_db().await;
    let f = Order::fields();
    let q = Order::query(f.tenant.eq("t1") & f.status.eq("open"))
        .range(f.placed_at.eq(1i64) & f.number.between(5u32, 1u32));
    let err = q.to_request().unwrap_err();
    assert!(err.to_string().contains("number"), "{err}");
    let q = Order::query(f.tenant.eq("t1") & f.status.eq("open"))
        .range(f.placed_at.between(10i64, -5i64));
    assert!(q.to_request().is_err());
    // Equal bounds and ordered ones are fine: numbers by value, not by text.
    let q = Order::query(f.tenant.eq("t1") & f.status.eq("open"))
        .range(f.placed_at.between(-10i64, 9i64));
    q.all(&db).await.unwrap();
}

/// Never: a refusal that panics or lets through a condition DynamoDB refuses: `ne`, `in`,
/// `or`, a non-key attribute in `.range`, a condition twice.
#[test]
fn key_conditions_that_dynamodb_refuses_are_refused() {
    let f = Order::fields();
    let open = || f.tenant.eq("t1") & f.status.eq("open");
    for range in [
        f.placed_at.ne(1i64),
        f.placed_at.is_in([1i64, 2]),
        f.placed_at.eq(1i64) | f.placed_at.eq(2i64),
        f.id.eq("x"),
        f.placed_at.eq(1i64) & f.placed_at.gt(0i64),
        !f.placed_at.eq(1i64),
    ] {
        let q = Order::query(open()).range(range);
        assert!(q.to_request().is_err());
    }
    assert!(Order::query(f.tenant.eq("t1") | f.status.eq("open"))
        .to_request()
        .is_err());
}

/// Never: a cursor of one index accepted for another, or for the table.
#[tokio::test]
async fn a_cursor_of_one_index_is_refused_by_another() {
    let db = orders_db().await;
    for n in 0..4 {
        order(&format!("o{n}"), "open", n, Some(1))
            .save(&db)
            .await
            .unwrap();
    }
    let f = Order::fields();
    let page = Order::query(f.tenant.eq("t1") & f.status.eq("open"))
        .limit(1)
        .exec(&db)
        .await
        .unwrap();
    let cursor = page.next.unwrap();
    let text: Cursor = cursor.to_string().parse().unwrap();
    // by_tenant's keys (tenant, placed_at, id) are a part of by_status's.
    let other = Order::query(f.tenant.eq("t1"))
        .start_at(Some(text.clone()))
        .exec(&db)
        .await;
    assert!(other.is_err(), "{other:?}");
    let table = Order::scan().start_at(Some(text)).exec(&db).await;
    assert!(table.is_err(), "{table:?}");
}

/// A model of a shared table: a native index that holds only the keys, filled by two
/// entities.
pub mod keys_only {
    use super::*;

    #[derive(Table)]
    #[dynomodel(name = "adv_shop", pk = "pk", sk = "sk",
                gsi(name = "by_status", pk = [status: S], sk = [placed_at: N], projection = keys_only))]
    pub struct Shop;

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Shop, entity = "order", pk = "ORDER#{number}", sk = "ORDER",
                native(by_status))]
    pub struct Order {
        pub number: u32,
        pub status: String,
        pub placed_at: i64,
    }

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Shop, entity = "invoice", pk = "INVOICE#{number}", sk = "INVOICE",
                native(by_status))]
    pub struct Invoice {
        pub number: u32,
        pub status: String,
        pub placed_at: i64,
    }

    #[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub struct Placed {
        pub placed_at: i64,
    }
}

/// Never: a query through a shared native index answers another entity's item, whatever
/// the index holds: count, a projection, hydrate, a scan of the index.
#[tokio::test]
async fn a_keys_only_native_index_never_answers_another_entity() {
    use keys_only::*;
    let db = common::db().await;
    Shop::create_table().exec(&db).await.unwrap();
    for n in 0..3 {
        Order {
            number: n,
            status: "open".into(),
            placed_at: n.into(),
        }
        .create(&db)
        .await
        .unwrap();
        Invoice {
            number: n,
            status: "open".into(),
            placed_at: n.into(),
        }
        .create(&db)
        .await
        .unwrap();
    }
    let f = Order::fields();
    let q = Order::query(f.status.eq("open"));
    assert_eq!(q.clone().hydrate().all(&db).await.unwrap().len(), 3);
    // A count of an index that does not hold every attribute is refused (as for any such
    // index); where it answers, it counts the orders alone.
    let counted = q.count(&db).await;
    assert!(
        matches!(counted, Ok(3) | Err(Error::InvalidRequest(_))),
        "{counted:?}"
    );
    let projected = q.clone().project::<Placed>().all(&db).await.unwrap();
    assert_eq!(projected.len(), 3, "{projected:?}");
    let by_status = Order::index("by_status").unwrap();
    let scanned = Order::scan()
        .index(by_status)
        .project::<Placed>()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(scanned.len(), 3, "{scanned:?}");
    let counted = Order::scan().index(by_status).count(&db).await;
    assert!(
        matches!(counted, Ok(3) | Err(Error::InvalidRequest(_))),
        "{counted:?}"
    );
    // The index holds the keys and the entity attribute, which tells the entities apart.
    let ct = Shop::create_table().to_request().unwrap();
    let p = ct.global_secondary_indexes()[0].projection().unwrap();
    assert_eq!(p.non_key_attributes(), ["_et"]);
}

/// A shared table whose native index keys a number, and models that write its attribute in
/// ways the derive cannot see: a serde enum, an `extra` map.
pub mod typed {
    use super::*;

    #[derive(Table)]
    #[dynomodel(name = "adv_typed", pk = "pk", sk = "sk",
                gsi(name = "by_level", pk = [level: N]))]
    pub struct Typed;

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    pub enum Level {
        Low,
        High,
    }

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Typed, entity = "alarm", pk = "ALARM#{id}", sk = "ALARM")]
    pub struct Alarm {
        pub id: String,
        pub level: Level,
    }

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = Typed, entity = "note", pk = "NOTE#{id}", sk = "NOTE")]
    pub struct Note {
        pub id: String,
        #[dynomodel(extra)]
        #[serde(skip)]
        pub extra: HashMap<String, AttributeValue>,
    }
}

/// Never: a write that DynamoDB refuses because an attribute's type is not the native index
/// key's: refused before sending, naming the attribute and the index.
#[tokio::test]
async fn a_value_of_another_type_than_the_native_key_is_refused_naming_it() {
    use typed::*;
    let db = common::db().await;
    Typed::create_table().exec(&db).await.unwrap();
    let err = Alarm {
        id: "a".into(),
        level: Level::High,
    }
    .save(&db)
    .await
    .unwrap_err();
    assert!(
        refused(&err) && err.to_string().contains("level"),
        "{err:?}"
    );
    let err = Alarm::update(Alarm::key("a"))
        .set(&Alarm::fields().level, Level::Low)
        .upsert()
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        refused(&err) && err.to_string().contains("level"),
        "{err:?}"
    );
    let mut note = Note {
        id: "n".into(),
        extra: HashMap::from([("level".to_owned(), AttributeValue::S("high".into()))]),
    };
    let err = note.save(&db).await.unwrap_err();
    assert!(
        refused(&err) && err.to_string().contains("level"),
        "{err:?}"
    );
    // A number is taken.
    Note {
        id: "m".into(),
        extra: HashMap::from([("level".to_owned(), AttributeValue::N("3".into()))]),
    }
    .save(&db)
    .await
    .unwrap();
}

/// The same table before and after the order of a native index's partition attributes
/// changed, and after the type of a sort attribute changed.
pub mod reordered {
    use super::*;

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = "adv_reordered", gsi(name = "by_status", pk = [tenant, status], sk = [placed_at]))]
    pub struct V1 {
        #[dynomodel(hash_key)]
        pub id: String,
        pub tenant: String,
        pub status: String,
        pub placed_at: i64,
    }

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = "adv_reordered", gsi(name = "by_status", pk = [status, tenant], sk = [placed_at]))]
    pub struct V2 {
        #[dynomodel(hash_key)]
        pub id: String,
        pub tenant: String,
        pub status: String,
        pub placed_at: i64,
    }

    #[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(table = "adv_reordered", gsi(name = "by_status", pk = [tenant, status], sk = [placed_at]))]
    pub struct V3 {
        #[dynomodel(hash_key)]
        pub id: String,
        pub tenant: String,
        pub status: String,
        pub placed_at: String,
    }
}

/// Never: a plan that says a native index matches when its key attributes' order or types
/// changed in the model.
#[tokio::test]
async fn a_native_index_whose_keys_changed_is_never_planned_as_matching() {
    use dynomodel::schema::migrate::plan;
    use reordered::*;
    let db = common::schema_db().await;
    V1::create_table().exec(&db).await.unwrap();
    assert!(plan(&V1::create_table(), &db)
        .await
        .unwrap()
        .changes
        .is_empty());
    let order = plan(&V2::create_table(), &db).await.unwrap();
    assert!(!order.changes.is_empty(), "the order changed: {order}");
    let types = plan(&V3::create_table(), &db).await.unwrap();
    assert!(!types.changes.is_empty(), "a type changed: {types}");
    eprintln!("{order}\n{types}");
}
