use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets")]
struct Pet {
    id: String,
}

fn main() {}
