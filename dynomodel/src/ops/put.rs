//! PutItem: create and save.
//! Layer: ops.

use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::condition::Condition;
use crate::expr::Placeholders;
use crate::model::check_key;
use crate::model::{prepare_save, Model};
use crate::ops::request::Request;

use super::conditions::{
    condition_error, entity_condition, live_condition, newer_schema, or_expired, past_expired,
    schema_condition, version_condition,
};
use super::send::send_request;
use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;

/// How a put may replace what is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PutMode {
    Create,
    Save,
}

/// The PutItem that `create` (`create = true`) or `save` sends for a prepared item.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let item = pet("1", "Beeba").to_item()?;
/// let r = dynomodel::ops::put_request::<Pet>(item, Some(0), true)?;
/// assert_eq!(r.condition.as_deref(), Some("attribute_not_exists(#n0)"));
/// # Ok::<(), Error>(())
/// ```
pub fn put_request<M: Model>(
    item: Item,
    expected_version: Option<u64>,
    create: bool,
) -> Result<Request> {
    put_request_if::<M>(item, expected_version, create, None)
}

/// [`put_request`] with a condition of the caller's besides.
pub(crate) fn put_request_if<M: Model>(
    item: Item,
    expected_version: Option<u64>,
    create: bool,
    extra: Option<&Condition<M>>,
) -> Result<Request> {
    put_request_of::<M>(item, expected_version, create, extra, false)
}

/// A save that rewrites an item as stored (a backfill's): made only where the item is still
/// there and live (not deleted, not past its TTL, since it was read).
pub(crate) fn rewrite_request<M: Model>(
    item: Item,
    expected_version: Option<u64>,
) -> Result<Request> {
    put_request_of::<M>(item, expected_version, false, None, true)
}

fn put_request_of<M: Model>(
    item: Item,
    expected_version: Option<u64>,
    create: bool,
    extra: Option<&Condition<M>>,
    rewrite: bool,
) -> Result<Request> {
    check_key::<M>(&item)?;
    let mut r = Request::new("PutItem", M::TABLE);
    let mut ph = Placeholders::default();
    let mut conditions: Vec<String> = match (create, M::VERSION, expected_version) {
        (true, _, _) => vec![create_condition::<M>(&mut ph)],
        // A new item (version 0) replaces one past its TTL, as a create does: every read
        // already tells that there is no item.
        (false, Some(version), Some(0)) => {
            let absent = version_condition(&mut ph, version, 0);
            vec![or_expired::<M>(&mut ph, absent)]
        }
        (false, Some(version), Some(v)) => vec![version_condition(&mut ph, version, v)],
        _ => Vec::new(),
    };
    if let Some(c) = extra {
        conditions.push(c.render(&mut ph)?);
    }
    // A condition that reads the stored item decides on a live one only (`past_expired`
    // sends the write again once an item past its TTL is gone).
    if rewrite {
        conditions.push(format!("attribute_exists({})", ph.name(M::HASH_KEY)));
    }
    let reads_stored =
        rewrite || extra.is_some() || (!create && expected_version.is_some_and(|v| v > 0));
    if reads_stored {
        conditions.extend(live_condition::<M>(&mut ph));
    }
    // A save in a shared table replaces only this model's item.
    if !create {
        conditions.extend(entity_condition::<M>(&mut ph));
    }
    // A save never replaces an item that a newer schema version stored, unless it is past
    // its TTL: every read already tells that there is no item.
    if let Some(schema) = schema_condition::<M>(&mut ph) {
        conditions.push(or_expired::<M>(&mut ph, schema));
    }
    if !conditions.is_empty() {
        r.condition = Some(conditions.join(" AND "));
        r.placeholders(ph);
    }
    r.item = Some(item);
    Ok(r)
}

/// A create's condition: no item under the key, or one past its TTL that DynamoDB has not
/// deleted yet (which every read already leaves out) of this model's entity.
fn create_condition<M: Model>(ph: &mut Placeholders) -> String {
    let absent = format!("attribute_not_exists({})", ph.name(M::HASH_KEY));
    or_expired::<M>(ph, absent)
}

pub(crate) async fn put<M: Model>(
    model: &mut M,
    db: &Db,
    mode: PutMode,
    condition: Option<&Condition<M>>,
) -> Result<()> {
    // The caller's struct keeps its version and timestamps unless the write succeeds.
    let managed = model.managed();
    let result = send_put(model, db, mode, condition).await;
    if result.is_err() {
        model.set_managed(managed);
    }
    result
}

async fn send_put<M: Model>(
    model: &mut M,
    db: &Db,
    mode: PutMode,
    condition: Option<&Condition<M>>,
) -> Result<()> {
    let plan = prepare_save(model).await?;
    let expected = plan.expected_version;
    let r = put_request_if::<M>(plan.item, expected, mode == PutMode::Create, condition)?;
    let table = db.table_name(M::TABLE);
    let sent = past_expired::<M, _, _, _>(db, &table, || {
        send_request::<PutItemFluentBuilder>(db.client(), &table, &r, |b| {
            // The stored item tells a failed condition of the caller's (or another entity's
            // item, or one past its TTL) from a version conflict; without any of them, it is
            // not worth its bytes.
            b.set_return_values_on_condition_check_failure(
                (condition.is_some()
                    || M::ENTITY.is_some()
                    || M::SCHEMA.is_some()
                    || M::TTL.is_some())
                .then_some(ReturnValuesOnConditionCheckFailure::AllOld),
            )
        })
    })
    .await?;
    let Err(stored) = sent else { return Ok(()) };
    // A save that met another entity's item under its key.
    if let (PutMode::Save, Some(e), Some(item)) = (mode, M::ENTITY, stored.as_ref()) {
        e.check(item)?;
    }
    // An item that a newer schema version stored.
    if let Some(e) = stored
        .as_ref()
        .and_then(|item| newer_schema::<M>(&table, item))
    {
        return Err(e);
    }
    Err(match (mode, expected, condition) {
        (PutMode::Create, _, None) => Error::AlreadyExists { table },
        (PutMode::Create, _, Some(_)) if stored.is_some() => Error::AlreadyExists { table },
        (PutMode::Save, Some(expected), None) => Error::VersionConflict { table, expected },
        _ => condition_error::<M>(table, stored, true, expected, &[]),
    })
}

/// The request of a create or save of `model`, after the save pipeline on a copy.
pub(crate) async fn dry_run<M: Model + Clone>(model: &M, create: bool) -> Result<Request> {
    let mut copy = model.clone();
    let plan = prepare_save(&mut copy).await?;
    put_request::<M>(plan.item, plan.expected_version, create)
}
