//! What a backfill must never do, each shown on a named case: apply a change twice to one
//! item in one run, skip items because of its checkpoint, stop on one bad item, count a
//! racing writer's item as done, or put more writes in flight than it was allowed.
//! `backfill_props.rs` checks the same over generated runs stopped at random points.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use dynomodel::prelude::*;
use dynomodel::schema::backfill::{Backfill, Change, Progress};
use serde::{Deserialize, Serialize};

use crate::common;

/// An item with a counter that the backfill adds 1 to (`kind` 0, by an update; 2, by a
/// save), or leaves alone (`kind` 1).
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "tally")]
pub struct Tally {
    #[dynomodel(hash_key)]
    pub id: String,
    pub count: u32,
    pub kind: u8,
}

/// Another model of the same table, to resume a checkpoint with.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "tally")]
pub struct OtherTally {
    #[dynomodel(hash_key)]
    pub id: String,
    pub count: u32,
}

/// Requests as DynamoDB sees them, counted by the SDK client: per operation, how many are
/// in flight now and at most, and how many have finished.
#[derive(Debug, Default)]
pub struct Counter {
    inner: Mutex<HashMap<String, (usize, usize)>>,
    finished_writes: AtomicUsize,
}

fn operation(target: Option<&str>) -> String {
    target
        .and_then(|t| t.rsplit_once('.'))
        .map(|(_, op)| op.to_owned())
        .unwrap_or_default()
}

impl Counter {
    /// The most requests of `op` that were in flight at once.
    pub fn max(&self, op: &str) -> usize {
        self.inner.lock().unwrap().get(op).map_or(0, |c| c.1)
    }
    /// PutItem and UpdateItem requests that have had their answer.
    pub fn writes(&self) -> usize {
        self.finished_writes.load(Ordering::SeqCst)
    }
    /// Forgets the maxima (after a seed).
    pub fn reset(&self) {
        self.inner.lock().unwrap().clear();
    }
}

/// The operation of an attempt, kept from its start to its end.
#[derive(Debug, Clone)]
struct Op(String);

impl Storable for Op {
    type Storer = StoreReplace<Self>;
}

/// The key of PutItem and UpdateItem together.
pub const WRITES: &str = "PutItem+UpdateItem";

#[derive(Debug, Clone)]
pub struct Counting(pub Arc<Counter>);

