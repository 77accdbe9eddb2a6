//! Date-times: RFC 3339 text, or epoch seconds (`epoch`, `ttl`).
//! Layer: codec.

// Without the `chrono` and `time` features only the `Epoch` trait is left here.
#![cfg_attr(not(any(feature = "chrono", feature = "time")), allow(unused_imports))]

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Result;

use super::*;

#[cfg(feature = "chrono")]
impl AttrValue for chrono::DateTime<chrono::Utc> {
    /// RFC 3339 in UTC with nine fraction digits, such as `2024-05-01T12:00:00.250000000Z`:
    /// one width for every value, so that the text order is the time order.
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        use chrono::{Datelike, Timelike};
        utc_text(
            self.year(),
            self.month(),
            self.day(),
            (self.hour(), self.minute(), self.second()),
            self.nanosecond(),
        )
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

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`; a year outside 0 to 9999 has no such text.
#[cfg(any(feature = "chrono", feature = "time"))]
fn utc_text(
    year: i32,
    month: u32,
    day: u32,
    (hour, minute, second): (u32, u32, u32),
    nanos: u32,
) -> Result<AttributeValue> {
    if !(0..=9999).contains(&year) {
        return Err(encode_err(format!(
            "the year {year} is outside 0 to 9999, which RFC 3339 text can hold"
        )));
    }
    Ok(AttributeValue::S(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{:09}Z",
        nanos.min(999_999_999) // a leap second counts its nanoseconds past 1e9
    )))
}

#[diagnostic::on_unimplemented(
    message = "a `ttl` or `epoch` field cannot be a `{Self}`",
    label = "not a date-time type of an enabled feature",
    note = "epoch seconds are stored from a date-time of an enabled feature (or an `Option` of one): for `chrono::DateTime<Utc>` enable dynomodel's `chrono` feature, for `time::OffsetDateTime` its `time` feature: `dynomodel = {{ version = \"...\", features = [\"chrono\"] }}`"
)]
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
    /// RFC 3339 in UTC with nine fraction digits, such as `2024-05-01T12:00:00.250000000Z`,
    /// whatever the value's offset: one width and one offset for every value, so that the
    /// text order is the time order and equal instants are equal text.
    #[inline]
    fn to_attr(&self) -> Result<AttributeValue> {
        let utc = self.to_offset(time::UtcOffset::UTC);
        utc_text(
            utc.year(),
            u32::from(u8::from(utc.month())),
            u32::from(utc.day()),
            (
                u32::from(utc.hour()),
                u32::from(utc.minute()),
                u32::from(utc.second()),
            ),
            utc.nanosecond(),
        )
    }
    #[inline]
    fn from_attr(value: &AttributeValue) -> Result<Self> {
        match value {
            AttributeValue::S(s) => {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .map(|t| t.to_offset(time::UtcOffset::UTC))
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
