//! Stored references (named image crops and texts) and turning a verification that names one
//! into what a host needs to check it.

use std::path::PathBuf;

use base64::Engine;
use serde_json::{Map, Value, json};

use crate::api_error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::server::db::references::{self as queries, StoredReference};

pub fn image_path(state: &AppState, id: i64) -> PathBuf {
    state.data_dir.join("references").join(format!("{id}.png"))
}

pub async fn load_reference(state: &AppState, id: i64) -> ApiResult<StoredReference> {
    state
        .db
        .call(move |c| queries::get(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("reference", &id.to_string()))
}

/// Turns `reference_id` / `reference` + `userinterface` into what the host needs: the image
/// inline for image references, the text and area for text references.
pub async fn resolve_reference(
    state: &AppState,
    verification: &mut Map<String, Value>,
) -> ApiResult<()> {
    let by_id = verification.remove("reference_id");
    let userinterface = verification.remove("userinterface");
    let stored = match (by_id, verification.get("reference")) {
        (Some(id), _) => {
            let id = id.as_i64().ok_or_else(|| {
                ApiError::bad_request("invalid_body", "reference_id must be a number")
            })?;
            Some(load_reference(state, id).await?)
        }
        (None, Some(Value::String(name))) => {
            let Some(Value::String(userinterface)) = userinterface else {
                return Err(ApiError::bad_request(
                    "invalid_body",
                    format!("reference `{name}` needs its `userinterface`"),
                ));
            };
            let (ui, wanted) = (userinterface.clone(), name.clone());
            let found = state
                .db
                .call(move |c| queries::find(c, &ui, &wanted))
                .await?;
            Some(found.ok_or_else(|| {
                ApiError::not_found(
                    "reference",
                    &format!("{name}` in userinterface `{userinterface}"),
                )
            })?)
        }
        _ => None,
    };
    let Some(stored) = stored else {
        return Ok(());
    };
    let kind = verification
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or(&stored.kind)
        .to_string();
    match (kind.as_str(), stored.kind.as_str()) {
        ("image", "image") => {
            let png = tokio::fs::read(image_path(state, stored.id))
                .await
                .map_err(|e| ApiError::internal("cannot read the reference image", e))?;
            verification.insert("kind".into(), json!("image"));
            verification.insert(
                "reference".into(),
                json!({
                    "name": stored.name,
                    "png_base64": base64::engine::general_purpose::STANDARD.encode(png),
                    "area": stored.area,
                    "source_width": stored.source_width,
                    "source_height": stored.source_height,
                }),
            );
        }
        ("text", "text") => {
            verification.remove("reference");
            verification.insert("kind".into(), json!("text"));
            verification
                .entry("expect")
                .or_insert(json!(stored.text.unwrap_or_default()));
            verification.entry("region").or_insert(json!(stored.area));
            verification.entry("lang").or_insert(json!(stored.lang));
        }
        (asked, is) => {
            return Err(ApiError::bad_request(
                "invalid_body",
                format!(
                    "reference `{}` is an {is} reference, not {asked}",
                    stored.name
                ),
            ));
        }
    }
    Ok(())
}
