//! [`Example`]: an example bot's binary, started as a user starts it, for tests over real HTTP.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::matrix::Contract;
use crate::secrets::{assert_answers_keep_the_secret, assert_text_log_keeps_the_secret};

/// A running example binary: started with `CHANNEL_WEBHOOK_TOKEN`, `HOST=127.0.0.1`, `PORT=0`
/// and `RUST_LOG=debug`, its address read from the `listening on http://ADDR/…` line it
/// prints, its whole output kept for [`Example::output`]. Killed when dropped.
#[derive(Debug)]
pub struct Example {
    child: Child,
    addr: SocketAddr,
    output: Arc<Mutex<String>>,
}

impl Example {
    /// Starts `binary` (an integration test's `env!("CARGO_BIN_EXE_<name>")`) with `token`
    /// and waits for it to print where it listens.
    ///
    /// # Panics
    ///
    /// If the binary cannot start or exits before printing its address.
    pub fn start(binary: &str, token: &str) -> Example {
        Example::start_with(binary, token, &[])
    }

    /// [`Example::start`] with more environment variables (a Redis URL, a time to live).
    ///
    /// # Panics
    ///
    /// If the binary cannot start or exits before printing its address.
    pub fn start_with(binary: &str, token: &str, env: &[(&str, &str)]) -> Example {
        let mut child = Command::new(binary)
            .envs(env.iter().copied())
            .env("CHANNEL_WEBHOOK_TOKEN", token)
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {binary}: {error}"));
        let output = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let stderr_output = Arc::clone(&output);
        thread::spawn(move || copy_into(stderr, &stderr_output));
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                panic!(
                    "{binary} ended before printing its address:\n{}",
                    lock(&output)
                );
            }
            lock(&output).push_str(&line);
            if let Some(rest) = line.trim().strip_prefix("listening on http://") {
                let addr = rest.split('/').next().unwrap_or_default();
                break addr
                    .parse()
                    .unwrap_or_else(|_| panic!("bad address in {line:?}"));
            }
        };
        let stdout_output = Arc::clone(&output);
        thread::spawn(move || copy_into(stdout, &stdout_output));
        Example {
            child,
            addr,
            output,
        }
    }

    /// Where the example listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The checks every example passes, as one line of its test: the whole matrix of
    /// [`Contract::echo`]`(token)`, no answer showing the token, and no line of its output
    /// showing it either.
    #[track_caller]
    pub fn assert_conforms(&self, token: &str) {
        let contract = Contract::echo(token);
        contract.assert_matrix(self.addr);
        assert_answers_keep_the_secret(self.addr, &contract);
        assert_text_log_keeps_the_secret(&self.output(), token);
    }

    /// Everything the example printed so far (its banner and its log).
    pub fn output(&self) -> String {
        lock(&self.output).clone()
    }

    /// Waits (at most ten seconds) until the example has printed `needle`, and gives its
    /// output. Its log reaches the test through a pipe and a reading thread, so a line the
    /// example wrote before answering may arrive after the answer does.
    ///
    /// # Panics
    ///
    /// If `needle` has not appeared within ten seconds; the message holds the whole output.
    #[track_caller]
    pub fn wait_for_output(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let output = self.output();
            if output.contains(needle) {
                return output;
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} within 10 s in:\n{output}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lock(output: &Mutex<String>) -> std::sync::MutexGuard<'_, String> {
    output.lock().unwrap_or_else(PoisonError::into_inner)
}

fn copy_into(mut from: impl Read, into: &Mutex<String>) {
    let mut buffer = [0u8; 4096];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0 {
            break;
        }
        lock(into).push_str(&String::from_utf8_lossy(&buffer[..read]));
    }
}
