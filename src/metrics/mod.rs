//! Prometheus text exposition (format 0.0.4), written by hand: the format is small and a client
//! library would bring a global registry and macros we do not need.
//!
//! An [`Exposition`] collects families (name, help, type, samples) and renders them grouped, so
//! families from several places (the server's own and each host's, see `server::metrics`) can
//! be merged with every `# TYPE` line written once. Each area of the code adds its families with
//! a `write_*(&mut Exposition, ..)` function; [`Histogram`] and [`HistogramVec`] are the
//! lock-free recorders the hot paths use.

mod histogram;
pub mod parse;

use std::collections::HashMap;
use std::fmt::Write;

pub use histogram::{Histogram, HistogramVec};

/// Content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Buckets (seconds) for HTTP answers: 1 ms to 10 s.
pub const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
            Kind::Summary => "summary",
            Kind::Untyped => "untyped",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Some(match text {
            "counter" => Kind::Counter,
            "gauge" => Kind::Gauge,
            "histogram" => Kind::Histogram,
            "summary" => Kind::Summary,
            "untyped" => Kind::Untyped,
            _ => return None,
        })
    }
}

/// One sample line. `name` is the family name, or for histograms the family name plus
/// `_bucket`, `_sum` or `_count`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: String,
    pub help: String,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

impl Family {
    /// Adds a sample named like the family.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) -> &mut Self {
        let name = self.name.clone();
        self.push(name, labels, value)
    }

    /// Adds the `_bucket`/`_sum`/`_count` samples of one histogram series.
    pub fn histogram(&mut self, labels: &[(&str, &str)], histogram: &Histogram) -> &mut Self {
        let snapshot = histogram.snapshot();
        let bucket = format!("{}_bucket", self.name);
        for (bound, cumulative) in &snapshot.buckets {
            let le = format_value(*bound);
            let mut with_le: Vec<(&str, &str)> = labels.to_vec();
            with_le.push(("le", &le));
            self.push(bucket.clone(), &with_le, *cumulative as f64);
        }
        let (sum, count) = (format!("{}_sum", self.name), format!("{}_count", self.name));
        self.push(sum, labels, snapshot.sum);
        self.push(count, labels, snapshot.count as f64)
    }

    fn push(&mut self, name: String, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.samples.push(Sample {
            name,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        });
        self
    }
}

/// Families in the order they were first added.
#[derive(Debug, Default)]
pub struct Exposition {
    families: Vec<Family>,
    index: HashMap<String, usize>,
}

impl Exposition {
    pub fn new() -> Self {
        Self::default()
    }

    /// The family `name`, created empty if new. A family keeps the help and type it was
    /// created with.
    pub fn family(&mut self, name: &str, help: &str, kind: Kind) -> &mut Family {
        let at = match self.index.get(name) {
            Some(&at) => at,
            None => {
                self.families.push(Family {
                    name: name.to_string(),
                    help: help.to_string(),
                    kind,
                    samples: Vec::new(),
                });
                self.index.insert(name.to_string(), self.families.len() - 1);
                self.families.len() - 1
            }
        };
        &mut self.families[at]
    }

    pub fn gauge(&mut self, name: &str, help: &str) -> &mut Family {
        self.family(name, help, Kind::Gauge)
    }

    pub fn counter(&mut self, name: &str, help: &str) -> &mut Family {
        self.family(name, help, Kind::Counter)
    }

