//! [`ShutdownSignal`]: `SIGTERM` and `SIGINT` as a future, so that a bot stops the way
//! platforms stop processes: stop taking deliveries, let the worker finish what it holds
//! (bounded), leave the rest queued, exit 0.
//!
//! Install it first thing: once installed, these signals no longer kill the process, and a
//! signal that arrives before would.

use std::fmt;

/// Which signal asked the process to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopSignal {
    /// `SIGTERM`: what a platform sends to stop a process (Kubernetes, `docker stop`, systemd).
    Terminate,
    /// `SIGINT`: Ctrl-C in a terminal.
    Interrupt,
}

impl fmt::Display for StopSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopSignal::Terminate => "SIGTERM",
            StopSignal::Interrupt => "SIGINT",
        })
    }
}

/// The signals that ask the process to stop, `SIGTERM` and `SIGINT` (Ctrl-C on other
/// systems), installed when created.
///
/// Install it at start-up, before the server accepts anything: from then on these signals no
/// longer kill the process but complete [`ShutdownSignal::wait`].
#[derive(Debug)]
pub struct ShutdownSignal {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl ShutdownSignal {
    /// Installs the handlers.
    ///
    /// # Errors
    ///
    /// When the operating system refuses the handlers.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime with I/O enabled.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(ShutdownSignal {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(ShutdownSignal {})
        }
    }

    /// Completes with the first stop signal received after [`ShutdownSignal::install`].
    pub async fn wait(self) -> StopSignal {
        #[cfg(unix)]
        {
            let ShutdownSignal {
                mut terminate,
                mut interrupt,
            } = self;
            tokio::select! {
                _ = terminate.recv() => StopSignal::Terminate,
                _ = interrupt.recv() => StopSignal::Interrupt,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                tracing::warn!("Ctrl-C cannot be watched; the process stops only when killed");
                std::future::pending::<()>().await;
            }
            StopSignal::Interrupt
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_read_as_their_names() {
        assert_eq!(StopSignal::Terminate.to_string(), "SIGTERM");
        assert_eq!(StopSignal::Interrupt.to_string(), "SIGINT");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn sigterm_completes_the_signal_future() {
        let signal = ShutdownSignal::install().unwrap();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(signal.wait().await, StopSignal::Terminate);
    }
}
