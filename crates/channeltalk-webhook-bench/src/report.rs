//! Latency histograms, percentiles and the markdown tables the tools print.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Request latencies, recorded in microseconds from 1 µs to 60 s with 3 significant digits
/// (an HDR histogram: percentiles are exact to 0.1 %).
#[derive(Clone, Debug)]
pub struct Latency {
    histogram: Histogram<u64>,
}

impl Default for Latency {
    fn default() -> Self {
        Latency::new()
    }
}

/// The largest latency recorded as such; longer ones are recorded as this.
const HIGHEST_MICROS: u64 = 60_000_000;

impl Latency {
    /// An empty histogram.
    pub fn new() -> Self {
        // The bounds are constants that hdrhistogram accepts (low ≥ 1, high ≥ 2 × low,
        // 3 significant figures), so this cannot fail; fall back to auto-resizing anyway.
        let histogram = Histogram::new_with_bounds(1, HIGHEST_MICROS, 3)
            .or_else(|_| Histogram::new(3))
            .unwrap_or_else(|_| unreachable!("3 significant figures are valid"));
        Latency { histogram }
    }

    /// Records one latency.
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.histogram
            .saturating_record(micros.clamp(1, HIGHEST_MICROS));
    }

    /// Adds every latency of `other`.
    pub fn merge(&mut self, other: &Latency) {
        for value in other.histogram.iter_recorded() {
            let _ = self
                .histogram
                .record_n(value.value_iterated_to(), value.count_at_value());
        }
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.histogram.len()
    }

    /// The latency at quantile `q` (0.5 for the median, 0.99 for p99); zero when empty.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.histogram.is_empty() {
            return Duration::ZERO;
        }
        Duration::from_micros(self.histogram.value_at_quantile(q))
    }

    /// The median.
    pub fn p50(&self) -> Duration {
        self.quantile(0.50)
    }

    /// The 99th percentile.
    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }

    /// The largest latency.
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.histogram.max())
    }
}

/// A duration for a table: `850 µs`, `1.25 ms`, `2.50 s`.
pub fn format_duration(duration: Duration) -> String {
    let micros = duration.as_micros();
    if micros < 1_000 {
        format!("{micros} µs")
    } else if micros < 1_000_000 {
        format!("{:.2} ms", micros as f64 / 1_000.0)
    } else {
        format!("{:.2} s", duration.as_secs_f64())
    }
}

/// A count with thousands separators: `1 234 567`.
pub fn format_count(count: u64) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(' ');
        }
        out.push(digit);
    }
    out
}

/// A size in KiB as MiB: `12.3 MiB`.
pub fn format_kib(kib: Option<u64>) -> String {
    match kib {
        Some(kib) => format!("{:.1} MiB", kib as f64 / 1024.0),
        None => "?".to_owned(),
    }
}

/// `a / b`, or NaN when `b` is zero.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { f64::NAN } else { a / b }
}

/// A markdown table with aligned columns.
#[derive(Clone, Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are left empty, extra cells dropped).
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.header.len(), String::new());
        self.rows.push(row);
    }

    /// The table as markdown, one line per row, each ending with a newline.
    pub fn to_markdown(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|column| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|row| row[column].chars().count())
                    .max()
                    .unwrap_or(0)
                    .max(3)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, &width)| {
                    let pad = width - cell.chars().count();
                    format!("{cell}{}", " ".repeat(pad))
                })
                .collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let mut out = line(&self.header);
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let mut latency = Latency::new();
        for micros in 1..=1000 {
            latency.record(Duration::from_micros(micros));
        }
        assert_eq!(latency.count(), 1000);
        // 3 significant figures: within 0.1 %.
        let p50 = latency.p50().as_micros() as f64;
        let p99 = latency.p99().as_micros() as f64;
        assert!((p50 - 500.0).abs() <= 1.0, "{p50}");
        assert!((p99 - 990.0).abs() <= 1.0, "{p99}");
        assert_eq!(latency.max(), Duration::from_micros(1000));
    }

    #[test]
    fn merging_adds_the_counts() {
        let mut fast = Latency::new();
        let mut slow = Latency::new();
        for _ in 0..98 {
            fast.record(Duration::from_micros(100));
        }
        for _ in 0..2 {
            slow.record(Duration::from_millis(50));
        }
        fast.merge(&slow);
        assert_eq!(fast.count(), 100);
        assert_eq!(fast.p50(), Duration::from_micros(100));
        assert_eq!(fast.quantile(0.98), Duration::from_micros(100));
        assert!(fast.p99() >= Duration::from_millis(49), "{:?}", fast.p99());
    }

    #[test]
    fn out_of_range_latencies_are_clamped_and_empty_is_zero() {
        let mut latency = Latency::new();
        assert_eq!(latency.p99(), Duration::ZERO);
        latency.record(Duration::ZERO);
        latency.record(Duration::from_secs(3600));
        assert_eq!(latency.count(), 2);
        assert!(latency.max() >= Duration::from_secs(59));
    }

    #[test]
    fn formats() {
        assert_eq!(format_duration(Duration::from_micros(850)), "850 µs");
        assert_eq!(format_duration(Duration::from_micros(1_250)), "1.25 ms");
        assert_eq!(format_duration(Duration::from_millis(2_500)), "2.50 s");
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_234_567), "1 234 567");
        assert_eq!(format_kib(Some(2048)), "2.0 MiB");
        assert_eq!(format_kib(None), "?");
        assert_eq!(ratio(1.0, 2.0), 0.5);
        assert!(ratio(1.0, 0.0).is_nan());
    }

    #[test]
    fn tables_are_aligned_markdown() {
        let mut table = Table::new(["name", "rps"]);
        table.row(["core-direct", "12 345"]);
        table.row(["x"]);
        let text = table.to_markdown();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "| name        | rps    |");
        assert_eq!(lines[1], "| ----------- | ------ |");
        assert_eq!(lines[2], "| core-direct | 12 345 |");
        assert_eq!(lines[3], "| x           |        |");
    }
}
