//! Loading stored navigation trees and where their node screenshots live.

use std::path::{Path, PathBuf};

use crate::api_error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::server::db::trees::{self as queries, StoredTree};

/// Folder of a tree's node screenshots (`<node id>.jpg`).
pub fn screenshot_dir(state: &AppState, tree_id: i64) -> PathBuf {
    tree_screenshot_dir(&state.data_dir, tree_id)
}

pub fn tree_screenshot_dir(data_dir: &Path, tree_id: i64) -> PathBuf {
    data_dir.join("screenshots").join(format!("tree-{tree_id}"))
}

pub async fn load_tree(state: &AppState, tree_id: i64) -> ApiResult<StoredTree> {
    state
        .db
        .call(move |c| queries::load_tree(c, tree_id))
        .await?
        .ok_or_else(|| ApiError::not_found("tree", &tree_id.to_string()))
}
