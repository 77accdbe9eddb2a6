//! One read policy on every path: what one read leaves out (an item past its TTL, another
//! entity's item, an untagged item), every read leaves out the same way; cursors, caps and
//! the index choice of every read.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use dynomodel::query::Cursor;
use serde::{Deserialize, Serialize};

use crate::common;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A model of a table of its own, with a TTL and a keys-only index.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "leases", gsi(name = "by_owner", hash = "owner", projection = keys_only))]
struct Lease {
    #[dynomodel(hash_key)]
    id: String,
    owner: String,
    #[dynomodel(ttl)]
    expires: Option<i64>,
}

fn lease(id: &str, expires: Option<i64>) -> Lease {
    Lease {
        id: id.into(),
        owner: "ann".into(),
        expires,
    }
}

#[tokio::test]
async fn every_read_leaves_out_an_item_past_its_ttl() {
    let db = common::db().await;
    Lease::create_table().exec(&db).await.unwrap();
    let past = now() - 60;
    let items = [
        lease("old", Some(past)),
        lease("live", Some(now() + 3600)),
        lease("forever", None),
    ];
    Lease::batch_put(items.clone()).exec(&db).await.unwrap();
    let key = |id: &str| Lease::key(id);
    // DynamoDB Local deletes items past their TTL by itself, within seconds: the expired item
    // is written again just before each read that must see it.
    let expire = || async {
        Lease::batch_put([lease("old", Some(past))])
            .exec(&db)
            .await
            .unwrap();
    };

    expire().await;
    // get
    assert_eq!(Lease::get(key("old")).exec(&db).await.unwrap(), None);
    assert!(Lease::get(key("old"))
        .include_expired()
        .exec(&db)
        .await
        .unwrap()
        .is_some());
    // batch get
    let got = Lease::batch_get(["old", "live"].map(key))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(got, vec![None, Some(items[1].clone())]);
    expire().await;
    let got = Lease::batch_get(["old"].map(key))
        .include_expired()
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(got, vec![Some(items[0].clone())]);
    // TransactGet
    let (old, live) = TransactGet::new()
        .get(key("old"))
        .get(key("live"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!((old, live), (None, Some(items[1].clone())));
    // (DynamoDB Local's TransactGetItems itself answers no item past its TTL, which AWS
    // does answer until it deletes the item: `include_expired` cannot be shown here.)
    expire().await;
    // scan and query
    let mut ids: Vec<String> = Lease::scan()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["forever", "live"]);
    assert_eq!(
        Lease::scan()
            .include_expired()
            .all(&db)
            .await
            .unwrap()
            .len(),
        3
    );
    let f = Lease::fields();
    assert!(Lease::query(f.id.eq("old"))
        .all(&db)
        .await
        .unwrap()
        .is_empty());
    // hydrate through a keys-only index: the index cannot show the TTL, so the whole items
    // decide (a filter on the TTL there would be refused by DynamoDB).
    let mut ids: Vec<String> = Lease::query(f.owner.eq("ann"))
        .hydrate()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["forever", "live"]);
    expire().await;
    let every = Lease::query(f.owner.eq("ann"))
        .include_expired()
        .hydrate()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(every.len(), 3);

    // A create over an expired item that DynamoDB has not deleted yet succeeds: every read
    // already tells that there is no item; over a live one it is AlreadyExists.
    expire().await;
    let mut again = lease("old", Some(now() + 3600));
    again.create(&db).await.unwrap();
    assert_eq!(Lease::get(key("old")).exec(&db).await.unwrap(), Some(again));
    let err = lease("live", None).create(&db).await.unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
}

#[derive(Table)]
#[dynomodel(name = "club", pk = "pk", sk = "sk",
            gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk", projection = keys_only))]
struct Club;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Club, entity = "member", pk = "CLUB#{club}", sk = "MEMBER#{name}",
            gsi1(pk = "CITY#{city}", sk = "M#{name}"))]
struct Member {
    club: String,
    name: String,
    city: String,
    #[dynomodel(ttl)]
    until: Option<i64>,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Club, entity = "event", pk = "CLUB#{club}", sk = "EVENT#{title}",
            gsi1(pk = "CITY#{city}", sk = "E#{title}"))]
