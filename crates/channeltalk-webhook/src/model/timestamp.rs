//! [`Timestamp`]: Channel's integer milliseconds since the Unix epoch.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time as Channel sends it: integer milliseconds since the Unix epoch.
///
/// The integer is kept exactly ([`Timestamp::as_millis`]) so that comparisons such as
/// "this message's `createdAt` equals the chat's `firstAskedAt`" are exact;
/// [`Timestamp::to_system_time`] converts it for arithmetic and formatting.
///
/// ```
/// use channeltalk_webhook::model::Timestamp;
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let at = Timestamp::from_millis(1_600_158_433_443);
/// assert_eq!(at.to_system_time(), UNIX_EPOCH + Duration::from_millis(1_600_158_433_443));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// A timestamp from milliseconds since the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch, as sent.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The same instant as a [`SystemTime`] (before the epoch for negative values).
    pub fn to_system_time(self) -> SystemTime {
        let magnitude = Duration::from_millis(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }
}

impl From<Timestamp> for SystemTime {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.to_system_time()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("milliseconds since the Unix epoch")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map(Timestamp)
                    .map_err(|_| E::custom("timestamp out of range"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Timestamp, E> {
                // Some serializers write whole milliseconds as `1.6E12`; accept whole values only.
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Timestamp(v as i64))
                } else {
                    Err(E::custom("timestamp is not a whole number of milliseconds"))
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers_and_whole_floats() {
        let t: Timestamp = serde_json::from_str("1600158433443").unwrap();
        assert_eq!(t.as_millis(), 1_600_158_433_443);
        let f: Timestamp = serde_json::from_str("1.600158433443E12").unwrap();
        assert_eq!(f, t);
        assert!(serde_json::from_str::<Timestamp>("1.5").is_err());
        assert!(serde_json::from_str::<Timestamp>("\"1600158433443\"").is_err());
    }

    #[test]
    fn converts_to_system_time_on_both_sides_of_the_epoch() {
        assert_eq!(
            Timestamp::from_millis(-1_000).to_system_time(),
            UNIX_EPOCH - Duration::from_secs(1)
        );
        assert_eq!(SystemTime::from(Timestamp::from_millis(0)), UNIX_EPOCH);
    }
}
