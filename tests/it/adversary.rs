//! Reads and writes that must decide alike about one stored item, tried where they could
//! part: TTL attributes of another type or with a fraction, projections, cursors of
//! projected pages, counts, untagged items, saves and creates over expired items, and stream
//! records whose two images are of different entities.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use dynomodel::Item;
use serde::{Deserialize, Serialize};

use crate::common;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "adv_leases")]
struct Lease {
    #[dynomodel(hash_key)]
    id: String,
    owner: String,
    #[dynomodel(ttl)]
    expires: Option<i64>,
    #[dynomodel(version)]
    version: u32,
}

fn lease(id: &str, expires: Option<i64>) -> Lease {
    Lease {
        id: id.into(),
        owner: "ann".into(),
        expires,
        version: 0,
    }
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct LeaseOwner {
    owner: String,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct LeaseExpiry {
    id: String,
    expires: Option<i64>,
}

async fn ids_of_scan(db: &Db) -> Vec<String> {
    let mut ids: Vec<String> = Lease::scan()
        .project::<LeaseExpiry>()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect();
    ids.sort();
    ids
}

/// A TTL attribute that is not a number (NULL, as other code writes a missing value, or
/// text) is no expiry time to DynamoDB, which never deletes such an item: a get gives it, so
/// a scan gives it too.
#[tokio::test]
async fn a_ttl_attribute_of_another_type_is_read_alike_by_get_and_scan() {
    let db = common::db().await;
    Lease::create_table().exec(&db).await.unwrap();
    let item = |id: &str, ttl: AttributeValue| {
        HashMap::from([
            ("id".to_owned(), s(id)),
            ("owner".to_owned(), s("ann")),
            ("expires".to_owned(), ttl),
        ])
    };
    common::raw_put(&db, "adv_leases", item("null", AttributeValue::Null(true))).await;
    common::raw_put(&db, "adv_leases", item("text", s("tomorrow"))).await;
    let got = Lease::get(Lease::key("null")).exec(&db).await.unwrap();
    assert_eq!(got.map(|l| l.expires), Some(None));
    let projected = Lease::get(Lease::key("text"))
        .project::<LeaseOwner>()
        .exec(&db)
        .await
        .unwrap();
    assert!(projected.is_some());
    let mut ids: Vec<String> = Lease::scan()
        .project::<LeaseOwner>()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.owner)
        .collect();
    ids.sort();
    assert_eq!(ids, ["ann", "ann"], "the scan left out what the get gave");
}

/// A TTL with a fraction of a second, past: the scan's filter compares it as a number and
/// leaves it out; the get must not give it.
#[tokio::test]
async fn a_ttl_with_a_fraction_is_expired_for_get_as_for_scan() {
    let db = common::db().await;
    Lease::create_table().exec(&db).await.unwrap();
    let past = format!("{}.5", now() - 120);
    let write = || async {
        let item = HashMap::from([
            ("id".to_owned(), s("frac")),
            ("owner".to_owned(), s("ann")),
            ("expires".to_owned(), AttributeValue::N(past.clone())),
        ]);
        common::raw_put(&db, "adv_leases", item).await;
    };
    write().await;
    let scanned = Lease::scan()
        .project::<LeaseOwner>()
        .all(&db)
        .await
        .unwrap();
    assert!(scanned.is_empty());
    write().await;
    let got = Lease::get(Lease::key("frac"))
        .project::<LeaseOwner>()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(got, None, "the get gave an item that the scan left out");
}

/// A projection that names the TTL attribute itself: the read asks for it once.
#[tokio::test]
async fn a_projection_that_names_the_ttl_reads() {
    let db = common::db().await;
    Lease::create_table().exec(&db).await.unwrap();
    lease("a", Some(now() + 3600)).save(&db).await.unwrap();
    assert_eq!(ids_of_scan(&db).await, ["a"]);
    let q = Lease::query(Lease::fields().id.eq("a"))
        .project::<LeaseExpiry>()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(q.len(), 1);
}

/// A projected page cut at its limit keeps the cursor where it was cut: without the keys in
/// the projection, the page said there was nothing more.
#[tokio::test]
async fn a_projected_page_cut_at_its_limit_keeps_its_cursor() {
    let db = common::db().await;
    Lease::create_table().exec(&db).await.unwrap();
    Lease::batch_put((0..10).map(|i| lease(&format!("l{i}"), None)))
        .overwrite_versions()
        .exec(&db)
        .await
        .unwrap();
    let read = Lease::scan()
        .filter(Lease::fields().owner.eq("ann"))
        .page_size(4)
        .limit(6)
        .max_pages(3)
        .project::<LeaseOwner>();
    let page = read.exec(&db).await.unwrap();
    assert_eq!(page.items.len(), 6);
    let next = page
        .next
        .expect("four items are left: the page needs a cursor");
    let rest = read.clone().start_at(next).all(&db).await.unwrap();
    assert_eq!(rest.len(), 4);
}

/// A save of a new item (version 0) where an item past its TTL is still stored: every read
/// says there is no item, and a create succeeds; the save does too.
#[tokio::test]
async fn a_save_of_a_new_item_over_an_expired_one_succeeds() {
    let db = common::db().await;
    Lease::create_table().exec(&db).await.unwrap();
    let past = now() - 120;
    // Version 2, past its TTL (a save of it now would be a version conflict: it is no item).
    let mut old = lease("x", Some(past)).to_item().unwrap();
    old.insert("version".into(), AttributeValue::N("2".into()));
    common::raw_put(&db, "adv_leases", old).await;
    assert_eq!(Lease::get(Lease::key("x")).exec(&db).await.unwrap(), None);
    let mut fresh = lease("x", Some(now() + 3600));
    fresh.save(&db).await.unwrap();
    assert_eq!(fresh.version, 1);
    assert_eq!(
        Lease::get(Lease::key("x")).exec(&db).await.unwrap(),
        Some(fresh)
    );
}

#[derive(Table)]
#[dynomodel(name = "adv_club", pk = "pk", sk = "sk")]
struct AdvClub;

/// A legacy model that adopts items written without the entity attribute.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = AdvClub, entity = "note", pk = "CLUB#{club}", sk = "NOTE#{n}", adopt_untagged)]
struct Note {
    club: String,
    n: u32,
    text: String,
    #[dynomodel(ttl)]
    until: Option<i64>,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct NoteText {
    text: String,
}

fn untagged(sk: &str, until: Option<i64>) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::from([
        ("pk".to_owned(), s("CLUB#c1")),
        ("sk".to_owned(), s(sk)),
        ("club".to_owned(), s("c1")),
        ("n".to_owned(), n(7)),
        ("text".to_owned(), s("legacy")),
    ]);
    if let Some(t) = until {
        item.insert("until".to_owned(), n(t));
    }
    item
}

/// An adopted untagged item is the model's on every path, projected or not.
#[tokio::test]
async fn an_adopted_item_is_read_by_projected_reads_too() {
    let db = common::db().await;
    AdvClub::create_table().exec(&db).await.unwrap();
    common::raw_put(&db, "adv_club", untagged("NOTE#0000000007", None)).await;
    let whole = Note::get(Note::key("c1", 7u32)).exec(&db).await.unwrap();
    assert!(whole.is_some());
    let part = Note::get(Note::key("c1", 7u32))
        .project::<NoteText>()
        .exec(&db)
        .await;
    assert!(
        matches!(part, Ok(Some(_))),
        "the whole get adopts it, the projected get: {part:?}"
    );
    let scanned = Note::scan().project::<NoteText>().all(&db).await.unwrap();
    assert_eq!(scanned.len(), 1, "the projected scan left it out");
}

/// `count` counts what `all` gives: an untagged item outside the model's key prefixes is not
/// adopted by either.
#[tokio::test]
async fn a_count_counts_what_all_gives_of_untagged_items() {
    let db = common::db().await;
    AdvClub::create_table().exec(&db).await.unwrap();
    common::raw_put(&db, "adv_club", untagged("NOTE#0000000007", None)).await;
    common::raw_put(&db, "adv_club", untagged("OTHER#1", None)).await;
    let all = Note::scan().all(&db).await.unwrap().len();
    let count = Note::scan().count(&db).await.unwrap();
    assert_eq!((all, count), (1, 1));
    let q = Note::query(Note::fields().club.eq("c1"));
    let (all, count) = (q.all(&db).await.unwrap().len(), q.count(&db).await.unwrap());
    assert_eq!((all, count), (1, 1));
}

/// A query with a range on the sort key keeps within the model's sort-key prefix (`n > 5`
/// was `sk > "NOTE#0000000005"`, which "OTHER#1" meets: the read policy left the untagged
/// item there out of `all`, but `count` takes DynamoDB's Count, and a query cannot filter on
/// its own sort key). range_props.rs tries every kind of range.
#[tokio::test]
async fn a_ranged_count_counts_what_all_gives_of_untagged_items() {
    let db = common::db().await;
    AdvClub::create_table().exec(&db).await.unwrap();
    common::raw_put(&db, "adv_club", untagged("NOTE#0000000007", None)).await;
    common::raw_put(&db, "adv_club", untagged("OTHER#1", None)).await;
    let q = Note::query(Note::fields().club.eq("c1")).range(Note::fields().n.gt(5u32));
    let (all, count) = (q.all(&db).await.unwrap().len(), q.count(&db).await.unwrap());
    assert_eq!((all, count), (1, 1));
}

/// A create over an adopted untagged item past its TTL: every read says there is no item.
#[tokio::test]
async fn a_create_over_an_expired_adopted_item_succeeds() {
    let db = common::db().await;
    AdvClub::create_table().exec(&db).await.unwrap();
    common::raw_put(
        &db,
        "adv_club",
        untagged("NOTE#0000000007", Some(now() - 120)),
    )
    .await;
    assert_eq!(
        Note::get(Note::key("c1", 7u32)).exec(&db).await.unwrap(),
        None
    );
    common::raw_put(
        &db,
        "adv_club",
        untagged("NOTE#0000000007", Some(now() - 120)),
    )
    .await;
    let mut fresh = Note {
        club: "c1".into(),
        n: 7,
        text: "new".into(),
        until: None,
    };
    fresh.create(&db).await.unwrap();
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = AdvClub, entity = "badge", pk = "CLUB#{club}", sk = "BADGE#{b}")]
struct Badge {
    club: String,
    b: String,
}

