use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use dynomodel::local::DynamoDbLocal;
use dynomodel::{Db, Item};
use tokio::sync::OnceCell;

static LOCAL: OnceCell<DynamoDbLocal> = OnceCell::const_new();

/// The DynamoDB Local that this test binary shares; started by the first test that asks.
pub async fn local() -> &'static DynamoDbLocal {
    LOCAL
        .get_or_init(|| async {
            DynamoDbLocal::start()
                .await
                .unwrap_or_else(|e| panic!("DynamoDB Local: {e}"))
        })
        .await
}

/// A `Db` on the shared DynamoDB Local whose table prefix no other test uses, so that tests
/// run in parallel on tables of their own (also against a long-lived `DYNAMODB_ENDPOINT`).
pub async fn db() -> Db {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 1_000_000_000;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    local()
        .await
        .db()
        .with_table_prefix(format!("t{run}_{}_{n}_", std::process::id()))
}

static SCHEMA_LOCAL: OnceCell<DynamoDbLocal> = OnceCell::const_new();

/// A `Db` on a second DynamoDB Local, for the tests that add and remove indexes: DynamoDB
/// Local builds indexes in the background, and under the load of every other test its index
/// builds could wait for minutes. Table prefixes as in [`db`].
pub async fn schema_db() -> Db {
    let local = SCHEMA_LOCAL
        .get_or_init(|| async {
            DynamoDbLocal::start()
                .await
                .unwrap_or_else(|e| panic!("DynamoDB Local: {e}"))
        })
        .await;
    let shared = db().await;
    local
        .db()
        .with_table_prefix(shared.table_prefix().to_owned())
}

/// The DynamoDB Local JVM that serves `port`, found by its command line. The watchdog shell
/// carries the same arguments: the JVM is the one run as java.
pub fn dynamodb_local_pid(port: u16) -> Option<u32> {
    let wanted = format!("-port\0{port}\0");
    std::fs::read_dir("/proc").ok()?.find_map(|entry| {
        let entry = entry.ok()?;
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline);
        let program = cmdline.split('\0').next().unwrap_or_default();
        (program.ends_with("java")
            && cmdline.contains("DynamoDBLocal.jar")
            && cmdline.contains(&wanted))
        .then_some(pid)
    })
}

/// Writes an item as other code would: no pipeline, no condition.
pub async fn raw_put(db: &Db, table: &str, item: Item) {
    db.client()
        .put_item()
        .table_name(db.table_name(table))
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}
