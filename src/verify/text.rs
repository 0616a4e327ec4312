//! Comparing text read on screen with what a test expects.
//!
//! Text is compared after normalisation: lower case, and only letters and digits kept (so
//! punctuation, spaces and line breaks never matter). `"Wi-Fi settings"` matches a screen that
//! reads `WIFI  Settings:`.

use serde::Serialize;

use super::{Region, VerifyError};

/// Expected text: one or more alternatives separated by `|`, e.g. `"Settings|Einstellungen"`.
/// An alternative matches when its normalised form occurs anywhere in the normalised text read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextPattern {
    alternatives: Vec<String>,
    normalised: Vec<String>,
}

/// Lower case, letters and digits only.
pub(crate) fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl TextPattern {
    pub fn parse(pattern: &str) -> Result<Self, VerifyError> {
        let alternatives: Vec<String> = pattern.split('|').map(|a| a.trim().to_string()).collect();
        let normalised: Vec<String> = alternatives.iter().map(|a| normalise(a)).collect();
        if normalised.iter().any(String::is_empty) {
            return Err(VerifyError::InvalidOption(format!(
                "expected text {pattern:?} has an empty alternative (only letters and digits are compared)"
            )));
        }
        Ok(TextPattern {
            alternatives,
            normalised,
        })
    }

    pub fn alternatives(&self) -> &[String] {
        &self.alternatives
    }

    /// The first alternative found in `text`.
    pub fn find_in(&self, text: &str) -> Option<&str> {
        let haystack = normalise(text);
        self.normalised
            .iter()
            .position(|n| haystack.contains(n.as_str()))
            .map(|i| self.alternatives[i].as_str())
    }

    /// The first alternative found across a sequence of words, and the indices of the words it
    /// spans (a match may run over several words, e.g. "Wi-Fi settings").
    pub(crate) fn locate<'w>(
        &self,
        words: impl IntoIterator<Item = (&'w str, Region)>,
    ) -> Option<(usize, Vec<Region>)> {
        let mut haystack = String::new();
        // Word index of each byte of the normalised haystack.
        let mut owner: Vec<usize> = Vec::new();
        let mut regions = Vec::new();
        for (index, (word, region)) in words.into_iter().enumerate() {
            let n = normalise(word);
            owner.extend(std::iter::repeat_n(index, n.len()));
            haystack.push_str(&n);
            regions.push(region);
        }
        self.normalised
            .iter()
            .enumerate()
            .find_map(|(alt, needle)| {
                let start = haystack.find(needle.as_str())?;
                let (first, last) = (owner[start], owner[start + needle.len() - 1]);
                Some((alt, regions[first..=last].to_vec()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_ignores_case_punctuation_and_spaces() {
        assert_eq!(normalise(" Wi-Fi\nSettings: "), "wifisettings");
        assert_eq!(normalise("ÄNDERN"), "ändern");
    }

    #[test]
    fn alternatives_are_tried_in_order() {
        let p = TextPattern::parse("Settings|Einstellungen").expect("valid pattern");
        assert_eq!(p.find_in("EINSTELLUNGEN >"), Some("Einstellungen"));
        assert_eq!(p.find_in("Main menu: settings"), Some("Settings"));
        assert_eq!(p.find_in("Sett ings"), Some("Settings"));
        assert_eq!(p.find_in("Setup"), None);
    }

    #[test]
    fn empty_alternatives_are_refused() {
        assert!(TextPattern::parse("Settings|").is_err());
        assert!(TextPattern::parse("--").is_err());
    }

    #[test]
    fn a_match_spanning_words_reports_their_regions() {
        let p = TextPattern::parse("wi-fi settings").expect("valid pattern");
        let words = [
            ("Network", Region::new(0, 0, 50, 10)),
            ("Wi-Fi", Region::new(60, 0, 30, 10)),
            ("Settings", Region::new(95, 0, 50, 10)),
        ];
        let (alt, regions) = p.locate(words).expect("found");
        assert_eq!(alt, 0);
        assert_eq!(regions, vec![words[1].1, words[2].1]);
    }
}
