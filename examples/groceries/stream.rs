//! A Lambda on the groceries table's DynamoDB Stream, one handler for the whole table: the
//! records of customers and orders are decoded into `CustomerView`, and those of the other
//! entities (products, order lines) are reported by name and counted. No record of another
//! entity holds the stream up.

use std::collections::BTreeMap;

use dynomodel::lambda::{for_each_table_change, BatchItemFailures, Others, TableChange};
use dynomodel::prelude::*;

use super::store::CustomerView;

/// What one stream event did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Feed {
    pub customers_joined: Vec<String>,
    /// Orders placed, by number.
    pub orders_placed: Vec<u32>,
    /// Orders whose status changed: number, old status, new status.
    pub status_changes: Vec<(u32, Option<String>, Option<String>)>,
    pub removed: usize,
    /// The records of the other entities, by entity name.
    pub others: BTreeMap<String, usize>,
    /// The answer to Lambda (the event source mapping has `ReportBatchItemFailures`).
    pub failures: BatchItemFailures,
    pub error: Option<String>,
}

/// Handles one stream event of the whole table.
pub async fn on_stream(event: &aws_lambda_events::dynamodb::Event) -> Feed {
    let mut feed = Feed::default();
    let (failures, error) =
        for_each_table_change::<CustomerView, _, _>(event, Others::Report, |change, _seq| {
            match change {
                TableChange::Insert(CustomerView::Customer(c)) => feed.customers_joined.push(c.id),
                TableChange::Insert(CustomerView::Order(o)) => feed.orders_placed.push(o.number),
                TableChange::Modify {
                    old: Some(CustomerView::Order(old)),
                    new: CustomerView::Order(new),
                    changed,
                } if changed.contains(&"status") => {
                    feed.status_changes
                        .push((new.number, old.status, new.status));
                }
                TableChange::Modify { .. } => {}
                TableChange::Remove { .. } => feed.removed += 1,
                TableChange::Other { entity, .. } => {
                    *feed
                        .others
                        .entry(entity.unwrap_or_else(|| "(none)".into()))
                        .or_default() += 1;
                }
            }
            async { Ok::<(), Error>(()) }
        })
        .await;
    feed.failures = failures;
    feed.error = error.map(|e| e.to_string());
    feed
}
