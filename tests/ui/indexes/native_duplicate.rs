use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(
    table = "orders",
    gsi(name = "by_status", pk = [tenant, tenant], sk = [status, placed_at]),
    gsi(name = "by_tenant", pk = [tenant], sk = [placed_at, tenant])
)]
struct Order {
    #[dynomodel(hash_key)]
    id: String,
    tenant: String,
    status: String,
    placed_at: i64,
}

fn main() {}
