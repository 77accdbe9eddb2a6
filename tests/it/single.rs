//! Single-table design against DynamoDB Local: one table declared once, key templates, the
//! entity attribute, collections, range conditions on templated sort keys, and batches and
//! transactions across entities. Each write is read back with a raw GetItem.

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use dynomodel::Item;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", sk = "sk", entity_attr = "_et",
            gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"),
            gsi(name = "gsi2", pk = "gsi2pk", sk = "gsi2sk", projection = include("number")))]
pub struct Shop;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shop, entity = "customer", pk = "CUSTOMER#{id}", sk = "PROFILE",
            gsi1(pk = "EMAIL#{email}", sk = "NAME#{last_name}#{first_name}"))]
pub struct Customer {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    #[dynomodel(set = "lowercase")]
    pub email: String,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shop, entity = "order",
            pk = "CUSTOMER#{customer_id}", sk = "ORDER#{placed_at}#{number}",
            gsi2(pk = "STATUS#{status}", sk = "{placed_at}"))]
pub struct Order {
    pub customer_id: String,
    pub number: u32,
    pub placed_at: String,
    pub total_cents: u64,
    pub status: Option<String>,
}

/// Another entity whose key templates are the customer's: under `CUSTOMER#x`/`PROFILE`
/// either may be stored.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shop, entity = "member", pk = "CUSTOMER#{id}", sk = "PROFILE")]
pub struct Member {
    pub id: String,
    pub level: u8,
}

/// A note in a customer's partition, which `CustomerView` does not list.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Shop, entity = "note", pk = "CUSTOMER#{customer_id}", sk = "NOTE#{n}")]
pub struct Note {
    pub customer_id: String,
    pub n: u16,
    pub text: String,
}

#[derive(Collection, Debug, Clone, PartialEq)]
pub enum CustomerView {
    Customer(Customer),
    Order(Order),
}

fn customer(id: &str) -> Customer {
    Customer {
        id: id.into(),
        first_name: "Ana".into(),
        last_name: "Lima".into(),
        email: format!("{id}@Example.com"),
    }
}

