//! Tables that evolve with the model: the differences between what `create_table` would make
//! and the live table, as data (`plan`), and the changes that DynamoDB allows in place
//! (`apply`).
//!
//! The plan compares everything that DescribeTable (and DescribeTimeToLive) shows of what a
//! CreateTable declares: the keys and their attribute types, every global and local
//! secondary index (keys, key types, projection and its attribute list), billing mode and
//! throughput, the stream's view type, the TTL attribute, and the table class and deletion
//! protection where the model declares them. What cannot change in place (the table's keys,
//! an index's keys or projection, local indexes) is `Blocked`, with the way there; a plan
//! with a blocked change is refused whole by `apply`, before any change.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! # async fn run(db: &Db) -> Result<()> {
//! let plan = dynomodel::schema::migrate::plan(&Pet::create_table(), db).await?;
//! println!("{plan}");
//! let done = plan.apply(db, false).await?;
//! # Ok(()) }
//! ```
//!
//! Layer: schema.

mod apply;
mod compare;
mod wait;

use std::fmt;

use aws_sdk_dynamodb::operation::create_table::CreateTableInput;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, StreamViewType,
    TableClass,
};

use crate::db::Db;
use crate::error::Result;
use crate::model::Model;
use crate::schema::table::CreateTable;

pub use apply::Partial;
pub use wait::Waits;

/// One difference between the model and the live table.
///
/// ```
/// use dynomodel::schema::migrate::Change;
/// let c = Change::Ttl("expires".into());
/// assert!(matches!(c, Change::Ttl(ref a) if a == "expires"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The table does not exist: `create_table` makes it whole.
    CreateTable,
    /// A global secondary index that the model declares and the table lacks.
    AddIndex(GlobalSecondaryIndex),
    /// A global secondary index of the table that the model does not declare; removed only
    /// when `apply` is asked to.
    RemoveIndex(String),
    /// TTL is off (or being turned off): turn it on on this attribute.
    Ttl(String),
    /// TTL is on another attribute: DynamoDB needs it turned off, then (once that is done,
    /// which may take up to an hour) on again on the model's.
    MoveTtl {
        /// The table's TTL attribute now.
        from: String,
        /// The model's.
        to: String,
    },
    /// The stream that `create_table` asks for is off (`replaces: None`), or has another
    /// view type: it is turned off and on again, which gives it a new ARN.
    Stream {
        /// The model's view type.
        view: StreamViewType,
        /// The view type of the stream that is on now.
        replaces: Option<StreamViewType>,
    },
    /// The billing mode or the provisioned throughput (of the table and of every global
    /// index) differs: `None` is on demand, else (read, write) capacity units.
    Billing(Option<(i64, i64)>),
    /// The table class differs from the one the model declares.
    TableClass(TableClass),
    /// Deletion protection differs from what the model declares.
    DeletionProtection(bool),
    /// What DynamoDB cannot change in place (the table's keys or their types, an index's
    /// keys or projection, a local secondary index): a new table and a copy of the items.
    Blocked(String),
}

/// The changes that bring a live table to its model, in order; `Display` reads as a
/// migration plan.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let plan = dynomodel::schema::migrate::plan(&Pet::create_table(), db).await?;
/// println!("{plan}"); // table `pets`:\n  + add global secondary index `by_owner` ...
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The table, with the `Db`'s prefix.
    pub table: String,
    /// The changes, in the order `apply` makes them.
    pub changes: Vec<Change>,
    attribute_definitions: Vec<AttributeDefinition>,
    /// The provisioned throughput of the model's global indexes (none on demand).
    index_throughput: Option<(i64, i64)>,
    waits: Waits,
}

