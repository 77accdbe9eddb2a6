use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(version)]
    version: f64,
}

fn main() {}
