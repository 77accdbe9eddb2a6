//! A live table follows its model: version 1 of `Account` stored 5,000 items; version 2
//! adds a `domain` attribute and an index on it. The plan adds the index to the table,
//! and a resumable backfill writes `domain` into every item, with a progress bar.
//!
//! ```text
//! cargo run --example migrate [-- CHECKPOINT [ITEMS]]     # "" for a fresh checkpoint
//! ```
//!
//! Kill it halfway (Ctrl-C) and run it again with the same checkpoint and a
//! `DYNAMODB_ENDPOINT` that outlives it: it continues where it stopped, and writes no item
//! twice (tests/it/backfill.rs does exactly that).

use std::io::Write;

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
    let plan = apply_plan(&db).await?;
    println!("{plan}");

    let total = v1::Account::scan().count(&db).await? as u64;
    let done = backfill(&db, &checkpoint, 100, move |p| bar(p, total)).await?;
    eprintln!();
    println!(
        "backfill: {done}; {:.0} items/s",
        done.written as f64 / done.seconds.max(f64::EPSILON)
    );
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