struct Event {
    club: String,
    title: String,
    city: String,
}

#[derive(Collection, Debug, PartialEq)]
enum ClubView {
    Member(Member),
    Event(Event),
}

/// A legacy model of the same table that adopts items written without the entity attribute.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Club, entity = "note", pk = "CLUB#{club}", sk = "NOTE#{n}", adopt_untagged)]
struct Note {
    club: String,
    n: u32,
    text: String,
}

fn member(name: &str, until: Option<i64>) -> Member {
    Member {
        club: "c1".into(),
        name: name.into(),
        city: "oslo".into(),
        until,
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

#[tokio::test]
async fn a_shared_table_reads_each_entity_by_one_rule() {
    let db = common::db().await;
    Club::create_table().exec(&db).await.unwrap();
    let gone = member("gone", Some(now() - 60));
    let ann = member("ann", None);
    Member::batch_put([gone.clone(), ann.clone()])
        .overwrite_other_entities()
        .exec(&db)
        .await
        .unwrap();
    let party = Event {
        club: "c1".into(),
        title: "party".into(),
        city: "oslo".into(),
    };
    Event::batch_put([party.clone()])
        .overwrite_other_entities()
        .exec(&db)
        .await
        .unwrap();
    // Items without the entity attribute, as other code writes them: one a member's key
    // would name, one a note's.
    let untagged = |sk: &str| {
        HashMap::from([
            ("pk".to_owned(), s("CLUB#c1")),
            ("sk".to_owned(), s(sk)),
            ("club".to_owned(), s("c1")),
            ("name".to_owned(), s("old")),
            ("city".to_owned(), s("oslo")),
            ("n".to_owned(), AttributeValue::N("7".into())),
            ("text".to_owned(), s("legacy")),
            ("gsi1pk".to_owned(), s("CITY#oslo")),
            ("gsi1sk".to_owned(), s("M#old")),
        ])
    };
    common::raw_put(&db, "club", untagged("MEMBER#old")).await;
    common::raw_put(&db, "club", untagged("NOTE#0000000007")).await;

    // The collection leaves out the member past its TTL (the condition names the event's
    // partition: the member's TTL still applies), and the untagged items.
    let view = ClubView::query(Event::fields().club.eq("c1"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        view,
        vec![
            ClubView::Event(party.clone()),
            ClubView::Member(ann.clone())
        ]
    );
    let keyed = ClubView::batch_get([
        Member::key("c1", "gone").into(),
        Member::key("c1", "ann").into(),
    ])
    .exec(&db)
    .await
    .unwrap();
    assert_eq!(keyed, vec![None, Some(ClubView::Member(ann.clone()))]);

    // An untagged item is no member's: a get reports it, a query and a scan leave it out.
    let err = Member::get(Member::key("c1", "old"))
        .exec(&db)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WrongEntity { ref found, .. } if found.contains("without")),
        "{err}"
    );
    let members = Member::query(Member::fields().club.eq("c1"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(members, vec![ann.clone()]);
    assert_eq!(Member::scan().all(&db).await.unwrap(), vec![ann.clone()]);
    // ...and a save does not replace it: it is not this entity's.
    let mut over = member("old", None);
    let err = over.save(&db).await.unwrap_err();
    assert!(matches!(err, Error::WrongEntity { .. }), "{err}");

    // A model that adopts untagged items reads them on every path.
    let note = Note::get(Note::key("c1", 7u32))
        .exec(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(note.text, "legacy");
    assert_eq!(Note::scan().all(&db).await.unwrap(), vec![note.clone()]);
    assert_eq!(
        Note::query(Note::fields().club.eq("c1"))
            .all(&db)
            .await
            .unwrap(),
        vec![note]
    );

    // A keys-only index that two entities share: a hydrate gives this entity's items and
    // leaves the other's (and the untagged one, and the expired one) out.
    let by_city = Member::query(Member::fields().city.eq("oslo"))
        .hydrate()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(by_city, vec![ann.clone()]);
    let events = Event::query(Event::fields().city.eq("oslo"))
        .hydrate()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(events, vec![party]);
}

#[tokio::test]
async fn cursors_and_caps_hold_on_every_read() {
    let db = common::db().await;
    Lease::create_table().exec(&db).await.unwrap();
    Lease::batch_put((0..12).map(|i| lease(&format!("l{i:02}"), None)))
        .exec(&db)
        .await
        .unwrap();

    // A parallel scan has a cursor per segment: one cursor is refused before sending.
    let cursor = Cursor::from_key(Lease::key("l03").into_item());
    let parallel = Lease::scan().parallel(4).start_at(cursor.clone());
    let err = parallel.to_request().unwrap_err();
    assert!(err.to_string().contains("segment(i, n).start_at"), "{err}");
    assert!(parallel.all(&db).await.is_err());
    assert!(parallel.count(&db).await.is_err());
    use futures::StreamExt;
    let first = parallel.stream(&db).next().await.unwrap();
    assert!(first.is_err());

    // A filter that matches nothing, one item a request: the cap ends the read with a cursor.
    let f = Lease::fields();
    let nothing = Lease::scan()
        .filter(f.owner.eq("nobody"))
        .page_size(1)
        .max_pages(3);
    let err = nothing.all(&db).await.unwrap_err();
    let Error::PageCap { requests, next } = err else {
        panic!("{err}")
    };
    assert_eq!(requests, 3);
    let next: Cursor = next.parse().unwrap();
    // Resumed at the cursor, the cap counts again, and the read goes on where it stopped.
    let err = nothing.clone().start_at(next).all(&db).await.unwrap_err();
    assert!(matches!(err, Error::PageCap { .. }), "{err}");
    assert!(matches!(
        nothing.count(&db).await.unwrap_err(),
        Error::PageCap { .. }
    ));
    // A stream gives what it read, then the cap with its cursor.
    let ann = Lease::scan()
        .filter(f.owner.eq("ann"))
        .page_size(2)
        .max_pages(2);
    let got: Vec<Result<Lease>> = ann.stream(&db).collect().await;
    assert_eq!(got.iter().filter(|r| r.is_ok()).count(), 4);
    assert!(matches!(got.last(), Some(Err(Error::PageCap { .. }))));
    // `exec` reads up to the cap into one page, until it has what it wants.
    let page = Lease::scan()
        .filter(f.owner.eq("nobody"))
        .page_size(1)
        .max_pages(5)
        .exec(&db)
        .await
        .unwrap();
    assert!(page.items.is_empty() && page.next.is_some());
    assert_eq!(page.scanned_count, 5);
    let page = Lease::scan()
        .page_size(1)
        .limit(3)
        .max_pages(10)
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    // Without a cap, everything.
    assert_eq!(Lease::scan().page_size(1).all(&db).await.unwrap().len(), 12);
    assert!(Lease::scan().max_pages(0).to_request().is_err());
}

// clippy reads two indexes on one hash key as a repeated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "rooms",
    gsi(name = "by_floor_and_name", hash = "floor", range = "name")
)]
#[dynomodel(gsi(name = "by_floor", hash = "floor"))]
struct Room {
    #[dynomodel(hash_key)]
    id: String,
    floor: u32,
    name: String,
}

#[tokio::test]
async fn a_query_of_a_hash_key_alone_chooses_the_index_without_a_range_key() {
    let r = Room::query(Room::fields().floor.eq(2u32))
        .to_request()
        .unwrap();
    assert_eq!(r.index, Some("by_floor"));
    let r = Room::query(Room::fields().floor.eq(2u32))
        .range(Room::fields().name.begins_with("A"))
        .to_request()
        .unwrap();
    assert_eq!(r.index, Some("by_floor_and_name"));
    let db = common::db().await;
    Room::create_table().exec(&db).await.unwrap();
    let mut room = Room {
        id: "r1".into(),
        floor: 2,
        name: "Aula".into(),
    };
    room.create(&db).await.unwrap();
    let found = Room::query(Room::fields().floor.eq(2u32))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(found, vec![room]);
}
