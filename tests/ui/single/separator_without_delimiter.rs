use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Table)]
#[dynomodel(name = "people", pk = "pk", sk = "sk")]
struct People;

// ("a-b", "c") and ("a", "b-c") would compose one key.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = People, entity = "person", pk = "PERSON", sk = "{first}-{last}")]
struct Person {
    first: String,
    last: String,
}

fn main() {}
