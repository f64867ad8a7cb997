//! The one handler behind every OneRoster operation: authorise, read the path and query,
//! and hand the declared action to the engine.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::paging::link_header;
use crate::AppState;
use crate::api::{Action, Operation};
use crate::auth::authorize_request;
use crate::error::ApiError;
use crate::model::input::{ID_RULE, valid_id};
use crate::query::{ListParams, ParamSet};
use crate::store::engine::Page;

/// Serves `op` for `req`.
pub async fn dispatch(state: Arc<AppState>, op: &'static Operation, req: Request) -> Response {
    match serve(state, op, req).await {
        Ok(res) => res,
        Err(e) => e.for_service(op.service).into_response(),
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

async fn serve(
    state: Arc<AppState>,
    op: &'static Operation,
    req: Request,
) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    authorize_request(&state, &parts.headers, op.scopes).await?;
    // The only way the parameters cannot be read is a segment that decodes to invalid
    // UTF-8: no sourcedId is such, so that path names nothing (404; for a PUT, whose own id
    // it may be, 422), like any other id the store would refuse.
    let raw = RawPathParams::from_request_parts(&mut parts, &state)
        .await
        .map_err(|_| {
            let why = format!("the path does not decode to UTF-8, and {ID_RULE}");
            if matches!(op.action, Action::Put { .. }) {
                ApiError::unprocessable(format!("Invalid sourcedId in the path: {why}"))
            } else {
                ApiError::unknown_object(format!("No object has this sourcedId: {why}"))
            }
        })?;
    let path_param = |name: &str| -> Result<String, ApiError> {
        raw.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("route lacks parameter {name}")))
    };
    let parent_ids: Vec<String> = op
        .parents()
        .iter()
        .map(|p| path_param(p.param))
        .collect::<Result<_, _>>()?;
    let parent_ids: Vec<&str> = parent_ids.iter().map(String::as_str).collect();
    // An id the store would refuse (control characters, `.`, too long) names nothing: 404
    // without asking the database. A PUT's own id is refused with the body's other errors.
    for (name, value) in raw.iter() {
        let own = name == "sourcedId" && matches!(op.action, Action::Put { .. });
        if !own && !valid_id(value) {
            return Err(ApiError::unknown_object(format!(
                "No object has the sourcedId '{}': {ID_RULE}",
                value.escape_debug()
            )));
        }
    }
    let query = parts.uri.query();

    match &op.action {
        Action::List { view, parents } => {
            let params = ListParams::parse(query, ParamSet::Collection)?;
            let page = state
                .engine
                .list(view, parents, &parent_ids, &params)
                .await?;
            Ok(list_response(&state, parts.uri.path(), query, page))
        }
        Action::Get { view } => {
            let params = ListParams::parse(query, ParamSet::Single)?;
            let id = path_param("sourcedId")?;
            let body = state.engine.get(view, &id, &params).await?;
            Ok(json_response(StatusCode::OK, body))
        }
        Action::Put { entity } => {
            let id = path_param("sourcedId")?;
            let body = read_json(&parts.headers, body, state.settings.max_body_bytes).await?;
            state.engine.put(entity, &id, body).await?;
            Ok(StatusCode::CREATED.into_response())
        }
        Action::Post {
            entity,
            parents,
            forced,
        } => {
            let body = read_json(&parts.headers, body, state.settings.max_body_bytes).await?;
            let pairs = state
                .engine
                .post_batch(entity, parents, forced, &parent_ids, body)
                .await?;
            Ok(json_response(StatusCode::CREATED, pairs))
        }
        Action::Delete { entity } => {
            let id = path_param("sourcedId")?;
            state.engine.delete(entity, &id).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

/// Reads a JSON request body: 415 when its declared type is not JSON, 413 when too large,
/// 400 when malformed, 422 when a string holds the NUL character (which PostgreSQL cannot
/// store, so it is refused on every backend).
async fn read_json(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<serde_json::Value, ApiError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE)
        && !is_json_type(ct)
    {
        return Err(ApiError::http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request body must be JSON (Content-Type: application/json)",
        ));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {limit} bytes"),
        )
    })?;
    if bytes.is_empty() {
        return Err(ApiError::invalid_data("A JSON request body is required"));
    }
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        // serde_json stops at 128 levels of arrays and objects (its stack guard); no
        // OneRoster object nests more than a few.
        let why = if e.to_string().starts_with("recursion limit exceeded") {
            "it nests arrays and objects more than 127 levels deep, at"
        } else {
            "it is not valid JSON at"
        };
        ApiError::invalid_data(format!(
            "The request body cannot be read: {why} line {}, column {}",
            e.line(),
            e.column()
        ))
    })?;
    if let Some(path) = nul_path(&value, String::new()) {
        return Err(ApiError::unprocessable(format!(
            "{path} holds the NUL character (\\u0000), which cannot be stored"
        )));
    }
    Ok(value)
}

/// `application/json`, or any `+json` type, with or without parameters.
fn is_json_type(value: &HeaderValue) -> bool {
    let Ok(s) = value.to_str() else {
        return false;
    };
    let essence = s.split(';').next().unwrap_or("").trim();
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (sub.eq_ignore_ascii_case("json")
            || sub.len() > 5 && sub[sub.len() - 5..].eq_ignore_ascii_case("+json"))
}

/// Where in `value` a string (or a key) holds U+0000, as a path like `result.comment`.
fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(if at.is_empty() {
            "The body".to_string()
        } else {
            at
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here.escape_debug().to_string())
            } else {
                nul_path(v, here)
            }
        }),
        _ => None,
    }
}

fn list_response(state: &AppState, path: &str, query: Option<&str>, page: Page) -> Response {
    let link = link_header(
        &state.settings.public_url,
        path,
        query,
        page.total,
        page.limit,
        page.offset,
    );
    let first = futures_util::stream::once(async move { Ok::<_, std::io::Error>(page.first) });
    let body = match page.rest {
        None => Body::from_stream(first),
        Some(rx) => {
            let rest = futures_util::stream::unfold(rx, |mut rx| async move {
                let item = rx.recv().await?;
                let item = item.map(|chunk| chunk.bytes).map_err(|e| {
                    tracing::error!(error = format!("{e:#}"), "list stream failed");
                    std::io::Error::other("list stream failed")
                });
                Some((item, rx))
            });
            Body::from_stream(first.chain(rest))
        }
    };
    let mut res = Response::new(body);
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("x-total-count", HeaderValue::from(page.total));
    if let Ok(v) = HeaderValue::from_str(&link) {
        headers.insert(header::LINK, v);
    }
    res
}
