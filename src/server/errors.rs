//! How a failure of the data layer becomes an API answer. With this conversion a handler or a
//! service writes `?` on a database call instead of naming the mapping each time.

use axum::http::StatusCode;

use crate::api_error::ApiError;
use crate::server::db::DbError;

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            // Not a caller's mistake, but one an operator must be able to find: the answer
            // names the row (no secret is in it) instead of "see the server log".
            DbError::Unreadable(unreadable) => {
                tracing::error!(error = %unreadable, "stored data is unreadable");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "stored_data_unreadable",
                    unreadable.to_string(),
                )
            }
            other => ApiError::internal("database error", other),
        }
    }
}
