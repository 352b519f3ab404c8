//! [`StoredJob`]: what a queue keeps of a deferred delivery, and its byte encoding; [`Job`]:
//! what the bot's job handler gets, with the `requestId`s its posts must carry.
//!
//! A job is the delivery itself (the raw event body, its message id, when it arrived), not a
//! closure: it can wait in Redis, survive the process that received it, and be run by another
//! replica, which reads the event again from the body. Every post a job makes carries a
//! `requestId` derived only from the job's id (the message id) and the post's index within the
//! run, so that every attempt, on every replica, posts under the same ids and Channel drops the
//! repeats.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use channeltalk_webhook::model::OutgoingMessage;
use channeltalk_webhook::{ChatTarget, Event, ParseError, SendMessage};

/// A deferred delivery as a queue stores it: the job's id, the raw event body, when it was
/// received, and how many attempts were made.
///
/// The id is the message id for a message event (so a repeated delivery of the message is one
/// job), else a random one made when the job is created.
///
/// ```
/// use channeltalk_jobs::StoredJob;
/// use channeltalk_webhook::Event;
///
/// let event = Event::parse(r#"{"event":"push","type":"message","entity":{"id":"m1",
///     "channelId":"1","chatType":"userChat","chatId":"c1","chatKey":"userChat-c1",
///     "personType":"user","personId":"u1","createdAt":1,"plainText":"hi"}}"#)?;
/// let job = StoredJob::from_event(&event);
/// assert_eq!(job.id(), "m1");
/// assert!(job.is_message());
/// let bytes = job.encode();
/// assert_eq!(StoredJob::decode(&bytes)?, job);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct StoredJob {
    id: String,
    message: bool,
    body: Bytes,
    received_at: SystemTime,
    attempts: u32,
}

impl StoredJob {
    /// The job for a delivery received now: keyed by its message id, or by a fresh random id
    /// for an event without one.
    pub fn from_event(event: &Event) -> StoredJob {
        let (id, message) = match event.message_id() {
            Some(id) => (id.to_owned(), true),
            None => (random_id(), false),
        };
        StoredJob {
            id,
            message,
            // A copy of its own: the event's body may be a slice of a much larger read buffer,
            // which a job waiting in memory would otherwise keep alive.
            body: Bytes::copy_from_slice(event.body()),
            received_at: now_in_millis(),
            attempts: 0,
        }
    }

    /// The job's id: the message id, or a random id for an event without one.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the id is a message id (so that a repeated delivery is the same job).
    pub fn is_message(&self) -> bool {
        self.message
    }

    /// The raw event body, as Channel delivered it.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// When the delivery was received (the start of the job's life, for its maximum age).
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }

    /// Attempts made so far (0 for a new job; an attempt is a run of the handler that failed,
    /// not a wait for a pause or an open circuit breaker).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How long ago the delivery was received (zero if the clock went back).
    pub fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(self.received_at)
            .unwrap_or(Duration::ZERO)
    }

    /// The same job with one more attempt counted.
    pub fn attempted(mut self) -> StoredJob {
        self.attempts = self.attempts.saturating_add(1);
        self
    }

    /// The bytes a queue stores: a one-line header (format, attempts, received time, id
    /// length), the id, then the body unchanged.
    pub fn encode(&self) -> Vec<u8> {
        let millis = self
            .received_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let kind = if self.message { 'm' } else { 'e' };
        let header = format!(
            "{MAGIC} {kind} {} {millis} {}\n",
            self.attempts,
            self.id.len()
        );
        let mut out = Vec::with_capacity(header.len() + self.id.len() + self.body.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    /// Reads what [`StoredJob::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<StoredJob, DecodeError> {
        let newline = bytes
            .iter()
            .position(|&byte| byte == b'\n')
            .ok_or(DecodeError("no header line"))?;
        let header =
            std::str::from_utf8(&bytes[..newline]).map_err(|_| DecodeError("header not UTF-8"))?;
        let mut fields = header.split(' ');
        if fields.next() != Some(MAGIC) {
            return Err(DecodeError("not a job of this format"));
        }
        let message = match fields.next() {
            Some("m") => true,
            Some("e") => false,
            _ => return Err(DecodeError("unknown job kind")),
        };
        let mut number = || -> Result<u64, DecodeError> {
            fields
                .next()
                .and_then(|field| field.parse().ok())
                .ok_or(DecodeError("header field missing or not a number"))
        };
        let attempts = u32::try_from(number()?).map_err(|_| DecodeError("attempts too large"))?;
        let millis = number()?;
        let id_len = usize::try_from(number()?).map_err(|_| DecodeError("id length too large"))?;
        let rest = &bytes[newline + 1..];
        if rest.len() < id_len {
            return Err(DecodeError("shorter than its id"));
        }
        let (id, body) = rest.split_at(id_len);
        let id = std::str::from_utf8(id).map_err(|_| DecodeError("id not UTF-8"))?;
        Ok(StoredJob {
            id: id.to_owned(),
            message,
            body: Bytes::copy_from_slice(body),
            received_at: UNIX_EPOCH + Duration::from_millis(millis),
            attempts,
        })
    }
}

