//! [`DialogueStorage`]: where dialogues are kept, as versioned bytes with a compare-and-set
//! write, which is all a step needs to never lose an update: it reads a version, and its write
//! succeeds only if the version is still the one it read.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::store::StoreError;

/// What [`DialogueStorage`]'s methods return: a boxed future that may borrow the storage.
pub type DialogueFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A stored value and its version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Versioned {
    /// Changes with every write: a write naming it succeeds only if nothing was written since.
    pub version: u64,
    /// The bytes written.
    pub value: Vec<u8>,
}

impl Versioned {
    /// A value at a version.
    pub fn new(version: u64, value: Vec<u8>) -> Self {
        Versioned { version, value }
    }
}

/// Whether a compare-and-set write happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Saved {
    /// Written.
    Saved,
    /// Someone wrote (or the value expired) since the version was read: nothing written.
    Conflict,
}

/// Where dialogues are kept: values under keys, each with a version and a time to live.
///
/// `save` must be atomic: of two saves naming the same version, exactly one succeeds. A value
/// not saved again within its time to live is forgotten (`load` answers `None`). A storage that
/// can hang (a network one) bounds each call with a timeout and reports
/// [`StoreError::TimedOut`].
///
/// Implementations: [`MemoryDialogueStorage`](super::MemoryDialogueStorage) (one process), and
/// the `channeltalk-webhook-redis` crate's `RedisDialogueStorage` (shared by replicas). The
/// trait is object-safe.
pub trait DialogueStorage: Send + Sync + 'static {
    /// The value under `key` and its version, or `None`.
    fn load<'a>(&'a self, key: &'a str) -> DialogueFuture<'a, Option<Versioned>>;

    /// Writes `value` under `key`, kept for `ttl`, if the version there is still `expected`
    /// (`None`: if there is no value).
    fn save<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        value: Vec<u8>,
        ttl: Duration,
    ) -> DialogueFuture<'a, Saved>;
}

impl<T: DialogueStorage + ?Sized> DialogueStorage for std::sync::Arc<T> {
    fn load<'a>(&'a self, key: &'a str) -> DialogueFuture<'a, Option<Versioned>> {
        (**self).load(key)
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        value: Vec<u8>,
        ttl: Duration,
    ) -> DialogueFuture<'a, Saved> {
        (**self).save(key, expected, value, ttl)
    }
}
