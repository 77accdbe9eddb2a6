use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

// dynomodel without its `chrono` feature: the error says to turn it on.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
    #[dynomodel(created_at)]
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    #[dynomodel(ttl)]
    expires: chrono::DateTime<chrono::Utc>,
}

fn main() {}
