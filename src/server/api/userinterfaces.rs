//! Userinterfaces (apps under test, each owning one navigation tree), and moving a tree with its
//! references and screenshots between servers as one JSON document.

use std::collections::BTreeMap;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::trees::{check_verification, invalid_tree};
use crate::api_error::{ApiError, ApiJson, ApiResult};
use crate::ids::is_valid_id;
use crate::nav::model::{TreeDoc, parse_tree, starter_tree};
use crate::server::AppState;
use crate::server::db::references::{self as reference_queries, NewReference};
use crate::server::db::trees::{self as queries, Userinterface};
use crate::server::events::Event;
use crate::server::services::references::image_path;
use crate::server::services::trees::{load_tree, screenshot_dir};
use crate::verify::Region;

pub const EXPORT_FORMAT: &str = "vpt-tree";
/// Largest import accepted: a tree with hundreds of references and screenshots fits.
const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;
pub const EXPORT_FORMAT_VERSION: u32 = 1;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/userinterfaces", get(list).post(create))
        .route(
            "/api/userinterfaces/{id}",
            get(one).put(update).delete(remove),
        )
        .route("/api/trees/{id}/export", get(export))
        .route(
            "/api/trees/import",
            post(import).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

fn check_name(name: &str) -> ApiResult<()> {
    if is_valid_id(name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_name",
            format!("userinterface name `{name}`: use 1 to 64 letters, digits, `-`, `_` and `.`"),
        ))
    }
}

fn check_models(models: &[String]) -> ApiResult<()> {
    if models.len() > 50 || models.iter().any(|m| !is_valid_id(m)) {
        return Err(ApiError::bad_request(
            "invalid_models",
            "models: up to 50 model names of letters, digits, `-`, `_` and `.`",
        ));
    }
    Ok(())
}

fn check_description(description: &str) -> ApiResult<()> {
    if description.chars().count() > 1000 {
        return Err(ApiError::bad_request(
            "invalid_description",
            "description: at most 1000 characters",
        ));
    }
    Ok(())
}

fn name_taken(name: &str) -> ApiError {
    ApiError::conflict(
        "name_taken",
        format!("a userinterface named `{name}` already exists"),
    )
}

async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<Userinterface>>> {
    Ok(Json(state.db.call(queries::list_userinterfaces).await?))
}

