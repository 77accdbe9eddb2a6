//! Backfill: rewrite every item of a table, as a migration that adds an index or a key
//! template needs. A parallel scan feeds a function of the caller's (item -> change or
//! skip); its segments are read a few at a time (each reads its next page while the items of
//! the one before are written), and writes run with bounded concurrency over all of them;
//! progress is counted; and a checkpoint file (written before the first write, then after
//! every page) lets a run that was stopped or killed continue where it stopped.
//!
//! What a backfill never does:
//! - **change an item twice in one run.** Every write stamps the item with the run's id (the
//!   attribute `backfill_run`, see [`Backfill::stamp_attribute`]) in the same conditional
//!   write, whose condition holds only where the item does not carry that id yet. A resume
//!   reads again the items of the pages after the last checkpoint: those that it wrote
//!   already carry the stamp, and count as `already`, whatever the change was (an update
//!   that adds 1 to a counter adds it once).
//! - **skip items.** A segment's cursor moves past a page only once every item of the page
//!   has its outcome; a checkpoint that does not fit the backfill (another table, model or
//!   segment count, or cursors and flags that do not match) is refused with the reason.
//! - **stop on one item.** An item that does not decode, or whose function or write fails,
//!   is counted `failed` with its key, and the run goes on. A writer that changes an item
//!   between the backfill's read and its write (a version conflict, or any change to the
//!   stored item) gets the function run again on what it stored, not its item skipped.
//! - **go past its limits.** At most `concurrency` items are in hand (function and write) at
//!   once over every segment, and at most `concurrency` segments are read at once.
//!
//! A later run (another id) rewrites the items again: the stamp makes one run idempotent,
//! not the change. The stamp stays on the items; a save of the model outside the backfill
//! drops it, which is harmless once the run is over.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! use dynomodel::schema::backfill::{Backfill, Change};
//! # async fn run(db: &Db) -> Result<()> {
//! let owner = Pet::fields().owner;
//! let done = Backfill::<Pet>::new()
//!     .segments(4)
//!     .checkpoint("pets-backfill.json")
//!     .on_progress(|p| eprintln!("{p}"))
//!     .run(db, move |pet: Pet| {
//!         let owner = owner.clone();
//!         async move {
//!             Ok(if pet.owner.is_empty() {
//!                 Change::Update(Pet::update(pet.key_of()?).set(&owner, "nobody"))
//!             } else {
//!                 Change::Skip
//!             })
//!         }
//!     })
//!     .await?;
//! println!("{} written, {} skipped", done.written, done.skipped);
//! # Ok(()) }
//! ```
//!
//! Layer: schema.

mod checkpoint;
mod item;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use aws_sdk_dynamodb::operation::scan::builders::ScanFluentBuilder;
use futures::future::BoxFuture;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Semaphore};

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::ops::query::Cursor;
use crate::ops::send::read_request;
use crate::ops::{ModelOps, Update};

use checkpoint::State;

/// What the function of a backfill does with one item.
///
/// ```
/// # use dynomodel::doc_support::Pet;
/// use dynomodel::schema::backfill::Change;
/// let skip: Change<Pet> = Change::Skip;
/// # let _ = skip;
/// ```
// Made once an item and taken at once: its size does not matter, and a box would only
// make every caller write `Box::new`.
#[allow(clippy::large_enum_variant)]
pub enum Change<M> {
    /// Leave the item as it is.
    Skip,
    /// Save the model (the save pipeline runs; a versioned model's save is conditional on
    /// the version that was read).
    Save(M),
    /// Send this update (a versioned model's update is made conditional on the version
    /// that was read).
    Update(Update<M>),
}

/// The counts of a backfill, saved with its cursors.
///
/// ```
/// let p = dynomodel::schema::backfill::Progress::default();
/// assert_eq!(p.read, 0);
/// assert!(p.to_string().contains("0 read"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Items read by the scan.
    pub read: u64,
    /// Items written.
    pub written: u64,
    /// Items that the function skipped.
    pub skipped: u64,
    /// Items that this run had written before it was stopped and resumed: they carry its
    /// stamp, and are not changed again.
    pub already: u64,
    /// Items that do not decode, or whose function or write failed (their keys are in
    /// `failures`).
    pub failed: u64,
    /// Segments scanned to the end, of `segments`.
    pub segments_done: u32,
    /// The scan's segments.
    pub segments: u32,
    /// The first failures (at most 100): the key, and the error.
    pub failures: Vec<String>,
    /// Seconds spent, over every run.
    pub seconds: f64,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} read, {} written, {} skipped, {} already, {} failed; {}/{} segments",
            self.read,
            self.written,
            self.skipped,
            self.already,
            self.failed,
            self.segments_done,
            self.segments
        )
    }
}

