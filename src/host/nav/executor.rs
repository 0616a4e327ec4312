//! Walks a device along a navigation tree: `goto` (shortest path to a node, with recovery) and
//! `validate` (every edge at least once). Each move presses the edge's keys, waits, and verifies
//! the node it should reach; a failed move runs the edge's retry actions once, then its failure
//! actions, then the executor works out where the device is (localises) and plans again from
//! there, a bounded number of times. Every step is reported as it happens.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

use super::Positions;
use crate::host::devices::Device;
use crate::host::verify::AnnotatedStore;
use crate::host::verify::run::{prepare, run_request};
use crate::nav::graph::{Direction, Graph, MeasuredTimes, Move};
use crate::nav::model::{Action, Command, ENTRY, HOME, Pass, TreeDoc, summarize};
use crate::nav::report::{
    EdgeResult, Goal, NavEvent, NavRequest, Outcome, Step, StepKind, StepStatus, ValidationSummary,
};
use crate::protocol::PowerAction;
use crate::protocol::verification::{Check, VerificationResult, VerifyRequest};

/// Pause between two key presses: real boxes drop keys sent faster than this.
const KEY_GAP: Duration = Duration::from_millis(100);
/// How long a power cycle keeps the device off.
const CYCLE_OFF_FOR: Duration = Duration::from_secs(1);
/// Frames to wait for after moving, so localising looks at the picture the keys produced.
const FRESH_FRAMES: u64 = 2;
/// Longest a localising check of a moving picture (motion, freeze) may look.
const LOCALISE_MOTION_MS: u64 = 800;
/// A move that fails this many times as a step on the way elsewhere is planned around.
const MAX_TRANSIT_FAILURES: u32 = 2;

/// Why a walk stopped early.
enum Stop {
    /// Nobody reads the report any more (the server cancelled or went away).
    Cancelled,
    /// The device or its drivers failed: not the tree's fault.
    Infrastructure(String),
}

type Walk<T> = Result<T, Stop>;

pub struct Executor {
    device: Arc<Device>,
    store: AnnotatedStore,
    positions: Positions,
    tree_key: String,
    tree: TreeDoc,
    graph: Graph,
    /// What proves the device is on each node (by node index); `None` when the node has none.
    checks: Vec<Option<VerifyRequest>>,
    out: mpsc::Sender<NavEvent>,
    steps: usize,
    attempt: u32,
    last_press: Option<Instant>,
}

/// How one move went.
struct MoveReport {
    passed: bool,
    ms: f64,
    detail: String,
    screenshot_url: Option<String>,
}

impl Executor {
    /// Checks the request (tree, goal, verifications) before anything moves.
    pub fn new(
        device: Arc<Device>,
        store: AnnotatedStore,
        positions: Positions,
        request: &NavRequest,
        out: mpsc::Sender<NavEvent>,
    ) -> Result<Executor, String> {
        request.tree.validate().map_err(|e| e.0)?;
        let measured: MeasuredTimes = request
            .measured
            .iter()
            .map(|m| ((m.edge_id.clone(), m.direction), m.mean_ms))
            .collect();
        let graph = Graph::new(&request.tree, &measured);
        if let Goal::Goto { target } = &request.goal {
            graph.node_index(target).map_err(|e| e.to_string())?;
            if target == ENTRY {
                return Err(format!(
                    "\"{ENTRY}\" is not a screen: it stands for a device in an unknown state"
                ));
            }
        }
        let mut checks = Vec::with_capacity(request.tree.nodes.len());
        for node in &request.tree.nodes {
            if node.verifications.is_empty() {
                checks.push(None);
                continue;
            }
            let mut verifications = Vec::new();
            for (index, verification) in node.verifications.iter().enumerate() {
                let mut object = verification.clone();
                object
                    .entry("timeout_ms")
                    .or_insert(Value::from(node.timeout_ms));
                let parsed = serde_json::from_value(Value::Object(object))
                    .map_err(|e| format!("node \"{}\": verification {index}: {e}", node.id))?;
                prepare(&parsed).map_err(|e| {
                    format!("node \"{}\": verification {index}: {}", node.id, e.detail)
                })?;
                verifications.push(parsed);
            }
            checks.push(Some(VerifyRequest {
                pass: match node.pass {
                    Pass::All => crate::protocol::verification::PassCondition::All,
                    Pass::Any => crate::protocol::verification::PassCondition::Any,
                },
                verifications,
            }));
        }
        Ok(Executor {
            device,
            store,
            positions,
            tree_key: request.tree_key.clone(),
            tree: request.tree.clone(),
            graph,
            checks,
            out,
            steps: 0,
            attempt: 1,
            last_press: None,
        })
    }

