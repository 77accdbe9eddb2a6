//! The backfill of examples/migrate, killed halfway with SIGKILL and resumed from its
//! checkpoint: every item is written exactly once.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dynomodel::prelude::*;
use dynomodel::schema::backfill::Progress;

#[allow(dead_code)]
#[path = "../../examples/migrate/migration.rs"]
pub mod migration;

use migration::*;

use crate::common;

const CHILD: &str = "DYNOMODEL_TEST_BACKFILL_CHILD";
const ITEMS: usize = 3000;

fn checkpoint_progress(path: &std::path::Path) -> Option<Progress> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    serde_json::from_value(json.get("progress")?.clone()).ok()
}

/// The child: runs the backfill on the table that the parent names, until it is killed.
#[tokio::test]
#[ignore = "run by a_backfill_killed_halfway_resumes_and_writes_each_item_once"]
async fn backfill_child() {
    if std::env::var(CHILD).is_err() {
        return;
    }
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap();
    let prefix = std::env::var("BACKFILL_PREFIX").unwrap();
    let checkpoint = std::env::var("BACKFILL_CHECKPOINT").unwrap();
    let db = Db::local(endpoint).await.unwrap().with_table_prefix(prefix);
    backfill(&db, checkpoint.as_ref(), 20, |_| {})
        .await
        .unwrap();
}

#[tokio::test]
async fn a_backfill_killed_halfway_resumes_and_writes_each_item_once() {
    let db = common::db().await;
    seed(&db, ITEMS).await.unwrap();
    let plan = apply_plan(&db).await.unwrap();
    assert_eq!(plan.changes.len(), 1, "{plan}");
    let dir = std::env::temp_dir().join(format!("backfill-{}", db.table_prefix()));
    std::fs::create_dir_all(&dir).unwrap();
    let checkpoint = dir.join("checkpoint.json");
    let _ = std::fs::remove_file(&checkpoint);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "backfill::backfill_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("DYNAMODB_ENDPOINT", common::local().await.endpoint())
        .env("BACKFILL_PREFIX", db.table_prefix())
        .env("BACKFILL_CHECKPOINT", &checkpoint)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let at_kill = loop {
        if let Some(p) = checkpoint_progress(&checkpoint).filter(|p| p.written >= ITEMS as u64 / 3)
        {
            child.kill().unwrap();
            child.wait().unwrap();
            break p;
        }
        assert!(Instant::now() < deadline, "the child made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child ended before it was killed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Killed halfway: some items are stored at version 2, others not yet; every read
    // answers each with its domain all the same (version 2 upgrades what version 1 stored).
    let written_before = at_kill.written;
    assert!(
        written_before < ITEMS as u64,
        "killed after the end: {at_kill}"
    );
    let stored = stored_at_version_2(&db).await.unwrap();
    assert!(
        stored >= written_before as usize && stored < ITEMS,
        "{stored}"
    );
    let midway = Account::scan().consistent().all(&db).await.unwrap();
    assert_eq!(midway.len(), ITEMS);
    assert!(midway
        .iter()
        .all(|a| Some(a.domain.as_str()) == domain_of(&a.email).map(str::to_lowercase).as_deref()));
    // The resume, from the checkpoint.
    let started = Instant::now();
    let done = backfill(&db, &checkpoint, 20, |_| {}).await.unwrap();
    let resume_seconds = started.elapsed().as_secs_f64();
    let all = Account::scan().consistent().all(&db).await.unwrap();
    assert_eq!(all.len(), ITEMS);
    assert_eq!(
        stored_at_version_2(&db).await.unwrap(),
        ITEMS,
        "every account is stored at version 2"
    );
    // Version 1 from the seed, 2 after exactly one write: none was written twice.
    let twice: Vec<&Account> = all.iter().filter(|a| a.version != 2).collect();
    assert!(
        twice.is_empty(),
        "{} accounts not at version 2: {:?}",
        twice.len(),
        &twice[..twice.len().min(3)]
    );
    assert_eq!(done.failed, 0, "{:?}", done.failures);
    assert_eq!(done.written + done.already + done.skipped, done.read);
    // Items written after the last checkpoint before the kill are read again on the resume:
    // they are stored at version 2 (skipped), or carry the run's stamp (`already`).
    assert_eq!(
        done.read, ITEMS as u64,
        "each item read once over both runs: {done}"
    );
    assert!(done.written <= ITEMS as u64, "{done}");
    assert_eq!(done.segments_done, 4);
    let answered = Account::query(Account::fields().domain.eq("shop.test"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(answered, ITEMS / 3);
    eprintln!(
        "backfill: killed at {at_kill}; resumed in {resume_seconds:.1} s to {done}; {:.0} items/s over both runs",
        done.written as f64 / done.seconds
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An empty checkpoint path is refused before anything is read or written: it once left a
/// checkpoint's temporary file, `.tmp`, in the directory it ran from.
#[tokio::test]
async fn an_empty_checkpoint_path_is_refused_and_writes_no_file() {
    let db = common::db().await;
    seed(&db, 10).await.unwrap();
    let before = std::path::Path::new(".tmp").exists();
    let e = backfill(&db, "".as_ref(), 20, |_| {}).await.unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("checkpoint path is empty")),
        "{e}"
    );
    assert_eq!(std::path::Path::new(".tmp").exists(), before);
}
