use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    age: u32,
}

fn main() {
    let _ = Pet::fields().age.gt("x");
    let _ = Pet::update(Pet::key("1")).set(Pet::fields().id, 7u32);
}
