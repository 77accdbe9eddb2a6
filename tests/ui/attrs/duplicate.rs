use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets", table = "animals")]
struct Pet {
    #[dynomodel(hash_key, hash_key)]
    id: String,
}

fn main() {}
