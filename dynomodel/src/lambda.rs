//! DynamoDB Streams in a Lambda (feature `lambda`): stream records decoded into models.
//!
//! ```
//! use dynomodel::lambda::{changes, Change};
//! use dynomodel::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Model, Serialize, Deserialize, Debug)]
//! #[dynomodel(table = "pets")]
//! struct Pet {
//!     #[dynomodel(hash_key)]
//!     id: String,
//!     name: String,
//! }
//!
//! let event: aws_lambda_events::dynamodb::Event = serde_json::from_str(r#"{"Records": [{
//!     "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1",
//!     "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
//!     "dynamodb": {
//!         "Keys": {"id": {"S": "1"}},
//!         "NewImage": {"id": {"S": "1"}, "name": {"S": "Beeba"}},
//!         "SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"
//!     }
//! }]}"#).unwrap();
//! for change in changes::<Pet>(&event) {
//!     match change? {
//!         Change::Insert(pet) => assert_eq!(pet.name, "Beeba"),
//!         other => panic!("{other:?}"),
//!     }
//! }
//! # Ok::<(), dynomodel::Error>(())
//! ```
//!
//! Layer: edge, above `model` and `codec`; nothing else names it.

use aws_lambda_events::dynamodb::{Event, EventRecord};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::codec::Item;
use crate::error::{Error, Result};
use crate::model::{Collection, Document, Key, Model};

/// A stream image (`NewImage`, `OldImage`) as an item.
///
/// ```
/// use aws_sdk_dynamodb::types::AttributeValue;
/// let image: serde_dynamo::Item = serde_json::from_str(r#"{"id": {"S": "1"}, "age": {"N": "3"}}"#).unwrap();
/// let item = dynomodel::lambda::image_item(&image);
/// assert_eq!(item["age"], AttributeValue::N("3".into()));
/// ```
pub fn image_item(image: &serde_dynamo::Item) -> Item {
    image.clone().into()
}

/// Decodes a stream record's `NewImage` or `OldImage` into a document; every model has it
/// as `M::from_stream_image`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// let image: serde_dynamo::Item = serde_json::from_str(
///     r#"{"id": {"S": "1"}, "name": {"S": "Rex"}, "owner": {"S": "ann"}, "version": {"N": "1"}}"#,
/// ).unwrap();
/// let p: Pet = Pet::from_stream_image(&image)?;
/// assert_eq!((p.name.as_str(), p.age), ("Rex", 0));
/// let bad: serde_dynamo::Item = serde_json::from_str(r#"{"id": {"S": "1"}}"#).unwrap();
/// assert!(matches!(Pet::from_stream_image(&bad), Err(Error::Decode { path, .. }) if path == "name"));
/// # Ok::<(), Error>(())
/// ```
pub fn from_stream_image<D: Document>(image: &serde_dynamo::Item) -> Result<D> {
    D::from_item(&image_item(image))
}

/// One change that a stream record reports.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::lambda::{change, Change};
/// # fn record(name: &str, new: &str, old: &str) -> aws_lambda_events::dynamodb::EventRecord {
/// #     serde_json::from_str(&format!(r#"{{
/// #         "eventID": "1", "eventName": "{name}", "eventVersion": "1.1",
/// #         "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
/// #         "dynamodb": {{"Keys": {{"id": {{"S": "1"}}}}, "NewImage": {new}, "OldImage": {old},
/// #             "SequenceNumber": "1", "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
/// #     }}"#)).unwrap()
/// # }
/// let r = record("MODIFY",
///     r#"{"id": {"S": "1"}, "name": {"S": "Rex"}, "owner": {"S": "ann"}, "version": {"N": "1"}, "age": {"N": "4"}}"#,
///     r#"{"id": {"S": "1"}, "name": {"S": "Rex"}, "owner": {"S": "ann"}, "version": {"N": "1"}, "age": {"N": "3"}}"#);
/// match change::<Pet>(&r)? {
///     Change::Modify { old: Some(old), new } => assert_eq!((old.age, new.age), (3, 4)),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Change<M> {
    /// A new item (`INSERT`).
    Insert(M),
    /// A changed item (`MODIFY`); `old` where the stream view type carries old images.
    Modify {
        /// The item before the change.
        old: Option<M>,
        /// The item after the change.
        new: M,
    },
    /// A deleted item (`REMOVE`): the old image where the stream carries it, else only the key.
    Remove {
        /// The item before it was deleted.
        old: Option<M>,
        /// Its key.
        key: Key<M>,
    },
}

