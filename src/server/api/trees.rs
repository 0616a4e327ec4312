//! Navigation trees: the whole tree in one call, node and edge edits, node screenshots and the
//! version history. Every change is checked whole (structure, then verifications against the
//! userinterface's references) and saved as a new version; a refused change saves nothing.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

use super::references::device_screenshot;
use crate::api_error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::ids::{EdgeId, NodeId};
use crate::nav::model::{ENTRY, Edge, HOME, Node, TreeDoc, parse_tree};
use crate::protocol::verification::Verification;
use crate::server::AppState;
use crate::server::db::references as reference_queries;
use crate::server::db::trees::{self as queries, SaveError, StoredTree};
use crate::server::events::Event;
use crate::server::services::trees::{load_tree, screenshot_dir};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/trees/{id}", get(one).put(replace))
        .route("/api/trees/{id}/nodes", post(add_node))
        .route(
            "/api/trees/{id}/nodes/{node}",
            put(update_node).delete(delete_node),
        )
        .route(
            "/api/trees/{id}/nodes/{node}/screenshot",
            get(screenshot).post(take_screenshot),
        )
        .route("/api/trees/{id}/edges", post(add_edge))
        .route(
            "/api/trees/{id}/edges/{edge}",
            put(update_edge).delete(delete_edge),
        )
        .route("/api/trees/{id}/history", get(history))
        .route("/api/trees/{id}/history/{version}", get(version))
        .route("/api/trees/{id}/history/{version}/restore", post(restore))
}

pub fn invalid_tree(detail: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_tree", detail)
}

/// The tree as the API shows it: the document, node screenshot links and edge metrics.
pub async fn tree_view(state: &AppState, tree: &StoredTree) -> ApiResult<Value> {
    let tree_id = tree.id;
    let metrics = state.db.call(move |c| queries::metrics(c, tree_id)).await?;
    let dir = screenshot_dir(state, tree.id);
    let mut nodes = Vec::with_capacity(tree.doc.nodes.len());
    for node in &tree.doc.nodes {
        let mut value = serde_json::to_value(node).unwrap_or(Value::Null);
        let has_screenshot = tokio::fs::try_exists(dir.join(format!("{}.jpg", node.id)))
            .await
            .unwrap_or(false);
        value["screenshot_url"] = if has_screenshot {
            json!(format!(
                "/api/trees/{}/nodes/{}/screenshot?v={}",
                tree.id, node.id, tree.version
            ))
        } else {
            Value::Null
        };
        nodes.push(value);
    }
    Ok(json!({
        "id": tree.id,
        "userinterface": {"id": tree.userinterface_id, "name": tree.userinterface},
        "version": tree.version,
        "updated_at": tree.updated_at,
        "nodes": nodes,
        "edges": tree.doc.edges,
        "metrics": metrics,
    }))
}

async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let tree = load_tree(&state, id).await?;
    Ok(Json(tree_view(&state, &tree).await?))
}

/// Fields the API adds to nodes when showing them; ignored when they come back.
fn strip_view_fields(node: &mut Value) {
    if let Some(object) = node.as_object_mut() {
        object.remove("screenshot_url");
    }
}

/// Parses a node or edge sent by a client, naming the field or action at fault.
fn parse_item<T: serde::de::DeserializeOwned>(what: &str, mut value: Value) -> ApiResult<T> {
    strip_view_fields(&mut value);
    serde_json::from_value(value.clone()).map_err(|e| {
        let wrapped = match what {
            "node" => json!({"nodes": [value], "edges": []}),
            _ => json!({"nodes": [], "edges": [value]}),
        };
        let detail = crate::nav::model::describe_parse_error(&wrapped)
            .map(|d| d.replacen(&format!("{what} 0 "), &format!("{what} "), 1))
            .unwrap_or_else(|| format!("{what}: {e}"));
        invalid_tree(detail)
    })
}

