//! What users reach for once the basics work: conditional saves and lists that may be
//! missing.

use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::common;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "routes")]
struct Route {
    #[dynomodel(hash_key)]
    id: String,
    owner: Option<String>,
    #[dynomodel(validate(length(max = 3)))]
    stops: Option<Vec<String>>,
    #[dynomodel(version)]
    version: u64,
}

fn route(id: &str) -> Route {
    Route {
        id: id.into(),
        owner: None,
        stops: None,
        version: 0,
    }
}

#[tokio::test]
async fn a_save_can_carry_a_condition() {
    let db = common::db().await;
    Route::create_table().exec(&db).await.unwrap();
    let mut r = route("r");
    r.create(&db).await.unwrap();
    let f = Route::fields();

    let mut mine = r.clone();
    mine.owner = Some("ann".into());
    mine.save_if(&db, f.owner.not_exists()).await.unwrap();
    assert_eq!(mine.version, 2);

    // Someone else tries the same on a fresh read: the condition no longer holds.
    let mut theirs = Route::get(Route::key("r"))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    theirs.owner = Some("bob".into());
    let err = theirs.save_if(&db, f.owner.not_exists()).await.unwrap_err();
    let Error::ConditionFailed {
        item: Some(stored), ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(Route::from_item(stored).unwrap(), mine);
    assert_eq!(theirs.version, 2, "a failed save changes nothing");

    // A stale struct is a version conflict, whatever the condition.
    let mut stale = r.clone();
    let err = stale.save_if(&db, f.owner.exists()).await.unwrap_err();
    assert!(matches!(err, Error::VersionConflict { .. }), "{err:?}");
}

#[tokio::test]
async fn append_and_prepend_work_on_an_optional_list() {
    let db = common::db().await;
    Route::create_table().exec(&db).await.unwrap();
    route("o").create(&db).await.unwrap();
    let f = Route::fields();
    let r = Route::update(Route::key("o"))
        .append(&f.stops, ["b".to_owned()])
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(r.stops, Some(vec!["b".to_owned()]));
    let r = Route::update(Route::key("o"))
        .prepend(&f.stops, ["a".to_owned()])
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(r.stops, Some(vec!["a".to_owned(), "b".to_owned()]));
    // length(max = 3) holds on the stored list.
    let err = Route::update(Route::key("o"))
        .append(&f.stops, ["c".to_owned(), "d".to_owned()])
        .exec(&db)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "purchases",
    gsi(name = "by_customer", hash = "customer", range = "at", projection = keys_only)
)]
struct Purchase {
    #[dynomodel(hash_key)]
    id: String,
    customer: String,
    at: u32,
    total: u64,
}

#[derive(dynomodel::Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct PurchaseKey {
    id: String,
    at: u32,
}

#[tokio::test]
async fn a_partial_index_is_read_by_projection_or_hydrated() {
    let db = common::db().await;
    Purchase::create_table().exec(&db).await.unwrap();
    for at in 0..5u32 {
        let mut p = Purchase {
            id: format!("p{at}"),
            customer: "ann".into(),
            at,
            total: u64::from(at) * 100,
        };
        p.create(&db).await.unwrap();
    }
    let f = Purchase::fields();
    let q = Purchase::query(f.customer.eq("ann"));
    // Into the whole model, the first item would fail: refused before sending.
    let err = q.clone().all(&db).await.unwrap_err();
    assert!(err.to_string().contains(".project::<P>()"), "{err}");
    assert!(err.to_string().contains(".hydrate()"), "{err}");
    assert!(Purchase::scan()
        .index(Purchase::BY_CUSTOMER)
        .all(&db)
        .await
        .is_err());

    let keys = q.clone().project::<PurchaseKey>().all(&db).await.unwrap();
    assert_eq!(
        keys.iter().map(|k| k.at).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    let whole = q.clone().descending().hydrate().all(&db).await.unwrap();
    assert_eq!(
        whole.iter().map(|p| p.total).collect::<Vec<_>>(),
        [400, 300, 200, 100, 0],
        "in the query's order"
    );
    let page = q.limit(2).hydrate().exec(&db).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.next.is_some());
}

