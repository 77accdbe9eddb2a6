//! [`Request`]: what a builder would send, for inspection and tests; and how it is sent.
//!
//! ```
//! # use dynomodel::prelude::*;
//! # use dynomodel::doc_support::{pet, Pet};
//! let r = Pet::delete(Pet::key("1")).condition(Pet::fields().age.gt(10u32)).to_request()?;
//! assert_eq!(r.operation, "DeleteItem");
//! assert_eq!(r.condition.as_deref(), Some("#n0 > :v0"));
//! # Ok::<(), Error>(())
//! ```
//!
//! Layer: ops.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::expr::Placeholders;

/// A request as it would be sent: the operation, the table (before the `Db` prefix), and
/// every expression with its placeholders. Every builder shows one with `to_request()`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let f = Pet::fields();
/// let r: dynomodel::Request = Pet::update(Pet::key("1")).set(&f.age, 4u32).to_request()?;
/// assert_eq!(r.operation, "UpdateItem");
/// assert_eq!(r.table, "pets");
/// assert!(r.update.unwrap().starts_with("SET #n0 = :v0"));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    /// The DynamoDB operation, such as `UpdateItem`.
    pub operation: &'static str,
    /// The model's table name: a request is built without a `Db`, whose prefix `exec`
    /// adds (errors and cancellation reasons name the prefixed table; see
    /// [`Request::table_name`]).
    pub table: &'static str,
    /// The index that a query or scan reads.
    pub index: Option<&'static str>,
    /// The key of a GetItem, UpdateItem or DeleteItem.
    pub key: Option<Item>,
    /// The item of a PutItem.
    pub item: Option<Item>,
    /// The KeyConditionExpression of a Query.
    pub key_condition: Option<String>,
    /// The ConditionExpression.
    pub condition: Option<String>,
    /// The UpdateExpression.
    pub update: Option<String>,
    /// The FilterExpression.
    pub filter: Option<String>,
    /// The ProjectionExpression.
    pub projection: Option<String>,
    /// `#placeholder` to attribute name.
    pub names: HashMap<String, String>,
    /// `:placeholder` to value.
    pub values: HashMap<String, AttributeValue>,
    /// A strongly consistent read.
    pub consistent: bool,
    /// The page size of a query or scan.
    pub limit: Option<i32>,
    /// The most items that `exec`, `all`, `stream` and `count` give in all (`.limit(n)`).
    pub total_limit: Option<usize>,
    /// The attributes of a cursor placed after an item: the table's keys and the index's.
    pub(crate) cursor_keys: Vec<&'static str>,
    /// What a query or scan leaves out of its pages (`model::stored::ReadPolicy`).
    pub(crate) policy: Option<crate::model::stored::ReadPolicy>,
    /// The one segment that a scan reads, and the number of segments (`Scan::segment`).
    pub segment: Option<(i32, i32)>,
    /// The keys of a BatchGetItem, a batch of deletes, or a TransactGetItems.
    pub keys: Vec<Item>,
    /// The items of a batch of puts.
    pub items: Vec<Item>,
    /// Descending order (a query with `ScanIndexForward = false`).
    pub descending: bool,
    /// Where a query or scan starts (the cursor's key).
    pub start_key: Option<Item>,
    /// A count instead of items.
    pub count: bool,
    /// The most requests that the read sends (`max_pages`): `all`, `stream` and `count` end
    /// with `Error::PageCap` and the cursor where the read would go on.
    pub max_pages: Option<usize>,
    /// The requests that a stream of pages has sent.
    pub(crate) requests: usize,
    /// The placeholder of the time of sending (`Placeholders::now`): set to the time each
    /// time the request is sent.
    pub(crate) now: Option<String>,
}

impl Request {
    /// The table as `db` sends it: with its prefix, as errors name it.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<()> {
    /// let db = Db::local("http://127.0.0.1:8000").await?.with_table_prefix("dev_");
    /// let r = Pet::get(Pet::key("1")).to_request()?;
    /// assert_eq!((r.table, r.table_name(&db).as_str()), ("pets", "dev_pets"));
    /// # Ok(()) }
    /// ```
    pub fn table_name(&self, db: &crate::db::Db) -> String {
        db.table_name(self.table)
    }

    pub(crate) fn new(operation: &'static str, table: &'static str) -> Self {
        Request {
            operation,
            table,
            ..Default::default()
        }
    }

    pub(crate) fn placeholders(&mut self, ph: Placeholders) {
        self.names = ph.names().clone();
        self.values = ph.values().clone();
        self.now = ph.now_placeholder().cloned();
    }

    pub(crate) fn names_or_none(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    /// The values as sent now: the time of sending, where the request has one, is now.
    pub(crate) fn values_or_none(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| {
            let mut values = self.values.clone();
            if let Some(p) = &self.now {
                values.insert(p.clone(), crate::expr::now_value());
            }
            values
        })
    }
}

/// Sets the parts of `Request` `$r` that an SDK builder takes, one setter each, written once for
/// every operation (the SDK's builders are distinct types with the same setters):
/// `with_request!(db.client().get_item().table_name(t), r, key, projection, names)`.
macro_rules! with_request {
    ($builder:expr, $r:expr $(, $part:ident)* $(,)?) => {{
        let b = $builder;
        $( let b = $crate::ops::request::with_request!(@ b, $r, $part); )*
        b
    }};
    (@ $b:ident, $r:expr, key) => { $b.set_key($r.key.clone()) };
    (@ $b:ident, $r:expr, item) => { $b.set_item($r.item.clone()) };
    (@ $b:ident, $r:expr, update) => { $b.set_update_expression($r.update.clone()) };
    (@ $b:ident, $r:expr, condition) => { $b.set_condition_expression($r.condition.clone()) };
    (@ $b:ident, $r:expr, names) => { $b.set_expression_attribute_names($r.names_or_none()) };
    (@ $b:ident, $r:expr, values) => { $b.set_expression_attribute_values($r.values_or_none()) };
    (@ $b:ident, $r:expr, index) => { $b.set_index_name($r.index.map(str::to_owned)) };
    (@ $b:ident, $r:expr, filter) => { $b.set_filter_expression($r.filter.clone()) };
    (@ $b:ident, $r:expr, projection) => { $b.set_projection_expression($r.projection.clone()) };
    (@ $b:ident, $r:expr, limit) => { $b.set_limit($r.limit) };
    (@ $b:ident, $r:expr, consistent) => { $b.consistent_read($r.consistent) };
    (@ $b:ident, $r:expr, start) => { $b.set_exclusive_start_key($r.start_key.clone()) };
    (@ $b:ident, $r:expr, select) => {
        $b.set_select($r.count.then_some(aws_sdk_dynamodb::types::Select::Count))
    };
    (@ $b:ident, $r:expr, fail) => {
        $b.return_values_on_condition_check_failure(
            aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
    };
}
pub(crate) use with_request;

/// Builder methods that set a flag, each with its documentation:
/// `flags! { /// Strongly consistent reads. consistent => consistent = true; }`.
macro_rules! flags {
    ($($(#[$doc:meta])* $name:ident => $($field:ident).+ = $value:expr;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self) -> Self {
            self.$($field).+ = $value;
            self
        }
    )*};
}
pub(crate) use flags;
