//! Reads the text exposition format back into an [`Exposition`], for federating the hosts'
//! `/host/metrics` into the server's `/metrics`. Strict: a line it cannot read is an error, so
//! a broken host output is reported as a failed scrape instead of corrupting the server's.

use super::{Exposition, Kind, Sample};

#[derive(Debug, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: String,
}

pub fn parse(text: &str) -> Result<Exposition, ParseError> {
    let mut out = Exposition::new();
    // Help seen before its family's TYPE line.
    let mut helps: Vec<(String, String)> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let fail = |reason: String| ParseError {
            line: number + 1,
            reason,
        };
        let line = line.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim_start();
            if let Some(rest) = comment.strip_prefix("HELP ") {
                let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
                check_name(name).map_err(fail)?;
                helps.push((name.to_string(), unescape_help(help)));
            } else if let Some(rest) = comment.strip_prefix("TYPE ") {
                let (name, kind) = rest
                    .split_once(' ')
                    .ok_or_else(|| fail("TYPE without a type".into()))?;
                check_name(name).map_err(fail)?;
                let kind = Kind::parse(kind.trim())
                    .ok_or_else(|| fail(format!("unknown type `{kind}`")))?;
                let help = helps
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map_or(String::new(), |(_, h)| h.clone());
                out.family(name, &help, kind);
            }
            continue;
        }
        let sample = parse_sample(line).map_err(fail)?;
        let family = family_of(&out, &sample.name);
        let help = helps
            .iter()
            .rev()
            .find(|(n, _)| *n == family)
            .map_or(String::new(), |(_, h)| h.clone());
        out.family(&family, &help, Kind::Untyped)
            .samples
            .push(sample);
    }
    Ok(out)
}

/// The family a sample belongs to: its own name, or for `_bucket`/`_sum`/`_count` the declared
/// histogram or summary it extends.
fn family_of(out: &Exposition, sample: &str) -> String {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = sample.strip_suffix(suffix)
            && out
                .families()
                .iter()
                .any(|f| f.name == base && matches!(f.kind, Kind::Histogram | Kind::Summary))
        {
            return base.to_string();
        }
    }
    sample.to_string()
}

fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(format!("bad metric name `{name}`"))
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.find(['{', ' ', '\t']).unwrap_or(line.len());
    let name = &line[..name_end];
    check_name(name)?;
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(inner)?;
        labels = parsed;
        rest = after;
    }
    let mut fields = rest.split_whitespace();
    let value = fields
        .next()
        .ok_or_else(|| format!("`{name}` has no value"))?;
    let value = parse_value(value)?;
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| format!("bad timestamp `{timestamp}`"))?;
    }
    if fields.next().is_some() {
        return Err(format!("trailing text after `{name}`"));
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

type Labels = Vec<(String, String)>;

/// Reads `a="x",b="y"}` and returns the labels and what follows the brace.
fn parse_labels(mut text: &str) -> Result<(Labels, &str), String> {
    let mut labels: Labels = Vec::new();
    loop {
        text = text.trim_start();
        if let Some(after) = text.strip_prefix('}') {
            return Ok((labels, after));
        }
        let eq = text.find('=').ok_or("label without `=`")?;
        let name = text[..eq].trim();
        check_name(name).map_err(|_| format!("bad label name `{name}`"))?;
        if labels.iter().any(|(n, _)| n == name) {
            return Err(format!("label `{name}` given twice"));
        }
        let quoted = text[eq + 1..]
            .trim_start()
            .strip_prefix('"')
            .ok_or_else(|| format!("label `{name}` value is not quoted"))?;
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    other => return Err(format!("bad escape in label `{name}`: {other:?}")),
                },
                Some((_, c)) => value.push(c),
                None => return Err(format!("label `{name}` value is not closed")),
            }
        };
        labels.push((name.to_string(), value));
        text = quoted[end + 1..].trim_start();
        if let Some(after) = text.strip_prefix(',') {
            text = after;
        } else if !text.starts_with('}') {
            return Err("labels must be separated by `,`".into());
        }
    }
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text.parse().map_err(|_| format!("bad value `{text}`")),
    }
}

fn unescape_help(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Histogram;

    #[test]
    fn reads_back_what_the_writer_writes() {
        let mut out = Exposition::new();
        out.gauge("vpt_g", "A \"gauge\".\nTwo lines \\ here.")
            .sample(&[("device", "tv \"1\"\\\n,}")], 2.5)
            .sample(&[], f64::INFINITY);
        let histogram = Histogram::new(&[0.5]);
        histogram.observe(0.25);
        out.histogram("vpt_h_seconds", "H.")
            .histogram(&[("kind", "image")], &histogram);
        let text = out.render();
        let back = parse(&text).unwrap();
        assert_eq!(back.render(), text);
        assert_eq!(back.families()[0].samples[0].labels[0].1, "tv \"1\"\\\n,}");
        assert_eq!(
            back.families()[1].samples.len(),
            4,
            "bucket, +Inf, sum, count"
        );
    }

    #[test]
    fn refuses_broken_lines() {
        for bad in [
            "vpt_x{a=\"1\"",
            "vpt_x{a=1} 2",
            "vpt_x 1 2 3",
            "vpt_x{a=\"1\",a=\"2\"} 1",
            "9vpt 1",
            "vpt_x abc",
            "vpt_x{a=\"\\q\"} 1",
            "# TYPE vpt_x colour",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn untyped_samples_and_timestamps_are_accepted() {
        let back = parse("other_metric{a=\"b\",} 1 1700000000000\n# plain comment\n").unwrap();
        assert_eq!(back.families()[0].kind, Kind::Untyped);
        assert_eq!(back.families()[0].samples[0].value, 1.0);
    }
}
