//! A live table follows its model: version 1 of `Account` stored 5,000 items; version 2
//! adds a `domain` attribute and an index on it, as a lazy migration. Version 2 reads every
//! item upgraded from the start (before, during and after the backfill, the same account
//! reads the same); the plan adds the index to the table, and a resumable backfill runs the
//! same upgrade to rewrite every item, with a progress bar.
//!
//! ```text
//! cargo run --example migrate [-- CHECKPOINT [ITEMS]]     # "" for a fresh checkpoint
//! ```
//!
//! Kill it halfway (Ctrl-C) and run it again with the same checkpoint and a
//! `DYNAMODB_ENDPOINT` that outlives it: it continues where it stopped, and writes no item
//! twice (tests/it/backfill.rs does exactly that).

use std::io::Write;
use std::sync::Arc;

use tokio::sync::Notify;

use dynomodel::local::DynamoDbLocal;
use dynomodel::prelude::*;

mod migration;
use migration::*;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn bar(p: &dynomodel::schema::backfill::Progress, total: u64) {
    let width = 40u64;
    let filled = (p.read.min(total) * width)
        .checked_div(total)
        .unwrap_or(width);
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {p}",
        "#".repeat(filled as usize),
        ".".repeat((width - filled) as usize)
    );
    let _ = err.flush();
}

/// What version 2 reads of one account, and how many items are stored in its shape.
async fn report(when: &str, db: &Db, account: Option<&Account>) -> Result<()> {
    let stored = stored_at_version_2(db).await?;
    match account {
        Some(a) => println!(
            "{when}: a00001 reads as {{ email: {}, domain: {} }} (version {}); {stored} items stored at schema version 2",
            a.email, a.domain, a.version
        ),
        None => println!("{when}: no a00001; {stored} items stored at schema version 2"),
    }
    Ok(())
}

async fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let checkpoint = args
        .next()
        .filter(|a| !a.is_empty())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("migrate-{}.json", std::process::id()))
        });
    let items: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5000);
    let local = DynamoDbLocal::start().await?;
    let db = local.db().with_table_prefix("migrate_");

    if dynomodel::table::describe::<Account>(&db).await?.is_none() {
        seed(&db, items).await?;
        println!("version 1 stored {items} accounts");
    }
    // Before the backfill: version 2 reads what version 1 stored, upgraded in memory.
    let first = Account::get(Account::key("a00001")).exec(&db).await?;
    report("before the backfill", &db, first.as_ref()).await?;

    let plan = apply_plan(&db).await?;
    println!("{plan}");

    let total = v1::Account::scan().count(&db).await? as u64;
    let halfway = Arc::new(Notify::new());
    let backfill_run = {
        let (db, checkpoint, halfway) = (db.clone(), checkpoint.clone(), halfway.clone());
        tokio::spawn(async move {
            backfill(&db, &checkpoint, 100, move |p| {
                bar(p, total);
                if p.read * 2 >= total {
                    halfway.notify_one();
                }
            })
            .await
        })
    };
    // During: the same answer, whether the item is rewritten yet or not.
    halfway.notified().await;
    eprintln!();
    let during = Account::get(Account::key("a00001")).exec(&db).await?;
    report("during the backfill", &db, during.as_ref()).await?;
    let done = backfill_run
        .await
        .map_err(|e| Error::Config(format!("the backfill task: {e}")))??;
    eprintln!();
    println!(
        "backfill: {done}; {:.0} items/s",
        done.written as f64 / done.seconds.max(f64::EPSILON)
    );
    let after = Account::get(Account::key("a00001")).exec(&db).await?;
    report("after the backfill", &db, after.as_ref()).await?;
    let f = Account::fields();
    let example = Account::query(f.domain.eq("shop.test"))
        .limit(3)
        .exec(&db)
        .await?;
    println!(
        "by_domain answers: {:?}",
        example
            .items
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>()
    );
    if local.is_managed() {
        Account::delete_table().exec(&db).await?;
        let _ = std::fs::remove_file(&checkpoint);
    }
    Ok(())
}