fn order(customer_id: &str, number: u32, placed_at: &str, status: Option<&str>) -> Order {
    Order {
        customer_id: customer_id.into(),
        number,
        placed_at: placed_at.into(),
        total_cents: u64::from(number) * 100,
        status: status.map(str::to_owned),
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

async fn raw_get(db: &Db, pk: &str, sk: &str) -> Option<Item> {
    db.client()
        .get_item()
        .table_name(db.table_name("shop"))
        .key("pk", s(pk))
        .key("sk", s(sk))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

async fn raw_count(db: &Db) -> usize {
    let out = db
        .client()
        .scan()
        .table_name(db.table_name("shop"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.count as usize
}

async fn setup() -> Db {
    let db = common::db().await;
    Shop::create_table().exec(&db).await.unwrap();
    db
}

#[tokio::test]
async fn the_table_declared_once_is_created_with_every_index() {
    let db = common::db().await;
    // A model's create_table is the whole shared table.
    let described = Order::create_table().exec(&db).await.unwrap();
    let mut names: Vec<String> = described
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(names, ["gsi1", "gsi2"]);
    let keys: Vec<&str> = described
        .key_schema()
        .iter()
        .map(|k| k.attribute_name())
        .collect();
    assert_eq!(keys, ["pk", "sk"]);
    let types: Vec<String> = described
        .attribute_definitions()
        .iter()
        .map(|d| format!("{}:{}", d.attribute_name(), d.attribute_type().as_str()))
        .collect();
    assert_eq!(types.len(), 6, "{types:?}");
    assert!(types.iter().all(|t| t.ends_with(":S")), "{types:?}");
    // The plan of the table against itself has nothing to do.
    let plan = dynomodel::schema::migrate::plan(&Shop::create_table(), &db)
        .await
        .unwrap();
    assert!(plan.changes.is_empty(), "{plan}");
}

#[tokio::test]
async fn every_write_composes_the_keys_and_stores_the_entity() {
    let db = setup().await;
    let mut c = customer("c1");
    c.save(&db).await.unwrap();
    let item = raw_get(&db, "CUSTOMER#c1", "PROFILE")
        .await
        .expect("stored under the template");
    assert_eq!(item["_et"], s("customer"));
    assert_eq!(item["id"], s("c1"), "the logical fields are stored too");
    assert_eq!(
        item["gsi1pk"],
        s("EMAIL#c1@example.com"),
        "after the set transform"
    );
    assert_eq!(item["gsi1sk"], s("NAME#Lima#Ana"));

    // A number is zero-padded to its type's width (u32: 10 digits).
    let mut o = order("c1", 42, "2026-11-30", None);
    o.create(&db).await.unwrap();
    let item = raw_get(&db, "CUSTOMER#c1", "ORDER#2026-11-30#0000000042")
        .await
        .unwrap();
    assert_eq!(item["number"], AttributeValue::N("42".into()));
    assert!(
        !item.contains_key("gsi2pk") && !item.contains_key("gsi2sk"),
        "status is None: not in the sparse index, by neither of its keys"
    );

    // The key from the logical fields finds it.
    let got = Order::get(Order::key("c1", "2026-11-30", 42u32))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(got, Some(o.clone()));

    // A batch and a transaction write the keys as well.
    Order::batch_put([order("c2", 1, "2026-01-01", None)])
        .overwrite_other_entities()
        .exec(&db)
        .await
        .unwrap();
    assert!(raw_get(&db, "CUSTOMER#c2", "ORDER#2026-01-01#0000000001")
        .await
        .is_some());
    let mut c3 = customer("c3");
    let mut o3 = order("c3", 3, "2026-02-02", Some("NEW"));
    Transaction::new()
        .create(&mut c3)
        .create(&mut o3)
        .exec(&db)
        .await
        .unwrap();
    let item = raw_get(&db, "CUSTOMER#c3", "ORDER#2026-02-02#0000000003")
        .await
        .unwrap();
    assert_eq!(
        (&item["_et"], &item["gsi2pk"]),
        (&s("order"), &s("STATUS#NEW"))
    );

    // A value with the delimiter is refused, naming the field and the rule; nothing is written.
    let before = raw_count(&db).await;
    let mut bad = customer("a#b");
    let err = bad.save(&db).await.unwrap_err();
    let Error::Validation(errors) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        errors.at("id").map(|e| e.rule.as_str()),
        Some("template"),
        "{err}"
    );
    let err = Order::get(Order::key("c#1", "2026", 1u32))
        .exec(&db)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("delimiter"), "{err}");
    assert_eq!(raw_count(&db).await, before);
}

#[tokio::test]
async fn a_sparse_index_holds_only_the_items_with_their_fields() {
    let db = setup().await;
    for (n, status) in [(1, None), (2, Some("OPEN")), (3, Some("OPEN")), (4, None)] {
        order("c1", n, &format!("2026-11-0{n}"), status)
            .save(&db)
            .await
            .unwrap();
    }
    let f = Order::fields();
    let open = Order::query(f.status.eq("OPEN"))
        .project::<OrderKey>()
        .all(&db)
        .await
        .unwrap();
    let numbers: Vec<u32> = open.iter().map(|o| o.number).collect();
    assert_eq!(numbers, [2, 3]);
    let r = Order::query(f.status.eq("OPEN"))
        .project::<OrderKey>()
        .to_request()
        .unwrap();
    assert_eq!(r.index, Some("gsi2"));
}

/// The attribute that the index `gsi2` holds besides the keys.
#[derive(Document, Serialize, Deserialize, Debug)]
pub struct OrderKey {
    pub number: u32,
}

#[tokio::test]
async fn an_update_recomputes_index_keys_and_refuses_what_would_leave_them_stale() {
    let db = setup().await;
    customer("c1").save(&db).await.unwrap();
    let cf = Customer::fields();
    // Setting every field of the gsi1 key recomputes it.
    let updated = Customer::update(Customer::key("c1"))
        .set(&cf.email, "NEW@example.com")
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(updated.email, "new@example.com");
    let item = raw_get(&db, "CUSTOMER#c1", "PROFILE").await.unwrap();
    assert_eq!(item["gsi1pk"], s("EMAIL#new@example.com"));
    let found = Customer::query(cf.email.eq("new@example.com"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "found by the recomputed index key");

    // Part of an index key: refused before sending, naming the missing field.
    let err = Customer::update(Customer::key("c1"))
        .set(&cf.last_name, "Silva")
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest(ref m) if m.contains("`first_name`")),
        "{err}"
    );
    let both = Customer::update(Customer::key("c1"))
        .set(&cf.last_name, "Silva")
        .set(&cf.first_name, "Bia")
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(both.last_name, "Silva");
    let item = raw_get(&db, "CUSTOMER#c1", "PROFILE").await.unwrap();
    assert_eq!(item["gsi1sk"], s("NAME#Silva#Bia"));

    // A field of the table's key cannot move the item.
    let err = Customer::update(Customer::key("c1"))
        .set(&cf.id, "c2")
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidRequest(ref m) if m.contains("`id` is part of the item's key")),
        "{err}"
    );

    // Setting the sparse index's field adds the item to the index; removing it takes it out.
    let of = Order::fields();
    order("c1", 7, "2026-11-07", None).save(&db).await.unwrap();
    let key = || Order::key("c1", "2026-11-07", 7u32);
    Order::update(key())
        .set(&of.status, Some("SHIPPED".to_owned()))
        .exec(&db)
        .await
        .unwrap();
    let item = raw_get(&db, "CUSTOMER#c1", "ORDER#2026-11-07#0000000007")
        .await
        .unwrap();
    assert_eq!(item["gsi2pk"], s("STATUS#SHIPPED"));
    Order::update(key())
        .remove(&of.status)
        .exec(&db)
        .await
        .unwrap();
    let item = raw_get(&db, "CUSTOMER#c1", "ORDER#2026-11-07#0000000007")
        .await
        .unwrap();
    assert!(!item.contains_key("gsi2pk"), "{item:?}");

    // An upsert writes the key fields and the entity: the item it creates reads back.
    Order::update(Order::key("c9", "2026-12-01", 1u32))
        .set(&of.total_cents, 500u64)
        .upsert()
        .exec(&db)
        .await
        .unwrap();
    let item = raw_get(&db, "CUSTOMER#c9", "ORDER#2026-12-01#0000000001")
        .await
        .unwrap();
    assert_eq!(
        (&item["_et"], &item["customer_id"]),
        (&s("order"), &s("c9"))
    );
    let back = Order::get(Order::key("c9", "2026-12-01", 1u32))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(back.map(|o| o.total_cents), Some(500));
}

