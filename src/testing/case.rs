//! The test case document: an ordered list of steps (go to a node, press keys, type text,
//! verify, wait, screenshot, power, repeat a block), as the API stores it and the host runs it.
//! Checked whole before it is saved: a bad step is refused naming its place (`steps[3].keys`).
//! The schema is documented in docs/testing.md; `schema` is bumped on incompatible changes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::protocol::PowerAction;

/// Version of the step schema this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;
/// A whole run may take this long unless the test case says otherwise.
pub const DEFAULT_RUN_TIMEOUT_S: u64 = 600;
pub const MAX_RUN_TIMEOUT_S: u64 = 24 * 3600;
/// How long a verify step waits for its verifications when they give no `timeout_ms`.
pub const DEFAULT_VERIFY_TIMEOUT_MS: u64 = 5_000;
/// Limits that keep a test case readable and a run's report bounded.
pub const MAX_STEPS: usize = 500;
pub const MAX_EXECUTED_STEPS: usize = 5_000;
pub const MAX_DEPTH: usize = 4;
pub const MAX_REPEAT: u32 = 100;
pub const MAX_WAIT_MS: u64 = 600_000;
pub const MAX_STEP_TIMEOUT_MS: u64 = 3_600_000;
const MAX_KEYS: usize = 50;
const MAX_TEXT_CHARS: usize = 1_000;
const MAX_LABEL_CHARS: usize = 200;
const MAX_VERIFICATIONS: usize = 20;
const VERIFICATION_KINDS: &[&str] = &["image", "text", "black", "motion", "freeze", "element"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCaseDoc {
    #[serde(default = "schema_version")]
    pub schema: u32,
    /// The userinterface whose tree `goto` steps walk and whose references verifications name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinterface: Option<String>,
    /// Longest the whole run may take.
    #[serde(default = "default_run_timeout")]
    pub timeout_s: u64,
    pub steps: Vec<TestStep>,
}

fn schema_version() -> u32 {
    SCHEMA_VERSION
}

fn default_run_timeout() -> u64 {
    DEFAULT_RUN_TIMEOUT_S
}

/// One step: what it does, plus what every step may say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct TestStep {
    pub action: StepAction,
    /// Shown in the step list and the report instead of the generated summary.
    pub label: Option<String>,
    /// A failure of this step is recorded (the run still fails) but the next steps run.
    pub continue_on_failure: bool,
    /// Hard limit for the step; each action has its own default (see [`TestStep::deadline_ms`]).
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepAction {
    /// Walk the userinterface's tree to a node (shortest path, with recovery).
    Goto {
        node: String,
    },
    Press {
        keys: Vec<String>,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        repeat: u32,
        #[serde(default, skip_serializing_if = "is_zero")]
        hold_ms: u64,
    },
    Text {
        text: String,
    },
    /// Verifications as the verify API takes them (references by name in the userinterface).
    Verify {
        verifications: Vec<Map<String, Value>>,
        #[serde(default)]
        pass: Pass,
    },
    Wait {
        ms: u64,
    },
    Screenshot {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    Power {
        power: PowerAction,
    },
    Repeat {
        times: u32,
        steps: Vec<TestStep>,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pass {
    #[default]
    All,
    Any,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TryFrom<Value> for TestStep {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        let Value::Object(mut object) = value else {
            return Err("a step is an object with an `action`".into());
        };
        let label = match object.remove("label") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err("`label` must be text".into()),
        };
        let continue_on_failure = match object.remove("continue_on_failure") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => b,
            Some(_) => return Err("`continue_on_failure` must be true or false".into()),
        };
        let timeout_ms = match object.remove("timeout_ms") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .ok_or("`timeout_ms` must be a whole number of milliseconds")?,
            ),
        };
        let action = match object.get("action") {
            None => return Err("missing field `action`".into()),
            Some(Value::String(_)) => {
                serde_json::from_value(Value::Object(object)).map_err(|e| e.to_string())?
            }
            Some(_) => return Err("`action` must be text".into()),
        };
        Ok(TestStep {
            action,
            label,
            continue_on_failure,
            timeout_ms,
        })
    }
}