type OnProgress = Arc<dyn Fn(&Progress) + Send + Sync>;

/// A backfill of model `M`'s table.
///
/// ```
/// # use dynomodel::doc_support::Pet;
/// use dynomodel::schema::backfill::Backfill;
/// let b = Backfill::<Pet>::new().segments(8).concurrency(16).page_size(50);
/// # let _ = b;
/// ```
pub struct Backfill<M> {
    segments: u32,
    concurrency: usize,
    page_size: i32,
    checkpoint: Option<PathBuf>,
    on_progress: Option<OnProgress>,
    stamp: String,
    _m: std::marker::PhantomData<fn() -> M>,
}

impl<M: Model> Default for Backfill<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> Backfill<M> {
    /// A backfill of 4 segments, 8 items in hand at once, pages of 100 items, stamped in
    /// `backfill_run`.
    ///
    /// ```
    /// # use dynomodel::doc_support::Pet;
    /// let b = dynomodel::schema::backfill::Backfill::<Pet>::new();
    /// # let _ = b;
    /// ```
    pub fn new() -> Self {
        Backfill {
            segments: 4,
            concurrency: 8,
            page_size: 100,
            checkpoint: None,
            on_progress: None,
            stamp: DEFAULT_STAMP.to_owned(),
            _m: std::marker::PhantomData,
        }
    }

    /// The parallel scan's segments (at least 1). A resume must name as many as its
    /// checkpoint holds: another count is refused.
    ///
    /// ```
    /// # use dynomodel::doc_support::Pet;
    /// let b = dynomodel::schema::backfill::Backfill::<Pet>::new().segments(16);
    /// # let _ = b;
    /// ```
    pub fn segments(mut self, n: u32) -> Self {
        self.segments = n.max(1);
        self
    }

