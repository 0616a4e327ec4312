//! The UI element tree of an Android screen, as `uiautomator dump` writes it, and the queries
//! element verifications ask of it. Pure: no device access.

use serde::Serialize;

use crate::protocol::element::alternatives;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Bounds {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Bounds {
    /// uiautomator's `[left,top][right,bottom]`.
    pub fn parse(text: &str) -> Option<Self> {
        let nums: Vec<i32> = text
            .split(|c: char| !(c.is_ascii_digit() || c == '-'))
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?;
        let [left, top, right, bottom] = nums[..] else {
            return None;
        };
        Some(Self {
            x: left,
            y: top,
            width: right - left,
            height: bottom - top,
        })
    }

    pub fn center(&self) -> (i32, i32) {
        (self.x + self.width / 2, self.y + self.height / 2)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Element {
    /// Position in document order (0 = the root node).
    pub index: usize,
    /// Nesting depth below the hierarchy root.
    pub depth: usize,
    pub text: String,
    pub resource_id: String,
    pub content_desc: String,
    pub class: String,
    pub package: String,
    pub bounds: Option<Bounds>,
    pub clickable: bool,
    pub enabled: bool,
    pub focused: bool,
    pub selected: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("the UI dump is not valid uiautomator XML: {0}")]
pub struct DumpError(String);

/// Parses the XML of `uiautomator dump`. Tolerates the text adb shells add around it (the
/// "UI hierchary dumped to" notice, warnings) by cutting from `<?xml`/`<hierarchy` to the end
/// of `</hierarchy>`.
pub fn parse_dump(raw: &str) -> Result<Vec<Element>, DumpError> {
    let start = raw
        .find("<?xml")
        .or_else(|| raw.find("<hierarchy"))
        .ok_or_else(|| DumpError(format!("no <hierarchy> in `{}`", excerpt(raw))))?;
    let end = raw
        .rfind("</hierarchy>")
        .map(|i| i + "</hierarchy>".len())
        .ok_or_else(|| DumpError("no </hierarchy> (truncated dump?)".into()))?;
    if end <= start {
        return Err(DumpError("</hierarchy> before <hierarchy>".into()));
    }
    let doc = roxmltree::Document::parse(&raw[start..end]).map_err(|e| DumpError(e.to_string()))?;
    let mut out = Vec::new();
    for node in doc.descendants().filter(|n| n.has_tag_name("node")) {
        let attr = |name: &str| node.attribute(name).unwrap_or("").to_string();
        let flag = |name: &str| node.attribute(name) == Some("true");
        out.push(Element {
            index: out.len(),
            depth: node.ancestors().filter(|a| a.has_tag_name("node")).count() - 1,
            text: attr("text"),
            resource_id: attr("resource-id"),
            content_desc: attr("content-desc"),
            class: attr("class"),
            package: attr("package"),
            bounds: node.attribute("bounds").and_then(Bounds::parse),
            clickable: flag("clickable"),
            enabled: flag("enabled"),
            focused: flag("focused"),
            selected: flag("selected"),
        });
    }
    Ok(out)
}

fn excerpt(raw: &str) -> String {
    raw.chars().take(80).collect::<String>().replace('\n', " ")
}

// The query itself is part of the verification request both roles speak; matching it against
// a dump is the host's.
pub use crate::protocol::element::ElementQuery;

impl ElementQuery {
    pub fn matches(&self, element: &Element) -> bool {
        let check = |wanted: &Option<String>, actual: &[&str]| match wanted {
            None => true,
            Some(wanted) => {
                alternatives(wanted).any(|alt| actual.iter().any(|a| self.same(alt, a)))
            }
        };
        let short_id = element
            .resource_id
            .split_once(":id/")
            .map_or(element.resource_id.as_str(), |(_, id)| id);
        check(&self.text, &[&element.text])
            && check(&self.content_desc, &[&element.content_desc])
            && check(&self.resource_id, &[&element.resource_id, short_id])
            && check(
                &self.any,
                &[
                    &element.text,
                    &element.content_desc,
                    &element.resource_id,
                    short_id,
                ],
            )
    }

    fn same(&self, wanted: &str, actual: &str) -> bool {
        if actual.is_empty() {
            return false;
        }
        let (wanted, actual) = (wanted.to_lowercase(), actual.trim().to_lowercase());
        if self.partial {
            actual.contains(&wanted)
        } else {
            actual == wanted
        }
    }

    /// The matching elements, in document order.
    pub fn find<'a>(&self, elements: &'a [Element]) -> Vec<&'a Element> {
        elements.iter().filter(|e| self.matches(e)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../../tests/fixtures/uiautomator_settings.xml");

    #[test]
    fn fixture_parses_with_bounds_and_depth() {
        let elements = parse_dump(FIXTURE).unwrap();
        assert!(elements.len() > 10, "{}", elements.len());
        assert_eq!(elements[0].depth, 0);
        let wifi = ElementQuery {
            text: Some("Network & internet".into()),
            ..Default::default()
        };
        let found = wifi.find(&elements);
        assert_eq!(found.len(), 1);
        assert!(found[0].bounds.is_some());
        assert!(found[0].depth > 0);
    }

    #[test]
    fn queries_ignore_case_take_alternatives_and_short_ids() {
        let elements = parse_dump(FIXTURE).unwrap();
        let query = |q: ElementQuery| q.find(&elements).len();
        assert_eq!(
            query(ElementQuery {
                text: Some("BATTERY|Akku".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            query(ElementQuery {
                resource_id: Some("search_action_bar".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            query(ElementQuery {
                content_desc: Some("search settings".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            query(ElementQuery {
                text: Some("netw".into()),
                ..Default::default()
            }),
            0,
            "whole-value match unless partial"
        );
        assert_eq!(
            query(ElementQuery {
                text: Some("netw".into()),
                partial: true,
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            query(ElementQuery {
                text: Some("Nowhere to be seen".into()),
                ..Default::default()
            }),
            0
        );
    }

    #[test]
    fn bad_dumps_and_queries_are_errors() {
        assert!(parse_dump("ERROR: null root node returned by UiTestAutomationBridge.").is_err());
        assert!(parse_dump("<hierarchy rotation=\"0\"><node").is_err());
        assert!(ElementQuery::default().validate().is_err());
        assert!(
            ElementQuery {
                text: Some(" | ".into()),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert_eq!(
            Bounds::parse("[0,63][1080,210]"),
            Some(Bounds {
                x: 0,
                y: 63,
                width: 1080,
                height: 147
            })
        );
        assert_eq!(Bounds::parse("[0,63]"), None);
    }
}
