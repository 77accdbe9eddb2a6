//! The waits of `apply` between its steps: DynamoDB takes one change of a table at a time,
//! and on AWS a table is UPDATING, an index CREATING (while it fills) or DELETING, for
//! seconds to hours after the request that changed it. Each wait has a bound, and its error
//! says what it waited for and what the table showed last.
//! Layer: schema.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{IndexStatus, TableDescription, TableStatus};

use crate::error::{Error, Result};

/// The bounds of `apply`'s waits.
///
/// ```
/// use dynomodel::schema::migrate::Waits;
/// let w = Waits::default();
/// assert_eq!(w.index, std::time::Duration::from_secs(3600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waits {
    /// Until the table and its indexes are ACTIVE after a change of the table (billing,
    /// class, stream, deletion protection), and until a removed index is gone.
    pub table: Duration,
    /// Until a new global index is ACTIVE: filled from every item of the table.
    pub index: Duration,
    /// Between two DescribeTable requests.
    pub poll: Duration,
}

impl Default for Waits {
    /// 10 minutes for a table change, an hour for an index to fill, a DescribeTable every
    /// 2 seconds.
    fn default() -> Self {
        Waits {
            table: Duration::from_secs(600),
            index: Duration::from_secs(3600),
            poll: Duration::from_secs(2),
        }
    }
}

/// What a wait waits for.
#[derive(Debug, Clone, Copy)]
pub(super) enum Until<'a> {
    /// The table ACTIVE, and every global index ACTIVE.
    Active,
    /// The index ACTIVE (filled), and the table ACTIVE.
    IndexActive(&'a str),
    /// The index no longer described, and the table ACTIVE: DynamoDB refuses every other
    /// change of the table while an index is DELETING.
    IndexGone(&'a str),
}

impl fmt::Display for Until<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Until::Active => write!(f, "the table and its indexes to be ACTIVE"),
            Until::IndexActive(i) => write!(f, "the index `{i}` to be ACTIVE (filled)"),
            Until::IndexGone(i) => write!(f, "the index `{i}` to be deleted"),
        }
    }
}

/// What the table shows: its status and each index's.
fn state(d: &TableDescription) -> String {
    let mut s = format!(
        "the table is {}",
        d.table_status().map_or("of no status", |s| s.as_str())
    );
    for g in d.global_secondary_indexes() {
        s.push_str(&format!(
            ", `{}` is {}",
            g.index_name().unwrap_or_default(),
            g.index_status().map_or("of no status", |s| s.as_str())
        ));
    }
    s
}

fn reached(d: &TableDescription, until: Until<'_>) -> bool {
    let table = d.table_status() == Some(&TableStatus::Active);
    let index = |name: &str| {
        d.global_secondary_indexes()
            .iter()
            .find(|g| g.index_name() == Some(name))
    };
    match until {
        Until::Active => {
            table
                && d.global_secondary_indexes()
                    .iter()
                    .all(|g| g.index_status() == Some(&IndexStatus::Active))
        }
        Until::IndexActive(name) => {
            table && index(name).and_then(|g| g.index_status()) == Some(&IndexStatus::Active)
        }
        Until::IndexGone(name) => table && index(name).is_none(),
    }
}

/// Describes the table (`describe`) every `poll` until it shows `until`, for at most
/// `bound`; the last description.
pub(super) async fn until<F, Fut>(
    table: &str,
    until: Until<'_>,
    bound: Duration,
    poll: Duration,
    mut describe: F,
) -> Result<TableDescription>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<TableDescription>>,
{
    let deadline = Instant::now().checked_add(bound);
    loop {
        let d = describe().await?;
        if reached(&d, until) {
            return Ok(d);
        }
        if deadline.is_none_or(|d| Instant::now() >= d) {
            return Err(Error::InvalidRequest(format!(
                "waited {bound:?} for {until} on table `{table}`, and {}",
                state(&d)
            )));
        }
        tokio::time::sleep(poll).await;
    }
}

/// The longest pause between two refused requests, in `poll`s.
const MOST_POLLS: u32 = 16;

/// Whether DynamoDB refused a table change only for now: the table is being changed
/// (`ResourceInUseException`), or too many indexes or tables are being built at once
/// (`LimitExceededException`: in an account on AWS; 5 tables with indexes being built, or 10
/// tables being changed, in DynamoDB Local).
fn busy(e: &Error) -> bool {
    matches!(e, Error::Dynamo(e) if matches!(
        e.code(),
        Some("LimitExceededException" | "ResourceInUseException")
    ))
}