/// Now, in whole milliseconds (what the encoding keeps).
fn now_in_millis() -> SystemTime {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    UNIX_EPOCH + Duration::from_millis(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
}

/// The first word of an encoded job: the format and its version.
const MAGIC: &str = "channeltalk-job/1";

impl fmt::Debug for StoredJob {
    /// The id, kind, attempts and body size: not the body, which holds what users wrote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredJob")
            .field("id", &self.id)
            .field("message", &self.message)
            .field("received_at", &self.received_at)
            .field("attempts", &self.attempts)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Why stored bytes are not a job (a queue written by something else, or damaged).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a stored job: {0}")]
pub struct DecodeError(&'static str);

/// A job as the handler runs it: the event read again from the stored body, and the
/// `requestId`s of its posts.
///
/// Build every post with [`Job::reply`] or [`Job::send`]: the `n`th post of a run gets the
/// `requestId` `<job id>-<n>`, the same on every attempt and every replica, so a post repeated
/// after a crash, a lost lease or a retry is dropped by Channel. A post made with
/// `SendMessage::new` directly gets a random `requestId` and could be posted twice.
///
/// ```
/// use channeltalk_jobs::{Job, StoredJob};
/// use channeltalk_webhook::Event;
///
/// let event = Event::parse(r#"{"event":"push","type":"message","entity":{"id":"m1",
///     "channelId":"1","chatType":"userChat","chatId":"c1","chatKey":"userChat-c1",
///     "personType":"user","personId":"u1","createdAt":1,"plainText":"hi"}}"#)?;
/// let job = Job::new(StoredJob::from_event(&event))?;
/// let first = job.reply("echo: hi").unwrap();
/// let second = job.reply("and one more").unwrap();
/// assert_eq!(first.request_id, "m1-0");
/// assert_eq!(second.request_id, "m1-1");
/// assert_eq!(job.attempt(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Job {
    stored: StoredJob,
    event: Event,
    posts: AtomicU32,
}

impl Job {
    /// Reads the event of a stored job.
    ///
    /// # Errors
    ///
    /// When the stored body is not an event (it parsed when the job was made, so only a
    /// damaged queue gets here).
    pub fn new(stored: StoredJob) -> Result<Job, ParseError> {
        let event = Event::parse(stored.body.clone())?;
        Ok(Job {
            stored,
            event,
            posts: AtomicU32::new(0),
        })
    }

    /// The delivered event.
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// The job's id: the message id, or a random one for an event without one.
    pub fn id(&self) -> &str {
        &self.stored.id
    }

    /// When the delivery was received.
    pub fn received_at(&self) -> SystemTime {
        self.stored.received_at
    }

    /// Which attempt this run is: 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.stored.attempts.saturating_add(1)
    }

    /// What the queue stores of this job.
    pub fn stored(&self) -> &StoredJob {
        &self.stored
    }

    /// The `requestId` of the `index`th post of this job (from 0): `<job id>-<index>`, where an
    /// id holding anything but ASCII letters, digits, `-` and `_` (or longer than 64
    /// characters) is replaced by a hash of itself.
    pub fn request_id(&self, index: u32) -> String {
        request_id(&self.stored.id, index)
    }

    /// The next post of this run to `target`, with its `requestId`.
    pub fn send(&self, target: ChatTarget, message: impl Into<OutgoingMessage>) -> SendMessage {
        let index = self.posts.fetch_add(1, Ordering::Relaxed);
        SendMessage::new(target, message).request_id(self.request_id(index))
    }

    /// The next post of this run, to where the event is answered ([`Event::reply_target`]):
    /// `None` for an event that has no chat to answer in.
    pub fn reply(&self, message: impl Into<OutgoingMessage>) -> Option<SendMessage> {
        let target = self.event.reply_target()?;
        Some(self.send(target, message))
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("stored", &self.stored)
            .field("posts", &self.posts.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn request_id(id: &str, index: u32) -> String {
    let plain = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if plain {
        format!("{id}-{index}")
    } else {
        format!(
            "h{:016x}{:016x}-{index}",
            fnv1a(id, FNV_OFFSET),
            fnv1a(id, !FNV_OFFSET)
        )
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// 64-bit FNV-1a from `offset`: stable across builds and platforms, which is what a key
/// shared by replicas needs (std's hasher is not).
fn fnv1a(text: &str, offset: u64) -> u64 {
    text.bytes().fold(offset, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `e` and 24 random hex digits: the id of a job whose event has no message id.
fn random_id() -> String {
    format!(
        "e{:012x}{:012x}",
        fastrand::u64(..) >> 16,
        fastrand::u64(..) >> 16
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use channeltalk_webhook::testing::SampleEvent;
    use proptest::prelude::*;

    fn stored(body: &str) -> StoredJob {
        StoredJob::from_event(&Event::parse(body.to_owned()).unwrap())
    }

    #[test]
    fn message_jobs_are_keyed_by_message_id_and_others_by_a_random_id() {
        let message = stored(&SampleEvent::user_message("hi").id("m-42").body());
        assert_eq!((message.id(), message.is_message()), ("m-42", true));
        let opened = stored(&SampleEvent::user_chat_opened().body());
        let again = stored(&SampleEvent::user_chat_opened().body());
        assert!(!opened.is_message());
        assert_ne!(opened.id(), again.id());
        assert_eq!(opened.id().len(), 25);
    }

    #[test]
    fn request_ids_follow_the_posts_of_a_run() {
        let job = Job::new(stored(&SampleEvent::user_message("hi").id("m-1").body())).unwrap();
        let target = ChatTarget::group("g");
        assert_eq!(job.send(target.clone(), "a").request_id, "m-1-0");
        assert_eq!(job.reply("b").unwrap().request_id, "m-1-1");
        // A new run (a retry, another replica) starts again from 0.
        let retry = Job::new(job.stored().clone().attempted()).unwrap();
        assert_eq!(retry.attempt(), 2);
        assert_eq!(retry.send(target, "a").request_id, "m-1-0");
    }

    #[test]
    fn odd_ids_are_hashed_into_a_stable_request_id() {
        assert_eq!(request_id("6512f0c2", 3), "6512f0c2-3");
        let odd = request_id("a b/ü", 0);
        assert_eq!(odd, request_id("a b/ü", 0));
        assert_ne!(odd, request_id("a b/ü!", 0));
        assert!(
            odd.starts_with('h') && odd.ends_with("-0") && odd.len() == 35,
            "{odd}"
        );
        assert!(request_id(&"x".repeat(65), 0).starts_with('h'));
        // Stable across builds: a fixed value.
        assert_eq!(fnv1a("a", FNV_OFFSET), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn damaged_bytes_are_refused() {
        for bytes in [
            &b""[..],
            b"no newline",
            b"other/1 m 0 0 1\nx",
            b"channeltalk-job/1 q 0 0 1\nx",
            b"channeltalk-job/1 m x 0 1\nx",
            b"channeltalk-job/1 m 0 0 9\nx",
        ] {
            assert!(StoredJob::decode(bytes).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn debug_leaves_the_body_out() {
        let job = stored(&SampleEvent::user_message("my secret order").body());
        assert!(!format!("{job:?}").contains("secret"));
    }

    proptest! {
        #[test]
        fn encoding_round_trips(
            id in ".{0,80}",
            message in any::<bool>(),
            body in proptest::collection::vec(any::<u8>(), 0..300),
            millis in 0u64..4_000_000_000_000,
            attempts in any::<u32>(),
        ) {
            let job = StoredJob {
                id,
                message,
                body: Bytes::from(body),
                received_at: UNIX_EPOCH + Duration::from_millis(millis),
                attempts,
            };
            prop_assert_eq!(StoredJob::decode(&job.encode()).unwrap(), job);
        }
    }
}