    pub fn histogram(&mut self, name: &str, help: &str) -> &mut Family {
        self.family(name, help, Kind::Histogram)
    }

    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// Adds `other`'s samples, each with the extra label `label` (a label of that name already
    /// there is kept as `exported_<label>`, as Prometheus does). A family whose type differs
    /// from ours is left out: mixing types would make the whole output unreadable.
    ///
    /// What another process reports is input: at most [`MAX_MERGED_FAMILIES`] families (named
    /// `vpt_…`) and [`MAX_MERGED_SAMPLES`] samples are taken, label names and values and help
    /// texts are bounded, and a family this exposition already has keeps its own help.
    pub fn merge(&mut self, other: Exposition, label: (&str, &str)) -> Result<(), String> {
        let mut refused = Vec::new();
        let mut samples_left = MAX_MERGED_SAMPLES;
        for (index, family) in other.families.into_iter().enumerate() {
            if index >= MAX_MERGED_FAMILIES {
                refused.push(format!("families past the first {MAX_MERGED_FAMILIES}"));
                break;
            }
            if !family.name.starts_with("vpt_") || family.name.len() > MAX_NAME_LEN {
                refused.push(format!("{} (not a vpt_ family)", printable(&family.name)));
                continue;
            }
            if family.samples.len() > samples_left {
                refused.push(format!(
                    "{} (over {MAX_MERGED_SAMPLES} samples)",
                    family.name
                ));
                continue;
            }
            let unbounded = family.samples.iter().any(|sample| {
                sample.labels.len() > MAX_LABELS
                    || sample.labels.iter().any(|(name, value)| {
                        name.len() > MAX_NAME_LEN || value.chars().count() > MAX_LABEL_VALUE
                    })
            });
            if unbounded {
                refused.push(format!("{} (labels too many or too long)", family.name));
                continue;
            }
            samples_left -= family.samples.len();
            let help: String = family
                .help
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_HELP)
                .collect();
            let ours = self.family(&family.name, &help, family.kind);
            if ours.kind != family.kind {
                refused.push(format!("{} (type differs)", family.name));
                continue;
            }
            for mut sample in family.samples {
                for (name, _) in sample.labels.iter_mut() {
                    if name == label.0 {
                        *name = format!("exported_{name}");
                    }
                }
                sample
                    .labels
                    .insert(0, (label.0.to_string(), label.1.to_string()));
                ours.samples.push(sample);
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(format!("not merged: {}", refused.join(", ")))
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::with_capacity(self.families.len() * 256);
        for family in &self.families {
            let _ = writeln!(out, "# HELP {} {}", family.name, escape_help(&family.help));
            let _ = writeln!(out, "# TYPE {} {}", family.name, family.kind.as_str());
            for sample in &family.samples {
                out.push_str(&sample.name);
                if !sample.labels.is_empty() {
                    out.push('{');
                    for (i, (name, value)) in sample.labels.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        let _ = write!(out, "{name}=\"{}\"", escape_label(value));
                    }
                    out.push('}');
                }
                out.push(' ');
                out.push_str(&format_value(sample.value));
                out.push('\n');
            }
        }
        out
    }
}

/// Most families taken from one other exposition (a host reports about 40).
pub const MAX_MERGED_FAMILIES: usize = 128;
/// Most samples taken from one other exposition (a host of 64 devices reports about 5,000).
pub const MAX_MERGED_SAMPLES: usize = 20_000;
const MAX_LABELS: usize = 8;
const MAX_NAME_LEN: usize = 100;
const MAX_LABEL_VALUE: usize = 200;
const MAX_HELP: usize = 200;

/// Another process's text in an error: at most 60 characters, control characters escaped.
fn printable(text: &str) -> String {
    text.chars().take(60).flat_map(char::escape_debug).collect()
}

/// Label values escape backslash, double quote and line feed.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Help text escapes backslash and line feed (quotes are fine there).
pub fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Prometheus spells infinities `+Inf`/`-Inf`; Rust's `{}` gives the shortest exact decimal
/// otherwise, which Prometheus reads back unchanged.
pub fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value == f64::INFINITY {
        "+Inf".into()
    } else if value == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{value}")
    }
}

