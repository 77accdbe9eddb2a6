//! Tables from models: create (keys, attribute definitions, indexes, billing, TTL,
//! streams) and wait until active, describe, delete and wait until gone.
//!
//! [`ensure`] creates a missing table: for tests and examples. A Lambda should not
//! create tables on its cold-start path; create them with infrastructure code instead.
//!
//! ```no_run
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! # async fn run(db: &Db) -> Result<()> {
//! use dynomodel::table;
//! table::ensure::<Pet>(db).await?; // creates `pets` unless it exists
//! let description = table::describe::<Pet>(db).await?.expect("the table exists");
//! Pet::delete_table().exec(db).await?;
//! # Ok(()) }
//! ```
//!
//! Layer: ops.

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::create_table::CreateTableInput;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    LocalSecondaryIndex, Projection as SdkProjection, ProjectionType, ProvisionedThroughput,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableClass, TableDescription,
    TableStatus, TimeToLiveSpecification,
};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::{IndexKind, Model, Projection};
use crate::ops::send::{send, send_read};
use crate::schema::SchemaOps;

/// The DynamoDB type of a key attribute, read from an example key value.
pub(crate) fn scalar_type(
    v: &aws_sdk_dynamodb::types::AttributeValue,
) -> Option<ScalarAttributeType> {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match v {
        A::S(_) => Some(ScalarAttributeType::S),
        A::N(_) => Some(ScalarAttributeType::N),
        A::B(_) => Some(ScalarAttributeType::B),
        _ => None,
    }
}

/// A key schema: each partition key attribute (HASH), then each sort key attribute (RANGE).
pub(crate) fn key_schema<'a>(
    hash: impl IntoIterator<Item = &'a str>,
    range: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<KeySchemaElement>> {
    let hash = hash.into_iter().map(|a| (a, KeyType::Hash));
    let range = range.into_iter().map(|a| (a, KeyType::Range));
    hash.chain(range)
        .map(|(a, t)| {
            KeySchemaElement::builder()
                .attribute_name(a)
                .key_type(t)
                .build()
                .map_err(sdk_err)
        })
        .collect()
}

pub(crate) fn sdk_err(e: impl std::fmt::Display) -> Error {
    Error::InvalidRequest(e.to_string())
}

/// A CreateTable built from model `M`; `M::create_table()` makes one. The key schema,
/// attribute definitions, secondary indexes and TTL come from the model.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// use aws_sdk_dynamodb::types::StreamViewType;
/// let table = Pet::create_table()
///     .stream(StreamViewType::NewAndOldImages)
///     .exec(db)
///     .await?;
/// assert_eq!(table.table_name(), Some("pets"));
/// # Ok(()) }
/// ```
pub struct CreateTable<M> {
    provisioned: Option<(i64, i64)>,
    stream: Option<StreamViewType>,
    ttl: bool,
    table_class: Option<TableClass>,
    deletion_protection: Option<bool>,
    wait: Option<Duration>,
    _m: PhantomData<fn() -> M>,
}

impl<M: Model> CreateTable<M> {
    pub(crate) fn new() -> Self {
        CreateTable {
            provisioned: None,
            stream: None,
            ttl: true,
            table_class: None,
            deletion_protection: None,
            wait: Some(Duration::from_secs(60)),
            _m: PhantomData,
        }
    }