#[tokio::test]
async fn a_lenient_read_reports_a_bad_item_and_goes_on_past_it() {
    let db = common::db().await;
    Purchase::create_table().exec(&db).await.unwrap();
    for at in 0..4u32 {
        let mut p = Purchase {
            id: format!("g{at}"),
            customer: "bo".into(),
            at,
            total: 1,
        };
        p.create(&db).await.unwrap();
    }
    // Another writer stored an item without `total`.
    db.client()
        .put_item()
        .table_name(db.table_name(Purchase::TABLE))
        .item(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S("bad".into()),
        )
        .item(
            "customer",
            aws_sdk_dynamodb::types::AttributeValue::S("bo".into()),
        )
        .item("at", aws_sdk_dynamodb::types::AttributeValue::N("9".into()))
        .send()
        .await
        .unwrap();
    assert!(
        Purchase::scan().all(&db).await.is_err(),
        "strict by default"
    );
    let results = Purchase::scan()
        .page_size(2)
        .lenient()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(results.len(), 5);
    let bad: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(
        bad[0].key["id"],
        aws_sdk_dynamodb::types::AttributeValue::S("bad".into())
    );
    assert!(matches!(bad[0].error, Error::Decode { ref path, .. } if path == "total"));
    // Page by page, the cursor moves past the bad item as past the others.
    let mut seen = 0;
    let mut cursor = None;
    loop {
        let page = Purchase::scan()
            .page_size(2)
            .start_at(cursor)
            .lenient()
            .exec(&db)
            .await
            .unwrap();
        seen += page.items.len();
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, 5);
}

#[tokio::test]
async fn pages_say_what_was_read_and_updates_say_what_they_are_asked() {
    let db = common::db().await;
    Purchase::create_table().exec(&db).await.unwrap();
    for at in 0..5u32 {
        let mut p = Purchase {
            id: format!("m{at}"),
            customer: "cy".into(),
            at,
            total: u64::from(at),
        };
        p.create(&db).await.unwrap();
    }
    let f = Purchase::fields();
    // The index holds the keys only: its filter can name the table's key.
    let page = Purchase::query(f.customer.eq("cy"))
        .filter(f.id.begins_with("m3") | f.id.begins_with("m4"))
        .hydrate()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.scanned_count), (2, 5));
    let page = Purchase::scan()
        .filter(f.total.ge(4u64))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.scanned_count), (1, 5));

    // Update: nothing back, the item before, only what changed.
    Purchase::update(Purchase::key("m1"))
        .add(&f.total, 10u64)
        .exec_quiet(&db)
        .await
        .unwrap();
    let before = Purchase::update(Purchase::key("m1"))
        .add(&f.total, 10u64)
        .exec_old(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.total, 11);
    let changed = Purchase::update(Purchase::key("m1"))
        .add(&f.total, 10u64)
        .exec_updated(&db)
        .await
        .unwrap();
    assert_eq!(
        changed.keys().collect::<Vec<_>>(),
        [&"total".to_owned()],
        "only the updated attribute"
    );
    Purchase::delete(Purchase::key("m1"))
        .exec_quiet(&db)
        .await
        .unwrap();
    assert!(Purchase::get(Purchase::key("m1"))
        .exec(&db)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_batch_get_can_read_a_projection() {
    let db = common::db().await;
    Purchase::create_table().exec(&db).await.unwrap();
    for at in 0..3u32 {
        let mut p = Purchase {
            id: format!("b{at}"),
            customer: "di".into(),
            at,
            total: u64::from(at) * 7,
        };
        p.create(&db).await.unwrap();
    }
    let keys = ["b2", "nope", "b0", "b2"].map(Purchase::key);
    let got = Purchase::batch_get(keys)
        .project::<PurchaseKey>()
        .exec(&db)
        .await
        .unwrap();
    let ats: Vec<Option<u32>> = got.iter().map(|k| k.as_ref().map(|k| k.at)).collect();
    assert_eq!(
        ats,
        [Some(2), None, Some(0), Some(2)],
        "in the keys' order, repeats included"
    );
}

#[tokio::test]
async fn a_transact_get_can_read_a_projection() {
    let db = common::db()
        .await
        .with_table_prefix(format!("tg{}_", std::process::id()));
    Purchase::create_table().exec(&db).await.unwrap();
    for (id, at) in [("t1", 4u32), ("t2", 5)] {
        let mut p = Purchase {
            id: id.into(),
            customer: "ed".into(),
            at,
            total: u64::from(at) * 10,
        };
        p.create(&db).await.unwrap();
    }
    let (whole, part, none): (
        Option<Purchase>,
        Option<dynomodel::transaction::Partial<PurchaseKey>>,
        Option<Purchase>,
    ) = TransactGet::new()
        .get(Purchase::key("t1"))
        .get_projected::<Purchase, PurchaseKey>(Purchase::key("t2"))
        .get(Purchase::key("nope"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(whole.unwrap().total, 40);
    assert_eq!(
        part.unwrap().0,
        PurchaseKey {
            id: "t2".into(),
            at: 5
        }
    );
    assert!(none.is_none());
}
