use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", sk = "sk")]
struct Shop;

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "order", pk = "CUSTOMER#{customer}", sk = "ORDER#{number}")]
struct Order {
    customer_id: String,
    number: u32,
}

fn main() {}
