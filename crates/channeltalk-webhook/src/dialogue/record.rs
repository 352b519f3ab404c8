//! What a storage keeps per chat: the bot's state and the ids of the last messages stepped on,
//! as one JSON document, so that both change in the same write.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A chat's dialogue as stored.
#[derive(Serialize, Deserialize)]
pub(super) struct Record<S> {
    pub(super) state: S,
    /// The last message ids stepped on, the oldest first.
    #[serde(default)]
    pub(super) seen: Vec<String>,
}

impl<S: Serialize + DeserializeOwned> Record<S> {
    /// A dialogue at `state`, with no message seen.
    pub(super) fn new(state: S) -> Self {
        Record {
            state,
            seen: Vec::new(),
        }
    }

    pub(super) fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_reads_without_its_ids() {
        let record = Record {
            state: vec![1, 2],
            seen: vec!["m1".to_owned()],
        };
        let bytes = record.encode().unwrap();
        assert_eq!(bytes, br#"{"state":[1,2],"seen":["m1"]}"#);
        let read: Record<Vec<u8>> = Record::decode(&bytes).unwrap();
        assert_eq!((read.state, read.seen), (vec![1, 2], vec!["m1".to_owned()]));
        let bare: Record<u8> = Record::decode(br#"{"state":7}"#).unwrap();
        assert!(bare.seen.is_empty());
        assert!(Record::<u8>::decode(br#"{"state":"seven"}"#).is_err());
    }
}
