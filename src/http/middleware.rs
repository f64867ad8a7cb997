//! Cross-cutting request handling: load shedding (429), request timeouts (503), panics
//! (500), and the conversion of every plain-text error produced below the handlers (404,
//! 405, 413, …) into the OneRoster error body.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::{ApiError, CodeMinor};
use crate::model::catalogue::Service;

/// Limits applied to every request.
#[derive(Clone)]
pub struct Limits {
    pub permits: Arc<Semaphore>,
    pub timeout: Duration,
}

/// Refuses work beyond the concurrency limit (429 + `Retry-After`) and answers 503 when a
/// request takes longer than the timeout to produce its response.
pub async fn limit(State(limits): State<Limits>, req: Request, next: Next) -> Response {
    let Ok(_permit) = limits.permits.clone().try_acquire_owned() else {
        return ApiError::too_many_requests(1).into_response();
    };
    match tokio::time::timeout(limits.timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::busy(format!(
            "The request did not complete within {} seconds",
            limits.timeout.as_secs()
        ))
        .into_response(),
    }
}

/// Turns a panic into a logged 500 with the OneRoster error body.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("panic");
    ApiError::internal(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}

fn is_json(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Rewrites error responses that are not JSON (axum's and tower's defaults are plain text or
/// empty) into `imsx_StatusInfoDType`, keeping their headers (`Allow`, `Retry-After`…).
pub async fn normalize_errors(req: Request, next: Next) -> Response {
    let service = Service::ALL
        .into_iter()
        .find(|s| req.uri().path().starts_with(s.base_path()));
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&res) {
        return res;
    }
    let (mut parts, _) = res.into_parts();
    let (minor, description) = match status {
        StatusCode::NOT_FOUND => (CodeMinor::UnknownObject, "No such endpoint"),
        StatusCode::METHOD_NOT_ALLOWED => (
            CodeMinor::InvalidData,
            "This method is not supported on this endpoint",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (CodeMinor::InvalidData, "The request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            CodeMinor::InvalidData,
            "The request body must be application/json",
        ),
        StatusCode::UNAUTHORIZED => (CodeMinor::UnauthorisedRequest, "Unauthorised"),
        StatusCode::FORBIDDEN => (CodeMinor::Forbidden, "Forbidden"),
        StatusCode::TOO_MANY_REQUESTS
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::REQUEST_TIMEOUT => (CodeMinor::ServerBusy, "The server is busy; retry later"),
        s if s.is_server_error() => (
            CodeMinor::InternalServerError,
            "An internal error occurred; it has been logged",
        ),
        _ => (CodeMinor::InvalidData, "The request is not valid"),
    };
    let mut err = ApiError::new(status, minor, description);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        err = ApiError::http(status, description);
    }
    // Outside the three services (the token endpoint, the docs): the codes all three share.
    let err = match service {
        Some(s) => err.for_service(s),
        None => err.for_service(Service::Rostering),
    };
    let fresh = err.into_response();
    let (fresh_parts, body) = fresh.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in fresh_parts.headers.iter() {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, Body::new(body))
}
