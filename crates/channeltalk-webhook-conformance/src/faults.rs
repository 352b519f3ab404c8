//! Fault and secret tests that work with any server:
//!
//! - a [`Gate`] that holds a handler until the test opens it, and
//!   [`check_slow_handler_does_not_block`], which proves over real HTTP that a handler still
//!   waiting does not keep the server from answering other deliveries. Nothing here measures
//!   time: the check relies on ordering only (the handler has started, the other deliveries
//!   were answered, the gate opened, the held delivery was answered), with the raw client's
//!   30 s read timeout as the only bound;
//! - [`secret_leaks`], which sends the whole echo matrix and requests built to make a server
//!   repeat the token (near misses, the token in the path or the body), and reports every
//!   answer that contains it; [`contains_secret`] finds the token in any text (a captured log).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use crate::client::{RawBody, RawRequest, RawResponse, send};
use crate::matrix::Contract;
use channeltalk_webhook::Event;
use channeltalk_webhook::Handler;
use channeltalk_webhook::testing::SampleEvent;
use channeltalk_webhook::{QuickReply, Reply};

/// The message text that makes a [`GateHandler`] wait for its [`Gate`].
pub const SLOW_TEXT: &str = "slow";

/// The bot name of a [`GateHandler`]'s replies (the echo contract's).
const BOT_NAME: &str = "EchoBot";

/// A one-shot latch for async handlers, opened from a test thread.
///
/// [`Gate::opened`] is a future that completes once [`Gate::open`] has been called; it needs
/// no runtime (a `tokio::sync::watch` channel holds the flag and wakes every waiter).
/// [`Gate::handler`] makes a core [`Handler`] that waits on the gate for messages whose text is
/// [`SLOW_TEXT`] and answers everything else at once, as the echo examples do. The gate counts
/// how many times such a handler started waiting ([`Gate::entered`]), so a test can know that a
/// delivery is held inside the handler. Clones share the same gate. Once open, a gate stays open.
///
/// ```
/// use std::thread;
/// use channeltalk_webhook::Handler;
/// use channeltalk_webhook::testing::{ChannelView, SampleEvent, block_on};
/// use channeltalk_webhook_conformance::Gate;
///
/// let gate = Gate::new();
/// let handler = gate.handler();
///
/// // Anything but "slow" is echoed at once.
/// let reply = block_on(handler.call(SampleEvent::user_message("hi").event()));
/// let view = ChannelView::from_response(&reply.into_response());
/// assert_eq!(view.texts(), ["echo: hi"]);
/// assert_eq!(gate.entered(), 0);
///
/// // "slow" waits until the gate is opened, here from another thread once it has entered.
/// let opener = gate.clone();
/// let opening = thread::spawn(move || {
///     opener.wait_entered(1);
///     opener.open();
/// });
/// let reply = block_on(handler.call(SampleEvent::user_message("slow").event()));
/// opening.join().unwrap();
/// let view = ChannelView::from_response(&reply.into_response());
/// assert_eq!(view.texts(), ["echo: slow"]);
/// assert_eq!(gate.entered(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct Gate {
    state: Arc<GateState>,
}

