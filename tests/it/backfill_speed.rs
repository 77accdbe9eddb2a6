//! The backfill against a backfill written by hand with the SDK (a parallel scan and one
//! conditional PutItem an item, at the same concurrency), on the same table in one run:
//! docs/performance.md has the figure.
//!
//! ```text
//! cargo test --release --test it backfill_speed -- --ignored --nocapture
//! ```

use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use dynomodel::prelude::*;
use dynomodel::schema::backfill::Backfill;
use futures::stream::{self, StreamExt};

use crate::backfill_safety::{add_one, seed};
use crate::common;

const ITEMS: usize = 3000;
const SEGMENTS: i32 = 4;
const CONCURRENCY: usize = 8;

/// A raw backfill: scan each segment, and write every item back with its count + 1 and a
/// stamp, on the condition that the stamp is not there yet.
async fn by_hand(db: &Db, run: &str) -> usize {
    let client = db.client();
    let table = db.table_name("tally");
    let segment = |s: i32| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            let mut start = None;
            let mut n = 0;
            loop {
                let page = client
                    .scan()
                    .table_name(&table)
                    .segment(s)
                    .total_segments(SEGMENTS)
                    .limit(100)
                    .consistent_read(true)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .unwrap();
                let items = page.items.unwrap_or_default();
                n += items.len();
                stream::iter(items)
                    .map(|mut item| {
                        let (client, table) = (client.clone(), table.clone());
                        async move {
                            let count: u32 = item["count"].as_n().unwrap().parse().unwrap();
                            item.insert("count".into(), AttributeValue::N((count + 1).to_string()));
                            item.insert("stamp".into(), AttributeValue::S(run.to_owned()));
                            client
                                .put_item()
                                .table_name(&table)
                                .set_item(Some(item))
                                .condition_expression("attribute_not_exists(#s) OR #s <> :r")
                                .expression_attribute_names("#s", "stamp")
                                .expression_attribute_values(
                                    ":r",
                                    AttributeValue::S(run.to_owned()),
                                )
                                .send()
                                .await
                                .unwrap();
                        }
                    })
                    .buffer_unordered(CONCURRENCY / SEGMENTS as usize)
                    .collect::<Vec<()>>()
                    .await;
                start = page.last_evaluated_key;
                if start.is_none() {
                    return n;
                }
            }
        }
    };
    stream::iter(0..SEGMENTS)
        .map(segment)
        .buffer_unordered(SEGMENTS as usize)
        .collect::<Vec<usize>>()
        .await
        .into_iter()
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run it with --ignored --nocapture"]
async fn backfill_speed() {
    let db = common::db().await;
    seed(&db, ITEMS, |i| if i % 2 == 0 { 0 } else { 2 }).await;
    let mut ratios = Vec::new();
    for round in 0..3 {
        let started = Instant::now();
        let n = by_hand(&db, &format!("hand{round}")).await;
        let hand = n as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        let p = add_one(
            Backfill::new()
                .segments(SEGMENTS as u32)
                .concurrency(CONCURRENCY),
            &db,
        )
        .await
        .unwrap();
        assert_eq!(p.written, ITEMS as u64, "{p}");
        let ours = ITEMS as f64 / started.elapsed().as_secs_f64();
        ratios.push(ours / hand);
        eprintln!(
            "backfill_speed round {round}: by hand {hand:.0} items/s, Backfill {ours:.0} items/s, ratio {:.2}",
            ours / hand
        );
    }
    ratios.sort_by(f64::total_cmp);
    eprintln!("backfill_speed: median ratio {:.2}", ratios[1]);
}