impl From<TestStep> for Value {
    fn from(step: TestStep) -> Value {
        let mut object = match serde_json::to_value(&step.action) {
            Ok(Value::Object(object)) => object,
            _ => Map::new(),
        };
        if let Some(label) = step.label {
            object.insert("label".into(), Value::String(label));
        }
        if step.continue_on_failure {
            object.insert("continue_on_failure".into(), Value::Bool(true));
        }
        if let Some(ms) = step.timeout_ms {
            object.insert("timeout_ms".into(), Value::from(ms));
        }
        Value::Object(object)
    }
}

impl StepAction {
    pub fn name(&self) -> &'static str {
        match self {
            StepAction::Goto { .. } => "goto",
            StepAction::Press { .. } => "press",
            StepAction::Text { .. } => "text",
            StepAction::Verify { .. } => "verify",
            StepAction::Wait { .. } => "wait",
            StepAction::Screenshot { .. } => "screenshot",
            StepAction::Power { .. } => "power",
            StepAction::Repeat { .. } => "repeat",
        }
    }
}

impl TestStep {
    pub fn new(action: StepAction) -> TestStep {
        TestStep {
            action,
            label: None,
            continue_on_failure: false,
            timeout_ms: None,
        }
    }

    /// What the step list shows: the label, else a short description of the action.
    pub fn summary(&self) -> String {
        if let Some(label) = self.label.as_deref().filter(|l| !l.trim().is_empty()) {
            return label.to_string();
        }
        match &self.action {
            StepAction::Goto { node } => format!("Go to {node}"),
            StepAction::Press {
                keys,
                repeat,
                hold_ms,
            } => {
                let mut text = format!("Press {}", keys.join(" "));
                if *repeat > 1 {
                    text.push_str(&format!(" ×{repeat}"));
                }
                if *hold_ms > 0 {
                    text.push_str(&format!(" (hold {hold_ms} ms)"));
                }
                text
            }
            StepAction::Text { text } => format!("Type \"{text}\""),
            StepAction::Verify {
                verifications,
                pass,
            } => {
                let names: Vec<String> = verifications.iter().map(describe_verification).collect();
                let joiner = match pass {
                    Pass::All => " and ",
                    Pass::Any => " or ",
                };
                format!("Verify {}", names.join(joiner))
            }
            StepAction::Wait { ms } => format!("Wait {ms} ms"),
            StepAction::Screenshot { name } => match name {
                Some(name) => format!("Screenshot \"{name}\""),
                None => "Screenshot".to_string(),
            },
            StepAction::Power { power } => match power {
                PowerAction::On => "Power on".to_string(),
                PowerAction::Off => "Power off".to_string(),
                PowerAction::Cycle => "Power cycle".to_string(),
            },
            StepAction::Repeat { times, steps } => {
                format!("Repeat {times}× ({} steps)", steps.len())
            }
        }
    }

    /// Longest the step may run before it fails as timed out.
    pub fn deadline_ms(&self) -> u64 {
        if let Some(ms) = self.timeout_ms {
            return ms;
        }
        match &self.action {
            StepAction::Goto { .. } => 120_000,
            StepAction::Press {
                keys,
                repeat,
                hold_ms,
            } => 30_000 + (keys.len() as u64 * *repeat as u64) * (hold_ms + 200),
            StepAction::Text { .. } | StepAction::Screenshot { .. } => 30_000,
            StepAction::Verify { verifications, .. } => {
                let longest: u64 = verifications
                    .iter()
                    .map(|v| {
                        v.get("timeout_ms")
                            .and_then(Value::as_u64)
                            .unwrap_or(DEFAULT_VERIFY_TIMEOUT_MS)
                            + v.get("duration_ms").and_then(Value::as_u64).unwrap_or(0)
                    })
                    .sum();
                longest + 30_000
            }
            StepAction::Wait { ms } => ms + 5_000,
            StepAction::Power { .. } => 60_000,
            // A block is bounded by its own steps and the run's timeout.
            StepAction::Repeat { .. } => MAX_STEP_TIMEOUT_MS,
        }
    }
}

