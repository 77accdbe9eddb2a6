//! `apply`: the changes of a plan, one UpdateTable (or UpdateTimeToLive) at a time, each
//! followed by the wait that DynamoDB needs before the next; a failure part-way answers the
//! changes made before it.
//! Layer: schema.

use std::fmt;

use aws_sdk_dynamodb::operation::describe_time_to_live::DescribeTimeToLiveOutput;
use aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    BillingMode, CreateGlobalSecondaryIndexAction, DeleteGlobalSecondaryIndexAction,
    GlobalSecondaryIndex, GlobalSecondaryIndexUpdate, ProvisionedThroughput, StreamSpecification,
    StreamViewType, TableDescription, TimeToLiveSpecification, TimeToLiveStatus,
    UpdateGlobalSecondaryIndexAction,
};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ops::send::send_read;
use crate::schema::table::describe_raw;

use super::wait::{refused, until, Until};
use super::{Change, Plan};

/// A failure of `apply` part-way: the changes made before it (in place now), and the error.
/// Run `plan` again to see what is left.
///
/// ```
/// use dynomodel::schema::migrate::{Change, Partial};
/// let p = Partial { done: vec![Change::Ttl("expires".into())], error: dynomodel::Error::InvalidRequest("refused".into()) };
/// assert!(p.to_string().contains("turn on TTL on `expires`"));
/// ```
#[derive(Debug)]
pub struct Partial {
    /// The changes made, in order, before the failure.
    pub done: Vec<Change>,
    /// What failed.
    pub error: Error,
}

