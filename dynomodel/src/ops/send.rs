//! Sending: every operation sends its SDK call through [`send`], which opens the operation's
//! span, asks for the consumed capacity where a subscriber records it, records it, and reads
//! a refusal (a failed condition with the stored item, a cancelled transaction with its
//! reasons) apart from every other failure. Batches retry their unprocessed part through
//! [`retry_chunk`].
//! Layer: ops.

use std::convert::Infallible;
use std::future::Future;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{CancellationReason, ConsumedCapacity, ReturnConsumedCapacity};
use tracing::Instrument;

use aws_sdk_dynamodb::Client;

use crate::codec::Item;
use crate::db::trace::{capacity, op_span, record_capacity};
use crate::error::{DynamoError, Error, Result};
use crate::ops::request::{with_request, Request};

/// The HTTP response that the SDK's errors carry.
type Response = aws_sdk_dynamodb::config::http::HttpResponse;

/// The capacity that an answer says it consumed.
pub(crate) trait Consumed {
    /// The capacity units of the answer, where DynamoDB returned them.
    fn consumed(&self) -> Option<ConsumedCapacity>;
}

/// What a service error tells beyond a failure: for conditional writes, the item stored under
/// the key when the condition failed; for a transaction, the reasons of its cancellation.
pub(crate) trait Refusal {
    /// What a refusal carries ([`Infallible`] for requests that cannot be refused).
    type Answer;
    /// The refusal, where this error is one.
    fn refusal(&self) -> Option<Self::Answer>;
}

/// What a request is sent on: one table, named as the user knows it (with its prefix) when
/// it does not exist, or several (a transaction), named in the span by a label and left to
/// DynamoDB's own message when one is missing.
#[derive(Clone, Copy)]
pub(crate) enum On<'a> {
    Table(&'a str),
    Many(&'a str),
}

impl<'a> From<&'a str> for On<'a> {
    fn from(table: &'a str) -> Self {
        On::Table(table)
    }
}

impl<'a> From<&'a String> for On<'a> {
    fn from(table: &'a String) -> Self {
        On::Table(table)
    }
}

/// Sends one SDK call in the span of `operation` on `on`: `call` gets the
/// `ReturnConsumedCapacity` to ask for and returns the SDK's future. The answer, or the
/// refusal (`Ok(Err(..))`), or any other failure as [`DynamoError`].
pub(crate) async fn send<'a, O, E, F, Fut>(
    operation: &'static str,
    on: impl Into<On<'a>>,
    call: F,
) -> Result<std::result::Result<O, E::Answer>>
where
    F: FnOnce(Option<ReturnConsumedCapacity>) -> Fut,
    Fut: Future<Output = std::result::Result<O, SdkError<E, Response>>>,
    O: Consumed,
    E: Refusal + ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (label, table) = match on.into() {
        On::Table(t) => (t, Some(t)),
        On::Many(label) => (label, None),
    };
    let span = op_span!(operation, label);
    async move {
        match call(capacity()).await {
            Ok(out) => {
                record_capacity(out.consumed().as_ref());
                Ok(Ok(out))
            }
            Err(e) => match e.as_service_error().and_then(Refusal::refusal) {
                Some(refused) => Ok(Err(refused)),
                // A missing table is named as the user knows it: with its prefix.
                None => {
                    let e = DynamoError::from_sdk(operation, e);
                    Err(match table {
                        Some(t) => e.on_table(t),
                        None => e,
                    }
                    .into())
                }
            },
        }
    }
    .instrument(span)
    .await
}

/// An SDK request builder that is filled from a [`Request`]: its operation, its answer and
/// error types, and the parts of the request that it takes.
pub(crate) trait Sendable: Sized {
    const OPERATION: &'static str;
    type Output: Consumed;
    type Error: Refusal + ProvideErrorMetadata + std::error::Error + Send + Sync + 'static;
    /// The builder on `table`, with every part of `r` that this operation takes.
    fn start(client: &Client, table: &str, r: &Request) -> Self;
    /// Asks for the consumed capacity.
    fn capacity(self, capacity: Option<ReturnConsumedCapacity>) -> Self;
    /// Sends the request.
    fn send(
        self,
    ) -> impl Future<Output = std::result::Result<Self::Output, SdkError<Self::Error, Response>>>;
}