fn image<M: Document>(image: &serde_dynamo::Item, what: &str) -> Result<Option<M>> {
    let item = image_item(image);
    if item.is_empty() {
        return Ok(None);
    }
    crate::model::stored::decode::<M>(&item)
        .map(Some)
        .map_err(|e| match e {
            Error::Decode { path, message } => Error::Decode {
                path,
                message: format!("{message} (in the stream record's {what})"),
            },
            other => other,
        })
}

/// The change that one stream record reports, decoded into `M`. A record without the image
/// that its event needs (a `KEYS_ONLY` stream) is `InvalidRequest`; an image that does not fit
/// the model is `Decode` naming the attribute and the image.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::lambda::{change, Change};
/// # fn record(name: &str, new: &str, old: &str) -> aws_lambda_events::dynamodb::EventRecord {
/// #     serde_json::from_str(&format!(r#"{{
/// #         "eventID": "1", "eventName": "{name}", "eventVersion": "1.1",
/// #         "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
/// #         "dynamodb": {{"Keys": {{"id": {{"S": "1"}}}}, "NewImage": {new}, "OldImage": {old},
/// #             "SequenceNumber": "1", "SizeBytes": 1, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
/// #     }}"#)).unwrap()
/// # }
/// let removed = record("REMOVE", "{}", r#"{"id": {"S": "1"}, "name": {"S": "Rex"}, "owner": {"S": "ann"}, "version": {"N": "1"}}"#);
/// match change::<Pet>(&removed)? {
///     Change::Remove { old, key } => {
///         assert_eq!(key, Pet::key("1"));
///         assert_eq!(old.map(|p| p.name).as_deref(), Some("Rex"));
///     }
///     other => panic!("{other:?}"),
/// }
/// let keys_only = record("INSERT", "{}", "{}");
/// assert!(matches!(change::<Pet>(&keys_only), Err(Error::InvalidRequest(_))));
/// # Ok::<(), Error>(())
/// ```
pub fn change<M: Model>(record: &EventRecord) -> Result<Change<M>> {
    let old = image::<M>(&record.change.old_image, "OldImage")?;
    let new = image::<M>(&record.change.new_image, "NewImage")?;
    let missing_new = || {
        Error::InvalidRequest(format!(
            "the {} record has no NewImage: give the stream the NEW_IMAGE or NEW_AND_OLD_IMAGES view type",
            record.event_name
        ))
    };
    match record.event_name.as_str() {
        "INSERT" => new.map(Change::Insert).ok_or_else(missing_new),
        "MODIFY" => Ok(Change::Modify {
            old,
            new: new.ok_or_else(missing_new)?,
        }),
        "REMOVE" => Ok(Change::Remove {
            old,
            key: Key::from_item(image_item(&record.change.keys)),
        }),
        other => Err(Error::InvalidRequest(format!(
            "unknown stream event name `{other}`"
        ))),
    }
}

/// Every change of a stream event, in order; one decoding error does not hide the others.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::lambda::{changes, Change};
/// let event: aws_lambda_events::dynamodb::Event = serde_json::from_str(r#"{"Records": [
///     {"eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
///      "awsRegion": "us-east-1", "dynamodb": {"Keys": {"id": {"S": "1"}},
///      "NewImage": {"id": {"S": "1"}, "name": {"N": "7"}, "owner": {"S": "ann"}, "version": {"N": "1"}},
///      "SequenceNumber": "1", "SizeBytes": 1, "StreamViewType": "NEW_IMAGE"}},
///     {"eventID": "2", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
///      "awsRegion": "us-east-1", "dynamodb": {"Keys": {"id": {"S": "2"}},
///      "NewImage": {"id": {"S": "2"}, "name": {"S": "Tom"}, "owner": {"S": "ann"}, "version": {"N": "1"}},
///      "SequenceNumber": "2", "SizeBytes": 1, "StreamViewType": "NEW_IMAGE"}}
/// ]}"#).unwrap();
/// let all: Vec<Result<Change<Pet>>> = changes(&event).collect();
/// assert!(matches!(&all[0], Err(Error::Decode { path, .. }) if path == "name"));
/// assert!(matches!(&all[1], Ok(Change::Insert(p)) if p.name == "Tom"));
/// ```
pub fn changes<M: Model>(event: &Event) -> impl Iterator<Item = Result<Change<M>>> + '_ {
    event.records.iter().map(change::<M>)
}

