//! What the item writes (put, update, delete) share about their conditions: the version
//! condition they add, how they treat an item past its TTL (as every read does: as no item),
//! and which condition failed, read from the item that DynamoDB returns with the failure.
//! Layer: ops.

use std::future::Future;

use aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::expr::guard::{self, Guard};
use crate::expr::Placeholders;
use crate::model::stored::{key_of, ReadPolicy, Verdict};
use crate::model::upgrade::{stored_version, version_attr};
use crate::model::Model;
use crate::ops::request::Request;
use crate::ops::send::send_request;

/// The condition that the stored item is at version `v`. Version 0 is an item never saved
/// with a version: there is no item, or it has no version attribute (written before the model
/// had one, or by other code).
pub(crate) fn version_condition(ph: &mut Placeholders, attribute: &str, v: u64) -> String {
    let n = ph.name(attribute);
    if v == 0 {
        format!("attribute_not_exists({n})")
    } else {
        format!("{n} = {}", ph.value(AttributeValue::N(v.to_string())))
    }
}

/// For a model in a shared table: the item under the key, where there is one, is this
/// model's (or has no entity attribute, where the model adopts untagged items).
pub(crate) fn entity_condition<M: Model>(ph: &mut Placeholders) -> Option<String> {
    let e = M::ENTITY?;
    let absent = match e.adopts_untagged {
        true => ph.name(e.attr),
        false => ph.name(M::HASH_KEY),
    };
    let attr = ph.name(e.attr);
    let name = ph.value(AttributeValue::S(e.name.to_owned()));
    Some(format!(
        "(attribute_not_exists({absent}) OR {attr} = {name})"
    ))
}

/// For a model that declares a schema version: the item under the key, where there is one,
/// was not stored by a newer version (whose attributes a write of this model would lose).
pub(crate) fn schema_condition<M: Model>(ph: &mut Placeholders) -> Option<String> {
    let (attr, version) = version_attr::<M>()?;
    let (attr, version) = (ph.name(attr), ph.value(version));
    Some(format!(
        "(attribute_not_exists({attr}) OR {attr} <= {version})"
    ))
}

/// The stored item is past its TTL and this model's, as the read policy decides (an untagged
/// item too, where the model adopts them); `None` for a model without a TTL.
pub(crate) fn expired_condition<M: Model>(ph: &mut Placeholders) -> Option<String> {
    let ttl = M::TTL?;
    // The time of sending: a request built before it is sent decides then.
    let mut expired = format!("{} <= {}", ph.name(ttl), ph.now());
    if let Some(e) = M::ENTITY {
        let (attr, name) = (
            ph.name(e.attr),
            ph.value(AttributeValue::S(e.name.to_owned())),
        );
        expired = match e.adopts_untagged {
            true => format!("{expired} AND ({attr} = {name} OR attribute_not_exists({attr}))"),
            false => format!("{expired} AND {attr} = {name}"),
        };
    }
    Some(expired)
}

/// `condition`, or the stored item is past its TTL (which every read already leaves out): for
/// the conditions that hold where there is no item, so that one request does what a write to
/// no item would.
pub(crate) fn or_expired<M: Model>(ph: &mut Placeholders, condition: String) -> String {
    match expired_condition::<M>(ph) {
        Some(expired) => format!("({condition} OR ({expired}))"),
        None => condition,
    }
}

/// The stored item, where there is one, is not past its TTL: a write whose conditions read
/// the stored item, or that changes it in place (an update), decides on a live item only.
/// Where this fails, [`past_expired`] deletes the expired item and sends the write again, so
/// that it meets no item, as every read would have told it.
pub(crate) fn live_condition<M: Model>(ph: &mut Placeholders) -> Option<String> {
    expired_condition::<M>(ph).map(|expired| format!("NOT ({expired})"))
}

/// Whether `stored` is past its TTL, as every read decides (`get` answers `None` for it).
pub(crate) fn is_expired<M: Model>(stored: &Item) -> bool {
    M::TTL.is_some()
        && ReadPolicy::of::<M>(false).verdict(stored, std::time::SystemTime::now())
            == Verdict::Expired
}

