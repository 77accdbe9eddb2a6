use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets", gsi(name = "by_owner", hash = "nobody"))]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(validate(range(min = 1)))]
    name: String,
    #[dynomodel(version)]
    version: String,
    #[dynomodel(set = "capitalize")]
    owner: String,
}

fn main() {}