#[tokio::test]
async fn another_entitys_item_is_never_read_replaced_or_deleted_as_this_one() {
    let db = setup().await;
    let mut m = Member {
        id: "c5".into(),
        level: 3,
    };
    m.save(&db).await.unwrap();
    let err = Customer::get(Customer::key("c5"))
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::WrongEntity { expected, found, key } if expected == "customer" && found == "member" && key.contains("CUSTOMER#c5")),
        "{err}"
    );
    let err = customer("c5").save(&db).await.unwrap_err();
    assert!(matches!(err, Error::WrongEntity { .. }), "{err}");
    let err = Customer::delete(Customer::key("c5"))
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongEntity { .. }), "{err}");
    let cf = Customer::fields();
    let err = Customer::update(Customer::key("c5"))
        .set(&cf.first_name, "X")
        .set(&cf.last_name, "Y")
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongEntity { .. }), "{err}");
    let item = raw_get(&db, "CUSTOMER#c5", "PROFILE").await.unwrap();
    assert_eq!(item["_et"], s("member"), "the member is as it was");
    assert_eq!(
        Member::get(Member::key("c5")).exec(&db).await.unwrap(),
        Some(m)
    );
}

#[tokio::test]
async fn a_query_of_one_model_reads_none_of_the_others() {
    let db = setup().await;
    customer("c1").save(&db).await.unwrap();
    for n in 1..=5 {
        order("c1", n, "2026-11-30", None).save(&db).await.unwrap();
    }
    Note {
        customer_id: "c1".into(),
        n: 1,
        text: "hi".into(),
    }
    .save(&db)
    .await
    .unwrap();
    let f = Order::fields();
    let q = Order::query(f.customer_id.eq("c1"));
    let r = q.to_request().unwrap();
    assert_eq!(
        r.key_condition.as_deref(),
        Some("#n0 = :v0 AND begins_with(#n1, :v1)")
    );
    assert_eq!(r.values[":v1"], s("ORDER#"));
    assert!(
        r.filter.as_deref().unwrap_or_default().contains(" = "),
        "{r:?}"
    );
    let page = q.exec(&db).await.unwrap();
    assert_eq!(page.items.len(), 5);
    assert_eq!(
        page.scanned_count, 5,
        "the customer and the note are not even read"
    );
    let page = Customer::query(Customer::fields().id.eq("c1"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.scanned_count), (1, 1));
    // A scan of one model gives only its items.
    assert_eq!(Order::scan().all(&db).await.unwrap().len(), 5);
    assert_eq!(Note::scan().count(&db).await.unwrap(), 1);
}

