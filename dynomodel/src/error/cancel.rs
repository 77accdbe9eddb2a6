//! Why one action of a cancelled transaction failed.
//! Layer: error.

use std::fmt;

use aws_sdk_dynamodb::types::AttributeValue;

use super::Item;

/// Why one action of a cancelled transaction failed.
///
/// ```no_run
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # async fn run(db: &Db) -> Result<()> {
/// let f = Pet::fields();
/// let t = Transaction::new()
///     .update(Pet::update(Pet::key("1")).add(&f.age, 1u32))
///     .condition_check(Pet::key("2"), f.owner.eq("rachel"));
/// if let Err(Error::TransactionCanceled { reasons }) = t.exec(db).await {
///     for r in &reasons {
///         println!("action {} on {} failed: {}", r.index, r.table, r.code);
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CancelReason {
    /// The action's position in the transaction, from 0.
    pub index: usize,
    /// The table, with the `Db`'s prefix, as in every other error.
    pub table: String,
    /// The key of the item that the action touched.
    pub key: Item,
    /// DynamoDB's code (`ConditionalCheckFailed`, `TransactionConflict`, `ValidationError`,
    /// ...), or `Validation` for a model rule that failed before anything was sent.
    pub code: String,
    /// What went wrong, in words.
    pub message: Option<String>,
    /// The item as stored, where a condition failed and DynamoDB returned it.
    pub item: Option<Item>,
}

impl CancelReason {
    /// Whether the action's condition did not hold.
    ///
    /// ```no_run
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// # async fn run(db: &Db) -> Result<()> {
    /// match Transaction::new().create(&mut pet("1", "Rex")).exec(db).await {
    ///     Err(Error::TransactionCanceled { reasons }) if reasons[0].is_condition_failed() => {
    ///         println!("pet 1 exists");
    ///     }
    ///     other => other?,
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_condition_failed(&self) -> bool {
        self.code == "ConditionalCheckFailed"
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key: Vec<String> = {
            let mut k: Vec<_> = self.key.iter().collect();
            k.sort_by(|a, b| a.0.cmp(b.0));
            k.iter()
                .map(|(n, v)| match v {
                    AttributeValue::S(s) => format!("{n}={s:?}"),
                    AttributeValue::N(x) => format!("{n}={x}"),
                    other => format!("{n}={other:?}"),
                })
                .collect()
        };
        write!(
            f,
            "action {} on `{}` ({}): {}",
            self.index,
            self.table,
            key.join(", "),
            self.code
        )?;
        if let Some(m) = &self.message {
            write!(f, " ({m})")?;
        }
        Ok(())
    }
}
