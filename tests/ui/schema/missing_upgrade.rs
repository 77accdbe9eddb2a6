use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

// The upgrade names a function that does not exist.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = 2, upgrade = "upgrade_acount")]
struct Account {
    #[dynomodel(hash_key)]
    id: String,
}

fn main() {}
