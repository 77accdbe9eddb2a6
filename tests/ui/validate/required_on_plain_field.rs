use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Document, Serialize, Deserialize)]
struct Address {
    #[dynomodel(required)]
    city: String,
}

fn main() {}
