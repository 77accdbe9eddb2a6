//! Backfill: rewrite every item of a table, as a migration that adds an index or a key
//! template needs. A parallel scan feeds a function of the caller's (item -> change or
//! skip); writes run with bounded concurrency; progress is counted; and each segment's
//! cursor is saved after every page, so that a run that was killed continues where it
//! stopped. Where the model has a `version`, each write is conditional on the version that
//! was read, so that an item written before the kill is not written again on the resume
//! (it counts as `already`).
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
//! Layer: ops.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::ops::query::{Cursor, Scan};
use crate::ops::{ModelOps, Update};

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
    /// Items written already (by a run before a resume): their version had moved on.
    pub already: u64,
    /// Items whose function or write failed (their keys are in `failures`).
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

/// What a checkpoint file holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct State {
    table: String,
    /// Per segment: where its next page starts (`None`: at the start), and whether it is
    /// done.
    cursors: Vec<Option<String>>,
    done: Vec<bool>,
    progress: Progress,
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
    _m: std::marker::PhantomData<fn() -> M>,
}

impl<M: Model> Default for Backfill<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> Backfill<M> {
    /// A backfill of 4 segments, 8 writes at once, pages of 100 items.
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
            _m: std::marker::PhantomData,
        }
    }

    /// The parallel scan's segments (at least 1); a resume uses the checkpoint's.
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

    /// How many writes may be in flight, over every segment (at least 1).
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

    /// Saves the cursors and counts to `path` after every page (written to a temporary
    /// file, then renamed), and resumes from it where it exists.
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

    /// Called with the counts after every page.
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

    /// Runs the backfill to the end (or resumes it), calling `f` once for every item read;
    /// answers the counts. A failed item does not stop the run: it is counted, and its key
    /// kept in `Progress::failures`. A failed read or checkpoint stops it (run it again to
    /// resume).
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
        let state = self.start_state(db.table_name(M::TABLE))?;
        let segments = state.cursors.len();
        let clock = (Instant::now(), state.progress.seconds);
        let shared = Mutex::new(state);
        let results: Vec<Result<()>> = stream::iter(0..segments)
            .map(|segment| self.run_segment(db, &f, &shared, segment, clock))
            .buffer_unordered(segments.max(1))
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<()>>>()?;
        let s = lock(&shared)?;
        Ok(s.progress.clone())
    }

    /// The state to start from: the checkpoint's where there is one (of this table), else
    /// every segment from its start.
    fn start_state(&self, table: String) -> Result<State> {
        let state = match &self.checkpoint {
            Some(path) => load(path)?,
            None => None,
        }
        .unwrap_or_default();
        if state.cursors.is_empty() {
            return Ok(State {
                table,
                cursors: vec![None; self.segments as usize],
                done: vec![false; self.segments as usize],
                progress: Progress {
                    segments: self.segments,
                    ..Progress::default()
                },
            });
        }
        if state.table != table {
            return Err(Error::InvalidRequest(format!(
                "the checkpoint is of table `{}`, not `{table}`",
                state.table
            )));
        }
        Ok(state)
    }

    /// Reads one segment page by page from its cursor, applies `f` to every item, and
    /// records each page's outcomes and cursor (in the checkpoint, and to `on_progress`).
    async fn run_segment<F, Fut>(
        &self,
        db: &Db,
        f: &F,
        shared: &Mutex<State>,
        segment: usize,
        (started, base_seconds): (Instant, f64),
    ) -> Result<()>
    where
        F: Fn(M) -> Fut + Send + Sync,
        Fut: Future<Output = Result<Change<M>>> + Send,
    {
        loop {
            let (cursor, done, segments) = {
                let s = lock(shared)?;
                (
                    s.cursors.get(segment).cloned().flatten(),
                    s.done.get(segment).copied().unwrap_or(true),
                    s.cursors.len(),
                )
            };
            if done {
                return Ok(());
            }
            let start = cursor.map(|c| c.parse::<Cursor>()).transpose()?;
            let total = i32::try_from(segments).unwrap_or(i32::MAX);
            let index = i32::try_from(segment).unwrap_or(i32::MAX);
            let page = Scan::<M>::new()
                .segment(index, total)
                .page_size(self.page_size)
                .consistent()
                .start_at(start)
                .exec(db)
                .await?;
            let outcomes: Vec<Outcome> = stream::iter(page.items)
                .map(|m| one(m, f, db))
                .buffer_unordered(self.concurrency)
                .collect()
                .await;
            let snapshot = {
                let mut s = lock(shared)?;
                s.record(segment, outcomes, page.next.as_ref());
                s.progress.seconds = base_seconds + started.elapsed().as_secs_f64();
                s.clone()
            };
            if let Some(path) = &self.checkpoint {
                save(path, &snapshot)?;
            }
            if let Some(on) = &self.on_progress {
                on(&snapshot.progress);
            }
        }
    }
}

