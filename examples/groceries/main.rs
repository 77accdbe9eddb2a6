//! Good Green Groceries, a single-table design: customers, products by category, orders
//! and order lines in one table, read by the access patterns of `store.rs`, with an order
//! that decrements stock under a condition in one transaction and fails cleanly when stock
//! runs out. docs/single-table.md walks through the design.
//!
//! ```text
//! cargo run --example groceries
//! ```

use chrono::{TimeZone, Utc};
use dynomodel::local::DynamoDbLocal;
use dynomodel::prelude::*;

mod store;
use store::*;
/// The handler of the table's stream (a Lambda; `tests/it/groceries.rs` feeds it records).
#[allow(dead_code)]
mod stream;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let local = DynamoDbLocal::start().await?;
    let db = local
        .db()
        .with_table_prefix(format!("groceries_{}_", std::process::id()));
    seed(&db).await?;
    println!("created the single table {}", db.table_name("groceries"));

    let ana = customer_by_email(&db, "ana@example.com").await?;
    println!("customer by e-mail: {:?}", ana.map(|c| c.name));
    let bo = customer(&db, "bo").await?;
    println!("customer by id: {:?}", bo.map(|c| c.email));
    let fruit = products_in(&db, "fruit").await?;
    let names: Vec<&str> = fruit.iter().map(|p| p.name.as_str()).collect();
    println!("fruit: {}", names.join(", "));
    let (apples, pears) = (&fruit[0], &fruit[2]);
    let milk = Product::get(Product::key("milk"))
        .exec(&db)
        .await?
        .expect("seeded");

    let day = |d: u32| Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap();
    let first = place_order(&db, "ana", 1, day(2), &[(apples, 4), (pears, 2)]).await?;
    println!(
        "order 1 placed: {:.2}; apples left {}, pears left {}",
        first.total_cents as f64 / 100.0,
        stock(&db, "apple").await?,
        stock(&db, "pear").await?
    );
    match place_order(&db, "ana", 2, day(3), &[(&milk, 1), (pears, 2)]).await {
        Err(Error::TransactionCanceled { reasons }) => {
            println!("order 2 refused, nothing changed:");
            for r in &reasons {
                println!("  {r}");
            }
        }
        other => println!("order 2 unexpectedly: {other:?}"),
    }
    println!(
        "after order 2: milk left {}, pears left {}",
        stock(&db, "milk").await?,
        stock(&db, "pear").await?
    );
    let missing = place_order(&db, "cy", 3, day(4), &[(&milk, 1)]).await;
    println!("order 3 for an unknown customer: {}", missing.unwrap_err());
    place_order(&db, "ana", 4, day(20), &[(&milk, 2)]).await?;

    for view in customer_with_orders(&db, "ana").await? {
        match view {
            CustomerView::Customer(c) => println!("customer {} <{}>", c.name, c.email),
            CustomerView::Order(o) => println!(
                "  order {} of {}: {:.2}",
                o.number,
                o.placed_at.date_naive(),
                o.total_cents as f64 / 100.0
            ),
        }
    }
    let early = orders_between(&db, "ana", day(1), day(10)).await?;
    println!("ana's orders from 1 to 10 November: {}", early.len());
    for view in order_with_lines(&db, 1).await? {
        match view {
            OrderView::Order(o) => println!("order {} ({:?})", o.number, o.status),
            OrderView::Line(l) => println!("  {} x {}", l.quantity, l.sku),
        }
    }
    deliver(&db, &first).await?;
    let numbers: Vec<u32> = waiting(&db).await?.iter().map(|o| o.number).collect();
    println!("waiting for delivery after order 1 went out: {numbers:?}");

    Groceries::delete_table().exec(&db).await?;
    Ok(())
}