/// Sends `r` as the operation of builder `B` on `table` (the prefixed name), with what `more`
/// sets beside the request's parts.
pub(crate) async fn send_request<B: Sendable>(
    client: &Client,
    table: &str,
    r: &Request,
    more: impl FnOnce(B) -> B,
) -> Result<std::result::Result<B::Output, <B::Error as Refusal>::Answer>> {
    send(B::OPERATION, table, |capacity| {
        more(B::start(client, table, r)).capacity(capacity).send()
    })
    .await
}

/// [`send_request`] of a request that no condition can refuse: a read.
pub(crate) async fn read_request<B>(
    client: &Client,
    table: &str,
    r: &Request,
    more: impl FnOnce(B) -> B,
) -> Result<B::Output>
where
    B: Sendable,
    B::Error: Refusal<Answer = Infallible>,
{
    match send_request::<B>(client, table, r, more).await? {
        Ok(out) => Ok(out),
        Err(never) => match never {},
    }
}

/// Implements [`Sendable`] for the builders of the item operations.
macro_rules! sendable {
    ($($op:literal: $method:ident, $m:ident::$b:ident, $out:ident, $err:ident, [$($part:ident),*];)*) => {$(
        impl Sendable for op::$m::builders::$b {
            const OPERATION: &'static str = $op;
            type Output = op::$m::$out;
            type Error = op::$m::$err;
            fn start(client: &Client, table: &str, r: &Request) -> Self {
                with_request!(client.$method().table_name(table), r $(, $part)*)
            }
            fn capacity(self, capacity: Option<ReturnConsumedCapacity>) -> Self {
                self.set_return_consumed_capacity(capacity)
            }
            fn send(
                self,
            ) -> impl Future<Output = std::result::Result<Self::Output, SdkError<Self::Error, Response>>> {
                op::$m::builders::$b::send(self)
            }
        }
    )*};
}

sendable! {
    "PutItem": put_item, put_item::PutItemFluentBuilder, PutItemOutput, PutItemError,
        [item, condition, names, values];
    "UpdateItem": update_item, update_item::UpdateItemFluentBuilder, UpdateItemOutput,
        UpdateItemError, [key, update, condition, names, values, fail];
    "DeleteItem": delete_item, delete_item::DeleteItemFluentBuilder, DeleteItemOutput,
        DeleteItemError, [key, condition, names, values, fail];
    "GetItem": get_item, get_item::GetItemFluentBuilder, GetItemOutput, GetItemError,
        [key, consistent, projection, names];
    "Query": query, query::QueryFluentBuilder, QueryOutput, QueryError,
        [index, filter, projection, names, values, limit, consistent, start, select];
    "Scan": scan, scan::ScanFluentBuilder, ScanOutput, ScanError,
        [index, filter, projection, names, values, limit, consistent, start, select];
}

/// [`send`] for a request that no condition can refuse: a read, a table operation.
pub(crate) async fn send_read<O, E, F, Fut>(
    operation: &'static str,
    table: &str,
    call: F,
) -> Result<O>
where
    F: FnOnce(Option<ReturnConsumedCapacity>) -> Fut,
    Fut: Future<Output = std::result::Result<O, SdkError<E, Response>>>,
    O: Consumed,
    E: Refusal<Answer = Infallible>
        + ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
{
    match send(operation, table, call).await? {
        Ok(out) => Ok(out),
        Err(never) => match never {},
    }
}

/// Implements [`Consumed`] for answers with one optional `ConsumedCapacity`, with none, or with
/// one per table.
macro_rules! consumed {
    (one: $($out:ty),* $(,)?) => {$(
        impl Consumed for $out {
            fn consumed(&self) -> Option<ConsumedCapacity> {
                self.consumed_capacity().cloned()
            }
        }
    )*};
    (many: $($out:ty),* $(,)?) => {$(
        impl Consumed for $out {
            fn consumed(&self) -> Option<ConsumedCapacity> {
                let units: f64 = self.consumed_capacity().iter().filter_map(|c| c.capacity_units()).sum();
                (!self.consumed_capacity().is_empty())
                    .then(|| ConsumedCapacity::builder().capacity_units(units).build())
            }
        }
    )*};
    (none: $($out:ty),* $(,)?) => {$(
        impl Consumed for $out {
            fn consumed(&self) -> Option<ConsumedCapacity> {
                None
            }
        }
    )*};
}

