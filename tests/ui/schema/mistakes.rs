use dynomodel::model::upgrade::Upgrading;
use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

fn up(_: &mut Upgrading<'_>) -> Result<()> {
    Ok(())
}

// A version from 2 on needs its upgrade.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = 2)]
struct NoUpgrade {
    #[dynomodel(hash_key)]
    id: String,
}

// An upgrade needs the version it upgrades to.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", upgrade = "up")]
struct NoVersion {
    #[dynomodel(hash_key)]
    id: String,
}

// Versions start at 1.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = 0)]
struct Zero {
    #[dynomodel(hash_key)]
    id: String,
}

// The version's attribute is taken by a field.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "a_table", schema_version = 2, upgrade = "up")]
struct Taken {
    #[dynomodel(hash_key)]
    id: String,
    #[serde(rename = "_sv")]
    schema: u32,
}

// A document is upgraded by its model.
#[derive(Document, Serialize, Deserialize)]
#[dynomodel(schema_version = 2)]
struct Inner {
    note: String,
}

fn main() {}