/// The answer of a stream Lambda whose event source mapping has `ReportBatchItemFailures`:
/// the records to deliver again. Lambda retries from the first one listed, so the records
/// before it count as done and are not delivered again.
///
/// ```
/// use dynomodel::lambda::BatchItemFailures;
/// let none = BatchItemFailures::default();
/// assert_eq!(serde_json::to_string(&none).unwrap(), r#"{"batchItemFailures":[]}"#);
/// let one = BatchItemFailures::from_sequence_number("42");
/// assert_eq!(
///     serde_json::to_string(&one).unwrap(),
///     r#"{"batchItemFailures":[{"itemIdentifier":"42"}]}"#
/// );
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemFailures {
    /// The records to deliver again, by sequence number.
    pub batch_item_failures: Vec<ItemFailure>,
}

/// One record to deliver again.
///
/// ```
/// let f = dynomodel::lambda::ItemFailure { item_identifier: "42".into() };
/// assert_eq!(f.item_identifier, "42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFailure {
    /// The record's sequence number.
    pub item_identifier: String,
}

impl BatchItemFailures {
    /// The answer that asks for the record with this sequence number, and those after it.
    ///
    /// ```
    /// let f = dynomodel::lambda::BatchItemFailures::from_sequence_number("7");
    /// assert_eq!(f.batch_item_failures.len(), 1);
    /// ```
    pub fn from_sequence_number(sequence_number: impl Into<String>) -> Self {
        BatchItemFailures {
            batch_item_failures: vec![ItemFailure {
                item_identifier: sequence_number.into(),
            }],
        }
    }

    /// Whether every record was handled.
    ///
    /// ```
    /// assert!(dynomodel::lambda::BatchItemFailures::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.batch_item_failures.is_empty()
    }
}

/// Handles each change of `event` in order with `handle`, which gets the record's sequence
/// number beside the change (for an idempotent write, say). At the first record that does
/// not decode or whose handling fails, it stops: the answer lists that record, so that
/// Lambda delivers it and those after it again, and the records before it are not repeated.
/// The error comes back beside the answer, to be logged. For a model in a shared table, the
/// records of other entities are skipped (see [`for_each_table_change`] to handle them all).
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::{pet, Pet};
/// use dynomodel::lambda::{for_each_change, Change};
/// let event: aws_lambda_events::dynamodb::Event = serde_json::from_str(r#"{"Records": [
///     {"eventID": "1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
///      "awsRegion": "us-east-1", "dynamodb": {"Keys": {"id": {"S": "1"}},
///      "NewImage": {"id": {"S": "1"}, "name": {"S": "Tom"}, "owner": {"S": "ann"}, "version": {"N": "1"}},
///      "SequenceNumber": "11", "SizeBytes": 1, "StreamViewType": "NEW_IMAGE"}},
///     {"eventID": "2", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
///      "awsRegion": "us-east-1", "dynamodb": {"Keys": {"id": {"S": "2"}},
///      "NewImage": {"id": {"S": "2"}, "name": {"N": "7"}, "owner": {"S": "ann"}, "version": {"N": "1"}},
///      "SequenceNumber": "12", "SizeBytes": 1, "StreamViewType": "NEW_IMAGE"}}
/// ]}"#).unwrap();
/// # futures::executor::block_on(async {
/// let mut seen = Vec::new();
/// let (answer, error) = for_each_change::<Pet, _, _>(&event, |change, seq| {
///     seen.push(seq.to_owned());
///     async move { Ok(()) }
/// }).await;
/// assert_eq!(seen, ["11"]);
/// assert_eq!(answer, dynomodel::lambda::BatchItemFailures::from_sequence_number("12"));
/// assert!(matches!(error, Some(Error::Decode { .. })));
/// # });
/// ```
pub async fn for_each_change<M, F, Fut>(
    event: &Event,
    handle: F,
) -> (BatchItemFailures, Option<Error>)
where
    M: Model,
    F: FnMut(Change<M>, &str) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    // In a shared table the stream holds every entity's records: another entity's record
    // (or an untagged one that the model does not adopt) is not this handler's, and must not
    // hold the stream up. The read policy decides, as it does for every read.
    let policy = crate::model::stored::ReadPolicy::of::<M>(true);
    let foreign = |record: &EventRecord| {
        M::ENTITY.is_some()
            && [&record.change.new_image, &record.change.old_image]
                .into_iter()
                .find(|image| !image.is_empty())
                .is_some_and(|image| {
                    let verdict = policy.verdict(&image_item(image), std::time::SystemTime::now());
                    matches!(verdict, crate::model::stored::Verdict::Foreign(_))
                })
    };
    each_record(
        event,
        |record| match foreign(record) {
            true => Ok(None),
            false => change::<M>(record).map(Some),
        },
        handle,
    )
    .await
}