/// Sends a change of `table` (`send`) until DynamoDB takes it, while it refuses it only for
/// now ([`busy`]), for at most `bound`: the pause between two tries starts at `poll` and
/// doubles, up to [`MOST_POLLS`] polls. Past the bound, the error says how long the change
/// was refused, and why.
pub(super) async fn refused<T, F, Fut>(
    what: &str,
    table: &str,
    bound: Duration,
    poll: Duration,
    mut send: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let started = Instant::now();
    let most = poll.saturating_mul(MOST_POLLS);
    let mut pause = poll;
    let mut tries = 0u32;
    loop {
        tries = tries.saturating_add(1);
        let e = match send().await {
            Err(e) if busy(&e) => e,
            other => return other,
        };
        let waited = started.elapsed();
        let Some(left) = bound.checked_sub(waited).filter(|l| !l.is_zero()) else {
            return Err(Error::InvalidRequest(format!(
                "{what} of table `{table}` was refused {tries} times over {waited:?}, the bound of the table's waits ({e}): DynamoDB makes one change of a table at a time, and builds only so many indexes at once; run apply again once they are done"
            )));
        };
        tokio::time::sleep(pause.min(left)).await;
        pause = pause.saturating_mul(2).min(most).max(poll);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use aws_sdk_dynamodb::types::GlobalSecondaryIndexDescription;

    use super::*;

    fn described(table: TableStatus, index: Option<IndexStatus>) -> TableDescription {
        let mut d = TableDescription::builder().table_status(table);
        if let Some(s) = index {
            d = d.global_secondary_indexes(
                GlobalSecondaryIndexDescription::builder()
                    .index_name("by_owner")
                    .index_status(s)
                    .build(),
            );
        }
        d.build()
    }

    /// A fake DescribeTable: the descriptions in turn, the last one again and again.
    fn sequence(
        mut ds: Vec<TableDescription>,
    ) -> (
        impl FnMut() -> std::future::Ready<Result<TableDescription>>,
        std::sync::Arc<Mutex<usize>>,
    ) {
        let calls = std::sync::Arc::new(Mutex::new(0));
        let counted = calls.clone();
        ds.reverse();
        let f = move || {
            *counted.lock().unwrap() += 1;
            let d = if ds.len() > 1 {
                ds.pop().unwrap()
            } else {
                ds[0].clone()
            };
            std::future::ready(Ok(d))
        };
        (f, calls)
    }

    const MS: Duration = Duration::from_millis(1);

    fn limit_exceeded() -> Error {
        use aws_sdk_dynamodb::error::{ErrorMetadata, SdkError};
        use aws_sdk_dynamodb::operation::update_table::UpdateTableError;
        let e = UpdateTableError::generic(
            ErrorMetadata::builder()
                .code("LimitExceededException")
                .message("Subscriber limit exceeded: Only 5 tables with online indexes can be created simultaneously")
                .build(),
        );
        Error::Dynamo(crate::error::DynamoError::from_sdk(
            "UpdateTable",
            SdkError::<_, ()>::service_error(e, ()),
        ))
    }

    #[tokio::test]
    async fn a_change_refused_for_now_is_sent_again_with_longer_pauses() {
        let sent = Mutex::new(Vec::new());
        let started = Instant::now();
        let r = refused("UpdateTable", "t", MS * 5000, MS * 10, || {
            let mut s = sent.lock().unwrap();
            s.push(started.elapsed());
            let n = s.len();
            std::future::ready(if n < 4 { Err(limit_exceeded()) } else { Ok(n) })
        })
        .await
        .unwrap();
        assert_eq!(r, 4);
        let at = sent.into_inner().unwrap();
        // Pauses of 10, 20 and 40 ms: the last try at least 70 ms after the first.
        assert!(at[3] - at[0] >= MS * 70, "{at:?}");
        assert!(at[2] - at[1] >= MS * 20, "{at:?}");
    }

    #[tokio::test]
    async fn a_change_refused_past_the_bound_says_how_long_and_why() {
        let e = refused::<(), _, _>("UpdateTable", "pets", MS * 50, MS * 10, || {
            std::future::ready(Err(limit_exceeded()))
        })
        .await
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("UpdateTable of table `pets` was refused")
                && e.contains("LimitExceededException")
                && e.contains("only so many indexes at once"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn another_failure_is_not_sent_again() {
        let calls = Mutex::new(0);
        let e = refused::<(), _, _>("UpdateTable", "t", MS * 1000, MS, || {
            *calls.lock().unwrap() += 1;
            std::future::ready(Err(Error::InvalidRequest("bad".into())))
        })
        .await
        .unwrap_err();
        assert!(matches!(e, Error::InvalidRequest(_)));
        assert_eq!(*calls.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn an_index_is_waited_for_until_it_is_active() {
        let (describe, calls) = sequence(vec![
            described(TableStatus::Updating, Some(IndexStatus::Creating)),
            described(TableStatus::Active, Some(IndexStatus::Creating)),
            described(TableStatus::Active, Some(IndexStatus::Active)),
        ]);
        until("t", Until::IndexActive("by_owner"), MS * 1000, MS, describe)
            .await
            .unwrap();
        assert_eq!(*calls.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn a_removed_index_is_waited_for_until_it_is_gone() {
        let (describe, calls) = sequence(vec![
            described(TableStatus::Updating, Some(IndexStatus::Deleting)),
            described(TableStatus::Active, Some(IndexStatus::Deleting)),
            described(TableStatus::Active, None),
        ]);
        until("t", Until::IndexGone("by_owner"), MS * 1000, MS, describe)
            .await
            .unwrap();
        assert_eq!(*calls.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn a_table_is_active_only_with_every_index_active() {
        let (describe, calls) = sequence(vec![
            described(TableStatus::Active, Some(IndexStatus::Updating)),
            described(TableStatus::Active, Some(IndexStatus::Active)),
        ]);
        until("t", Until::Active, MS * 1000, MS, describe)
            .await
            .unwrap();
        assert_eq!(*calls.lock().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_wait_past_its_bound_says_what_it_waited_for_and_what_it_saw() {
        let (describe, _) = sequence(vec![described(
            TableStatus::Active,
            Some(IndexStatus::Creating),
        )]);
        let e = until(
            "pets",
            Until::IndexActive("by_owner"),
            MS * 20,
            MS,
            describe,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("for the index `by_owner` to be ACTIVE (filled) on table `pets`")
                && e.contains("`by_owner` is CREATING")
                && e.contains("waited 20ms"),
            "{e}"
        );
    }
}
