//! The checkpoint of a backfill: which run it is, of which model and table, where each
//! segment's next page starts, and the counts so far. It is written before the first write
//! (a path that cannot be written fails the run before it changes anything), after every
//! page, to a temporary file that is synced and then renamed over the last one (the
//! directory synced after it), so that a crash leaves the last checkpoint or the next one,
//! never a part of one. A checkpoint that does not fit the backfill that reads it is
//! refused with the reason, never repaired: a guess would skip items or write them twice.
//! Layer: schema.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ops::query::Cursor;

use super::{Outcome, Progress};

/// What a checkpoint file holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct State {
    /// The table, with the `Db`'s prefix.
    pub(super) table: String,
    /// The model's Rust type.
    pub(super) model: String,
    /// The run's id: every item that the run writes is stamped with it, in the same
    /// conditional write, so that a resumed run knows what it wrote already.
    pub(super) run: String,
    /// Per segment: where its next page starts (`None`: at the start, or done).
    pub(super) cursors: Vec<Option<String>>,
    /// Per segment: scanned to the end.
    pub(super) done: Vec<bool>,
    pub(super) progress: Progress,
}

impl State {
    /// A run from the start: every segment at its beginning, and a new run id.
    pub(super) fn fresh(table: String, model: &str, segments: u32) -> Self {
        let n = segments as usize;
        State {
            table,
            model: model.to_owned(),
            run: run_id(),
            cursors: vec![None; n],
            done: vec![false; n],
            progress: Progress {
                segments,
                ..Progress::default()
            },
        }
    }

    /// Refuses a checkpoint that is not of this backfill, or does not hold together.
    pub(super) fn check(&self, table: &str, model: &str, segments: u32, path: &Path) -> Result<()> {
        let refuse = |why: String| {
            Err(Error::Config(format!(
                "the backfill checkpoint {} does not fit: {why}",
                path.display()
            )))
        };
        if self.table != table {
            return refuse(format!("it is of table `{}`, not `{table}`", self.table));
        }
        if self.model != model {
            return refuse(format!("it is of model `{}`, not `{model}`", self.model));
        }
        let n = self.cursors.len();
        if self.done.len() != n {
            return refuse(format!(
                "it holds {n} cursors and {} `done` flags, one of each per segment: it was edited or damaged; remove it to start again",
                self.done.len()
            ));
        }
        if n != segments as usize || self.progress.segments as usize != n {
            return refuse(format!(
                "it was made with {} segments ({n} cursors), this backfill has {segments}: run it with .segments({n}), or remove the checkpoint to start again",
                self.progress.segments
            ));
        }
        let done = self.done.iter().filter(|d| **d).count();
        if self.progress.segments_done as usize != done {
            return refuse(format!(
                "its counts say {} segments are done, its flags {done}",
                self.progress.segments_done
            ));
        }
        for (i, (cursor, done)) in self.cursors.iter().zip(&self.done).enumerate() {
            match (cursor, done) {
                (Some(_), true) => {
                    return refuse(format!("segment {i} is done and has a cursor"));
                }
                (Some(c), false) => {
                    if let Err(e) = c.parse::<Cursor>() {
                        return refuse(format!("the cursor of segment {i} cannot be read: {e}"));
                    }
                }
                (None, _) => {}
            }
        }
        if self.run.is_empty() {
            return refuse("it has no run id".into());
        }
        Ok(())
    }

    /// Counts one page's outcomes and moves the segment's cursor past it.
    pub(super) fn record(&mut self, segment: usize, outcomes: Vec<Outcome>, next: Option<&Cursor>) {
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
                if !*d {
                    *d = true;
                    p.segments_done = p.segments_done.saturating_add(1);
                }
            }
        }
    }
}

/// A run id that no other run has: the time, the process and a counter.
fn run_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{nanos:x}-{:x}-{:x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The checkpoint at `path` (`None` where there is no file).
pub(super) fn load(path: &Path) -> Result<Option<State>> {
    // An empty path would write the checkpoint's temporary file, `.tmp`, into the current
    // directory and then fail to rename it.
    if path.as_os_str().is_empty() {
        return Err(Error::Config(
            "the backfill checkpoint path is empty: name a file, in a temporary directory or under target/".into(),
        ));
    }
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::Config(format!(
            "the backfill checkpoint {} cannot be read: {e}",
            path.display()
        ))
    };
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| unreadable(&e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(unreadable(&e)),
    }
}

