//! Server processes under test: finding the release binaries, starting one on a free port,
//! waiting until it accepts connections, reading its memory, stopping it.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The command that builds the example servers in release mode.
pub const BUILD_EXAMPLES: &str =
    "cargo build --release -p core-direct -p echo-actix -p echo-warp -p echo-axum";
/// The command that builds this crate's binaries (the hand-written servers) in release mode.
pub const BUILD_HANDWRITTEN: &str = "cargo build --release -p channeltalk-webhook-bench --bins";

/// Why a server could not be found, started or reached.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The binary is not built.
    #[error(
        "{binary} not found in {dir}: build it first with `{build}` (or pass --bin-dir to the \
         directory holding the release binaries)"
    )]
    NotBuilt {
        /// The binary's name.
        binary: String,
        /// Where it was looked for.
        dir: String,
        /// The command that builds it.
        build: &'static str,
    },
    /// The operating system refused something (spawning, a free port, the log file).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// The server exited before or while it was used.
    #[error("{name} exited ({status}); its output is in {log}")]
    Exited {
        /// The server's name.
        name: String,
        /// How it exited.
        status: ExitStatus,
        /// Its log file.
        log: String,
    },
    /// The server did not accept connections in time.
    #[error(
        "{name} did not accept connections on {addr} within {timeout:?}; its output is in {log}"
    )]
    NotReady {
        /// The server's name.
        name: String,
        /// Its address.
        addr: SocketAddr,
        /// How long it was given.
        timeout: Duration,
        /// Its log file.
        log: String,
    },
}

/// The directory holding the release binaries: `$CARGO_TARGET_DIR/release` when that is
/// set, the directory of the running executable when it is a `release` directory, else the
/// workspace's `target/release`.
pub fn default_bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("release");
    }
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    if let Some(dir) = exe_dir.filter(|dir| dir.ends_with("release")) {
        return dir;
    }
    workspace_root().join("target").join("release")
}

/// The workspace's root directory (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// The path of binary `name` in `dir`, or [`ProcessError::NotBuilt`] naming `build`.
pub fn locate(dir: &Path, name: &str, build: &'static str) -> Result<PathBuf, ProcessError> {
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ProcessError::NotBuilt {
            binary: name.to_owned(),
            dir: dir.display().to_string(),
            build,
        })
    }
}

/// Runs a build command (one of [`BUILD_EXAMPLES`], [`BUILD_HANDWRITTEN`]) in the workspace,
/// with the `cargo` that runs this tool when there is one.
pub fn build(command: &str) -> Result<(), ProcessError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let status = Command::new(&cargo)
        .args(&args)
        .current_dir(workspace_root())
        .status()
        .map_err(|source| ProcessError::Io {
            what: format!("running `{command}`"),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(ProcessError::Io {
            what: format!("`{command}` failed ({status})"),
            source: std::io::Error::other("build failed"),
        })
    }
}

/// A free port on 127.0.0.1 (bound and released; another process could take it meanwhile).
pub fn free_port() -> Result<u16, ProcessError> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|source| ProcessError::Io {
            what: "finding a free port".into(),
            source,
        })?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|source| ProcessError::Io {
            what: "finding a free port".into(),
            source,
        })
}

