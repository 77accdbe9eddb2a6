use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", sk = "sk", gsi(name = "gsi1", pk = "gsi1pk"))]
struct Shop;

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "order", pk = "CUSTOMER#{customer_id}{number}",
            sk = "ORDER#{price}", gsi1(pk = "X#{note:4}"))]
struct Order {
    customer_id: String,
    number: u32,
    price: f64,
    note: Option<String>,
}

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "line", pk = "LINE#{id}", sk = "{maybe}")]
struct Line {
    id: String,
    maybe: Option<String>,
}

fn main() {}
