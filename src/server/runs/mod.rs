//! Test runs on the server: the queue, the dispatcher that gives each queued run a free device
//! that fits, and the follower that reads the host's events into the database and onto
//! `/api/events`. A run's state lives in SQLite (so a restarted server knows its queue and
//! marks runs it can no longer follow as interrupted); what is only in memory is which runs are
//! being followed, their cancel handles and per-run event channels.

mod dispatch;
pub mod retention;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::{Notify, broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::api_error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::server::db::testing::{self as queries, NewRun};
use crate::server::events::Event;
use crate::testing::queue::{Candidate, fits};
use crate::testing::run::{RunRecord, Selector};

pub use dispatch::{dispatcher, is_artifact_name, run_dir};

/// Events one run's channel buffers for slow readers.
const RUN_CHANNEL: usize = 256;

/// A run being followed.
struct Active {
    host: String,
    device: String,
    cancel: CancellationToken,
    /// The step running now: `{index, path, label, started_at}`.
    current: Option<Value>,
}

struct Channel {
    events: broadcast::Sender<Arc<str>>,
    finished: watch::Sender<bool>,
}

#[derive(Default)]
struct Inner {
    active: HashMap<i64, Active>,
    /// Devices given to a run (including while its start is being sent).
    busy: HashMap<(String, String), i64>,
    /// Order in which devices last finished work, for spreading runs.
    idle_since: HashMap<(String, String), u64>,
    clock: u64,
    channels: HashMap<i64, Channel>,
    /// Runs a previous server left on hosts: cancelled there when their host is back.
    orphans: Vec<(i64, String, String)>,
    /// Capabilities the steps of each queued run need.
    needs: HashMap<i64, Vec<crate::protocol::Capability>>,
    /// Devices that refused a run as busy, and until when they are left alone.
    cooling: HashMap<(String, String), std::time::Instant>,
}

#[derive(Clone, Default)]
pub struct Runs {
    inner: Arc<Mutex<Inner>>,
    wake: Arc<Notify>,
}

/// A run to queue.
pub struct Request {
    pub testcase_id: i64,
    pub target: Selector,
    pub timeout_s: Option<u64>,
    pub started_by: String,
    pub campaign_run_id: Option<i64>,
    pub campaign_position: Option<i64>,
}

impl Runs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wakes the dispatcher: a run was queued or a device may have become free.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// At start: runs the last server left running are marked interrupted (their hosts are
    /// told to stop them when they reconnect).
    pub async fn recover(&self, state: &AppState) -> anyhow::Result<()> {
        let campaigns = state
            .db
            .call(|c| crate::server::db::campaigns::interrupt_running(c))
            .await?;
        if campaigns > 0 {
            tracing::warn!(
                campaigns,
                "campaigns interrupted by the last stop were marked as errors"
            );
        }
        let orphans = state.db.call(|c| queries::interrupt_running(c)).await?;
        if !orphans.is_empty() {
            tracing::warn!(
                runs = orphans.len(),
                "runs interrupted by the last stop were marked as errors"
            );
        }
        self.lock().orphans = orphans
            .into_iter()
            .filter(|(_, host, key)| !host.is_empty() && !key.is_empty())
            .collect();
        Ok(())
    }

