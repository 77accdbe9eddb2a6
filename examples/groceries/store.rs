//! Good Green Groceries: customers, products by category, orders and their lines in one
//! DynamoDB table, with every access pattern as a function. `main.rs` runs them; the test
//! suite (tests/it/groceries.rs) runs them and checks each answer.
//!
//! | access pattern                      | reads                                     |
//! |-------------------------------------|-------------------------------------------|
//! | customer by id                      | table: `CUSTOMER#{id}` / `PROFILE`        |
//! | customer by e-mail                  | gsi1: `EMAIL#{email}`                     |
//! | products of a category, by sku      | gsi1: `CATEGORY#{category}`               |
//! | a customer's orders in a date range | table: `CUSTOMER#{id}`, sk `ORDER#...`    |
//! | a customer with their orders        | table: `CUSTOMER#{id}` (collection)       |
//! | an order with its lines             | gsi1: `ORDER#{number}` (collection)       |
//! | orders waiting for delivery         | by_status (native, sparse): `status`      |

use chrono::{DateTime, Utc};
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

/// The one table: its keys and indexes, declared once.
#[derive(Table)]
#[dynomodel(
    name = "groceries",
    pk = "pk",
    sk = "sk",
    entity_attr = "_et",
    gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"),
    // Native: keyed by the order's own `status`, `placed_at` and `number`, nothing
    // composed; an order without a `status` is not in it.
    gsi(name = "by_status", pk = [status: S], sk = [placed_at: S, number: N])
)]
pub struct Groceries;

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Groceries, entity = "customer",
            pk = "CUSTOMER#{id}", sk = "PROFILE",
            gsi1(pk = "EMAIL#{email}", sk = "CUSTOMER"))]
pub struct Customer {
    pub id: String,
    #[dynomodel(validate(length(min = 1)))]
    pub name: String,
    #[dynomodel(set = "lowercase", validate(regex = "^[^@ ]+@[^@ ]+$"))]
    pub email: String,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Groceries, entity = "product",
            pk = "PRODUCT#{sku}", sk = "PRODUCT",
            gsi1(pk = "CATEGORY#{category}", sk = "PRODUCT#{sku}"))]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price_cents: u32,
    #[dynomodel(validate(range(min = 0)))]
    pub stock: i64,
}

/// An order; `status` is set while it waits for delivery, which puts it in the sparse
/// native index `by_status`.
#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Groceries, entity = "order",
            pk = "CUSTOMER#{customer_id}", sk = "ORDER#{placed_at}#{number}",
            gsi1(pk = "ORDER#{number}", sk = "ORDER"),
            native(by_status))]
pub struct Order {
    pub customer_id: String,
    pub number: u32,
    pub placed_at: DateTime<Utc>,
    pub total_cents: u64,
    pub status: Option<String>,
}

#[derive(Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(table = Groceries, entity = "line",
            pk = "ORDER#{number}", sk = "LINE#{sku}",
            gsi1(pk = "ORDER#{number}", sk = "LINE#{sku}"))]
pub struct Line {
    pub number: u32,
    pub sku: String,
    pub quantity: u32,
    pub price_cents: u32,
}

/// A customer's partition: the profile and the orders.
#[derive(Collection, Debug, Clone, PartialEq)]
pub enum CustomerView {
    Customer(Customer),
    Order(Order),
}

/// An order's partition on `gsi1`: the order and its lines.
#[derive(Collection, Debug, Clone, PartialEq)]
#[dynomodel(index = "gsi1")]
pub enum OrderView {
    Order(Order),
    Line(Line),
}

pub fn product(sku: &str, name: &str, category: &str, price_cents: u32, stock: i64) -> Product {
    Product {
        sku: sku.into(),
        name: name.into(),
        category: category.into(),
        price_cents,
        stock,
    }
}

