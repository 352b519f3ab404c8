//! Real actix-web servers for the test binaries.
//!
//! The servers are stopped at once, never gracefully. actix-server's graceful stop
//! (`ServerHandle::stop(true)`) tells its accept thread to stop, then sends each worker a stop
//! message and waits for the worker's answer. The accept thread is often quicker: its exit
//! closes the worker's connection channel, and the worker ends without reading its stop
//! message. Usually the message is dropped with the worker's receiver and the wait ends; but a
//! message sent while the worker is dropping that receiver stays in the channel, whose sending
//! half the server keeps, so the answer never comes. No timer is pending and no other thread is
//! left, so that test hung for good. By the time a test stops its server every exchange is
//! over: there is nothing to wait for.
//!
//! A server started with [`start!`] runs on a thread and an actix `System` of its own, never on
//! the test's thread. actix-server does blocking work on the thread that polls its `Server`
//! future: it waits for the worker's services to be built when it starts (and when it restarts
//! a worker), and joins its accept thread when it stops. On the test's own
//! `#[actix_web::test]` runtime that work blocked the test's only thread, so nothing the test
//! awaited, a timeout included, could run until actix-server let go.
//!
//! Client code runs through the conformance harness's hang guard (`guarded_blocking`), on a
//! plain thread of its own.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;

use actix_web::dev::{Server, ServerHandle};
use channeltalk_webhook_conformance::GUARD;

/// Starts `HttpServer::new($factory)` on 127.0.0.1:0 with one worker, on a thread and actix
/// system of its own; returns its [`TestServer`](crate::common::TestServer).
#[macro_export]
macro_rules! start {
    ($factory:expr) => {{
        let factory = $factory;
        $crate::common::TestServer::start(move |listener| {
            Ok(actix_web::HttpServer::new(factory)
                .workers(1)
                .disable_signals()
                .listen(listener)?
                .run())
        })
    }};
}

/// An actix-web server on its own thread, stopped by [`TestServer::stop`] or, should the test
/// fail first, when dropped.
pub struct TestServer {
    addr: SocketAddr,
    handle: ServerHandle,
    stopped: mpsc::Receiver<io::Result<()>>,
}

impl TestServer {
    /// Binds 127.0.0.1:0 and runs the server `build` makes on that listener, on a new thread
    /// with a new actix `System`. The listener is bound before this returns, so a client may
    /// connect at once: the connection waits in the backlog until the server accepts it.
    pub fn start(
        build: impl FnOnce(TcpListener) -> io::Result<Server> + Send + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
        let addr = listener.local_addr().expect("the listener's address");
        let (handle_tx, handle_rx) = mpsc::channel();
        let (stopped_tx, stopped) = mpsc::channel();
        thread::Builder::new()
            .name(format!("actix server {addr}"))
            .spawn(move || {
                let system = actix_web::rt::System::new();
                let ran = system.block_on(async move {
                    let server = build(listener)?;
                    let _ = handle_tx.send(server.handle());
                    server.await
                });
                // Signalled once the system is gone too, so "stopped" means cleaned up.
                drop(system);
                let _ = stopped_tx.send(ran);
            })
            .expect("a thread for the actix server");
        let handle = match handle_rx.recv_timeout(GUARD) {
            Ok(handle) => handle,
            Err(RecvTimeoutError::Timeout) => panic!(
                "hang guard: the actix server for {addr} was not built within {} s",
                GUARD.as_secs()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                panic!(
                    "the actix server for {addr} did not start: {:?}",
                    stopped.recv()
                )
            }
        };
        TestServer {
            addr,
            handle,
            stopped,
        }
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the server at once (not gracefully: see the module docs) and waits for its thread
    /// to end, at most [`GUARD`]. Call it once the test's exchanges are over.
    pub fn stop(self) {
        // The command is sent at once; the thread's end says it was carried out.
        drop(self.handle.stop(false));
        match self.stopped.recv_timeout(GUARD) {
            Ok(Ok(())) => {}
            Ok(Err(error)) => panic!("the actix server at {} failed: {error}", self.addr),
            Err(RecvTimeoutError::Timeout) => panic!(
                "hang guard: the actix server at {} did not stop within {} s",
                self.addr,
                GUARD.as_secs()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the actix server's thread for {} panicked", self.addr)
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Nothing to do after `stop` (the server is gone); otherwise a failed test's server
        // closes its listener and connections instead of outliving the test.
        drop(self.handle.stop(false));
    }
}
