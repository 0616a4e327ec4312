//! A strict reader of the Prometheus text format for the tests, independent of the one in the
//! crate, so a fault shared by writer and reader cannot hide.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One sample line.
#[derive(Debug)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A strictly parsed exposition: any line that is not a well-formed comment or sample fails
/// the test, as do a family declared twice or split in two.
#[derive(Debug)]
pub struct Scrape {
    pub samples: Vec<Sample>,
    pub types: HashMap<String, String>,
}

impl Scrape {
    pub fn parse(text: &str) -> Self {
        let mut samples = Vec::new();
        let mut types: HashMap<String, String> = HashMap::new();
        let mut helps = BTreeSet::new();
        let mut current: Option<String> = None;
        let mut finished = BTreeSet::new();
        for (i, line) in text.lines().enumerate() {
            let at = format!("line {}: `{line}`", i + 1);
            assert!(!line.trim().is_empty(), "{at}: empty line");
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let (name, _) = rest.split_once(' ').unwrap_or((rest, ""));
                assert!(valid_name(name), "{at}: bad name");
                assert!(helps.insert(name.to_string()), "{at}: HELP given twice");
                continue;
            }
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').expect(&at);
                assert!(valid_name(name), "{at}: bad name");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                    "{at}: bad type"
                );
                assert!(
                    types.insert(name.to_string(), kind.to_string()).is_none(),
                    "{at}: TYPE given twice"
                );
                if let Some(previous) = current.replace(name.to_string()) {
                    finished.insert(previous);
                }
                continue;
            }
            assert!(!line.starts_with('#'), "{at}: unknown comment");
            let sample = parse_sample(line, &at);
            let family = family_of(&sample.name, &types);
            assert!(
                types.contains_key(&family),
                "{at}: sample without a TYPE line"
            );
            assert_eq!(
                current.as_deref(),
                Some(family.as_str()),
                "{at}: family split"
            );
            assert!(!finished.contains(&family), "{at}: family split");
            samples.push(sample);
        }
        Self { samples, types }
    }

    /// Samples named `name` whose labels include all of `labels`.
    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }

    /// The value of the one sample named `name` with exactly these labels (panics otherwise).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found: Vec<&Sample> = self
            .find(name, labels)
            .into_iter()
            .filter(|s| s.labels.len() == labels.len())
            .collect();
        assert_eq!(found.len(), 1, "{name}{labels:?}: {found:?}");
        found[0].value
    }

    pub fn names(&self) -> BTreeSet<&str> {
        self.samples.iter().map(|s| s.name.as_str()).collect()
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn family_of(sample: &str, types: &HashMap<String, String>) -> String {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = sample.strip_suffix(suffix)
            && types.get(base).is_some_and(|t| t == "histogram")
        {
            return base.to_string();
        }
    }
    sample.to_string()
}

fn parse_sample(line: &str, at: &str) -> Sample {
    let name_end = line.find(['{', ' ']).expect(at);
    let name = &line[..name_end];
    assert!(valid_name(name), "{at}: bad name");
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        loop {
            let start = chars.peek().expect(at).0;
            if inner[start..].starts_with('}') {
                rest = &inner[start + 1..];
                break;
            }
            let eq = inner[start..].find("=\"").expect(at) + start;
            let key = &inner[start..eq];
            assert!(
                valid_name(key) && !key.contains(':'),
                "{at}: bad label `{key}`"
            );
            while chars.next().expect(at).0 < eq + 1 {}
            let mut value = String::new();
            loop {
                match chars.next().expect(at).1 {
                    '"' => break,
                    '\\' => match chars.next().expect(at).1 {
                        'n' => value.push('\n'),
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        other => panic!("{at}: bad escape \\{other}"),
                    },
                    '\n' => panic!("{at}: raw newline"),
                    c => value.push(c),
                }
            }
            assert!(
                labels.insert(key.to_string(), value).is_none(),
                "{at}: label twice"
            );
            match chars.peek().expect(at).1 {
                ',' => {
                    chars.next();
                }
                '}' => {}
                other => panic!("{at}: `{other}` after a label"),
            }
        }
    }
    let value = rest.strip_prefix(' ').expect(at);
    assert!(!value.contains(' '), "{at}: trailing text");
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().unwrap_or_else(|_| panic!("{at}: bad value")),
    };
    Sample {
        name: name.to_string(),
        labels,
        value,
    }
}
