//! The backfill against a backfill written by hand with the SDK (a parallel scan, and one
//! conditional write an item: the same UpdateItem or PutItem that `Backfill` sends for it,
//! with the same conditions, at the same concurrency), on the same table in one run: a
//! round to warm up, then rounds that alternate which of the two goes first; the median
//! ratio is the figure of docs/performance.md.
//!
//! ```text
//! cargo test --test it backfill_speed -- --ignored --nocapture
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
                            // What `add_one` does: kind 0 by an update, kind 2 by a save
                            // (a put of the whole item, that brings back no deleted item).
                            let stamped = "attribute_not_exists(#s) OR #s <> :r";
                            let r = AttributeValue::S(run.to_owned());
                            if item["kind"].as_n().unwrap() == "0" {
                                let key = item["id"].clone();
                                client
                                    .update_item()
                                    .table_name(&table)
                                    .key("id", key)
                                    .update_expression("SET #s = :r ADD #c :one")
                                    .condition_expression(format!(
                                        "attribute_exists(#k) AND ({stamped})"
                                    ))
                                    .expression_attribute_names("#k", "id")
                                    .expression_attribute_names("#s", "stamp")
                                    .expression_attribute_names("#c", "count")
                                    .expression_attribute_values(":r", r)
                                    .expression_attribute_values(
                                        ":one",
                                        AttributeValue::N("1".into()),
                                    )
                                    .send()
                                    .await
                                    .unwrap();
                                return;
                            }
                            let count: u32 = item["count"].as_n().unwrap().parse().unwrap();
                            item.insert("count".into(), AttributeValue::N((count + 1).to_string()));
                            item.insert("stamp".into(), r.clone());
                            client
                                .put_item()
                                .table_name(&table)
                                .set_item(Some(item))
                                .condition_expression(format!(
                                    "attribute_exists(#k) AND ({stamped})"
                                ))
                                .expression_attribute_names("#k", "id")
                                .expression_attribute_names("#s", "stamp")
                                .expression_attribute_values(":r", r)
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

/// The CPU time of this process so far (user and system, every thread), in clock ticks:
/// what the client spends, apart from DynamoDB Local's JVM.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command's closing parenthesis; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// Rounds that warm DynamoDB Local up (its JIT compiler is still busy in the first ones)
/// and are not counted, then rounds measured.
const WARM_UP: usize = 4;
const ROUNDS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run it with --ignored --nocapture"]
async fn backfill_speed() {
    let db = common::db().await;
    seed(&db, ITEMS, |i| if i % 2 == 0 { 0 } else { 2 }).await;
    let hand = |round: usize| {
        let db = db.clone();
        async move {
            let (started, cpu) = (Instant::now(), cpu_ticks());
            let n = by_hand(&db, &format!("hand{round}")).await;
            assert_eq!(n, ITEMS);
            (
                n as f64 / started.elapsed().as_secs_f64(),
                cpu_ticks() - cpu,
            )
        }
    };
    let ours = |_round: usize| {
        let db = db.clone();
        async move {
            let (started, cpu) = (Instant::now(), cpu_ticks());
            let p = add_one(
                Backfill::new()
                    .segments(SEGMENTS as u32)
                    .concurrency(CONCURRENCY),
                &db,
            )
            .await
            .unwrap();
            assert_eq!(p.written, ITEMS as u64, "{p}");
            (
                ITEMS as f64 / started.elapsed().as_secs_f64(),
                cpu_ticks() - cpu,
            )
        }
    };
    let mut ratios = Vec::new();
    let mut cpu = [0u64; 2];
    for round in 0..WARM_UP + ROUNDS {
        let ((h, hand_cpu), (o, ours_cpu)) = if round % 2 == 0 {
            let h = hand(round).await;
            (h, ours(round).await)
        } else {
            let o = ours(round).await;
            (hand(round).await, o)
        };
        let first = if round % 2 == 0 {
            "by hand"
        } else {
            "Backfill"
        };
        eprintln!(
            "backfill_speed round {round} ({first} first{}): by hand {h:.0} items/s, Backfill {o:.0} items/s, ratio {:.2}; client CPU ticks {hand_cpu} and {ours_cpu}",
            if round < WARM_UP { ", warm-up, not counted" } else { "" },
            o / h
        );
        if round >= WARM_UP {
            ratios.push(o / h);
            cpu[0] += hand_cpu;
            cpu[1] += ours_cpu;
        }
    }
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let median = (ratios[(n - 1) / 2] + ratios[n / 2]) / 2.0;
    eprintln!(
        "backfill_speed: median ratio {median:.2} of {n} rounds (lowest {:.2}, highest {:.2}); client CPU ticks by hand {}, Backfill {}",
        ratios[0],
        ratios[n - 1],
        cpu[0],
        cpu[1]
    );
}
