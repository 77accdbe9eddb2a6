//! What every operation on one item shares: the key check before a request, and the decode
//! (with the `after_load` hook) of an item that DynamoDB returned.
//! Layer: model.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::{Error, Result};
use crate::model::Model;

/// Checks a key made by `M::key(...)`: a template that refused a value, then the attributes.
pub(crate) fn check_key_of<M: Model>(key: &crate::model::Key<M>) -> Result<()> {
    if let Some(why) = key.error() {
        return Err(Error::InvalidRequest(format!(
            "the key of `{}`: {why}",
            M::TABLE
        )));
    }
    check_key::<M>(key.item())
}

/// Checks that every key attribute is present and not an empty string, before any request.
pub(crate) fn check_key<M: Model>(key: &Item) -> Result<()> {
    for name in std::iter::once(M::HASH_KEY).chain(M::RANGE_KEY) {
        match key.get(name) {
            None => {
                return Err(Error::InvalidRequest(format!(
                    "the key of `{}` lacks its key attribute `{name}`",
                    M::TABLE
                )))
            }
            Some(AttributeValue::S(s)) if s.is_empty() => {
                return Err(Error::InvalidRequest(format!(
                    "the key attribute `{name}` is an empty string, which DynamoDB does not allow"
                )))
            }
            Some(AttributeValue::B(b)) if b.as_ref().is_empty() => {
                return Err(Error::InvalidRequest(format!(
                    "the key attribute `{name}` is empty binary, which DynamoDB does not allow"
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether `item` has passed its TTL (`M::TTL`, epoch seconds) at `now`: DynamoDB deletes
/// such items only eventually (within days), and reads leave them out unless asked.
pub(crate) fn expired<M: Model>(item: &Item, now: std::time::SystemTime) -> bool {
    let Some(AttributeValue::N(n)) = M::TTL.and_then(|ttl| item.get(ttl)) else {
        return false;
    };
    let now = crate::model::managed::epoch_secs(now);
    n.parse::<i64>().is_ok_and(|at| at <= now)
}

/// Decodes an item read from DynamoDB and runs the `after_load` hook.
pub(crate) async fn load<M: Model>(item: &Item) -> Result<M> {
    let mut m = M::from_item(item)?;
    if M::HAS_HOOKS {
        m.run_after_load().await?;
    }
    Ok(m)
}