use aws_sdk_dynamodb::operation as op;
use op::batch_get_item::BatchGetItemOutput;
use op::batch_write_item::BatchWriteItemOutput;
use op::create_table::CreateTableOutput;
use op::delete_item::DeleteItemOutput;
use op::delete_table::DeleteTableOutput;
use op::describe_table::DescribeTableOutput;
use op::describe_time_to_live::DescribeTimeToLiveOutput;
use op::get_item::GetItemOutput;
use op::put_item::PutItemOutput;
use op::query::QueryOutput;
use op::scan::ScanOutput;
use op::transact_get_items::TransactGetItemsOutput;
use op::transact_write_items::TransactWriteItemsOutput;
use op::update_item::UpdateItemOutput;
use op::update_table::UpdateTableOutput;
use op::update_time_to_live::UpdateTimeToLiveOutput;

consumed!(one: PutItemOutput, UpdateItemOutput, DeleteItemOutput, GetItemOutput, QueryOutput, ScanOutput);
consumed!(many: BatchGetItemOutput, BatchWriteItemOutput, TransactGetItemsOutput, TransactWriteItemsOutput);
consumed!(none: CreateTableOutput, DeleteTableOutput, DescribeTableOutput, DescribeTimeToLiveOutput, UpdateTableOutput, UpdateTimeToLiveOutput);

/// Implements [`Refusal`] for the errors of conditional writes: the stored item (where the
/// request asked for it) when the condition failed.
macro_rules! conditional {
    ($($err:ident :: $ty:ident),* $(,)?) => {$(
        impl Refusal for op::$err::$ty {
            type Answer = Option<Item>;
            fn refusal(&self) -> Option<Option<Item>> {
                match self {
                    op::$err::$ty::ConditionalCheckFailedException(c) => Some(c.item().cloned()),
                    _ => None,
                }
            }
        }
    )*};
}

conditional!(
    put_item::PutItemError,
    update_item::UpdateItemError,
    delete_item::DeleteItemError,
);

/// Implements [`Refusal`] for errors of requests that carry no condition.
macro_rules! unconditional {
    ($($err:ident :: $ty:ident),* $(,)?) => {$(
        impl Refusal for op::$err::$ty {
            type Answer = Infallible;
            fn refusal(&self) -> Option<Infallible> {
                None
            }
        }
    )*};
}

unconditional!(
    get_item::GetItemError,
    query::QueryError,
    scan::ScanError,
    batch_get_item::BatchGetItemError,
    batch_write_item::BatchWriteItemError,
    transact_get_items::TransactGetItemsError,
    create_table::CreateTableError,
    describe_time_to_live::DescribeTimeToLiveError,
    update_table::UpdateTableError,
    update_time_to_live::UpdateTimeToLiveError,
);

/// A table that does not exist: what DescribeTable and DeleteTable refuse with.
pub(crate) struct Missing;

impl Refusal for op::describe_table::DescribeTableError {
    type Answer = Missing;
    fn refusal(&self) -> Option<Missing> {
        self.is_resource_not_found_exception().then_some(Missing)
    }
}

impl Refusal for op::delete_table::DeleteTableError {
    type Answer = Missing;
    fn refusal(&self) -> Option<Missing> {
        self.is_resource_not_found_exception().then_some(Missing)
    }
}

impl Refusal for op::transact_write_items::TransactWriteItemsError {
    type Answer = Vec<CancellationReason>;
    fn refusal(&self) -> Option<Vec<CancellationReason>> {
        match self {
            Self::TransactionCanceledException(c) => Some(c.cancellation_reasons().to_vec()),
            _ => None,
        }
    }
}

