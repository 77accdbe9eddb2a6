use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(gsi_range = "by_owner")]
    name: String,
}

fn main() {}
