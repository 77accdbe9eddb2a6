//! One item of a backfill: decode, the caller's function, and one conditional write that
//! stamps the item with the run's id. The write's condition holds only where the item is
//! not stamped with this run yet (and, for a versioned model, still has the version read),
//! so that no item is changed twice in one run, however often the run is stopped and
//! resumed; where it fails, the item as stored (DynamoDB returns it with the refusal) says
//! why: stamped by this run (`already`), gone (or past its TTL since), changed by another
//! writer (the function runs again on what is stored), or the change's own condition.
//! Layer: schema.

use std::future::Future;

use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::stored::{key_of, load};
use crate::model::upgrade::{stored_version, SCHEMA_ATTR};
use crate::model::{prepare_save, Model};
use crate::ops::conditions::is_expired;
use crate::ops::request::Request;
use crate::ops::rewrite_request;
use crate::ops::send::send_request;

use super::{Change, Outcome};

/// How often the function runs again on an item that another writer keeps changing
/// between the read and the write, before the item counts as failed.
const RACES: usize = 5;

const STAMP: &str = "#bfstamp";
const RUN: &str = ":bfrun";
const SV: &str = "#bfsv";
const SV_TO: &str = ":bfsv";

/// What every item of one run shares.
pub(super) struct Run<'a> {
    pub(super) db: &'a Db,
    pub(super) table: &'a str,
    /// The attribute that holds the id of the run that wrote the item last.
    pub(super) stamp: &'a str,
    pub(super) id: &'a str,
    /// For [`Backfill::upgrade`](super::Backfill::upgrade): the model's schema version; only
    /// items stored by an older one are written, each on the condition that it still is.
    pub(super) upgrade_to: Option<u32>,
}

impl Run<'_> {
    /// Whether this run has written `item`.
    pub(super) fn stamped(&self, item: &Item) -> bool {
        matches!(item.get(self.stamp), Some(AttributeValue::S(s)) if s == self.id)
    }
}

