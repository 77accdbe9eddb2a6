use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(tabel = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
}

fn main() {}
