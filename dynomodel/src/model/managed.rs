//! Managed attributes: timestamps and versions.
//! Layer: model.

#[diagnostic::on_unimplemented(
    message = "a `created_at`/`updated_at` field cannot be a `{Self}`",
    label = "not a timestamp type",
    note = "a timestamp field is `i64` or `u64` epoch seconds, `chrono::DateTime<Utc>`, `time::OffsetDateTime`, or an `Option` of one",
    note = "for `chrono::DateTime<Utc>` enable dynomodel's `chrono` feature, for `time::OffsetDateTime` its `time` feature: `dynomodel = {{ version = \"...\", features = [\"chrono\"] }}`"
)]
/// A value that a `created_at`/`updated_at` field can hold: `i64`/`u64` epoch seconds,
/// `chrono::DateTime<Utc>` (feature `chrono`), `time::OffsetDateTime` (feature `time`), or an
/// `Option` of one.
///
/// ```
/// use dynomodel::model::Timestamp;
/// use std::time::{Duration, UNIX_EPOCH};
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(<Option<i64>>::at(now), Some(1_700_000_000));
/// ```
pub trait Timestamp: Sized {
    /// The value for `now`.
    ///
    /// ```
    /// use dynomodel::model::Timestamp;
    /// assert_eq!(u64::at(std::time::UNIX_EPOCH), 0);
    /// ```
    fn at(now: std::time::SystemTime) -> Self;
    /// Whether the field is still unset (`None`, or 0 epoch seconds): `created_at` is set
    /// only then.
    ///
    /// ```
    /// use dynomodel::model::Timestamp;
    /// assert!(Option::<i64>::None.is_unset());
    /// assert!(0i64.is_unset());
    /// assert!(!Some(5i64).is_unset());
    /// ```
    fn is_unset(&self) -> bool;
    /// Sets the field to `now`.
    ///
    /// ```
    /// use dynomodel::model::Timestamp;
    /// let mut t: Option<u64> = None;
    /// t.set_now(std::time::UNIX_EPOCH + std::time::Duration::from_secs(9));
    /// assert_eq!(t, Some(9));
    /// ```
    fn set_now(&mut self, now: std::time::SystemTime) {
        *self = Self::at(now);
    }
}

pub(crate) fn epoch_secs(now: std::time::SystemTime) -> i64 {
    now.duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Timestamp for i64 {
    fn at(now: std::time::SystemTime) -> Self {
        epoch_secs(now)
    }
    fn is_unset(&self) -> bool {
        *self == 0
    }
}

impl Timestamp for u64 {
    fn at(now: std::time::SystemTime) -> Self {
        u64::try_from(epoch_secs(now)).unwrap_or(0)
    }
    fn is_unset(&self) -> bool {
        *self == 0
    }
}

#[cfg(feature = "chrono")]
impl Timestamp for chrono::DateTime<chrono::Utc> {
    fn at(now: std::time::SystemTime) -> Self {
        now.into()
    }
    fn is_unset(&self) -> bool {
        self.timestamp() == 0
    }
}

#[cfg(feature = "time")]
impl Timestamp for time::OffsetDateTime {
    fn at(now: std::time::SystemTime) -> Self {
        now.into()
    }
    fn is_unset(&self) -> bool {
        self.unix_timestamp() == 0
    }
}

impl<T: Timestamp> Timestamp for Option<T> {
    fn at(now: std::time::SystemTime) -> Self {
        Some(T::at(now))
    }
    fn is_unset(&self) -> bool {
        self.as_ref().is_none_or(T::is_unset)
    }
}

/// An integer that a `version` field can hold: `u8`, `u16`, `u32`, `u64`, `usize`, `i32` or
/// `i64`.
///
/// ```
/// use dynomodel::model::Version;
/// let mut v: u8 = 1;
/// assert!(v.set(v.get().unwrap() + 1));
/// assert_eq!(v, 2);
/// assert!(!v.set(256)); // does not fit: left as it was
/// assert_eq!(v, 2);
/// assert_eq!(Version::get(&-1i64), None);
/// ```
pub trait Version {
    /// The version, or `None` where it is negative.
    ///
    /// ```
    /// use dynomodel::model::Version;
    /// assert_eq!(Version::get(&7i32), Some(7));
    /// ```
    fn get(&self) -> Option<u64>;

    /// Sets the version where the type can hold it, and says whether it could.
    ///
    /// ```
    /// use dynomodel::model::Version;
    /// let mut v = 0u64;
    /// assert!(Version::set(&mut v, 3));
    /// assert_eq!(v, 3);
    /// ```
    fn set(&mut self, v: u64) -> bool;

    /// The largest version that the type holds.
    ///
    /// ```
    /// use dynomodel::model::Version;
    /// assert_eq!(<u8 as Version>::MAX, 255);
    /// ```
    const MAX: u64;
}

macro_rules! versions {
    ($($t:ty),*) => {$(
        impl Version for $t {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            const MAX: u64 = if (<$t>::MAX as u128) > (u64::MAX as u128) {
                u64::MAX
            } else {
                <$t>::MAX as u64
            };
            fn get(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
            fn set(&mut self, v: u64) -> bool {
                match <$t>::try_from(v) {
                    Ok(v) => {
                        *self = v;
                        true
                    }
                    Err(_) => false,
                }
            }
        }
    )*};
}
versions!(u8, u16, u32, u64, usize, i32, i64);
