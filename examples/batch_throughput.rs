//! Throughput of a 10,000-item `batch_put` against a plain sequential loop of raw
//! BatchWriteItem calls, interleaved in one run against one DynamoDB Local.
//!
//! ```text
//! cargo run --release --example batch_throughput [items] [rounds] [concurrency]
//! ```

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use dynomodel::local::DynamoDbLocal;
use dynomodel::prelude::*;
use dynomodel::DynamoError;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    name: String,
    owner: String,
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

fn pet(i: usize) -> Pet {
    Pet {
        id: format!("pet-{i:06}"),
        name: format!("Pet number {i}"),
        owner: format!("owner-{}", i % 97),
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

fn raw_item(p: &Pet) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::new();
    item.insert("id".into(), AttributeValue::S(p.id.clone()));
    item.insert("name".into(), AttributeValue::S(p.name.clone()));
    item.insert("owner".into(), AttributeValue::S(p.owner.clone()));
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

/// The plain loop: 25 items per BatchWriteItem, one call at a time, unprocessed items sent
/// again until none are left.
async fn raw_loop(db: &Db, pets: &[Pet]) -> Result<()> {
    let table = db.table_name(Pet::TABLE);
    for chunk in pets.chunks(25) {
        let mut requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|p| {
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(raw_item(p)))
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
                .map_err(|e| DynamoError::from_sdk("BatchWriteItem", e))?;
            requests = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&table))
                .unwrap_or_default();
        }
    }
    Ok(())
}

async fn fresh_table(local: &DynamoDbLocal, run: &str) -> Result<Db> {
    let db = local
        .db()
        .with_table_prefix(format!("tp_{}_{run}_", std::process::id()));
    Pet::create_table().exec(&db).await?;
    Ok(db)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let options = dynomodel::batch::BatchOptions {
        concurrency: args.next().and_then(|a| a.parse().ok()).unwrap_or(8),
        ..Default::default()
    };
    let local = DynamoDbLocal::start().await?;
    let pets: Vec<Pet> = (0..n).map(pet).collect();
    let (mut raw, mut ours) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let db = fresh_table(&local, &format!("raw{round}")).await?;
        let t = Instant::now();
        raw_loop(&db, &pets).await?;
        raw.push(t.elapsed());
        assert_eq!(Pet::scan().parallel(4).count(&db).await?, n);
        Pet::delete_table().exec(&db).await?;

        let db = fresh_table(&local, &format!("dm{round}")).await?;
        let t = Instant::now();
        Pet::batch_put(pets.clone())
            .options(options)
            .exec(&db)
            .await?;
        ours.push(t.elapsed());
        assert_eq!(Pet::scan().parallel(4).count(&db).await?, n);
        Pet::delete_table().exec(&db).await?;
        println!(
            "round {}: raw sequential {:?}, dynomodel batch_put {:?}",
            round + 1,
            raw[round],
            ours[round]
        );
    }
    let (raw, ours) = (median(raw), median(ours));
    let per_sec = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "{n} items, batch_put concurrency {}, median of {rounds}: raw sequential BatchWriteItem {:.0} items/s ({raw:?}), \
         dynomodel batch_put {:.0} items/s ({ours:?}); speed-up {:.2}x",
        options.concurrency,
        per_sec(raw),
        per_sec(ours),
        raw.as_secs_f64() / ours.as_secs_f64()
    );
    Ok(())
}