/// Short words for a verification object: `image "home.menu"`, `black`, `text "Wi-Fi"`.
pub fn describe_verification(v: &Map<String, Value>) -> String {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("?");
    let mode = match v.get("mode").and_then(Value::as_str) {
        Some("absent") => " absent",
        Some("appear_then_disappear") => " appears then disappears",
        _ => "",
    };
    let named = v
        .get("reference")
        .and_then(|r| r.as_str().or_else(|| r.get("name").and_then(Value::as_str)))
        .or_else(|| v.get("expect").and_then(Value::as_str))
        .or_else(|| v.get("text").and_then(Value::as_str));
    match named {
        Some(name) => format!("{kind} \"{name}\"{mode}"),
        None => format!("{kind}{mode}"),
    }
}

/// What a document needs from the world to be valid: looked up by the server.
pub trait Context {
    /// Whether the userinterface exists.
    fn userinterface_exists(&self, name: &str) -> bool;
    /// Whether the userinterface's tree has this node (false when it has no tree).
    fn node_exists(&self, userinterface: &str, node: &str) -> bool;
    /// The kind (`image`/`text`) of a reference of the userinterface, if it exists.
    fn reference_kind(&self, userinterface: &str, name: &str) -> Option<String>;
}

/// A context that knows nothing: structural checks only.
pub struct NoContext;

impl Context for NoContext {
    fn userinterface_exists(&self, _: &str) -> bool {
        true
    }
    fn node_exists(&self, _: &str, _: &str) -> bool {
        true
    }
    fn reference_kind(&self, _: &str, _: &str) -> Option<String> {
        Some(String::new())
    }
}

/// A problem with one place of a document, e.g. `steps[2].keys: must name at least one key`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct StepError {
    pub path: String,
    pub message: String,
}

