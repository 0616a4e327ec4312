//! Campaigns (ordered lists of test cases) and their runs (docs/testing.md).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::runs::{normalise_target, started_by};
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::server::AppState;
use crate::server::auth::Principal;
use crate::server::campaigns;
use crate::server::db::DbError;
use crate::server::db::campaigns::{self as queries, Campaign, CampaignFields};
use crate::server::db::testing as testcase_queries;
use crate::testing::run::Selector;

const MAX_TESTS: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/campaigns", get(list).post(create))
        .route("/api/campaigns/{id}", get(one).put(update).delete(remove))
        .route("/api/campaigns/{id}/run", post(run))
        .route("/api/campaign-runs", get(list_runs))
        .route("/api/campaign-runs/{id}", get(one_run))
        .route("/api/campaign-runs/{id}/cancel", post(cancel_run))
        .route("/api/campaign-runs/{id}/junit.xml", get(campaign_junit))
        .route("/api/campaign-runs/{id}/report.html", get(campaign_report))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignBody {
    name: String,
    #[serde(default)]
    description: String,
    testcase_ids: Vec<i64>,
    #[serde(default = "yes")]
    continue_on_failure: bool,
    #[serde(default)]
    test_timeout_s: Option<u64>,
    #[serde(default)]
    target: Option<Selector>,
}

fn yes() -> bool {
    true
}

/// A campaign with its test cases' names and its last run.
fn view_in(c: &rusqlite::Connection, campaign: Campaign) -> Result<Value, DbError> {
    let mut names = Vec::new();
    for id in &campaign.testcase_ids {
        let name = testcase_queries::get_testcase(c, *id)?.map(|t| t.name);
        names.push(json!({"id": id, "name": name}));
    }
    let (last, _) = queries::list_runs(c, Some(campaign.id), 1, 0)?;
    let mut value = json!(campaign);
    value["testcases"] = Value::Array(names);
    value["last_run"] = match last.into_iter().next() {
        Some(run) => json!({"id": run.id, "status": run.status, "finished_at": run.finished_at}),
        None => Value::Null,
    };
    Ok(value)
}

async fn view(state: &AppState, campaign: Campaign) -> ApiResult<Value> {
    state
        .db
        .call(move |c| view_in(c, campaign))
        .await
        .map_err(ApiError::from)
}

async fn check(state: &AppState, body: &CampaignBody) -> ApiResult<(String, Selector)> {
    let name = super::check_name(&body.name)?;
    if body.description.chars().count() > 2000 {
        return Err(ApiError::bad_request(
            "invalid_description",
            "description: at most 2000 characters",
        ));
    }
    if body.testcase_ids.is_empty() || body.testcase_ids.len() > MAX_TESTS {
        return Err(ApiError::bad_request(
            "invalid_testcases",
            format!("testcase_ids: 1 to {MAX_TESTS} test cases"),
        ));
    }
    if let Some(timeout) = body.test_timeout_s
        && (timeout == 0 || timeout > crate::testing::case::MAX_RUN_TIMEOUT_S)
    {
        return Err(ApiError::bad_request(
            "invalid_timeout",
            format!(
                "test_timeout_s: 1 to {}",
                crate::testing::case::MAX_RUN_TIMEOUT_S
            ),
        ));
    }
    let target = normalise_target(body.target.clone());
    target
        .validate()
        .map_err(|why| ApiError::bad_request("invalid_target", why))?;
    let ids = body.testcase_ids.clone();
    let missing = state
        .db
        .call(move |c| {
            let mut missing = Vec::new();
            for (index, id) in ids.iter().enumerate() {
                if testcase_queries::get_testcase(c, *id)?.is_none() {
                    missing.push(format!(
                        "testcase_ids[{index}]: test case {id} does not exist"
                    ));
                }
            }
            Ok(missing)
        })
        .await?;
    if let Some(first) = missing.into_iter().next() {
        return Err(ApiError::bad_request("invalid_testcases", first));
    }
    Ok((name, target))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        "name_taken",
        format!("a campaign named \"{name}\" already exists"),
    )
}

