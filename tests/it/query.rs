//! Queries and scans against DynamoDB Local, and the requests that builders show.

use dynomodel::prelude::*;
use dynomodel::query::Cursor;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::common;
use crate::ops::{pet, Pet};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "events", lsi(name = "by_kind", range = "kind"))]
struct Event {
    #[dynomodel(hash_key)]
    stream: String,
    #[dynomodel(range_key)]
    seq: u32,
    kind: String,
    #[serde(rename = "size")]
    n: u32,
}

async fn events(db: &Db, count: u32) {
    Event::create_table().exec(db).await.unwrap();
    for seq in 0..count {
        let mut e = Event {
            stream: "s".into(),
            seq,
            kind: if seq % 2 == 0 { "even" } else { "odd" }.into(),
            n: seq * 10,
        };
        e.save(db).await.unwrap();
    }
    Event {
        stream: "other".into(),
        seq: 1,
        kind: "even".into(),
        n: 0,
    }
    .save(db)
    .await
    .unwrap();
}

#[tokio::test]
async fn all_stream_and_cursor_by_cursor_exec_return_the_same_three_pages() {
    let db = common::db().await;
    events(&db, 25).await;
    let query = Event::query(Event::fields().stream.eq("s")).page_size(10);

    let all = query.all(&db).await.unwrap();
    let streamed: Vec<Event> = query.stream(&db).try_collect().await.unwrap();

    let mut paged = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<Cursor> = None;
    loop {
        // The cursor goes through its text form, as it would through a web client.
        let start = cursor.map(|c| c.to_string().parse::<Cursor>().unwrap());
        let page = query.clone().start_at(start).exec(&db).await.unwrap();
        pages += 1;
        paged.extend(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(all.len(), 25);
    assert_eq!(pages, 3);
    assert_eq!(streamed, all);
    assert_eq!(paged, all);
    let seqs: Vec<u32> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (0..25).collect::<Vec<_>>(), "ascending by range key");
}

#[tokio::test]
async fn range_conditions_order_filters_indexes_and_counts() {
    let db = common::db().await;
    events(&db, 12).await;
    let f = Event::fields();
    let seqs = |events: Vec<Event>| events.iter().map(|e| e.seq).collect::<Vec<_>>();

    let q = Event::query(f.stream.eq("s"));
    assert_eq!(
        seqs(
            q.clone()
                .range(f.seq.between(3u32, 5u32))
                .all(&db)
                .await
                .unwrap()
        ),
        [3, 4, 5]
    );
    assert_eq!(
        seqs(q.clone().range(f.seq.lt(2u32)).all(&db).await.unwrap()),
        [0, 1]
    );
    assert_eq!(
        seqs(
            q.clone()
                .range(f.seq.ge(10u32))
                .descending()
                .all(&db)
                .await
                .unwrap()
        ),
        [11, 10]
    );
    assert_eq!(
        seqs(
            q.clone()
                .filter(f.n.gt(80u32) & f.kind.eq("odd"))
                .all(&db)
                .await
                .unwrap()
        ),
        [9, 11],
        "a filter on a reserved word (size)"
    );
    assert_eq!(q.clone().count(&db).await.unwrap(), 12);
    assert_eq!(
        q.clone()
            .filter(f.kind.eq("even"))
            .count(&db)
            .await
            .unwrap(),
        6
    );

    // The LSI is chosen from the range key condition.
    let by_kind = q
        .clone()
        .range(f.kind.begins_with("od"))
        .consistent()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(by_kind.len(), 6);
    assert!(by_kind.iter().all(|e| e.kind == "odd"));
    assert_eq!(
        q.range(f.kind.eq("odd")).to_request().unwrap().index,
        Some("by_kind")
    );
}

#[tokio::test]
async fn a_global_index_query_and_projections() {
    let db = common::db().await;
    Pet::create_table().exec(&db).await.unwrap();
    for (id, owner, name) in [
        ("1", "rachel", "Beeba"),
        ("2", "rachel", "Bolt"),
        ("3", "sam", "Rex"),
    ] {
        let mut p = pet(id);
        p.owner = owner.into();
        p.name = name.into();
        p.create(&db).await.unwrap();
    }
    let f = Pet::fields();
    let mine = Pet::query(f.owner.eq("rachel"))
        .range(f.name.begins_with("B"))
        .index(Pet::BY_OWNER)
        .descending()
        .all(&db)
        .await
        .unwrap();
    let names: Vec<&str> = mine.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Bolt", "Beeba"]);

    #[derive(Document, Serialize, Deserialize, Debug, PartialEq)]
    struct PetName {
        id: String,
        name: String,
    }
    let mut names = Pet::scan().project::<PetName>().all(&db).await.unwrap();
    names.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(
        names[2],
        PetName {
            id: "3".into(),
            name: "Rex".into()
        }
    );
    assert_eq!(
        Pet::scan()
            .filter(f.owner.eq("rachel"))
            .count(&db)
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn a_parallel_scan_reads_every_item_once() {
    let db = common::db().await;
    events(&db, 40).await;
    let mut sequential = Event::scan().page_size(7).all(&db).await.unwrap();
    let mut parallel = Event::scan()
        .parallel(4)
        .page_size(7)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(sequential.len(), 41);
    let key = |e: &Event| (e.stream.clone(), e.seq);
    sequential.sort_by_key(key);
    parallel.sort_by_key(key);
    assert_eq!(parallel, sequential);
    assert_eq!(Event::scan().parallel(4).count(&db).await.unwrap(), 41);
}

#[tokio::test]
async fn queries_that_do_not_fit_an_index_are_refused_before_sending() {
    let f = Event::fields();
    let no_hash = Event::query(f.kind.eq("odd")).to_request().unwrap_err();
    assert!(no_hash.to_string().contains("hash key `kind`"), "{no_hash}");
    let not_eq = Event::query(f.stream.gt("s")).to_request().unwrap_err();
    assert!(not_eq.to_string().contains("equality"), "{not_eq}");
    let bad_range = Event::query(f.stream.eq("s"))
        .range(f.n.eq(1u32))
        .to_request()
        .unwrap_err();
    assert!(matches!(bad_range, Error::InvalidRequest(_)), "{bad_range}");
    let ne_range = Event::query(f.stream.eq("s"))
        .range(f.seq.ne(1u32))
        .to_request()
        .unwrap_err();
    assert!(matches!(ne_range, Error::InvalidRequest(_)), "{ne_range}");
    let pf = Pet::fields();
    let wrong_index = Pet::query(pf.id.eq("1"))
        .index(Pet::BY_OWNER)
        .to_request()
        .unwrap_err();
    assert!(
        wrong_index.to_string().contains("by_owner"),
        "{wrong_index}"
    );
    let gsi_consistent = Pet::query(pf.owner.eq("r"))
        .consistent()
        .to_request()
        .unwrap_err();
    assert!(
        gsi_consistent.to_string().contains("strong consistency"),
        "{gsi_consistent}"
    );
    assert!("garbage!".parse::<Cursor>().is_err());
    let key_in_filter = Pet::query(pf.owner.eq("r"))
        .filter(pf.name.eq("x"))
        .to_request()
        .unwrap_err();
    assert!(
        key_in_filter.to_string().contains("cannot name `name`"),
        "{key_in_filter}"
    );
}

#[test]
fn requests_show_placeholders_for_every_name_and_value() {
    let f = Pet::fields();
    let r = Pet::query(f.owner.eq("rachel"))
        .range(f.name.begins_with("B"))
        .filter(f.status.eq("active") & f.size.gt(2u32) & f.odd.exists())
        .limit(5)
        .to_request()
        .unwrap();
    assert_eq!(r.operation, "Query");
    assert_eq!(r.index, Some("by_owner"));
    assert_eq!(
        r.key_condition.as_deref(),
        Some("#n0 = :v0 AND begins_with(#n1, :v1)")
    );
    assert_eq!(
        r.filter.as_deref(),
        Some("(#n2 = :v2 AND #n3 > :v3 AND attribute_exists(#n4))")
    );
    assert_eq!(r.names["#n2"], "status");
    assert_eq!(r.names["#n3"], "size");
    assert_eq!(r.names["#n4"], "odd.name-with space");
    assert_eq!(r.limit, Some(5));

    let u = Pet::update(Pet::key("1"))
        .set(f.address.city.clone(), "x")
        .add(f.age.clone(), 1u32)
        .remove(f.status.clone())
        .condition(f.scores.at(0).eq(1u32))
        .to_request()
        .unwrap();
    // `attribute_exists(#n0)`: a field below `address` is set only where `address` is stored.
    assert_eq!(
        u.update.as_deref(),
        Some("SET #n0.#n1 = :v0 ADD #n2 :v1, #n4 :v2 REMOVE #n3")
    );
    assert_eq!(u.names["#n4"], "version");
    assert_eq!(
        u.condition.as_deref(),
        Some(
            "attribute_exists(#n5) AND #n6[0] = :v3 AND attribute_exists(#n0) AND (attribute_not_exists(#n2) OR #n2 <= :v4)"
        )
    );
}

#[tokio::test]
async fn limit_caps_the_total_and_page_size_the_requests() {
    let db = common::db().await;
    events(&db, 12).await;
    let f = Event::fields();
    let seqs = |events: &[Event]| events.iter().map(|e| e.seq).collect::<Vec<_>>();
    let q = Event::query(f.stream.eq("s"));

    // "Give me 5": all, stream and count stop there, whatever the page size.
    let five = q.clone().limit(5).page_size(2).all(&db).await.unwrap();
    assert_eq!(seqs(&five), [0, 1, 2, 3, 4]);
    let streamed: Vec<Event> = q.clone().limit(5).stream(&db).try_collect().await.unwrap();
    assert_eq!(streamed, five);
    assert_eq!(q.clone().limit(5).count(&db).await.unwrap(), 5);
    assert_eq!(Event::scan().limit(3).all(&db).await.unwrap().len(), 3);
    assert_eq!(
        Event::scan()
            .parallel(4)
            .limit(3)
            .all(&db)
            .await
            .unwrap()
            .len(),
        3
    );

    // With a filter, DynamoDB pages hold fewer matches: the total is still 3 odd ones.
    let odd = q
        .clone()
        .filter(f.kind.eq("odd"))
        .limit(3)
        .page_size(4)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(seqs(&odd), [1, 3, 5]);

    // A page cut at the limit continues just after its last item.
    let first = q.clone().page_size(10).limit(3).exec(&db).await.unwrap();
    assert_eq!(seqs(&first.items), [0, 1, 2]);
    let rest = q.clone().start_at(first.next).all(&db).await.unwrap();
    assert_eq!(seqs(&rest), (3..12).collect::<Vec<_>>());
    assert!(q.clone().limit(0).to_request().is_err());
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "sessions")]
struct Session {
    #[dynomodel(hash_key)]
    user: String,
    #[dynomodel(range_key)]
    id: String,
    #[dynomodel(ttl)]
    expires_at: Option<i64>,
}

#[tokio::test]
async fn items_past_their_ttl_are_left_out_unless_asked_for() {
    let db = common::db().await;
    Session::create_table().exec(&db).await.unwrap();
    let now = chrono::Utc::now().timestamp();
    for (id, expires_at) in [
        ("past", Some(now - 60)),
        ("future", Some(now + 3600)),
        ("none", None),
    ] {
        let mut s = Session {
            user: "u".into(),
            id: id.into(),
            expires_at,
        };
        s.create(&db).await.unwrap();
    }
    let ids = |sessions: Vec<Session>| {
        let mut ids: Vec<String> = sessions.into_iter().map(|s| s.id).collect();
        ids.sort();
        ids
    };
    let f = Session::fields();
    assert!(Session::get(Session::key("u", "past"))
        .exec(&db)
        .await
        .unwrap()
        .is_none());
    assert!(Session::get(Session::key("u", "past"))
        .include_expired()
        .exec(&db)
        .await
        .unwrap()
        .is_some());
    let live = Session::query(f.user.eq("u")).all(&db).await.unwrap();
    assert_eq!(ids(live), ["future", "none"]);
    assert_eq!(Session::scan().count(&db).await.unwrap(), 2);
    let every = Session::query(f.user.eq("u"))
        .include_expired()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(ids(every), ["future", "none", "past"]);
    assert_eq!(
        Session::scan()
            .include_expired()
            .all(&db)
            .await
            .unwrap()
            .len(),
        3
    );
}

/// The connections to `port` that are open now (IPv4, established, this machine).
fn connections_to(port: u16) -> usize {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return 0;
    };
    let remote = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.get(2).is_some_and(|r| r.ends_with(&remote)) && cols.get(3) == Some(&"01")
        })
        .count()
}