async fn get_ui(state: &AppState, id: i64) -> ApiResult<Userinterface> {
    state
        .db
        .call(move |c| queries::get_userinterface(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("userinterface", &id.to_string()))
}

async fn one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<Userinterface>> {
    Ok(Json(get_ui(&state, id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    models: Vec<String>,
}

async fn create(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateRequest>,
) -> ApiResult<(StatusCode, Json<Userinterface>)> {
    check_name(&request.name)?;
    check_models(&request.models)?;
    check_description(&request.description)?;
    let name = request.name.clone();
    let created = state
        .db
        .call(move |c| {
            Ok(queries::create_userinterface(
                c,
                &request.name,
                &request.description,
                &request.models,
                &starter_tree(),
            ))
        })
        .await?;
    let ui = match created {
        Ok(ui) => ui,
        Err(e) if queries::is_conflict(&e) => return Err(name_taken(&name)),
        Err(e) => return Err(ApiError::from(e)),
    };
    state
        .events
        .publish(Event::new("userinterface.changed", &json!({"id": ui.id})));
    Ok((StatusCode::CREATED, Json(ui)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRequest {
    description: Option<String>,
    models: Option<Vec<String>>,
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(request): ApiJson<UpdateRequest>,
) -> ApiResult<Json<Userinterface>> {
    if let Some(models) = &request.models {
        check_models(models)?;
    }
    if let Some(description) = &request.description {
        check_description(description)?;
    }
    let ui = state
        .db
        .call(move |c| {
            queries::update_userinterface(
                c,
                id,
                request.description.as_deref(),
                request.models.as_deref(),
            )
        })
        .await?
        .ok_or_else(|| ApiError::not_found("userinterface", &id.to_string()))?;
    state
        .events
        .publish(Event::new("userinterface.changed", &json!({"id": id})));
    Ok(Json(ui))
}

async fn remove(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let ui = get_ui(&state, id).await?;
    let removed = state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let removed = queries::delete_userinterface_in(&tx, id)?;
            tx.commit()?;
            Ok(removed)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("userinterface", &id.to_string()))?;
    // The rows are gone; files without rows are only clutter, so failures here are logged.
    for reference in removed {
        if let Err(e) = tokio::fs::remove_file(image_path(&state, reference)).await {
            tracing::warn!(reference, error = %e, "cannot remove a reference image");
        }
    }
    let _ = tokio::fs::remove_dir_all(screenshot_dir(&state, ui.tree_id)).await;
    state
        .events
        .publish(Event::new("userinterface.changed", &json!({"id": id})));
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedUserinterface {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub models: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedReference {
    pub name: String,
    pub kind: String,
    pub area: Region,
    pub source_width: u32,
    pub source_height: u32,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default = "eng")]
    pub lang: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub png_base64: Option<String>,
}

fn eng() -> String {
    "eng".into()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeExport {
    pub format: String,
    pub format_version: u32,
    pub userinterface: ExportedUserinterface,
    pub tree: Value,
    #[serde(default)]
    pub references: Vec<ExportedReference>,
    #[serde(default)]
    pub screenshots: BTreeMap<String, String>,
}

async fn export(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<TreeExport>> {
    let tree = load_tree(&state, id).await?;
    let ui = get_ui(&state, tree.userinterface_id).await?;
    let name = ui.name.clone();
    let stored = state
        .db
        .call(move |c| reference_queries::list(c, Some(&name)))
        .await?;
    let mut references = Vec::with_capacity(stored.len());
    for reference in stored {
        let png_base64 = if reference.kind == "image" {
            let png = tokio::fs::read(image_path(&state, reference.id))
                .await
                .map_err(|e| ApiError::internal("cannot read a reference image", e))?;
            Some(BASE64.encode(png))
        } else {
            None
        };
        references.push(ExportedReference {
            name: reference.name,
            kind: reference.kind,
            area: reference.area,
            source_width: reference.source_width,
            source_height: reference.source_height,
            text: reference.text,
            lang: reference.lang,
            model: reference.model,
            png_base64,
        });
    }
    let mut screenshots = BTreeMap::new();
    let dir = screenshot_dir(&state, id);
    for node in &tree.doc.nodes {
        if let Ok(jpeg) = tokio::fs::read(dir.join(format!("{}.jpg", node.id))).await {
            screenshots.insert(node.id.clone(), BASE64.encode(jpeg));
        }
    }
    Ok(Json(TreeExport {
        format: EXPORT_FORMAT.into(),
        format_version: EXPORT_FORMAT_VERSION,
        userinterface: ExportedUserinterface {
            name: ui.name,
            description: ui.description,
            models: ui.models,
        },
        tree: serde_json::to_value(&tree.doc).unwrap_or(Value::Null),
        references,
        screenshots,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    #[serde(default)]
    replace: bool,
    name: Option<String>,
}

/// A reference of an import, checked and decoded.
struct ImportedReference {
    new: NewReference,
    png: Option<Vec<u8>>,
}

fn check_reference(
    reference: ExportedReference,
    userinterface: &str,
) -> ApiResult<ImportedReference> {
    let name = reference.name.clone();
    let bad = |why: String| invalid_tree(format!("reference \"{name}\": {why}"));
    let name_ok = !name.trim().is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    if !name_ok {
        return Err(bad("not a valid reference name".into()));
    }
    let png = match (reference.kind.as_str(), &reference.png_base64) {
        ("image", Some(data)) => {
            let png = BASE64
                .decode(data)
                .map_err(|e| bad(format!("png_base64 is not base64: {e}")))?;
            let size = crate::image_input::decode(&png, image::ImageFormat::Png)
                .map(|i| (i.width(), i.height()))
                .map_err(|e| bad(format!("png_base64 is not a PNG: {e}")))?;
            if size != (reference.area.width, reference.area.height) {
                return Err(bad(format!(
                    "the image is {}x{} but its area is {}",
                    size.0, size.1, reference.area
                )));
            }
            Some(png)
        }
        ("image", None) => return Err(bad("an image reference needs png_base64".into())),
        ("text", _) => None,
        (other, _) => return Err(bad(format!("kind `{other}` is not image or text"))),
    };
    let area = reference.area;
    if area.right() > reference.source_width || area.bottom() > reference.source_height {
        return Err(bad(format!(
            "area {area} is outside its {}x{} frame",
            reference.source_width, reference.source_height
        )));
    }
    Ok(ImportedReference {
        new: NewReference {
            name: reference.name,
            userinterface: userinterface.to_string(),
            model: reference.model,
            kind: reference.kind,
            area,
            source_width: reference.source_width,
            source_height: reference.source_height,
            text: reference.text,
            lang: reference.lang,
        },
        png,
    })
}

async fn import(
    State(state): State<AppState>,
    query: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    ApiJson(export): ApiJson<TreeExport>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    if export.format != EXPORT_FORMAT || export.format_version != EXPORT_FORMAT_VERSION {
        return Err(ApiError::bad_request(
            "invalid_format",
            format!(
                "this is not a {EXPORT_FORMAT} version {EXPORT_FORMAT_VERSION} document (format `{}`, version {})",
                export.format, export.format_version
            ),
        ));
    }
    let name = query
        .name
        .clone()
        .unwrap_or_else(|| export.userinterface.name.clone());
    check_name(&name)?;
    check_models(&export.userinterface.models)?;
    check_description(&export.userinterface.description)?;
    let doc: TreeDoc = parse_tree(export.tree).map_err(|e| invalid_tree(e.0))?;
    let mut references = Vec::with_capacity(export.references.len());
    let mut seen = std::collections::HashSet::new();
    for reference in export.references {
        if !seen.insert(reference.name.clone()) {
            return Err(invalid_tree(format!(
                "reference \"{}\" appears twice",
                reference.name
            )));
        }
        references.push(check_reference(reference, &name)?);
    }
    // The tree's verifications must name references that come with it.
    let kinds: std::collections::HashMap<String, String> = references
        .iter()
        .map(|r| (r.new.name.clone(), r.new.kind.clone()))
        .collect();
    for node in &doc.nodes {
        for (index, verification) in node.verifications.iter().enumerate() {
            check_verification(verification, &kinds, &name).map_err(|why| {
                invalid_tree(format!("node \"{}\": verification {index}: {why}", node.id))
            })?;
        }
    }
    let mut screenshots = Vec::new();
    for (node, data) in &export.screenshots {
        if doc.node(node).is_none() {
            return Err(invalid_tree(format!(
                "screenshot of \"{node}\": no such node in the tree"
            )));
        }
        let jpeg = BASE64
            .decode(data)
            .map_err(|e| invalid_tree(format!("screenshot of \"{node}\": not base64: {e}")))?;
        crate::image_input::decode(&jpeg, image::ImageFormat::Jpeg)
            .map_err(|e| invalid_tree(format!("screenshot of \"{node}\": not a JPEG: {e}")))?;
        screenshots.push((node.clone(), jpeg));
    }

    let ui = export.userinterface;
    let references_dir = state.data_dir.join("references");
    let data_dir = state.data_dir.clone();
    let replace = query.replace;
    let ui_name = name.clone();
    let outcome = state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let mut old_references = Vec::new();
            let mut old_tree = None;
            if let Some(existing) = queries::find_userinterface(&tx, &ui_name)? {
                if !replace {
                    return Ok(Err(()));
                }
                old_tree = Some(existing.tree_id);
                old_references =
                    queries::delete_userinterface_in(&tx, existing.id)?.unwrap_or_default();
            }
            let (ui_id, tree_id) = queries::create_userinterface_in(
                &tx,
                &ui_name,
                &ui.description,
                &ui.models,
                &doc,
                "imported",
            )?;
            std::fs::create_dir_all(&references_dir)
                .map_err(|e| crate::server::db::DbError::Worker(e.to_string()))?;
            let mut written = Vec::new();
            for reference in &references {
                let id = reference_queries::insert_in(&tx, &reference.new)?;
                if let Some(png) = &reference.png {
                    let path = references_dir.join(format!("{id}.png"));
                    if let Err(e) = std::fs::write(&path, png) {
                        // Nothing is committed; remove what this import wrote.
                        for path in written {
                            let _ = std::fs::remove_file(path);
                        }
                        return Err(crate::server::db::DbError::Worker(format!(
                            "cannot write a reference image: {e}"
                        )));
                    }
                    written.push(path);
                }
            }
            tx.commit()?;
            Ok(Ok((ui_id, tree_id, old_references, old_tree, data_dir)))
        })
        .await?;
    let Ok((ui_id, tree_id, old_references, old_tree, data_dir)) = outcome else {
        return Err(name_taken(&name).with("hint", "add ?replace=true or ?name=<other name>"));
    };
    for id in old_references {
        let _ = tokio::fs::remove_file(data_dir.join("references").join(format!("{id}.png"))).await;
    }
    if let Some(old) = old_tree {
        let _ = tokio::fs::remove_dir_all(screenshot_dir(&state, old)).await;
    }
    let dir = screenshot_dir(&state, tree_id);
    if !screenshots.is_empty() {
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| ApiError::internal("cannot create the screenshot folder", e))?;
    }
    for (node, jpeg) in screenshots {
        if let Err(e) = tokio::fs::write(dir.join(format!("{node}.jpg")), jpeg).await {
            tracing::warn!(node, error = %e, "cannot write an imported screenshot");
        }
    }
    state
        .events
        .publish(Event::new("userinterface.changed", &json!({"id": ui_id})));
    let ui = get_ui(&state, ui_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"userinterface": ui, "tree_id": tree_id})),
    ))
}
