use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "orders", gsi(name = "by_status", pk = [tenant, tags], sk = [total, paid]))]
struct Order {
    #[dynomodel(hash_key)]
    id: String,
    tenant: String,
    tags: Vec<String>,
    total: f64,
    paid: bool,
}

fn main() {}
