//! The one handler behind every OneRoster operation: authorise, read the path and query,
//! and hand the declared action to the engine.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::paging::link_header;
use crate::AppState;
use crate::api::{Action, Operation};
use crate::auth::authorize;
use crate::error::ApiError;
use crate::query::{ListParams, ParamSet};
use crate::store::engine::Page;

/// Serves `op` for `req`.
pub async fn dispatch(state: Arc<AppState>, op: &'static Operation, req: Request) -> Response {
    match serve(state, op, req).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
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
    authorize(&state.keys, &parts.headers, op.scopes)?;
    let raw = RawPathParams::from_request_parts(&mut parts, &state)
        .await
        .map_err(|e| ApiError::invalid_data(format!("Invalid path: {}", e.body_text())))?;
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
            let body = read_json(body, state.settings.max_body_bytes).await?;
            state.engine.put(entity, &id, body).await?;
            Ok(StatusCode::CREATED.into_response())
        }
        Action::Post {
            entity,
            parents,
            forced,
        } => {
            let body = read_json(body, state.settings.max_body_bytes).await?;
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

/// Reads a JSON request body: 413 when too large, 415 when not JSON, 400 when malformed.
async fn read_json(body: Body, limit: usize) -> Result<serde_json::Value, ApiError> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {limit} bytes"),
        )
    })?;
    if bytes.is_empty() {
        return Err(ApiError::invalid_data("A JSON request body is required"));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::invalid_data(format!(
            "The request body is not valid JSON: line {}, column {}",
            e.line(),
            e.column()
        ))
    })
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