#[tokio::test]
async fn a_collection_reads_a_partition_in_pages_with_a_cursor() {
    let db = setup().await;
    customer("c1").save(&db).await.unwrap();
    for n in 1..=7 {
        order("c1", n, &format!("2026-11-{n:02}"), None)
            .save(&db)
            .await
            .unwrap();
    }
    customer("c2").save(&db).await.unwrap();
    let q = || CustomerView::query(Customer::fields().id.eq("c1")).page_size(3);
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let start = cursor.as_deref().map(|c| c.parse::<Cursor>().unwrap());
        let page = q().start_at(start).exec(&db).await.unwrap();
        pages.push(page.items);
        match page.next {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
        assert!(pages.len() < 10);
    }
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(&sizes[..3], [3, 3, 2], "{sizes:?}");
    let all: Vec<CustomerView> = pages.into_iter().flatten().collect();
    let orders = all
        .iter()
        .filter(|v| matches!(v, CustomerView::Order(_)))
        .count();
    assert_eq!(orders, 7);
    assert!(
        matches!(all.last(), Some(CustomerView::Customer(c)) if c.id == "c1"),
        "PROFILE sorts after ORDER#: {all:?}"
    );
    // A member's partition condition names the same partition; all and stream agree.
    let by_order = CustomerView::query(Order::fields().customer_id.eq("c1"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(by_order, all);
    let streamed: Vec<CustomerView> = CustomerView::query(Customer::fields().id.eq("c1"))
        .page_size(2)
        .stream(&db)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, all);

    // An entity that is not a member: left out, or reported when asked.
    Note {
        customer_id: "c1".into(),
        n: 9,
        text: "x".into(),
    }
    .save(&db)
    .await
    .unwrap();
    let q = CustomerView::query(Customer::fields().id.eq("c1"));
    assert_eq!(q.all(&db).await.unwrap().len(), 8);
    let err = q.clone().report_others().all(&db).await.unwrap_err();
    assert!(
        matches!(&err, Error::WrongEntity { found, .. } if found == "note"),
        "{err}"
    );
    let lenient: Vec<_> = q.report_others().lenient().all(&db).await.unwrap();
    assert_eq!(lenient.iter().filter(|r| r.is_err()).count(), 1);
    assert_eq!(lenient.len(), 9);
}

#[tokio::test]
async fn range_conditions_on_a_templated_sort_key() {
    let db = setup().await;
    customer("c1").save(&db).await.unwrap();
    let days = [
        "2026-10-31",
        "2026-11-01",
        "2026-11-15",
        "2026-11-30",
        "2026-12-01",
    ];
    for (n, day) in days.iter().enumerate() {
        // Two orders a day, numbered so that text order would be wrong without padding.
        for number in [9u32, 10] {
            order("c1", number + n as u32 * 100, day, None)
                .save(&db)
                .await
                .unwrap();
        }
    }
    let f = Order::fields();
    let dates = |orders: Vec<Order>| -> Vec<String> {
        orders
            .into_iter()
            .map(|o| format!("{}/{}", o.placed_at, o.number))
            .collect()
    };
    let q = || Order::query(f.customer_id.eq("c1"));
    let between = q()
        .range(f.placed_at.between("2026-11-01", "2026-11-30"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        dates(between),
        [
            "2026-11-01/109",
            "2026-11-01/110",
            "2026-11-15/209",
            "2026-11-15/210",
            "2026-11-30/309",
            "2026-11-30/310"
        ]
    );
    let count = |orders: Vec<Order>| orders.len();
    assert_eq!(
        count(
            q().range(f.placed_at.eq("2026-11-15"))
                .all(&db)
                .await
                .unwrap()
        ),
        2
    );
    assert_eq!(
        count(
            q().range(f.placed_at.lt("2026-11-15"))
                .all(&db)
                .await
                .unwrap()
        ),
        4
    );
    assert_eq!(
        count(
            q().range(f.placed_at.le("2026-11-15"))
                .all(&db)
                .await
                .unwrap()
        ),
        6
    );
    assert_eq!(
        count(
            q().range(f.placed_at.gt("2026-11-15"))
                .all(&db)
                .await
                .unwrap()
        ),
        4
    );
    assert_eq!(
        count(
            q().range(f.placed_at.ge("2026-11-15"))
                .all(&db)
                .await
                .unwrap()
        ),
        6
    );
    assert_eq!(
        count(
            q().range(f.placed_at.begins_with("2026-11"))
                .all(&db)
                .await
                .unwrap()
        ),
        6
    );
    let newest = q().descending().limit(1).all(&db).await.unwrap();
    assert_eq!(
        dates(newest),
        ["2026-12-01/410"],
        "number order within a day, padded"
    );
    // A range on a field that is not first in the template is refused before sending.
    let err = q().range(f.number.gt(5u32)).to_request().unwrap_err();
    assert!(err.to_string().contains("`placed_at`"), "{err}");
}

#[tokio::test]
async fn batches_and_transactions_span_entities_and_read_collections() {
    let db = setup().await;
    let mut c = customer("c1");
    let mut o = order("c1", 1, "2026-11-30", None);
    Transaction::new()
        .create(&mut c)
        .create(&mut o)
        .exec(&db)
        .await
        .unwrap();
    let (a, b, missing): (
        Option<CustomerView>,
        Option<CustomerView>,
        Option<CustomerView>,
    ) = TransactGet::new()
        .get_as::<CustomerView, _>(Customer::key("c1"))
        .get_as::<CustomerView, _>(Order::key("c1", "2026-11-30", 1u32))
        .get_as::<CustomerView, _>(Customer::key("nobody"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(a, Some(CustomerView::Customer(c.clone())));
    assert_eq!(b, Some(CustomerView::Order(o.clone())));
    assert_eq!(missing, None);
    let both = CustomerView::batch_get([
        Order::key("c1", "2026-11-30", 1u32).into(),
        Customer::key("nobody").into(),
        Customer::key("c1").into(),
    ])
    .exec(&db)
    .await
    .unwrap();
    assert_eq!(
        both,
        [
            Some(CustomerView::Order(o.clone())),
            None,
            Some(CustomerView::Customer(c.clone()))
        ]
    );
    let got = Order::batch_get([Order::key("c1", "2026-11-30", 1u32)])
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(got, [Some(o)]);
    let (cust, ord): (Option<Customer>, Option<Order>) = TransactGet::new()
        .get(Customer::key("c1"))
        .get(Order::key("c1", "2026-11-30", 1u32))
        .exec(&db)
        .await
        .unwrap();
    assert!(cust.is_some() && ord.is_some());
    // A transaction across entities: an order and a customer update, all or nothing.
    let cf = Customer::fields();
    let mut o2 = order("c1", 2, "2026-11-30", None);
    let err = Transaction::new()
        .create(&mut o2)
        .update(
            Customer::update(Customer::key("c1"))
                .set(&cf.email, "x@y.z")
                .condition(cf.first_name.eq("Nobody")),
        )
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TransactionCanceled { .. }), "{err}");
    assert!(raw_get(&db, "CUSTOMER#c1", "ORDER#2026-11-30#0000000002")
        .await
        .is_none());
    Order::batch_delete([Order::key("c1", "2026-11-30", 1u32)])
        .delete_other_entities()
        .exec(&db)
        .await
        .unwrap();
    assert!(raw_get(&db, "CUSTOMER#c1", "ORDER#2026-11-30#0000000001")
        .await
        .is_none());
}

#[derive(Table)]
#[dynomodel(
    name = "books",
    pk = "pk",
    sk = "sk",
    lsi(name = "by_amount", sk = "lsi1sk")
)]
pub struct Books;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Books, entity = "entry", pk = "ACCOUNT#{account}", sk = "ENTRY#{n}",
            by_amount(sk = "AMOUNT#{amount}"))]
