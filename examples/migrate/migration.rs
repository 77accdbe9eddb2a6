//! The migration of `examples/migrate`: version 2 of the `Account` model adds a `domain`
//! attribute (the e-mail's domain) and an index on it, as a lazy migration: every read of
//! version 2 upgrades an item that version 1 stored, the plan adds the index to the live
//! table, and the backfill runs the same upgrade to rewrite every item.
//! tests/it/backfill.rs runs it, kills it halfway, and resumes it.

use dynomodel::model::upgrade::Upgrading;
use dynomodel::prelude::*;
use dynomodel::schema::backfill::{Backfill, Progress};
use dynomodel::schema::migrate::{plan, Plan};
use serde::{Deserialize, Serialize};

pub mod v1 {
    use super::*;

    #[derive(Model, Serialize, Deserialize, Debug, Clone)]
    #[dynomodel(table = "accounts")]
    pub struct Account {
        #[dynomodel(hash_key)]
        pub id: String,
        pub email: String,
        #[dynomodel(version)]
        pub version: u64,
    }
}

/// Version 2: `domain`, and the index `by_domain` on it. A lazy migration: the model
/// declares the schema version that it writes and how an item of version 1 becomes one of
/// version 2 (`upgrade_account`). Every read upgrades an old item in memory, so the
/// application reads version 2 from the moment it is deployed; a save writes the new shape;
/// the backfill runs the same upgrade to rewrite the table (and so fill the index).
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "accounts",
    schema_version = 2,
    upgrade = "upgrade_account",
    gsi(name = "by_domain", hash = "domain")
)]
pub struct Account {
    #[dynomodel(hash_key)]
    pub id: String,
    pub email: String,
    #[dynomodel(set = "lowercase")]
    pub domain: String,
    #[dynomodel(version)]
    pub version: u64,
}

/// The domain of an e-mail address.
pub fn domain_of(email: &str) -> Option<&str> {
    email.rsplit_once('@').map(|(_, d)| d)
}

/// Version 1 -> 2: the e-mail's domain, lowercased (as a save of version 2 stores it). An
/// item that has a domain already (an update of version 2 set it) keeps it; an e-mail
/// without `@` cannot be upgraded, and its read says so.
pub fn upgrade_account(item: &mut Upgrading<'_>) -> Result<()> {
    if item.from() < 2 && !item.has("domain") {
        let email: String = item.get("email")?.unwrap_or_default();
        let Some(domain) = domain_of(&email) else {
            return Err(item.fail("email", format!("`{email}` has no `@`")));
        };
        item.set("domain", &domain.to_lowercase())?;
    }
    Ok(())
}

/// Version 1's table with `n` accounts, as a live table would be before the migration.
pub async fn seed(db: &Db, n: usize) -> Result<()> {
    v1::Account::create_table().exec(db).await?;
    let domains = ["example.com", "Mail.example.org", "shop.test"];
    let accounts = (0..n).map(|i| v1::Account {
        id: format!("a{i:05}"),
        email: format!("user{i}@{}", domains[i % domains.len()]),
        version: 0,
    });
    v1::Account::batch_put(accounts)
        .overwrite_versions()
        .exec(db)
        .await
}

/// What version 2 needs of the table: the plan, applied (the index, created and active).
pub async fn apply_plan(db: &Db) -> Result<Plan> {
    let p = plan(&Account::create_table(), db).await?;
    p.apply(db, false).await?;
    Ok(p)
}

/// The backfill: every account that version 1 stored is upgraded and saved, on the
/// condition that it is still at version 1 (a save of version 2 since is left alone); those
/// of version 2 are skipped. Each write stamps the item with the run's id in the same
/// conditional write (and is conditional on the version read), so that a resumed run writes
/// no item twice.
pub async fn backfill(
    db: &Db,
    checkpoint: &std::path::Path,
    page_size: i32,
    on_progress: impl Fn(&Progress) + Send + Sync + 'static,
) -> Result<Progress> {
    Backfill::<Account>::new()
        .segments(4)
        .concurrency(8)
        .page_size(page_size)
        .checkpoint(checkpoint)
        .on_progress(on_progress)
        .upgrade(db)
        .await
}

/// How many items are stored in version 2's shape (raw, as DynamoDB holds them).
pub async fn stored_at_version_2(db: &Db) -> Result<usize> {
    let mut n = 0;
    let mut start = None;
    loop {
        let out = db
            .client()
            .scan()
            .table_name(db.table_name("accounts"))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| Error::Config(format!("scan: {e}")))?;
        n += out
            .items()
            .iter()
            .filter(|i| dynomodel::model::upgrade::stored_version(i).ok() == Some(2))
            .count();
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(n);
        }
    }
}