/// Checks node verifications against the userinterface's references, naming the first problem.
pub async fn check_verifications(
    state: &AppState,
    userinterface: &str,
    doc: &TreeDoc,
) -> ApiResult<()> {
    let ui = userinterface.to_string();
    let references = state
        .db
        .call(move |c| reference_queries::list(c, Some(&ui)))
        .await?;
    let kinds: HashMap<String, String> = references.into_iter().map(|r| (r.name, r.kind)).collect();
    for node in &doc.nodes {
        for (index, verification) in node.verifications.iter().enumerate() {
            check_verification(verification, &kinds, userinterface).map_err(|why| {
                invalid_tree(format!("node \"{}\": verification {index}: {why}", node.id))
            })?;
        }
    }
    Ok(())
}

pub fn check_verification(
    verification: &Map<String, Value>,
    references: &HashMap<String, String>,
    userinterface: &str,
) -> Result<(), String> {
    let kind = verification
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("`kind` is missing (image, text, black, motion, freeze)")?;
    let mut probe = verification.clone();
    match (kind, verification.get("reference")) {
        (_, Some(Value::String(name))) => {
            let Some(stored) = references.get(name) else {
                return Err(format!(
                    "reference \"{name}\" does not exist in userinterface \"{userinterface}\""
                ));
            };
            if stored != kind {
                return Err(format!(
                    "reference \"{name}\" is an {stored} reference, not {kind}"
                ));
            }
            // Stand-ins for what the server fills in when it resolves the reference.
            if kind == "image" {
                probe.insert("reference".into(), json!({"name": name, "png_base64": ""}));
            } else {
                probe.remove("reference");
                probe.entry("expect").or_insert(json!("text"));
            }
        }
        (_, Some(_)) => return Err("`reference` must be a reference name".into()),
        ("image", None) => return Err("an image verification needs a `reference`".into()),
        _ => {}
    }
    serde_json::from_value::<Verification>(Value::Object(probe)).map_err(|e| e.to_string())?;
    Ok(())
}

