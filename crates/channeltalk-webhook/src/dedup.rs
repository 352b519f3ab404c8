//! [`DeliveryGuard`]: optional, bounded-memory protection against handling one message twice.
//!
//! Webhook delivery is at-least-once: after a timeout Channel may deliver the same message
//! again. With a guard, a message id seen among the last `capacity` messages is acknowledged
//! (200) without calling the handler again.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Remembers the ids of the last `capacity` messages.
///
/// ```
/// use channeltalk_webhook::{DeliveryGuard, Receiver, WebhookToken};
///
/// let guard = DeliveryGuard::new(10_000);
/// assert!(guard.record("m1"));
/// assert!(!guard.record("m1"));
/// let receiver = Receiver::new(WebhookToken::new("t")?).with_deduplication(guard);
/// # let _ = receiver;
/// # Ok::<(), channeltalk_webhook::TokenConfigError>(())
/// ```
#[derive(Clone)]
pub struct DeliveryGuard {
    inner: Arc<Mutex<Seen>>,
}

struct Seen {
    capacity: usize,
    ids: HashSet<Box<str>>,
    order: VecDeque<Box<str>>,
}

impl DeliveryGuard {
    /// A guard remembering up to `capacity` message ids (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        DeliveryGuard {
            inner: Arc::new(Mutex::new(Seen {
                capacity,
                ids: HashSet::with_capacity(capacity.min(4096)),
                order: VecDeque::with_capacity(capacity.min(4096)),
            })),
        }
    }

    /// Records `id` as delivered; returns `true` if it was new (not among the remembered ids),
    /// `false` for a repeated delivery.
    pub fn record(&self, id: &str) -> bool {
        let mut seen = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.ids.contains(id) {
            return false;
        }
        if seen.order.len() == seen.capacity {
            if let Some(oldest) = seen.order.pop_front() {
                seen.ids.remove(&oldest);
            }
        }
        let id: Box<str> = id.into();
        seen.ids.insert(id.clone());
        seen.order.push_back(id);
        true
    }

    /// How many ids are remembered now.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .order
            .len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for DeliveryGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliveryGuard")
            .field("remembered", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_oldest_id_beyond_capacity() {
        let guard = DeliveryGuard::new(2);
        assert!(guard.record("a"));
        assert!(guard.record("b"));
        assert!(!guard.record("a"));
        assert!(guard.record("c")); // evicts "a"
        assert_eq!(guard.len(), 2);
        assert!(guard.record("a"));
        assert!(!guard.record("c"));
    }
}
