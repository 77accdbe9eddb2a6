use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(
    table = "orders",
    gsi(name = "wide", pk = [a, b, c, d, e], sk = [a2, b2, c2, d2, e2, f2])
)]
struct Order {
    #[dynomodel(hash_key)]
    id: String,
    a: String,
    b: String,
    c: String,
    d: String,
    e: String,
    a2: u32,
    b2: u32,
    c2: u32,
    d2: u32,
    e2: u32,
    f2: u32,
}

fn main() {}
