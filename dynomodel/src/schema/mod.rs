//! The schema: what a table is and how it changes. Tables from models (create, describe,
//! delete), the plan and apply of a table's changes (`migrate`), the infrastructure that a
//! deploy declares (`infra`), and the rewrite of every stored item (`backfill`).
//! [`SchemaOps`] gives every model its table entry points (`Pet::create_table()`), as
//! [`ModelOps`](crate::ops::ModelOps) gives its item operations; the prelude brings both.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::Pet;
//! # async fn run(db: &Db) -> Result<()> {
//! Pet::create_table().billing_on_demand().exec(db).await?;
//! let plan = dynomodel::schema::migrate::plan(&Pet::create_table(), db).await?;
//! assert!(plan.changes.is_empty());
//! Pet::delete_table().exec(db).await?;
//! # Ok(()) }
//! ```
//!
//! Layer: schema, above `ops`, whose operations it uses; only the edge is higher.

use crate::model::Model;

pub mod backfill;
pub mod infra;
pub mod migrate;
pub mod table;

use table::{CreateTable, DeleteTable};

/// The table operations of every model: `Pet::create_table()`, `Pet::delete_table()`.
///
/// A blanket extension trait beside [`ModelOps`](crate::ops::ModelOps), so that the
/// operations layer below names no table builder; the prelude brings it into scope.
///
/// ```
/// use dynomodel::prelude::*;
/// # use dynomodel::doc_support::Pet;
/// let r = Pet::create_table().to_request()?;
/// assert_eq!(r.table_name(), Some("pets"));
/// # Ok::<(), Error>(())
/// ```
pub trait SchemaOps: Model {
    /// Creates the table of this model: `Pet::create_table().exec(&db)`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::create_table().billing_on_demand().exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn create_table() -> CreateTable<Self> {
        CreateTable::new()
    }

    /// Deletes the table of this model, with its items: `Pet::delete_table().exec(&db)`.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::delete_table().exec(db).await?;
    /// # Ok(()) }
    /// ```
    fn delete_table() -> DeleteTable<Self> {
        DeleteTable::new()
    }
}

impl<M: Model> SchemaOps for M {}
