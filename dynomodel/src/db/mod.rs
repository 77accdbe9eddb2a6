//! [`Db`]: the client handle that every operation is sent through.
//!
//! ```no_run
//! # async fn run() -> dynomodel::Result<()> {
//! use dynomodel::Db;
//! // AWS: region and credentials from the environment; DYNAMODB_ENDPOINT, where set, wins.
//! let db = Db::from_env().await?;
//! // Several environments in one account: `pets` becomes `staging-pets`.
//! let staging = db.clone().with_table_prefix("staging-");
//! # Ok(()) }
//! ```
//!
//! Layer: db, above `expr`: the client, its configuration and tracing; every operation in `ops`
//! is sent through it.

use std::sync::Arc;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;

use crate::error::{Error, Result};

pub(crate) mod trace;

/// The environment variable that points dynomodel at a DynamoDB endpoint, such as
/// `http://127.0.0.1:8000` for a DynamoDB Local that is already running.
///
/// ```no_run
/// # async fn run() -> dynomodel::Result<()> {
/// use dynomodel::db::DYNAMODB_ENDPOINT;
/// // Usually set in the shell: DYNAMODB_ENDPOINT=http://127.0.0.1:8000 cargo run
/// if std::env::var_os(DYNAMODB_ENDPOINT).is_some() {
///     let db = dynomodel::Db::from_env().await?; // talks to that endpoint
/// #   let _ = db;
/// }
/// # Ok(()) }
/// ```
pub const DYNAMODB_ENDPOINT: &str = "DYNAMODB_ENDPOINT";

/// A handle on DynamoDB: the SDK client and the table-name prefix.
///
/// `Db` is cheap to clone (the SDK client is reference-counted) and safe to share across
/// tasks and Lambda invocations: build it once, outside the handler.
///
/// ```no_run
/// # async fn run() -> dynomodel::Result<()> {
/// use dynomodel::Db;
///
/// let db = Db::from_env().await?.with_table_prefix("dev_");
/// assert_eq!(db.table_name("pets"), "dev_pets");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Db {
    client: aws_sdk_dynamodb::Client,
    table_prefix: Arc<str>,
}

impl Db {
    /// Wraps an SDK client that the caller configured.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let conf = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let db = dynomodel::Db::new(aws_sdk_dynamodb::Client::new(&conf));
    /// # }
    /// ```
    pub fn new(client: aws_sdk_dynamodb::Client) -> Self {
        Db {
            client,
            table_prefix: Arc::from(""),
        }
    }

