use dynomodel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Table)]
#[dynomodel(name = "shop", pk = "pk", sk = "sk")]
struct Shop;

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "customer", pk = "CUSTOMER#{id}", sk = "PROFILE")]
struct Customer {
    id: String,
}

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = Shop, entity = "product", pk = "PRODUCT#{sku}", sk = "PRODUCT")]
struct Product {
    sku: String,
}

#[derive(Model, Serialize, Deserialize)]
#[dynomodel(table = "pets")]
struct Pet {
    #[dynomodel(hash_key)]
    id: String,
}

#[derive(Collection)]
enum Mixed {
    Customer(Customer),
    Product(Product),
    Pet(Pet),
}

fn main() {}