impl State {
    /// Counts one page's outcomes and moves the segment's cursor past it.
    fn record(&mut self, segment: usize, outcomes: Vec<Outcome>, next: Option<&Cursor>) {
        let p = &mut self.progress;
        for o in outcomes {
            p.read = p.read.saturating_add(1);
            match o {
                Outcome::Written => p.written = p.written.saturating_add(1),
                Outcome::Skipped => p.skipped = p.skipped.saturating_add(1),
                Outcome::Already => p.already = p.already.saturating_add(1),
                Outcome::Failed(why) => {
                    p.failed = p.failed.saturating_add(1);
                    if p.failures.len() < 100 {
                        p.failures.push(why);
                    }
                }
            }
        }
        if let Some(c) = self.cursors.get_mut(segment) {
            *c = next.map(ToString::to_string);
        }
        if next.is_none() {
            if let Some(d) = self.done.get_mut(segment) {
                *d = true;
            }
            self.progress.segments_done = self.progress.segments_done.saturating_add(1);
        }
    }
}

enum Outcome {
    Written,
    Skipped,
    Already,
    Failed(String),
}

/// One item: the function, then the write, conditional on the version read.
async fn one<M: Model, F, Fut>(m: M, f: &F, db: &Db) -> Outcome
where
    F: Fn(M) -> Fut,
    Fut: Future<Output = Result<Change<M>>>,
{
    // The key is written out only for a failure, not for every item.
    let key = m.key_of().ok();
    let failed = |e: Error| {
        let key = key
            .as_ref()
            .map(|k| format!("{:?}", k.item()))
            .unwrap_or_default();
        Outcome::Failed(format!("{key}: {e}"))
    };
    let version = match m.version() {
        Ok(v) => v,
        Err(e) => return failed(e),
    };
    let written = match f(m).await {
        Ok(Change::Skip) => return Outcome::Skipped,
        Ok(Change::Save(mut m)) => m.save(db).await,
        Ok(Change::Update(u)) => {
            let u = match version {
                Some(v) => u.expect_version(v),
                None => u,
            };
            u.exec_quiet(db).await
        }
        Err(e) => Err(e),
    };
    match written {
        Ok(()) => Outcome::Written,
        Err(Error::VersionConflict { .. }) => Outcome::Already,
        Err(e) => failed(e),
    }
}

fn lock(m: &Mutex<State>) -> Result<std::sync::MutexGuard<'_, State>> {
    m.lock()
        .map_err(|_| Error::Config("a backfill task panicked while it held the counts".into()))
}

fn load(path: &Path) -> Result<Option<State>> {
    // An empty path would write the checkpoint's temporary file, `.tmp`, into the current
    // directory and then fail to rename it.
    if path.as_os_str().is_empty() {
        return Err(Error::Config(
            "the backfill checkpoint path is empty: name a file, in a temporary directory or under target/".into(),
        ));
    }
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::Config(format!(
                "the backfill checkpoint {} cannot be read: {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Config(format!(
            "the backfill checkpoint {} cannot be read: {e}",
            path.display()
        ))),
    }
}

fn save(path: &Path, state: &State) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| {
        Error::Config(format!(
            "the backfill checkpoint {} cannot be written: {e}",
            path.display()
        ))
    };
    let json = serde_json::to_vec_pretty(state).map_err(|e| err(&e))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, json).map_err(|e| err(&e))?;
    std::fs::rename(&tmp, path).map_err(|e| err(&e))
}
