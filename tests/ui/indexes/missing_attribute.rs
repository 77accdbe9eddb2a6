use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets", gsi(name = "by_owner", hash = "ownr"))]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    owner: String,
}

fn main() {}
