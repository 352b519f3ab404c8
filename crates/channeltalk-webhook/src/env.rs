//! A bot's settings read from the environment, the way every example reads them: where to
//! listen (`HOST`, `PORT`) and any other variable with a default, each checked, with an error
//! that names the variable and its value.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

/// A variable that is set but does not read as what it should be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?} is not valid: expected {expected}")]
pub struct EnvError {
    /// The variable.
    pub name: String,
    /// Its value.
    pub value: String,
    /// What it should be.
    pub expected: &'static str,
}

/// The variable `name` read as a `T`, or `default` when it is not set (or not UTF-8).
///
/// ```
/// use channeltalk_webhook::env::var_or;
///
/// let delay: u64 = var_or("A_DELAY_NOBODY_SETS_MS", 1000)?;
/// assert_eq!(delay, 1000);
/// # Ok::<(), channeltalk_webhook::env::EnvError>(())
/// ```
pub fn var_or<T: FromStr>(name: &str, default: T) -> Result<T, EnvError> {
    read(
        name,
        std::env::var(name).ok(),
        default,
        std::any::type_name::<T>(),
    )
}

/// Where to listen: `HOST` (default `127.0.0.1`, loopback only: set `0.0.0.0` to accept
/// other machines) and `PORT` (default `8080`; `0` for any free port).
pub fn listen_address() -> Result<SocketAddr, EnvError> {
    address(std::env::var("HOST").ok(), std::env::var("PORT").ok())
}

fn address(host: Option<String>, port: Option<String>) -> Result<SocketAddr, EnvError> {
    let host = read(
        "HOST",
        host,
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        "an IP address",
    )?;
    let port = read("PORT", port, 8080u16, "a port number (0 to 65535)")?;
    Ok(SocketAddr::new(host, port))
}

fn read<T: FromStr>(
    name: &str,
    value: Option<String>,
    default: T,
    expected: &'static str,
) -> Result<T, EnvError> {
    match value {
        None => Ok(default),
        Some(value) => value.trim().parse().map_err(|_| EnvError {
            name: name.to_owned(),
            value,
            expected,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_variables_take_their_defaults_and_bad_ones_are_named() {
        assert_eq!(
            address(None, None).unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            address(Some("0.0.0.0".into()), Some(" 0 ".into())).unwrap(),
            "0.0.0.0:0".parse().unwrap()
        );
        let error = address(None, Some("eighty".into())).unwrap_err();
        assert_eq!(
            error.to_string(),
            "PORT=\"eighty\" is not valid: expected a port number (0 to 65535)"
        );
        assert_eq!(
            address(Some("localhost".into()), None).unwrap_err().name,
            "HOST"
        );
        assert_eq!(read("N", Some("7".into()), 1u32, "a number").unwrap(), 7);
    }
}