    /// Loads the AWS configuration from the environment (as the AWS CLI does: credentials,
    /// region, `AWS_ENDPOINT_URL_DYNAMODB`), with `DYNAMODB_ENDPOINT`, where set, as the
    /// endpoint, and the timeouts of [`Timeouts::LAMBDA`]: a server that does not answer
    /// fails the operation within 12 seconds instead of holding a Lambda until its own
    /// timeout. The SDK's retries (3 attempts, with backoff) stay as they are.
    ///
    /// ```no_run
    /// # async fn run() -> dynomodel::Result<()> {
    /// let db = dynomodel::Db::from_env().await?;
    /// # Ok(()) }
    /// ```
    pub async fn from_env() -> Result<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(endpoint) = endpoint_from_env()? {
            loader = loader.endpoint_url(endpoint);
        }
        let conf = loader
            .timeout_config(Timeouts::LAMBDA.config())
            .load()
            .await;
        Ok(Db::new(aws_sdk_dynamodb::Client::new(&conf)))
    }

    /// A client for DynamoDB Local (or any endpoint that ignores credentials): dummy
    /// credentials, region `us-east-1`, and short connect timeouts, so that an endpoint that
    /// does not answer fails fast instead of hanging.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dynomodel::Result<()> {
    /// let db = dynomodel::Db::local("http://127.0.0.1:8000").await?;
    /// assert!(dynomodel::Db::local("127.0.0.1:8000").await.is_err()); // no scheme
    /// # Ok(()) }
    /// ```
    pub async fn local(endpoint: impl Into<String>) -> Result<Self> {
        let endpoint = endpoint.into();
        check_endpoint(&endpoint, "the DynamoDB Local endpoint")?;
        Ok(Db::local_unchecked(&endpoint))
    }

    /// [`Db::local`] for an endpoint already checked to be a URL.
    pub(crate) fn local_unchecked(endpoint: &str) -> Self {
        let conf = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "dynomodel"))
            .endpoint_url(endpoint)
            .timeout_config(Timeouts::LAMBDA.config())
            .build();
        Db::new(aws_sdk_dynamodb::Client::from_conf(conf))
    }

    /// The same handle with every model's table name prefixed, for per-environment tables.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dynomodel::Result<()> {
    /// let db = dynomodel::Db::local("http://127.0.0.1:8000").await?.with_table_prefix("test_");
    /// assert_eq!(db.table_name("pets"), "test_pets");
    /// # Ok(()) }
    /// ```
    pub fn with_table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.table_prefix = Arc::from(prefix.into());
        self
    }

    /// The same handle with these timeouts: `connect` for opening a connection, `attempt`
    /// for each attempt of a request (the SDK retries transient failures, each attempt with
    /// this limit). A server that does not answer fails within them instead of hanging.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dynomodel::Result<()> {
    /// use std::time::Duration;
    /// let db = dynomodel::Db::local("http://127.0.0.1:8000")
    ///     .await?
    ///     .with_timeouts(Duration::from_secs(1), Duration::from_secs(5));
    /// # Ok(()) }
    /// ```
    pub fn with_timeouts(self, connect: Duration, attempt: Duration) -> Self {
        self.with_timeout_config(Timeouts {
            connect,
            attempt,
            // Three attempts and the backoff between them.
            operation: attempt.saturating_mul(3).saturating_add(connect),
        })
    }

    /// The same handle with these timeouts.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dynomodel::Result<()> {
    /// use dynomodel::db::Timeouts;
    /// use std::time::Duration;
    /// let db = dynomodel::Db::local("http://127.0.0.1:8000").await?.with_timeout_config(Timeouts {
    ///     operation: Duration::from_secs(2),
    ///     ..Timeouts::LAMBDA
    /// });
    /// # Ok(()) }
    /// ```
    pub fn with_timeout_config(self, timeouts: Timeouts) -> Self {
        let conf = self
            .client
            .config()
            .to_builder()
            .timeout_config(timeouts.config())
            .build();
        Db {
            client: aws_sdk_dynamodb::Client::from_conf(conf),
            table_prefix: self.table_prefix,
        }
    }

    /// The raw SDK client, for what dynomodel does not cover.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let tables = db.client().list_tables().send().await.map_err(|e| dynomodel::DynamoError::from_sdk("ListTables", e))?;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }

    /// The table-name prefix (empty unless set by [`Db::with_table_prefix`]).
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let db = Db::local("http://127.0.0.1:8000").await?.with_table_prefix("dev_");
    /// assert_eq!(db.table_prefix(), "dev_");
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn table_prefix(&self) -> &str {
        &self.table_prefix
    }

    /// The name of `table` in DynamoDB: the prefix, then the model's table name.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # futures::executor::block_on(async {
    /// let db = Db::local("http://127.0.0.1:8000").await?.with_table_prefix("dev_");
    /// assert_eq!(db.table_name(Pet::TABLE), "dev_pets");
    /// # Ok::<(), Error>(()) })?;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn table_name(&self, table: &str) -> String {
        format!("{}{}", self.table_prefix, table)
    }
}

/// How long a request may take. `Db::from_env` and `Db::local` set [`Timeouts::LAMBDA`];
/// `Db::new` keeps what its client was given.
///
/// ```
/// use dynomodel::db::Timeouts;
/// use std::time::Duration;
/// assert_eq!(Timeouts::LAMBDA.operation, Duration::from_secs(12));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening a connection.
    pub connect: Duration,
    /// One attempt of a request; the SDK retries a transient failure, each attempt with this
    /// limit.
    pub attempt: Duration,
    /// The whole operation, every attempt and the backoff between them included.
    pub operation: Duration,
}