    /// Pay per request (the default).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::create_table().billing_on_demand().exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn billing_on_demand(mut self) -> Self {
        self.provisioned = None;
        self
    }

    /// Provisioned capacity, for the table and each global index.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::create_table().provisioned(5, 5).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn provisioned(mut self, read: i64, write: i64) -> Self {
        self.provisioned = Some((read, write));
        self
    }

    /// A DynamoDB Stream with this view of each change.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// use aws_sdk_dynamodb::types::StreamViewType;
    /// Pet::create_table().stream(StreamViewType::NewAndOldImages).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn stream(mut self, view: StreamViewType) -> Self {
        self.stream = Some(view);
        self
    }

    /// Leaves TTL off even where the model has a `ttl` attribute (it is on by default).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::create_table().without_ttl().exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn without_ttl(mut self) -> Self {
        self.ttl = false;
        self
    }

    /// The table class (`STANDARD` unless set; `STANDARD_INFREQUENT_ACCESS` for tables that
    /// store more than they read). A migration plan keeps the table to it.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use aws_sdk_dynamodb::types::TableClass;
    /// let r = Pet::create_table().table_class(TableClass::StandardInfrequentAccess).to_request()?;
    /// assert_eq!(r.table_class(), Some(&TableClass::StandardInfrequentAccess));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn table_class(mut self, class: TableClass) -> Self {
        self.table_class = Some(class);
        self
    }

    /// Deletion protection on (`true`) or off; unset, the table has it off and a migration
    /// plan leaves it as it is.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let r = Pet::create_table().deletion_protection(true).to_request()?;
    /// assert_eq!(r.deletion_protection_enabled(), Some(true));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn deletion_protection(mut self, on: bool) -> Self {
        self.deletion_protection = Some(on);
        self
    }

    /// How long to wait for the table to become active (60 s by default); `None` returns
    /// as soon as DynamoDB accepted the request.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::create_table().wait(Some(std::time::Duration::from_secs(120))).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn wait(mut self, timeout: Option<Duration>) -> Self {
        self.wait = timeout;
        self
    }

    /// The key attribute types, from `M::key_types()`.
    fn definitions(&self) -> Result<Vec<AttributeDefinition>> {
        let types = M::key_types();
        let mut names: Vec<&str> = vec![M::HASH_KEY];
        names.extend(M::RANGE_KEY);
        for i in M::indexes() {
            names.extend(i.hash_keys().chain(i.range_keys()));
        }
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|n| {
                let t = types.get(n).and_then(scalar_type).ok_or_else(|| {
                    Error::InvalidRequest(format!("`{n}` is not a key attribute"))
                })?;
                AttributeDefinition::builder()
                    .attribute_name(n)
                    .attribute_type(t)
                    .build()
                    .map_err(sdk_err)
            })
            .collect()
    }

    fn keys(hash: &str, range: Option<&str>) -> Result<Vec<KeySchemaElement>> {
        key_schema(std::iter::once(hash), range)
    }

    /// The key schema of an index: every partition key attribute (HASH), then every sort key
    /// attribute (RANGE), in key order, as a native multi-attribute key lists them.
    fn index_keys(i: &crate::model::Index<M>) -> Result<Vec<KeySchemaElement>> {
        key_schema(i.hash_keys(), i.range_keys())
    }

    fn projection(p: Projection) -> SdkProjection {
        match p {
            Projection::All => SdkProjection::builder()
                .projection_type(ProjectionType::All)
                .build(),
            Projection::KeysOnly => SdkProjection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
            Projection::Include(names) => SdkProjection::builder()
                .projection_type(ProjectionType::Include)
                .set_non_key_attributes(Some(names.iter().map(|s| s.to_string()).collect()))
                .build(),
        }
    }

    /// The TTL attribute that `exec` switches on: the model's, unless `without_ttl`.
    pub(crate) fn ttl_attribute(&self) -> Option<&'static str> {
        M::TTL.filter(|_| self.ttl)
    }

    /// The CreateTable input that `exec` sends (with the model's table name: `exec` adds the
    /// `Db`'s prefix), for inspection and for infrastructure code.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// let input = Pet::create_table().to_request()?;
    /// assert_eq!(input.table_name(), Some("pets"));
    /// assert_eq!(input.global_secondary_indexes()[0].index_name(), "by_owner");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn to_request(&self) -> Result<CreateTableInput> {
        let throughput = self
            .provisioned
            .map(|(r, w)| {
                ProvisionedThroughput::builder()
                    .read_capacity_units(r)
                    .write_capacity_units(w)
                    .build()
                    .map_err(sdk_err)
            })
            .transpose()?;
        let mut req = CreateTableInput::builder()
            .table_name(M::TABLE)
            .set_attribute_definitions(Some(self.definitions()?))
            .set_key_schema(Some(Self::keys(M::HASH_KEY, M::RANGE_KEY)?))
            .billing_mode(if throughput.is_some() {
                BillingMode::Provisioned
            } else {
                BillingMode::PayPerRequest
            })
            .set_provisioned_throughput(throughput.clone())
            .set_table_class(self.table_class.clone())
            .set_deletion_protection_enabled(self.deletion_protection);
        for i in M::indexes() {
            match i.kind {
                IndexKind::Global => {
                    req = req.global_secondary_indexes(
                        GlobalSecondaryIndex::builder()
                            .index_name(i.name)
                            .set_key_schema(Some(Self::index_keys(i)?))
                            .projection(Self::projection(i.projection))
                            .set_provisioned_throughput(throughput.clone())
                            .build()
                            .map_err(sdk_err)?,
                    )
                }
                IndexKind::Local => {
                    req = req.local_secondary_indexes(
                        LocalSecondaryIndex::builder()
                            .index_name(i.name)
                            .set_key_schema(Some(Self::index_keys(i)?))
                            .projection(Self::projection(i.projection))
                            .build()
                            .map_err(sdk_err)?,
                    )
                }
            }
        }
        if let Some(view) = &self.stream {
            req = req.stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(view.clone())
                    .build()
                    .map_err(sdk_err)?,
            );
        }
        req.build().map_err(sdk_err)
    }

    /// Creates the table, waits until it is active, and turns TTL on where the model has a
    /// `ttl` attribute.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// let table = Pet::create_table().exec(db).await?;
    /// println!("{:?} is {:?}", table.table_name(), table.table_status());
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<TableDescription> {
        let table = db.table_name(M::TABLE);
        let input = self.to_request()?;
        send_read("CreateTable", &table, |_| {
            db.client()
                .create_table()
                .table_name(&table)
                .set_attribute_definitions(input.attribute_definitions)
                .set_key_schema(input.key_schema)
                .set_billing_mode(input.billing_mode)
                .set_provisioned_throughput(input.provisioned_throughput)
                .set_global_secondary_indexes(input.global_secondary_indexes)
                .set_local_secondary_indexes(input.local_secondary_indexes)
                .set_stream_specification(input.stream_specification)
                .set_table_class(input.table_class)
                .set_deletion_protection_enabled(input.deletion_protection_enabled)
                .send()
        })
        .await?;
        let description = match self.wait {
            Some(timeout) => wait_active(db, &table, timeout).await?,
            None => describe_raw(db, &table).await?,
        };
        if let (true, Some(ttl)) = (self.ttl, M::TTL) {
            let spec = TimeToLiveSpecification::builder()
                .attribute_name(ttl)
                .enabled(true)
                .build()
                .map_err(sdk_err)?;
            send_read("UpdateTimeToLive", &table, |_| {
                db.client()
                    .update_time_to_live()
                    .table_name(&table)
                    .time_to_live_specification(spec)
                    .send()
            })
            .await?;
        }
        Ok(description)
    }
}

