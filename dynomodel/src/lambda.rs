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

use aws_lambda_events::dynamodb::{Event, EventRecord};

use crate::codec::Item;
use crate::error::{Error, Result};
use crate::model::{Document, Key, Model};

/// A stream image (`NewImage`, `OldImage`) as an item.
pub fn image_item(image: &serde_dynamo::Item) -> Item {
    image.clone().into()
}

/// Decodes a stream record's `NewImage` or `OldImage` into a document.
pub fn from_stream_image<D: Document>(image: &serde_dynamo::Item) -> Result<D> {
    D::from_item(&image_item(image))
}

/// One change that a stream record reports.
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
    M::from_item(&item).map(Some).map_err(|e| match e {
        Error::Decode { path, message } => Error::Decode {
            path,
            message: format!("{message} (in the stream record's {what})"),
        },
        other => other,
    })
}

/// The change that one stream record reports, decoded into `M`.
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
pub fn changes<M: Model>(event: &Event) -> impl Iterator<Item = Result<Change<M>>> + '_ {
    event.records.iter().map(change::<M>)
}
