//! The one error type of dynomodel.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! # async fn run(db: &Db) -> Result<()> {
//! match pet("1", "").create(db).await {
//!     Err(Error::Validation(errors)) => {
//!         for e in errors.iter() {
//!             println!("{}: {} ({})", e.path, e.message, e.rule);
//!         }
//!     }
//!     Err(Error::AlreadyExists { table }) => println!("pet 1 is already in {table}"),
//!     Err(e) if e.is_retryable() => println!("try again later: {e}"),
//!     Err(e) => return Err(e),
//!     Ok(()) => {}
//! }
//! # Ok(()) }
//! ```
//!
//! Layer: error, the lowest: it names no other module of the crate.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

mod cancel;
mod validation;

pub use cancel::CancelReason;
pub use validation::{ValidationError, ValidationErrors};

/// An item, as the errors carry it (the codec's `Item`).
type Item = HashMap<String, AttributeValue>;

/// `Result<T, dynomodel::Error>`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// fn checked(p: &Pet) -> dynomodel::Result<()> {
///     p.validate()
/// }
/// assert!(checked(&pet("1", "")).is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in dynomodel.
///
/// Errors found before a request is sent (`Validation`, `Encode`, `ItemTooLarge`,
/// `InvalidRequest`, `Config`) guarantee that nothing was written.
///
/// ```
/// use dynomodel::Error;
///
/// let err = Error::InvalidRequest("a transaction takes at most 100 actions".into());
/// assert_eq!(err.to_string(), "invalid request: a transaction takes at most 100 actions");
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// One or more fields broke their rules; every failure is listed with its attribute path.
    #[error("{0}")]
    Validation(ValidationErrors),
    /// `create` found an item with the same key already stored.
    #[error("an item with this key already exists in table `{table}`")]
    AlreadyExists {
        /// The table that holds the item.
        table: String,
    },
    /// A condition expression did not hold.
    #[error("the condition did not hold in table `{table}`")]
    ConditionFailed {
        /// The table of the item.
        table: String,
        /// The item as stored, where DynamoDB returned it (`None` where there is no item).
        item: Option<Box<Item>>,
    },
    /// Another writer changed a versioned item after it was read.
    #[error("version conflict in table `{table}`: the item is no longer at version {expected}")]
    VersionConflict {
        /// The table that holds the item.
        table: String,
        /// The version that this writer read.
        expected: u64,
    },
    /// A transaction was cancelled: nothing in it was written. One reason per action that
    /// failed, in action order.
    #[error("the transaction was cancelled: {}", .reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>().join("; "))]
    TransactionCanceled {
        /// Why each failing action failed.
        reasons: Vec<CancelReason>,
    },
    /// Items or keys of a batch that were not written or read after every retry; the rest
    /// of the batch was.
    #[error("{} of the batch's {} were not {} after {} attempts", .unprocessed.len(), .what, .verb, .attempts)]
    BatchIncomplete {
        /// "items" or "keys".
        what: &'static str,
        /// "written" or "read".
        verb: &'static str,
        /// The keys (of items not written, or keys not read), in the order given.
        unprocessed: Vec<Item>,
        /// How many times the last chunk was sent.
        attempts: u32,
        /// The last error from DynamoDB, where a request failed rather than came back with
        /// unprocessed entries.
        source: Option<Box<Error>>,
    },
    /// The write was applied, but the item that DynamoDB returned with it does not fit the
    /// model (or its `after_load` hook failed). Do not retry it as if nothing happened: the
    /// item with this key is changed (or deleted).
    #[error("{operation} on table `{table}` was applied, but the item it returned cannot be read: {source}")]
    Applied {
        /// "UpdateItem" or "DeleteItem".
        operation: &'static str,
        /// The table of the item.
        table: String,
        /// The key of the item that was written.
        key: Box<Item>,
        /// Why the returned item cannot be read.
        source: Box<Error>,
    },
    /// A read sent as many requests as `max_pages` allows and did not reach its end: `next`
    /// is the text of the cursor where it would go on (`next.parse::<Cursor>()`).
    #[error("the read sent {requests} requests, as many as max_pages allows, before its end: it goes on at the cursor {next}")]
    PageCap {
        /// The requests sent.
        requests: usize,
        /// The text of the cursor of the next request.
        next: String,
    },
    /// An update or delete named a key that must exist and does not.
    #[error("no item with this key in table `{table}`")]
    NotFound {
        /// The table that was searched.
        table: String,
    },
    /// The item under a key is another entity's (a table shared by several models): it is
    /// not decoded as this one.
    #[error("the item {key} is a `{found}`, not a `{expected}`")]
    WrongEntity {
        /// The entity that was read.
        expected: String,
        /// The entity that the item's entity attribute names.
        found: String,
        /// The item's table key, as `pk=... sk=...`.
        key: String,
    },
    /// An item stored by an older schema version of the model could not be upgraded: the
    /// model's `upgrade` function failed on it.
    #[error("cannot upgrade an item stored by schema version {from} to version {to}: {source}")]
    Upgrade {
        /// The schema version that stored the item.
        from: u32,
        /// The schema version of the model.
        to: u32,
        /// Why the upgrade failed.
        source: Box<Error>,
    },
    /// A write of the model was refused: the item under its key was stored by a newer
    /// schema version, whose attributes this model does not know and would lose.
    #[error("the item in table `{table}` was stored by schema version {stored}, newer than this model's {model}: a write of this model would lose what the newer version stores")]
    NewerSchema {
        /// The table of the item.
        table: String,
        /// The schema version that stored the item.
        stored: u32,
        /// The schema version of the model that tried to write it.
        model: u32,
    },
    /// An item read from DynamoDB does not fit the model.
    #[error("cannot decode {}: {message}", shown_path(.path))]
    Decode {
        /// The attribute path, such as `address.street` or `tags[2]`.
        path: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A value cannot be written to DynamoDB.
    #[error("cannot encode {}: {message}", shown_path(.path))]
    Encode {
        /// The attribute path of the value.
        path: String,
        /// Why it cannot be written.
        message: String,
    },
    /// An item exceeds DynamoDB's 400 KB limit.
    #[error("the item is {size} bytes, over DynamoDB's limit of 409600 bytes")]
    ItemTooLarge {
        /// The encoded size of the item.
        size: usize,
    },
    /// A request that DynamoDB would reject, caught before it was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The environment is not set up: an endpoint that does not answer, a missing Java
    /// runtime for DynamoDB Local, and the like. The message says what to do.
    #[error("{0}")]
    Config(String),
    /// An error from DynamoDB or from the AWS SDK on the way to it.
    #[error(transparent)]
    Dynamo(#[from] DynamoError),
}

fn shown_path(path: &str) -> String {
    if path.is_empty() {
        "the value".to_owned()
    } else {
        format!("`{path}`")
    }
}

impl Error {
    /// Whether this is a failed condition (`ConditionFailed`, `AlreadyExists`,
    /// `VersionConflict`, `NotFound` or `NewerSchema`).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// if let Err(e) = pet("1", "Rex").create(db).await {
    ///     assert!(e.is_condition_failed(), "AlreadyExists is a failed condition");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_condition_failed(&self) -> bool {
        matches!(
            self,
            Error::ConditionFailed { .. }
                | Error::AlreadyExists { .. }
                | Error::VersionConflict { .. }
                | Error::NotFound { .. }
                | Error::NewerSchema { .. }
        )
    }

    /// Whether DynamoDB throttled the request (provisioned throughput exceeded, request limit).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// match Pet::get(Pet::key("1")).exec(db).await {
    ///     Err(e) if e.is_throttling() => println!("slow down"),
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_throttling(&self) -> bool {
        matches!(self, Error::Dynamo(e) if e.is_throttling())
    }

    /// Whether sending the same request again may succeed.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// for _ in 0..3 {
    ///     match Pet::get(Pet::key("1")).exec(db).await {
    ///         Err(e) if e.is_retryable() => continue,
    ///         other => { other?; break; }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Dynamo(e) if e.is_retryable())
    }
}