pub(crate) async fn describe_raw(db: &Db, table: &str) -> Result<TableDescription> {
    describe_named(db, table)
        .await?
        .ok_or_else(|| Error::InvalidRequest(format!("table `{table}` does not exist")))
}

/// Describes the table named `table` (`None` where it does not exist).
pub(crate) async fn describe_named(db: &Db, table: &str) -> Result<Option<TableDescription>> {
    let sent = send("DescribeTable", table, |_| {
        db.client().describe_table().table_name(table).send()
    })
    .await?;
    Ok(sent.ok().and_then(|out| out.table))
}

pub(crate) async fn wait_active(
    db: &Db,
    table: &str,
    timeout: Duration,
) -> Result<TableDescription> {
    let deadline = Instant::now().checked_add(timeout);
    loop {
        let d = describe_raw(db, table).await?;
        let indexes_active = d
            .global_secondary_indexes()
            .iter()
            .all(|i| i.index_status() == Some(&aws_sdk_dynamodb::types::IndexStatus::Active));
        if d.table_status() == Some(&TableStatus::Active) && indexes_active {
            return Ok(d);
        }
        if deadline.is_none_or(|d| Instant::now() >= d) {
            return Err(Error::InvalidRequest(format!(
                "table `{table}` is not active after {timeout:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Describes `M`'s table (`None` where it does not exist).
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// if dynomodel::table::describe::<Pet>(db).await?.is_none() {
///     println!("no pets table yet");
/// }
/// # Ok(()) }
/// ```
pub async fn describe<M: Model>(db: &Db) -> Result<Option<TableDescription>> {
    describe_named(db, &db.table_name(M::TABLE)).await
}

/// Deletes `M`'s table (nothing where it does not exist): `M::delete_table().exec(db)`.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// dynomodel::table::delete::<Pet>(db).await?;
/// # Ok(()) }
/// ```
pub async fn delete<M: Model>(db: &Db) -> Result<()> {
    M::delete_table().exec(db).await
}

/// A DeleteTable of model `M`'s table; `M::delete_table()` makes one.
///
/// By default a table that does not exist is no error, and `exec` waits (up to 60 s) until
/// DynamoDB no longer describes the table, so that it can be created again at once.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// Pet::delete_table().exec(db).await?;
/// Pet::create_table().exec(db).await?; // a fresh, empty table
/// # Ok(()) }
/// ```
pub struct DeleteTable<M> {
    must_exist: bool,
    wait: Option<Duration>,
    _m: PhantomData<fn() -> M>,
}

impl<M: Model> DeleteTable<M> {
    pub(crate) fn new() -> Self {
        DeleteTable {
            must_exist: false,
            wait: Some(Duration::from_secs(60)),
            _m: PhantomData,
        }
    }

    /// Fails with `NotFound` where the table does not exist.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// match Pet::delete_table().must_exist().exec(db).await {
    ///     Err(Error::NotFound { table }) => println!("{table} was not there"),
    ///     other => other?,
    /// }
    /// # Ok(()) }
    /// ```
    pub fn must_exist(mut self) -> Self {
        self.must_exist = true;
        self
    }

    /// How long `exec` waits for the table to be gone (`None`: it returns once DynamoDB has
    /// accepted the deletion).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::delete_table().wait(None).exec(db).await?;
    /// # Ok(()) }
    /// ```
    pub fn wait(mut self, timeout: Option<Duration>) -> Self {
        self.wait = timeout;
        self
    }

    /// Deletes the table (with its indexes and items).
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// Pet::delete_table().exec(db).await?;
    /// assert!(dynomodel::table::describe::<Pet>(db).await?.is_none());
    /// # Ok(()) }
    /// ```
    pub async fn exec(self, db: &Db) -> Result<()> {
        let table = db.table_name(M::TABLE);
        let sent = send("DeleteTable", &table, |_| {
            db.client().delete_table().table_name(&table).send()
        })
        .await?;
        if sent.is_err() {
            return if self.must_exist {
                Err(Error::NotFound { table })
            } else {
                Ok(())
            };
        }
        let Some(timeout) = self.wait else {
            return Ok(());
        };
        let deadline = Instant::now().checked_add(timeout);
        while describe_named(db, &table).await?.is_some() {
            if deadline.is_none_or(|d| Instant::now() >= d) {
                return Err(Error::InvalidRequest(format!(
                    "table `{table}` is still being deleted after {timeout:?}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(())
    }
}

/// Creates `M`'s table where it does not exist, and waits until it is active. For tests and
/// examples: not for a Lambda's cold start.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// dynomodel::table::ensure::<Pet>(db).await?; // in a test or a tool, not in a Lambda
/// # Ok(()) }
/// ```
pub async fn ensure<M: Model>(db: &Db) -> Result<()> {
    if describe::<M>(db).await?.is_none() {
        match CreateTable::<M>::new().exec(db).await {
            Ok(_) => {}
            Err(Error::Dynamo(e)) if e.code() == Some("ResourceInUseException") => {
                wait_active(db, &db.table_name(M::TABLE), Duration::from_secs(60)).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
