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
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::AppState;
use crate::auth::authorize_request;
use crate::auth::scope::Scope;
use crate::error::ApiError;

use super::{ImportError, Input, import};

/// The path of the endpoint.
pub const PATH: &str = "/admin/csv";

/// An uploaded package in the temporary directory, removed when dropped.
struct Upload(std::path::PathBuf);

impl Upload {
    /// A new, empty file of a name of its own (never an existing file), open for writing.
    async fn create() -> anyhow::Result<(Upload, tokio::fs::File)> {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let path = std::env::temp_dir().join(format!("oneroster-upload-{name}.zip"));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok((Upload(path), file))
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Imports the zip in the request body.
pub async fn import_package(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match handle(state, req).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

async fn handle(state: Arc<AppState>, req: Request) -> Result<Response, ApiError> {
    authorize_request(&state, req.headers(), &[Scope::Admin]).await?;
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
    // The package goes to a file, not to memory: a package may be hundreds of megabytes, and
    // uploads may arrive together (imports then run one after the other).
    let (upload, mut file) = Upload::create().await.map_err(ApiError::internal)?;
    let mut received = 0usize;
    let mut body = req.into_body().into_data_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::http(
                StatusCode::BAD_REQUEST,
                "The request body could not be read to its end",
            )
        })?;
        received += chunk.len();
        if received > limit {
            return Err(too_large());
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| ApiError::internal(anyhow::Error::from(e)))?;
    }
    file.flush()
        .await
        .map_err(|e| ApiError::internal(anyhow::Error::from(e)))?;
    drop(file);
    if received == 0 {
        return Err(ApiError::unprocessable(
            "The request body must be a OneRoster CSV package (a zip)",
        ));
    }
    match import(
        &state.engine.store,
        Input::ZipFile(upload.0.clone()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_upload_file_is_new_and_removed_when_dropped() {
        let (first, mut file) = Upload::create().await.unwrap();
        file.write_all(b"PK").await.unwrap();
        drop(file);
        let (second, _) = Upload::create().await.unwrap();
        assert_ne!(first.0, second.0);
        assert_eq!(std::fs::read(&first.0).unwrap(), b"PK");
        let path = first.0.clone();
        drop(first);
        assert!(!path.exists(), "{} is left behind", path.display());
    }
}
