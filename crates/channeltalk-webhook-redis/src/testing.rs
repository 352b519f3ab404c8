//! A real `redis-server` for tests (feature `testing`): started on a free port of 127.0.0.1 in
//! a temporary directory, without persistence, and killed when dropped. The tests of this
//! crate and of bots using it (several replicas sharing one Redis) start their own.
//!
//! It needs the `redis-server` binary on the `PATH` (Debian's package `redis-server`).
//!
//! ```no_run
//! use channeltalk_webhook_redis::testing::RedisServer;
//!
//! let mut server = RedisServer::start();
//! let url = server.url(); // give it to the replicas under test
//! server.kill(); // Redis down: replicas must keep answering
//! server.restart(); // back, empty
//! # let _ = url;
//! ```

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use tempfile::TempDir;

/// How long to wait between two checks of whether the server answers.
const POLL: Duration = Duration::from_millis(20);
/// How many checks before giving up: a generous bound (10 s) that only proves "it started".
const POLLS: u32 = 500;

/// One `redis-server` process, killed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server on a free port and waits until it answers `PING`.
    ///
    /// # Panics
    ///
    /// If `redis-server` is not installed or does not start: a test cannot go on without it.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for redis-server");
        let mut server = RedisServer {
            port: 0,
            dir,
            child: None,
        };
        // Another process may take the port between our probe and the server's bind: retry.
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A plain (blocking) connection, to look at what the stores wrote.
    pub fn raw(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|client| client.get_connection())
            .expect("a raw connection to the test redis-server")
    }

    /// Kills the server (as a crash would: SIGKILL, no shutdown) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: nothing was saved).
    pub fn restart(&mut self) {
        self.kill();
        // The port was ours a moment ago; give a slow kernel a few tries to release it.
        for _ in 0..5 {
            if self.spawn() {
                return;
            }
            sleep(POLL * 10);
        }
        panic!("redis-server did not start again on port {}", self.port);
    }

    /// Freezes the server (SIGSTOP): connections stay open, nothing is answered.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("a running redis-server");
        let status = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .expect("`kill` to run");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Spawns the process; `true` once it answers, `false` if it exited (port taken).
    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == ErrorKind::NotFound => panic!(
                "redis-server is not installed: these tests need a real one \
                 (apt-get install redis-server)"
            ),
            Err(error) => panic!("could not start redis-server: {error}"),
        };
        for _ in 0..POLLS {
            if let Ok(Some(_)) = child.try_wait() {
                return false;
            }
            if answers_ping(self.port) {
                self.child = Some(child);
                return true;
            }
            sleep(POLL);
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server on port {} never answered PING", self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}
