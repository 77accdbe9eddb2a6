//! Cursors: where the next page starts, as opaque URL-safe text.
//! Layer: ops.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;

use crate::codec::Item;
use crate::error::{Error, Result};

/// Where the next page starts: opaque, URL-safe, and serializable, so that a Lambda can hand
/// it to a web client and take it back.
///
/// ```
/// use dynomodel::query::Cursor;
///
/// let text = "eyJpZCI6eyJTIjoiMSJ9fQ";
/// let cursor: Cursor = text.parse().unwrap();
/// assert_eq!(cursor.to_string(), text);
/// assert!("not a cursor".parse::<Cursor>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cursor {
    pub(crate) key: Item,
}

pub(crate) fn value_to_json(v: &AttributeValue) -> Option<serde_json::Value> {
    use serde_json::json;
    Some(match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::B(b) => {
            json!({ "B": base64::engine::general_purpose::STANDARD.encode(b.as_ref()) })
        }
        _ => return None,
    })
}

pub(crate) fn value_from_json(v: &serde_json::Value) -> Option<AttributeValue> {
    let obj = v.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let (t, v) = obj.iter().next()?;
    let v = v.as_str()?;
    match t.as_str() {
        "S" => Some(AttributeValue::S(v.to_owned())),
        "N" if v.parse::<f64>().is_ok() => Some(AttributeValue::N(v.to_owned())),
        "B" => base64::engine::general_purpose::STANDARD
            .decode(v)
            .ok()
            .map(|b| AttributeValue::B(Blob::new(b))),
        _ => None,
    }
}

impl Cursor {
    /// The cursor of DynamoDB's `LastEvaluatedKey`.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::query::Cursor;
    /// let key = std::collections::HashMap::from([("id".to_owned(), aws_sdk_dynamodb::types::AttributeValue::S("1".into()))]);
    /// let text = Cursor::from_key(key.clone()).to_string();
    /// assert_eq!(text.parse::<Cursor>()?.key(), &key);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_key(key: Item) -> Self {
        Cursor { key }
    }

    /// The key where the next page starts.
    ///
    /// ```
    /// # use dynomodel::prelude::*;
    /// # use dynomodel::doc_support::{pet, Pet};
    /// use dynomodel::query::Cursor;
    /// let cursor = Cursor::from_key(Pet::key("7").into_item());
    /// assert_eq!(cursor.key(), Pet::key("7").item());
    /// ```
    pub fn key(&self) -> &Item {
        &self.key
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sorted, so that one key gives one text.
        let map: std::collections::BTreeMap<&String, serde_json::Value> = self
            .key
            .iter()
            .filter_map(|(k, v)| Some((k, value_to_json(v)?)))
            .collect();
        let json = serde_json::to_vec(&map).map_err(|_| fmt::Error)?;
        f.write_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
    }
}

/// The most attributes of a LastEvaluatedKey: the table's two and an index's eight.
const MOST_KEY_ATTRIBUTES: usize = 10;

impl FromStr for Cursor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let invalid = || Error::InvalidRequest("the cursor is not one that dynomodel gave".into());
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .map_err(|_| invalid())?;
        let json: HashMap<String, serde_json::Value> =
            serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        // A LastEvaluatedKey holds the table's key and the index's: up to two attributes
        // each, or up to eight for a native multi-attribute index.
        if json.is_empty() || json.len() > MOST_KEY_ATTRIBUTES {
            return Err(invalid());
        }
        let key = json
            .iter()
            .map(|(k, v)| Some((k.clone(), value_from_json(v)?)))
            .collect::<Option<Item>>()
            .ok_or_else(invalid)?;
        Ok(Cursor { key })
    }
}

impl TryFrom<String> for Cursor {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Cursor> for String {
    fn from(c: Cursor) -> String {
        c.to_string()
    }
}
