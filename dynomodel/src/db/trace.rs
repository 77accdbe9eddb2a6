//! Tracing: one span per operation, and consumed capacity where a subscriber records it.
//! Layer: db.

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;

/// Requests ask for their consumed capacity only where a tracing subscriber records the
/// operation's span: otherwise DynamoDB would compute it for nobody.
pub(crate) fn capacity() -> Option<ReturnConsumedCapacity> {
    (!tracing::Span::current().is_disabled()).then_some(ReturnConsumedCapacity::Total)
}

/// Records DynamoDB's consumed capacity in the current span.
pub(crate) fn record_capacity(c: Option<&aws_sdk_dynamodb::types::ConsumedCapacity>) {
    if let Some(units) = c.and_then(|c| c.capacity_units()) {
        tracing::Span::current().record("consumed_capacity", units);
    }
}

/// The span of one operation.
macro_rules! op_span {
    ($op:expr, $table:expr) => {
        tracing::info_span!(
            "dynomodel",
            operation = $op,
            table = %$table,
            consumed_capacity = tracing::field::Empty
        )
    };
}
pub(crate) use op_span;
