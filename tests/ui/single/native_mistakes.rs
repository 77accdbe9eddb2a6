use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

// A native key attribute of an unknown type, and one that is the table's own key.
#[derive(Table)]
#[dynomodel(name = "bad", pk = "pk", sk = "sk",
            gsi(name = "by_x", pk = [x: X, pk: S]))]
struct Bad;

// One attribute, two types: a string in one native index, a number in another.
#[derive(Table)]
#[dynomodel(name = "twice", pk = "pk", sk = "sk",
            gsi(name = "by_status", pk = [status: S]),
            gsi(name = "by_code", pk = [code: S], sk = [status: N]))]
struct Twice;

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", sk = "sk",
            gsi(name = "gsi1", pk = "gsi1pk"),
            gsi(name = "by_status", pk = [status: S], sk = [placed_at: N]))]
struct Shop;

// The model names a native index that the table does not have.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "a", pk = "A#{id}", sk = "A", native(by_state))]
struct Unknown {
    id: String,
    status: String,
    placed_at: i64,
}

// The model lacks a key attribute of the native index that it fills.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "b", pk = "B#{id}", sk = "B", native(by_status))]
struct Lacking {
    id: String,
    status: String,
}

// A field keyed by a native index has another type.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "c", pk = "C#{id}", sk = "C")]
struct WrongType {
    id: String,
    status: u32,
}

// A native index filled with a template.
#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "d", pk = "D#{id}", sk = "D", by_status(pk = "S#{id}"))]
struct Templated {
    id: String,
}

fn main() {}