impl fmt::Display for Partial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        if self.done.is_empty() {
            return write!(f, " (no change was made)");
        }
        write!(f, "; made before it:")?;
        for c in &self.done {
            write!(f, " [{c}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Partial {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// For `?` in a function that answers [`Error`]: the error itself where nothing was made,
/// else `InvalidRequest` that names what was made.
impl From<Partial> for Error {
    fn from(p: Partial) -> Error {
        if p.done.is_empty() {
            p.error
        } else {
            Error::InvalidRequest(p.to_string())
        }
    }
}

pub(super) async fn describe_ttl(db: &Db, table: &str) -> Result<DescribeTimeToLiveOutput> {
    send_read("DescribeTimeToLive", table, |_| {
        db.client().describe_time_to_live().table_name(table).send()
    })
    .await
}

fn sdk(e: impl fmt::Display) -> Error {
    Error::InvalidRequest(e.to_string())
}

impl Plan {
    /// Makes the changes that DynamoDB allows in place, in order, and answers them: index
    /// removals where `remove_indexes` says so (waiting until each is gone), billing, new
    /// global indexes (one at a time, waiting until each is ACTIVE, filled), table class,
    /// stream (off, ACTIVE, then on with the new view), deletion protection, TTL. Before
    /// each step it waits until the table and its indexes are ACTIVE, within the bounds of
    /// [`Plan::waits`]. A plan that creates the table, or holds a blocked change, is refused
    /// whole before any change. A failure part-way is a [`Partial`] with the changes made.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let plan = dynomodel::schema::migrate::plan(&Pet::create_table(), db).await?;
    /// for change in plan.apply(db, false).await? {
    ///     println!("done: {change}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn apply(
        &self,
        db: &Db,
        remove_indexes: bool,
    ) -> std::result::Result<Vec<Change>, Partial> {
        if let Some(c) = self
            .changes
            .iter()
            .find(|c| matches!(c, Change::CreateTable | Change::Blocked(_)))
        {
            return Err(Partial {
                done: Vec::new(),
                error: Error::InvalidRequest(format!(
                    "the plan for `{}` holds a change that apply does not make, so it makes none: {c}",
                    self.table
                )),
            });
        }
        let mut done = Vec::new();
        for c in &self.changes {
            if matches!(c, Change::RemoveIndex(_)) && !remove_indexes {
                continue;
            }
            let after = match self.step(db, c).await {
                Ok(after) => after,
                Err(error) => return Err(Partial { done, error }),
            };
            // Requested: in place, or on its way there.
            done.push(c.clone());
            if let Some(what) = after {
                if let Err(error) = self.wait(db, what).await {
                    return Err(Partial { done, error });
                }
            }
        }
        Ok(done)
    }

    /// Waits until the table shows `what`, within the bound of its kind.
    async fn wait(&self, db: &Db, what: Until<'_>) -> Result<TableDescription> {
        let bound = match what {
            Until::IndexActive(_) => self.waits.index,
            Until::Active | Until::IndexGone(_) => self.waits.table,
        };
        until(&self.table, what, bound, self.waits.poll, || {
            describe_raw(db, &self.table)
        })
        .await
    }

    /// One change, after the table is ACTIVE; the wait that it needs after it.
    async fn step<'c>(&self, db: &Db, c: &'c Change) -> Result<Option<Until<'c>>> {
        let live = self.wait(db, Until::Active).await?;
        match c {
            Change::RemoveIndex(name) => {
                let delete = DeleteGlobalSecondaryIndexAction::builder()
                    .index_name(name)
                    .build()
                    .map_err(sdk)?;
                self.update(db, |u| {
                    u.global_secondary_index_updates(
                        GlobalSecondaryIndexUpdate::builder()
                            .delete(delete.clone())
                            .build(),
                    )
                })
                .await?;
                return Ok(Some(Until::IndexGone(name)));
            }
            Change::AddIndex(g) => {
                self.add_index(db, g).await?;
                return Ok(Some(Until::IndexActive(g.index_name())));
            }
            Change::Billing(units) => self.billing(db, &live, *units).await?,
            Change::TableClass(class) => {
                self.update(db, |u| u.table_class(class.clone())).await?;
            }
            Change::DeletionProtection(on) => {
                self.update(db, |u| u.deletion_protection_enabled(*on))
                    .await?;
            }
            Change::Stream { view, .. } => self.stream(db, &live, view).await?,
            Change::Ttl(attr) => {
                self.ttl(db, attr).await?;
                return Ok(None);
            }
            Change::MoveTtl { from, to } => {
                self.ttl_switch(db, from, false).await?;
                self.ttl_switch(db, to, true).await.map_err(|e| {
                    Error::InvalidRequest(format!(
                        "TTL on `{from}` is turned off; turning it on on `{to}` was refused ({e}): DynamoDB allows it once the old TTL is off, up to an hour later; run plan and apply again then"
                    ))
                })?;
                return Ok(None);
            }
            Change::CreateTable | Change::Blocked(_) => {
                return Err(Error::InvalidRequest(format!(
                    "apply does not make this change: {c}"
                )))
            }
        }
        Ok(Some(Until::Active))
    }

    /// Sends one UpdateTable of this plan's table. DynamoDB refuses one while the table is
    /// still being changed (`ResourceInUseException`), or while too many indexes or tables
    /// are being built (`LimitExceededException`): it is sent again, with longer and longer
    /// pauses, until the table bound of the waits has passed (`wait::refused`).
    async fn update(
        &self,
        db: &Db,
        update: impl Fn(UpdateTableFluentBuilder) -> UpdateTableFluentBuilder,
    ) -> Result<()> {
        refused(
            "UpdateTable",
            &self.table,
            self.waits.table,
            self.waits.poll,
            || {
                send_read("UpdateTable", &self.table, |_| {
                    update(db.client().update_table().table_name(&self.table)).send()
                })
            },
        )
        .await
        .map(|_| ())
    }

    fn throughput(&self) -> Result<Option<ProvisionedThroughput>> {
        self.index_throughput
            .map(|(r, w)| {
                ProvisionedThroughput::builder()
                    .read_capacity_units(r)
                    .write_capacity_units(w)
                    .build()
                    .map_err(sdk)
            })
            .transpose()
    }

    /// Adds a global secondary index (DynamoDB then fills it).
    async fn add_index(&self, db: &Db, g: &GlobalSecondaryIndex) -> Result<()> {
        let create = CreateGlobalSecondaryIndexAction::builder()
            .index_name(g.index_name())
            .set_key_schema(Some(g.key_schema().to_vec()))
            .set_projection(g.projection().cloned())
            .set_provisioned_throughput(g.provisioned_throughput().cloned())
            .build()
            .map_err(sdk)?;
        // Only the attributes of the new index's keys: the others are defined already.
        let defs: Vec<_> = self
            .attribute_definitions
            .iter()
            .filter(|d| {
                g.key_schema()
                    .iter()
                    .any(|k| k.attribute_name() == d.attribute_name())
            })
            .cloned()
            .collect();
        self.update(db, |u| {
            u.set_attribute_definitions(Some(defs.clone()))
                .global_secondary_index_updates(
                    GlobalSecondaryIndexUpdate::builder()
                        .create(create.clone())
                        .build(),
                )
        })
        .await
    }

    /// The billing mode, with the throughput of the table and of each of its indexes.
    async fn billing(
        &self,
        db: &Db,
        live: &TableDescription,
        units: Option<(i64, i64)>,
    ) -> Result<()> {
        let throughput = self.throughput()?.filter(|_| units.is_some());
        let mut index_updates = Vec::new();
        if let Some(t) = &throughput {
            let kept = live.global_secondary_indexes().iter().filter(|g| {
                g.index_status() != Some(&aws_sdk_dynamodb::types::IndexStatus::Deleting)
            });
            for g in kept {
                let action = UpdateGlobalSecondaryIndexAction::builder()
                    .index_name(g.index_name().unwrap_or_default())
                    .provisioned_throughput(t.clone())
                    .build()
                    .map_err(sdk)?;
                index_updates.push(GlobalSecondaryIndexUpdate::builder().update(action).build());
            }
        }
        let mode = if units.is_some() {
            BillingMode::Provisioned
        } else {
            BillingMode::PayPerRequest
        };
        self.update(db, |u| {
            u.billing_mode(mode.clone())
                .set_provisioned_throughput(throughput.clone())
                .set_global_secondary_index_updates(
                    (!index_updates.is_empty()).then(|| index_updates.clone()),
                )
        })
        .await
    }

    /// The stream with `view`: off first where one is on (its view type cannot change),
    /// then, once the table is ACTIVE again, on.
    async fn stream(&self, db: &Db, live: &TableDescription, view: &StreamViewType) -> Result<()> {
        let spec = |enabled: bool| {
            let mut s = StreamSpecification::builder().stream_enabled(enabled);
            if enabled {
                s = s.stream_view_type(view.clone());
            }
            s.build().map_err(sdk)
        };
        if live
            .stream_specification()
            .is_some_and(|s| s.stream_enabled())
        {
            let off = spec(false)?;
            self.update(db, |u| u.stream_specification(off.clone()))
                .await?;
            self.wait(db, Until::Active).await?;
        }
        let on = spec(true)?;
        self.update(db, |u| u.stream_specification(on.clone()))
            .await
    }

    /// Turns TTL on on `attr`, unless it is being turned off: then DynamoDB refuses until
    /// that is done.
    async fn ttl(&self, db: &Db, attr: &str) -> Result<()> {
        let live = describe_ttl(db, &self.table).await?;
        if live
            .time_to_live_description()
            .and_then(|d| d.time_to_live_status())
            == Some(&TimeToLiveStatus::Disabling)
        {
            return Err(Error::InvalidRequest(format!(
                "TTL of `{}` is being turned off: DynamoDB allows turning it on on `{attr}` once that is done, up to an hour later; run plan and apply again then",
                self.table
            )));
        }
        self.ttl_switch(db, attr, true).await
    }

    async fn ttl_switch(&self, db: &Db, attr: &str, on: bool) -> Result<()> {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(attr)
            .enabled(on)
            .build()
            .map_err(sdk)?;
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
