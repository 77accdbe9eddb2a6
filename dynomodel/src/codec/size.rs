//! Item sizes as DynamoDB counts them, and its 400 KB limit.
//! Layer: codec.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};

use super::*;

/// DynamoDB's limit on the size of one item: a save of a bigger item is
/// [`Error::ItemTooLarge`] before anything is sent.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let mut p = pet("1", "Rex");
/// p.meta.insert("photo".into(), "x".repeat(dynomodel::codec::MAX_ITEM_SIZE));
/// # futures::executor::block_on(async {
/// let err = dynomodel::model::prepare_save(&mut p).await.unwrap_err();
/// assert!(matches!(err, Error::ItemTooLarge { .. }));
/// # });
/// ```
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The size of an item as DynamoDB counts it: attribute names and values, in bytes.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let item = pet("1", "Rex").to_item()?;
/// assert!(dynomodel::codec::item_size(&item) < dynomodel::codec::MAX_ITEM_SIZE);
/// # Ok::<(), Error>(())
/// ```
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(k, v)| k.len().saturating_add(value_size(v)))
        .fold(0, usize::saturating_add)
}

/// Sizes saturate: an item near `usize::MAX` bytes is over the limit all the same.
pub(crate) fn value_size(v: &AttributeValue) -> usize {
    let sum = |sizes: &mut dyn Iterator<Item = usize>| sizes.fold(0, usize::saturating_add);
    match v {
        AttributeValue::S(s) => s.len(),
        // Numbers take about one byte per two significant digits, plus one.
        AttributeValue::N(n) => n
            .trim_start_matches(['-', '0'])
            .len()
            .div_ceil(2)
            .saturating_add(1),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(l) => {
            sum(&mut l.iter().map(|v| value_size(v).saturating_add(1))).saturating_add(3)
        }
        AttributeValue::M(m) => {
            let entries = m
                .iter()
                .map(|(k, v)| k.len().saturating_add(value_size(v)).saturating_add(1));
            sum(&mut { entries }).saturating_add(3)
        }
        AttributeValue::Ss(v) => sum(&mut v.iter().map(String::len)),
        AttributeValue::Ns(v) => sum(&mut v.iter().map(|n| n.len().div_ceil(2).saturating_add(1))),
        AttributeValue::Bs(v) => sum(&mut v.iter().map(|b| b.as_ref().len())),
        _ => 0,
    }
}

/// `Error::ItemTooLarge` for an item over DynamoDB's 400 KB, before any request.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let mut p = pet("1", "Rex");
/// p.owner = "x".repeat(500 * 1024);
/// let item = p.to_item()?;
/// assert!(dynomodel::codec::check_item_size(&item).is_err());
/// # Ok::<(), Error>(())
/// ```
pub fn check_item_size(item: &Item) -> Result<()> {
    let size = item_size(item);
    if size > MAX_ITEM_SIZE {
        Err(Error::ItemTooLarge { size })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::check_number;

    #[test]
    fn numbers_at_dynamodb_limits() {
        for ok in [
            "0",
            "-0.000",
            "1e125",
            "9.9e125",
            "1e-130",
            "12300000000000000000000000000000000000000",
            &"9".repeat(38),
        ] {
            assert!(check_number(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1e126",
            "1e-131",
            &"9".repeat(39),
            "0.000000000000000000000000000000000000000123456789012345678901234567890123456789",
        ] {
            assert!(check_number(bad).is_err(), "{bad}");
        }
    }
}
