//! What the item writes (put, update, delete) share about their conditions: the version
//! condition they add, and which condition failed, read from the item that DynamoDB returns
//! with the failure.
//! Layer: ops.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::Error;
use crate::expr::guard::{self, Guard};
use crate::expr::Placeholders;
use crate::model::upgrade::{stored_version, version_attr};
use crate::model::Model;

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
