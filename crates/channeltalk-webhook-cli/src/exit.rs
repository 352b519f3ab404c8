//! The exit statuses of the binary, one meaning each, shared by every command.

/// Exit status when Channel would count the delivery as successful.
pub const EXIT_DELIVERED: u8 = 0;
/// Exit status when Channel would count the delivery as failed (a 4xx or 5xx answer).
pub const EXIT_FAILED_DELIVERY: u8 = 1;
/// Exit status for a usage error, a bad `--file`, or a bot that cannot be reached.
///
/// A bot that is reached but does not answer in time gets [`EXIT_FAILED_DELIVERY`].
pub const EXIT_ERROR: u8 = 2;
