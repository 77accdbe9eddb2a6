//! A sample model for the examples in this documentation.
//!
//! Layer: edge (documentation only).

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

/// A pet, as in the examples.
#[derive(dynomodel_derive::Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(crate = "crate", table = "pets")]
#[dynomodel(gsi(name = "by_owner", hash = "owner", range = "name"))]
pub struct Pet {
    /// The id.
    #[dynomodel(hash_key)]
    pub id: String,
    /// The name.
    #[dynomodel(set = "trim", validate(length(min = 1, max = 64)))]
    pub name: String,
    /// The age.
    #[dynomodel(default = 0, validate(range(max = 100)))]
    pub age: u32,
    /// The owner.
    pub owner: String,
    /// The tags.
    #[dynomodel(string_set)]
    pub tags: BTreeSet<String>,
    /// Scores.
    pub scores: Vec<u32>,
    /// Free-form attributes.
    pub meta: HashMap<String, String>,
    /// The address.
    pub address: Option<Address>,
    /// The version.
    #[dynomodel(version)]
    pub version: u64,
}

/// An address.
#[derive(dynomodel_derive::Document, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[dynomodel(crate = "crate")]
pub struct Address {
    /// The street.
    pub street: String,
    /// The city.
    pub city: String,
}

/// A pet with an id and a name.
pub fn pet(id: &str, name: &str) -> Pet {
    Pet {
        id: id.into(),
        name: name.into(),
        age: 3,
        owner: "rachel".into(),
        tags: BTreeSet::new(),
        scores: Vec::new(),
        meta: HashMap::new(),
        address: None,
        version: 0,
    }
}
