use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Table)]
#[dynomodel(name = "flat", pk = "pk", gsi(name = "gsi1", pk = "gsi1pk"))]
struct Flat;

// The table has no sort key, and its index none either.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Flat, entity = "user", pk = "USER#{id}", sk = "PROFILE",
            gsi1(pk = "EMAIL#{email}", sk = "USER"), gsi9(pk = "X#{id}"))]
struct User {
    id: String,
    email: String,
}

fn main() {}