/// Sends a conditional write of `M` (`send`, answering the item stored under the key where
/// its condition failed) and, where the condition failed on an item past its TTL that
/// DynamoDB has not deleted yet, deletes that item (only while it is still past its TTL, as
/// DynamoDB itself would) and sends the write again: a write decides about such an item as
/// every read does, as no item. Never more than three sends; where the last still meets an
/// expired item, the refusal is answered as one over no item.
pub(crate) async fn past_expired<M, T, F, Fut>(
    db: &Db,
    table: &str,
    send: F,
) -> Result<std::result::Result<T, Option<Item>>>
where
    M: Model,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<std::result::Result<T, Option<Item>>>>,
{
    let mut answer = send().await?;
    for _ in 1..3 {
        match &answer {
            Err(Some(stored)) if is_expired::<M>(stored) => {
                clear_expired::<M>(db, table, stored).await?;
                answer = send().await?;
            }
            _ => break,
        }
    }
    // Still an expired item after the last send (a writer keeps storing one): the refusal
    // names no item, since every read says there is none.
    Ok(match answer {
        Err(Some(stored)) if is_expired::<M>(&stored) => Err(None),
        other => other,
    })
}

/// Deletes the item under the key of `stored` while it is past its TTL (a failed condition
/// means that it is not anymore: a write since made it live, and the write is sent again).
async fn clear_expired<M: Model>(db: &Db, table: &str, stored: &Item) -> Result<()> {
    clear_expired_at(db, &Expiry::of::<M>(), M::TABLE, table, key_of::<M>(stored)).await
}

/// How a write tells that the item it met is past its TTL, and deletes it, without its model's
/// type: what a transaction keeps of each action's model.
#[derive(Clone, Copy)]
pub(crate) struct Expiry {
    pub(crate) is_expired: fn(&Item) -> bool,
    condition: fn(&mut Placeholders) -> Option<String>,
}

impl Expiry {
    /// Whether the model has a TTL at all.
    pub(crate) fn applies(&self) -> bool {
        (self.condition)(&mut Placeholders::default()).is_some()
    }

    pub(crate) fn of<M: Model>() -> Self {
        Expiry {
            is_expired: is_expired::<M>,
            condition: expired_condition::<M>,
        }
    }
}

/// [`clear_expired`] of the item under `key` of table `name` (`table` with the `Db`'s prefix).
pub(crate) async fn clear_expired_at(
    db: &Db,
    expiry: &Expiry,
    name: &'static str,
    table: &str,
    key: Item,
) -> Result<()> {
    let mut ph = Placeholders::default();
    let Some(expired) = (expiry.condition)(&mut ph) else {
        return Ok(());
    };
    let mut r = Request::new("DeleteItem", name);
    r.key = Some(key);
    r.condition = Some(expired);
    r.placeholders(ph);
    send_request::<DeleteItemFluentBuilder>(db.client(), table, &r, |b| b)
        .await
        .map(|_| ())
}

/// A stored item that a newer schema version than `M`'s wrote: the error of a write refused
/// for it.
pub(crate) fn newer_schema<M: Model>(table: &str, item: &Item) -> Option<Error> {
    let model = M::SCHEMA?.version;
    match stored_version(item) {
        Ok(stored) if stored > model => Some(Error::NewerSchema {
            table: table.to_owned(),
            stored,
            model,
        }),
        _ => None,
    }
}

/// Which condition failed, from the item that DynamoDB returned with the failure.
pub(crate) fn condition_error<M: Model>(
    table: String,
    stored: Option<Item>,
    upsert: bool,
    expected_version: Option<u64>,
    guards: &[Guard],
) -> Error {
    match stored {
        None if !upsert => Error::NotFound { table },
        Some(item) => {
            if let Some(Err(e)) = M::ENTITY.map(|e| e.check(&item)) {
                return e;
            }
            if let Some(e) = newer_schema::<M>(&table, &item) {
                return e;
            }
            if let (Some(version), Some(expected)) = (M::VERSION, expected_version) {
                // No version attribute: version 0.
                let stored_version = match item.get(version) {
                    None => Some(0),
                    Some(v) => v.as_n().ok().and_then(|n| n.parse::<u64>().ok()),
                };
                if stored_version != Some(expected) {
                    return Error::VersionConflict { table, expected };
                }
            }
            if let Some(errors) = guard::failures(guards, &item) {
                return Error::Validation(errors);
            }
            Error::ConditionFailed {
                table,
                item: Some(Box::new(item)),
            }
        }
        None => Error::ConditionFailed { table, item: None },
    }
}