async fn list(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let shown = state
        .db
        .call(|c| {
            queries::list(c)?
                .into_iter()
                .map(|campaign| view_in(c, campaign))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(Json(Value::Array(shown)))
}

async fn load(state: &AppState, id: i64) -> ApiResult<Campaign> {
    state
        .db
        .call(move |c| queries::get(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("campaign", &id.to_string()))
}

async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let campaign = load(&state, id).await?;
    Ok(Json(view(&state, campaign).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CampaignBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (name, target) = check(&state, &body).await?;
    let id = state
        .db
        .call(move |c| {
            if queries::find(c, &name)?.is_some() {
                return Ok(Err(name_taken(&name)));
            }
            Ok(Ok(queries::insert(
                c,
                &CampaignFields {
                    name: &name,
                    description: body.description.trim(),
                    testcase_ids: &body.testcase_ids,
                    continue_on_failure: body.continue_on_failure,
                    test_timeout_s: body.test_timeout_s,
                    target: &target,
                },
            )?))
        })
        .await??;
    let campaign = load(&state, id).await?;
    Ok((StatusCode::CREATED, Json(view(&state, campaign).await?)))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CampaignBody>,
) -> ApiResult<Json<Value>> {
    load(&state, id).await?;
    let (name, target) = check(&state, &body).await?;
    state
        .db
        .call(move |c| {
            if queries::find(c, &name)?.is_some_and(|other| other.id != id) {
                return Ok(Err(name_taken(&name)));
            }
            queries::update(
                c,
                id,
                &CampaignFields {
                    name: &name,
                    description: body.description.trim(),
                    testcase_ids: &body.testcase_ids,
                    continue_on_failure: body.continue_on_failure,
                    test_timeout_s: body.test_timeout_s,
                    target: &target,
                },
            )?;
            Ok(Ok(()))
        })
        .await??;
    let campaign = load(&state, id).await?;
    Ok(Json(view(&state, campaign).await?))
}

async fn remove(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    load(&state, id).await?;
    state
        .db
        .call(move |c| {
            let schedules = queries::schedules_using(c, id)?;
            if !schedules.is_empty() {
                return Ok(Err(ApiError::conflict(
                    "in_use",
                    format!(
                        "schedule(s) {} start this campaign: delete them first",
                        schedules.join(", ")
                    ),
                )));
            }
            queries::delete(c, id)?;
            Ok(Ok(()))
        })
        .await??;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RunBody {
    #[serde(default)]
    target: Option<Selector>,
    #[serde(default)]
    started_by: Option<String>,
}

async fn run(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body: RunBody = if body.iter().all(u8::is_ascii_whitespace) {
        RunBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?
    };
    let target = body.target.map(|t| normalise_target(Some(t)));
    let by = started_by(&principal, body.started_by, "api")?;
    let view = campaigns::start(&state, id, target, by).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunsQuery {
    #[serde(default)]
    campaign_id: Option<i64>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: Option<u32>,
}

async fn list_runs(
    State(state): State<AppState>,
    query: Result<Query<RunsQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let offset = query.offset.unwrap_or(0);
    let (runs, total) = state
        .db
        .call(move |c| queries::list_runs(c, query.campaign_id, limit, offset))
        .await?;
    let mut shown = Vec::new();
    for run in runs {
        shown.push(campaigns::view(&state, run.id).await?);
    }
    Ok(Json(json!({"campaign_runs": shown, "total": total})))
}

async fn one_run(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(campaigns::view(&state, id).await?))
}

async fn cancel_run(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(campaigns::cancel(&state, id).await?))
}

/// The campaign run and, for each planned test, its run with its steps (when it ran).
async fn report_parts(
    state: &AppState,
    id: i64,
) -> ApiResult<(
    crate::server::db::campaigns::CampaignRun,
    Vec<(String, Option<ReportRun>)>,
)> {
    let campaign_run = campaigns::load(state, id).await?;
    let runs = state
        .db
        .call(move |c| {
            let mut parts = Vec::new();
            for (position, run) in queries::runs_of(c, id)? {
                let steps = testcase_queries::run_steps(c, run.id)?;
                let document = testcase_queries::run_document_value(c, run.id)?;
                parts.push((position, (run, steps, document)));
            }
            Ok(parts)
        })
        .await?;
    let tests = campaign_run
        .tests
        .iter()
        .enumerate()
        .map(|(position, test)| {
            let run = runs
                .iter()
                .rev()
                .find(|(p, _)| *p == position as i64)
                .map(|(_, r)| r.clone());
            (test.name.clone(), run)
        })
        .collect();
    Ok((campaign_run, tests))
}

/// Reads a picture of one run by its name.
type ArtifactLoader = Box<dyn Fn(&str) -> Option<Vec<u8>>>;

type ReportRun = (
    crate::testing::run::RunRecord,
    Vec<crate::testing::run::StepResult>,
    Option<Value>,
);

async fn campaign_junit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    let (campaign_run, tests) = report_parts(&state, id).await?;
    let borrowed: Vec<(String, crate::testing::junit::TestRun)> = tests
        .iter()
        .map(|(name, run)| {
            (
                name.clone(),
                run.as_ref().map(|(r, steps, _)| (r, steps.as_slice())),
            )
        })
        .collect();
    let xml = crate::testing::junit::campaign_junit(&campaign_run.name, &borrowed);
    Ok(super::runs::download(
        xml,
        "application/xml; charset=utf-8",
        &format!("campaign-run-{id}-junit.xml"),
    ))
}

async fn campaign_report(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> ApiResult<axum::response::Response> {
    let (campaign_run, tests) = report_parts(&state, id).await?;
    let data_dir = state.data_dir.clone();
    let html = tokio::task::spawn_blocking(move || {
        let loaders: Vec<ArtifactLoader> = tests
            .iter()
            .map(|(_, run)| {
                let dir = run
                    .as_ref()
                    .map(|(r, _, _)| crate::server::runs::run_dir(&data_dir, r.id));
                Box::new(move |name: &str| -> Option<Vec<u8>> {
                    let dir = dir.as_ref()?;
                    crate::server::runs::is_artifact_name(name)
                        .then(|| std::fs::read(dir.join(name)).ok())
                        .flatten()
                }) as ArtifactLoader
            })
            .collect();
        let report = crate::testing::report::CampaignReport {
            name: &campaign_run.name,
            status: &campaign_run.status,
            started_at: campaign_run.started_at,
            finished_at: campaign_run.finished_at,
            tests: tests
                .iter()
                .zip(&loaders)
                .enumerate()
                .map(
                    |(position, ((name, run), loader))| crate::testing::report::CampaignTest {
                        position: position as u32 + 1,
                        name,
                        run: run.as_ref().map(|(record, steps, document)| {
                            crate::testing::report::RunReport {
                                run: record,
                                steps,
                                document: document.as_ref(),
                                artifact: loader.as_ref(),
                            }
                        }),
                    },
                )
                .collect(),
        };
        crate::testing::report::campaign_html(&report)
    })
    .await
    .map_err(|e| ApiError::internal("report writer stopped", e))?;
    Ok(super::runs::download(
        html,
        "text/html; charset=utf-8",
        &format!("campaign-run-{id}.html"),
    ))
}
