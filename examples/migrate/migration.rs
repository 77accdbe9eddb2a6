//! The migration of `examples/migrate`: version 2 of the `Account` model adds a `domain`
//! attribute (the e-mail's domain) and an index on it. The plan adds the index to the live
//! table; the backfill writes `domain` into every item that version 1 stored.
//! tests/it/backfill.rs runs it, kills it halfway, and resumes it.

use dynomodel::prelude::*;
use dynomodel::schema::backfill::{Backfill, Change, Progress};
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

/// Version 2: `domain`, and the index `by_domain` on it.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = "accounts", gsi(name = "by_domain", hash = "domain"))]
pub struct Account {
    #[dynomodel(hash_key)]
    pub id: String,
    pub email: String,
    #[dynomodel(set = "lowercase")]
    pub domain: Option<String>,
    #[dynomodel(version)]
    pub version: u64,
}

/// The domain of an e-mail address.
pub fn domain_of(email: &str) -> Option<&str> {
    email.rsplit_once('@').map(|(_, d)| d)
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

/// The backfill: every account without `domain` gets it; the others are skipped. Each
/// write stamps the item with the run's id in the same conditional write (and is
/// conditional on the version read), so that a resumed run writes no item twice.
pub async fn backfill(
    db: &Db,
    checkpoint: &std::path::Path,
    page_size: i32,
    on_progress: impl Fn(&Progress) + Send + Sync + 'static,
) -> Result<Progress> {
    let f = Account::fields();
    Backfill::<Account>::new()
        .segments(4)
        .concurrency(8)
        .page_size(page_size)
        .checkpoint(checkpoint)
        .on_progress(on_progress)
        .run(db, move |a: Account| {
            let domain = f.domain.clone();
            async move {
                if a.domain.is_some() {
                    return Ok(Change::Skip);
                }
                let Some(d) = domain_of(&a.email) else {
                    return Ok(Change::Skip);
                };
                Ok(Change::Update(
                    Account::update(a.key_of()?).set(&domain, Some(d.to_owned())),
                ))
            }
        })
        .await
}
