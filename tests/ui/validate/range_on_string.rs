use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Document, Serialize, Deserialize)]
struct Address {
    #[dynomodel(validate(range(min = 1, max = 9)))]
    street: String,
}

fn main() {}
