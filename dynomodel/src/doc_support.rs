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

/// A single-table design for the examples: customers and their orders in one table.
pub mod single {
    use serde::{Deserialize, Serialize};

    /// The table, declared once.
    #[derive(dynomodel_derive::Table)]
    #[dynomodel(
        crate = "crate",
        name = "groceries",
        pk = "pk",
        sk = "sk",
        gsi(name = "gsi1", pk = "gsi1pk", sk = "gsi1sk")
    )]
    pub struct Groceries;

    /// A customer.
    #[derive(dynomodel_derive::Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(crate = "crate", table = Groceries, entity = "customer",
                pk = "CUSTOMER#{id}", sk = "PROFILE",
                gsi1(pk = "EMAIL#{email}", sk = "CUSTOMER"))]
    pub struct Customer {
        /// The id.
        pub id: String,
        /// The name.
        pub name: String,
        /// The e-mail address.
        #[dynomodel(set = "lowercase")]
        pub email: String,
    }

    /// An order of a customer.
    #[derive(dynomodel_derive::Model, Serialize, Deserialize, Debug, Clone, PartialEq)]
    #[dynomodel(crate = "crate", table = Groceries, entity = "order",
                pk = "CUSTOMER#{customer_id}", sk = "ORDER#{placed_at}#{number}")]
    pub struct Order {
        /// The customer.
        pub customer_id: String,
        /// The order number.
        pub number: u32,
        /// When it was placed.
        pub placed_at: String,
        /// The total.
        pub total_cents: u64,
    }

    /// A customer and their orders, read from one partition.
    #[derive(dynomodel_derive::Collection, Debug, Clone, PartialEq)]
    #[dynomodel(crate = "crate")]
    pub enum CustomerView {
        /// The customer.
        Customer(Customer),
        /// An order.
        Order(Order),
    }

    /// A customer with an id.
    pub fn customer(id: &str) -> Customer {
        Customer {
            id: id.into(),
            name: "Ana".into(),
            email: "ana@example.com".into(),
        }
    }

    /// An order of a customer.
    pub fn order(customer_id: &str, number: u32) -> Order {
        Order {
            customer_id: customer_id.into(),
            number,
            placed_at: "2026-11-30".into(),
            total_cents: 1250,
        }
    }
}