/// What one chunk of a batch came to: the items read (batch get), the keys left unprocessed,
/// the attempts made, and the failure that ended it early.
pub(crate) struct ChunkOutcome<T> {
    pub(crate) done: Vec<T>,
    pub(crate) left: Vec<Item>,
    pub(crate) attempts: u32,
    pub(crate) error: Option<Error>,
}

/// One attempt of a chunk: what it read, and what is left to send (with the keys it holds).
pub(crate) struct Attempt<T, L> {
    pub(crate) done: Vec<T>,
    pub(crate) left: L,
    pub(crate) keys: Vec<Item>,
}

/// The retry loop of a batch chunk: `attempt` sends what is left (each attempt a request
/// of its own, with its span), up to `max_attempts` times with `backoff` between them, until
/// nothing is left. An attempt that fails ends the chunk unless `retry_errors` and the
/// failure is retryable.
pub(crate) async fn retry_chunk<T, L, F, Fut>(
    mut left: L,
    mut keys: Vec<Item>,
    max_attempts: u32,
    backoff: impl Fn(u32) -> std::time::Duration,
    retry_errors: bool,
    mut attempt: F,
) -> ChunkOutcome<T>
where
    L: Clone,
    F: FnMut(L) -> Fut,
    Fut: Future<Output = Result<Attempt<T, L>>>,
{
    let mut done = Vec::new();
    let mut attempts: u32 = 0;
    loop {
        attempts = attempts.saturating_add(1);
        match attempt(left.clone()).await {
            Ok(a) => {
                done.extend(a.done);
                left = a.left;
                keys = a.keys;
                if keys.is_empty() {
                    return ChunkOutcome {
                        done,
                        left: keys,
                        attempts,
                        error: None,
                    };
                }
            }
            Err(e) => {
                if !retry_errors || !e.is_retryable() || attempts >= max_attempts {
                    return ChunkOutcome {
                        done,
                        left: keys,
                        attempts,
                        error: Some(e),
                    };
                }
            }
        }
        if attempts >= max_attempts {
            return ChunkOutcome {
                done,
                left: keys,
                attempts,
                error: None,
            };
        }
        tokio::time::sleep(backoff(attempts)).await;
    }
}

/// Sends the chunks of a batch, `concurrency` at a time, through `send`, and gathers what
/// they read; what is left unprocessed is `BatchIncomplete` (`what` and `verb` name it:
/// "keys", "read"). Once a chunk has failed outright (after the SDK's own retries), the
/// chunks not sent yet are reported without being sent: the service is down, and waiting on
/// each adds nothing.
pub(crate) async fn fan_out<C, T, Fut>(
    chunks: Vec<C>,
    concurrency: usize,
    (what, verb): (&'static str, &'static str),
    keys: impl Fn(C) -> Vec<Item>,
    send: impl Fn(C) -> Fut,
) -> Result<Vec<T>>
where
    Fut: Future<Output = ChunkOutcome<T>>,
{
    use futures::stream::{self, StreamExt};
    use std::sync::atomic::{AtomicBool, Ordering};

    let failed = AtomicBool::new(false);
    let outcomes: Vec<ChunkOutcome<T>> = stream::iter(chunks)
        .map(|chunk| {
            let (failed, keys, send) = (&failed, &keys, &send);
            async move {
                if failed.load(Ordering::Relaxed) {
                    return ChunkOutcome {
                        done: Vec::new(),
                        left: keys(chunk),
                        attempts: 0,
                        error: None,
                    };
                }
                let outcome = send(chunk).await;
                if outcome.error.is_some() {
                    failed.store(true, Ordering::Relaxed);
                }
                outcome
            }
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    let (mut done, mut left) = (Vec::new(), Vec::new());
    let (mut attempts, mut error) = (0, None);
    for o in outcomes {
        done.extend(o.done);
        if !o.left.is_empty() {
            left.extend(o.left);
            attempts = attempts.max(o.attempts);
            error = error.or(o.error);
        }
    }
    if left.is_empty() {
        Ok(done)
    } else {
        Err(Error::BatchIncomplete {
            what,
            verb,
            unprocessed: left,
            attempts,
            source: error.map(Box::new),
        })
    }
}
