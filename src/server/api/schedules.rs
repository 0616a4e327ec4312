//! Schedules: start a test case or a campaign from a cron expression (docs/testing.md).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::runs::normalise_target;
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::server::AppState;
use crate::server::db::DbError;
use crate::server::db::campaigns as campaign_queries;
use crate::server::db::schedules::{self as queries, Schedule, ScheduleFields};
use crate::server::db::testing as testcase_queries;
use crate::server::scheduler::next_fire;
use crate::testing::cron::CronSchedule;
use crate::testing::run::Selector;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/schedules", get(list).post(create))
        .route("/api/schedules/{id}", get(one).put(update).delete(remove))
        .route("/api/schedules/{id}/firings", get(firings))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    name: String,
    #[serde(default)]
    testcase_id: Option<i64>,
    #[serde(default)]
    campaign_id: Option<i64>,
    #[serde(default)]
    target: Option<Selector>,
    cron: String,
    #[serde(default)]
    start_at: Option<DateTime<Utc>>,
    #[serde(default)]
    end_at: Option<DateTime<Utc>>,
    #[serde(default)]
    max_runs: Option<u32>,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

/// A schedule with the name of what it starts and its last firing.
fn view_in(c: &rusqlite::Connection, schedule: Schedule) -> Result<Value, DbError> {
    let target_name = match (schedule.testcase_id, schedule.campaign_id) {
        (Some(t), _) => testcase_queries::get_testcase(c, t)?.map(|t| t.name),
        (_, Some(k)) => campaign_queries::get(c, k)?.map(|k| k.name),
        _ => None,
    };
    let last = queries::firings(c, schedule.id, 1)?.into_iter().next();
    let mut value = json!(schedule);
    value["target_name"] = json!(target_name);
    value["last_firing"] = json!(last);
    Ok(value)
}

async fn view(state: &AppState, schedule: Schedule) -> ApiResult<Value> {
    state
        .db
        .call(move |c| view_in(c, schedule))
        .await
        .map_err(ApiError::from)
}

/// Checks a body and works out when it fires first.
async fn check(
    state: &AppState,
    body: &ScheduleBody,
    fired: u32,
) -> ApiResult<(String, Selector, String, Option<DateTime<Utc>>)> {
    let name = super::check_name(&body.name)?;
    let cron = CronSchedule::parse(&body.cron)
        .map_err(|e| ApiError::bad_request("invalid_cron", format!("cron: {e}")))?;
    if let (Some(start), Some(end)) = (body.start_at, body.end_at)
        && end <= start
    {
        return Err(ApiError::bad_request(
            "invalid_window",
            "end_at must be after start_at",
        ));
    }
    if body.max_runs == Some(0) {
        return Err(ApiError::bad_request(
            "invalid_max_runs",
            "max_runs: at least 1",
        ));
    }
    let target = normalise_target(body.target.clone());
    target
        .validate()
        .map_err(|why| ApiError::bad_request("invalid_target", why))?;
    match (body.testcase_id, body.campaign_id) {
        (Some(id), None) => {
            let found = state
                .db
                .call(move |c| testcase_queries::get_testcase(c, id))
                .await?;
            if found.is_none() {
                return Err(ApiError::bad_request(
                    "invalid_testcase",
                    format!("testcase_id: test case {id} does not exist"),
                ));
            }
        }
        (None, Some(id)) => {
            let found = state.db.call(move |c| campaign_queries::get(c, id)).await?;
            if found.is_none() {
                return Err(ApiError::bad_request(
                    "invalid_campaign",
                    format!("campaign_id: campaign {id} does not exist"),
                ));
            }
        }
        _ => {
            return Err(ApiError::bad_request(
                "invalid_body",
                "give either `testcase_id` or `campaign_id`",
            ));
        }
    }
    let next = if body.enabled {
        next_fire(
            &cron,
            Utc::now(),
            body.start_at,
            body.end_at,
            body.max_runs,
            fired,
        )
    } else {
        None
    };
    Ok((name, target, cron.to_string(), next))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        "name_taken",
        format!("a schedule named \"{name}\" already exists"),
    )
}

async fn list(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let shown = state
        .db
        .call(|c| {
            queries::list(c)?
                .into_iter()
                .map(|schedule| view_in(c, schedule))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(Value::Array(shown)))
}

async fn load(state: &AppState, id: i64) -> ApiResult<Schedule> {
    state
        .db
        .call(move |c| queries::get(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("schedule", &id.to_string()))
}

async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let schedule = load(&state, id).await?;
    Ok(Json(view(&state, schedule).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (name, target, cron, next) = check(&state, &body, 0).await?;
    let id = state
        .db
        .call(move |c| {
            if queries::find(c, &name)?.is_some() {
                return Ok(Err(name_taken(&name)));
            }
            Ok(Ok(queries::insert(
                c,
                &ScheduleFields {
                    name: &name,
                    testcase_id: body.testcase_id,
                    campaign_id: body.campaign_id,
                    target: &target,
                    cron: &cron,
                    start_at: body.start_at,
                    end_at: body.end_at,
                    max_runs: body.max_runs,
                    enabled: body.enabled,
                    next_fire_at: next,
                },
            )?))
        })
        .await??;
    state.schedules_changed.notify_one();
    let schedule = load(&state, id).await?;
    Ok((StatusCode::CREATED, Json(view(&state, schedule).await?)))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<Json<Value>> {
    let existing = load(&state, id).await?;
    let (name, target, cron, next) = check(&state, &body, existing.fired).await?;
    state
        .db
        .call(move |c| {
            if queries::find(c, &name)?.is_some_and(|other| other.id != id) {
                return Ok(Err(name_taken(&name)));
            }
            queries::update(
                c,
                id,
                &ScheduleFields {
                    name: &name,
                    testcase_id: body.testcase_id,
                    campaign_id: body.campaign_id,
                    target: &target,
                    cron: &cron,
                    start_at: body.start_at,
                    end_at: body.end_at,
                    max_runs: body.max_runs,
                    enabled: body.enabled,
                    next_fire_at: next,
                },
            )?;
            Ok(Ok(()))
        })
        .await??;
    state.schedules_changed.notify_one();
    let schedule = load(&state, id).await?;
    Ok(Json(view(&state, schedule).await?))
}

async fn remove(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    load(&state, id).await?;
    state.db.call(move |c| queries::delete(c, id)).await?;
    state.schedules_changed.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FiringsQuery {
    #[serde(default)]
    limit: Option<u32>,
}

async fn firings(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    query: Result<Query<FiringsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    load(&state, id).await?;
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let firings = state
        .db
        .call(move |c| queries::firings(c, id, limit))
        .await?;
    Ok(Json(json!(firings)))
}
