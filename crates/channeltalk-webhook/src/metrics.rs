//! The names of every metric the core records through the `metrics` facade, and
//! [`Outcome`], the label of a delivery's count, for dashboards and tests. The application
//! installs the exporter; `docs/replicas.md` in the repository lists every metric of the SDK.

pub use crate::delivery::{DELIVERIES_METRIC, HANDLER_DURATION_METRIC, Outcome};
pub use crate::dialogue::DIALOGUE_STORE_FAILURES_METRIC;
pub use crate::store::STORE_FAILURES_METRIC;