/// Runs `handle` on each record that `decode` gives, in order; the first failure (of the
/// decode or the handler) ends the batch, reported at its record.
async fn each_record<T, F, Fut>(
    event: &Event,
    mut decode: impl FnMut(&EventRecord) -> Result<Option<T>>,
    mut handle: F,
) -> (BatchItemFailures, Option<Error>)
where
    F: FnMut(T, &str) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    for record in &event.records {
        let sequence = record.change.sequence_number.clone().unwrap_or_default();
        let result = match decode(record) {
            Ok(Some(c)) => handle(c, &sequence).await,
            Ok(None) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            return (BatchItemFailures::from_sequence_number(sequence), Some(e));
        }
    }
    (BatchItemFailures::default(), None)
}

/// The entity that a record's images name in the entity attribute `attr` (the new image's,
/// else the old one's).
fn entity_of(record: &EventRecord, attr: &str) -> Option<String> {
    [&record.change.new_image, &record.change.old_image]
        .into_iter()
        .find_map(|image| match image.get(attr) {
            Some(serde_dynamo::AttributeValue::S(s)) => Some(s.clone()),
            _ => None,
        })
}

/// What a handler of a whole table's stream does with a record of an entity that is not a
/// member of its collection.
///
/// ```
/// assert_eq!(dynomodel::lambda::Others::default(), dynomodel::lambda::Others::Skip);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Others {
    /// Leave it out: the handler never sees it.
    #[default]
    Skip,
    /// Give it to the handler as [`TableChange::Other`].
    Report,
}

/// One change of a shared table's stream, as the member of collection `C` that the record's
/// entity attribute names.
///
/// ```
/// # use dynomodel::doc_support::single::{customer, CustomerView};
/// use dynomodel::lambda::TableChange;
/// let c = TableChange::Insert(CustomerView::Customer(customer("c1")));
/// assert!(matches!(c, TableChange::Insert(CustomerView::Customer(_))));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum TableChange<C> {
    /// A new item (`INSERT`).
    Insert(C),
    /// A changed item (`MODIFY`).
    Modify {
        /// The item before the change, where the stream carries old images.
        old: Option<C>,
        /// The item after the change.
        new: C,
        /// The attribute names of the member's fields whose stored values changed (all of
        /// them where there is no old image).
        changed: Vec<&'static str>,
    },
    /// A deleted item (`REMOVE`): the old image where the stream carries it.
    Remove {
        /// The item before it was deleted.
        old: Option<C>,
        /// Its table key.
        key: Item,
    },
    /// A record of an entity that is not a member, or of an item without the entity
    /// attribute (with [`Others::Report`]).
    Other {
        /// The entity that the record names, if it names one.
        entity: Option<String>,
        /// `INSERT`, `MODIFY` or `REMOVE`.
        event: String,
        /// The item's table key.
        key: Item,
    },
}

/// The change that one record of a shared table's stream reports, as a member of `C`; the
/// record of an entity that is not a member is [`TableChange::Other`], never an error. A
/// member's image that does not decode is `Decode`; a record without the image that its
/// event needs is `InvalidRequest`.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{customer, CustomerView};
/// use dynomodel::lambda::{table_change, TableChange};
/// let new = serde_json::to_value(serde_dynamo::Item::from(customer("c1").to_item()?)).unwrap();
/// let record: aws_lambda_events::dynamodb::EventRecord = serde_json::from_value(serde_json::json!({
///     "eventID": "1", "eventName": "INSERT", "eventVersion": "1.1",
///     "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
///     "dynamodb": {"Keys": {}, "NewImage": new, "SequenceNumber": "1", "SizeBytes": 1,
///                  "StreamViewType": "NEW_AND_OLD_IMAGES"}
/// })).unwrap();
/// assert!(matches!(table_change::<CustomerView>(&record)?, TableChange::Insert(CustomerView::Customer(_))));
/// # Ok::<(), Error>(())
/// ```
pub fn table_change<C: Collection>(record: &EventRecord) -> Result<TableChange<C>> {
    let key = image_item(&record.change.keys);
    let entity = entity_of(record, C::ENTITY_ATTR);
    if !entity.as_deref().is_some_and(|e| C::MEMBERS.contains(&e)) {
        return Ok(TableChange::Other {
            entity,
            event: record.event_name.clone(),
            key,
        });
    }
    let decode = |image: &serde_dynamo::Item, what: &str| -> Result<Option<(C, Item)>> {
        let item = image_item(image);
        if item.is_empty() {
            return Ok(None);
        }
        match C::from_item(&item) {
            Ok(c) => Ok(Some((c, item))),
            Err(Error::Decode { path, message }) => Err(Error::Decode {
                path,
                message: format!("{message} (in the stream record's {what})"),
            }),
            Err(other) => Err(other),
        }
    };
    // An old image of another entity (a member's item written over it) is no member's
    // former item: the change carries none, rather than stopping the stream on it.
    let old_is_member = match record.change.old_image.get(C::ENTITY_ATTR) {
        Some(serde_dynamo::AttributeValue::S(e)) => C::MEMBERS.contains(&e.as_str()),
        _ => false,
    };
    let old = match old_is_member {
        true => decode(&record.change.old_image, "OldImage")?,
        false => None,
    };
    let new = decode(&record.change.new_image, "NewImage")?;
    let missing_new = || {
        Error::InvalidRequest(format!(
            "the {} record has no NewImage: give the stream the NEW_IMAGE or NEW_AND_OLD_IMAGES view type",
            record.event_name
        ))
    };
    match record.event_name.as_str() {
        "INSERT" => new
            .map(|(c, _)| TableChange::Insert(c))
            .ok_or_else(missing_new),
        "MODIFY" => {
            let (new, new_item) = new.ok_or_else(missing_new)?;
            let changed =
                changed_attributes(new.attributes(), old.as_ref().map(|(_, i)| i), &new_item);
            Ok(TableChange::Modify {
                old: old.map(|(c, _)| c),
                new,
                changed,
            })
        }
        "REMOVE" => Ok(TableChange::Remove {
            old: old.map(|(c, _)| c),
            key,
        }),
        other => Err(Error::InvalidRequest(format!(
            "unknown stream event name `{other}`"
        ))),
    }
}

