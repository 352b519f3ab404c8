//! Reading Redis's stream replies (`XREADGROUP`, `XAUTOCLAIM`, `XRANGE`) into entries, in the
//! RESP2 form (arrays) and the RESP3 one (maps), tolerating what a newer Redis may add.

use redis::Value;

use crate::connection::{bytes, text};

/// One stream entry: its id and its fields.
pub(super) struct Entry {
    pub(super) id: String,
    pub(super) fields: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Entry {
    /// The value of field `name`.
    pub(super) fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(key, _)| key == name.as_bytes())
            .map(|(_, value)| value.as_slice())
    }
}

/// `[[id, [field, value, …]], …]`: entries whose fields were deleted are left out.
pub(super) fn entries(value: &Value) -> Vec<Entry> {
    let Value::Array(items) = value else {
        return Vec::new();
    };
    items.iter().filter_map(entry).collect()
}

fn entry(value: &Value) -> Option<Entry> {
    let Value::Array(parts) = value else {
        return None;
    };
    let id = text(parts.first()?)?.to_owned();
    let fields = match parts.get(1)? {
        Value::Array(flat) => flat
            .chunks_exact(2)
            .filter_map(|pair| Some((bytes(&pair[0])?.to_vec(), bytes(&pair[1])?.to_vec())))
            .collect(),
        Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(key, value)| Some((bytes(key)?.to_vec(), bytes(value)?.to_vec())))
            .collect(),
        _ => return None,
    };
    Some(Entry { id, fields })
}

/// `XREADGROUP`'s reply for one stream: `[[stream, entries]]`, `{stream: entries}`, or nil
/// when the block timed out.
pub(super) fn read_group(value: &Value) -> Vec<Entry> {
    match value {
        Value::Array(streams) => streams
            .iter()
            .filter_map(|stream| match stream {
                Value::Array(pair) => pair.get(1).map(entries),
                _ => None,
            })
            .flatten()
            .collect(),
        Value::Map(streams) => streams
            .iter()
            .flat_map(|(_, value)| entries(value))
            .collect(),
        _ => Vec::new(),
    }
}

/// `XAUTOCLAIM`'s reply: `[next cursor, entries, deleted ids]` (the last since Redis 7).
pub(super) fn auto_claim(value: &Value) -> (String, Vec<Entry>) {
    let Value::Array(parts) = value else {
        return ("0-0".to_owned(), Vec::new());
    };
    let cursor = parts.first().and_then(text).unwrap_or("0-0").to_owned();
    let claimed = parts.get(1).map(entries).unwrap_or_default();
    (cursor, claimed)
}

/// An array of strings (the ids `RENEW` answers).
pub(super) fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) | Value::Set(items) => {
            items.iter().filter_map(text).map(str::to_owned).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn entries_are_read_from_arrays_and_maps_and_deleted_ones_are_skipped() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("stream"),
            Value::Array(vec![
                Value::Array(vec![
                    bulk("1-0"),
                    Value::Array(vec![bulk("job"), bulk("a")]),
                ]),
                Value::Array(vec![bulk("2-0"), Value::Nil]),
                Value::Array(vec![
                    bulk("3-0"),
                    Value::Map(vec![(bulk("job"), bulk("c"))]),
                ]),
            ]),
        ])]);
        let read = read_group(&reply);
        let ids: Vec<&str> = read.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["1-0", "3-0"]);
        assert_eq!(read[1].field("job"), Some(&b"c"[..]));
        assert!(read_group(&Value::Nil).is_empty());
        let (cursor, claimed) = auto_claim(&Value::Array(vec![
            bulk("5-0"),
            Value::Array(vec![Value::Array(vec![
                bulk("4-0"),
                Value::Array(vec![bulk("job"), bulk("d")]),
            ])]),
            Value::Array(vec![bulk("2-0")]),
        ]));
        assert_eq!(cursor, "5-0");
        assert_eq!(claimed[0].field("job"), Some(&b"d"[..]));
    }
}
