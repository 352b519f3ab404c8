//! [`MemoryDialogueStorage`]: dialogues in this process's memory, bounded and expiring. The
//! default for one process; replicas need a shared storage.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::ready;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::storage::{DialogueFuture, DialogueStorage, Saved, Versioned};

/// Dialogues in memory: at most `capacity` chats (the one idle longest is dropped first), each
/// kept for the time to live of its last write. Cloning shares the dialogues.
///
/// Time is read from a clock, [`Instant::now`] unless [`MemoryDialogueStorage::clock`]
/// says otherwise (Tokio's paused clock in a test of expiry, for instance).
///
/// ```
/// use std::time::Duration;
/// use channeltalk_webhook::dialogue::{DialogueStorage, MemoryDialogueStorage, Saved};
///
/// # channeltalk_webhook::testing::block_on(async {
/// let storage = MemoryDialogueStorage::new(10_000);
/// let ttl = Duration::from_secs(60);
/// assert_eq!(storage.save("userChat:c1", None, b"one".to_vec(), ttl).await?, Saved::Saved);
/// let stored = storage.load("userChat:c1").await?.unwrap();
/// // A write naming an old version loses: someone wrote since.
/// assert_eq!(storage.save("userChat:c1", None, b"two".to_vec(), ttl).await?, Saved::Conflict);
/// assert_eq!(
///     storage.save("userChat:c1", Some(stored.version), b"two".to_vec(), ttl).await?,
///     Saved::Saved
/// );
/// # Ok::<(), channeltalk_webhook::store::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct MemoryDialogueStorage {
    inner: Arc<Mutex<Chats>>,
    clock: Arc<dyn Fn() -> Instant + Send + Sync>,
}

struct Chats {
    capacity: usize,
    next_version: u64,
    entries: HashMap<String, Entry>,
    /// Every entry once, by expiry: the soonest to expire (the idlest) first.
    expiries: BTreeMap<(Instant, u64), String>,
}

struct Entry {
    version: u64,
    value: Vec<u8>,
    expires: Instant,
}

impl MemoryDialogueStorage {
    /// How many chats [`MemoryDialogueStorage::default`] keeps.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A storage of at most `capacity` chats (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryDialogueStorage {
            inner: Arc::new(Mutex::new(Chats {
                capacity: capacity.max(1),
                next_version: 0,
                entries: HashMap::new(),
                expiries: BTreeMap::new(),
            })),
            clock: Arc::new(Instant::now),
        }
    }

    /// Reads the time from `clock` instead of [`Instant::now`]; with Tokio's paused clock in
    /// a test: `.clock(|| tokio::time::Instant::now().into_std())`.
    pub fn clock(mut self, clock: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How many chats have a dialogue (expired ones may count until they are next touched).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no chat has a dialogue.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Chats> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Chats {
    fn expire(&mut self, now: Instant) {
        while let Some(entry) = self.expiries.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let key = entry.remove();
            self.entries.remove(&key);
        }
    }

    fn load(&mut self, key: &str, now: Instant) -> Option<Versioned> {
        self.expire(now);
        self.entries
            .get(key)
            .map(|entry| Versioned::new(entry.version, entry.value.clone()))
    }

    fn save(
        &mut self,
        key: &str,
        expected: Option<u64>,
        value: Vec<u8>,
        expires: Instant,
        now: Instant,
    ) -> Saved {
        self.expire(now);
        let current = self.entries.get(key).map(|entry| entry.version);
        if current != expected {
            return Saved::Conflict;
        }
        self.next_version += 1;
        let version = self.next_version;
        if let Some(old) = self.entries.remove(key) {
            self.expiries.remove(&(old.expires, old.version));
        } else if self.entries.len() >= self.capacity {
            if let Some(idlest) = self.expiries.first_entry() {
                let key = idlest.remove();
                self.entries.remove(&key);
            }
        }
        self.expiries.insert((expires, version), key.to_owned());
        self.entries.insert(
            key.to_owned(),
            Entry {
                version,
                value,
                expires,
            },
        );
        Saved::Saved
    }
}

impl Default for MemoryDialogueStorage {
    /// [`MemoryDialogueStorage::DEFAULT_CAPACITY`] chats.
    fn default() -> Self {
        MemoryDialogueStorage::new(Self::DEFAULT_CAPACITY)
    }
}

impl DialogueStorage for MemoryDialogueStorage {
    fn load<'a>(&'a self, key: &'a str) -> DialogueFuture<'a, Option<Versioned>> {
        let now = (self.clock)();
        Box::pin(ready(Ok(self.lock().load(key, now))))
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        value: Vec<u8>,
        ttl: Duration,
    ) -> DialogueFuture<'a, Saved> {
        let now = (self.clock)();
        // A time to live past what `Instant` can hold means "for this process's life".
        let expires = now
            .checked_add(ttl)
            .unwrap_or(now + Duration::from_secs(1 << 32));
        Box::pin(ready(Ok(self
            .lock()
            .save(key, expected, value, expires, now))))
    }
}

impl fmt::Debug for MemoryDialogueStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chats = self.lock();
        f.debug_struct("MemoryDialogueStorage")
            .field("capacity", &chats.capacity)
            .field("chats", &chats.entries.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(10);

    #[test]
    fn values_expire_after_their_time_to_live_and_a_save_renews_it() {
        let start = Instant::now();
        let mut chats = Chats {
            capacity: 10,
            next_version: 0,
            entries: HashMap::new(),
            expiries: BTreeMap::new(),
        };
        assert_eq!(
            chats.save("a", None, vec![1], start + TTL, start),
            Saved::Saved
        );
        let at = |seconds| start + Duration::from_secs(seconds);
        let version = chats.load("a", at(9)).unwrap().version;
        assert_eq!(
            chats.save("a", Some(version), vec![2], at(9) + TTL, at(9)),
            Saved::Saved
        );
        assert_eq!(chats.load("a", at(18)).unwrap().value, [2]);
        assert_eq!(chats.load("a", at(19)), None);
        // An expired value is no value: a save expecting none succeeds.
        assert_eq!(
            chats.save("a", None, vec![3], at(30) + TTL, at(30)),
            Saved::Saved
        );
    }

    #[test]
    fn the_idlest_chat_goes_when_full() {
        let start = Instant::now();
        let mut chats = Chats {
            capacity: 2,
            next_version: 0,
            entries: HashMap::new(),
            expiries: BTreeMap::new(),
        };
        let at = |seconds| start + Duration::from_secs(seconds);
        chats.save("a", None, vec![1], at(0) + TTL, at(0));
        chats.save("b", None, vec![2], at(1) + TTL, at(1));
        let a = chats.load("a", at(2)).unwrap().version;
        chats.save("a", Some(a), vec![3], at(2) + TTL, at(2));
        chats.save("c", None, vec![4], at(3) + TTL, at(3));
        assert!(chats.load("b", at(3)).is_none());
        assert_eq!(chats.load("a", at(3)).unwrap().value, [3]);
        assert_eq!(chats.entries.len(), chats.expiries.len());
    }
}
