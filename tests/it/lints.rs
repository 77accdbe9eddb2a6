//! The generated code passes strict lints: models in a module that denies every warning,
//! the pedantic clippy group and unused qualifications.
#![deny(warnings, unused_qualifications, clippy::all, clippy::pedantic)]

/// A documented public model.
pub mod public {
    use dynomodel::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A thing.
    #[derive(Model, Serialize, Deserialize, Debug)]
    #[dynomodel(table = "things", gsi(name = "by_owner", hash = "owner"), hooks)]
    pub struct Thing {
        /// Its id.
        #[dynomodel(hash_key)]
        pub id: String,
        /// Its owner.
        pub owner: String,
        /// Its part.
        pub part: Option<Part>,
    }

    /// A part.
    #[derive(Document, Serialize, Deserialize, Debug)]
    pub struct Part {
        /// Its name.
        #[dynomodel(validate(length(min = 1)))]
        pub name: String,
    }

    #[dynomodel::async_trait]
    impl Hooks for Thing {}
}

#[test]
fn a_strictly_linted_model_works() {
    use dynomodel::Document as _;
    let t = public::Thing {
        id: "1".into(),
        owner: "o".into(),
        part: None,
    };
    assert_eq!(t.to_item().unwrap().len(), 2);
    assert_eq!(public::Thing::BY_OWNER.hash_key, "owner");
}
