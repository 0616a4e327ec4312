//! JUnit XML of a run or a campaign run, for CI servers (GitLab, Jenkins, GitHub actions
//! reporters). A run is one `testcase`: the test case passed, failed (`failure` naming the first
//! failing step), could not be carried out (`error`) or was cancelled (`skipped`); the steps go
//! to `system-out`, one line each.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::testing::run::{RunRecord, RunStatus, StepResult, StepStatus};

/// CI pages show the message on one line; the full story is in the element's body.
const MAX_MESSAGE_CHARS: usize = 1_000;

/// One test's outcome, as JUnit counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failure,
    Error,
    Skipped,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    seconds: f64,
}

impl Counts {
    fn add(&mut self, outcome: Outcome, seconds: f64) {
        self.tests += 1;
        self.seconds += seconds;
        match outcome {
            Outcome::Passed => {}
            Outcome::Failure => self.failures += 1,
            Outcome::Error => self.errors += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }

    fn attributes(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\"",
            self.tests, self.failures, self.errors, self.skipped, self.seconds
        )
    }
}

/// A run as a JUnit document: one `testsuite` holding one `testcase`, both named after the test
/// case.
pub fn run_junit(run: &RunRecord, steps: &[StepResult]) -> String {
    let mut case = String::new();
    let outcome = testcase(
        &mut case,
        &run.testcase_name,
        &format!("vpt.{}", sanitise(&run.testcase_name)),
        Some((run, steps)),
    );
    let mut counts = Counts::default();
    counts.add(outcome, run_seconds(run, steps));

    let mut out = String::with_capacity(case.len() + 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites {}>\n", counts.attributes()));
    out.push_str("  <testsuite name=\"");
    attribute(&mut out, &run.testcase_name);
    out.push_str(&format!("\" {}", counts.attributes()));
    out.push_str(" timestamp=\"");
    out.push_str(&timestamp(run.started_at.unwrap_or(run.queued_at)));
    out.push_str("\" hostname=\"");
    attribute(&mut out, &hostname(run));
    out.push_str("\">\n    <properties>\n");
    let properties = [
        ("run_id", run.id.to_string()),
        ("status", run.status.as_str().to_string()),
        ("reason", run.reason.clone().unwrap_or_default()),
        ("started_by", run.started_by.clone()),
        ("testcase_version", run.testcase_version.to_string()),
    ];
    for (name, value) in properties {
        out.push_str(&format!("      <property name=\"{name}\" value=\""));
        attribute(&mut out, &value);
        out.push_str("\"/>\n");
    }
    out.push_str("    </properties>\n");
    out.push_str(&case);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// A test's run and its step results; `None` when the test did not run.
pub type TestRun<'a> = Option<(&'a RunRecord, &'a [StepResult])>;

/// A campaign run as a JUnit document: one `testsuite` named after the campaign, one
/// `testcase` per test in order; a test that did not run is `skipped` with "not run".
pub fn campaign_junit(name: &str, tests: &[(String, TestRun)]) -> String {
    let classname = format!("vpt.{}", sanitise(name));
    let mut cases = String::new();
    let mut counts = Counts::default();
    for (test, ran) in tests {
        let outcome = testcase(&mut cases, test, &classname, *ran);
        let seconds = ran.map_or(0.0, |(run, steps)| run_seconds(run, steps));
        counts.add(outcome, seconds);
    }
    let runs = || tests.iter().filter_map(|(_, ran)| ran.map(|(run, _)| run));
    let started = runs()
        .map(|run| run.started_at.unwrap_or(run.queued_at))
        .min();
    // A campaign's tests share one device; the first that had one names it.
    let host = runs()
        .find(|run| run.host.is_some())
        .map_or_else(|| "unassigned".to_string(), hostname);

    let mut out = String::with_capacity(cases.len() + 512);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites {}>\n", counts.attributes()));
    out.push_str("  <testsuite name=\"");
    attribute(&mut out, name);
    out.push_str(&format!("\" {}", counts.attributes()));
    if let Some(started) = started {
        out.push_str(" timestamp=\"");
        out.push_str(&timestamp(started));
        out.push('"');
    }
    out.push_str(" hostname=\"");
    attribute(&mut out, &host);
    out.push_str("\">\n");
    out.push_str(&cases);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Writes one `testcase` element and says how it counts.
fn testcase(out: &mut String, name: &str, classname: &str, ran: TestRun) -> Outcome {
    out.push_str("    <testcase name=\"");
    attribute(out, name);
    out.push_str("\" classname=\"");
    attribute(out, classname);
    let Some((run, steps)) = ran else {
        out.push_str("\" time=\"0.000\">\n      <skipped message=\"not run\"/>\n    </testcase>\n");
        return Outcome::Skipped;
    };
    out.push_str(&format!("\" time=\"{:.3}\">\n", run_seconds(run, steps)));
    let reason = run.reason.as_deref().filter(|r| !r.trim().is_empty());
    let outcome = match run.status {
        RunStatus::Passed => Outcome::Passed,
        RunStatus::Failed => {
            let failing = steps
                .iter()
                .find(|s| s.status == StepStatus::Failed)
                .or_else(|| steps.iter().find(|s| s.status != StepStatus::Passed));
            let message = match failing {
                Some(step) if step.detail.is_empty() => {
                    format!("first failing step: {}", step.label)
                }
                Some(step) => format!("first failing step: {} — {}", step.label, step.detail),
                None => reason.unwrap_or("failed").to_string(),
            };
            problem(out, "failure", "failed", &message, failing, steps);
            Outcome::Failure
        }
        RunStatus::Error => {
            let failing = steps.iter().find(|s| s.status == StepStatus::Error);
            let message = reason
                .map(str::to_string)
                .or_else(|| failing.map(|s| format!("{}: {}", s.label, s.detail)))
                .unwrap_or_else(|| "error".to_string());
            problem(out, "error", "error", &message, failing, steps);
            Outcome::Error
        }
        RunStatus::Cancelled => {
            skipped(out, reason.unwrap_or("cancelled"));
            Outcome::Skipped
        }
        RunStatus::Queued | RunStatus::Running => {
            skipped(out, &format!("not finished: {}", run.status.as_str()));
            Outcome::Skipped
        }
    };
    out.push_str("      <system-out>");
    text(out, &format!("run {} on {}\n", run.id, hostname(run)));
    for step in steps {
        text(out, &step_line(step));
        out.push('\n');
    }
    out.push_str("</system-out>\n    </testcase>\n");
    outcome
}

fn skipped(out: &mut String, message: &str) {
    out.push_str("      <skipped message=\"");
    attribute(out, &shorten(message));
    out.push_str("\"/>\n");
}

/// A `failure` or `error` element: the message on one line, the failing step in full in the
/// body, then the other steps that did not pass.
fn problem(
    out: &mut String,
    element: &str,
    kind: &str,
    message: &str,
    failing: Option<&StepResult>,
    steps: &[StepResult],
) {
    out.push_str(&format!("      <{element} message=\""));
    attribute(out, &shorten(message));
    out.push_str(&format!("\" type=\"{kind}\">"));
    let mut body = String::new();
    if let Some(step) = failing {
        body.push_str(&step_story(step));
        for other in steps
            .iter()
            .filter(|s| s.status != StepStatus::Passed && s.index != step.index)
        {
            body.push_str("\nalso: ");
            body.push_str(&step_line(other));
        }
    } else {
        body.push_str(message);
    }
    text(out, &body);
    out.push_str(&format!("</{element}>\n"));
}

/// `[passed] 1. Go to settings (312 ms)`, with the place in a repeat and the detail.
fn step_line(step: &StepResult) -> String {
    let mut line = format!(
        "[{}] {}. {}",
        step_status(step.status),
        step.index + 1,
        step.label
    );
    if !step.iteration.is_empty() {
        let numbers: Vec<String> = step.iteration.iter().map(u32::to_string).collect();
        line.push_str(&format!(" [iteration {}]", numbers.join(".")));
    }
    line.push_str(&format!(" ({:.0} ms)", step.ms.max(0.0)));
    if !step.detail.is_empty() {
        line.push_str(" — ");
        line.push_str(&step.detail);
    }
    line
}

/// Everything a step left: what it was, why it failed, its verifications and its log.
fn step_story(step: &StepResult) -> String {
    let mut story = format!("{}\nat {}", step_line(step), step.path);
    for v in &step.verifications {
        story.push_str("\nverification: ");
        story.push_str(&verification_line(v));
    }
    if !step.log.is_empty() {
        story.push_str("\nlog:");
        for line in &step.log {
            story.push_str(&format!("\n  +{:.0} ms  {}", line.ms, line.text));
        }
    }
    story
}

fn verification_line(v: &Value) -> String {
    let text = |key: &str| v.get(key).and_then(Value::as_str);
    let name = text("name")
        .map(str::to_string)
        .or_else(|| {
            v.as_object()
                .map(crate::testing::case::describe_verification)
        })
        .unwrap_or_else(|| v.to_string());
    let mut line = name;
    if let Some(kind) = text("kind") {
        line.push_str(&format!(" ({kind})"));
    }
    match v.get("passed").and_then(Value::as_bool) {
        Some(true) => line.push_str(" passed"),
        Some(false) => line.push_str(" failed"),
        None => {}
    }
    if let Some(score) = v.get("score").and_then(Value::as_f64) {
        line.push_str(&format!(", score {score:.3}"));
    }
    if let Some(detail) = text("detail").filter(|d| !d.is_empty()) {
        line.push_str(": ");
        line.push_str(detail);
    }
    line
}

fn step_status(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Passed => "passed",
        StepStatus::Failed => "failed",
        StepStatus::Error => "error",
    }
}

fn run_seconds(run: &RunRecord, steps: &[StepResult]) -> f64 {
    let ms = run
        .duration_ms
        .map(|ms| ms as f64)
        .unwrap_or_else(|| steps.iter().map(|s| s.ms).sum());
    if ms.is_finite() && ms > 0.0 {
        ms / 1000.0
    } else {
        0.0
    }
}

fn hostname(run: &RunRecord) -> String {
    match (&run.host, &run.device) {
        (Some(host), Some(device)) => format!("{host}/{device}"),
        (Some(host), None) => host.clone(),
        _ => "unassigned".to_string(),
    }
}

/// The JUnit schema's timestamp has no zone; it is UTC.
fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A class name CI tools can group by: letters, digits and `_` only.
fn sanitise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "unnamed".to_string()
    } else {
        trimmed.to_string()
    }
}

