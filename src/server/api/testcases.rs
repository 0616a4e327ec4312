//! Test cases: CRUD, duplicate, versions and tags (docs/testing.md). Every save checks the whole
//! document against the userinterface's tree and references first; a bad one is refused naming
//! the step and field, and nothing is written.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::server::AppState;
use crate::server::db::testing::{
    self as queries, DbContext, TestCase, TestCaseFields, UpdateError,
};
use crate::server::events::Event;
use crate::testing::case::{self, TestCaseDoc};

const MAX_DESCRIPTION_CHARS: usize = 2000;
const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 40;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/testcases", get(list).post(create))
        .route("/api/testcases/{id}", get(one).put(update).delete(remove))
        .route("/api/testcases/{id}/duplicate", post(duplicate))
        .route("/api/testcases/{id}/versions", get(versions))
        .route("/api/tags", get(tags))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCaseBody {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    userinterface: Option<String>,
    #[serde(default)]
    timeout_s: Option<u64>,
    #[serde(default)]
    schema: Option<u32>,
    steps: Value,
    #[serde(default)]
    base_version: Option<i64>,
}

/// A test case as the API shows it: the stored fields plus the step count.
pub fn view(testcase: &TestCase, with_document: bool) -> Value {
    let mut value = json!({
        "id": testcase.id,
        "name": testcase.name,
        "description": testcase.description,
        "tags": testcase.tags,
        "userinterface": testcase.document.userinterface,
        "timeout_s": testcase.document.timeout_s,
        "steps": testcase.document.steps.len(),
        "version": testcase.version,
        "created_at": testcase.created_at,
        "updated_at": testcase.updated_at,
        "last_run": testcase.last_run,
    });
    if with_document {
        value["document"] = json!(testcase.document);
    }
    value
}