    /// Runs the goal to its end and reports `Done` (unless the reader went away).
    pub async fn run(mut self, goal: Goal, max_attempts: u32) {
        let result = match &goal {
            Goal::Goto { target } => self.goto(target, max_attempts.max(1)).await,
            Goal::Validate => self.validate().await,
        };
        let position = self.position();
        let event = match result {
            Ok((status, error, validation)) => NavEvent::Done {
                status,
                error,
                position,
                attempts: self.attempt,
                validation,
            },
            Err(Stop::Cancelled) => return,
            Err(Stop::Infrastructure(why)) => NavEvent::Done {
                status: Outcome::Error,
                error: Some(why),
                position,
                attempts: self.attempt,
                validation: None,
            },
        };
        let _ = self.out.send(event).await;
    }

    fn position(&self) -> Option<String> {
        self.positions.get(self.device.id(), &self.tree_key)
    }

    fn set_position(&self, node: Option<usize>) {
        match node {
            Some(n) => {
                self.positions
                    .set(self.device.id(), &self.tree_key, &self.graph.node_ids[n])
            }
            None => self.positions.invalidate(self.device.id()),
        }
    }

    async fn emit(&mut self, mut step: Step) -> Walk<()> {
        step.index = self.steps;
        step.attempt = self.attempt;
        self.steps += 1;
        self.out
            .send(NavEvent::Step { step })
            .await
            .map_err(|_| Stop::Cancelled)
    }

    /// Where the device is: the tracked node if its verifications still pass, else whatever
    /// localising finds (`None`: unknown, i.e. the entry).
    async fn establish(&mut self) -> Walk<Option<usize>> {
        if let Some(node) = self.position()
            && let Ok(index) = self.graph.node_index(&node)
        {
            let started = Instant::now();
            let (passed, results) = self.check(index, true).await?;
            let step = Step {
                kind: StepKind::Verify,
                to: Some(node.clone()),
                status: if passed {
                    StepStatus::Passed
                } else {
                    StepStatus::Failed
                },
                verify_ms: ms(started),
                ms: ms(started),
                detail: if passed {
                    format!("still on \"{node}\"")
                } else {
                    format!("no longer on \"{node}\"")
                },
                screenshot_url: screenshot_of(&results),
                verifications: to_values(&results),
                ..blank_step()
            };
            self.emit(step).await?;
            if passed {
                return Ok(Some(index));
            }
        }
        let home = self.graph.node_index(HOME).ok();
        self.localise(home.into_iter().collect()).await
    }

    /// Checks nodes' verifications on the current picture, `first` ones first, then the others;
    /// the first node that passes is where the device is.
    async fn localise(&mut self, first: Vec<usize>) -> Walk<Option<usize>> {
        let started = Instant::now();
        self.wait_fresh_frames().await;
        let mut order = first;
        order.extend(0..self.graph.node_ids.len());
        let mut seen = vec![false; self.graph.node_ids.len()];
        let mut checked = 0;
        let mut found = None;
        let mut evidence = Vec::new();
        for node in order {
            if seen[node] || self.checks[node].is_none() {
                continue;
            }
            seen[node] = true;
            checked += 1;
            let (passed, results) = self.check(node, true).await?;
            if passed {
                found = Some(node);
                evidence = results;
                break;
            }
        }
        self.set_position(found);
        let to = found.map(|n| self.graph.node_ids[n].clone());
        let step = Step {
            kind: StepKind::Localise,
            to: to.clone(),
            status: if found.is_some() {
                StepStatus::Passed
            } else {
                StepStatus::Failed
            },
            ms: ms(started),
            verify_ms: ms(started),
            detail: match &to {
                Some(node) => format!("the device is on \"{node}\" ({checked} nodes checked)"),
                None => format!(
                    "no node's verifications match the picture ({checked} nodes checked); starting from \"{ENTRY}\""
                ),
            },
            screenshot_url: screenshot_of(&evidence),
            verifications: to_values(&evidence),
            ..blank_step()
        };
        self.emit(step).await?;
        Ok(found)
    }

