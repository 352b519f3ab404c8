//! The client's metrics, through the [`metrics`] facade (the application installs the
//! exporter): one count per HTTP request sent to Channel, labelled with the answer's status
//! class, and one per retry. Labels are static strings: counting allocates nothing.

use http::StatusCode;

/// The name of the counter of HTTP requests sent to the Open API (every attempt, retries
/// included), labelled `status`: `2xx`, `3xx`, `4xx`, `429` (rate limited, apart from the
/// other 4xx), `5xx`, or `error` when no answer came (connection refused or broken, timeout).
pub const REQUESTS_METRIC: &str = "channeltalk_api_requests_total";

/// The name of the counter of retries (attempts after the first of a call; no labels).
pub const RETRIES_METRIC: &str = "channeltalk_api_retries_total";

/// Counts one request by its answer's status (`None`: no answer).
pub(crate) fn count_request(status: Option<StatusCode>) {
    let counter = match status.map(|status| status.as_u16()) {
        Some(429) => metrics::counter!("channeltalk_api_requests_total", "status" => "429"),
        Some(200..=299) => metrics::counter!("channeltalk_api_requests_total", "status" => "2xx"),
        Some(300..=399) => metrics::counter!("channeltalk_api_requests_total", "status" => "3xx"),
        Some(400..=499) => metrics::counter!("channeltalk_api_requests_total", "status" => "4xx"),
        Some(500..=599) => metrics::counter!("channeltalk_api_requests_total", "status" => "5xx"),
        // 1xx never ends a request in reqwest; anything else is not an answer we can class.
        Some(_) | None => metrics::counter!("channeltalk_api_requests_total", "status" => "error"),
    };
    counter.increment(1);
}

/// Counts one retry.
pub(crate) fn count_retry() {
    metrics::counter!("channeltalk_api_retries_total").increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    #[test]
    fn statuses_are_counted_by_class_with_429_apart() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        metrics::with_local_recorder(&recorder, || {
            for status in [200, 201, 204, 302, 400, 404, 429, 500, 503] {
                count_request(Some(StatusCode::from_u16(status).unwrap()));
            }
            count_request(None);
            count_retry();
            count_retry();
        });
        let mut counts: Vec<(String, String, u64)> = snapshotter
            .snapshot()
            .into_vec()
            .into_iter()
            .map(|(key, _, _, value)| {
                let DebugValue::Counter(count) = value else {
                    panic!("only counters")
                };
                let labels: Vec<_> = key.key().labels().map(|l| l.value().to_owned()).collect();
                (key.key().name().to_owned(), labels.join(","), count)
            })
            .collect();
        counts.sort();
        let expected: Vec<(String, String, u64)> = [
            (REQUESTS_METRIC, "2xx", 3),
            (REQUESTS_METRIC, "3xx", 1),
            (REQUESTS_METRIC, "429", 1),
            (REQUESTS_METRIC, "4xx", 2),
            (REQUESTS_METRIC, "5xx", 2),
            (REQUESTS_METRIC, "error", 1),
            (RETRIES_METRIC, "", 2),
        ]
        .into_iter()
        .map(|(name, label, count)| (name.to_owned(), label.to_owned(), count))
        .collect();
        assert_eq!(counts, expected);
    }
}