pub struct Entry {
    pub account: String,
    pub n: u32,
    pub amount: u64,
}

#[tokio::test]
async fn a_local_index_template_sorts_a_partition_another_way() {
    let db = common::db().await;
    Books::create_table().exec(&db).await.unwrap();
    for (n, amount) in [(1u32, 500u64), (2, 20), (3, 3000), (4, 100)] {
        Entry {
            account: "a".into(),
            n,
            amount,
        }
        .save(&db)
        .await
        .unwrap();
    }
    Entry {
        account: "b".into(),
        n: 1,
        amount: 1,
    }
    .save(&db)
    .await
    .unwrap();
    let f = Entry::fields();
    let by_amount = Entry::query(f.account.eq("a"))
        .index(Entry::BY_AMOUNT)
        .range(f.amount.ge(100u64))
        .all(&db)
        .await
        .unwrap();
    let amounts: Vec<u64> = by_amount.iter().map(|e| e.amount).collect();
    assert_eq!(
        amounts,
        [100, 500, 3000],
        "number order, by the padded local sort key"
    );
    let by_n: Vec<u32> = Entry::query(f.account.eq("a"))
        .all(&db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.n)
        .collect();
    assert_eq!(by_n, [1, 2, 3, 4]);
    // An update of the amount recomputes the local index's key.
    Entry::update(Entry::key("a", 2u32))
        .set(&f.amount, 10_000u64)
        .exec(&db)
        .await
        .unwrap();
    let top = Entry::query(f.account.eq("a"))
        .index(Entry::BY_AMOUNT)
        .descending()
        .limit(1)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(top[0].n, 2);
}