#[tokio::test]
async fn a_scan_in_2000_segments_holds_a_bounded_number_of_connections() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    // A DynamoDB Local of its own, so that only this scan's connections reach its port.
    let local = dynomodel::local::DynamoDbLocal::builder()
        .ignore_env()
        .start()
        .await
        .unwrap();
    let port: u16 = local
        .endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // Every request counted: the Scan requests in flight at once are the bound itself. The
    // connections are its consequence, which the HTTP pool may exceed for a moment (a
    // connection that has answered is not yet back in the pool when the next request starts).
    let counter = Arc::new(crate::backfill_safety::Counter::default());
    let conf = local
        .db()
        .client()
        .config()
        .to_builder()
        .interceptor(crate::backfill_safety::Counting(counter.clone()))
        .build();
    let db = dynomodel::Db::new(aws_sdk_dynamodb::Client::from_conf(conf));
    events(&db, 40).await;
    counter.reset();
    let (stop, peak) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(connections_to(port), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let all = Event::scan().parallel(2000).all(&db).await.unwrap();
    let streamed: Vec<Event> = Event::scan()
        .parallel(300)
        .stream(&db)
        .try_collect()
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let peak = peak.load(Ordering::Relaxed);
    eprintln!("peak connections of a parallel(2000) scan: {peak}");
    assert_eq!((all.len(), streamed.len()), (41, 41));
    let bound = dynomodel::query::DEFAULT_SCAN_CONCURRENCY;
    assert_eq!(
        counter.max("Scan"),
        bound,
        "Scan requests in flight at once"
    );
    // One connection per segment would be hundreds; the pool's race adds a few at most.
    assert!(peak <= 2 * bound + 4, "{peak} connections at once");

    // Each worker's segment: together, every item once.
    let mut shares = Vec::new();
    for i in 0..3 {
        shares.extend(Event::scan().segment(i, 3).all(&db).await.unwrap());
    }
    let key = |e: &Event| (e.stream.clone(), e.seq);
    shares.sort_by_key(key);
    let mut every = all.clone();
    every.sort_by_key(key);
    assert_eq!(shares, every);
    assert!(Event::scan().parallel(4).exec(&db).await.is_err());
}