/// The checkpoint writer of one run: snapshots are numbered as the state is recorded, and
/// written in that order off the runtime's threads (the write is synced, and a sync can
/// take milliseconds); a snapshot older than the one on disk is not written over it. Once
/// the writer is dropped (the run ended, or its future was dropped), no write of its run
/// renames over the checkpoint any more: a caller that stops a backfill and then reads or
/// edits its checkpoint sees the last one that it was told of.
pub(super) struct Writer {
    path: std::path::PathBuf,
    /// False once the writer is dropped; held while a write renames its file.
    live: std::sync::Arc<std::sync::Mutex<bool>>,
    /// The number of the last snapshot taken (under the state's lock).
    taken: std::sync::atomic::AtomicU64,
    /// The number of the last snapshot written.
    written: tokio::sync::Mutex<u64>,
}

/// A state encoded for the file, with its number.
pub(super) struct Snapshot {
    number: u64,
    json: Vec<u8>,
}

impl Writer {
    pub(super) fn new(path: &Path) -> Self {
        Writer {
            path: path.to_owned(),
            live: std::sync::Arc::new(std::sync::Mutex::new(true)),
            taken: std::sync::atomic::AtomicU64::new(0),
            written: tokio::sync::Mutex::new(0),
        }
    }

    /// Encodes `state` under the next number (called with the state's lock held, so that
    /// numbers follow the order of the records).
    pub(super) fn take(&self, state: &State) -> Result<Snapshot> {
        let json = serde_json::to_vec_pretty(state).map_err(|e| write_error(&self.path, &e))?;
        let number = (self.taken)
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            .saturating_add(1);
        Ok(Snapshot { number, json })
    }

    /// Writes `snapshot` unless a later one is written already; answers once it is on disk.
    pub(super) async fn write(&self, snapshot: Snapshot) -> Result<()> {
        let mut written = self.written.lock().await;
        if snapshot.number <= *written {
            return Ok(());
        }
        let (path, live) = (self.path.clone(), self.live.clone());
        let json = snapshot.json;
        tokio::task::spawn_blocking(move || save_json(&path, &json, &live))
            .await
            .map_err(|e| write_error(&self.path, &e))??;
        *written = snapshot.number;
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Waits for a rename under way (a rename and a directory sync, not a file's sync).
        *lock(&self.live) = false;
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write_error(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::Config(format!(
        "the backfill checkpoint {} cannot be written: {e}",
        path.display()
    ))
}

/// Writes `json` to `path`: a temporary file beside it, synced, renamed over it, and the
/// directory synced, so that the rename itself is on disk. One write at a time in the
/// process: the temporary file's name is the same for every write to `path`, and a run that
/// was dropped may still have its last write under way when it is resumed. The rename is
/// made only while `live` (the writer is not dropped).
fn save_json(path: &Path, json: &[u8], live: &std::sync::Mutex<bool>) -> Result<()> {
    static WRITES: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = lock(&WRITES);
    let err = |e: &dyn std::fmt::Display| write_error(path, e);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let mut file = std::fs::File::create(&tmp).map_err(|e| err(&e))?;
    file.write_all(json).map_err(|e| err(&e))?;
    file.sync_all().map_err(|e| err(&e))?;
    drop(file);
    let live = lock(live);
    if !*live {
        let _ = std::fs::remove_file(&tmp);
        return Ok(());
    }
    std::fs::rename(&tmp, path).map_err(|e| err(&e))?;
    sync_dir(path).map_err(|e| err(&e))
}

#[cfg(unix)]
fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// Elsewhere a directory cannot be opened to be synced; the rename is what the platform
/// makes of it.
#[cfg(not(unix))]
fn sync_dir(_path: &Path) -> std::io::Result<()> {
    Ok(())
}
