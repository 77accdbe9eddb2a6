use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets", lsi(name = "by_age", range = "age"))]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    age: u32,
}

fn main() {}
