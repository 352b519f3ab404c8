//! What the tests of `echo-later` as a process share: the fake Open API, the bot process with
//! its output, and polling helpers that only guard against a hung test.

#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use channeltalk_api::testing::{FAKE_ACCESS_KEY, FAKE_ACCESS_SECRET, FakeChannel, PostedMessage};

pub const TOKEN: &str = "s3cr3t-echo-later";
/// Only a guard against a hung test: no assertion depends on how long anything takes.
pub const GUARD: Duration = Duration::from_secs(60);

/// The fake Channel Open API, on a thread of its own (it knows the sample events' chats).
pub fn fake() -> FakeChannel {
    FakeChannel::builder().start_in_background().unwrap()
}

/// A running `echo-later` process, its output gathered line by line.
pub struct Bot {
    pub child: Child,
    pub addr: SocketAddr,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Bot {
    /// Starts the bot against `fake` with `ECHO_DELAY_MS=delay_ms`, and waits until it listens.
    pub fn start(fake: &FakeChannel, delay_ms: u64) -> Bot {
        Bot::start_with(fake, delay_ms, &[])
    }

    /// [`Bot::start`] with more environment variables.
    pub fn start_with(fake: &FakeChannel, delay_ms: u64, env: &[(&str, &str)]) -> Bot {
        let mut command = bot_command();
        command.envs(env.iter().copied());
        command
            .env("CHANNEL_ACCESS_KEY", FAKE_ACCESS_KEY)
            .env("CHANNEL_ACCESS_SECRET", FAKE_ACCESS_SECRET)
            .env("CHANNEL_API_BASE_URL", fake.base_url())
            .env("CHANNEL_WEBHOOK_TOKEN", TOKEN)
            .env("ECHO_DELAY_MS", delay_ms.to_string());
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (sender, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut bot = Bot {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lines,
            seen: Vec::new(),
        };
        let line = bot.wait_for_line("echo-later listening on http://");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.strip_suffix("/webhook"))
            .unwrap();
        bot.addr = addr.parse().unwrap();
        bot
    }

    /// Waits for an output line containing `needle` and returns it.
    pub fn wait_for_line(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|line| line.contains(needle)) {
            return line.clone();
        }
        let deadline = Instant::now() + GUARD;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no line with {needle:?}; output so far:\n{}", self.output()),
            }
        }
    }

    pub fn output(&self) -> String {
        self.seen.join("\n")
    }

    /// Posts `body` to `/webhook?token=…` as Channel does; returns the status, the
    /// `x-quick-reply` header and the body.
    pub fn deliver(&self, body: &str, token: &str) -> (u16, Option<String>, String) {
        let url = format!("http://{}/webhook?token={token}", self.addr);
        let mut response = agent()
            .post(&url)
            .header("content-type", "application/json")
            .send(body)
            .unwrap();
        let quick = response
            .headers()
            .get("x-quick-reply")
            .map(|value| value.to_str().unwrap().to_owned());
        let status = response.status().as_u16();
        (status, quick, response.body_mut().read_to_string().unwrap())
    }

    /// `GET path` on the bot: the status and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut response = agent()
            .get(&format!("http://{}{path}", self.addr))
            .call()
            .unwrap();
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap())
    }

    /// Waits until `/metrics` has a line starting with `line` (a metric and its labels, then
    /// its value), and returns that value.
    pub fn metric(&self, line: &str) -> String {
        poll_until(&format!("{line} on /metrics"), || {
            let (status, text) = self.get("/metrics");
            assert_eq!(status, 200);
            text.lines()
                .find_map(|found| found.strip_prefix(line))
                .map(|value| value.trim().to_owned())
        })
    }

    /// Sends SIGTERM, as a platform stopping the process does.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit, and for its last lines.
    pub fn wait(&mut self) -> ExitStatus {
        let child = &mut self.child;
        let status = poll_until("the bot to exit", || child.try_wait().unwrap());
        // The output threads end with the process: gather what is left.
        while let Ok(line) = self.lines.recv_timeout(GUARD) {
            self.seen.push(line);
        }
        status
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        // A test that failed half-way must not leave the process behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bot binary, with a clean environment for the variables it reads.
pub fn bot_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_echo-later"));
    for name in [
        "CHANNEL_ACCESS_KEY",
        "CHANNEL_ACCESS_SECRET",
        "CHANNEL_API_BASE_URL",
        "CHANNEL_WEBHOOK_TOKEN",
        "ECHO_DELAY_MS",
        "ECHO_CONCURRENCY",
        "ECHO_QUEUE_CAPACITY",
        "CHANNEL_QUEUE_URL",
        "CHANNEL_QUEUE_CLAIM_MS",
        "CHANNEL_DEDUP_URL",
        "HOST",
    ] {
        command.env_remove(name);
    }
    command.env("PORT", "0").env("RUST_LOG", "info");
    command
}

pub fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(GUARD))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Waits until the fake holds `count` posted messages.
pub fn wait_for_posts(fake: &FakeChannel, count: usize) -> Vec<PostedMessage> {
    poll_until("the echoes to be posted", || {
        let posted = fake.posted_messages();
        (posted.len() >= count).then_some(posted)
    })
}

/// Polls `check` until it gives a value; panics after [`GUARD`] (a hung test, not a timing).
pub fn poll_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + GUARD;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