/// The attributes of `names` whose values differ between the two images (numbers as
/// DynamoDB compares them); every one where there is no old image.
fn changed_attributes(
    names: &'static [&'static str],
    old: Option<&Item>,
    new: &Item,
) -> Vec<&'static str> {
    let same = |a: Option<&AttributeValue>, b: Option<&AttributeValue>| match (a, b) {
        (Some(AttributeValue::N(x)), Some(AttributeValue::N(y))) => {
            crate::codec::canonical_number(x) == crate::codec::canonical_number(y)
        }
        (a, b) => a == b,
    };
    names
        .iter()
        .copied()
        .filter(|n| old.is_none_or(|old| !same(old.get(*n), new.get(*n))))
        .collect()
}

/// Handles each change of a whole shared table's stream in order, as members of `C`: the
/// records of entities that are not members are skipped or given to `handle` as
/// [`TableChange::Other`], as `others` says, and never stop the stream. At the first member's
/// record that does not decode, or whose handling fails, it stops, as
/// [`for_each_change`] does: the answer lists that record, and the error comes back beside it.
///
/// ```
/// # use dynomodel::prelude::*;
/// # use dynomodel::doc_support::single::{customer, CustomerView};
/// use dynomodel::lambda::{for_each_table_change, Others, TableChange};
/// let image = |item: dynomodel::Item| serde_json::to_value(serde_dynamo::Item::from(item)).unwrap();
/// let record = |seq: &str, new: serde_json::Value| serde_json::json!({
///     "eventID": seq, "eventName": "INSERT", "eventVersion": "1.1",
///     "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
///     "dynamodb": {"Keys": {}, "NewImage": new, "SequenceNumber": seq, "SizeBytes": 1,
///                  "StreamViewType": "NEW_AND_OLD_IMAGES"}
/// });
/// let event: aws_lambda_events::dynamodb::Event = serde_json::from_value(serde_json::json!({"Records": [
///     record("1", serde_json::json!({"pk": {"S": "X"}, "_et": {"S": "invoice"}})),
///     record("2", image(customer("c1").to_item()?)),
/// ]})).unwrap();
/// # futures::executor::block_on(async {
/// let mut seen = Vec::new();
/// let (answer, error) = for_each_table_change::<CustomerView, _, _>(&event, Others::Skip, |change, seq| {
///     seen.push((seq.to_owned(), matches!(change, TableChange::Insert(CustomerView::Customer(_)))));
///     async { Ok(()) }
/// }).await;
/// assert!(answer.is_empty() && error.is_none());
/// assert_eq!(seen, [("2".to_owned(), true)]);
/// # });
/// # Ok::<(), Error>(())
/// ```
pub async fn for_each_table_change<C, F, Fut>(
    event: &Event,
    others: Others,
    handle: F,
) -> (BatchItemFailures, Option<Error>)
where
    C: Collection,
    F: FnMut(TableChange<C>, &str) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    each_record(
        event,
        |record| match table_change::<C>(record) {
            Ok(TableChange::Other { .. }) if others == Others::Skip => Ok(None),
            other => other.map(Some),
        },
        handle,
    )
    .await
}
