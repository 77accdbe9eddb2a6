//! A single-table design: customers, products and orders in one table, with an order that
//! decrements stock under a condition in one transaction, and fails cleanly when stock runs
//! out.
//!
//! ```text
//! cargo run --example groceries
//! ```
//!
//! Keys: `pk`/`sk` on the table; `gsi1pk`/`gsi1sk` on the index `gsi1`.
//!
//! | entity   | pk              | sk                | gsi1pk          | gsi1sk          |
//! |----------|-----------------|-------------------|-----------------|-----------------|
//! | customer | `CUSTOMER#id`   | `PROFILE`         |                 |                 |
//! | product  | `PRODUCT#sku`   | `PRODUCT`         | `CATEGORY#name` | `PRODUCT#sku`   |
//! | order    | `CUSTOMER#id`   | `ORDER#number`    | `ORDER#number`  | `ORDER#number`  |
//! | line     | `ORDER#number`  | `LINE#sku`        |                 |                 |

use dynomodel::local::DynamoDbLocal;
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "groceries",
    gsi(name = "gsi1", hash = "gsi1pk", range = "gsi1sk")
)]
struct Customer {
    #[dynomodel(hash_key)]
    pk: String,
    #[dynomodel(range_key)]
    sk: String,
    #[dynomodel(validate(length(min = 1)))]
    name: String,
    #[dynomodel(set = "lowercase", validate(regex = "^[^@ ]+@[^@ ]+$"))]
    email: String,
    gsi1pk: Option<String>,
    gsi1sk: Option<String>,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "groceries",
    gsi(name = "gsi1", hash = "gsi1pk", range = "gsi1sk")
)]
struct Product {
    #[dynomodel(hash_key)]
    pk: String,
    #[dynomodel(range_key)]
    sk: String,
    name: String,
    price_cents: u32,
    #[dynomodel(validate(range(min = 0)))]
    stock: i64,
    gsi1pk: Option<String>,
    gsi1sk: Option<String>,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "groceries",
    gsi(name = "gsi1", hash = "gsi1pk", range = "gsi1sk")
)]
struct Order {
    #[dynomodel(hash_key)]
    pk: String,
    #[dynomodel(range_key)]
    sk: String,
    total_cents: u64,
    status: String,
    gsi1pk: Option<String>,
    gsi1sk: Option<String>,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(
    table = "groceries",
    gsi(name = "gsi1", hash = "gsi1pk", range = "gsi1sk")
)]
struct Line {
    #[dynomodel(hash_key)]
    pk: String,
    #[dynomodel(range_key)]
    sk: String,
    quantity: u32,
    price_cents: u32,
    gsi1pk: Option<String>,
    gsi1sk: Option<String>,
}

fn product(sku: &str, name: &str, category: &str, price_cents: u32, stock: i64) -> Product {
    Product {
        pk: format!("PRODUCT#{sku}"),
        sk: "PRODUCT".into(),
        name: name.into(),
        price_cents,
        stock,
        gsi1pk: Some(format!("CATEGORY#{category}")),
        gsi1sk: Some(format!("PRODUCT#{sku}")),
    }
}

/// Places an order in one transaction: every product's stock goes down by its quantity only
/// where enough is left, and the order and its lines are created. Either all of it happens
/// or none of it.
async fn place_order(
    db: &Db,
    customer: &str,
    number: u32,
    lines: &[(&Product, u32)],
) -> Result<()> {
    let order_key = format!("ORDER#{number:06}");
    let total: u64 = lines
        .iter()
        .map(|(p, q)| u64::from(p.price_cents) * u64::from(*q))
        .sum();
    let f = Product::fields();
    let mut order_lines = Vec::with_capacity(lines.len());
    let mut tx = Transaction::new().condition_check(
        Customer::key(format!("CUSTOMER#{customer}"), "PROFILE"),
        Customer::fields().pk.exists(),
    );
    for (p, quantity) in lines {
        tx = tx.update(
            Product::update(Product::key(p.pk.clone(), "PRODUCT"))
                .subtract(f.stock.clone(), i64::from(*quantity))
                .condition(f.stock.ge(i64::from(*quantity))),
        );
        order_lines.push(Line {
            pk: order_key.clone(),
            sk: format!("LINE#{}", p.pk.trim_start_matches("PRODUCT#")),
            quantity: *quantity,
            price_cents: p.price_cents,
            gsi1pk: None,
            gsi1sk: None,
        });
    }
    let mut order = Order {
        pk: format!("CUSTOMER#{customer}"),
        sk: order_key.clone(),
        total_cents: total,
        status: "PLACED".into(),
        gsi1pk: Some(order_key.clone()),
        gsi1sk: Some(order_key),
    };
    // The transaction writes back into the lines and the order what it stored.
    for line in &mut order_lines {
        tx = tx.create(line);
    }
    tx.create(&mut order)
        .token(format!("order-{customer}-{number}"))
        .exec(db)
        .await
}

async fn stock(db: &Db, sku: &str) -> Result<i64> {
    Ok(
        Product::get(Product::key(format!("PRODUCT#{sku}"), "PRODUCT"))
            .consistent()
            .exec(db)
            .await?
            .map_or(0, |p| p.stock),
    )
}

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
    Product::create_table().exec(&db).await?;
    println!("created the single table {}", db.table_name("groceries"));

    let mut ana = Customer {
        pk: "CUSTOMER#ana".into(),
        sk: "PROFILE".into(),
        name: "Ana".into(),
        email: "Ana@Example.com".into(),
        gsi1pk: None,
        gsi1sk: None,
    };
    ana.create(&db).await?;
    println!("customer {} <{}>", ana.name, ana.email);

    let apples = product("apple", "Apples (1 kg)", "fruit", 349, 10);
    let pears = product("pear", "Pears (1 kg)", "fruit", 429, 3);
    let milk = product("milk", "Milk (1 l)", "dairy", 119, 5);
    Product::batch_put([apples.clone(), pears.clone(), milk.clone()])
        .exec(&db)
        .await?;
    let fruit = Product::query(Product::fields().gsi1pk.eq("CATEGORY#fruit"))
        .index(Product::GSI1)
        .all(&db)
        .await?;
    let names: Vec<&str> = fruit.iter().map(|p| p.name.as_str()).collect();
    println!("fruit (index gsi1): {}", names.join(", "));

    place_order(&db, "ana", 1, &[(&apples, 4), (&pears, 2)]).await?;
    println!(
        "order 1 placed: apples left {}, pears left {}",
        stock(&db, "apple").await?,
        stock(&db, "pear").await?
    );

    match place_order(&db, "ana", 2, &[(&milk, 1), (&pears, 2)]).await {
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
    let missing = place_order(&db, "bob", 3, &[(&milk, 1)]).await;
    println!("order 3 for an unknown customer: {}", missing.unwrap_err());

    let orders = Order::query(Order::fields().pk.eq("CUSTOMER#ana"))
        .range(Order::fields().sk.begins_with("ORDER#"))
        .all(&db)
        .await?;
    for o in &orders {
        let lines = Line::query(Line::fields().pk.eq(o.sk.clone()))
            .all(&db)
            .await?;
        println!(
            "{} {}: {} lines, total {:.2}",
            o.sk,
            o.status,
            lines.len(),
            o.total_cents as f64 / 100.0
        );
    }
    Product::delete_table().exec(&db).await?;
    Ok(())
}