    /// How many items may be in hand at once (the function and its write), over every
    /// segment (at least 1); as many segments at most are read at once.
    ///
    /// ```
    /// # use dynomodel::doc_support::Pet;
    /// let b = dynomodel::schema::backfill::Backfill::<Pet>::new().concurrency(32);
    /// # let _ = b;
    /// ```
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Items a page: the most that a resume may see again (at least 1).
    ///
    /// ```
    /// # use dynomodel::doc_support::Pet;
    /// let b = dynomodel::schema::backfill::Backfill::<Pet>::new().page_size(25);
    /// # let _ = b;
    /// ```
    pub fn page_size(mut self, n: i32) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Saves the run's id, cursors and counts to `path` before the first write and after
    /// every page (a temporary file, synced, then renamed over the last: on a blocking
    /// thread, in the order of the pages, and never once the run's future is dropped), and
    /// resumes from it where it exists. A checkpoint of another table, model or segment count, or one
    /// that does not hold together, is refused with the reason.
    ///
    /// ```
    /// # use dynomodel::doc_support::Pet;
    /// let b = dynomodel::schema::backfill::Backfill::<Pet>::new().checkpoint("/tmp/pets.json");
    /// # let _ = b;
    /// ```
    pub fn checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        self.checkpoint = Some(path.into());
        self
    }

    /// Called with the counts after every page, one call at a time and in the order of the
    /// pages' outcomes, so that no count goes back (keep it short: the other segments wait
    /// to record meanwhile).
    ///
    /// ```
    /// # use dynomodel::doc_support::Pet;
    /// let b = dynomodel::schema::backfill::Backfill::<Pet>::new().on_progress(|p| eprintln!("{p}"));
    /// # let _ = b;
    /// ```
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// The attribute in which each written item carries the id of the run that wrote it
    /// (`backfill_run` unless set): it must not be a field of the model.
    ///
    /// ```
    /// # use dynomodel::doc_support::Pet;
    /// let b = dynomodel::schema::backfill::Backfill::<Pet>::new().stamp_attribute("_migrated_by");
    /// # let _ = b;
    /// ```
    pub fn stamp_attribute(mut self, name: impl Into<String>) -> Self {
        self.stamp = name.into();
        self
    }

    /// Runs the backfill to the end (or resumes it), calling `f` once for every item read
    /// (again where another writer changed the item before the backfill wrote it); answers
    /// the counts. A failed item does not stop the run: it is counted, and its key kept in
    /// `Progress::failures`. A failed read or checkpoint stops it (run it again to resume).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::schema::backfill::{Backfill, Change};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let p = Backfill::<Pet>::new().run(db, |pet: Pet| async move { Ok(Change::Save(pet)) }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn run<F, Fut>(self, db: &Db, f: F) -> Result<Progress>
    where
        F: Fn(M) -> Fut + Send + Sync,
        Fut: Future<Output = Result<Change<M>>> + Send,
    {
        self.run_with(db, f, None).await
    }

    /// Rewrites every item that an older schema version of the model stored in the shape
    /// of its own version: the model's `upgrade` (which every read runs too) then a save
    /// (the save pipeline runs: hooks, validation, timestamps, a version bump). Items of the
    /// model's version are skipped, and an item that a newer writer has saved since the scan
    /// read it is left as that writer stored it. Everything [`run`](Self::run) promises
    /// holds: a resume writes no item twice. Refused for a model that declares no
    /// `schema_version`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::Pet;
    /// use dynomodel::schema::backfill::Backfill;
    /// # async fn run(db: &Db) -> Result<()> {
    /// let done = Backfill::<Pet>::new().checkpoint("upgrade.json").upgrade(db).await?;
    /// println!("{} items upgraded, {} were current", done.written, done.skipped);
    /// # Ok(()) }
    /// ```
    pub async fn upgrade(self, db: &Db) -> Result<Progress> {
        let Some(schema) = M::SCHEMA else {
            return Err(Error::InvalidRequest(format!(
                "`{}` declares no schema version: add `#[dynomodel(schema_version = N, upgrade = \"...\")]` to upgrade its items",
                std::any::type_name::<M>()
            )));
        };
        let save = |m: M| async move { Ok(Change::Save(m)) };
        self.run_with(db, save, Some(schema.version)).await
    }

    async fn run_with<F, Fut>(self, db: &Db, f: F, upgrade_to: Option<u32>) -> Result<Progress>
    where
        F: Fn(M) -> Fut + Send + Sync,
        Fut: Future<Output = Result<Change<M>>> + Send,
    {
        item::check_stamp::<M>(&self.stamp)?;
        let table = db.table_name(M::TABLE);
        let state = self.start_state(table.clone())?;
        let writer = self.checkpoint.as_deref().map(checkpoint::Writer::new);
        // Before the first write: a checkpoint that cannot be written stops the run here.
        if let Some(w) = &writer {
            w.write(w.take(&state)?).await?;
        }
        let run_id = state.run.clone();
        let pending: Vec<usize> = (state.done.iter().enumerate())
            .filter_map(|(i, done)| (!done).then_some(i))
            .collect();
        let segments = state.done.len();
        let base_seconds = state.progress.seconds;
        let run = Shared {
            item: item::Run {
                db,
                table: &table,
                stamp: &self.stamp,
                id: &run_id,
                upgrade_to,
            },
            permits: Semaphore::new(self.concurrency),
            state: Mutex::new(state),
            writer,
            clock: Instant::now(),
            base_seconds,
        };
        stream::iter(pending)
            // Boxed as `Send` here, where its lifetimes are known: a caller may spawn the
            // run (`tokio::spawn(backfill.upgrade(db))`) without proving it of the closures
            // inside.
            .map(|segment| -> BoxFuture<'_, Result<()>> {
                Box::pin(self.run_segment(&run, &f, segment, segments))
            })
            .buffer_unordered(self.concurrency.min(segments).max(1))
            .try_collect::<Vec<()>>()
            .await?;
        let progress = run.state.lock().await.progress.clone();
        Ok(progress)
    }

    /// The state to start from: the checkpoint's where there is one (refused where it does
    /// not fit), else every segment from its start, under a new run id.
    fn start_state(&self, table: String) -> Result<State> {
        let model = std::any::type_name::<M>();
        match &self.checkpoint {
            Some(path) => match checkpoint::load(path)? {
                Some(state) => {
                    state.check(&table, model, self.segments, path)?;
                    Ok(state)
                }
                None => Ok(State::fresh(table, model, self.segments)),
            },
            None => Ok(State::fresh(table, model, self.segments)),
        }
    }

    /// Reads one segment page by page from its cursor, gives every item its outcome, and
    /// records each page's outcomes and cursor (in the checkpoint, and to `on_progress`), in
    /// the order of the pages. The next page is read while the items of the one before are
    /// in hand (two pages a segment at most), so that the writes do not wait for a read.
    async fn run_segment<F, Fut>(
        &self,
        run: &Shared<'_>,
        f: &F,
        segment: usize,
        segments: usize,
    ) -> Result<()>
    where
        F: Fn(M) -> Fut + Send + Sync,
        Fut: Future<Output = Result<Change<M>>> + Send,
    {
        let cursor = {
            let s = run.state.lock().await;
            match (s.done.get(segment), s.cursors.get(segment)) {
                (Some(true), _) => return Ok(()),
                (Some(false), Some(c)) => c.clone(),
                _ => {
                    return Err(Error::Config(format!(
                        "the backfill's checkpoint has no segment {segment}"
                    )))
                }
            }
        };
        let start = cursor.map(|c| c.parse::<Cursor>()).transpose()?;
        let db = run.item.db;
        let mut page = self.page(db, segment, segments, start).await?;
        loop {
            // The items of this page, and at once the read of the next one.
            let (items, next) = page;
            let outcomes = self.outcomes(run, f, items);
            let following = async {
                match &next {
                    Some(c) => Some(self.page(db, segment, segments, Some(c.clone())).await),
                    None => None,
                }
            };
            let (outcomes, following) = futures::join!(outcomes, following);
            // Recorded before a failed read of the next page stops the segment.
            self.record(run, segment, outcomes, next).await?;
            match following {
                Some(read) => page = read?,
                None => return Ok(()),
            }
        }
    }

    /// The outcome of every item of one page, at most `concurrency` in hand over every
    /// segment.
    async fn outcomes<F, Fut>(&self, run: &Shared<'_>, f: &F, items: Vec<Item>) -> Vec<Outcome>
    where
        F: Fn(M) -> Fut + Send + Sync,
        Fut: Future<Output = Result<Change<M>>> + Send,
    {
        stream::iter(items)
            .map(|raw| async {
                let Ok(_permit) = run.permits.acquire().await else {
                    return Outcome::Failed("the backfill's permits were closed".into());
                };
                item::one(raw, f, &run.item).await
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await
    }

    /// Records one page of `segment` (pages are recorded in their order): counts its
    /// outcomes, moves the cursor past it, writes the checkpoint, and calls `on_progress`.
    async fn record(
        &self,
        run: &Shared<'_>,
        segment: usize,
        outcomes: Vec<Outcome>,
        next: Option<Cursor>,
    ) -> Result<()> {
        let snapshot = {
            let mut s = run.state.lock().await;
            s.record(segment, outcomes, next.as_ref());
            s.progress.seconds = run.base_seconds + run.clock.elapsed().as_secs_f64();
            // Under the lock, so that the counts it is given never go back.
            if let Some(on) = &self.on_progress {
                on(&s.progress);
            }
            run.writer.as_ref().map(|w| w.take(&s)).transpose()?
        };
        // Written outside the state's lock: the other segments record meanwhile, and a
        // later snapshot is never overwritten by this one.
        if let (Some(w), Some(snapshot)) = (&run.writer, snapshot) {
            w.write(snapshot).await?;
        }
        Ok(())
    }

    /// One page of one segment, as stored: the items, and where the next page starts.
    async fn page(
        &self,
        db: &Db,
        segment: usize,
        segments: usize,
        start: Option<Cursor>,
    ) -> Result<(Vec<Item>, Option<Cursor>)> {
        let total = i32::try_from(segments)
            .map_err(|_| Error::InvalidRequest(format!("{segments} segments are too many")))?;
        let index = i32::try_from(segment).unwrap_or(i32::MAX);
        let r = M::scan()
            .segment(index, total)
            .page_size(self.page_size)
            .consistent()
            .start_at(start)
            .to_request()?;
        let table = db.table_name(M::TABLE);
        let out = read_request::<ScanFluentBuilder>(db.client(), &table, &r, |b| {
            b.segment(index).total_segments(total)
        })
        .await?;
        let next = out.last_evaluated_key.map(Cursor::from_key);
        Ok((out.items.unwrap_or_default(), next))
    }
}

/// The stamp attribute unless [`Backfill::stamp_attribute`] names another.
const DEFAULT_STAMP: &str = "backfill_run";

/// What the segments of one run share.
struct Shared<'a> {
    item: item::Run<'a>,
    /// One per item in hand, over every segment.
    permits: Semaphore,
    state: Mutex<State>,
    /// Where there is a checkpoint.
    writer: Option<checkpoint::Writer>,
    clock: Instant,
    /// The seconds of the runs before (from the checkpoint).
    base_seconds: f64,
}

/// What became of one item.
enum Outcome {
    Written,
    Skipped,
    Already,
    Failed(String),
}
