use dynomodel::model::upgrade::Upgrading;
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

fn up(_: &mut Upgrading<'_>) -> Result<()> {
    Ok(())
}

// Version 1 is every item stored before: an upgrade to it would never run.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = 1, upgrade = "up")]
struct One {
    #[dynomodel(hash_key)]
    id: String,
}

// A version is a number, not text.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = "2", upgrade = "up")]
struct Text {
    #[dynomodel(hash_key)]
    id: String,
}

// An upgrade is the path of a function.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = 2, upgrade = "up grade")]
struct NotAPath {
    #[dynomodel(hash_key)]
    id: String,
}

// A version beyond a u32.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = 4294967296, upgrade = "up")]
struct Huge {
    #[dynomodel(hash_key)]
    id: String,
}

fn main() {}