/// The customers and products that the store starts with.
pub async fn seed(db: &Db) -> Result<()> {
    Groceries::create_table().exec(db).await?;
    Customer::batch_put([
        Customer {
            id: "ana".into(),
            name: "Ana".into(),
            email: "Ana@Example.com".into(),
        },
        Customer {
            id: "bo".into(),
            name: "Bo".into(),
            email: "bo@example.com".into(),
        },
    ])
    // A new table holds no other entity's item under these keys.
    .overwrite_other_entities()
    .exec(db)
    .await?;
    Product::batch_put([
        product("apple", "Apples (1 kg)", "fruit", 349, 10),
        product("pear", "Pears (1 kg)", "fruit", 429, 3),
        product("kiwi", "Kiwis (6)", "fruit", 299, 8),
        product("milk", "Milk (1 l)", "dairy", 119, 5),
    ])
    .overwrite_other_entities()
    .exec(db)
    .await
}

/// Places an order in one transaction: the customer must exist, each product's stock goes
/// down by its quantity only where enough is left, and the order and its lines are
/// created. Either all of it happens or none of it.
pub async fn place_order(
    db: &Db,
    customer_id: &str,
    number: u32,
    placed_at: DateTime<Utc>,
    lines: &[(&Product, u32)],
) -> Result<Order> {
    let f = Product::fields();
    let mut order_lines: Vec<Line> = lines
        .iter()
        .map(|(p, quantity)| Line {
            number,
            sku: p.sku.clone(),
            quantity: *quantity,
            price_cents: p.price_cents,
        })
        .collect();
    let total_cents = order_lines
        .iter()
        .map(|l| u64::from(l.price_cents) * u64::from(l.quantity))
        .sum();
    let mut order = Order {
        customer_id: customer_id.into(),
        number,
        placed_at,
        total_cents,
        status: Some("PLACED".into()),
    };
    let mut tx = Transaction::new()
        .condition_check(Customer::key(customer_id), Customer::fields().id.exists());
    for (p, quantity) in lines {
        let quantity = i64::from(*quantity);
        tx = tx.update(
            Product::update(Product::key(p.sku.as_str()))
                .subtract(&f.stock, quantity)
                .condition(f.stock.ge(quantity)),
        );
    }
    for line in &mut order_lines {
        tx = tx.create(line);
    }
    tx.create(&mut order)
        .token(format!("order-{customer_id}-{number}"))
        .exec(db)
        .await?;
    Ok(order)
}

/// Marks an order delivered: it leaves the sparse index of orders waiting.
pub async fn deliver(db: &Db, order: &Order) -> Result<Order> {
    Order::update(Order::key(
        order.customer_id.as_str(),
        order.placed_at,
        order.number,
    ))
    .remove(&Order::fields().status)
    .exec(db)
    .await
}

pub async fn customer(db: &Db, id: &str) -> Result<Option<Customer>> {
    Customer::get(Customer::key(id)).exec(db).await
}

pub async fn customer_by_email(db: &Db, email: &str) -> Result<Option<Customer>> {
    let found = Customer::query(Customer::fields().email.eq(email))
        .limit(1)
        .exec(db)
        .await?;
    Ok(found.items.into_iter().next())
}

pub async fn products_in(db: &Db, category: &str) -> Result<Vec<Product>> {
    Product::query(Product::fields().category.eq(category))
        .all(db)
        .await
}

pub async fn stock(db: &Db, sku: &str) -> Result<i64> {
    Ok(Product::get(Product::key(sku))
        .consistent()
        .exec(db)
        .await?
        .map_or(0, |p| p.stock))
}

/// A customer's orders placed from `from` to `to`, newest first.
pub async fn orders_between(
    db: &Db,
    customer_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Order>> {
    let f = Order::fields();
    Order::query(f.customer_id.eq(customer_id))
        .range(f.placed_at.between(from, to))
        .descending()
        .all(db)
        .await
}

/// A customer and their orders, in one query of their partition.
pub async fn customer_with_orders(db: &Db, id: &str) -> Result<Vec<CustomerView>> {
    CustomerView::query(Customer::fields().id.eq(id))
        .all(db)
        .await
}

/// An order and its lines, in one query of the order's partition of `gsi1`.
pub async fn order_with_lines(db: &Db, number: u32) -> Result<Vec<OrderView>> {
    OrderView::query(Order::fields().number.eq(number))
        .all(db)
        .await
}

/// Orders that wait for delivery, oldest first.
pub async fn waiting(db: &Db) -> Result<Vec<Order>> {
    Order::query(Order::fields().status.eq("PLACED"))
        .all(db)
        .await
}
