//! The one save pipeline that every write runs: defaults, transforms, hook, validation,
//! version and timestamps, encoding.
//! Layer: model.

use crate::codec::Item;
use crate::error::{Error, Result, ValidationErrors};

use super::*;

/// What a save sends: the encoded item, and the version that the stored item must still
/// have (for a versioned model).
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # futures::executor::block_on(async {
/// let mut p = pet("1", "Rex");
/// p.version = 4;
/// let plan = dynomodel::model::prepare_save(&mut p).await?;
/// assert_eq!(plan.expected_version, Some(4));
/// assert_eq!(plan.item["version"], aws_sdk_dynamodb::types::AttributeValue::N("5".into()));
/// assert_eq!(plan.size, dynomodel::codec::item_size(&plan.item));
/// # Ok::<(), Error>(()) })?;
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SavePlan {
    /// The item to write.
    pub item: Item,
    /// The version read before this save (0: the item must not exist yet), for a model with
    /// a `version`.
    pub expected_version: Option<u64>,
    /// The item's size as DynamoDB counts it.
    pub size: usize,
}

/// The save pipeline, in Dynamoose's order: defaults, `set` transforms, the `before_save`
/// hook, validation (every failure collected), timestamps and version, then encoding.
///
/// The model is changed in place, so that the caller sees what the save decided. Nothing is
/// sent: an error here means nothing was written.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// # futures::executor::block_on(async {
/// let mut p = pet("1", "  Rex ");
/// let plan = dynomodel::model::prepare_save(&mut p).await?;
/// assert_eq!(p.name, "Rex");
/// assert_eq!(plan.expected_version, Some(0));
/// assert_eq!(p.version, 1);
/// # Ok::<(), Error>(()) })?;
/// # Ok::<(), Error>(())
/// ```
pub async fn prepare_save<M: Model>(model: &mut M) -> Result<SavePlan> {
    model.apply_defaults();
    model.apply_set_transforms();
    if M::HAS_HOOKS {
        model.run_before_save().await?;
    }
    model.validate()?;
    let managed = model.managed();
    let plan = stamp_and_encode(model);
    if plan.is_err() {
        model.set_managed(managed);
    }
    plan
}

/// The version and timestamps of this save, then the item.
fn stamp_and_encode<M: Model>(model: &mut M) -> Result<SavePlan> {
    let expected_version = model.version()?;
    if let Some(v) = expected_version {
        let next = v.checked_add(1).ok_or_else(|| {
            version_error(
                M::VERSION.unwrap_or_default(),
                format!("is {v}, the largest version: it cannot be incremented"),
            )
        })?;
        model.set_version(next)?;
    }
    model.touch(std::time::SystemTime::now());
    let item = model.to_item()?;
    super::check_index_values::<M>(&item)?;
    let size = crate::codec::item_size(&item);
    if size > crate::codec::MAX_ITEM_SIZE {
        return Err(Error::ItemTooLarge { size });
    }
    Ok(SavePlan {
        item,
        expected_version,
        size,
    })
}

/// The error of a `version` field that cannot be read or moved on: a `Validation` error on
/// the field, with the rule `version`.
#[doc(hidden)]
pub fn version_error(attribute: &str, message: String) -> Error {
    let mut errors = ValidationErrors::default();
    errors.push(attribute.to_owned(), "version", message);
    Error::Validation(errors)
}
