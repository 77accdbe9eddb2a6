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

use crate::codec::Item;
use crate::error::{Error, Result};
use crate::model::{Document, Key, Model};

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
/// The error comes back beside the answer, to be logged.
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
    mut handle: F,
) -> (BatchItemFailures, Option<Error>)
where
    M: Model,
    F: FnMut(Change<M>, &str) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    for record in &event.records {
        let sequence = record.change.sequence_number.clone().unwrap_or_default();
        let result = match change::<M>(record) {
            Ok(c) => handle(c, &sequence).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            return (BatchItemFailures::from_sequence_number(sequence), Some(e));
        }
    }
    (BatchItemFailures::default(), None)
}
