use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Document, Serialize, Deserialize)]
struct Address {
    #[dynomodel(validate(regex = "[a-z"))]
    zip: String,
}

fn main() {}
