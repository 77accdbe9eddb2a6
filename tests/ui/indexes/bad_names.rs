use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(
    table = "pets",
    gsi(name = "", hash = "owner"),
    gsi(name = "by-owner", hash = "owner"),
    gsi(name = "by_owner", hash = "name"),
    gsi(name = "by owner!", hash = "name")
)]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    owner: String,
    name: String,
}

fn main() {}