impl Timeouts {
    /// Limits that suit a Lambda: 3 seconds to connect, 5 seconds an attempt, 12 seconds for
    /// the operation. DynamoDB answers in milliseconds; these only end a request to a server
    /// that has stopped answering.
    ///
    /// ```
    /// use dynomodel::db::Timeouts;
    /// use std::time::Duration;
    /// let patient = Timeouts { attempt: Duration::from_secs(20), ..Timeouts::LAMBDA };
    /// assert!(patient.attempt > Timeouts::LAMBDA.attempt);
    /// ```
    pub const LAMBDA: Timeouts = Timeouts {
        connect: Duration::from_secs(3),
        attempt: Duration::from_secs(5),
        operation: Duration::from_secs(12),
    };

    fn config(self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

/// `DYNAMODB_ENDPOINT` where it is set and not empty, checked to be a URL.
pub(crate) fn endpoint_from_env() -> Result<Option<String>> {
    match std::env::var(DYNAMODB_ENDPOINT) {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim().to_owned();
            check_endpoint(&v, DYNAMODB_ENDPOINT)?;
            Ok(Some(v))
        }
        _ => Ok(None),
    }
}

fn check_endpoint(endpoint: &str, what: &str) -> Result<()> {
    let rest = endpoint
        .strip_prefix("http://")
        .or_else(|| endpoint.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(()),
        _ => Err(Error::Config(format!(
            "{what} `{endpoint}` is not a URL: write it as http://HOST:PORT, such as http://127.0.0.1:8000"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Whether a request from `db` reaches `listener`.
    async fn reaches(db: Db, listener: &TcpListener) -> bool {
        listener.set_nonblocking(true).unwrap();
        let db = db.with_timeouts(Duration::from_millis(500), Duration::from_millis(500));
        let _ = db.client().list_tables().send().await;
        listener.accept().is_ok()
    }

    /// One test, so that no other test of this binary sees the variables change.
    #[tokio::test]
    async fn from_env_honours_the_endpoint_variables() {
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::remove_var("AWS_ENDPOINT_URL_DYNAMODB");

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::env::set_var(DYNAMODB_ENDPOINT, format!("http://127.0.0.1:{port}"));
        assert!(reaches(Db::from_env().await.unwrap(), &listener).await);

        std::env::set_var(DYNAMODB_ENDPOINT, "127.0.0.1:8123");
        let err = Db::from_env().await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(err.to_string().contains("DYNAMODB_ENDPOINT"), "{err}");
        std::env::remove_var(DYNAMODB_ENDPOINT);

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::env::set_var(
            "AWS_ENDPOINT_URL_DYNAMODB",
            format!("http://127.0.0.1:{port}"),
        );
        assert!(reaches(Db::from_env().await.unwrap(), &listener).await);
        std::env::remove_var("AWS_ENDPOINT_URL_DYNAMODB");

        // A server that accepts and never answers: the operation ends within the bound.
        let stalled = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = stalled.local_addr().unwrap().port();
        std::env::set_var(DYNAMODB_ENDPOINT, format!("http://127.0.0.1:{port}"));
        let db = Db::from_env().await.unwrap();
        std::env::remove_var(DYNAMODB_ENDPOINT);
        let start = std::time::Instant::now();
        let err = db.client().list_tables().send().await.unwrap_err();
        let took = start.elapsed();
        eprintln!("a stalled endpoint failed after {took:?}: {err:?}");
        assert!(took >= Timeouts::LAMBDA.attempt, "{took:?}");
        assert!(
            took < Timeouts::LAMBDA.operation + Duration::from_secs(2),
            "{took:?}"
        );
        drop(stalled);
    }
}
