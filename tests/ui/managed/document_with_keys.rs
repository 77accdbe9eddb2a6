use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Document, Serialize, Deserialize)]
struct Address {
    #[dynomodel(hash_key)]
    street: String,
    #[dynomodel(ttl)]
    expires: i64,
}

fn main() {}
