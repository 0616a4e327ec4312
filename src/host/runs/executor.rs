//! Runs a test case's steps on one device and records each as an event: `goto` through the
//! navigation executor, verifications through the verification engine, keys, text and power
//! through the device's drivers. Pictures before and after each step and the annotated
//! pictures of verifications travel with the step's event, so the report keeps them even
//! though the host forgets them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use chrono::Utc;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::RunLog;
use crate::host::api::media::{Format, encode, first_frame};
use crate::host::devices::Device;
use crate::host::nav::Positions;
use crate::host::nav::executor::Executor;
use crate::host::verify::AnnotatedStore;
use crate::host::verify::run::{prepare, run_request};
use crate::nav::report::{Goal, NavEvent, NavRequest, Outcome, StepStatus as NavStepStatus};
use crate::protocol::PowerAction;
use crate::protocol::verification::{PassCondition, Verification, VerifyRequest};
use crate::testing::case::{DEFAULT_VERIFY_TIMEOUT_MS, Pass, StepAction, TestStep};
use crate::testing::run::{
    Artifact, HostRunRequest, LogLine, RunEvent, RunOutcome, StepResult, StepStatus,
};

/// Pause between two key presses: real boxes drop keys sent faster than this.
const KEY_GAP: Duration = Duration::from_millis(100);
/// How long a power cycle keeps the device off.
const CYCLE_OFF_FOR: Duration = Duration::from_secs(1);
/// Width of the before/after pictures: enough to see the screen, small enough for reports.
const STEP_PICTURE_WIDTH: u32 = 640;
/// Frames to wait for after an action, so the "after" picture shows what it did.
const SETTLE_FRAMES: u64 = 2;

/// Checks what a request asks before anything moves: verifications readable, a tree for goto.
pub fn check(request: &HostRunRequest) -> Result<(), String> {
    if request.timeout_s == 0 {
        return Err("timeout_s must be at least 1".into());
    }
    if let Some(tree) = &request.tree {
        tree.tree.validate().map_err(|e| format!("tree: {}", e.0))?;
    }
    check_steps(request, &request.steps, "steps")
}

