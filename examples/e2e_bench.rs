//! dynomodel against the raw `aws-sdk-dynamodb` with hand-written `AttributeValue` maps, on
//! the same model and the same DynamoDB Local, interleaved round by round. Prints medians and
//! ratios.
//!
//! ```text
//! cargo run --release --example e2e_bench [items] [rounds]     # 2000 and 3 by default
//! ```
//!
//! The batch, query and scan rows use five times `items` (10,000 by default).

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use dynomodel::local::DynamoDbLocal;
use dynomodel::prelude::*;
use dynomodel::DynamoError;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "bench")]
struct Pet {
    #[dynomodel(hash_key)]
    owner: String,
    #[dynomodel(range_key)]
    id: String,
    name: String,
    age: u32,
    weight: f64,
    active: bool,
    #[dynomodel(string_set)]
    tags: BTreeSet<String>,
    address: Address,
    nickname: Option<String>,
    visits: u64,
}

#[derive(Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Address {
    street: String,
    city: String,
}

type Item = HashMap<String, AttributeValue>;

fn pet(owner: &str, i: usize) -> Pet {
    Pet {
        owner: owner.into(),
        id: format!("pet-{i:06}"),
        name: format!("Pet number {i}"),
        age: (i % 20) as u32,
        weight: 3.5 + (i % 7) as f64,
        active: i.is_multiple_of(3),
        tags: ["cute", "fluffy"].map(String::from).into(),
        address: Address {
            street: format!("{i} Main St"),
            city: "Springfield".into(),
        },
        nickname: i.is_multiple_of(2).then(|| format!("P{i}")),
        visits: i as u64 * 3,
    }
}

fn encode(p: &Pet) -> Item {
    let mut item = HashMap::with_capacity(11);
    item.insert("owner".into(), AttributeValue::S(p.owner.clone()));
    item.insert("id".into(), AttributeValue::S(p.id.clone()));
    item.insert("name".into(), AttributeValue::S(p.name.clone()));
    item.insert("age".into(), AttributeValue::N(p.age.to_string()));
    item.insert("weight".into(), AttributeValue::N(p.weight.to_string()));
    item.insert("active".into(), AttributeValue::Bool(p.active));
    item.insert(
        "tags".into(),
        AttributeValue::Ss(p.tags.iter().cloned().collect()),
    );
    item.insert(
        "address".into(),
        AttributeValue::M(HashMap::from([
            ("street".into(), AttributeValue::S(p.address.street.clone())),
            ("city".into(), AttributeValue::S(p.address.city.clone())),
        ])),
    );
    if let Some(n) = &p.nickname {
        item.insert("nickname".into(), AttributeValue::S(n.clone()));
    }
    item.insert("visits".into(), AttributeValue::N(p.visits.to_string()));
    item
}

fn s(item: &Item, k: &str) -> Option<String> {
    item.get(k)?.as_s().ok().cloned()
}

fn n<T: std::str::FromStr>(item: &Item, k: &str) -> Option<T> {
    item.get(k)?.as_n().ok()?.parse().ok()
}

fn decode(item: &Item) -> Option<Pet> {
    let address = item.get("address")?.as_m().ok()?;
    Some(Pet {
        owner: s(item, "owner")?,
        id: s(item, "id")?,
        name: s(item, "name")?,
        age: n(item, "age")?,
        weight: n(item, "weight")?,
        active: *item.get("active")?.as_bool().ok()?,
        tags: item.get("tags")?.as_ss().ok()?.iter().cloned().collect(),
        address: Address {
            street: s(address, "street")?,
            city: s(address, "city")?,
        },
        nickname: s(item, "nickname"),
        visits: n(item, "visits")?,
    })
}

async fn raw_create(db: &Db, pets: &[Pet]) -> Result<()> {
    let table = db.table_name("bench");
    for p in pets {
        db.client()
            .put_item()
            .table_name(&table)
            .set_item(Some(encode(p)))
            .condition_expression("attribute_not_exists(#o)")
            .expression_attribute_names("#o", "owner")
            .send()
            .await
            .map_err(|e| Error::from(DynamoError::from_sdk("PutItem", e)))?;
    }
    Ok(())
}

async fn raw_get(db: &Db, pets: &[Pet]) -> Result<usize> {
    let table = db.table_name("bench");
    let mut found = 0;
    for p in pets {
        let out = db
            .client()
            .get_item()
            .table_name(&table)
            .key("owner", AttributeValue::S(p.owner.clone()))
            .key("id", AttributeValue::S(p.id.clone()))
            .send()
            .await
            .map_err(|e| Error::from(DynamoError::from_sdk("GetItem", e)))?;
        found += out.item.as_ref().and_then(decode).is_some() as usize;
    }
    Ok(found)
}

