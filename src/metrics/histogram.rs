//! Fixed-bucket histograms recorded with atomics, so a request or a verification pays a few
//! relaxed increments and never a lock.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Exposition;

pub struct Histogram {
    /// Upper bounds, ascending, without `+Inf`.
    bounds: Vec<f64>,
    /// Observations per bucket (not cumulative), with one more slot for above the last bound.
    counts: Vec<AtomicU64>,
    /// Sum of observations, as `f64` bits.
    sum: AtomicU64,
}

/// A consistent-enough read: `count` is the sum of the bucket counts read, so `_count` always
/// equals the `+Inf` bucket.
pub struct Snapshot {
    /// `(upper bound, cumulative count)`, ending with `(+Inf, count)`.
    pub buckets: Vec<(f64, u64)>,
    pub sum: f64,
    pub count: u64,
}

impl Histogram {
    /// `bounds` are sorted and deduplicated; non-finite bounds are dropped (`+Inf` is implied).
    pub fn new(bounds: &[f64]) -> Self {
        let mut bounds: Vec<f64> = bounds.iter().copied().filter(|b| b.is_finite()).collect();
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Self {
            bounds,
            counts,
            sum: AtomicU64::new(0f64.to_bits()),
        }
    }

    pub fn observe(&self, value: f64) {
        if value.is_nan() {
            return;
        }
        let slot = self.bounds.partition_point(|bound| *bound < value);
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        let _ = self
            .sum
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
    }

    pub fn observe_duration(&self, duration: Duration) {
        self.observe(duration.as_secs_f64());
    }

    pub fn snapshot(&self) -> Snapshot {
        let mut buckets = Vec::with_capacity(self.counts.len());
        let mut cumulative = 0;
        for (i, count) in self.counts.iter().enumerate() {
            cumulative += count.load(Ordering::Relaxed);
            let bound = self.bounds.get(i).copied().unwrap_or(f64::INFINITY);
            buckets.push((bound, cumulative));
        }
        Snapshot {
            buckets,
            sum: f64::from_bits(self.sum.load(Ordering::Relaxed)),
            count: cumulative,
        }
    }
}

/// Histograms of one family keyed by label values. Callers must keep the label values to a
/// small fixed set (route templates, kinds): every distinct set lives for the whole process.
pub struct HistogramVec {
    label_names: &'static [&'static str],
    bounds: &'static [f64],
    series: Mutex<BTreeMap<Vec<String>, Arc<Histogram>>>,
}

impl HistogramVec {
    pub fn new(label_names: &'static [&'static str], bounds: &'static [f64]) -> Self {
        Self {
            label_names,
            bounds,
            series: Mutex::new(BTreeMap::new()),
        }
    }

    /// The series of `values` (one per label name), created at zero if new.
    pub fn with(&self, values: &[&str]) -> Arc<Histogram> {
        let key: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        series
            .entry(key)
            .or_insert_with(|| Arc::new(Histogram::new(self.bounds)))
            .clone()
    }

    pub fn observe(&self, values: &[&str], value: f64) {
        self.with(values).observe(value);
    }

    /// Writes every series as one histogram family.
    pub fn write(&self, out: &mut Exposition, name: &str, help: &str) {
        let series: Vec<(Vec<String>, Arc<Histogram>)> = {
            let series = self.series.lock().unwrap_or_else(|p| p.into_inner());
            series.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let family = out.histogram(name, help);
        for (values, histogram) in series {
            let labels: Vec<(&str, &str)> = self
                .label_names
                .iter()
                .copied()
                .zip(values.iter().map(String::as_str))
                .collect();
            family.histogram(&labels, &histogram);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_end_with_inf() {
        let histogram = Histogram::new(&[1.0, 0.5, f64::INFINITY, 0.5]);
        for value in [0.1, 0.5, 0.7, 1.0, 2.0, f64::NAN] {
            histogram.observe(value);
        }
        let snapshot = histogram.snapshot();
        assert_eq!(
            snapshot.buckets,
            vec![(0.5, 2), (1.0, 4), (f64::INFINITY, 5)]
        );
        assert_eq!(snapshot.count, 5);
        assert!((snapshot.sum - 4.3).abs() < 1e-9, "{}", snapshot.sum);
    }

    #[test]
    fn sums_survive_concurrent_observers() {
        let histogram = Arc::new(Histogram::new(&[1.0]));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let histogram = histogram.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        histogram.observe(0.5);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.count, 4000);
        assert_eq!(snapshot.sum, 2000.0);
    }

    #[test]
    fn vec_writes_one_series_per_label_set() {
        let vec = HistogramVec::new(&["kind"], &[1.0]);
        vec.observe(&["text"], 2.0);
        vec.observe(&["image"], 0.5);
        vec.with(&["black"]);
        let mut out = Exposition::new();
        vec.write(&mut out, "vpt_v_seconds", "V.");
        let text = out.render();
        assert_eq!(text.matches("# TYPE").count(), 1, "{text}");
        assert!(
            text.contains("vpt_v_seconds_count{kind=\"black\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("vpt_v_seconds_bucket{kind=\"image\",le=\"1\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("vpt_v_seconds_bucket{kind=\"text\",le=\"1\"} 0\n"),
            "{text}"
        );
    }
}