#[derive(Collection, Debug, PartialEq)]
enum ClubStream {
    Note(Note),
    Badge(Badge),
}

fn stream_record(seq: &str, name: &str, new: Item, old: Item) -> serde_json::Value {
    let image = |item: Item| {
        let image: serde_dynamo::Item = item.into();
        serde_json::to_value(image).unwrap()
    };
    serde_json::json!({
        "eventID": seq, "eventName": name, "eventVersion": "1.1",
        "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
        "dynamodb": {"Keys": {}, "NewImage": image(new), "OldImage": image(old),
                     "SequenceNumber": seq, "SizeBytes": 1,
                     "StreamViewType": "NEW_AND_OLD_IMAGES"}
    })
}

/// A member's item written over another entity's (a batch that says
/// `.overwrite_other_entities()`): the record's old image is not a member's. The handler gets
/// the member's new item, and the stream goes on.
#[tokio::test]
async fn a_stream_record_over_another_entitys_item_does_not_stop_the_stream() {
    use dynomodel::lambda::{for_each_table_change, Others, TableChange};
    let note = Note {
        club: "c1".into(),
        n: 7,
        text: "new".into(),
        until: None,
    };
    let new = note.to_item().unwrap();
    let mut old = new.clone();
    old.insert("_et".to_owned(), s("invoice"));
    old.remove("text");
    let event: aws_lambda_events::dynamodb::Event = serde_json::from_value(serde_json::json!({
        "Records": [
            stream_record("1", "MODIFY", new.clone(), old.clone()),
            stream_record("2", "REMOVE", Item::new(), new.clone()),
        ]
    }))
    .unwrap();
    let mut seen = Vec::new();
    let (answer, error) =
        for_each_table_change::<ClubStream, _, _>(&event, Others::Skip, |change, seq| {
            let new = match change {
                TableChange::Insert(c) | TableChange::Modify { new: c, .. } => Some(c),
                _ => None,
            };
            seen.push((seq.to_owned(), new));
            async { Ok(()) }
        })
        .await;
    assert!(error.is_none(), "{error:?}");
    assert!(answer.batch_item_failures.is_empty());
    assert_eq!(
        seen,
        [
            ("1".to_owned(), Some(ClubStream::Note(note))),
            ("2".to_owned(), None)
        ]
    );
}
