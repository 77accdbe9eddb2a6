//! A Lambda on the pets table's DynamoDB Stream: each change is decoded into `Pet`, and the
//! owner's pet count in the `owner_stats` table follows inserts, moves and removals.

use dynomodel::lambda::{for_each_change, BatchItemFailures, Change};
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "pets")]
pub struct Pet {
    #[dynomodel(hash_key)]
    pub id: String,
    pub name: String,
    pub owner: String,
    #[serde(default)]
    pub age: u32,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "owner_stats")]
pub struct OwnerStats {
    #[dynomodel(hash_key)]
    pub owner: String,
    #[serde(default)]
    pub pets: i64,
}

/// A stream record already applied: written in the same transaction as the record's
/// effect, so that a record delivered again (Lambda retries a batch) is not counted twice.
/// DynamoDB delivers a record for 24 hours; the marker expires after two days.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "applied_records")]
pub struct AppliedRecord {
    #[dynomodel(hash_key)]
    pub sequence_number: String,
    #[dynomodel(ttl)]
    pub expires_at: Option<i64>,
}

/// What one event did.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub inserted: usize,
    pub modified: usize,
    pub removed: usize,
    /// Records delivered again and already applied.
    pub repeated: usize,
    /// The answer to Lambda: the first record that failed, to deliver again with those after
    /// it (the event source mapping has `ReportBatchItemFailures`).
    pub failures: BatchItemFailures,
    /// Why that record failed.
    pub error: Option<String>,
}

/// Applies the count changes of one record, once: with the record's marker, in one
/// transaction. `Ok(false)` where the record was applied before.
async fn apply_once(db: &Db, sequence_number: &str, changes: &[(&str, i64)]) -> Result<bool> {
    let mut marker = AppliedRecord {
        sequence_number: sequence_number.to_owned(),
        expires_at: Some(chrono::Utc::now().timestamp() + 2 * 24 * 3600),
    };
    let f = OwnerStats::fields();
    let mut tx = Transaction::new().create(&mut marker);
    for (owner, n) in changes {
        tx = tx.update(
            OwnerStats::update(OwnerStats::key(*owner))
                .add(&f.pets, *n)
                .upsert(),
        );
    }
    match tx.exec(db).await {
        Ok(()) => Ok(true),
        // The marker exists: this record was applied when it came before.
        Err(Error::TransactionCanceled { reasons })
            if reasons
                .iter()
                .any(|r| r.index == 0 && r.is_condition_failed()) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Handles one stream event: each record in order, each applied once; at the first record
/// that fails, the answer asks Lambda for it and those after it again.
pub async fn handle(db: &Db, event: &aws_lambda_events::dynamodb::Event) -> Summary {
    let summary = std::sync::Mutex::new(Summary::default());
    let (failures, error) = for_each_change::<Pet, _, _>(event, |change, seq| {
        let seq = seq.to_owned();
        let (counts, kind): (Vec<(String, i64)>, &str) = match change {
            Change::Insert(pet) => (vec![(pet.owner, 1)], "insert"),
            Change::Modify { old, new } => match old.filter(|o| o.owner != new.owner) {
                Some(old) => (vec![(old.owner, -1), (new.owner, 1)], "modify"),
                None => (Vec::new(), "modify"),
            },
            Change::Remove { old, .. } => (
                old.map(|o| vec![(o.owner, -1)]).unwrap_or_default(),
                "remove",
            ),
        };
        let summary = &summary;
        async move {
            let applied = if counts.is_empty() {
                true
            } else {
                let counts: Vec<(&str, i64)> =
                    counts.iter().map(|(o, n)| (o.as_str(), *n)).collect();
                apply_once(db, &seq, &counts).await?
            };
            if let Ok(mut s) = summary.lock() {
                match (applied, kind) {
                    (false, _) => s.repeated += 1,
                    (true, "insert") => s.inserted += 1,
                    (true, "modify") => s.modified += 1,
                    (true, _) => s.removed += 1,
                }
            }
            Ok(())
        }
    })
    .await;
    let mut summary = summary.into_inner().unwrap_or_default();
    summary.failures = failures;
    summary.error = error.map(|e| e.to_string());
    summary
}