    /// Where to look first after a move from `from` that should have reached `to` failed.
    fn likely_nodes(&self, m: &Move) -> Vec<usize> {
        let mut nodes = vec![m.to, m.from];
        nodes.extend(self.graph.neighbours(m.to));
        nodes.extend(self.graph.neighbours(m.from));
        nodes.extend(self.graph.node_index(HOME).ok());
        nodes
    }

    async fn goto(
        &mut self,
        target: &str,
        max_attempts: u32,
    ) -> Walk<(Outcome, Option<String>, Option<ValidationSummary>)> {
        let target_index = self
            .graph
            .node_index(target)
            .map_err(|e| Stop::Infrastructure(e.to_string()))?;
        let mut at = self.establish().await?;
        let mut transit_failures = vec![0u32; self.graph.moves.len()];
        let mut last_failure: Option<String> = None;
        loop {
            if at == Some(target_index) {
                return Ok((Outcome::Passed, None, None));
            }
            let from = match at {
                Some(node) => node,
                None => self
                    .graph
                    .node_index(ENTRY)
                    .map_err(|e| Stop::Infrastructure(e.to_string()))?,
            };
            let path = match self.graph.shortest_path_by_index(from, target_index) {
                Ok(path) => path,
                // Moves that kept failing were left out; say what failed, not just "no path".
                Err(e) => {
                    let why = match &last_failure {
                        Some(failure) => format!(
                            "could not reach \"{target}\": {failure}; no other way is left ({e})"
                        ),
                        None => e.to_string(),
                    };
                    return Ok((Outcome::Failed, Some(why), None));
                }
            };
            let mut arrived = true;
            for m in path {
                let report = self.traverse(&m).await?;
                if report.passed {
                    at = Some(m.to);
                    self.set_position(at);
                    continue;
                }
                arrived = false;
                last_failure = Some(format!(
                    "edge \"{}\" failed: {}",
                    self.tree.edges[m.edge].id, report.detail
                ));
                if let Some(i) = self.graph.move_index(m.edge, m.direction) {
                    transit_failures[i] += 1;
                    if transit_failures[i] >= MAX_TRANSIT_FAILURES {
                        self.graph.disable(i);
                    }
                }
                if self.attempt >= max_attempts {
                    let stuck = match self.localise(self.likely_nodes(&m)).await? {
                        Some(n) => format!("the device is on \"{}\"", self.graph.node_ids[n]),
                        None => "where the device is is unknown".to_string(),
                    };
                    return Ok((
                        Outcome::Failed,
                        Some(format!(
                            "could not reach \"{target}\" in {max_attempts} attempts ({}); {stuck}",
                            report.detail
                        )),
                        None,
                    ));
                }
                self.attempt += 1;
                at = self.localise(self.likely_nodes(&m)).await?;
                break;
            }
            if arrived {
                return Ok((Outcome::Passed, None, None));
            }
        }
    }

