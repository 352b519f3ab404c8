//! Deserialization helpers shared by the models.

use serde::{Deserialize, Deserializer};

/// Reads `null` or a missing field as the type's default (Channel sends `null` for empty lists).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
