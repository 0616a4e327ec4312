//! The HTML report of a run or a campaign run: one file with its pictures embedded and its CSS
//! inline, no JavaScript, so it opens offline, survives being mailed or attached to a ticket,
//! and prints. Every piece of text comes from users or devices and is escaped.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::testing::case;
use crate::testing::run::{RunRecord, RunStatus, StepResult, StepStatus};

/// One run and what it needs to be shown.
pub struct RunReport<'a> {
    pub run: &'a RunRecord,
    pub steps: &'a [StepResult],
    /// The test case document that ran, to list the steps that never ran.
    pub document: Option<&'a Value>,
    /// The bytes (JPEG) of an artifact of the run, by name; `None` when it was not kept.
    pub artifact: &'a dyn Fn(&str) -> Option<Vec<u8>>,
}

/// A campaign run: its tests in order, each with its run when it ran.
pub struct CampaignReport<'a> {
    pub name: &'a str,
    pub status: &'a str,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub tests: Vec<CampaignTest<'a>>,
}

pub struct CampaignTest<'a> {
    /// Place in the campaign as shown to users.
    pub position: u32,
    pub name: &'a str,
    /// `None`: the test was not run.
    pub run: Option<RunReport<'a>>,
}

/// The report of one run as a complete HTML document.
pub fn run_html(report: &RunReport) -> String {
    let mut out = Html::with_capacity(estimate(&[report]));
    let title = format!(
        "{} — run {} — {}",
        report.run.testcase_name,
        report.run.id,
        report.run.status.as_str()
    );
    out.open_document(&title);
    out.run(report, "step-", 1);
    out.close_document(&format!("vpt run report · run {}", report.run.id));
    out.into_string()
}

/// The report of a campaign run: a summary table of its tests, then each run in full.
pub fn campaign_html(report: &CampaignReport) -> String {
    let runs: Vec<&RunReport> = report.tests.iter().filter_map(|t| t.run.as_ref()).collect();
    let mut out = Html::with_capacity(estimate(&runs));
    out.open_document(&format!("{} — campaign — {}", report.name, report.status));
    out.campaign(report);
    out.close_document("vpt campaign report");
    out.into_string()
}

/// Escapes text for HTML content and attribute values (quoted with `"` or `'`). Control
/// characters other than tab and line breaks are dropped: they have no business in a report
/// and some are not allowed in HTML at all.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Room for the pictures up front, so a report of a long run is not copied as it grows.
fn estimate(reports: &[&RunReport]) -> usize {
    let pictures: usize = reports
        .iter()
        .flat_map(|r| r.steps.iter())
        .map(|s| 2 + s.verifications.len())
        .sum();
    // A camera picture of the kept size is some tens of KB; base64 adds a third.
    32 * 1024 + pictures * 80 * 1024
}