/// An error from DynamoDB or the AWS SDK, with its error code where DynamoDB gave one.
///
/// The SDK's own retries (with its standard backoff) have already run when this is returned.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// match Pet::get(Pet::key("1")).exec(db).await {
///     Err(Error::Dynamo(e)) if e.code() == Some("ResourceNotFoundException") => {
///         println!("create the table first: {e}");
///     }
///     other => {
///         other?;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct DynamoError {
    operation: &'static str,
    code: Option<String>,
    message: String,
    retryable: bool,
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
];

const RETRYABLE_CODES: &[&str] = &[
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "TransactionInProgressException",
];

impl DynamoError {
    /// Wraps an SDK error of the operation named `operation` (such as `PutItem`), for code
    /// that calls the SDK directly and wants dynomodel's error.
    ///
    /// ```
    /// use aws_sdk_dynamodb::error::{ErrorMetadata, SdkError};
    /// use aws_sdk_dynamodb::operation::get_item::GetItemError;
    /// use dynomodel::DynamoError;
    ///
    /// let throttled = GetItemError::generic(ErrorMetadata::builder().code("ThrottlingException").build());
    /// let err = DynamoError::from_sdk("GetItem", SdkError::<_, ()>::service_error(throttled, ()));
    /// assert_eq!(err.operation(), "GetItem");
    /// assert_eq!(err.code(), Some("ThrottlingException"));
    /// assert!(err.is_throttling() && err.is_retryable());
    /// ```
    pub fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let (code, retryable) = match &err {
            SdkError::ServiceError(service) => {
                let code = service.err().code().map(str::to_owned);
                let retryable = code
                    .as_deref()
                    .is_some_and(|c| THROTTLING_CODES.contains(&c) || RETRYABLE_CODES.contains(&c));
                (code, retryable)
            }
            SdkError::TimeoutError(_) | SdkError::ResponseError(_) => (None, true),
            SdkError::DispatchFailure(dispatch) => {
                (None, dispatch.is_io() || dispatch.is_timeout())
            }
            _ => (None, false),
        };
        let message = describe(&err);
        DynamoError {
            operation,
            code,
            message,
            retryable,
            source: Box::new(err),
        }
    }

    /// The error of an operation on `table` (the name as sent, with the `Db`'s prefix): where
    /// DynamoDB answered that the table does not exist, the message names it, as
    /// `AlreadyExists` does; DynamoDB's own message does not.
    ///
    /// ```
    /// use aws_sdk_dynamodb::error::{ErrorMetadata, SdkError};
    /// use aws_sdk_dynamodb::operation::get_item::GetItemError;
    /// let missing = GetItemError::generic(ErrorMetadata::builder().code("ResourceNotFoundException").build());
    /// let err = dynomodel::DynamoError::from_sdk("GetItem", SdkError::<_, ()>::service_error(missing, ()))
    ///     .on_table("dev_pets");
    /// assert!(err.to_string().contains("table `dev_pets` does not exist"), "{err}");
    /// ```
    pub fn on_table(mut self, table: &str) -> Self {
        if self.code.as_deref() == Some("ResourceNotFoundException") {
            self.message = format!("table `{table}` does not exist ({})", self.message);
        }
        self
    }

    /// The DynamoDB operation, such as `PutItem`.
    ///
    /// ```
    /// use aws_sdk_dynamodb::error::SdkError;
    /// use aws_sdk_dynamodb::operation::put_item::PutItemError;
    /// let raw = SdkError::<PutItemError, ()>::construction_failure("no table name");
    /// assert_eq!(dynomodel::DynamoError::from_sdk("PutItem", raw).operation(), "PutItem");
    /// ```
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// DynamoDB's error code, such as `ResourceNotFoundException`, where the service answered.
    ///
    /// ```
    /// use aws_sdk_dynamodb::error::{ErrorMetadata, SdkError};
    /// use aws_sdk_dynamodb::operation::get_item::GetItemError;
    /// let missing = GetItemError::generic(ErrorMetadata::builder().code("ResourceNotFoundException").build());
    /// let err = dynomodel::DynamoError::from_sdk("GetItem", SdkError::<_, ()>::service_error(missing, ()));
    /// assert_eq!(err.code(), Some("ResourceNotFoundException"));
    /// assert!(!err.is_retryable());
    /// let local = SdkError::<GetItemError, ()>::construction_failure("bad input");
    /// assert_eq!(dynomodel::DynamoError::from_sdk("GetItem", local).code(), None);
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Whether DynamoDB throttled the request (`ThrottlingException`,
    /// `ProvisionedThroughputExceededException`, `RequestLimitExceeded`).
    ///
    /// ```
    /// use aws_sdk_dynamodb::error::{ErrorMetadata, SdkError};
    /// use aws_sdk_dynamodb::operation::query::QueryError;
    /// let over = QueryError::generic(
    ///     ErrorMetadata::builder().code("ProvisionedThroughputExceededException").build(),
    /// );
    /// assert!(dynomodel::DynamoError::from_sdk("Query", SdkError::<_, ()>::service_error(over, ())).is_throttling());
    /// ```
    pub fn is_throttling(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| THROTTLING_CODES.contains(&c))
    }

    /// Whether sending the same request again may succeed: throttling, DynamoDB's internal
    /// errors, timeouts and dropped connections.
    ///
    /// ```
    /// use aws_sdk_dynamodb::error::{ErrorMetadata, SdkError};
    /// use aws_sdk_dynamodb::operation::put_item::PutItemError;
    /// let busy = PutItemError::generic(ErrorMetadata::builder().code("InternalServerError").build());
    /// assert!(dynomodel::DynamoError::from_sdk("PutItem", SdkError::<_, ()>::service_error(busy, ())).is_retryable());
    /// let bad = PutItemError::generic(ErrorMetadata::builder().code("ValidationException").build());
    /// assert!(!dynomodel::DynamoError::from_sdk("PutItem", SdkError::<_, ()>::service_error(bad, ())).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }
}

impl fmt::Display for DynamoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DynamoDB {} failed: {}", self.operation, self.message)
    }
}

impl std::error::Error for DynamoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// One line that says what went wrong, down to the innermost cause: the SDK's own
/// `Display` says only "dispatch failure", which tells a user nothing.
fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    if let SdkError::ServiceError(service) = err {
        let e = service.err();
        return match (e.code(), e.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => e.to_string(),
        };
    }
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}
