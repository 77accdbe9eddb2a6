//! A Lambda on the pets table's DynamoDB Stream: each change is decoded into `Pet`, and the
//! owner's pet count in the `owner_stats` table follows inserts, moves and removals.

use dynomodel::lambda::{changes, Change};
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

/// What one event did.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub inserted: usize,
    pub modified: usize,
    pub removed: usize,
    /// Records that did not decode into `Pet`, with the reason; the others were handled.
    pub failed: Vec<String>,
}

async fn add(db: &Db, owner: &str, n: i64) -> Result<()> {
    OwnerStats::update(OwnerStats::key(owner))
        .add(OwnerStats::fields().pets, n)
        .upsert()
        .exec(db)
        .await
        .map(|_| ())
}

/// Handles one stream event.
pub async fn handle(db: &Db, event: &aws_lambda_events::dynamodb::Event) -> Result<Summary> {
    let mut summary = Summary::default();
    for change in changes::<Pet>(event) {
        match change {
            Ok(Change::Insert(pet)) => {
                add(db, &pet.owner, 1).await?;
                summary.inserted += 1;
            }
            Ok(Change::Modify { old, new }) => {
                if let Some(old) = old.filter(|o| o.owner != new.owner) {
                    add(db, &old.owner, -1).await?;
                    add(db, &new.owner, 1).await?;
                }
                summary.modified += 1;
            }
            Ok(Change::Remove { old, .. }) => {
                if let Some(old) = old {
                    add(db, &old.owner, -1).await?;
                }
                summary.removed += 1;
            }
            Err(e) => summary.failed.push(e.to_string()),
        }
    }
    Ok(summary)
}
