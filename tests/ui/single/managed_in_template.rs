use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", sk = "sk", gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk"))]
struct Shop;

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "order", pk = "ORDER#{id}", sk = "V#{version}",
            gsi1(pk = "RECENT", sk = "{updated_at}"))]
struct Order {
    id: String,
    #[dynomodel(version)]
    version: u32,
    #[dynomodel(updated_at)]
    updated_at: i64,
}

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets", adopt_untagged)]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
}

fn main() {}
