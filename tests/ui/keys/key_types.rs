use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: Option<String>,
    #[dynomodel(range_key)]
    at: f64,
}

fn main() {}
