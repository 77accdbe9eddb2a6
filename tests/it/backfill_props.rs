//! A backfill over generated tables, stopped at random points and resumed from its
//! checkpoint, against a reference: every item that the change adds 1 to is at 1 (never 2,
//! never 0), skipped items are untouched, items that do not decode are counted failed and
//! left alone, the counts add up to what the table holds, and no more writes and scans
//! were in flight than allowed. The stops drop the run (as a kill would) after a random
//! number of answered writes and a random delay: between two writes, in the middle of a
//! page, and between a write and its page's checkpoint.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dynomodel::schema::backfill::Backfill;
use proptest::prelude::*;

use crate::backfill_safety::{add_one, counted_db, counts, seed, seed_bad, stop_after, Tally};
use crate::common;

#[derive(Clone, Debug)]
struct Case {
    /// Per item: 0 add by update, 1 skip, 2 add by save, 3 does not decode.
    kinds: Vec<u8>,
    segments: u32,
    page_size: i32,
    concurrency: usize,
    /// Stop after this many more answered writes, then this many microseconds.
    stops: Vec<(usize, u64)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(
            prop_oneof![4 => Just(0u8), 1 => Just(1), 2 => Just(2), 1 => Just(3)],
            0..40,
        ),
        1u32..=4,
        1i32..=8,
        1usize..=4,
        prop::collection::vec((0usize..30, 0u64..3000), 0..=3),
    )
        .prop_map(|(kinds, segments, page_size, concurrency, stops)| Case {
            kinds,
            segments,
            page_size,
            concurrency,
            stops,
        })
}

static STOPPED: AtomicUsize = AtomicUsize::new(0);
static ITEMS: AtomicUsize = AtomicUsize::new(0);

async fn check(c: &Case) -> Result<(), String> {
    let (db, counter) = counted_db().await;
    let good: Vec<u8> = c
        .kinds
        .iter()
        .map(|k| if *k == 3 { 0 } else { *k })
        .collect();
    seed(&db, c.kinds.len(), |i| good[i]).await;
    for (i, k) in c.kinds.iter().enumerate() {
        if *k == 3 {
            seed_bad(&db, &format!("t{i:03}")).await;
        }
    }
    ITEMS.fetch_add(c.kinds.len(), Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("backfill-props-{}", db.table_prefix()));
    std::fs::create_dir_all(&dir).unwrap();
    let checkpoint = dir.join("checkpoint.json");
    let backfill = || {
        Backfill::<Tally>::new()
            .segments(c.segments)
            .page_size(c.page_size)
            .concurrency(c.concurrency)
            .checkpoint(&checkpoint)
    };
    let mut finished = None;
    for (writes, micros) in &c.stops {
        counter.reset();
        let at = counter.writes() + writes;
        let extra = Duration::from_micros(*micros);
        match stop_after(add_one(backfill(), &db), &counter, at, extra).await {
            Some(r) => {
                finished = Some(r.map_err(|e| format!("a run failed: {e}"))?);
                break;
            }
            None => {
                STOPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    counter.reset();
    let done = match finished {
        Some(p) => p,
        None => add_one(backfill(), &db)
            .await
            .map_err(|e| format!("the resume failed: {e}"))?,
    };
    let _ = std::fs::remove_dir_all(&dir);

    // The reference: what each item must hold now.
    let stored = counts(&db).await;
    for (i, k) in c.kinds.iter().enumerate() {
        let id = format!("t{i:03}");
        let want = match k {
            0 | 2 => Some(1),
            1 => Some(0),
            _ => None,
        };
        let got = stored.get(&id).copied().flatten();
        if got != want {
            return Err(format!(
                "{id} (kind {k}) holds {got:?}, not {want:?}; {done}"
            ));
        }
    }
    let n = |want: &[u8]| c.kinds.iter().filter(|k| want.contains(k)).count() as u64;
    if done.read != c.kinds.len() as u64 {
        return Err(format!(
            "{} items, {} read: {done}",
            c.kinds.len(),
            done.read
        ));
    }
    if done.failed != n(&[3])
        || done.skipped != n(&[1])
        || done.written + done.already != n(&[0, 2])
    {
        return Err(format!("the counts do not add up: {done}"));
    }
    if done.failures.len() as u64 != n(&[3]) {
        return Err(format!("failures: {:?}", done.failures));
    }
    if done.segments_done != c.segments {
        return Err(format!(
            "{} of {} segments done: {done}",
            done.segments_done, c.segments
        ));
    }
    // The last run's requests in flight (the earlier ones were dropped part-way).
    let writes = counter.max("PutItem+UpdateItem");
    if writes > c.concurrency {
        return Err(format!(
            "{writes} writes in flight, concurrency {}",
            c.concurrency
        ));
    }
    let scans = counter.max("Scan");
    if scans > c.concurrency.min(c.segments as usize) {
        return Err(format!(
            "{scans} scans in flight, concurrency {}",
            c.concurrency
        ));
    }
    Ok(())
}

#[test]
fn a_backfill_stopped_at_random_points_changes_each_item_once() {
    let cases = common::Props::new(24, 60).run(&case(), |c| async move { check(&c).await });
    eprintln!(
        "a_backfill_stopped_at_random_points_changes_each_item_once: {cases} cases, {} items, {} stops",
        ITEMS.load(Ordering::Relaxed),
        STOPPED.load(Ordering::Relaxed)
    );
}
