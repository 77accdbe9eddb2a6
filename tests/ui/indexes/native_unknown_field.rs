use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "orders", gsi(name = "by_status", pk = [tenant, state], sk = [placed]))]
struct Order {
    #[dynomodel(hash_key)]
    id: String,
    tenant: String,
    status: String,
    placed_at: i64,
}

fn main() {}