    async fn validate(&mut self) -> Walk<(Outcome, Option<String>, Option<ValidationSummary>)> {
        let total = self.graph.moves.len();
        let mut covered = vec![false; total];
        let mut results: Vec<Option<EdgeResult>> = vec![None; total];
        let mut transit_failures = vec![0u32; total];
        let mut moves_made = 0usize;
        let budget = total * 4 + 20;
        let entry = self
            .graph
            .node_index(ENTRY)
            .map_err(|e| Stop::Infrastructure(e.to_string()))?;
        let mut at = self.establish().await?.unwrap_or(entry);
        'walk: while moves_made < budget {
            let Some(plan) = self.graph.next_uncovered(at, &covered) else {
                break;
            };
            for m in plan {
                let index = self.graph.move_index(m.edge, m.direction);
                let report = self.traverse(&m).await?;
                moves_made += 1;
                if let Some(i) = index
                    && !covered[i]
                {
                    covered[i] = true;
                    results[i] = Some(EdgeResult {
                        edge_id: self.tree.edges[m.edge].id.clone(),
                        direction: m.direction,
                        passed: report.passed,
                        ms: report.ms,
                        detail: report.detail.clone(),
                        screenshot_url: report.screenshot_url.clone(),
                    });
                } else if let Some(i) = index
                    && !report.passed
                {
                    transit_failures[i] += 1;
                    if transit_failures[i] >= MAX_TRANSIT_FAILURES {
                        self.graph.disable(i);
                    }
                }
                if report.passed {
                    at = m.to;
                    self.set_position(Some(at));
                } else {
                    // Recover: find where the device is; unknown means start again from entry
                    // (whose edge leads home).
                    self.attempt += 1;
                    at = self.localise(self.likely_nodes(&m)).await?.unwrap_or(entry);
                    continue 'walk;
                }
            }
        }
        let mut edge_results = Vec::with_capacity(total);
        for (i, result) in results.into_iter().enumerate() {
            let m = &self.graph.moves[i];
            edge_results.push(result.unwrap_or_else(|| EdgeResult {
                edge_id: self.tree.edges[m.edge].id.clone(),
                direction: m.direction,
                passed: false,
                ms: 0.0,
                detail: format!(
                    "never walked: no path led to \"{}\" from where the walk was",
                    self.graph.node_ids[m.from]
                ),
                screenshot_url: None,
            }));
        }
        let edges_passed = edge_results.iter().filter(|r| r.passed).count();
        let summary = ValidationSummary {
            moves: moves_made,
            edges_total: total,
            edges_passed,
            efficiency: if moves_made > 0 {
                total as f64 / moves_made as f64
            } else {
                0.0
            },
            results: edge_results,
        };
        let (status, error) = if edges_passed == total {
            (Outcome::Passed, None)
        } else {
            (
                Outcome::Failed,
                Some(format!("{} of {total} edges failed", total - edges_passed)),
            )
        };
        Ok((status, error, Some(summary)))
    }

    /// One move: the edge's actions, its wait, then the target node's verifications; the retry
    /// actions and one more check when they fail; the failure actions when that fails too.
    async fn traverse(&mut self, m: &Move) -> Walk<MoveReport> {
        let edge = self.tree.edges[m.edge].clone();
        let actions = match m.direction {
            Direction::Forward => edge.forward.clone(),
            Direction::Reverse => edge.reverse.clone().unwrap_or_default(),
        };
        let started = Instant::now();
        self.perform(&actions).await?;
        if edge.wait_ms > 0 {
            tokio::time::sleep(Duration::from_millis(edge.wait_ms)).await;
        }
        let action_ms = ms(started);
        let verify_started = Instant::now();
        let (mut passed, mut results) = self.check(m.to, false).await?;
        let mut status = if passed {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        if !passed && !edge.retry.is_empty() {
            self.perform(&edge.retry).await?;
            let (again, retry_results) = self.check(m.to, false).await?;
            if again {
                passed = true;
                status = StepStatus::Retried;
                results = retry_results;
            }
        }
        if !passed && !edge.failure.is_empty() {
            self.perform(&edge.failure).await?;
        }
        let to = self.graph.node_ids[m.to].clone();
        let detail = if passed {
            String::new()
        } else {
            let why = results
                .iter()
                .find(|r| !r.passed)
                .map(|r| format!("{}: {}", r.name, r.detail))
                .unwrap_or_else(|| "verification failed".into());
            format!("not on \"{to}\" after the keys ({why})")
        };
        let screenshot_url = screenshot_of(&results);
        let report = MoveReport {
            passed,
            ms: ms(started),
            detail: detail.clone(),
            screenshot_url: screenshot_url.clone(),
        };
        let step = Step {
            kind: StepKind::Edge,
            edge_id: Some(edge.id.clone()),
            direction: Some(m.direction),
            from: Some(self.graph.node_ids[m.from].clone()),
            to: Some(to),
            actions: summarize(&actions),
            status,
            ms: report.ms,
            action_ms,
            verify_ms: ms(verify_started),
            detail,
            verifications: to_values(&results),
            screenshot_url,
            ..blank_step()
        };
        self.emit(step).await?;
        Ok(report)
    }

    /// Runs a node's verifications; a node without any passes. Localising looks at the current
    /// picture only (moving-picture checks get a short look).
    async fn check(&self, node: usize, localising: bool) -> Walk<(bool, Vec<VerificationResult>)> {
        let Some(request) = &self.checks[node] else {
            return Ok((true, Vec::new()));
        };
        let mut request = request.clone();
        if localising {
            for verification in &mut request.verifications {
                verification.timeout_ms = match verification.check {
                    Check::Motion { .. } | Check::Freeze { .. } => {
                        verification.timeout_ms.min(LOCALISE_MOTION_MS)
                    }
                    _ => 0,
                };
            }
        }
        let response = run_request(&self.device, &request, &self.store)
            .await
            .map_err(|e| {
                Stop::Infrastructure(format!("verification failed to run: {}", e.detail))
            })?;
        Ok((response.passed, response.results))
    }

    async fn wait_fresh_frames(&self) {
        let mut frames = self.device.capture.subscribe();
        let start = frames.borrow().as_ref().map(|f| f.seq).unwrap_or(0);
        let wanted = start + FRESH_FRAMES;
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            frames.wait_for(|f| f.as_ref().is_some_and(|f| f.seq >= wanted)),
        )
        .await;
    }

    async fn perform(&mut self, actions: &[Action]) -> Walk<()> {
        for action in actions {
            for _ in 0..action.repeat {
                self.perform_once(&action.command).await?;
            }
        }
        Ok(())
    }

    async fn perform_once(&mut self, command: &Command) -> Walk<()> {
        let id = self.device.id().to_string();
        match command {
            Command::Press { key } => {
                let remote =
                    self.device.remote.clone().ok_or_else(|| {
                        Stop::Infrastructure(format!("device `{id}` has no remote"))
                    })?;
                if let Some(last) = self.last_press {
                    let since = last.elapsed();
                    if since < KEY_GAP {
                        tokio::time::sleep(KEY_GAP - since).await;
                    }
                }
                remote
                    .press(key, Duration::ZERO)
                    .await
                    .map_err(|e| Stop::Infrastructure(format!("pressing {key}: {e}")))?;
                self.last_press = Some(Instant::now());
            }
            Command::Text { text } => {
                let remote =
                    self.device.remote.clone().ok_or_else(|| {
                        Stop::Infrastructure(format!("device `{id}` has no remote"))
                    })?;
                remote
                    .text(text)
                    .await
                    .map_err(|e| Stop::Infrastructure(format!("typing text: {e}")))?;
            }
            Command::Wait { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Command::Power { action } => {
                let power = self.device.power.clone().ok_or_else(|| {
                    Stop::Infrastructure(format!("device `{id}` has no power control"))
                })?;
                let failed =
                    |e: crate::host::power::PowerError| Stop::Infrastructure(format!("power: {e}"));
                match action {
                    PowerAction::On => power.set(true).await.map_err(failed)?,
                    PowerAction::Off => power.set(false).await.map_err(failed)?,
                    PowerAction::Cycle => {
                        power.set(false).await.map_err(failed)?;
                        tokio::time::sleep(CYCLE_OFF_FOR).await;
                        power.set(true).await.map_err(failed)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn blank_step() -> Step {
    Step {
        index: 0,
        kind: StepKind::Edge,
        edge_id: None,
        direction: None,
        from: None,
        to: None,
        actions: String::new(),
        status: StepStatus::Passed,
        attempt: 1,
        ms: 0.0,
        action_ms: 0.0,
        verify_ms: 0.0,
        detail: String::new(),
        verifications: Vec::new(),
        screenshot_url: None,
    }
}

fn to_values(results: &[VerificationResult]) -> Vec<Value> {
    results
        .iter()
        .filter_map(|r| serde_json::to_value(r).ok())
        .collect()
}

/// The annotated picture of the most telling result: the first failure, else the first one.
fn screenshot_of(results: &[VerificationResult]) -> Option<String> {
    results
        .iter()
        .find(|r| !r.passed)
        .or(results.first())
        .and_then(|r| r.annotated_url.clone())
}
