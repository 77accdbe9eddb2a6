//! Tables that evolve with the model: the differences between what `create_table` would make
//! and the live table, as data (`plan`), and the changes that DynamoDB allows in place
//! (`apply`): new global secondary indexes, one at a time, and TTL.
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
//! Layer: ops.

use std::fmt;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{
    CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex, GlobalSecondaryIndexUpdate,
    IndexStatus, KeySchemaElement, StreamSpecification, StreamViewType, TimeToLiveSpecification,
    TimeToLiveStatus,
};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::ops::send::send_read;
use crate::schema::table::CreateTable;

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
    /// The model's TTL attribute is not the table's.
    Ttl(String),
    /// The stream that `create_table` asks for is off, or has another view type.
    Stream(StreamViewType),
    /// What DynamoDB cannot change in place (the table's keys, an index's keys or
    /// projection, a local secondary index): a new table and a copy of the items.
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
    attribute_definitions: Vec<aws_sdk_dynamodb::types::AttributeDefinition>,
}

fn keys_text(keys: &[KeySchemaElement]) -> String {
    keys.iter()
        .map(|k| format!("{} ({})", k.attribute_name(), k.key_type().as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return write!(f, "table `{}` matches the model: nothing to do", self.table);
        }
        writeln!(f, "table `{}`:", self.table)?;
        for c in &self.changes {
            match c {
                Change::CreateTable => writeln!(f, "  + create the table")?,
                Change::AddIndex(g) => writeln!(
                    f,
                    "  + add global secondary index `{}` on {} (then DynamoDB backfills it)",
                    g.index_name(),
                    keys_text(g.key_schema())
                )?,
                Change::RemoveIndex(name) => writeln!(
                    f,
                    "  - global secondary index `{name}` is not in the model (kept unless asked)"
                )?,
                Change::Ttl(attr) => writeln!(f, "  ~ turn on TTL on `{attr}`")?,
                Change::Stream(view) => {
                    writeln!(f, "  ~ turn on the stream with {} images", view.as_str())?
                }
                Change::Blocked(why) => writeln!(f, "  ! cannot be changed in place: {why}")?,
            }
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
    let table = db.table_name(M::TABLE);
    let want = create.to_request()?;
    let mut plan = Plan {
        table: table.clone(),
        changes: Vec::new(),
        attribute_definitions: want.attribute_definitions().to_vec(),
    };
    let Some(live) = crate::schema::table::describe::<M>(db).await? else {
        plan.changes.push(Change::CreateTable);
        return Ok(plan);
    };
    if live.key_schema() != want.key_schema() {
        plan.changes.push(Change::Blocked(format!(
            "the table's keys are {}, the model's {}",
            keys_text(live.key_schema()),
            keys_text(want.key_schema())
        )));
    }
    for g in want.global_secondary_indexes() {
        match live
            .global_secondary_indexes()
            .iter()
            .find(|l| l.index_name() == Some(g.index_name()))
        {
            None => plan.changes.push(Change::AddIndex(g.clone())),
            Some(l) => {
                let same_projection = l.projection().and_then(|p| p.projection_type())
                    == g.projection().and_then(|p| p.projection_type());
                if l.key_schema() != g.key_schema() || !same_projection {
                    plan.changes.push(Change::Blocked(format!(
                        "the index `{}` differs in its keys or projection",
                        g.index_name()
                    )));
                }
            }
        }
    }
    for l in live.global_secondary_indexes() {
        let name = l.index_name().unwrap_or_default();
        if !want
            .global_secondary_indexes()
            .iter()
            .any(|g| g.index_name() == name)
        {
            plan.changes.push(Change::RemoveIndex(name.to_owned()));
        }
    }
    for l in want.local_secondary_indexes() {
        if !live
            .local_secondary_indexes()
            .iter()
            .any(|x| x.index_name() == Some(l.index_name()))
        {
            plan.changes.push(Change::Blocked(format!(
                "the local secondary index `{}` can only be made with the table",
                l.index_name()
            )));
        }
    }
    if let Some(view) = want
        .stream_specification()
        .and_then(|s| s.stream_view_type())
    {
        let live_view = live
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type());
        if live_view != Some(view) {
            plan.changes.push(Change::Stream(view.clone()));
        }
    }
    if let (true, Some(ttl)) = (create.ttl_enabled(), M::TTL) {
        let live_ttl = send_read("DescribeTimeToLive", &table, |_| {
            db.client()
                .describe_time_to_live()
                .table_name(&table)
                .send()
        })
        .await?;
        let on = live_ttl.time_to_live_description().is_some_and(|d| {
            d.attribute_name() == Some(ttl)
                && matches!(
                    d.time_to_live_status(),
                    Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
                )
        });
        if !on {
            plan.changes.push(Change::Ttl(ttl.to_owned()));
        }
    }
    Ok(plan)
}

impl Plan {
    /// Makes the changes that DynamoDB allows in place, in order, and says which it made: a
    /// new global secondary index (one at a time, waiting until it is ACTIVE, backfill
    /// included), TTL, and the removal of an index that the model dropped only where
    /// `remove_indexes` says so. A plan that creates the table, or holds a blocked change,
    /// is refused: `create_table` makes a table, and a blocked change needs a new one.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let plan = dynomodel::schema::migrate::plan(&Pet::create_table(), db).await?;
    /// for change in plan.apply(db, false).await? {
    ///     println!("done: {change:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn apply(&self, db: &Db, remove_indexes: bool) -> Result<Vec<Change>> {
        if let Some(c) = self
            .changes
            .iter()
            .find(|c| matches!(c, Change::CreateTable | Change::Blocked(_)))
        {
            return Err(Error::InvalidRequest(format!(
                "the plan for `{}` holds a change that apply does not make: {c:?}",
                self.table
            )));
        }
        let mut done = Vec::new();
        for c in &self.changes {
            match c {
                Change::AddIndex(g) => self.add_index(db, g).await?,
                Change::RemoveIndex(name) if remove_indexes => self.remove_index(db, name).await?,
                Change::Stream(view) => self.stream(db, view).await?,
                Change::Ttl(attr) => self.ttl(db, attr).await?,
                Change::RemoveIndex(_) | Change::CreateTable | Change::Blocked(_) => continue,
            }
            done.push(c.clone());
        }
        Ok(done)
    }

    /// Sends one UpdateTable of this plan's table.
    async fn update_table(
        &self,
        db: &Db,
        update: impl FnOnce(
            aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
        ) -> aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder,
    ) -> Result<()> {
        send_read("UpdateTable", &self.table, |_| {
            update(db.client().update_table().table_name(&self.table)).send()
        })
        .await?;
        Ok(())
    }

    /// Adds a global secondary index, and waits until DynamoDB has filled it.
    async fn add_index(&self, db: &Db, g: &GlobalSecondaryIndex) -> Result<()> {
        let create = CreateGlobalSecondaryIndexAction::builder()
            .index_name(g.index_name())
            .set_key_schema(Some(g.key_schema().to_vec()))
            .set_projection(g.projection().cloned())
            .set_provisioned_throughput(g.provisioned_throughput().cloned())
            .build()
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        self.update_table(db, |u| {
            u.set_attribute_definitions(Some(self.attribute_definitions.clone()))
                .global_secondary_index_updates(
                    GlobalSecondaryIndexUpdate::builder().create(create).build(),
                )
        })
        .await?;
        wait_for_index(db, &self.table, g.index_name()).await
    }

    /// Removes a global secondary index.
    async fn remove_index(&self, db: &Db, name: &str) -> Result<()> {
        let delete = aws_sdk_dynamodb::types::DeleteGlobalSecondaryIndexAction::builder()
            .index_name(name)
            .build()
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        self.update_table(db, |u| {
            u.global_secondary_index_updates(
                GlobalSecondaryIndexUpdate::builder().delete(delete).build(),
            )
        })
        .await?;
        Ok(())
    }

    /// Turns the stream on with `view`: off first where it is on, as a stream's view type
    /// cannot change in place.
    async fn stream(&self, db: &Db, view: &StreamViewType) -> Result<()> {
        let spec = |enabled: bool| {
            let mut s = StreamSpecification::builder().stream_enabled(enabled);
            if enabled {
                s = s.stream_view_type(view.clone());
            }
            s.build().map_err(|e| Error::InvalidRequest(e.to_string()))
        };
        let live = crate::schema::table::describe_raw(db, &self.table).await?;
        if live
            .stream_specification()
            .is_some_and(|s| s.stream_enabled())
        {
            let off = spec(false)?;
            self.update_table(db, |u| u.stream_specification(off))
                .await?;
        }
        let on = spec(true)?;
        self.update_table(db, |u| u.stream_specification(on))
            .await?;
        Ok(())
    }

    /// Turns on the TTL on `attr`.
    async fn ttl(&self, db: &Db, attr: &str) -> Result<()> {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(attr)
            .enabled(true)
            .build()
            .map_err(|e| Error::InvalidRequest(e.to_string()))?;
        send_read("UpdateTimeToLive", &self.table, |_| {
            db.client()
                .update_time_to_live()
                .table_name(&self.table)
                .time_to_live_specification(spec)
                .send()
        })
        .await?;
        Ok(())
    }
}

/// Waits until the index is ACTIVE (its backfill done), up to 10 minutes.
async fn wait_for_index(db: &Db, table: &str, index: &str) -> Result<()> {
    let deadline = Instant::now().checked_add(Duration::from_secs(600));
    loop {
        let d = crate::schema::table::describe_raw(db, table).await?;
        let status = d
            .global_secondary_indexes()
            .iter()
            .find(|g| g.index_name() == Some(index))
            .and_then(|g| g.index_status().cloned());
        if status == Some(IndexStatus::Active) {
            return Ok(());
        }
        if deadline.is_none_or(|d| Instant::now() >= d) {
            return Err(Error::InvalidRequest(format!(
                "the index `{index}` of `{table}` was not ACTIVE within 10 minutes"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