impl Intercept for Counting {
    fn name(&self) -> &'static str {
        "Counting"
    }
    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = operation(ctx.request().headers().get("x-amz-target"));
        cfg.interceptor_state().store_put(Op(op.clone()));
        let mut m = self.0.inner.lock().unwrap();
        let write = op == "PutItem" || op == "UpdateItem";
        for key in std::iter::once(op).chain(write.then(|| WRITES.to_owned())) {
            let c = m.entry(key).or_default();
            c.0 += 1;
            c.1 = c.1.max(c.0);
        }
        Ok(())
    }
    fn read_after_attempt(
        &self,
        _ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Op(op)) = cfg.load::<Op>().cloned() else {
            return Ok(());
        };
        cfg.interceptor_state().unset::<Op>();
        let write = op == "PutItem" || op == "UpdateItem";
        let mut m = self.0.inner.lock().unwrap();
        for key in std::iter::once(op).chain(write.then(|| WRITES.to_owned())) {
            if let Some(c) = m.get_mut(&key) {
                c.0 = c.0.saturating_sub(1);
            }
        }
        if write {
            self.0.finished_writes.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// A `Db` of its own table prefix whose requests `Counter` counts.
pub async fn counted_db() -> (Db, Arc<Counter>) {
    let db = common::db().await;
    let counter = Arc::new(Counter::default());
    let conf = db
        .client()
        .config()
        .to_builder()
        .interceptor(Counting(counter.clone()))
        .build();
    let counted =
        Db::new(aws_sdk_dynamodb::Client::from_conf(conf)).with_table_prefix(db.table_prefix());
    (counted, counter)
}

/// `n` tallies at 0: ids `t000`.., of kind `kinds(i)`.
pub async fn seed(db: &Db, n: usize, kinds: impl Fn(usize) -> u8) {
    Tally::create_table().exec(db).await.unwrap();
    let items: Vec<Tally> = (0..n)
        .map(|i| Tally {
            id: format!("t{i:03}"),
            count: 0,
            kind: kinds(i),
        })
        .collect();
    Tally::batch_put(items).exec(db).await.unwrap();
}

/// Stores an item that does not decode as a `Tally` (its count is a string).
pub async fn seed_bad(db: &Db, id: &str) {
    db.client()
        .put_item()
        .table_name(db.table_name("tally"))
        .item("id", AttributeValue::S(id.into()))
        .item("count", AttributeValue::S("many".into()))
        .item("kind", AttributeValue::N("0".into()))
        .send()
        .await
        .unwrap();
}

/// The backfill of the tallies: add 1 to `count`, by an update or a save.
pub async fn add_one(b: Backfill<Tally>, db: &Db) -> Result<Progress> {
    let count = Tally::fields().count;
    b.run(db, move |t: Tally| {
        let count = count.clone();
        async move {
            Ok(match t.kind {
                1 => Change::Skip,
                2 => Change::Save(Tally {
                    count: t.count + 1,
                    ..t
                }),
                _ => Change::Update(Tally::update(t.key_of()?).add(&count, 1u32)),
            })
        }
    })
    .await
}

/// The raw counts of every item, by id (`None` for one that does not decode).
pub async fn counts(db: &Db) -> HashMap<String, Option<u32>> {
    let out = db
        .client()
        .scan()
        .table_name(db.table_name("tally"))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.items()
        .iter()
        .map(|i| {
            let id = i["id"].as_s().unwrap().clone();
            let n = i["count"].as_n().ok().and_then(|n| n.parse().ok());
            (id, n)
        })
        .collect()
}

/// Runs `run` until `counter` has seen `writes` writes answered, then a little longer, and
/// drops it there: as a process killed at that point. `None` where it was stopped.
pub async fn stop_after<T>(
    run: impl std::future::Future<Output = T>,
    counter: &Counter,
    writes: usize,
    extra: Duration,
) -> Option<T> {
    let stop = async {
        while counter.writes() < writes {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        tokio::time::sleep(extra).await;
    };
    tokio::select! {
        r = run => Some(r),
        () = stop => None,
    }
}

pub fn temp_checkpoint(db: &Db, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("backfill-safety-{}", db.table_prefix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Stopped in the middle of a page, after some writes and before the page's checkpoint,
/// and resumed: every counter is 1, none 2. (A run once added 1 twice to 10 of 60 items.)
#[tokio::test]
async fn a_backfill_stopped_mid_page_adds_one_to_each_item_once() {
    let (db, counter) = counted_db().await;
    seed(&db, 60, |_| 0).await;
    let checkpoint = temp_checkpoint(&db, "mid-page.json");
    let backfill = || {
        Backfill::<Tally>::new()
            .segments(2)
            .concurrency(4)
            .page_size(20)
            .checkpoint(&checkpoint)
    };
    let before = counter.writes();
    let stopped = stop_after(
        add_one(backfill(), &db),
        &counter,
        before + 25,
        Duration::ZERO,
    )
    .await;
    assert!(
        stopped.is_none(),
        "the run ended before the stop: {stopped:?}"
    );
    let done = add_one(backfill(), &db).await.unwrap();
    let counts = counts(&db).await;
    let twice: Vec<_> = counts.iter().filter(|(_, c)| **c != Some(1)).collect();
    assert!(
        twice.is_empty(),
        "{} items not at 1: {twice:?}",
        twice.len()
    );
    assert_eq!(done.read, 60, "{done}");
    assert_eq!(done.written + done.already, 60, "{done}");
    let _ = std::fs::remove_file(&checkpoint);
}

/// A checkpoint that cannot be written fails the run before any item is written.
#[tokio::test]
async fn an_unwritable_checkpoint_fails_before_any_write() {
    let db = common::db().await;
    seed(&db, 10, |_| 0).await;
    // The checkpoint's temporary file cannot be made: a directory has its name.
    let path = temp_checkpoint(&db, "cp.json");
    let tmp = path.with_extension("json.tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let e = add_one(Backfill::new().checkpoint(&path), &db)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cannot be written"), "{e}");
    let counts = counts(&db).await;
    assert!(
        counts.values().all(|c| *c == Some(0)),
        "items were written before the checkpoint failed: {counts:?}"
    );
    let _ = std::fs::remove_dir(&tmp);
}

/// Writes a checkpoint from a run of one page of each of 4 segments, then edits it.
async fn edited_checkpoint(db: &Db, edit: impl Fn(&mut serde_json::Value)) -> std::path::PathBuf {
    let path = temp_checkpoint(db, &format!("edited-{}.json", rand_suffix()));
    // A first run stopped after its first page leaves a checkpoint with cursors.
    let paged = Arc::new(tokio::sync::Notify::new());
    let on_page = paged.clone();
    let b = Backfill::<Tally>::new()
        .segments(4)
        .page_size(2)
        .checkpoint(&path)
        .on_progress(move |_| on_page.notify_one());
    tokio::select! {
        r = add_one(b, db) => panic!("the first run ended: {r:?}"),
        () = paged.notified() => {}
    }
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut json);
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    path
}

/// A backfill stopped (its future dropped) after a page writes its checkpoint no more: the
/// checkpoint read right after the stop is the one that stays, and resuming from it writes
/// each item once. (Checkpoints are synced on blocking threads, which a dropped future does
/// not stop.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_backfill_writes_no_checkpoint_afterwards() {
    let db = common::db().await;
    seed(&db, 120, |_| 0).await;
    let path = temp_checkpoint(&db, "stopped.json");
    let paged = Arc::new(tokio::sync::Notify::new());
    let on_page = paged.clone();
    let b = Backfill::<Tally>::new()
        .segments(4)
        .page_size(3)
        .checkpoint(&path)
        .on_progress(move |_| on_page.notify_one());
    tokio::select! {
        r = add_one(b, &db) => panic!("the run ended before its first page was recorded: {r:?}"),
        () = paged.notified() => {}
    }
    let stopped = std::fs::read(&path).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        std::fs::read(&path).unwrap() == stopped,
        "the checkpoint changed after the run was stopped"
    );
    let p = add_one(
        Backfill::new().segments(4).page_size(3).checkpoint(&path),
        &db,
    )
    .await
    .unwrap();
    assert_eq!(p.written + p.already, 120, "{p}");
    let counts = counts(&db).await;
    assert!(counts.values().all(|c| *c == Some(1)), "{counts:?}");
}

