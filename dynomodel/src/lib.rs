#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod db;
pub mod error;
#[cfg(feature = "local")]
pub mod local;
pub mod validate;

pub use db::Db;
pub use error::{DynamoError, Error, Result};

/// The types that almost every user of dynomodel needs.
pub mod prelude {
    pub use crate::db::Db;
    pub use crate::error::{Error, Result};
}
