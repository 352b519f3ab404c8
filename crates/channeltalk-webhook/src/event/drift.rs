//! Drift warnings: an entity that falls back to [`Entity::Unparsed`](crate::Entity::Unparsed) or
//! [`Entity::Other`](crate::Entity::Other) is logged at `warn`, rate-limited.
//!
//! A bot that goes quiet because Channel changed a payload must say why, so the fallback is
//! logged where an operator looks (`warn`), not at `debug`. But every delivery of a changed
//! shape would log it, and a flood must not drive log volume: each (kind, reason) pair is
//! logged once per [`WINDOW`], and at most [`MAX_KEYS`] distinct pairs per window.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a logged (kind, reason) pair stays quiet.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);
/// At most this many distinct pairs are logged per window.
pub(crate) const MAX_KEYS: usize = 64;
/// Longer reasons are cut (they hold text from the payload).
const MAX_REASON: usize = 200;

/// Remembers when each (kind, reason) pair was last logged.
#[derive(Debug, Default)]
pub(crate) struct DriftLog {
    last: HashMap<(&'static str, String), Instant>,
}

impl DriftLog {
    /// Whether a warning for `kind` and `reason` may be logged at `now` (and records it).
    pub(crate) fn admit(&mut self, kind: &'static str, reason: &str, now: Instant) -> bool {
        let key = (kind, normalise(reason));
        if let Some(at) = self.last.get(&key) {
            if now.saturating_duration_since(*at) < WINDOW {
                return false;
            }
        }
        if self.last.len() >= MAX_KEYS && !self.last.contains_key(&key) {
            self.last
                .retain(|_, at| now.saturating_duration_since(*at) < WINDOW);
            if self.last.len() >= MAX_KEYS {
                return false;
            }
        }
        self.last.insert(key, now);
        true
    }
}

/// The reason without its position (`at line 1 column 80`, which differs per payload) and cut
/// to a bounded length, so that one kind of drift is one key.
fn normalise(reason: &str) -> String {
    let reason = reason.rfind(" at line ").map_or(reason, |at| &reason[..at]);
    let mut end = reason.len().min(MAX_REASON);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

static DRIFT_LOG: Mutex<Option<DriftLog>> = Mutex::new(None);

/// Logs at `warn` that an entity fell back to `Unparsed` or `Other`, unless the same kind and
/// reason was logged within the window.
pub(crate) fn warn(kind: &'static str, reason: &str) {
    let admitted = {
        let mut log = DRIFT_LOG.lock().unwrap_or_else(PoisonError::into_inner);
        log.get_or_insert_with(DriftLog::default)
            .admit(kind, reason, Instant::now())
    };
    if admitted {
        tracing::warn!(
            kind,
            reason = %normalise(reason),
            "a Channel delivery did not fit the typed model; the handler gets it untyped (logged once per minute per kind and reason)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_per_kind_and_reason_per_window() {
        let mut log = DriftLog::default();
        let start = Instant::now();
        assert!(log.admit("unparsed message", "invalid type at line 1 column 5", start));
        // Same reason at another position: the same drift.
        assert!(!log.admit(
            "unparsed message",
            "invalid type at line 1 column 99",
            start
        ));
        assert!(log.admit(
            "unparsed userChat",
            "invalid type at line 1 column 5",
            start
        ));
        assert!(log.admit("unparsed message", "missing field `id`", start));
        let later = start + WINDOW;
        assert!(log.admit("unparsed message", "invalid type at line 3 column 1", later));
        assert!(!log.admit("unparsed message", "invalid type", later));
    }

    #[test]
    fn a_flood_of_distinct_reasons_is_bounded() {
        let mut log = DriftLog::default();
        let start = Instant::now();
        let admitted = (0..10 * MAX_KEYS)
            .filter(|i| log.admit("other entity", &format!("type \"t{i}\""), start))
            .count();
        assert_eq!(admitted, MAX_KEYS);
        assert!(log.last.len() <= MAX_KEYS);
        // Once the window has passed, new reasons are logged again.
        assert!(log.admit("other entity", "type \"new\"", start + WINDOW));
    }

    #[test]
    fn reasons_are_cut_on_a_character_boundary() {
        let long = "가".repeat(MAX_REASON);
        let cut = normalise(&long);
        assert!(cut.len() <= MAX_REASON && long.starts_with(&cut));
    }
}