/// A running server; killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    name: String,
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts `binary` with `CHANNEL_WEBHOOK_TOKEN=token`, `HOST=127.0.0.1` and a free
    /// `PORT`, its output going to `<log_dir>/<name>.log`.
    pub fn spawn(
        name: &str,
        binary: &Path,
        token: &str,
        log_dir: &Path,
    ) -> Result<ServerProcess, ProcessError> {
        let port = free_port()?;
        std::fs::create_dir_all(log_dir).map_err(|source| ProcessError::Io {
            what: format!("creating {}", log_dir.display()),
            source,
        })?;
        let log = log_dir.join(format!("{name}.log"));
        let out = File::create(&log).map_err(|source| ProcessError::Io {
            what: format!("creating {}", log.display()),
            source,
        })?;
        let err = out.try_clone().map_err(|source| ProcessError::Io {
            what: format!("opening {}", log.display()),
            source,
        })?;
        let child = Command::new(binary)
            .env("CHANNEL_WEBHOOK_TOKEN", token)
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|source| ProcessError::Io {
                what: format!("starting {}", binary.display()),
                source,
            })?;
        Ok(ServerProcess {
            name: name.to_owned(),
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            log,
        })
    }

    /// Waits until the server accepts a TCP connection.
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<(), ProcessError> {
        let started = Instant::now();
        loop {
            self.check_alive()?;
            if tokio::net::TcpStream::connect(self.addr).await.is_ok() {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(ProcessError::NotReady {
                    name: self.name.clone(),
                    addr: self.addr,
                    timeout,
                    log: self.log.display().to_string(),
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// [`ProcessError::Exited`] if the server is no longer running.
    pub fn check_alive(&mut self) -> Result<(), ProcessError> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(ProcessError::Exited {
                name: self.name.clone(),
                status,
                log: self.log.display().to_string(),
            }),
            Ok(None) => Ok(()),
            Err(source) => Err(ProcessError::Io {
                what: format!("checking on {}", self.name),
                source,
            }),
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its resident memory in KiB (`VmRSS` of `/proc/<pid>/status`).
    pub fn rss_kib(&self) -> Option<u64> {
        rss_of(self.pid())
    }

    /// The CPU time it has used so far (see [`cpu_time_of`]).
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time_of(self.pid())
    }

    /// Its log file.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// Kills it and waits for it to end.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The resident memory of process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_rss(&status)
}

/// The CPU time process `pid` has used so far, all its live threads together (the sum of
/// the first field of `/proc/<pid>/task/*/schedstat`, in nanoseconds).
pub fn cpu_time_of(pid: u32) -> Option<Duration> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0u64;
    for task in tasks.flatten() {
        let Ok(schedstat) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue; // the thread ended meanwhile
        };
        total += parse_schedstat(&schedstat)?;
    }
    Some(Duration::from_nanos(total))
}

/// The time on CPU, in nanoseconds, of a `/proc/<pid>/task/<tid>/schedstat` text.
pub fn parse_schedstat(schedstat: &str) -> Option<u64> {
    schedstat.split_whitespace().next()?.parse().ok()
}

/// The `VmRSS` line of a `/proc/<pid>/status` text, in KiB.
pub fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// One line about this machine: CPU model, cores, kernel and load average.
pub fn machine_summary() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|_| "?".to_owned());
    format!(
        "{cpu}, {cores} cores, Linux {kernel}, load average {}",
        load_average()
    )
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// Runs a tool's `main_async` on a runtime with `threads` workers and turns its outcome into
/// the exit status: 0 when every answer was right, 1 when one was wrong, 2 for an error (said
/// on standard error, prefixed with the tool's `name`).
pub fn run_tool<F>(name: &str, threads: usize, main: F) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<bool, ProcessError>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{name}: cannot start the runtime: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(main) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(error) => {
            eprintln!("{name}: {error}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\tcore-direct\nVmPeak:\t  20000 kB\nVmRSS:\t    5432 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(5432));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }

    #[test]
    fn missing_binaries_say_how_to_build_them() {
        let dir = std::env::temp_dir().join("channeltalk-bench-nothing-here");
        let error = locate(&dir, "echo-warp", BUILD_EXAMPLES).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("echo-warp not found"), "{message}");
        assert!(message.contains(BUILD_EXAMPLES), "{message}");
    }

    #[test]
    fn reads_schedstat() {
        assert_eq!(parse_schedstat("123456789 2000 15\n"), Some(123_456_789));
        assert_eq!(parse_schedstat(""), None);
        let own = cpu_time_of(std::process::id()).unwrap();
        assert!(own > Duration::ZERO);
    }

    #[test]
    fn own_rss_is_readable() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(parse_vm_rss(&status).is_some_and(|kib| kib > 0));
    }
}