fn check_fields(body: &TestCaseBody) -> ApiResult<(String, Vec<String>)> {
    let name = super::check_name(&body.name)?;
    if body.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::bad_request(
            "invalid_description",
            format!("description: at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in &body.tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty()
            || tag.chars().count() > MAX_TAG_CHARS
            || tag.chars().any(char::is_control)
        {
            return Err(ApiError::bad_request(
                "invalid_tags",
                format!("tags: each 1 to {MAX_TAG_CHARS} characters"),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(ApiError::bad_request(
            "invalid_tags",
            format!("tags: at most {MAX_TAGS}"),
        ));
    }
    Ok((name, tags))
}

/// Reads the body's document; a bad step is named by its place.
fn document(body: &TestCaseBody) -> ApiResult<TestCaseDoc> {
    let mut object = serde_json::Map::new();
    object.insert(
        "schema".into(),
        json!(body.schema.unwrap_or(case::SCHEMA_VERSION)),
    );
    if let Some(ui) = &body.userinterface {
        object.insert("userinterface".into(), json!(ui));
    }
    if let Some(timeout) = body.timeout_s {
        object.insert("timeout_s".into(), json!(timeout));
    }
    object.insert("steps".into(), body.steps.clone());
    case::parse(&Value::Object(object)).map_err(invalid_steps)
}

fn invalid_steps(e: case::StepError) -> ApiError {
    invalid_document(vec![e])
}

/// Every problem of a refused document: `detail` and `path` name the first, `problems` lists
/// them all (`{path, message}`) so an editor shows each on its step at once.
fn invalid_document(problems: Vec<case::StepError>) -> ApiError {
    let Some(first) = problems.first() else {
        return ApiError::bad_request("invalid_testcase", "the document was refused");
    };
    let detail = match problems.len() {
        1 => first.to_string(),
        n => format!(
            "{first} (and {} more problem{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    let list: Vec<Value> = problems
        .iter()
        .map(|p| json!({"path": p.path, "message": p.message}))
        .collect();
    ApiError::bad_request("invalid_testcase", detail)
        .with("path", first.path.clone())
        .with("problems", Value::Array(list))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        "name_taken",
        format!("a test case named \"{name}\" already exists"),
    )
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    tag: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let all = state.db.call(queries::list_testcases).await?;
    let q = query
        .q
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty());
    let tag = query
        .tag
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    let shown: Vec<Value> = all
        .iter()
        .filter(|t| tag.as_ref().is_none_or(|tag| t.tags.contains(tag)))
        .filter(|t| {
            q.as_ref().is_none_or(|q| {
                t.name.to_lowercase().contains(q) || t.description.to_lowercase().contains(q)
            })
        })
        .map(|t| view(t, false))
        .collect();
    Ok(Json(Value::Array(shown)))
}

pub async fn load(state: &AppState, id: i64) -> ApiResult<TestCase> {
    state
        .db
        .call(move |c| queries::get_testcase(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("test case", &id.to_string()))
}

async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    Ok(Json(view(&load(&state, id).await?, true)))
}

async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TestCaseBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (name, tags) = check_fields(&body)?;
    let doc = document(&body)?;
    let description = body.description.trim().to_string();
    let created = state
        .db
        .call(move |c| {
            let problems = doc.problems(&DbContext { conn: c });
            if !problems.is_empty() {
                return Ok(Err(invalid_document(problems)));
            }
            if queries::find_testcase(c, &name)?.is_some() {
                return Ok(Err(name_taken(&name)));
            }
            let tx = c.transaction()?;
            let id = queries::insert_testcase(
                &tx,
                &TestCaseFields {
                    name: &name,
                    description: &description,
                    tags: &tags,
                    document: &doc,
                },
            )?;
            tx.commit()?;
            Ok(Ok(id))
        })
        .await??;
    let testcase = load(&state, created).await?;
    publish_saved(&state, &testcase);
    Ok((StatusCode::CREATED, Json(view(&testcase, true))))
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TestCaseBody>,
) -> ApiResult<Json<Value>> {
    let (name, tags) = check_fields(&body)?;
    let doc = document(&body)?;
    let description = body.description.trim().to_string();
    let base = body.base_version;
    state
        .db
        .call(move |c| {
            if queries::get_testcase(c, id)?.is_none() {
                return Ok(Err(ApiError::not_found("test case", &id.to_string())));
            }
            let problems = doc.problems(&DbContext { conn: c });
            if !problems.is_empty() {
                return Ok(Err(invalid_document(problems)));
            }
            if queries::find_testcase(c, &name)?.is_some_and(|other| other.id != id) {
                return Ok(Err(name_taken(&name)));
            }
            let tx = c.transaction()?;
            let fields = TestCaseFields {
                name: &name,
                description: &description,
                tags: &tags,
                document: &doc,
            };
            match queries::update_testcase(&tx, id, &fields, base) {
                Ok(_) => {
                    tx.commit()?;
                    Ok(Ok(()))
                }
                Err(UpdateError::NotFound) => {
                    Ok(Err(ApiError::not_found("test case", &id.to_string())))
                }
                Err(UpdateError::Stale { current }) => Ok(Err(ApiError::conflict(
                    "stale_version",
                    format!(
                        "the test case was saved by someone else meanwhile (now version {current})"
                    ),
                )
                .with("current_version", current))),
                Err(UpdateError::Db(e)) => Err(e),
            }
        })
        .await??;
    let testcase = load(&state, id).await?;
    publish_saved(&state, &testcase);
    Ok(Json(view(&testcase, true)))
}

fn publish_saved(state: &AppState, testcase: &TestCase) {
    state.events.publish(Event::new(
        "testcase.saved",
        &json!({"testcase": view(testcase, false)}),
    ));
}

async fn remove(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    state
        .db
        .call(move |c| {
            if queries::get_testcase(c, id)?.is_none() {
                return Ok(Err(ApiError::not_found("test case", &id.to_string())));
            }
            let campaigns = queries::campaigns_using(c, id)?;
            if !campaigns.is_empty() {
                return Ok(Err(ApiError::conflict(
                    "in_use",
                    format!(
                        "the test case is part of campaign(s) {}: remove it there first",
                        quoted(&campaigns)
                    ),
                )));
            }
            let schedules = queries::schedules_using(c, id)?;
            if !schedules.is_empty() {
                return Ok(Err(ApiError::conflict(
                    "in_use",
                    format!(
                        "schedule(s) {} start this test case: delete them first",
                        quoted(&schedules)
                    ),
                )));
            }
            queries::delete_testcase(c, id)?;
            Ok(Ok(()))
        })
        .await??;
    state
        .events
        .publish(Event::new("testcase.deleted", &json!({"id": id})));
    Ok(StatusCode::NO_CONTENT)
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DuplicateBody {
    #[serde(default)]
    name: Option<String>,
}

async fn duplicate(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let original = load(&state, id).await?;
    // The body is optional: an empty one asks for the default name.
    let wanted = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<DuplicateBody>(&body)
            .map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?
            .name
    };
    let created = state
        .db
        .call(move |c| {
            let name = match wanted {
                Some(name) => name.trim().to_string(),
                None => {
                    // "<name> (copy)", then "(copy 2)" and so on: a free name.
                    let mut n = 1;
                    loop {
                        let candidate = if n == 1 {
                            format!("{} (copy)", original.name)
                        } else {
                            format!("{} (copy {n})", original.name)
                        };
                        if queries::find_testcase(c, &candidate)?.is_none() {
                            break candidate;
                        }
                        n += 1;
                    }
                }
            };
            let name = match super::check_name(&name) {
                Ok(name) => name,
                Err(e) => return Ok(Err(e)),
            };
            if queries::find_testcase(c, &name)?.is_some() {
                return Ok(Err(name_taken(&name)));
            }
            let tx = c.transaction()?;
            let id = queries::insert_testcase(
                &tx,
                &TestCaseFields {
                    name: &name,
                    description: &original.description,
                    tags: &original.tags,
                    document: &original.document,
                },
            )?;
            tx.commit()?;
            Ok(Ok(id))
        })
        .await??;
    let testcase = load(&state, created).await?;
    publish_saved(&state, &testcase);
    Ok((StatusCode::CREATED, Json(view(&testcase, true))))
}

async fn versions(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    load(&state, id).await?;
    let versions = state
        .db
        .call(move |c| queries::testcase_versions(c, id))
        .await?;
    Ok(Json(json!(versions)))
}

async fn tags(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let all = state.db.call(queries::list_testcases).await?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for testcase in &all {
        for tag in &testcase.tags {
            *counts.entry(tag.clone()).or_default() += 1;
        }
    }
    let tags: Vec<Value> = counts
        .into_iter()
        .map(|(tag, count)| json!({"tag": tag, "count": count}))
        .collect();
    Ok(Json(Value::Array(tags)))
}
