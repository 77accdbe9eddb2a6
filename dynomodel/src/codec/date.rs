//! Date-times: RFC 3339 text, or epoch seconds (`epoch`, `ttl`).
//! Layer: codec.

// Without the `chrono` and `time` features only the `Epoch` trait is left here.
#![cfg_attr(not(any(feature = "chrono", feature = "time")), allow(unused_imports))]

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;

use super::*;

#[cfg(feature = "chrono")]
impl AttrValue for chrono::DateTime<chrono::Utc> {
    /// RFC 3339 with the precision that the value has, such as `2024-05-01T12:00:00Z`.
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        Ok(AttributeValue::S(
            self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ))
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::S(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&chrono::Utc))
                .map_err(|e| decode_err(format!("an RFC 3339 date-time, found {s:?} ({e})"))),
            AttributeValue::N(n) => n
                .parse::<i64>()
                .ok()
                .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
                .ok_or_else(|| decode_err(format!("epoch seconds, found {n}"))),
            other => Err(expected("S (RFC 3339 date-time)", other)),
        }
    }
}

/// A date-time type that can be stored as epoch seconds: `chrono::DateTime<Utc>` (feature
/// `chrono`) and `time::OffsetDateTime` (feature `time`). A field opts in with
/// `#[dynomodel(epoch)]`; a `ttl` field always is.
///
/// ```
/// # #[cfg(feature = "chrono")] {
/// use dynomodel::codec::Epoch;
/// let t = chrono::DateTime::<chrono::Utc>::from_epoch_seconds(1_700_000_000).unwrap();
/// assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20+00:00");
/// # }
/// ```
pub trait Epoch: Sized {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    ///
    /// ```
    /// # #[cfg(feature = "time")] {
    /// use dynomodel::codec::Epoch;
    /// assert_eq!(time::OffsetDateTime::UNIX_EPOCH.epoch_seconds(), 0);
    /// # }
    /// ```
    fn epoch_seconds(&self) -> i64;
    /// The date-time at whole seconds since the epoch, where it is representable.
    ///
    /// ```
    /// # #[cfg(feature = "time")] {
    /// use dynomodel::codec::Epoch;
    /// assert_eq!(time::OffsetDateTime::from_epoch_seconds(0), Some(time::OffsetDateTime::UNIX_EPOCH));
    /// assert_eq!(time::OffsetDateTime::from_epoch_seconds(i64::MAX), None);
    /// # }
    /// ```
    fn from_epoch_seconds(secs: i64) -> Option<Self>;
}

#[cfg(feature = "chrono")]
impl Epoch for chrono::DateTime<chrono::Utc> {
    fn epoch_seconds(&self) -> i64 {
        self.timestamp()
    }
    fn from_epoch_seconds(secs: i64) -> Option<Self> {
        chrono::DateTime::from_timestamp(secs, 0)
    }
}

#[cfg(feature = "time")]
impl Epoch for time::OffsetDateTime {
    fn epoch_seconds(&self) -> i64 {
        self.unix_timestamp()
    }
    fn from_epoch_seconds(secs: i64) -> Option<Self> {
        time::OffsetDateTime::from_unix_timestamp(secs).ok()
    }
}

#[cfg(feature = "time")]
impl AttrValue for time::OffsetDateTime {
    /// RFC 3339, such as `2024-05-01T12:00:00Z`.
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        self.format(&time::format_description::well_known::Rfc3339)
            .map(AttributeValue::S)
            .map_err(|e| encode_err(format!("cannot write the date-time as RFC 3339: {e}")))
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::S(s) => {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| decode_err(format!("an RFC 3339 date-time, found {s:?} ({e})")))
            }
            AttributeValue::N(n) => n
                .parse::<i64>()
                .ok()
                .and_then(<Self as Epoch>::from_epoch_seconds)
                .ok_or_else(|| decode_err(format!("epoch seconds, found {n}"))),
            other => Err(expected("S (RFC 3339 date-time)", other)),
        }
    }
}