/// One item, from the item as read to its outcome.
pub(super) async fn one<M: Model, F, Fut>(mut raw: Item, f: &F, run: &Run<'_>) -> Outcome
where
    F: Fn(M) -> Fut,
    Fut: Future<Output = Result<Change<M>>>,
{
    // The key is read only for a failure: most items have none.
    let failed = |raw: &Item, why: &dyn std::fmt::Display| {
        Outcome::Failed(format!("{:?}: {why}", key_of::<M>(raw)))
    };
    if run.stamped(&raw) {
        return Outcome::Already;
    }
    for _ in 0..RACES {
        if let Some(to) = run.upgrade_to {
            match stored_version(&raw) {
                Ok(from) if from >= to => return Outcome::Skipped,
                Ok(_) => {}
                Err(e) => return failed(&raw, &e),
            }
        }
        let m = match load::<M>(&raw).await {
            Ok(m) => m,
            Err(e) => return failed(&raw, &e),
        };
        let write = match request(m, f, run).await {
            Ok(Some(w)) => w,
            Ok(None) => return Outcome::Skipped,
            Err(e) => return failed(&raw, &e),
        };
        let refused = match send(write, run).await {
            Ok(None) => return Outcome::Written,
            Ok(Some(stored)) => stored,
            Err(e) => return failed(&raw, &e),
        };
        match refused {
            // Deleted since the scan read it: nothing to rewrite.
            None => return Outcome::Skipped,
            // Past its TTL since: no item to every read, as one deleted.
            Some(stored) if is_expired::<M>(&stored) => return Outcome::Skipped,
            Some(stored) if run.stamped(&stored) => return Outcome::Already,
            // Another writer changed it: the change is made again, on what is stored.
            Some(stored) if stored != raw => raw = stored,
            Some(_) => {
                return failed(
                    &raw,
                    &"the change's condition does not hold on the stored item",
                )
            }
        }
    }
    failed(
        &raw,
        &format_args!(
        "another writer changed the item {RACES} times between the backfill's read and its write"
    ),
    )
}

/// A write of the backfill, before its stamp.
enum Write {
    Put(Request),
    Update(Request),
}

/// The function's change as a request, stamped with the run; `None` for a skip.
async fn request<M: Model, F, Fut>(m: M, f: &F, run: &Run<'_>) -> Result<Option<Write>>
where
    F: Fn(M) -> Fut,
    Fut: Future<Output = Result<Change<M>>>,
{
    let version = m.version()?;
    let mut write = match f(m).await? {
        Change::Skip => return Ok(None),
        Change::Save(mut m) => {
            let plan = prepare_save(&mut m).await?;
            let mut item = plan.item;
            item.insert(run.stamp.to_owned(), AttributeValue::S(run.id.to_owned()));
            // A save of the backfill rewrites an item: it does not bring back one that
            // was deleted since the scan read it, or is past its TTL since.
            Write::Put(rewrite_request::<M>(item, plan.expected_version)?)
        }
        Change::Update(u) => {
            let u = match version {
                Some(v) => u.expect_version(v),
                None => u,
            };
            let mut r = u.to_request()?;
            let set = format!("{STAMP} = {RUN}");
            // Into the SET clause where there is one: a clause may come only once.
            r.update = Some(match r.update.take() {
                None => format!("SET {set}"),
                Some(u) => match (u.strip_prefix("SET "), u.split_once(" SET ")) {
                    (Some(rest), _) => format!("SET {set}, {rest}"),
                    (None, Some((before, rest))) => format!("{before} SET {set}, {rest}"),
                    (None, None) => format!("SET {set} {u}"),
                },
            });
            Write::Update(r)
        }
    };
    let r = match &mut write {
        Write::Put(r) | Write::Update(r) => r,
    };
    if let Some(to) = run.upgrade_to {
        // Written only where no newer writer has stored the item at the new version since.
        guard(
            r,
            &format!("(attribute_not_exists({SV}) OR {SV} < {SV_TO})"),
        );
        r.names.insert(SV.to_owned(), SCHEMA_ATTR.to_owned());
        r.values
            .insert(SV_TO.to_owned(), AttributeValue::N(to.to_string()));
    }
    guard(
        r,
        &format!("(attribute_not_exists({STAMP}) OR {STAMP} <> {RUN})"),
    );
    r.names.insert(STAMP.to_owned(), run.stamp.to_owned());
    r.values
        .insert(RUN.to_owned(), AttributeValue::S(run.id.to_owned()));
    Ok(Some(write))
}

/// Adds `condition` to the request's condition.
fn guard(r: &mut Request, condition: &str) {
    r.condition = Some(match r.condition.take() {
        Some(c) => crate::expr::and(&c, condition),
        None => condition.to_owned(),
    });
}

/// Sends the write: `None` where it was made, else the refusal with the item as stored
/// (`None` inside: no item under the key).
async fn send(write: Write, run: &Run<'_>) -> Result<Option<Option<Item>>> {
    let all_old = ReturnValuesOnConditionCheckFailure::AllOld;
    let client = run.db.client();
    let sent = match write {
        Write::Put(r) => send_request::<PutItemFluentBuilder>(client, run.table, &r, |b| {
            b.return_values_on_condition_check_failure(all_old)
        })
        .await?
        .map(|_| ()),
        Write::Update(r) => send_request::<UpdateItemFluentBuilder>(client, run.table, &r, |b| {
            b.return_values_on_condition_check_failure(all_old)
        })
        .await?
        .map(|_| ()),
    };
    Ok(sent.err())
}

/// Refuses a stamp attribute that the model has as a field of its own.
pub(super) fn check_stamp<M: Model>(stamp: &str) -> Result<()> {
    if stamp.is_empty() || M::ATTRIBUTES.contains(&stamp) {
        return Err(Error::InvalidRequest(format!(
            "the backfill stamps each item with its run in an attribute of its own; `{stamp}` is {}: name another with .stamp_attribute(..)",
            if stamp.is_empty() { "empty" } else { "a field of the model" }
        )));
    }
    Ok(())
}
