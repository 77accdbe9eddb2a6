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

/// One test at a time on the schema DynamoDB Local: see [`schema_db`].
static SCHEMA_ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A `Db` on the schema DynamoDB Local, held by one test at a time: dropped, it lets the next
/// test in.
pub struct SchemaDb {
    db: Db,
    _alone: tokio::sync::MutexGuard<'static, ()>,
}

impl std::ops::Deref for SchemaDb {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.db
    }
}

/// A `Db` on a second DynamoDB Local, for the tests that add and remove indexes: DynamoDB
/// Local builds indexes in the background, and under the load of every other test its index
/// builds could wait for minutes. Table prefixes as in [`db`].
///
/// The tests that use it run one at a time (until the answer is dropped), each on a DynamoDB
/// Local without tables: DynamoDB Local refuses an UpdateTable with `LimitExceededException`
/// while it builds the indexes of 5 tables, and its background jobs share 10 threads, of
/// which 3 are schedulers and each table with TTL on holds one for good (a TTL job sleeps
/// between its passes): with 7 such tables, an index stays CREATING forever. Both happened
/// to migration tests in full runs of the suite.
pub async fn schema_db() -> SchemaDb {
    let alone = SCHEMA_ALONE.lock().await;
    let local = SCHEMA_LOCAL
        .get_or_init(|| async {
            DynamoDbLocal::start()
                .await
                .unwrap_or_else(|e| panic!("DynamoDB Local: {e}"))
        })
        .await;
    drop_every_table(&local.db()).await;
    let shared = db().await;
    SchemaDb {
        db: local
            .db()
            .with_table_prefix(shared.table_prefix().to_owned()),
        _alone: alone,
    }
}

/// Every table name of `db`'s DynamoDB Local: ListTables answers 100 a page.
pub async fn table_names(db: &Db) -> Vec<String> {
    let mut start: Option<String> = None;
    let mut names = Vec::new();
    loop {
        let page = db
            .client()
            .list_tables()
            .set_exclusive_start_table_name(start)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListTables: {e:?}"));
        names.extend(page.table_names().iter().cloned());
        start = page.last_evaluated_table_name;
        if start.is_none() {
            return names;
        }
    }
}

/// Deletes every table of `db`'s DynamoDB Local (deletion protection turned off first).
async fn drop_every_table(db: &Db) {
    let client = db.client();
    for name in table_names(db).await {
        let _ = client
            .update_table()
            .table_name(&name)
            .deletion_protection_enabled(false)
            .send()
            .await;
        if let Err(e) = client.delete_table().table_name(&name).send().await {
            let e = dynomodel::DynamoError::from_sdk("DeleteTable", e);
            if e.code() != Some("ResourceNotFoundException") {
                panic!("the schema DynamoDB Local keeps table {name}: {e}");
            }
        }
    }
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

/// A property test whose cases run against DynamoDB Local one at a time, on a runtime of its
/// own: `block_on` for its setup, `run` for the cases (each an async check that answers why
/// it failed), which panics with the shrunk input of a failure and answers how many cases ran.
pub struct Props {
    rt: tokio::runtime::Runtime,
    config: proptest::test_runner::Config,
}

impl Props {
    pub fn new(cases: u32, max_shrink_iters: u32) -> Self {
        Props {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            config: proptest::test_runner::Config {
                cases,
                max_shrink_iters,
                failure_persistence: None,
                ..proptest::test_runner::Config::default()
            },
        }
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn run<S, F, Fut>(&self, strategy: &S, check: F) -> usize
    where
        S: proptest::strategy::Strategy,
        F: Fn(S::Value) -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let cases = AtomicUsize::new(0);
        let mut runner = proptest::test_runner::TestRunner::new(self.config.clone());
        let result = runner.run(strategy, |value| {
            cases.fetch_add(1, Ordering::Relaxed);
            self.rt
                .block_on(check(value))
                .map_err(proptest::test_runner::TestCaseError::fail)
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        cases.load(Ordering::Relaxed)
    }
}