fn shorten(message: &str) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message.to_string();
    }
    let mut short: String = message.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    short.push('…');
    short
}

/// Characters XML 1.0 does not allow at all, even escaped: most C0 controls and U+FFFE/U+FFFF.
fn forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Escapes an attribute value written between double quotes. Line breaks and tabs are written
/// as references, since a parser would otherwise turn them into spaces.
fn attribute(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if forbidden(c) => {}
            c => out.push(c),
        }
    }
}

/// Escapes element text. `>` is escaped too so `]]>` cannot appear; `\r` as a reference so it
/// survives end-of-line normalisation.
fn text(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if forbidden(c) => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures::{at, record, step};
    use crate::testing::run::LogLine;
    use serde_json::json;

    const HOSTILE: &str = "<a b=\"c\" d='e'>&amp; ]]> \u{0}\u{1b}[0m\u{FFFF}\ttab\nline\r";

    fn steps() -> Vec<StepResult> {
        let mut verify = step(2, "Verify image \"settings.wifi\"", StepStatus::Failed);
        verify.detail = "not found within 5000 ms".into();
        verify.ms = 5012.4;
        verify.log = vec![
            LogLine {
                ms: 0.0,
                text: "looking for settings.wifi".into(),
            },
            LogLine {
                ms: 5011.0,
                text: "gave up".into(),
            },
        ];
        verify.verifications = vec![json!({"kind": "image", "name": "settings.wifi",
            "passed": false, "score": 0.41, "detail": "best 0.41"})];
        let mut repeated = step(1, "Press CH+", StepStatus::Passed);
        repeated.iteration = vec![2];
        vec![
            step(0, "Go to settings", StepStatus::Passed),
            repeated,
            verify,
        ]
    }

    fn attr<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
        node.attribute(name)
            .unwrap_or_else(|| panic!("no {name} on {:?}", node.tag_name()))
    }

    fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<roxmltree::Node<'a, 'a>> {
        node.children().find(|n| n.has_tag_name(name))
    }

    #[test]
    fn a_failed_run_names_its_first_failing_step() {
        let xml = run_junit(&record(RunStatus::Failed), &steps());
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        for node in [root, child(root, "testsuite").unwrap()] {
            assert_eq!(attr(node, "tests"), "1");
            assert_eq!(attr(node, "failures"), "1");
            assert_eq!(attr(node, "errors"), "0");
            assert_eq!(attr(node, "skipped"), "0");
            assert_eq!(attr(node, "time"), "4.210");
        }
        let suite = child(root, "testsuite").unwrap();
        assert_eq!(attr(suite, "name"), "open Settings");
        assert_eq!(attr(suite, "hostname"), "lab-1/sim1");
        assert_eq!(attr(suite, "timestamp"), "2026-03-14T09:26:01");
        let properties = child(suite, "properties").unwrap();
        assert!(
            properties.children().any(
                |p| p.attribute("name") == Some("run_id") && p.attribute("value") == Some("12")
            )
        );
        let case = child(suite, "testcase").unwrap();
        assert_eq!(attr(case, "name"), "open Settings");
        assert_eq!(attr(case, "classname"), "vpt.open_Settings");
        assert_eq!(attr(case, "time"), "4.210");
        let failure = child(case, "failure").unwrap();
        assert_eq!(
            attr(failure, "message"),
            "first failing step: Verify image \"settings.wifi\" — not found within 5000 ms"
        );
        assert_eq!(attr(failure, "type"), "failed");
        let body = failure.text().unwrap();
        assert!(body.contains("at steps[2]"), "{body}");
        assert!(body.contains("+5011 ms  gave up"), "{body}");
        assert!(
            body.contains("settings.wifi (image) failed, score 0.410: best 0.41"),
            "{body}"
        );
        let out = child(case, "system-out").unwrap().text().unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                "run 12 on lab-1/sim1",
                "[passed] 1. Go to settings (312 ms)",
                "[passed] 2. Press CH+ [iteration 2] (312 ms)",
                "[failed] 3. Verify image \"settings.wifi\" (5012 ms) — not found within 5000 ms",
            ]
        );
    }

    #[test]
    fn passed_error_and_cancelled_runs() {
        let passed = run_junit(&record(RunStatus::Passed), &steps()[..2]);
        let doc = roxmltree::Document::parse(&passed).unwrap();
        let case = doc
            .descendants()
            .find(|n| n.has_tag_name("testcase"))
            .unwrap();
        assert!(child(case, "failure").is_none() && child(case, "error").is_none());
        assert_eq!(attr(doc.root_element(), "failures"), "0");

        let mut errored = record(RunStatus::Error);
        errored.reason = Some("host lost: lab-1".into());
        let xml = run_junit(&errored, &[]);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let error = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
        assert_eq!(attr(error, "message"), "host lost: lab-1");
        assert_eq!(attr(error, "type"), "error");
        assert_eq!(attr(doc.root_element(), "errors"), "1");

        let mut cancelled = record(RunStatus::Cancelled);
        cancelled.reason = Some("cancelled by ann".into());
        cancelled.duration_ms = None;
        let xml = run_junit(&cancelled, &steps()[..1]);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let skipped = doc
            .descendants()
            .find(|n| n.has_tag_name("skipped"))
            .unwrap();
        assert_eq!(attr(skipped, "message"), "cancelled by ann");
        assert_eq!(attr(doc.root_element(), "skipped"), "1");
        assert_eq!(
            attr(doc.root_element(), "time"),
            "0.312",
            "steps' time without a duration"
        );
    }

    #[test]
    fn hostile_text_is_escaped_and_forbidden_characters_dropped() {
        let mut run = record(RunStatus::Failed);
        run.testcase_name = HOSTILE.into();
        run.host = Some(HOSTILE.into());
        run.reason = Some(HOSTILE.into());
        let mut steps = steps();
        steps[2].label = HOSTILE.into();
        steps[2].detail = HOSTILE.into();
        steps[2].log[0].text = HOSTILE.into();
        let xml = run_junit(&run, &steps);
        assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}') && !xml.contains('\u{FFFF}'));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let clean = "<a b=\"c\" d='e'>&amp; ]]> [0m\ttab\nline\r";
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(attr(suite, "name"), clean);
        let case = child(suite, "testcase").unwrap();
        assert_eq!(attr(case, "name"), clean);
        assert_eq!(attr(case, "classname"), "vpt.a_b_c_d_e_amp_0m_tab_line");
        let failure = child(case, "failure").unwrap();
        assert_eq!(
            attr(failure, "message"),
            format!("first failing step: {clean} — {clean}")
        );
        assert!(failure.text().unwrap().contains(&format!("+0 ms  {clean}")));

        let xml = campaign_junit(HOSTILE, &[(HOSTILE.to_string(), None)]);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .unwrap();
        assert_eq!(attr(suite, "name"), clean);
        assert_eq!(sanitise("  ∆∆ "), "unnamed");
    }

    #[test]
    fn campaign_has_one_testcase_per_test() {
        let failed = record(RunStatus::Failed);
        let failed_steps = steps();
        let mut passed = record(RunStatus::Passed);
        passed.id = 13;
        passed.duration_ms = Some(1500);
        passed.started_at = Some(at(0));
        let passed_steps = steps()[..1].to_vec();
        let xml = campaign_junit(
            "nightly smoke",
            &[
                ("zap".to_string(), Some((&passed, &passed_steps[..]))),
                (
                    "open Settings".to_string(),
                    Some((&failed, &failed_steps[..])),
                ),
                ("reboot".to_string(), None),
            ],
        );
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        let suites: Vec<_> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 1);
        let suite = suites[0];
        for node in [root, suite] {
            assert_eq!(attr(node, "tests"), "3");
            assert_eq!(attr(node, "failures"), "1");
            assert_eq!(attr(node, "errors"), "0");
            assert_eq!(attr(node, "skipped"), "1");
            assert_eq!(attr(node, "time"), "5.710");
        }
        assert_eq!(attr(suite, "name"), "nightly smoke");
        assert_eq!(attr(suite, "hostname"), "lab-1/sim1");
        assert_eq!(attr(suite, "timestamp"), "2026-03-14T09:26:00");
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let names: Vec<&str> = cases.iter().map(|c| attr(*c, "name")).collect();
        assert_eq!(names, ["zap", "open Settings", "reboot"]);
        assert!(
            cases
                .iter()
                .all(|c| attr(*c, "classname") == "vpt.nightly_smoke")
        );
        assert!(child(cases[0], "failure").is_none());
        assert!(child(cases[1], "failure").is_some());
        let skipped = child(cases[2], "skipped").unwrap();
        assert_eq!(attr(skipped, "message"), "not run");
        assert_eq!(attr(cases[2], "time"), "0.000");

        let empty = campaign_junit("nothing", &[]);
        let doc = roxmltree::Document::parse(&empty).unwrap();
        assert_eq!(attr(doc.root_element(), "tests"), "0");
    }

    #[test]
    fn long_messages_are_shortened_but_bodies_kept() {
        let mut steps = steps();
        steps[2].detail = "x".repeat(5000);
        let xml = run_junit(&record(RunStatus::Failed), &steps);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(attr(failure, "message").chars().count(), MAX_MESSAGE_CHARS);
        assert!(failure.text().unwrap().contains(&"x".repeat(5000)));
    }
}