pub(crate) fn keys_text(keys: &[KeySchemaElement]) -> String {
    keys.iter()
        .map(|k| format!("{} ({})", k.attribute_name(), k.key_type().as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

const COPY_PATH: &str = "create a table of the new definition beside it, copy the items (a Backfill of the old model that saves each into the new table, or a scan and batch writes), move readers and writers to it, then delete the old one";

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::CreateTable => write!(f, "+ create the table"),
            Change::AddIndex(g) => write!(
                f,
                "+ add global secondary index `{}` on {} (then DynamoDB backfills it)",
                g.index_name(),
                keys_text(g.key_schema())
            ),
            Change::RemoveIndex(name) => write!(
                f,
                "- global secondary index `{name}` is not in the model (kept unless asked)"
            ),
            Change::Ttl(attr) => write!(f, "~ turn on TTL on `{attr}`"),
            Change::MoveTtl { from, to } => write!(
                f,
                "~ move TTL from `{from}` to `{to}`: turn it off, then on on `{to}` once DynamoDB has turned it off (up to an hour; until then no item expires)"
            ),
            Change::Stream { view, replaces: None } => {
                write!(f, "~ turn on the stream with {} images", view.as_str())
            }
            Change::Stream {
                view,
                replaces: Some(old),
            } => write!(
                f,
                "~ replace the stream of {} images with one of {} images: the new stream has a new ARN; re-point its consumers (Lambda event source mappings, Kinesis adapters) to it",
                old.as_str(),
                view.as_str()
            ),
            Change::Billing(None) => write!(f, "~ bill on demand (pay per request)"),
            Change::Billing(Some((r, w))) => write!(
                f,
                "~ bill provisioned capacity: {r} read, {w} write units (the table and each global index)"
            ),
            Change::TableClass(c) => write!(f, "~ set the table class to {}", c.as_str()),
            Change::DeletionProtection(on) => write!(
                f,
                "~ turn deletion protection {}",
                if *on { "on" } else { "off" }
            ),
            Change::Blocked(why) => write!(f, "! cannot be changed in place: {why}"),
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return write!(f, "table `{}` matches the model: nothing to do", self.table);
        }
        writeln!(f, "table `{}`:", self.table)?;
        for c in &self.changes {
            writeln!(f, "  {c}")?;
        }
        if self.changes.iter().any(|c| matches!(c, Change::Blocked(_))) {
            writeln!(f, "  the way there: {COPY_PATH}")?;
        }
        Ok(())
    }
}

/// Compares what `create` would make with the live table.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let plan = dynomodel::schema::migrate::plan(&Pet::create_table(), db).await?;
/// assert!(plan.changes.is_empty(), "{plan}");
/// # Ok(()) }
/// ```
pub async fn plan<M: Model>(create: &CreateTable<M>, db: &Db) -> Result<Plan> {
    plan_table(&create.to_request()?, create.ttl_attribute(), db).await
}

/// [`plan`] of a table definition: a CreateTable input (its table name without the `Db`'s
/// prefix) and the TTL attribute that the table should have, for definitions that no model
/// makes. A table without a stream, table class or deletion protection in `want` keeps
/// what it has of them; without `ttl`, it keeps its TTL.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let want = Pet::create_table().to_request()?;
/// let plan = dynomodel::schema::migrate::plan_table(&want, None, db).await?;
/// # Ok(()) }
/// ```
pub async fn plan_table(want: &CreateTableInput, ttl: Option<&str>, db: &Db) -> Result<Plan> {
    let table = db.table_name(want.table_name().unwrap_or_default());
    let index_throughput = want
        .provisioned_throughput()
        .filter(|_| want.billing_mode() == Some(&BillingMode::Provisioned))
        .map(|t| (t.read_capacity_units(), t.write_capacity_units()));
    let mut plan = Plan {
        table: table.clone(),
        changes: Vec::new(),
        attribute_definitions: want.attribute_definitions().to_vec(),
        index_throughput,
        waits: Waits::default(),
    };
    let Some(live) = crate::schema::table::describe_named(db, &table).await? else {
        plan.changes.push(Change::CreateTable);
        return Ok(plan);
    };
    let live_ttl = match ttl {
        Some(_) => Some(apply::describe_ttl(db, &table).await?),
        None => None,
    };
    plan.changes = compare::changes(want, &live, ttl, live_ttl.as_ref());
    Ok(plan)
}

impl Plan {
    /// The same plan with other bounds on its waits (for a table whose indexes take longer
    /// than [`Waits::default`] allows to fill).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::schema::migrate::Waits;
    /// # async fn run(db: &Db) -> Result<()> {
    /// let waits = Waits { index: std::time::Duration::from_secs(3600), ..Waits::default() };
    /// let plan = dynomodel::schema::migrate::plan(&Pet::create_table(), db).await?.waits(waits);
    /// # Ok(()) }
    /// ```
    pub fn waits(mut self, waits: Waits) -> Self {
        self.waits = waits;
        self
    }
}