#[derive(Debug)]
struct GateState {
    open: tokio::sync::watch::Sender<bool>,
    entered: Mutex<usize>,
    entered_changed: Condvar,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            state: Arc::new(GateState {
                open: tokio::sync::watch::Sender::new(false),
                entered: Mutex::new(0),
                entered_changed: Condvar::new(),
            }),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding this lock leaves consistent data (a counter).
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Gate::default()
    }

    /// Opens the gate: every [`Gate::opened`] future completes, now and from now on.
    pub fn open(&self) {
        self.state.open.send_replace(true);
    }

    /// Whether [`Gate::open`] has been called.
    pub fn is_open(&self) -> bool {
        *self.state.open.borrow()
    }

    /// A future that completes once the gate is open.
    pub fn opened(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut open = self.state.open.subscribe();
        async move {
            // The sender lives in the gate's state, which this future does not keep alive:
            // a dropped gate counts as open, so no waiter hangs.
            let _ = open.wait_for(|open| *open).await;
        }
    }

    /// How many times a [`GateHandler`] of this gate started waiting on it.
    pub fn entered(&self) -> usize {
        *lock(&self.state.entered)
    }

    /// Blocks the calling thread until [`Gate::entered`] is at least `count`. Blocking: call it
    /// from a test thread, never from inside an async task of the server under test.
    pub fn wait_entered(&self, count: usize) {
        let mut entered = lock(&self.state.entered);
        while *entered < count {
            entered = self
                .state
                .entered_changed
                .wait(entered)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Like [`Gate::wait_entered`], but also gives up as soon as `give_up()` returns true
    /// (polled every few milliseconds). Returns whether the count was reached.
    fn wait_entered_unless(&self, count: usize, give_up: impl Fn() -> bool) -> bool {
        let mut entered = lock(&self.state.entered);
        while *entered < count {
            if give_up() {
                return false;
            }
            entered = self
                .state
                .entered_changed
                .wait_timeout(entered, Duration::from_millis(5))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    fn enter(&self) {
        *lock(&self.state.entered) += 1;
        self.state.entered_changed.notify_all();
    }

    /// A core [`Handler`] held by this gate: a message (not by a bot) whose text is
    /// [`SLOW_TEXT`] is counted in [`Gate::entered`] and waits for [`Gate::open`]; then it, like
    /// any other message with text T, gets the echo contract's answer, a quick reply
    /// `echo: T` from `EchoBot`. Other events are acknowledged with no reply.
    pub fn handler(&self) -> GateHandler {
        GateHandler { gate: self.clone() }
    }
}

/// The [`Handler`] of [`Gate::handler`].
#[derive(Clone, Debug)]
pub struct GateHandler {
    gate: Gate,
}

impl Handler for GateHandler {
    fn call(&self, event: Event) -> impl Future<Output = Reply> + Send {
        let gate = self.gate.clone();
        async move {
            let Some(text) = event
                .message()
                .filter(|message| !message.is_from_bot())
                .and_then(|message| message.text())
                .map(|text| text.into_owned())
            else {
                return Reply::Ack;
            };
            if text == SLOW_TEXT {
                gate.enter();
                gate.opened().await;
            }
            QuickReply::new()
                .bot_name(channeltalk_webhook::BotName::from_static(BOT_NAME))
                .text(format!("echo: {text}"))
                .into()
        }
    }
}

/// Proves over real HTTP that a handler still waiting does not block other deliveries.
///
/// The server at `addr` must serve `path` with webhook `token` and `gate.handler()` (mounted
/// the way an app mounts its own handler). `gate` must be closed and not used by anything else.
/// The check, blocking (call it from `spawn_blocking` or a plain thread):
///
/// 1. sends a delivery with text [`SLOW_TEXT`] from a second thread;
/// 2. waits until the handler has started on it ([`Gate::entered`]);
/// 3. sends normal deliveries, one after the other, and requires each to be answered with its
///    echo while the held one is still unanswered;
/// 4. opens the gate and requires the held delivery's answer: 200 with `echo: slow`.
///
/// The gate is opened before returning in every case, so the server is never left holding a
/// request. Returns a description of the first failure.
///
/// ```no_run
/// use std::net::SocketAddr;
/// use channeltalk_webhook_conformance::{Contract, Gate, GateHandler, check_slow_handler_does_not_block};
///
/// // Starts your server with `handler` mounted at `/webhook` and webhook token `s3cr3t`.
/// fn start_server(handler: GateHandler) -> SocketAddr {
///     # unimplemented!()
/// }
///
/// let gate = Gate::new();
/// let addr = start_server(gate.handler());
/// let contract = Contract::echo("s3cr3t");
/// check_slow_handler_does_not_block(addr, &contract, &gate).unwrap();
/// ```
pub fn check_slow_handler_does_not_block(
    addr: SocketAddr,
    contract: &Contract,
    gate: &Gate,
) -> Result<(), String> {
    if gate.is_open() {
        return Err("the gate is already open: give the check a fresh one".into());
    }
    let target = format!("{}?token={}", contract.path, encode(&contract.token));
    let post =
        |text: &str| RawRequest::post(target.clone(), SampleEvent::user_message(text).body());

    let before = gate.entered();
    let slow_request = post(SLOW_TEXT);
    let slow = thread::spawn(move || send(addr, &slow_request));
    let result = hold_and_probe(addr, contract, gate, before, &slow, post);
    // Release the held delivery whatever happened, so the server is not left waiting.
    gate.open();
    let slow = slow
        .join()
        .map_err(|_| "the thread sending the slow delivery panicked".to_string())?;
    match result {
        Err(failure) => Err(format!(
            "{failure}; the slow delivery got: {}",
            describe(&slow)
        )),
        Ok(()) => expect_reply(contract, SLOW_TEXT, &slow)
            .map_err(|failure| format!("the held delivery, after the gate opened: {failure}")),
    }
}

/// Steps 2 and 3 of [`check_slow_handler_does_not_block`].
fn hold_and_probe(
    addr: SocketAddr,
    contract: &Contract,
    gate: &Gate,
    before: usize,
    slow: &thread::JoinHandle<std::io::Result<RawResponse>>,
    post: impl Fn(&str) -> RawRequest,
) -> Result<(), String> {
    if !gate.wait_entered_unless(before + 1, || slow.is_finished()) {
        return Err(
            "the slow delivery was answered (or failed) without its handler waiting on the gate"
                .into(),
        );
    }
    for text in ["not blocked", "still not blocked"] {
        let response = send(addr, &post(text));
        let slow_done = slow.is_finished();
        expect_reply(contract, text, &response)
            .map_err(|failure| format!("a delivery sent while another was held: {failure}"))?;
        if slow_done {
            return Err(format!(
                "the held delivery was answered before the gate opened (seen after {text:?})"
            ));
        }
    }
    Ok(())
}

fn expect_reply(
    contract: &Contract,
    text: &str,
    response: &std::io::Result<RawResponse>,
) -> Result<(), String> {
    let Ok(answer) = response else {
        return Err(describe(response));
    };
    let view = answer.view();
    let expected = (contract.reply)(text);
    let bot_name = contract.bot_name.as_str();
    if view.status() == 200
        && view.bot_name().as_deref() == Some(bot_name)
        && view.texts() == [expected.as_str()]
    {
        Ok(())
    } else {
        Err(format!(
            "{}; expected 200 with {expected:?} from {bot_name}",
            describe(response)
        ))
    }
}

fn describe(response: &std::io::Result<RawResponse>) -> String {
    match response {
        Err(error) => format!("transport error: {error}"),
        Ok(answer) => {
            let view = answer.view();
            format!(
                "status {}, bot name {:?}, texts {:?} (body {:?})",
                view.status(),
                view.bot_name(),
                view.texts(),
                String::from_utf8_lossy(&answer.body)
            )
        }
    }
}

fn encode(token: &str) -> String {
    form_urlencoded::byte_serialize(token.as_bytes()).collect()
}

/// Whether `text` contains `token`, as is or percent-encoded, ignoring ASCII case (so a
/// case-changed copy of the token counts too). An empty token is never found.
///
/// ```
/// use channeltalk_webhook_conformance::contains_secret;
///
/// assert!(contains_secret(b"GET /webhook?token=s3cr3t%2B1 HTTP/1.1", "s3cr3t+1"));
/// assert!(contains_secret(b"refused S3CR3T+1", "s3cr3t+1"));
/// assert!(!contains_secret(b"refused a webhook request: bad token", "s3cr3t+1"));
/// ```
pub fn contains_secret(text: &[u8], token: &str) -> bool {
    let text = text.to_ascii_lowercase();
    let lower_encoded = |value: &str| encode(value).to_ascii_lowercase().into_bytes();
    // `form_urlencoded` writes a space as `+`; other encoders write `%20`.
    let percent_space = encode(token).replace('+', "%20").to_ascii_lowercase();
    let forms = [
        token.to_ascii_lowercase().into_bytes(),
        lower_encoded(token),
        percent_space.into_bytes(),
    ];
    !token.is_empty()
        && forms.iter().any(|form| {
            text.windows(form.len())
                .any(|window| window == form.as_slice())
        })
}

/// Sends every request of the matrix ([`Contract::matrix`]) and requests
/// built to make a server repeat the token to the server at `addr`, and returns one line per
/// answer whose headers or body contain `token` ([`contains_secret`]), or that could not be
/// read.
///
/// Statuses are not checked here (run [`Contract::run_matrix`] for that):
/// only that nothing the server says repeats the secret. The requests built for it:
/// near misses (the token minus its last character, plus one more), the token as the whole
/// body, as a JSON string, inside a truncated JSON body, in a header with a wrong token in the
/// query, in a `GET`. (Not in the path: a client that puts it there has made it part of what
/// request logs legitimately record.)
/// Blocking: call it from `spawn_blocking` or a plain thread.
///
/// ```no_run
/// use channeltalk_webhook_conformance::{Contract, secret_leaks};
///
/// # let addr: std::net::SocketAddr = ([127, 0, 0, 1], 8080).into();
/// let leaks = secret_leaks(addr, &Contract::echo("tok-5ecr3t-XYZ"));
/// assert!(leaks.is_empty(), "{leaks:#?}");
/// ```
pub fn secret_leaks(addr: SocketAddr, contract: &Contract) -> Vec<String> {
    let (path, token) = (contract.path.as_str(), contract.token.as_str());
    let mut requests: Vec<(String, RawRequest)> = contract
        .matrix()
        .into_iter()
        .map(|case| (case.name, case.request))
        .collect();
    let target = format!("{path}?token={}", encode(token));
    let hi = SampleEvent::user_message("hi").body();
    let with_token = |value: &str| format!("{path}?token={}", encode(value));
    let shorter: String = {
        let mut chars = token.chars();
        chars.next_back();
        chars.collect()
    };
    let quoted = serde_json::Value::from(token).to_string();
    let mut add = |name: &str, request: RawRequest| requests.push((name.into(), request));
    add(
        "near miss: the token minus its last character",
        RawRequest::post(with_token(&shorter), hi.clone()),
    );
    add(
        "near miss: the token plus one character",
        RawRequest::post(with_token(&format!("{token}x")), hi.clone()),
    );
    add(
        "the token as the whole body",
        RawRequest::post(target.clone(), token.as_bytes().to_vec()),
    );
    add(
        "the token as a JSON string body",
        RawRequest::post(target.clone(), quoted.clone()),
    );
    add(
        "the token inside a truncated JSON body",
        RawRequest::post(
            target.clone(),
            format!(r#"{{"event":"push","type":"message","entity":{{"plainText":{quoted}"#),
        ),
    );
    add(
        "the token with a wrong token, inside a header",
        RawRequest::post(with_token("guess"), hi.clone()).header("x-webhook-token", token),
    );
    add(
        "GET with the token",
        RawRequest::post(target, Vec::new())
            .method("GET")
            .body(RawBody::None),
    );

    let mut leaks = Vec::new();
    for (name, request) in &requests {
        match send(addr, request) {
            Err(error) => leaks.push(format!("{name}: transport error: {error}")),
            Ok(response) => {
                for (header, value) in &response.headers {
                    if contains_secret(header.as_bytes(), token) || contains_secret(value, token) {
                        leaks.push(format!("{name}: header {header} repeats the token"));
                    }
                }
                if contains_secret(&response.body, token) {
                    leaks.push(format!(
                        "{name}: the body repeats the token: {:?}",
                        String::from_utf8_lossy(&response.body)
                    ));
                }
            }
        }
    }
    leaks
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    use super::*;
    use channeltalk_webhook::testing::{ChannelView, block_on};

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn texts(reply: Reply) -> Vec<String> {
        ChannelView::from_response(&reply.into_response()).texts()
    }

    #[test]
    fn opened_is_pending_until_open_and_wakes_its_waiters() {
        let gate = Gate::new();
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        let mut first = std::pin::pin!(gate.opened());
        let mut second = std::pin::pin!(gate.opened());
        assert!(first.as_mut().poll(&mut cx).is_pending());
        assert!(first.as_mut().poll(&mut cx).is_pending());
        assert!(second.as_mut().poll(&mut cx).is_pending());
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        assert!(!gate.is_open());

        gate.open();
        assert!(gate.is_open());
        let woken = counter.0.load(Ordering::SeqCst);
        assert!(woken >= 1);
        assert!(first.as_mut().poll(&mut cx).is_ready());
        assert!(second.as_mut().poll(&mut cx).is_ready());
        // Open stays open: a new future is ready at once and nothing is woken again.
        assert!(std::pin::pin!(gate.opened()).poll(&mut cx).is_ready());
        gate.open();
        assert_eq!(counter.0.load(Ordering::SeqCst), woken);
    }

    #[test]
    fn the_handler_holds_only_slow_messages() {
        let gate = Gate::new();
        let handler = gate.handler();
        let user = |text: &str| SampleEvent::user_message(text).event();

        assert_eq!(texts(block_on(handler.call(user("hi")))), ["echo: hi"]);
        let bot = SampleEvent::bot_message(SLOW_TEXT).event();
        assert_eq!(block_on(handler.call(bot)), Reply::Ack);
        let opened_chat = SampleEvent::user_chat_opened().event();
        assert_eq!(block_on(handler.call(opened_chat)), Reply::Ack);
        assert_eq!(gate.entered(), 0);

        // A slow message is pending until the gate opens, and counted as entered on first poll.
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        let mut slow = std::pin::pin!(handler.call(user(SLOW_TEXT)));
        assert!(slow.as_mut().poll(&mut cx).is_pending());
        assert_eq!(gate.entered(), 1);
        assert!(slow.as_mut().poll(&mut cx).is_pending());
        assert_eq!(gate.entered(), 1);
        gate.open();
        assert!(counter.0.load(Ordering::SeqCst) >= 1);
        match slow.as_mut().poll(&mut cx) {
            Poll::Ready(reply) => assert_eq!(texts(reply), ["echo: slow"]),
            Poll::Pending => panic!("still pending after the gate opened"),
        }
        // Once open, slow messages pass straight through (and are still counted).
        assert_eq!(
            texts(block_on(handler.call(user(SLOW_TEXT)))),
            ["echo: slow"]
        );
        assert_eq!(gate.entered(), 2);
    }

    #[test]
    fn a_thread_waiting_for_entry_is_released_by_a_handler_on_another_thread() {
        let gate = Gate::new();
        let handler = gate.handler();
        let running = thread::spawn(move || {
            block_on(handler.call(SampleEvent::user_message(SLOW_TEXT).event()))
        });
        gate.wait_entered(1);
        assert!(!running.is_finished()); // held by the closed gate
        gate.open();
        let reply = running.join().unwrap();
        assert_eq!(texts(reply), ["echo: slow"]);
    }

    #[test]
    fn waiting_for_entry_gives_up_when_told() {
        let gate = Gate::new();
        assert!(!gate.wait_entered_unless(1, || true));
        gate.enter();
        assert!(gate.wait_entered_unless(1, || true));
    }

    #[test]
    fn the_check_refuses_an_open_gate_without_sending_anything() {
        let gate = Gate::new();
        gate.open();
        let unused: SocketAddr = ([127, 0, 0, 1], 9).into();
        let error =
            check_slow_handler_does_not_block(unused, &Contract::echo("t"), &gate).unwrap_err();
        assert!(error.contains("already open"), "{error}");
    }

    #[test]
    fn secrets_are_found_raw_encoded_and_case_changed() {
        let token = "s3cr3t +/=&é";
        for text in [
            "s3cr3t +/=&é",
            "x S3CR3T +/=&É y", // non-ASCII letters keep their case: É is not é
            "?token=s3cr3t+%2B%2F%3D%26%C3%A9",
            "?token=S3CR3T+%2b%2f%3d%26%c3%a9",
            "?token=s3cr3t%20%2B%2F%3D%26%C3%A9",
        ] {
            let expected = !text.contains('É');
            assert_eq!(contains_secret(text.as_bytes(), token), expected, "{text}");
        }
        assert!(!contains_secret(b"s3cr3t +/=&", token));
        assert!(!contains_secret(b"anything", ""));
        assert!(!contains_secret(b"", token));
    }
}