fn check_steps(request: &HostRunRequest, steps: &[TestStep], path: &str) -> Result<(), String> {
    for (index, step) in steps.iter().enumerate() {
        let here = format!("{path}[{index}]");
        match &step.action {
            StepAction::Goto { node } => {
                let Some(tree) = &request.tree else {
                    return Err(format!("{here}: a goto step needs the tree"));
                };
                if tree.tree.node(node).is_none() {
                    return Err(format!("{here}.node: the tree has no node \"{node}\""));
                }
            }
            StepAction::Verify {
                verifications,
                pass,
            } => {
                verify_request(verifications, *pass).map_err(|e| format!("{here}.{e}"))?;
            }
            StepAction::Repeat { steps, .. } => {
                check_steps(request, steps, &format!("{here}.steps"))?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The verify engine's request for a verify step; verifications without a timeout get the
/// test-case default.
fn verify_request(
    verifications: &[Map<String, Value>],
    pass: Pass,
) -> Result<VerifyRequest, String> {
    let mut parsed = Vec::with_capacity(verifications.len());
    for (k, verification) in verifications.iter().enumerate() {
        // The same rules the server checked when the test case was saved.
        crate::verify::check_spec(verification)
            .map_err(|e| format!("verifications[{k}].{}: {}", e.field, e.message))?;
        let mut object = verification.clone();
        object
            .entry("timeout_ms")
            .or_insert(Value::from(DEFAULT_VERIFY_TIMEOUT_MS));
        let verification: Verification = serde_json::from_value(Value::Object(object))
            .map_err(|e| format!("verifications[{k}]: {e}"))?;
        prepare(&verification).map_err(|e| format!("verifications[{k}]: {}", e.detail))?;
        parsed.push(verification);
    }
    Ok(VerifyRequest {
        pass: match pass {
            Pass::All => PassCondition::All,
            Pass::Any => PassCondition::Any,
        },
        verifications: parsed,
    })
}

/// Whether the run goes on after a step.
enum Flow {
    Next,
    Stop,
}

/// What a step is collecting while it runs.
struct StepOutcome {
    status: StepStatus,
    detail: String,
    log: Vec<LogLine>,
    verifications: Vec<Value>,
    before: Option<String>,
    after: Option<String>,
    artifacts: Vec<Artifact>,
    started: Instant,
}

impl StepOutcome {
    fn log(&mut self, text: impl Into<String>) {
        self.log.push(LogLine {
            ms: self.started.elapsed().as_secs_f64() * 1000.0,
            text: text.into(),
        });
    }

    fn fail(&mut self, status: StepStatus, detail: impl Into<String>) {
        self.status = status;
        self.detail = detail.into();
    }

    fn keep(&mut self, name: String, jpeg: &[u8]) -> String {
        self.artifacts.push(Artifact {
            name: name.clone(),
            jpeg_base64: base64::engine::general_purpose::STANDARD.encode(jpeg),
        });
        name
    }
}

pub struct RunExecutor {
    device: Arc<Device>,
    store: AnnotatedStore,
    positions: Positions,
    request: HostRunRequest,
    log: Arc<RunLog>,
    next_index: usize,
    /// The step running now, for a timeout's message.
    current: Option<String>,
    first_failure: Option<String>,
    first_error: Option<String>,
    last_press: Option<Instant>,
}

impl RunExecutor {
    pub fn new(
        device: Arc<Device>,
        store: AnnotatedStore,
        positions: Positions,
        request: HostRunRequest,
        log: Arc<RunLog>,
    ) -> RunExecutor {
        RunExecutor {
            device,
            store,
            positions,
            request,
            log,
            next_index: 0,
            current: None,
            first_failure: None,
            first_error: None,
            last_press: None,
        }
    }

    /// Runs every step (until one fails, the run times out or is cancelled) and records `done`.
    pub async fn run(mut self) {
        let started = Instant::now();
        let limit = Duration::from_secs(self.request.timeout_s);
        let cancel = self.log.cancel.clone();
        let steps = self.request.steps.clone();
        let ended = tokio::select! {
            _ = self.run_steps(&steps, "steps".to_string(), Vec::new()) => None,
            _ = tokio::time::sleep(limit) => Some((
                RunOutcome::Error,
                format!(
                    "timed out after {} s{}",
                    self.request.timeout_s,
                    self.current.as_ref().map(|s| format!(" during {s}")).unwrap_or_default()
                ),
            )),
            _ = cancel.cancelled() => Some((RunOutcome::Cancelled, "cancelled".to_string())),
        };
        let (status, error) = match ended {
            Some((status, why)) => (status, Some(why)),
            None => match (&self.first_error, &self.first_failure) {
                (Some(why), _) => (RunOutcome::Error, Some(why.clone())),
                (None, Some(why)) => (RunOutcome::Failed, Some(why.clone())),
                (None, None) => (RunOutcome::Passed, None),
            },
        };
        let seq = self.log.next_seq();
        self.log.push(&RunEvent::Done {
            seq,
            status,
            error,
            ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }

    fn run_steps<'a>(
        &'a mut self,
        steps: &'a [TestStep],
        path: String,
        iteration: Vec<u32>,
    ) -> BoxFuture<'a, Flow> {
        async move {
            for (index, step) in steps.iter().enumerate() {
                let here = format!("{path}[{index}]");
                let flow = match &step.action {
                    StepAction::Repeat { times, steps } => {
                        let mut flow = Flow::Next;
                        for i in 1..=*times {
                            let mut inner = iteration.clone();
                            inner.push(i);
                            flow = self.run_steps(steps, format!("{here}.steps"), inner).await;
                            if matches!(flow, Flow::Stop) {
                                break;
                            }
                        }
                        flow
                    }
                    _ => self.run_step(step, here, &iteration).await,
                };
                if matches!(flow, Flow::Stop) {
                    return Flow::Stop;
                }
            }
            Flow::Next
        }
        .boxed()
    }

    async fn run_step(&mut self, step: &TestStep, path: String, iteration: &[u32]) -> Flow {
        let index = self.next_index;
        self.next_index += 1;
        let label = step.summary();
        let started_at = Utc::now();
        let seq = self.log.next_seq();
        self.log.push(&RunEvent::StepStarted {
            seq,
            index,
            path: path.clone(),
            iteration: iteration.to_vec(),
            action: step.action.name().to_string(),
            label: label.clone(),
            started_at,
        });
        self.current = Some(format!("{path} \"{label}\""));
        let mut outcome = StepOutcome {
            status: StepStatus::Passed,
            detail: String::new(),
            log: Vec::new(),
            verifications: Vec::new(),
            before: None,
            after: None,
            artifacts: Vec::new(),
            started: Instant::now(),
        };
        let deadline = Duration::from_millis(step.deadline_ms());
        if tokio::time::timeout(deadline, self.perform(step, index, &mut outcome))
            .await
            .is_err()
        {
            outcome.fail(
                StepStatus::Error,
                format!("the step did not finish within {} ms", deadline.as_millis()),
            );
        }
        let ms = outcome.started.elapsed().as_secs_f64() * 1000.0;
        let why = format!("{path}: {}", outcome.detail);
        match outcome.status {
            StepStatus::Passed => {}
            StepStatus::Failed => {
                self.first_failure.get_or_insert(why);
            }
            StepStatus::Error => {
                self.first_error.get_or_insert(why);
            }
        }
        let status = outcome.status;
        let seq = self.log.next_seq();
        self.log.push(&RunEvent::StepFinished {
            seq,
            step: StepResult {
                index,
                path,
                iteration: iteration.to_vec(),
                action: step.action.name().to_string(),
                label,
                status,
                continue_on_failure: step.continue_on_failure,
                started_at,
                ms,
                detail: outcome.detail,
                log: outcome.log,
                verifications: outcome.verifications,
                before: outcome.before,
                after: outcome.after,
            },
            artifacts: outcome.artifacts,
        });
        self.current = None;
        if status != StepStatus::Passed && !step.continue_on_failure {
            Flow::Stop
        } else {
            Flow::Next
        }
    }

    async fn perform(&mut self, step: &TestStep, index: usize, out: &mut StepOutcome) {
        let moves_the_device = matches!(
            step.action,
            StepAction::Goto { .. }
                | StepAction::Press { .. }
                | StepAction::Text { .. }
                | StepAction::Power { .. }
        );
        if moves_the_device && let Some(jpeg) = self.picture(Some(STEP_PICTURE_WIDTH)).await {
            out.before = Some(out.keep(format!("{index}-before.jpg"), &jpeg));
        }
        match &step.action {
            StepAction::Goto { node } => self.goto(node, out).await,
            StepAction::Press {
                keys,
                repeat,
                hold_ms,
            } => self.press(keys, *repeat, *hold_ms, out).await,
            StepAction::Text { text } => match self.device.remote.clone() {
                None => out.fail(StepStatus::Error, "the device has no remote"),
                Some(remote) => {
                    self.positions.invalidate(self.device.id());
                    match remote.text(text).await {
                        Ok(()) => out.log(format!("typed {} characters", text.chars().count())),
                        Err(e) => out.fail(StepStatus::Error, format!("typing text: {e}")),
                    }
                }
            },
            StepAction::Verify {
                verifications,
                pass,
            } => self.verify(verifications, *pass, index, out).await,
            StepAction::Wait { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            StepAction::Screenshot { .. } => match self.picture(None).await {
                Some(jpeg) => out.after = Some(out.keep(format!("{index}-shot.jpg"), &jpeg)),
                None => out.fail(StepStatus::Error, "the device has no picture"),
            },
            StepAction::Power { power } => self.power(*power, out).await,
            StepAction::Repeat { .. } => {}
        }
        if moves_the_device || matches!(step.action, StepAction::Verify { .. }) {
            if moves_the_device {
                self.settle().await;
            }
            if let Some(jpeg) = self.picture(Some(STEP_PICTURE_WIDTH)).await {
                out.after = Some(out.keep(format!("{index}-after.jpg"), &jpeg));
            }
        }
    }

    async fn goto(&mut self, node: &str, out: &mut StepOutcome) {
        let Some(tree) = &self.request.tree else {
            out.fail(StepStatus::Error, "no tree came with the run");
            return;
        };
        let request = NavRequest {
            tree_key: tree.tree_key.clone(),
            tree: tree.tree.clone(),
            measured: tree.measured.clone(),
            goal: Goal::Goto {
                target: node.to_string(),
            },
            max_attempts: self.request.max_attempts,
        };
        let (sender, mut receiver) = mpsc::channel::<NavEvent>(64);
        let executor = match Executor::new(
            self.device.clone(),
            self.store.clone(),
            self.positions.clone(),
            &request,
            sender,
        ) {
            Ok(executor) => executor,
            Err(why) => {
                out.fail(StepStatus::Error, why);
                return;
            }
        };
        let walk = executor.run(request.goal.clone(), request.max_attempts);
        let follow = async {
            let mut done = None;
            while let Some(event) = receiver.recv().await {
                match event {
                    NavEvent::Step { step } => {
                        let status = match step.status {
                            NavStepStatus::Passed => "passed",
                            NavStepStatus::Retried => "passed after retry",
                            NavStepStatus::Failed => "failed",
                        };
                        let what = match (&step.from, &step.to, &step.edge_id) {
                            (Some(from), Some(to), Some(_)) => {
                                format!("{from} → {to} ({})", step.actions)
                            }
                            (_, Some(to), _) => format!("{:?} {to}", step.kind).to_lowercase(),
                            _ => format!("{:?}", step.kind).to_lowercase(),
                        };
                        let mut line = format!("{what}: {status} in {:.0} ms", step.ms);
                        if !step.detail.is_empty() {
                            line.push_str(&format!(" — {}", step.detail));
                        }
                        out.log(line);
                    }
                    NavEvent::Done { status, error, .. } => done = Some((status, error)),
                }
            }
            done
        };
        let ((), done) = tokio::join!(walk, follow);
        match done {
            Some((Outcome::Passed, _)) => out.detail = format!("on \"{node}\""),
            Some((Outcome::Failed, error)) => out.fail(
                StepStatus::Failed,
                error.unwrap_or_else(|| format!("did not reach \"{node}\"")),
            ),
            Some((Outcome::Error, error)) => out.fail(
                StepStatus::Error,
                error.unwrap_or_else(|| "the walk failed".into()),
            ),
            None => out.fail(StepStatus::Error, "the walk ended without a result"),
        }
    }

    async fn press(&mut self, keys: &[String], repeat: u32, hold_ms: u64, out: &mut StepOutcome) {
        let Some(remote) = self.device.remote.clone() else {
            out.fail(StepStatus::Error, "the device has no remote");
            return;
        };
        // Nobody knows where keys pressed outside a goto lead.
        self.positions.invalidate(self.device.id());
        for _ in 0..repeat {
            for key in keys {
                if let Some(last) = self.last_press {
                    let since = last.elapsed();
                    if since < KEY_GAP {
                        tokio::time::sleep(KEY_GAP - since).await;
                    }
                }
                if let Err(e) = remote.press(key, Duration::from_millis(hold_ms)).await {
                    out.fail(StepStatus::Error, format!("pressing {key}: {e}"));
                    return;
                }
                self.last_press = Some(Instant::now());
                out.log(format!("pressed {key}"));
            }
        }
    }

    async fn verify(
        &mut self,
        verifications: &[Map<String, Value>],
        pass: Pass,
        index: usize,
        out: &mut StepOutcome,
    ) {
        let request = match verify_request(verifications, pass) {
            Ok(request) => request,
            Err(why) => {
                out.fail(StepStatus::Error, why);
                return;
            }
        };
        let response = match run_request(&self.device, &request, &self.store).await {
            Ok(response) => response,
            Err(e) => {
                out.fail(
                    StepStatus::Error,
                    format!("verification failed to run: {}", e.detail),
                );
                return;
            }
        };
        for (k, result) in response.results.iter().enumerate() {
            let Ok(Value::Object(mut value)) = serde_json::to_value(result) else {
                continue;
            };
            value.remove("annotated_url");
            let kept = result
                .annotated_url
                .as_deref()
                .and_then(|url| url.rsplit('/').next())
                .and_then(|file| file.strip_suffix(".jpg"))
                .and_then(|key| self.store.get(key));
            if let Some(jpeg) = kept {
                let name = out.keep(format!("{index}-v{k}.jpg"), &jpeg);
                value.insert("annotated".into(), Value::String(name));
            }
            out.log(format!(
                "{}: {} — {}",
                result.name,
                if result.passed { "passed" } else { "failed" },
                result.detail
            ));
            out.verifications.push(Value::Object(value));
        }
        if !response.passed {
            let why = response
                .results
                .iter()
                .find(|r| !r.passed)
                .map(|r| format!("{}: {}", r.name, r.detail))
                .unwrap_or_else(|| "the verifications did not pass".into());
            out.fail(StepStatus::Failed, why);
        }
    }

    async fn power(&mut self, action: PowerAction, out: &mut StepOutcome) {
        let Some(power) = self.device.power.clone() else {
            out.fail(StepStatus::Error, "the device has no power control");
            return;
        };
        self.positions.invalidate(self.device.id());
        let result = match action {
            PowerAction::On => power.set(true).await,
            PowerAction::Off => power.set(false).await,
            PowerAction::Cycle => match power.set(false).await {
                Ok(()) => {
                    tokio::time::sleep(CYCLE_OFF_FOR).await;
                    power.set(true).await
                }
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(()) => out.log(format!("power {action:?}").to_lowercase()),
            Err(e) => out.fail(StepStatus::Error, format!("power: {e}")),
        }
    }

    /// The current picture as JPEG, scaled to `width`; `None` without a signal.
    async fn picture(&self, width: Option<u32>) -> Option<Bytes> {
        if self.device.capture.status() == crate::protocol::DeviceStatus::NoSignal {
            return None;
        }
        let frame = first_frame(&self.device.capture).await?;
        encode(&frame, Format::Jpeg, width).await.ok()
    }

    async fn settle(&self) {
        let mut frames = self.device.capture.subscribe();
        let start = frames.borrow().as_ref().map(|f| f.seq).unwrap_or(0);
        let wanted = start + SETTLE_FRAMES;
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            frames.wait_for(|f| f.as_ref().is_some_and(|f| f.seq >= wanted)),
        )
        .await;
    }
}