async fn raw_batch_put(db: &Db, pets: &[Pet]) -> Result<()> {
    let table = db.table_name("bench");
    futures::stream::iter(pets.chunks(25))
        .map(|chunk| {
            let table = table.clone();
            async move {
                let mut requests: Vec<WriteRequest> = chunk
                    .iter()
                    .map(|p| {
                        WriteRequest::builder()
                            .put_request(
                                PutRequest::builder()
                                    .set_item(Some(encode(p)))
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                    })
                    .collect();
                while !requests.is_empty() {
                    let out = db
                        .client()
                        .batch_write_item()
                        .request_items(&table, requests)
                        .send()
                        .await
                        .map_err(|e| Error::from(DynamoError::from_sdk("BatchWriteItem", e)))?;
                    requests = out
                        .unprocessed_items
                        .and_then(|mut u| u.remove(&table))
                        .unwrap_or_default();
                }
                Ok::<_, Error>(())
            }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<()>>()
        .await
        .map(|_| ())
}

async fn raw_query(db: &Db, owner: &str) -> Result<usize> {
    let table = db.table_name("bench");
    let mut start = None;
    let mut count = 0;
    loop {
        let out = db
            .client()
            .query()
            .table_name(&table)
            .key_condition_expression("#o = :o")
            .expression_attribute_names("#o", "owner")
            .expression_attribute_values(":o", AttributeValue::S(owner.into()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| Error::from(DynamoError::from_sdk("Query", e)))?;
        count += out.items().iter().filter_map(decode).count();
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(count);
        }
    }
}

async fn raw_scan(db: &Db) -> Result<usize> {
    let table = db.table_name("bench");
    let mut start = None;
    let mut count = 0;
    loop {
        let out = db
            .client()
            .scan()
            .table_name(&table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| Error::from(DynamoError::from_sdk("Scan", e)))?;
        count += out.items().iter().filter_map(decode).count();
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(count);
        }
    }
}

/// The raw SDK's parallel scan, fanned out by hand: one tokio task per segment.
async fn raw_parallel_scan(db: &Db, segments: i32) -> Result<usize> {
    let tasks: Vec<_> = (0..segments)
        .map(|segment| {
            let db = db.clone();
            tokio::spawn(async move {
                let table = db.table_name("bench");
                let mut start = None;
                let mut count = 0;
                loop {
                    let out = db
                        .client()
                        .scan()
                        .table_name(&table)
                        .segment(segment)
                        .total_segments(segments)
                        .set_exclusive_start_key(start)
                        .send()
                        .await
                        .map_err(|e| Error::from(DynamoError::from_sdk("Scan", e)))?;
                    count += out.items().iter().filter_map(decode).count();
                    start = out.last_evaluated_key;
                    if start.is_none() {
                        return Ok::<_, Error>(count);
                    }
                }
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.map_err(|e| Error::Config(e.to_string()))??;
    }
    Ok(total)
}

async fn timed<T>(f: impl Future<Output = Result<T>>) -> Result<(Duration, T)> {
    let t = Instant::now();
    let v = f.await?;
    Ok((t.elapsed(), v))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

struct Row {
    name: String,
    raw: Vec<Duration>,
    ours: Vec<Duration>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let items: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let big = items * 5;
    let local = DynamoDbLocal::start().await?;
    let mut rows: Vec<Row> = [
        format!("create x{items} (sequential)"),
        format!("get x{items} (sequential)"),
        format!("batch_put {big}"),
        format!("query 1 partition of {big}, every page"),
        format!("scan {big}, every page"),
        format!("scan {big}, parallel(4) vs raw sequential"),
        format!("scan {big}, parallel(4) vs raw parallel(4), one task a segment"),
    ]
    .into_iter()
    .map(|name| Row {
        name,
        raw: vec![],
        ours: vec![],
    })
    .collect();

    for round in 0..rounds {
        let raw_db = local
            .db()
            .with_table_prefix(format!("e2e_{}_{round}_raw_", std::process::id()));
        let our_db = local
            .db()
            .with_table_prefix(format!("e2e_{}_{round}_ours_", std::process::id()));
        Pet::create_table().exec(&raw_db).await?;
        Pet::create_table().exec(&our_db).await?;
        let small: Vec<Pet> = (0..items).map(|i| pet("small", i)).collect();
        let large: Vec<Pet> = (0..big).map(|i| pet("large", i)).collect();

        // Single operations alternate one by one, and bulk ones run several times in
        // alternation, so that the JVM's pauses and drift fall on both sides alike.
        let (mut raw_t, mut our_t) = (Duration::ZERO, Duration::ZERO);
        for (i, p) in small.iter().enumerate() {
            let raw_op = async { raw_create(&raw_db, std::slice::from_ref(p)).await };
            let our_op = async { p.clone().create(&our_db).await };
            if i % 2 == 0 {
                raw_t += timed(raw_op).await?.0;
                our_t += timed(our_op).await?.0;
            } else {
                our_t += timed(our_op).await?.0;
                raw_t += timed(raw_op).await?.0;
            }
        }
        rows[0].raw.push(raw_t);
        rows[0].ours.push(our_t);

        let (mut raw_t, mut our_t) = (Duration::ZERO, Duration::ZERO);
        for (i, p) in small.iter().enumerate() {
            let raw_op = async { raw_get(&raw_db, std::slice::from_ref(p)).await };
            let our_op = async {
                Pet::get(Pet::key(p.owner.clone(), p.id.clone()))
                    .exec(&our_db)
                    .await
                    .map(|o| o.is_some() as usize)
            };
            let (a, b) = if i % 2 == 0 {
                let a = timed(raw_op).await?;
                (a, timed(our_op).await?)
            } else {
                let b = timed(our_op).await?;
                (timed(raw_op).await?, b)
            };
            assert_eq!((a.1, b.1), (1, 1));
            raw_t += a.0;
            our_t += b.0;
        }
        rows[1].raw.push(raw_t);
        rows[1].ours.push(our_t);

        let (mut raw_t, mut our_t) = (Duration::ZERO, Duration::ZERO);
        for repeat in 0..3 {
            // Later repeats overwrite the same items: the same work for both sides.
            let copy = large.clone();
            if (round + repeat) % 2 == 0 {
                raw_t += timed(raw_batch_put(&raw_db, &large)).await?.0;
                our_t += timed(Pet::batch_put(copy).exec(&our_db)).await?.0;
            } else {
                our_t += timed(Pet::batch_put(copy).exec(&our_db)).await?.0;
                raw_t += timed(raw_batch_put(&raw_db, &large)).await?.0;
            }
        }
        rows[2].raw.push(raw_t / 3);
        rows[2].ours.push(our_t / 3);

        const REPEAT: usize = 4;
        let (mut q_raw, mut q_ours, mut s_raw, mut s_ours, mut p_ours, mut p_raw) = (
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
        );
        for repeat in 0..REPEAT {
            let raw_first = (round + repeat) % 2 == 0;
            for side in [raw_first, !raw_first] {
                if side {
                    let (t, n) = timed(raw_query(&raw_db, "large")).await?;
                    assert_eq!(n, big);
                    q_raw += t;
                    let (t, n) = timed(raw_scan(&raw_db)).await?;
                    assert_eq!(n, big + items);
                    s_raw += t;
                    let (t, n) = timed(raw_parallel_scan(&raw_db, 4)).await?;
                    assert_eq!(n, big + items);
                    p_raw += t;
                } else {
                    let (t, v) =
                        timed(Pet::query(Pet::fields().owner.eq("large")).all(&our_db)).await?;
                    assert_eq!(v.len(), big);
                    q_ours += t;
                    let (t, v) = timed(Pet::scan().all(&our_db)).await?;
                    assert_eq!(v.len(), big + items);
                    s_ours += t;
                    let (t, v) = timed(Pet::scan().parallel(4).all(&our_db)).await?;
                    assert_eq!(v.len(), big + items);
                    p_ours += t;
                }
            }
        }
        let per = |d: Duration| d / REPEAT as u32;
        rows[3].raw.push(per(q_raw));
        rows[3].ours.push(per(q_ours));
        rows[4].raw.push(per(s_raw));
        rows[4].ours.push(per(s_ours));
        rows[5].raw.push(per(s_raw));
        rows[5].ours.push(per(p_ours));
        rows[6].raw.push(per(p_raw));
        rows[6].ours.push(per(p_ours));

        Pet::delete_table().exec(&raw_db).await?;
        Pet::delete_table().exec(&our_db).await?;
        eprintln!("round {} of {rounds} done", round + 1);
    }

    println!("| operation | raw SDK (median) | dynomodel (median) | dynomodel / raw |");
    println!("|---|---|---|---|");
    for r in rows {
        let (raw, ours) = (median(r.raw), median(r.ours));
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.2} |",
            r.name,
            raw.as_secs_f64() * 1e3,
            ours.as_secs_f64() * 1e3,
            ours.as_secs_f64() / raw.as_secs_f64()
        );
    }
    Ok(())
}