/// Checks and saves a new version of a tree, and tells everyone.
pub async fn save(
    state: &AppState,
    tree: &StoredTree,
    mut doc: TreeDoc,
    message: String,
    base_version: Option<i64>,
) -> ApiResult<Value> {
    doc.fill_edge_ids();
    doc.validate().map_err(|e| invalid_tree(e.0))?;
    check_verifications(state, &tree.userinterface, &doc).await?;
    let tree_id = tree.id;
    let message = if message.trim().is_empty() {
        "saved".to_string()
    } else {
        message.trim().chars().take(200).collect()
    };
    let saved = state
        .db
        .call(
            move |c| match queries::save_tree(c, tree_id, &doc, &message, base_version) {
                Ok(version) => Ok(Ok(version)),
                Err(SaveError::Db(e)) => Err(e),
                Err(other) => Ok(Err(other)),
            },
        )
        .await?;
    match saved {
        Ok(version) => {
            state.events.publish(Event::new(
                "tree.saved",
                &json!({"tree_id": tree_id, "version": version}),
            ));
            let tree = load_tree(state, tree_id).await?;
            tree_view(state, &tree).await
        }
        Err(SaveError::Stale { current }) => Err(ApiError::conflict(
            "stale_version",
            format!(
                "the tree was saved meanwhile (now version {current}); reload it and apply your changes again"
            ),
        )
        .with("version", current)),
        Err(_) => Err(ApiError::not_found("tree", &tree_id.to_string())),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplaceRequest {
    nodes: Vec<Value>,
    edges: Vec<Value>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    base_version: Option<i64>,
}

async fn replace(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<ReplaceRequest>,
) -> ApiResult<Json<Value>> {
    let tree = load_tree(&state, id).await?;
    let mut nodes = request.nodes;
    nodes.iter_mut().for_each(strip_view_fields);
    let doc = parse_tree(json!({"nodes": nodes, "edges": request.edges}))
        .map_err(|e| invalid_tree(e.0))?;
    let message = if request.message.is_empty() {
        "tree edited".to_string()
    } else {
        request.message
    };
    Ok(Json(
        save(&state, &tree, doc, message, request.base_version).await?,
    ))
}

async fn add_node(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let tree = load_tree(&state, id).await?;
    let node: Node = parse_item("node", body)?;
    if tree.doc.node(&node.id).is_some() {
        return Err(ApiError::conflict(
            "node_exists",
            format!("the tree already has a node \"{}\"", node.id),
        ));
    }
    let mut doc = tree.doc.clone();
    let message = format!("node \"{}\" added", node.id);
    doc.nodes.push(node);
    Ok((
        StatusCode::CREATED,
        Json(save(&state, &tree, doc, message, None).await?),
    ))
}

async fn update_node(
    State(state): State<AppState>,
    ApiPath((id, node_id)): ApiPath<(i64, NodeId)>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let tree = load_tree(&state, id).await?;
    let mut node: Node = parse_item("node", body)?;
    let mut doc = tree.doc.clone();
    let Some(slot) = doc.nodes.iter_mut().find(|n| n.id == node_id) else {
        return Err(ApiError::not_found("node", &node_id));
    };
    if node.id.is_empty() {
        node.id = node_id.to_string();
    }
    let renamed = node.id != node_id;
    if renamed && (node_id == ENTRY || node_id == HOME) {
        return Err(invalid_tree(format!(
            "node \"{node_id}\" cannot be renamed: every tree has it"
        )));
    }
    let new_id = node.id.clone();
    *slot = node;
    if renamed {
        for edge in &mut doc.edges {
            if edge.source == node_id {
                edge.source = new_id.clone();
            }
            if edge.target == node_id {
                edge.target = new_id.clone();
            }
        }
    }
    let message = if renamed {
        format!("node \"{node_id}\" renamed to \"{new_id}\"")
    } else {
        format!("node \"{node_id}\" edited")
    };
    let saved = save(&state, &tree, doc, message, None).await?;
    if renamed {
        let dir = screenshot_dir(&state, id);
        let _ = tokio::fs::rename(
            dir.join(format!("{node_id}.jpg")),
            dir.join(format!("{new_id}.jpg")),
        )
        .await;
    }
    Ok(Json(saved))
}

async fn delete_node(
    State(state): State<AppState>,
    ApiPath((id, node_id)): ApiPath<(i64, NodeId)>,
) -> ApiResult<Json<Value>> {
    let tree = load_tree(&state, id).await?;
    if node_id == ENTRY || node_id == HOME {
        return Err(invalid_tree(format!(
            "node \"{node_id}\" cannot be deleted: every tree has it"
        )));
    }
    if tree.doc.node(&node_id).is_none() {
        return Err(ApiError::not_found("node", &node_id));
    }
    let mut doc = tree.doc.clone();
    doc.nodes.retain(|n| n.id != node_id);
    doc.edges
        .retain(|e| e.source != node_id && e.target != node_id);
    let saved = save(
        &state,
        &tree,
        doc,
        format!("node \"{node_id}\" deleted"),
        None,
    )
    .await?;
    let _ = tokio::fs::remove_file(screenshot_dir(&state, id).join(format!("{node_id}.jpg"))).await;
    Ok(Json(saved))
}

async fn add_edge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let tree = load_tree(&state, id).await?;
    let edge: Edge = parse_item("edge", body)?;
    if !edge.id.is_empty() && tree.doc.edge(&edge.id).is_some() {
        return Err(ApiError::conflict(
            "edge_exists",
            format!("the tree already has an edge \"{}\"", edge.id),
        ));
    }
    let mut doc = tree.doc.clone();
    let message = format!("edge {} -> {} added", edge.source, edge.target);
    doc.edges.push(edge);
    Ok((
        StatusCode::CREATED,
        Json(save(&state, &tree, doc, message, None).await?),
    ))
}

async fn update_edge(
    State(state): State<AppState>,
    ApiPath((id, edge_id)): ApiPath<(i64, EdgeId)>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let tree = load_tree(&state, id).await?;
    let mut edge: Edge = parse_item("edge", body)?;
    let mut doc = tree.doc.clone();
    let Some(slot) = doc.edges.iter_mut().find(|e| e.id == edge_id) else {
        return Err(ApiError::not_found("edge", &edge_id));
    };
    if edge.id.is_empty() {
        edge.id = edge_id.to_string();
    }
    *slot = edge;
    let message = format!("edge \"{edge_id}\" edited");
    Ok(Json(save(&state, &tree, doc, message, None).await?))
}

async fn delete_edge(
    State(state): State<AppState>,
    ApiPath((id, edge_id)): ApiPath<(i64, EdgeId)>,
) -> ApiResult<Json<Value>> {
    let tree = load_tree(&state, id).await?;
    if tree.doc.edge(&edge_id).is_none() {
        return Err(ApiError::not_found("edge", &edge_id));
    }
    let mut doc = tree.doc.clone();
    doc.edges.retain(|e| e.id != edge_id);
    let message = format!("edge \"{edge_id}\" deleted");
    Ok(Json(save(&state, &tree, doc, message, None).await?))
}

async fn screenshot(
    State(state): State<AppState>,
    ApiPath((id, node_id)): ApiPath<(i64, NodeId)>,
) -> Response {
    let path = screenshot_dir(&state, id).join(format!("{node_id}.jpg"));
    match tokio::fs::read(&path).await {
        Ok(jpeg) => (
            [
                (header::CONTENT_TYPE, "image/jpeg"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            jpeg,
        )
            .into_response(),
        Err(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("node `{node_id}` of tree {id} has no screenshot"),
        )
        .into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreenshotRequest {
    host: String,
    device: String,
}

/// Width node screenshots are stored at: enough for the graph and the node panel.
const SCREENSHOT_WIDTH: u32 = 640;

async fn take_screenshot(
    State(state): State<AppState>,
    ApiPath((id, node_id)): ApiPath<(i64, NodeId)>,
    ApiJson(request): ApiJson<ScreenshotRequest>,
) -> ApiResult<Json<Value>> {
    let tree = load_tree(&state, id).await?;
    if tree.doc.node(&node_id).is_none() {
        return Err(ApiError::not_found("node", &node_id));
    }
    let format = format!("jpeg&width={SCREENSHOT_WIDTH}");
    let jpeg = device_screenshot(&state, &request.host, &request.device, &format).await?;
    let dir = screenshot_dir(&state, id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ApiError::internal("cannot create the screenshot folder", e))?;
    // Write then rename, so a reader never sees half a file.
    let path = dir.join(format!("{node_id}.jpg"));
    let partial = dir.join(format!(".{node_id}.jpg.part"));
    tokio::fs::write(&partial, &jpeg)
        .await
        .map_err(|e| ApiError::internal("cannot write the screenshot", e))?;
    tokio::fs::rename(&partial, &path)
        .await
        .map_err(|e| ApiError::internal("cannot write the screenshot", e))?;
    state.events.publish(Event::new(
        "tree.saved",
        &json!({"tree_id": id, "version": tree.version, "screenshot": node_id}),
    ));
    Ok(Json(json!({
        "screenshot_url": format!("/api/trees/{id}/nodes/{node_id}/screenshot?t={}", chrono::Utc::now().timestamp_millis()),
        "bytes": jpeg.len(),
    })))
}

async fn history(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    load_tree(&state, id).await?;
    let versions = state.db.call(move |c| queries::history(c, id)).await?;
    Ok(Json(json!(versions)))
}

async fn load_version(state: &AppState, id: i64, version: i64) -> ApiResult<TreeDoc> {
    state
        .db
        .call(move |c| queries::version_doc(c, id, version))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("tree {id} has no version {version} (the last 200 are kept)"),
            )
        })
}

async fn version(
    State(state): State<AppState>,
    Path((id, version)): Path<(i64, i64)>,
) -> ApiResult<Json<Value>> {
    let doc = load_version(&state, id, version).await?;
    Ok(Json(
        json!({"version": version, "nodes": doc.nodes, "edges": doc.edges}),
    ))
}

async fn restore(
    State(state): State<AppState>,
    Path((id, version)): Path<(i64, i64)>,
) -> ApiResult<Json<Value>> {
    let tree = load_tree(&state, id).await?;
    let doc = load_version(&state, id, version).await?;
    let message = format!("restored version {version}");
    Ok(Json(save(&state, &tree, doc, message, None).await?))
}
