//! `POST /admin/csv`: a SIS pushes a package (the zip as the request body).
//!
//! Requires a bearer token with the server-administration scope, which no OneRoster scope
//! grants. Answers 200 with the import summary, or 422 listing the package's errors (nothing
//! written). The body may be as large as `--max-import-bytes`, and the request is not subject
//! to the general request timeout: an import takes as long as its package needs.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::authorize;
use crate::auth::scope::Scope;
use crate::error::ApiError;

use super::{ImportError, Input, import};

/// The path of the endpoint.
pub const PATH: &str = "/admin/csv";

/// Imports the zip in the request body.
pub async fn import_package(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match handle(state, req).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

async fn handle(state: Arc<AppState>, req: Request) -> Result<Response, ApiError> {
    authorize(&state.keys, req.headers(), &[Scope::Admin])?;
    let mut options = state.settings.import.clone();
    for (key, value) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match (key.as_ref(), value.as_ref()) {
            ("allowMassDelete", "true") => options.allow_mass_delete = true,
            ("allowMassDelete", "false") => options.allow_mass_delete = false,
            ("allowMassDelete", other) => {
                return Err(ApiError::invalid_data(format!(
                    "allowMassDelete must be true or false, not '{other}'"
                )));
            }
            (other, _) => {
                return Err(ApiError::invalid_data(format!(
                    "Unknown query parameter '{other}'; the only one is allowMassDelete"
                )));
            }
        }
    }
    let limit = state.settings.max_import_bytes;
    let too_large = || {
        ApiError::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The package is larger than {limit} bytes (--max-import-bytes)"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let body = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| too_large())?;
    if body.is_empty() {
        return Err(ApiError::unprocessable(
            "The request body must be a OneRoster CSV package (a zip)",
        ));
    }
    match import(
        &state.engine.store,
        Input::Zip(body),
        &options,
        Arc::default(),
    )
    .await
    {
        Ok(summary) => {
            tracing::info!(
                rows = summary.rows,
                elapsed_ms = summary.elapsed_ms,
                "CSV package imported"
            );
            Ok((StatusCode::OK, Json(summary)).into_response())
        }
        Err(e @ ImportError::Refused(_)) => Err(ApiError::unprocessable(e.describe())),
        Err(ImportError::Internal(e)) => Err(ApiError::internal(e)),
    }
}