    /// Queues a run of a test case; refused when no known device could ever take it.
    pub async fn enqueue(&self, state: &AppState, request: Request) -> ApiResult<RunRecord> {
        request
            .target
            .validate()
            .map_err(|why| ApiError::bad_request("invalid_target", why))?;
        let testcase_id = request.testcase_id;
        let testcase = state
            .db
            .call(move |c| queries::get_testcase(c, testcase_id))
            .await?
            .ok_or_else(|| ApiError::not_found("test case", &testcase_id.to_string()))?;
        if let Some(timeout) = request.timeout_s
            && (timeout == 0 || timeout > crate::testing::case::MAX_RUN_TIMEOUT_S)
        {
            return Err(ApiError::bad_request(
                "invalid_timeout",
                format!(
                    "timeout_s must be 1 to {}",
                    crate::testing::case::MAX_RUN_TIMEOUT_S
                ),
            ));
        }
        let needs = testcase.document.required_capabilities();
        let known = candidates(state, self);
        if !known.iter().any(|d| fits(&request.target, &needs, d)) {
            let needs: Vec<String> = needs
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok()?.as_str().map(str::to_string))
                .collect();
            return Err(ApiError::bad_request(
                "no_device",
                format!(
                    "no known device fits {} with {} (what \"{}\" needs)",
                    request.target.describe(),
                    needs.join(", "),
                    testcase.name
                ),
            ));
        }
        let timeout_s = request.timeout_s.unwrap_or(testcase.document.timeout_s);
        let run = state
            .db
            .call(move |c| {
                queries::insert_run(
                    c,
                    &NewRun {
                        testcase_id: testcase.id,
                        testcase_name: &testcase.name,
                        testcase_version: testcase.version,
                        document: &testcase.document,
                        campaign_run_id: request.campaign_run_id,
                        campaign_position: request.campaign_position,
                        started_by: &request.started_by,
                        target: &request.target,
                        timeout_s,
                    },
                )
            })
            .await?;
        self.channel(run.id);
        self.lock().needs.insert(run.id, needs);
        self.publish(state, run.id, "run.queued", json!({ "run": run }));
        self.wake();
        Ok(run)
    }

    /// Cancels a queued or running run. Returns the run as it is now.
    pub async fn cancel(&self, state: &AppState, id: i64) -> ApiResult<RunRecord> {
        let run = load(state, id).await?;
        if run.status.is_finished() {
            return Err(ApiError::conflict(
                "run_finished",
                format!("run {id} has already ended ({})", run.status.as_str()),
            ));
        }
        // A queued run ends here; one that was given its device (even just now) is stopped by
        // its follower once the host confirms, or gives up waiting.
        let ended_here = state
            .db
            .call(move |c| queries::finish_run_if_queued(c, id))
            .await?;
        if ended_here {
            self.finish(state, id).await;
        } else {
            let mut finished = self.finished(id);
            if let Some(cancel) = self.lock().active.get(&id).map(|a| a.cancel.clone()) {
                cancel.cancel();
            }
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                finished.wait_for(|f| *f),
            )
            .await;
        }
        load(state, id).await
    }

    /// The step running now, if the run is being followed.
    pub fn current_step(&self, id: i64) -> Option<Value> {
        self.lock().active.get(&id).and_then(|a| a.current.clone())
    }

    /// The run's device while it runs.
    pub fn device_of(&self, id: i64) -> Option<(String, String)> {
        self.lock()
            .active
            .get(&id)
            .map(|a| (a.host.clone(), a.device.clone()))
    }

    /// The run on a device, if any.
    pub fn run_on(&self, host: &str, device: &str) -> Option<i64> {
        self.lock()
            .busy
            .get(&(host.to_string(), device.to_string()))
            .copied()
    }

    fn channel(&self, id: i64) -> broadcast::Sender<Arc<str>> {
        let mut inner = self.lock();
        inner
            .channels
            .entry(id)
            .or_insert_with(|| Channel {
                events: broadcast::channel(RUN_CHANNEL).0,
                finished: watch::channel(false).0,
            })
            .events
            .clone()
    }

    /// Events of one run (for `/api/runs/{id}/events`).
    pub fn subscribe(&self, id: i64) -> broadcast::Receiver<Arc<str>> {
        self.channel(id).subscribe()
    }

    /// Becomes true when the run ends. Check the database after subscribing: a run that had
    /// already ended may never send.
    pub fn finished(&self, id: i64) -> watch::Receiver<bool> {
        self.channel(id);
        let inner = self.lock();
        match inner.channels.get(&id) {
            Some(channel) => channel.finished.subscribe(),
            None => watch::channel(true).1,
        }
    }

    /// Waits for a run to end and returns it.
    pub async fn wait(&self, state: &AppState, id: i64) -> ApiResult<RunRecord> {
        let mut finished = self.finished(id);
        let run = load(state, id).await?;
        if run.status.is_finished() {
            return Ok(run);
        }
        let _ = finished.wait_for(|f| *f).await;
        load(state, id).await
    }

    /// Publishes on `/api/events` and on the run's own channel.
    fn publish(&self, state: &AppState, id: i64, kind: &'static str, data: Value) {
        let event = Event::new(kind, &data);
        let line: Arc<str> = event.to_json();
        let _ = self.channel(id).send(line);
        state.events.publish(event);
    }

    /// Announces the end of a run (already written to the database).
    async fn finish(&self, state: &AppState, id: i64) {
        if let Ok(run) = load(state, id).await {
            self.publish(state, id, "run.finished", json!({ "run": run }));
        }
        let channel = {
            let mut inner = self.lock();
            inner.needs.remove(&id);
            inner.channels.remove(&id)
        };
        if let Some(channel) = channel {
            channel.finished.send_replace(true);
        }
        self.wake();
    }
}

pub async fn load(state: &AppState, id: i64) -> ApiResult<RunRecord> {
    state
        .db
        .call(move |c| queries::get_run(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("run", &id.to_string()))
}

/// Every device the server knows, marked free or not.
fn candidates(state: &AppState, runs: &Runs) -> Vec<Candidate> {
    let inner = runs.lock();
    let now = std::time::Instant::now();
    let mut devices = Vec::new();
    for host in state.registry.list() {
        let online = host.status == crate::server::registry::HostStatus::Online;
        for device in &host.devices {
            let key = (host.id.clone(), device.info.id.clone());
            let healthy = matches!(
                device.info.status,
                crate::protocol::DeviceStatus::Ok | crate::protocol::DeviceStatus::NoSignal
            );
            let free = online
                && healthy
                && device.lock.is_none()
                && !inner.busy.contains_key(&key)
                && inner.cooling.get(&key).is_none_or(|until| *until <= now)
                && state.nav_jobs.busy(&host.id, &device.info.id).is_none();
            devices.push(Candidate {
                host: host.id.clone(),
                device: device.info.id.clone(),
                model: device.info.model.clone(),
                capabilities: device.info.capabilities.clone(),
                free,
                idle_since: inner.idle_since.get(&key).copied().unwrap_or(0),
            });
        }
    }
    devices
}

/// Why no device is free for a target now (for a schedule's skipped firing).
pub fn busy_reason(
    state: &AppState,
    target: &Selector,
    needs: &[crate::protocol::Capability],
) -> Option<String> {
    let devices = candidates(state, &state.runs);
    let fitting: Vec<&Candidate> = devices.iter().filter(|d| fits(target, needs, d)).collect();
    if fitting.is_empty() {
        return Some(format!("no device fits {}", target.describe()));
    }
    if fitting.iter().any(|d| d.free) {
        return None;
    }
    let first = fitting[0];
    let why = match state.runs.run_on(&first.host, &first.device) {
        Some(run) => format!("is running run {run}"),
        None => match state.locks.view(&first.host, &first.device) {
            Some(lock) => format!("is held by {}", lock.owner),
            None => "is offline or busy".to_string(),
        },
    };
    Some(format!(
        "device busy: {}/{} {why}{}",
        first.host,
        first.device,
        if fitting.len() > 1 {
            format!(
                " (and {} other fitting devices are busy)",
                fitting.len() - 1
            )
        } else {
            String::new()
        }
    ))
}
