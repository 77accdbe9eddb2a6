use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

// The upgrade takes the item being upgraded.
fn up(_: &mut dynomodel::Item) {}

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = 2, upgrade = "up")]
struct Account {
    #[dynomodel(hash_key)]
    id: String,
}

fn main() {}
