use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Document, Serialize, Deserialize)]
struct Address {
    #[dynomodel(validate(email))]
    contact: String,
}

fn main() {}
