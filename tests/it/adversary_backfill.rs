//! What three surfaces must never do, each as a case that once broke or that guards it:
//! a backfill stopped at any point (between a write and its checkpoint, while a checkpoint
//! is being written) changes no item twice, writes no checkpoint after it was stopped and
//! reports counts that never go down; and a range on the templated sort key of a model that
//! adopts untagged items answers exactly the keys in the range, also at the edge of the
//! longest key that DynamoDB takes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dynomodel::prelude::*;
use dynomodel::schema::backfill::Backfill;
use serde::{Deserialize, Serialize};

use crate::backfill_safety::{add_one, counts, seed, temp_checkpoint};
use crate::common;

/// Stopped again and again after a few milliseconds (inside writes, between a write and its
/// checkpoint, while the checkpoint is on the blocking thread), and resumed each time: every
/// counter ends at 1, the checkpoint on disk does not change once the run is dropped, and the
/// counts that `on_progress` reports never go down within a run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_stopped_at_many_points_changes_each_item_once() {
    let db = common::db().await;
    seed(&db, 90, |i| if i % 3 == 1 { 2 } else { 0 }).await;
    let checkpoint = temp_checkpoint(&db, "adversary-stops.json");
    let (mut stops, mut finished) = (0, false);
    for round in 0..200u64 {
        let seen: Arc<Mutex<Vec<u64>>> = Arc::default();
        let s = seen.clone();
        let b = Backfill::<Tally>::new()
            .segments(5)
            .concurrency(3)
            .page_size(4)
            .checkpoint(&checkpoint)
            .on_progress(move |p| s.lock().unwrap().push(p.read));
        let stop = Duration::from_millis(3 + (round * 7) % 23);
        match tokio::time::timeout(stop, add_one(b, &db)).await {
            Ok(done) => {
                let done = done.unwrap();
                let reads = seen.lock().unwrap().clone();
                assert!(reads.windows(2).all(|w| w[0] <= w[1]), "{reads:?}");
                assert!(done.failed == 0, "{done}");
                finished = true;
                break;
            }
            Err(_) => {
                stops += 1;
                let reads = seen.lock().unwrap().clone();
                assert!(
                    reads.windows(2).all(|w| w[0] <= w[1]),
                    "on_progress went down: {reads:?}"
                );
                let on_disk = std::fs::read(&checkpoint).ok();
                tokio::time::sleep(Duration::from_millis(30)).await;
                assert_eq!(
                    on_disk,
                    std::fs::read(&checkpoint).ok(),
                    "a checkpoint was written after the run was dropped (stop {stops})"
                );
            }
        }
    }
    // On a loaded machine the 200 short runs may not reach the end: the last resume does.
    if !finished {
        let b = Backfill::<Tally>::new()
            .segments(5)
            .concurrency(3)
            .page_size(4)
            .checkpoint(&checkpoint);
        let done = add_one(b, &db).await.unwrap();
        assert!(done.failed == 0, "{done}");
    }
    let counts = counts(&db).await;
    let wrong: Vec<_> = counts.iter().filter(|(_, c)| **c != Some(1)).collect();
    assert!(
        wrong.is_empty(),
        "after {stops} stops (finished within them: {finished}), not at 1: {wrong:?}"
    );
    assert_eq!(counts.len(), 90);
}

use crate::backfill_safety::Tally;

#[derive(Table)]
#[dynomodel(name = "adv_tail", pk = "pk", sk = "sk")]
struct AdvTail;

/// The ranged field ends the sort key.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = AdvTail, entity = "tail", pk = "G#{g}", sk = "T#{s}", adopt_untagged)]
struct Tail {
    g: String,
    s: String,
}

/// The greatest field value whose key `T#..` fits in 1024 bytes: 255 times U+10FFFF, then
/// U+07FF (two bytes).
fn fill() -> String {
    let mut s: String = std::iter::repeat_n('\u{10FFFF}', 255).collect();
    s.push('\u{7FF}');
    assert_eq!(s.len() + 2, 1024);
    s
}

/// Just below [`fill`], of the same length.
fn almost() -> String {
    let mut s: String = std::iter::repeat_n('\u{10FFFF}', 255).collect();
    s.push('\u{7FE}');
    s
}

/// At the longest key: `s > fill` and `s < ""` have no key in the range, and must answer
/// nothing (not the item at the prefix's greatest key); `s > almost`, whose key plus one
/// byte is past the key limit, must answer the item above it.
#[tokio::test]
async fn a_range_at_the_longest_key_answers_what_is_in_it() {
    let db = common::db().await;
    AdvTail::create_table().exec(&db).await.unwrap();
    let values = [String::new(), "a".into(), "é".into(), almost(), fill()];
    for v in &values {
        Tail {
            g: "g".into(),
            s: v.clone(),
        }
        .save(&db)
        .await
        .unwrap();
    }
    let f = Tail::fields();
    type Pick = fn(&str, &str) -> bool;
    let cases: Vec<(String, Condition<Tail>, Pick)> = vec![
        ("> fill".into(), f.s.gt(fill()), |s, v| s > v),
        (">= fill".into(), f.s.ge(fill()), |s, v| s >= v),
        ("> almost".into(), f.s.gt(almost()), |s, v| s > v),
        ("< \"\"".into(), f.s.lt(""), |s, v| s < v),
        ("<= \"\"".into(), f.s.le(""), |s, v| s <= v),
        ("< a".into(), f.s.lt("a"), |s, v| s < v),
        ("> é".into(), f.s.gt("é"), |s, v| s > v),
    ];
    let bounds = [
        fill(),
        fill(),
        almost(),
        String::new(),
        String::new(),
        "a".into(),
        "é".into(),
    ];
    let mut wrong = Vec::new();
    for ((what, cond, pick), bound) in cases.into_iter().zip(bounds) {
        let mut want: Vec<String> = values.iter().filter(|s| pick(s, &bound)).cloned().collect();
        want.sort();
        for descending in [false, true] {
            let mut q = Tail::query(f.g.eq("g")).range(cond.clone());
            if descending {
                q = q.descending();
            }
            let got = match q.all(&db).await {
                Ok(all) => {
                    let mut got: Vec<String> = all.into_iter().map(|t| t.s).collect();
                    got.sort();
                    got
                }
                Err(e) => {
                    wrong.push(format!("{what}: all: {e}"));
                    continue;
                }
            };
            let count = q.count(&db).await;
            if got != want || count.as_ref().ok() != Some(&want.len()) {
                wrong.push(format!(
                    "{what} (descending {descending}): all gives {} items, count {count:?}, want {}",
                    got.len(),
                    want.len()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