fn error(path: &str, message: impl Into<String>) -> StepError {
    StepError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// Reads a document from JSON, naming the step and field at fault when a step is unreadable.
pub fn parse(value: &Value) -> Result<TestCaseDoc, StepError> {
    let Value::Object(object) = value else {
        return Err(error("document", "must be an object with `steps`"));
    };
    // Steps are read one by one so an error names its place; serde alone would not.
    if let Some(steps) = object.get("steps") {
        let Value::Array(steps) = steps else {
            return Err(error("steps", "must be a list of steps"));
        };
        parse_steps(steps, "steps")?;
    } else {
        return Err(error("steps", "missing: a test case needs a list of steps"));
    }
    serde_json::from_value(value.clone()).map_err(|e| error("document", e.to_string()))
}

fn parse_steps(steps: &[Value], path: &str) -> Result<(), StepError> {
    for (index, step) in steps.iter().enumerate() {
        let here = format!("{path}[{index}]");
        let parsed = TestStep::try_from(step.clone()).map_err(|why| error(&here, why))?;
        if let StepAction::Repeat { .. } = parsed.action
            && let Some(Value::Array(inner)) = step.get("steps")
        {
            parse_steps(inner, &format!("{here}.steps"))?;
        }
    }
    Ok(())
}

impl TestCaseDoc {
    /// Every rule a saved document keeps; `context` answers what only the server knows. The
    /// first problem; [`TestCaseDoc::problems`] lists them all.
    pub fn validate(&self, context: &dyn Context) -> Result<(), StepError> {
        match self.problems(context).into_iter().next() {
            Some(first) => Err(first),
            None => Ok(()),
        }
    }

    /// Every problem of the document, in document order, at most one per step and one per
    /// verification (so an editor can show each on its step at once).
    pub fn problems(&self, context: &dyn Context) -> Vec<StepError> {
        let mut problems = Vec::new();
        if self.schema != SCHEMA_VERSION {
            problems.push(error(
                "schema",
                format!(
                    "version {} is not supported (this build reads {SCHEMA_VERSION})",
                    self.schema
                ),
            ));
        }
        if self.timeout_s == 0 || self.timeout_s > MAX_RUN_TIMEOUT_S {
            problems.push(error(
                "timeout_s",
                format!("must be 1 to {MAX_RUN_TIMEOUT_S} seconds"),
            ));
        }
        if let Some(ui) = &self.userinterface
            && !context.userinterface_exists(ui)
        {
            problems.push(error(
                "userinterface",
                format!("userinterface \"{ui}\" does not exist"),
            ));
        }
        if self.steps.is_empty() {
            problems.push(error("steps", "a test case needs at least one step"));
        }
        let mut counter = Counter::default();
        self.validate_steps(
            &self.steps,
            "steps",
            1,
            &mut counter,
            context,
            &mut problems,
        );
        if counter.written > MAX_STEPS {
            problems.push(error(
                "steps",
                format!("{} steps: at most {MAX_STEPS}", counter.written),
            ));
        }
        if counter.executed > MAX_EXECUTED_STEPS as u64 {
            problems.push(error(
                "steps",
                format!(
                    "the repeats run {} steps: at most {MAX_EXECUTED_STEPS}",
                    counter.executed
                ),
            ));
        }
        problems
    }

    /// Checks each step, adding its problems to `problems`; answers how many steps they run.
    fn validate_steps(
        &self,
        steps: &[TestStep],
        path: &str,
        depth: usize,
        counter: &mut Counter,
        context: &dyn Context,
        problems: &mut Vec<StepError>,
    ) -> u64 {
        let mut executed = 0u64;
        for (index, step) in steps.iter().enumerate() {
            let here = format!("{path}[{index}]");
            counter.written += 1;
            executed += match self.validate_step(step, &here, depth, counter, context, problems) {
                Ok(runs) => runs,
                Err(problem) => {
                    problems.push(problem);
                    1
                }
            };
        }
        counter.executed = counter.executed.max(executed);
        executed
    }

    fn validate_step(
        &self,
        step: &TestStep,
        here: &str,
        depth: usize,
        counter: &mut Counter,
        context: &dyn Context,
        problems: &mut Vec<StepError>,
    ) -> Result<u64, StepError> {
        if let Some(label) = &step.label
            && label.chars().count() > MAX_LABEL_CHARS
        {
            return Err(error(
                &format!("{here}.label"),
                format!("at most {MAX_LABEL_CHARS} characters"),
            ));
        }
        if let Some(ms) = step.timeout_ms
            && (ms == 0 || ms > MAX_STEP_TIMEOUT_MS)
        {
            return Err(error(
                &format!("{here}.timeout_ms"),
                format!("must be 1 to {MAX_STEP_TIMEOUT_MS}"),
            ));
        }
        match &step.action {
            StepAction::Repeat { times, steps } => {
                if *times == 0 || *times > MAX_REPEAT {
                    return Err(error(
                        &format!("{here}.times"),
                        format!("must be 1 to {MAX_REPEAT}"),
                    ));
                }
                if steps.is_empty() {
                    return Err(error(
                        &format!("{here}.steps"),
                        "a repeat needs at least one step",
                    ));
                }
                if depth >= MAX_DEPTH {
                    return Err(error(
                        here,
                        format!("repeats nest at most {MAX_DEPTH} deep"),
                    ));
                }
                let inner = self.validate_steps(
                    steps,
                    &format!("{here}.steps"),
                    depth + 1,
                    counter,
                    context,
                    problems,
                );
                Ok(1 + inner * *times as u64)
            }
            StepAction::Verify { verifications, .. } => {
                if verifications.is_empty() || verifications.len() > MAX_VERIFICATIONS {
                    return Err(error(
                        &format!("{here}.verifications"),
                        format!("must hold 1 to {MAX_VERIFICATIONS} verifications"),
                    ));
                }
                for (k, v) in verifications.iter().enumerate() {
                    if let Err(problem) = self.validate_verification(
                        v,
                        &format!("{here}.verifications[{k}]"),
                        context,
                    ) {
                        problems.push(problem);
                    }
                }
                Ok(1)
            }
            action => {
                self.validate_action(action, here, context)?;
                Ok(1)
            }
        }
    }

    fn validate_action(
        &self,
        action: &StepAction,
        here: &str,
        context: &dyn Context,
    ) -> Result<(), StepError> {
        match action {
            StepAction::Goto { node } => {
                let Some(ui) = &self.userinterface else {
                    return Err(error(
                        &format!("{here}.node"),
                        "a goto step needs the test case's `userinterface`",
                    ));
                };
                if node.trim().is_empty() {
                    return Err(error(&format!("{here}.node"), "must name a node"));
                }
                if !context.node_exists(ui, node) {
                    return Err(error(
                        &format!("{here}.node"),
                        format!("the tree of \"{ui}\" has no node \"{node}\""),
                    ));
                }
            }
            StepAction::Press {
                keys,
                repeat,
                hold_ms,
            } => {
                if keys.is_empty() || keys.len() > MAX_KEYS {
                    return Err(error(
                        &format!("{here}.keys"),
                        format!("must name 1 to {MAX_KEYS} keys"),
                    ));
                }
                if let Some(k) = keys.iter().position(|k| k.trim().is_empty()) {
                    return Err(error(&format!("{here}.keys[{k}]"), "is empty"));
                }
                if *repeat == 0 || *repeat > MAX_REPEAT {
                    return Err(error(
                        &format!("{here}.repeat"),
                        format!("must be 1 to {MAX_REPEAT}"),
                    ));
                }
                if *hold_ms > 60_000 {
                    return Err(error(&format!("{here}.hold_ms"), "at most 60000"));
                }
            }
            StepAction::Text { text } => {
                if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
                    return Err(error(
                        &format!("{here}.text"),
                        format!("must be 1 to {MAX_TEXT_CHARS} characters"),
                    ));
                }
            }
            // Verifications are checked one by one by `validate_step`.
            StepAction::Verify { .. } => {}
            StepAction::Wait { ms } => {
                if *ms > MAX_WAIT_MS {
                    return Err(error(
                        &format!("{here}.ms"),
                        format!("at most {MAX_WAIT_MS}"),
                    ));
                }
            }
            StepAction::Screenshot { name } => {
                if let Some(name) = name
                    && (name.chars().count() > MAX_LABEL_CHARS || name.trim().is_empty())
                {
                    return Err(error(
                        &format!("{here}.name"),
                        format!("must be 1 to {MAX_LABEL_CHARS} characters"),
                    ));
                }
            }
            StepAction::Power { .. } => {}
            // A repeat's own fields and steps are checked by `validate_steps`.
            StepAction::Repeat { .. } => {}
        }
        Ok(())
    }

    fn validate_verification(
        &self,
        v: &Map<String, Value>,
        here: &str,
        context: &dyn Context,
    ) -> Result<(), StepError> {
        let kind = match v.get("kind") {
            Some(Value::String(kind)) => kind.as_str(),
            None if v.contains_key("reference") => "",
            _ => {
                return Err(error(
                    &format!("{here}.kind"),
                    format!("must be one of {}", VERIFICATION_KINDS.join(", ")),
                ));
            }
        };
        if !kind.is_empty() && !VERIFICATION_KINDS.contains(&kind) {
            return Err(error(
                &format!("{here}.kind"),
                format!(
                    "unknown kind \"{kind}\": one of {}",
                    VERIFICATION_KINDS.join(", ")
                ),
            ));
        }
        // The same check the host makes before it runs the step.
        if let Err(e) = crate::verify::check_spec(v) {
            return Err(error(&format!("{here}.{}", e.field), e.message));
        }
        match v.get("reference") {
            Some(Value::String(name)) => {
                let Some(ui) = &self.userinterface else {
                    return Err(error(
                        &format!("{here}.reference"),
                        "a named reference needs the test case's `userinterface`",
                    ));
                };
                match context.reference_kind(ui, name) {
                    None => {
                        return Err(error(
                            &format!("{here}.reference"),
                            format!("reference \"{name}\" does not exist in \"{ui}\""),
                        ));
                    }
                    Some(found) if !found.is_empty() && !kind.is_empty() && found != kind => {
                        return Err(error(
                            &format!("{here}.reference"),
                            format!(
                                "reference \"{name}\" is {} {found} reference, not {kind}",
                                if found.starts_with(['a', 'e', 'i', 'o', 'u']) {
                                    "an"
                                } else {
                                    "a"
                                }
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
            Some(_) => {
                return Err(error(
                    &format!("{here}.reference"),
                    "must be the name of a reference",
                ));
            }
            None => match kind {
                "image" => {
                    return Err(error(
                        &format!("{here}.reference"),
                        "an image verification names its reference",
                    ));
                }
                "text" if !v.contains_key("expect") => {
                    return Err(error(
                        &format!("{here}.expect"),
                        "a text verification gives `expect` or a text `reference`",
                    ));
                }
                "freeze" if v.get("duration_ms").and_then(Value::as_u64).is_none() => {
                    return Err(error(
                        &format!("{here}.duration_ms"),
                        "a freeze verification gives `duration_ms`",
                    ));
                }
                _ => {}
            },
        }
        Ok(())
    }

    /// Driver capabilities a device needs to run this test case.
    pub fn required_capabilities(&self) -> Vec<crate::protocol::Capability> {
        use crate::protocol::Capability;
        let mut needed = vec![Capability::Capture];
        fn walk(steps: &[TestStep], needed: &mut Vec<Capability>) {
            for step in steps {
                let capability = match &step.action {
                    StepAction::Goto { .. } | StepAction::Press { .. } => Some(Capability::Remote),
                    StepAction::Text { .. } => Some(Capability::Text),
                    StepAction::Power { .. } => Some(Capability::Power),
                    StepAction::Repeat { steps, .. } => {
                        walk(steps, needed);
                        None
                    }
                    _ => None,
                };
                if let Some(c) = capability
                    && !needed.contains(&c)
                {
                    needed.push(c);
                }
            }
        }
        walk(&self.steps, &mut needed);
        needed
    }

    /// Names of the references its verifications use (to protect them from deletion).
    pub fn reference_names(&self) -> Vec<String> {
        fn walk(steps: &[TestStep], names: &mut Vec<String>) {
            for step in steps {
                match &step.action {
                    StepAction::Verify { verifications, .. } => {
                        for v in verifications {
                            if let Some(Value::String(name)) = v.get("reference")
                                && !names.contains(name)
                            {
                                names.push(name.clone());
                            }
                        }
                    }
                    StepAction::Repeat { steps, .. } => walk(steps, names),
                    _ => {}
                }
            }
        }
        let mut names = Vec::new();
        walk(&self.steps, &mut names);
        names
    }
}

#[derive(Default)]
struct Counter {
    written: usize,
    executed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(steps: Value) -> Result<TestCaseDoc, StepError> {
        let doc = parse(&json!({"userinterface": "stb", "steps": steps}))?;
        doc.validate(&NoContext)?;
        Ok(doc)
    }

    fn fails(steps: Value) -> String {
        doc(steps).expect_err("should be refused").to_string()
    }

    #[test]
    fn every_action_reads_and_writes_back_the_same() {
        let steps = json!([
            {"action": "goto", "node": "settings"},
            {"action": "press", "keys": ["RIGHT", "OK"], "repeat": 2, "label": "zap"},
            {"action": "text", "text": "news"},
            {"action": "verify", "verifications": [{"kind": "black", "mode": "absent"}], "pass": "any",
             "continue_on_failure": true},
            {"action": "wait", "ms": 500},
            {"action": "screenshot", "name": "after zap"},
            {"action": "power", "power": "cycle", "timeout_ms": 90000},
            {"action": "repeat", "times": 3, "steps": [{"action": "press", "keys": ["CH+"]}]}
        ]);
        let parsed = doc(steps.clone()).expect("valid");
        assert_eq!(parsed.steps.len(), 8);
        assert!(parsed.steps[3].continue_on_failure);
        assert_eq!(parsed.steps[6].timeout_ms, Some(90000));
        let written = serde_json::to_value(&parsed).unwrap();
        assert_eq!(written["steps"], steps);
        assert_eq!(written["schema"], 1);
        assert_eq!(parsed.steps[1].summary(), "zap");
        assert_eq!(parsed.steps[0].summary(), "Go to settings");
        assert_eq!(
            parsed.steps[3].summary(),
            "Verify black absent",
            "a verification's mode is in its description"
        );
    }

    #[test]
    fn a_bad_step_is_named_by_its_place_and_field() {
        assert_eq!(
            fails(json!([{"action": "wait", "ms": 1}, {"action": "press", "keys": []}])),
            "steps[1].keys: must name 1 to 50 keys"
        );
        let missing = fails(json!([{"action": "goto"}]));
        assert!(
            missing.starts_with("steps[0]: ") && missing.contains("missing field `node`"),
            "{missing}"
        );
        let unknown = fails(json!([{"action": "jump", "to": "x"}]));
        assert!(
            unknown.starts_with("steps[0]: unknown variant `jump`"),
            "{unknown}"
        );
        let typo = fails(json!([{"action": "press", "kyes": ["OK"]}]));
        assert!(typo.contains("unknown field `kyes`"), "{typo}");
        assert_eq!(
            fails(json!([{"action": "repeat", "times": 2, "steps": [
                {"action": "wait", "ms": 1}, {"action": "text", "text": ""}]}])),
            "steps[0].steps[1].text: must be 1 to 1000 characters"
        );
        assert_eq!(
            fails(
                json!([{"action": "repeat", "times": 0, "steps": [{"action": "wait", "ms": 1}]}])
            ),
            "steps[0].times: must be 1 to 100"
        );
        assert_eq!(
            fails(json!([{"action": "verify", "verifications": [{"kind": "smell"}]}])),
            "steps[0].verifications[0].kind: unknown kind \"smell\": one of image, text, black, motion, freeze, element"
        );
        assert_eq!(
            fails(json!([{"action": "verify", "verifications": [{"kind": "image"}]}])),
            "steps[0].verifications[0].reference: an image verification names its reference"
        );
        assert_eq!(
            fails(json!([{"action": "wait", "ms": 1, "continue_on_failure": "yes"}])),
            "steps[0]: `continue_on_failure` must be true or false"
        );
        assert_eq!(
            fails(json!([])),
            "steps: a test case needs at least one step"
        );
    }

    #[test]
    fn every_problem_is_listed_once_per_step_and_verification() {
        let doc = parse(&json!({"steps": [
            {"action": "verify", "verifications": [
                {"kind": "text", "expect": ""},
                {"kind": "black"},
                {"kind": "text", "expect": "Wi-Fi|"}
            ]},
            {"action": "wait", "ms": 1},
            {"action": "press", "keys": []},
            {"action": "repeat", "times": 2, "steps": [{"action": "text", "text": ""}]}
        ]}))
        .unwrap();
        let paths: Vec<String> = doc
            .problems(&NoContext)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            paths,
            [
                "steps[0].verifications[0].expect",
                "steps[0].verifications[2].expect",
                "steps[2].keys",
                "steps[3].steps[0].text",
            ]
        );
        // `validate` answers the first of them.
        assert_eq!(
            doc.validate(&NoContext).unwrap_err().path,
            "steps[0].verifications[0].expect"
        );
    }

    #[test]
    fn the_save_check_refuses_what_the_run_check_would() {
        // Each of these is refused by `verify::check_spec`, which the host runs before a step.
        for (verification, field) in [
            (json!({"kind": "text", "expect": "--"}), "expect"),
            (json!({"kind": "black", "consecutive": 0}), "consecutive"),
            (
                json!({"kind": "image", "reference": "x", "threshold": 2.0}),
                "threshold",
            ),
            (json!({"kind": "freeze", "duration_ms": 0}), "duration_ms"),
        ] {
            let spec = crate::verify::check_spec(verification.as_object().unwrap()).unwrap_err();
            assert_eq!(spec.field, field);
            let doc = parse(&json!({"userinterface": "ui", "steps": [
                {"action": "verify", "verifications": [verification]}
            ]}))
            .unwrap();
            struct Anything;
            impl Context for Anything {
                fn userinterface_exists(&self, _: &str) -> bool {
                    true
                }
                fn node_exists(&self, _: &str, _: &str) -> bool {
                    true
                }
                fn reference_kind(&self, _: &str, _: &str) -> Option<String> {
                    Some(String::new())
                }
            }
            let problem = doc.validate(&Anything).unwrap_err();
            assert_eq!(problem.path, format!("steps[0].verifications[0].{field}"));
            assert_eq!(problem.message, spec.message);
        }
    }

    #[test]
    fn goto_and_named_references_need_a_userinterface_that_has_them() {
        let no_ui = parse(&json!({"steps": [{"action": "goto", "node": "home"}]})).unwrap();
        assert_eq!(
            no_ui.validate(&NoContext).unwrap_err().to_string(),
            "steps[0].node: a goto step needs the test case's `userinterface`"
        );
        struct Known;
        impl Context for Known {
            fn userinterface_exists(&self, name: &str) -> bool {
                name == "stb"
            }
            fn node_exists(&self, _: &str, node: &str) -> bool {
                node == "home"
            }
            fn reference_kind(&self, _: &str, name: &str) -> Option<String> {
                (name == "logo").then(|| "image".to_string())
            }
        }
        let check = |value: Value| parse(&value).unwrap().validate(&Known);
        assert!(
            check(json!({"userinterface": "stb", "steps": [{"action": "goto", "node": "home"}]}))
                .is_ok()
        );
        assert_eq!(
            check(json!({"userinterface": "stb", "steps": [{"action": "goto", "node": "gide"}]}))
                .unwrap_err()
                .to_string(),
            "steps[0].node: the tree of \"stb\" has no node \"gide\""
        );
        assert_eq!(
            check(json!({"userinterface": "tv", "steps": [{"action": "wait", "ms": 1}]}))
                .unwrap_err()
                .to_string(),
            "userinterface: userinterface \"tv\" does not exist"
        );
        assert_eq!(
            check(
                json!({"userinterface": "stb", "steps": [{"action": "verify",
                "verifications": [{"kind": "text", "reference": "logo"}]}]})
            )
            .unwrap_err()
            .to_string(),
            "steps[0].verifications[0].reference: reference \"logo\" is an image reference, not text"
        );
    }

    #[test]
    fn repeats_are_bounded_by_the_steps_they_would_run() {
        let inner =
            json!({"action": "repeat", "times": 100, "steps": [{"action": "wait", "ms": 0}]});
        let outer = json!([{"action": "repeat", "times": 100, "steps": [inner]}]);
        assert!(fails(outer).contains("at most 5000"));
    }

    #[test]
    fn capabilities_follow_the_steps() {
        use crate::protocol::Capability;
        let parsed = doc(json!([
            {"action": "repeat", "times": 2, "steps": [{"action": "power", "power": "off"}]},
            {"action": "press", "keys": ["OK"]}
        ]))
        .unwrap();
        assert_eq!(
            parsed.required_capabilities(),
            vec![Capability::Capture, Capability::Power, Capability::Remote]
        );
    }
}
