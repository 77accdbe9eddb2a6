use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(
    table = "orders",
    gsi(name = "by_status", hash = "tenant", pk = [tenant, status]),
    gsi(name = "by_tenant", pk = [], sk = [status]),
    gsi(name = "by_place", sk = [placed_at]),
    lsi(name = "local", sk = [placed_at])
)]
struct Order {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(range_key)]
    tenant: String,
    status: String,
    placed_at: i64,
}

fn main() {}