const CSS: &str = r#"
:root { --ok: #1a7f37; --bad: #cf222e; --err: #bc4c00; --off: #6e7781; --run: #0969da;
  --line: #d0d7de; --soft: #f6f8fa; --text: #1f2328; --muted: #59636e; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--text); background: #fff; line-height: 1.45; font-size: 15px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 26px; margin: 0; overflow-wrap: anywhere; }
h2 { font-size: 20px; margin: 32px 0 12px; overflow-wrap: anywhere; }
h3, h4 { font-size: 16px; margin: 0; overflow-wrap: anywhere; }
.title h1, .title h2 { margin: 0; }
.section { font-size: 19px; margin: 28px 0 10px; }
a { color: var(--run); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
.title { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; color: #fff; font-size: 12px;
  font-weight: 600; text-transform: uppercase; letter-spacing: .04em; white-space: nowrap; background: var(--off); }
.title .badge { font-size: 14px; padding: 3px 12px; }
.passed { --tone: var(--ok); } .failed { --tone: var(--bad); } .error { --tone: var(--err); }
.cancelled, .unknown, .notrun { --tone: var(--off); } .queued, .running { --tone: var(--run); }
.badge.passed, .badge.failed, .badge.error, .badge.cancelled, .badge.queued, .badge.running,
.badge.notrun, .badge.unknown { background: var(--tone); }
.first-failure { margin: 12px 0 0; padding: 10px 14px; border-left: 4px solid var(--tone, var(--bad));
  background: #fff1f0; overflow-wrap: anywhere; }
.first-failure.error { background: #fff4e5; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 18px 0 0; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: 600; background: var(--soft); }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.bad td:first-child { box-shadow: inset 4px 0 0 var(--tone); }
tr.bad { background: #fff8f7; }
td .sub { color: var(--muted); font-size: 13px; }
.step { border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 6px;
  margin: 14px 0; padding: 12px 16px; }
.step.failed, .step.error { border-left-color: var(--tone); background: #fffbfa; }
.step.passed { border-left-color: #8fd19e; }
.step > header { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.step .index { font-weight: 700; color: var(--muted); font-variant-numeric: tabular-nums; }
.step .where { color: var(--muted); font-size: 13px; }
.step .ms { margin-left: auto; color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
.detail { margin: 8px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.step.failed .detail, .step.error .detail { color: var(--tone); font-weight: 600; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
.pictures { display: flex; flex-wrap: wrap; gap: 16px; margin: 12px 0 0; }
figure { margin: 0; flex: 0 1 480px; max-width: 480px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; overflow-wrap: anywhere; }
.missing { display: flex; align-items: center; justify-content: center; aspect-ratio: 16 / 9;
  border: 1px dashed var(--line); border-radius: 4px; color: var(--muted); font-size: 13px; background: var(--soft); }
.verification { display: flex; flex-wrap: wrap; gap: 16px; margin: 14px 0 0; padding: 10px 12px;
  border-radius: 4px; background: var(--soft); border-left: 4px solid var(--tone, var(--line)); }
.verification .info { flex: 1 1 260px; min-width: 0; }
.verification .info p { margin: 4px 0 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.kv { color: var(--muted); font-size: 13px; }
pre.log { margin: 12px 0 0; padding: 8px 10px; background: var(--soft); border-radius: 4px;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: none; }
.log .t { color: var(--muted); }
.empty { color: var(--muted); }
ul.not-run { padding-left: 20px; } ul.not-run li { color: var(--muted); }
details { margin: 24px 0 0; } summary { cursor: pointer; color: var(--muted); }
details pre { background: var(--soft); padding: 10px; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
section.test { border-top: 2px solid var(--line); margin-top: 36px; padding-top: 4px; }
footer { max-width: 1120px; margin: 0 auto; padding: 0 28px 24px; color: var(--muted); font-size: 12px; }
@media (max-width: 700px) { main { padding: 16px; } dl.meta { grid-template-columns: 1fr; } }
@media print {
  body { font-size: 11pt; } main { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  .step, .verification, figure, tr { break-inside: avoid; }
  figure { max-width: 45%; flex-basis: 45%; }
  details > *:not(summary) { display: block; }
}
"#;

/// The report as it is written: a string and the escaping that goes with it.
struct Html {
    out: String,
}

/// A verification result as the verify API reports it; absent fields stay absent.
struct Verification<'v> {
    name: String,
    kind: Option<&'v str>,
    mode: Option<&'v str>,
    passed: Option<bool>,
    score: Option<f64>,
    detail: Option<&'v str>,
    annotated: Option<&'v str>,
    raw: &'v Value,
}

impl<'v> Verification<'v> {
    fn read(value: &'v Value) -> Verification<'v> {
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        let name = text("name")
            .map(str::to_string)
            .or_else(|| value.as_object().map(case::describe_verification))
            .unwrap_or_default();
        Verification {
            name,
            kind: text("kind"),
            mode: text("mode"),
            passed: value
                .get("passed")
                .or_else(|| value.get("matched"))
                .and_then(Value::as_bool),
            score: value.get("score").and_then(Value::as_f64),
            detail: text("detail"),
            annotated: text("annotated"),
            raw: value,
        }
    }
}

impl Html {
    fn with_capacity(capacity: usize) -> Html {
        Html {
            out: String::with_capacity(capacity),
        }
    }

    fn into_string(self) -> String {
        self.out
    }

    fn raw(&mut self, html: &str) {
        self.out.push_str(html);
    }

    fn text(&mut self, text: &str) {
        escape_into(&mut self.out, text);
    }

    /// `<tag class="..">escaped text</tag>`; `tag` and `class` are ours, never user text.
    fn element(&mut self, tag: &str, class: &str, text: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        if !class.is_empty() {
            self.out.push_str(" class=\"");
            self.out.push_str(class);
            self.out.push('"');
        }
        self.out.push('>');
        self.text(text);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    fn heading(&mut self, level: u8, class: &str, text: &str) {
        let tag = format!("h{}", level.min(6));
        self.element(&tag, class, text);
        self.raw("\n");
    }

    fn badge(&mut self, status: &str) {
        self.element("span", &format!("badge {}", status_class(status)), status);
    }

    fn open_document(&mut self, title: &str) {
        self.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        self.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        self.raw("<title>");
        self.text(title);
        self.raw("</title>\n<style>");
        self.raw(CSS);
        self.raw("</style>\n</head>\n<body>\n<main>\n");
    }

    fn close_document(&mut self, footer: &str) {
        self.raw("</main>\n");
        self.element("footer", "", footer);
        self.raw("\n</body>\n</html>\n");
    }

    fn meta(&mut self, term: &str, value: &str) {
        self.raw("<dt>");
        self.text(term);
        self.raw("</dt><dd>");
        self.text(value);
        self.raw("</dd>\n");
    }

    /// A run: its header, the step table, each step in full, and what never ran. `anchor`
    /// prefixes the step ids so several runs can share a page; `level` is the title's heading.
    fn run(&mut self, report: &RunReport, anchor: &str, level: u8) {
        let run = report.run;
        self.raw("<header class=\"run\">\n<div class=\"title\">");
        self.heading(level, "", &run.testcase_name);
        self.badge(run.status.as_str());
        self.raw("</div>\n");
        if let Some(step) = first_failure(report.steps) {
            let status = step_status(step.status);
            self.raw(&format!(
                "<p class=\"first-failure {status}\">First failing step: <a href=\"#{anchor}{}\">",
                step.index
            ));
            self.text(&format!("{}. {}", step.index + 1, step.label));
            self.raw("</a>");
            if !step.detail.is_empty() {
                self.raw(" — ");
                self.text(&step.detail);
            }
            self.raw("</p>\n");
        }
        self.raw("<dl class=\"meta\">\n");
        self.meta("Device", &device(run));
        self.meta("Started", &time(run.started_at));
        self.meta("Finished", &time(run.finished_at));
        self.meta("Duration", &run_duration(run));
        self.meta("Started by", &run.started_by);
        if let Some(reason) = run.reason.as_deref().filter(|r| !r.is_empty()) {
            self.meta("Reason", reason);
        }
        self.meta(
            "Steps",
            &format!("{} done, {} failed", run.steps_done, run.steps_failed),
        );
        let userinterface = report
            .document
            .and_then(|d| d.get("userinterface"))
            .and_then(Value::as_str);
        if let Some(userinterface) = userinterface {
            self.meta("Userinterface", userinterface);
        }
        self.meta(
            "Run",
            &format!(
                "{} · test case version {} · queued {}",
                run.id,
                run.testcase_version,
                time(Some(run.queued_at))
            ),
        );
        self.raw("</dl>\n</header>\n");

        self.heading(level + 1, "section", "Steps");
        if report.steps.is_empty() {
            self.element("p", "empty", "No step ran.");
            self.raw("\n");
        } else {
            self.step_table(report.steps, anchor);
            for step in report.steps {
                self.step(step, report.artifact, anchor, level + 2);
            }
        }
        self.not_run(report, level + 1);
        if let Some(document) = report.document {
            self.raw("<details><summary>Test case document</summary><pre>");
            let pretty = serde_json::to_string_pretty(document).unwrap_or_default();
            self.text(&pretty);
            self.raw("</pre></details>\n");
        }
    }

    fn step_table(&mut self, steps: &[StepResult], anchor: &str) {
        self.raw(
            "<table class=\"steps\">\n<thead><tr><th class=\"num\">#</th><th>Step</th>\
             <th>Status</th><th class=\"num\">Duration</th></tr></thead>\n<tbody>\n",
        );
        for step in steps {
            let status = step_status(step.status);
            let class = match step.status {
                StepStatus::Passed => status.to_string(),
                _ => format!("bad {status}"),
            };
            self.raw(&format!(
                "<tr class=\"{class}\"><td class=\"num\">{}</td><td><a href=\"#{anchor}{}\">",
                step.index + 1,
                step.index
            ));
            self.text(&step.label);
            self.raw("</a>");
            let place = place(step);
            if !place.is_empty() {
                self.raw(" ");
                self.element("span", "sub", &place);
            }
            self.raw("</td><td>");
            self.badge(status);
            self.raw("</td><td class=\"num\">");
            self.text(&duration(step.ms));
            self.raw("</td></tr>\n");
        }
        self.raw("</tbody>\n</table>\n");
    }

    fn step(
        &mut self,
        step: &StepResult,
        artifact: &dyn Fn(&str) -> Option<Vec<u8>>,
        anchor: &str,
        level: u8,
    ) {
        let status = step_status(step.status);
        self.raw(&format!(
            "<article class=\"step {status}\" id=\"{anchor}{}\">\n<header>",
            step.index
        ));
        self.element("span", "index", &format!("{}.", step.index + 1));
        self.element(&format!("h{}", level.min(6)), "", &step.label);
        let mut place = place(step);
        if !step.action.is_empty() {
            place = if place.is_empty() {
                step.action.clone()
            } else {
                format!("{} · {place}", step.action)
            };
        }
        self.element("span", "where", &place);
        self.badge(status);
        self.element("span", "ms", &duration(step.ms));
        self.raw("</header>\n");
        if !step.detail.is_empty() {
            self.element("p", "detail", &step.detail);
            self.raw("\n");
        }
        if step.continue_on_failure && step.status != StepStatus::Passed {
            self.element(
                "p",
                "note",
                "Continue on failure: the next steps ran, the run still fails.",
            );
            self.raw("\n");
        }
        if step.before.is_some() || step.after.is_some() {
            self.raw("<div class=\"pictures\">\n");
            if let Some(name) = &step.before {
                self.picture(artifact, name, "Before");
            }
            if let Some(name) = &step.after {
                self.picture(artifact, name, "After");
            }
            self.raw("</div>\n");
        }
        for value in &step.verifications {
            self.verification(&Verification::read(value), artifact);
        }
        if !step.log.is_empty() {
            self.raw("<pre class=\"log\">");
            for line in &step.log {
                self.element(
                    "span",
                    "t",
                    &format!("{:>9}", format!("+{:.0} ms", line.ms)),
                );
                self.raw("  ");
                self.text(&line.text);
                self.raw("\n");
            }
            self.raw("</pre>\n");
        }
        self.raw("</article>\n");
    }

    fn verification(&mut self, v: &Verification, artifact: &dyn Fn(&str) -> Option<Vec<u8>>) {
        let status = match v.passed {
            Some(true) => "passed",
            Some(false) => "failed",
            None => "unknown",
        };
        self.raw(&format!(
            "<div class=\"verification {status}\">\n<div class=\"info\">"
        ));
        self.element("strong", "", &v.name);
        self.raw(" ");
        self.badge(status);
        let mut facts = Vec::new();
        if let Some(kind) = v.kind {
            facts.push(format!("kind {kind}"));
        }
        if let Some(mode) = v.mode {
            facts.push(format!("mode {mode}"));
        }
        if let Some(score) = v.score {
            facts.push(format!("score {score:.3}"));
        }
        if !facts.is_empty() {
            self.raw("<p class=\"kv\">");
            self.text(&facts.join(" · "));
            self.raw("</p>");
        }
        if let Some(detail) = v.detail.filter(|d| !d.is_empty()) {
            self.element("p", "", detail);
        }
        if !v.raw.is_object() {
            self.element("p", "mono", &v.raw.to_string());
        }
        self.raw("</div>\n");
        if let Some(name) = v.annotated {
            self.picture(artifact, name, "Annotated");
        }
        self.raw("</div>\n");
    }

    /// A picture embedded as a data URL, or a note when the run did not keep it: a report
    /// must never show a broken image.
    fn picture(&mut self, artifact: &dyn Fn(&str) -> Option<Vec<u8>>, name: &str, caption: &str) {
        self.raw("<figure>");
        match artifact(name).filter(|bytes| !bytes.is_empty()) {
            Some(bytes) => {
                self.raw("<img src=\"data:");
                self.raw(image_type(&bytes));
                self.raw(";base64,");
                BASE64.encode_string(&bytes, &mut self.out);
                self.raw("\" alt=\"");
                self.text(caption);
                self.raw("\">");
            }
            None => self.element("div", "missing", "picture not kept"),
        }
        self.raw("<figcaption>");
        self.text(caption);
        self.raw(" · ");
        self.element("span", "mono", name);
        self.raw("</figcaption></figure>\n");
    }

    /// The document's top-level steps that left no result (the run stopped before them).
    fn not_run(&mut self, report: &RunReport, level: u8) {
        let Some(document) = report.document.and_then(|d| case::parse(d).ok()) else {
            return;
        };
        let missing: Vec<(usize, String)> = document
            .steps
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let path = format!("steps[{i}]");
                !report.steps.iter().any(|s| {
                    s.path == path
                        || s.path
                            .strip_prefix(&path)
                            .is_some_and(|rest| rest.starts_with('.'))
                })
            })
            .map(|(i, step)| (i, step.summary()))
            .collect();
        if missing.is_empty() {
            return;
        }
        let title = if report.run.status.is_finished() {
            "Not run"
        } else {
            "Still to run"
        };
        self.heading(level, "section", title);
        self.raw("<ul class=\"not-run\">\n");
        for (i, summary) in missing {
            self.raw("<li>");
            self.text(&summary);
            self.raw(" ");
            self.element("span", "mono", &format!("steps[{i}]"));
            self.raw("</li>\n");
        }
        self.raw("</ul>\n");
    }

    fn campaign(&mut self, report: &CampaignReport) {
        self.raw("<header class=\"campaign\">\n<div class=\"title\">");
        self.heading(1, "", report.name);
        self.badge(report.status);
        self.raw("</div>\n<dl class=\"meta\">\n");
        self.meta("Started", &time(report.started_at));
        self.meta("Finished", &time(report.finished_at));
        let span = match (report.started_at, report.finished_at) {
            (Some(start), Some(end)) => duration((end - start).num_milliseconds() as f64),
            _ => "—".to_string(),
        };
        self.meta("Duration", &span);
        let count = |status: RunStatus| {
            report
                .tests
                .iter()
                .filter(|t| t.run.as_ref().is_some_and(|r| r.run.status == status))
                .count()
        };
        let not_run = report.tests.iter().filter(|t| t.run.is_none()).count();
        self.meta(
            "Tests",
            &format!(
                "{} · {} passed, {} failed, {} errors, {} cancelled, {} not run",
                report.tests.len(),
                count(RunStatus::Passed),
                count(RunStatus::Failed),
                count(RunStatus::Error),
                count(RunStatus::Cancelled),
                not_run
            ),
        );
        if let Some(device) = report.tests.iter().find_map(|t| {
            t.run
                .as_ref()
                .filter(|r| r.run.host.is_some())
                .map(|r| device(r.run))
        }) {
            self.meta("Device", &device);
        }
        self.raw("</dl>\n</header>\n");

        self.heading(2, "section", "Tests");
        self.raw(
            "<table class=\"tests\">\n<thead><tr><th class=\"num\">#</th><th>Test</th>\
             <th>Status</th><th>Device</th><th class=\"num\">Duration</th><th>Reason</th></tr></thead>\n<tbody>\n",
        );
        for test in &report.tests {
            let (status, bad) = match &test.run {
                Some(r) => (
                    r.run.status.as_str(),
                    !matches!(r.run.status, RunStatus::Passed),
                ),
                None => ("not run", false),
            };
            let class = if bad {
                format!("bad {}", status_class(status))
            } else {
                status_class(status).to_string()
            };
            self.raw(&format!(
                "<tr class=\"{class}\"><td class=\"num\">{}</td><td>",
                test.position
            ));
            if test.run.is_some() {
                self.raw(&format!("<a href=\"#test-{}\">", test.position));
                self.text(test.name);
                self.raw("</a>");
            } else {
                self.text(test.name);
            }
            self.raw("</td><td>");
            self.badge(status);
            self.raw("</td><td>");
            match &test.run {
                Some(r) => {
                    self.text(&device(r.run));
                    self.raw("</td><td class=\"num\">");
                    self.text(&run_duration(r.run));
                    self.raw("</td><td>");
                    self.text(r.run.reason.as_deref().unwrap_or(""));
                }
                None => self.raw("</td><td class=\"num\"></td><td>"),
            }
            self.raw("</td></tr>\n");
        }
        self.raw("</tbody>\n</table>\n");

        for test in &report.tests {
            let Some(run) = &test.run else {
                continue;
            };
            self.raw(&format!(
                "<section class=\"test\" id=\"test-{}\">\n",
                test.position
            ));
            self.element("p", "note", &format!("Test {}", test.position));
            self.raw("\n");
            self.run(run, &format!("test-{}-step-", test.position), 2);
            self.raw("</section>\n");
        }
    }
}

/// The step the header links to: the first that did not pass.
fn first_failure(steps: &[StepResult]) -> Option<&StepResult> {
    steps.iter().find(|s| s.status != StepStatus::Passed)
}

fn step_status(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Passed => "passed",
        StepStatus::Failed => "failed",
        StepStatus::Error => "error",
    }
}

/// The CSS class of a status: only known words, since the status of a campaign is free text.
fn status_class(status: &str) -> &'static str {
    match status {
        "passed" => "passed",
        "failed" => "failed",
        "error" => "error",
        "cancelled" => "cancelled",
        "queued" => "queued",
        "running" => "running",
        "not run" => "notrun",
        _ => "unknown",
    }
}

/// Where a step sits: its document path and, inside repeats, the iteration(s).
fn place(step: &StepResult) -> String {
    let mut parts = Vec::new();
    if !step.path.is_empty() {
        parts.push(step.path.clone());
    }
    if !step.iteration.is_empty() {
        let numbers: Vec<String> = step.iteration.iter().map(u32::to_string).collect();
        parts.push(format!("iteration {}", numbers.join(" › ")));
    }
    parts.join(" · ")
}

fn device(run: &RunRecord) -> String {
    match (&run.host, &run.device) {
        (Some(host), Some(device)) => format!("{host}/{device}"),
        (Some(host), None) => host.clone(),
        _ => format!("not assigned (wanted {})", run.target.describe()),
    }
}

fn time(at: Option<DateTime<Utc>>) -> String {
    match at {
        Some(at) => at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "—".to_string(),
    }
}

fn run_duration(run: &RunRecord) -> String {
    let ms = run
        .duration_ms
        .map(|ms| ms as f64)
        .or_else(|| Some((run.finished_at? - run.started_at?).num_milliseconds() as f64));
    ms.map_or_else(|| "—".to_string(), duration)
}

/// `312 ms`, `4.21 s`, `2 min 05 s`, `1 h 02 min`.
fn duration(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "—".to_string();
    }
    if ms < 1_000.0 {
        return format!("{ms:.0} ms");
    }
    let seconds = ms / 1000.0;
    if seconds < 60.0 {
        return format!("{seconds:.2} s");
    }
    let whole = seconds.round() as u64;
    if whole < 3600 {
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else {
        format!("{} h {:02} min", whole / 3600, (whole % 3600) / 60)
    }
}

/// Artifacts are JPEG, but a PNG named by a verification is shown as what it is.
fn image_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        "image/jpeg"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures::{at, record, step};
    use crate::testing::run::LogLine;
    use serde_json::json;

    const HOSTILE: &str =
        "<script>alert('x')</script> & \"quoted\" </pre><img src=x onerror=y>\u{0}\u{7}";

    fn steps() -> Vec<StepResult> {
        let mut verify = step(2, "Verify image \"settings.wifi\"", StepStatus::Failed);
        verify.action = "verify".into();
        verify.detail = "image \"settings.wifi\": not found within 5000 ms".into();
        verify.ms = 5012.4;
        verify.before = Some("2-before.jpg".into());
        verify.after = Some("2-after.jpg".into());
        verify.log = vec![LogLine {
            ms: 0.0,
            text: "looking for settings.wifi".into(),
        }];
        verify.verifications = vec![json!({
            "kind": "image", "name": "settings.wifi", "mode": "present", "passed": false,
            "score": 0.41, "detail": "best match 0.41 < 0.95", "annotated": "2-v0.jpg"
        })];
        let mut repeated = step(1, "Press CH+", StepStatus::Passed);
        repeated.path = "steps[1].steps[0]".into();
        repeated.iteration = vec![2];
        vec![
            step(0, "Go to settings", StepStatus::Passed),
            repeated,
            verify,
        ]
    }

    fn jpeg_loader(name: &str) -> Option<Vec<u8>> {
        (name != "2-after.jpg").then(|| vec![0xFF, 0xD8, 0xFF, 0xE0, name.len() as u8])
    }

    fn html_of(run: &RunRecord, steps: &[StepResult], document: Option<&Value>) -> String {
        run_html(&RunReport {
            run,
            steps,
            document,
            artifact: &jpeg_loader,
        })
    }

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\" title='y'>Tom & Jerry</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;"
        );
        assert_eq!(
            escape("&amp;"),
            "&amp;amp;",
            "already escaped text is escaped again"
        );
        assert_eq!(escape("a\u{0}b\u{1b}[31mc\u{7f}"), "ab[31mc");
        assert_eq!(escape("line\n\tnext"), "line\n\tnext");
        assert_eq!(escape("Wi‑Fi ✓ 日本"), "Wi‑Fi ✓ 日本");
        let escaped = escape(HOSTILE);
        for bad in ["<", ">", "\"", "'", "\u{0}", "\u{7}"] {
            assert!(!escaped.contains(bad), "{bad:?} in {escaped}");
        }
    }

    #[test]
    fn hostile_text_never_becomes_markup() {
        let mut run = record(RunStatus::Failed);
        run.testcase_name = HOSTILE.into();
        run.reason = Some(HOSTILE.into());
        run.started_by = HOSTILE.into();
        run.host = Some(HOSTILE.into());
        let mut steps = steps();
        steps[2].label = HOSTILE.into();
        steps[2].detail = HOSTILE.into();
        steps[2].path = HOSTILE.into();
        steps[2].action = HOSTILE.into();
        steps[2].log[0].text = HOSTILE.into();
        steps[2].verifications = vec![json!({
            "name": HOSTILE, "kind": HOSTILE, "mode": HOSTILE, "detail": HOSTILE,
            "annotated": HOSTILE, "passed": false
        })];
        steps[2].before = Some(HOSTILE.into());
        let document = json!({"steps": [{"action": "text", "text": HOSTILE}], "note": HOSTILE});
        let html = html_of(&run, &steps, Some(&document));
        assert!(!html.contains("<script"), "a script tag got through");
        assert!(!html.contains("<img src=x"));
        assert!(!html.contains("</pre><img"));
        assert!(!html.contains('\u{0}') && !html.contains('\u{7}'));
        assert!(
            html.contains(
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"
            )
        );
        let campaign = campaign_html(&CampaignReport {
            name: HOSTILE,
            status: HOSTILE,
            started_at: None,
            finished_at: None,
            tests: vec![CampaignTest {
                position: 1,
                name: HOSTILE,
                run: None,
            }],
        });
        assert!(!campaign.contains("<script") && !campaign.contains("<img src=x"));
        assert!(
            campaign.contains("badge unknown"),
            "a free-text status is no CSS class"
        );
    }

    #[test]
    fn the_report_is_one_document_without_javascript() {
        let run = record(RunStatus::Failed);
        let html = html_of(&run, &steps(), None);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
        let lower = html.to_lowercase();
        for forbidden in [
            "<script",
            "javascript:",
            "onload=",
            "onclick=",
            "onerror=",
            "http://",
            "https://",
        ] {
            assert!(!lower.contains(forbidden), "{forbidden}");
        }
        assert!(html.contains("<style>") && html.contains("system-ui"));
        assert!(html.contains("<h1>open Settings</h1>"));
        assert!(html.contains("lab-1/sim1"));
        assert!(html.contains("2026-03-14 09:26:01 UTC"));
        assert!(html.contains("4.21 s"));
        assert!(html.contains("<dd>ui</dd>"));
    }

    #[test]
    fn a_failed_step_is_marked_and_linked_from_the_header() {
        let mut run = record(RunStatus::Failed);
        run.reason = Some("steps[2]: image \"settings.wifi\": not found".into());
        let html = html_of(&run, &steps(), None);
        assert!(html.contains("<span class=\"badge failed\">failed</span>"));
        assert!(html.contains("<article class=\"step failed\" id=\"step-2\">"));
        assert!(html.contains("<article class=\"step passed\" id=\"step-0\">"));
        let link = html
            .find("First failing step: <a href=\"#step-2\">3. Verify image")
            .unwrap();
        assert!(
            link < html.find("<table class=\"steps\">").unwrap(),
            "in the header"
        );
        assert!(html.contains("<tr class=\"bad failed\"><td class=\"num\">3</td>"));
        assert!(html.contains("steps[1].steps[0] · iteration 2"));
        assert!(html.contains("5.01 s"));
        assert!(html.contains("<span class=\"t\">    +0 ms</span>  looking for settings.wifi"));
        assert!(html.contains("kind image · mode present · score 0.410"));
        assert!(html.contains("best match 0.41 &lt; 0.95"));
        // A passed run has no failure link.
        let passed = record(RunStatus::Passed);
        let all_passed: Vec<StepResult> = steps().into_iter().take(2).collect();
        assert!(!html_of(&passed, &all_passed, None).contains("First failing step"));
        assert!(html_of(&passed, &all_passed, None).contains("badge passed"));
        // Error and cancelled runs carry their own badge.
        let mut errored = steps();
        errored[2].status = StepStatus::Error;
        let html = html_of(&record(RunStatus::Error), &errored, None);
        assert!(html.contains("badge error") && html.contains("first-failure error"));
        assert!(html_of(&record(RunStatus::Cancelled), &[], None).contains("badge cancelled"));
    }

    #[test]
    fn pictures_are_embedded_and_missing_ones_noted() {
        let html = html_of(&record(RunStatus::Failed), &steps(), None);
        // "2-before.jpg" is 12 bytes long: the loader's fifth byte.
        assert!(html.contains("<img src=\"data:image/jpeg;base64,/9j/4Aw=\" alt=\"Before\">"));
        assert!(html.contains("<img src=\"data:image/jpeg;base64,/9j/4Ag=\" alt=\"Annotated\">"));
        assert!(html.contains("<div class=\"missing\">picture not kept</div><figcaption>After"));
        assert_eq!(html.matches("<img ").count(), 2);
        let nothing = |_: &str| None;
        let html = run_html(&RunReport {
            run: &record(RunStatus::Failed),
            steps: &steps(),
            document: None,
            artifact: &nothing,
        });
        assert!(!html.contains("<img"));
        assert_eq!(html.matches("picture not kept").count(), 3);
        let png = |_: &str| Some(b"\x89PNG\r\n\x1a\n".to_vec());
        let html = run_html(&RunReport {
            run: &record(RunStatus::Failed),
            steps: &steps(),
            document: None,
            artifact: &png,
        });
        assert!(html.contains("data:image/png;base64,"));
    }

    #[test]
    fn steps_that_never_ran_are_listed_from_the_document() {
        let document = json!({"userinterface": "demo-stb", "steps": [
            {"action": "goto", "node": "settings"},
            {"action": "repeat", "times": 2, "steps": [{"action": "press", "keys": ["CH+"]}]},
            {"action": "verify", "verifications": [{"kind": "black"}]},
            {"action": "wait", "ms": 1000, "label": "settle <down>"},
        ]});
        let html = html_of(&record(RunStatus::Failed), &steps(), Some(&document));
        assert!(html.contains("<h2 class=\"section\">Not run</h2>"));
        assert!(html.contains("<li>settle &lt;down&gt; <span class=\"mono\">steps[3]</span></li>"));
        assert_eq!(
            html.matches("<li>").count(),
            1,
            "steps[1] ran through its inner step"
        );
        assert!(html.contains("<dd>demo-stb</dd>"));
        assert!(html.contains("<summary>Test case document</summary>"));
    }

    #[test]
    fn campaign_has_a_summary_and_each_run() {
        let failed = record(RunStatus::Failed);
        let mut passed = record(RunStatus::Passed);
        passed.id = 13;
        passed.testcase_name = "zap".into();
        let failed_steps = steps();
        let passed_steps: Vec<StepResult> = steps().into_iter().take(1).collect();
        let report = CampaignReport {
            name: "nightly",
            status: "failed",
            started_at: Some(at(0)),
            finished_at: Some(at(30)),
            tests: vec![
                CampaignTest {
                    position: 1,
                    name: "zap",
                    run: Some(RunReport {
                        run: &passed,
                        steps: &passed_steps,
                        document: None,
                        artifact: &jpeg_loader,
                    }),
                },
                CampaignTest {
                    position: 2,
                    name: "open Settings",
                    run: Some(RunReport {
                        run: &failed,
                        steps: &failed_steps,
                        document: None,
                        artifact: &jpeg_loader,
                    }),
                },
                CampaignTest {
                    position: 3,
                    name: "reboot & check",
                    run: None,
                },
            ],
        };
        let html = campaign_html(&report);
        assert!(html.contains("<h1>nightly</h1>\n<span class=\"badge failed\">failed</span>"));
        assert!(html.contains("3 · 1 passed, 1 failed, 0 errors, 0 cancelled, 1 not run"));
        assert!(html.contains(
            "<td>reboot &amp; check</td><td><span class=\"badge notrun\">not run</span>"
        ));
        assert!(html.contains("<a href=\"#test-2\">open Settings</a>"));
        assert!(html.contains("<section class=\"test\" id=\"test-2\">"));
        assert!(
            !html.contains("id=\"test-3\""),
            "no section for a test that did not run"
        );
        assert!(html.contains("First failing step: <a href=\"#test-2-step-2\">"));
        assert!(html.contains("id=\"test-2-step-2\""));
        assert!(html.contains("id=\"test-1-step-0\""));
        assert!(html.contains("<h2>open Settings</h2>\n"));
        assert!(!html.to_lowercase().contains("<script"));
        // Anchors are unique across runs.
        let mut ids: Vec<&str> = html
            .split("id=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(312.4), "312 ms");
        assert_eq!(duration(4210.0), "4.21 s");
        assert_eq!(duration(125_000.0), "2 min 05 s");
        assert_eq!(duration(3_725_000.0), "1 h 02 min");
        assert_eq!(duration(f64::NAN), "—");
    }
}