/// `1` or `0`, for up/down gauges.
pub fn bool_value(up: bool) -> f64 {
    if up { 1.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label("two\nlines"), r"two\nlines");
        assert_eq!(escape_label("plain é"), "plain é");
        assert_eq!(escape_help("a\\b\nc \"q\""), "a\\\\b\\nc \"q\"");
    }

    #[test]
    fn values_use_prometheus_spelling() {
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(1e-9), "0.000000001");
    }

    #[test]
    fn renders_families_once_with_help_and_type() {
        let mut out = Exposition::new();
        out.gauge("vpt_hosts", "Hosts by status.")
            .sample(&[("status", "online")], 1.0);
        out.counter("vpt_x_total", "Things.\nCounted.")
            .sample(&[], 3.0);
        out.gauge("vpt_hosts", "ignored second help")
            .sample(&[("status", "offline")], 0.0);
        out.gauge("vpt_odd", "Odd label.")
            .sample(&[("device", "tv \"1\"\\\n")], 2.5);
        assert_eq!(
            out.render(),
            "# HELP vpt_hosts Hosts by status.\n\
             # TYPE vpt_hosts gauge\n\
             vpt_hosts{status=\"online\"} 1\n\
             vpt_hosts{status=\"offline\"} 0\n\
             # HELP vpt_x_total Things.\\nCounted.\n\
             # TYPE vpt_x_total counter\n\
             vpt_x_total 3\n\
             # HELP vpt_odd Odd label.\n\
             # TYPE vpt_odd gauge\n\
             vpt_odd{device=\"tv \\\"1\\\"\\\\\\n\"} 2.5\n"
        );
    }

    #[test]
    fn histogram_series_are_cumulative() {
        let histogram = Histogram::new(&[0.1, 1.0]);
        // A value on a bound counts in that bucket (`le` is "less or equal").
        for seconds in [0.0625, 0.0625, 1.0, 3.0] {
            histogram.observe(seconds);
        }
        let mut out = Exposition::new();
        out.histogram("vpt_d_seconds", "Durations.")
            .histogram(&[("kind", "image")], &histogram);
        assert_eq!(
            out.render(),
            "# HELP vpt_d_seconds Durations.\n\
             # TYPE vpt_d_seconds histogram\n\
             vpt_d_seconds_bucket{kind=\"image\",le=\"0.1\"} 2\n\
             vpt_d_seconds_bucket{kind=\"image\",le=\"1\"} 3\n\
             vpt_d_seconds_bucket{kind=\"image\",le=\"+Inf\"} 4\n\
             vpt_d_seconds_sum{kind=\"image\"} 4.125\n\
             vpt_d_seconds_count{kind=\"image\"} 4\n"
        );
    }

    #[test]
    fn merge_adds_the_label_and_keeps_one_family() {
        let mut server = Exposition::new();
        server
            .gauge("vpt_shared", "Shared.")
            .sample(&[("a", "1")], 1.0);
        let mut host = Exposition::new();
        host.gauge("vpt_shared", "Shared.")
            .sample(&[("host", "inner")], 2.0);
        host.counter("vpt_hosty_total", "Host only.")
            .sample(&[], 5.0);
        host.counter("vpt_clash", "Counter on the host.")
            .sample(&[], 1.0);
        server.gauge("vpt_clash", "Gauge here.").sample(&[], 1.0);
        let err = server.merge(host, ("host", "rack1")).unwrap_err();
        assert!(err.contains("vpt_clash"), "{err}");
        let text = server.render();
        assert_eq!(text.matches("# TYPE vpt_shared gauge").count(), 1, "{text}");
        assert!(
            text.contains("vpt_shared{host=\"rack1\",exported_host=\"inner\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("vpt_hosty_total{host=\"rack1\"} 5\n"),
            "{text}"
        );
        assert!(!text.contains("vpt_clash{host"), "{text}");
    }

    #[test]
    fn a_hostile_exposition_is_bounded() {
        let mut server = Exposition::new();
        server.gauge("vpt_up", "Server's help.").sample(&[], 1.0);
        let mut host = Exposition::new();
        host.gauge("vpt_up", "<script>replaced</script>")
            .sample(&[], 1.0);
        host.gauge("go_goroutines", "Not ours.").sample(&[], 1.0);
        host.gauge("vpt_long_help", &"x\n".repeat(500))
            .sample(&[], 1.0);
        host.gauge("vpt_wide", "Wide labels.")
            .sample(&[("device", &"d".repeat(5000))], 1.0);
        for i in 0..200 {
            host.gauge(&format!("vpt_many_{i}"), "Many.")
                .sample(&[], 1.0);
        }
        let err = server.merge(host, ("host", "evil")).unwrap_err();
        assert!(
            err.contains("go_goroutines") && err.contains("vpt_wide"),
            "{err}"
        );
        assert!(err.contains("families past the first 128"), "{err}");
        let text = server.render();
        assert!(text.contains("# HELP vpt_up Server's help.\n"), "{text}");
        assert!(!text.contains("go_goroutines") && !text.contains("vpt_wide"));
        assert!(!text.contains("vpt_many_199"));
        let help = text
            .lines()
            .find(|l| l.starts_with("# HELP vpt_long_help"))
            .unwrap();
        assert!(help.len() < 260, "{help}");
    }
}