fn rand_suffix() -> usize {
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// `done` and `cursors` of different lengths: refused with the reason, not read as "the
/// segments without a `done` are done" (33 of 40 items were once never read).
#[tokio::test]
async fn a_checkpoint_whose_done_and_cursors_differ_is_refused() {
    let db = common::db().await;
    seed(&db, 40, |_| 0).await;
    let path = edited_checkpoint(&db, |j| {
        j["done"] = serde_json::json!([false]);
    })
    .await;
    let r = add_one(
        Backfill::new().segments(4).page_size(2).checkpoint(&path),
        &db,
    )
    .await;
    let e = r.expect_err("a checkpoint with 1 `done` for 4 cursors was accepted");
    assert!(e.to_string().contains("done"), "{e}");
    let _ = std::fs::remove_file(&path);
}

/// A checkpoint of another segment count, model or table is refused with the reason.
#[tokio::test]
async fn a_checkpoint_of_another_run_is_refused() {
    let db = common::db().await;
    seed(&db, 20, |_| 0).await;
    let path = edited_checkpoint(&db, |_| {}).await;
    let e = add_one(Backfill::new().segments(2).checkpoint(&path), &db)
        .await
        .expect_err("a checkpoint of 4 segments resumed with 2");
    assert!(e.to_string().contains("segments"), "{e}");
    let e = Backfill::<OtherTally>::new()
        .segments(4)
        .checkpoint(&path)
        .run(&db, |_t: OtherTally| async { Ok(Change::Skip) })
        .await
        .expect_err("a checkpoint of `Tally` resumed by `OtherTally`");
    assert!(e.to_string().contains("model"), "{e}");
    let counts = counts(&db).await;
    assert!(counts.values().all(|c| *c == Some(0) || *c == Some(1)));
    let _ = std::fs::remove_file(&path);
}

/// An item that does not decode is counted failed, with its key; the run goes on.
#[tokio::test]
async fn an_item_that_does_not_decode_is_counted_and_the_run_goes_on() {
    let db = common::db().await;
    seed(&db, 12, |_| 0).await;
    seed_bad(&db, "bad").await;
    let done = add_one(Backfill::new().segments(2).page_size(3), &db)
        .await
        .expect("one bad item stopped the run");
    assert_eq!(
        (done.read, done.written, done.failed),
        (13, 12, 1),
        "{done}"
    );
    assert!(done.failures[0].contains("bad"), "{:?}", done.failures);
    let counts = counts(&db).await;
    assert_eq!(counts.values().filter(|c| **c == Some(1)).count(), 12);
}

/// A writer that changes an item between the backfill's read and its write: the change is
/// made again on what the writer stored, not counted as "already".
#[tokio::test]
async fn a_racing_writer_gets_the_change_reapplied() {
    let db = common::db().await;
    crate::backfill::migration::seed(&db, 10).await.unwrap();
    crate::backfill::migration::apply_plan(&db).await.unwrap();
    use crate::backfill::migration::Account;
    let f = Account::fields();
    let writer = db.clone();
    let raced = Arc::new(Mutex::new(std::collections::HashSet::new()));
    let done = Backfill::<Account>::new()
        .segments(2)
        .run(&db, move |a: Account| {
            let (db, domain, raced) = (writer.clone(), f.domain.clone(), raced.clone());
            async move {
                let n: usize = a.id.trim_start_matches('a').parse().unwrap();
                // Another writer changes even-numbered accounts after the scan read them,
                // once.
                if n.is_multiple_of(2) && raced.lock().unwrap().insert(n) {
                    let mut other = a.clone();
                    other.email = format!("moved{n}@other.test");
                    other.save(&db).await?;
                }
                Ok(Change::Update(
                    Account::update(a.key_of()?).set(&domain, format!("from-{}", a.email)),
                ))
            }
        })
        .await
        .unwrap();
    assert_eq!(
        (done.written, done.already, done.failed),
        (10, 0, 0),
        "{done}"
    );
    for a in Account::scan().consistent().all(&db).await.unwrap() {
        let n: usize = a.id.trim_start_matches('a').parse().unwrap();
        if n.is_multiple_of(2) {
            assert_eq!(
                a.email,
                format!("moved{n}@other.test"),
                "the writer's change is kept"
            );
            assert_eq!(a.version, 3, "{a:?}");
        }
        assert_eq!(
            a.domain,
            format!("from-{}", a.email.to_lowercase()),
            "the change is made on what is stored"
        );
    }
}

/// Writes in flight stay within `concurrency` over every segment, and segments are read
/// with bounded parallelism.
#[tokio::test]
async fn writes_and_scans_in_flight_stay_within_the_concurrency() {
    let (db, counter) = counted_db().await;
    seed(&db, 200, |_| 0).await;
    counter.reset();
    let done = add_one(Backfill::new().segments(8).concurrency(2).page_size(5), &db)
        .await
        .unwrap();
    assert_eq!(done.written, 200);
    assert!(
        counter.max("UpdateItem") <= 2,
        "{} writes in flight with concurrency(2)",
        counter.max("UpdateItem")
    );
    counter.reset();
    let done = add_one(Backfill::new().segments(200).concurrency(2), &db)
        .await
        .unwrap();
    assert_eq!(done.written, 200);
    assert!(
        counter.max("Scan") <= 2,
        "{} scans in flight with 200 segments and concurrency(2)",
        counter.max("Scan")
    );
    assert!(counter.max("UpdateItem") <= 2);
}
