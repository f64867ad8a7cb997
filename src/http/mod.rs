//! Router assembly: every OneRoster operation is registered from the declaration table, next
//! to the token endpoint, discovery documents, Swagger UI and health checks, under one
//! middleware stack.

pub mod handlers;
pub mod middleware;
pub mod paging;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::AppState;
use crate::api::{Method, OPERATIONS};
use crate::error::ApiError;
use crate::model::Service;
use middleware::Limits;

/// The discovery file names of a service: the REST binding's and the conformance guide's.
pub fn discovery_names(service: Service) -> [&'static str; 2] {
    match service {
        Service::Rostering => [
            "onerosterv1p2rostersservice_openapi3_v1p0.json",
            "imsorv1p2_rostering_openapi3_v1p0.json",
        ],
        Service::Gradebook => [
            "onerosterv1p2gradebookservice_openapi3_v1p0.json",
            "imsorv1p2_gradebook_openapi3_v1p0.json",
        ],
        Service::Resources => [
            "onerosterv1p2resourcesservice_openapi3_v1p0.json",
            "imsorv1p2_resources_openapi3_v1p0.json",
        ],
    }
}

/// The discovery document of a service, as linked from Swagger UI.
fn discovery_path(service: Service) -> &'static str {
    match service {
        Service::Rostering => {
            "/ims/oneroster/rostering/v1p2/discovery/onerosterv1p2rostersservice_openapi3_v1p0.json"
        }
        Service::Gradebook => {
            "/ims/oneroster/gradebook/v1p2/discovery/onerosterv1p2gradebookservice_openapi3_v1p0.json"
        }
        Service::Resources => {
            "/ims/oneroster/resources/v1p2/discovery/onerosterv1p2resourcesservice_openapi3_v1p0.json"
        }
    }
}

fn static_json(body: Bytes) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

async fn not_found() -> ApiError {
    ApiError::unknown_object("No such endpoint")
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn ready(State(state): State<Arc<AppState>>) -> Result<Json<serde_json::Value>, ApiError> {
    state
        .engine
        .store
        .ping()
        .await
        .map_err(|_| ApiError::busy("The database is not reachable"))?;
    Ok(Json(serde_json::json!({"status": "ready"})))
}

async fn jwks(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(state.keys.jwks())
}

async fn authorization_server(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let base = &state.settings.public_url;
    Json(serde_json::json!({
        "issuer": state.keys.issuer(),
        "token_endpoint": format!("{base}/oauth/token"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": crate::auth::scope::Scope::ALL.iter().map(|s| s.uri()).collect::<Vec<_>>(),
    }))
}

fn with_method<H, T>(
    router: MethodRouter<Arc<AppState>>,
    method: Method,
    handler: H,
) -> MethodRouter<Arc<AppState>>
where
    H: axum::handler::Handler<T, Arc<AppState>>,
    T: 'static,
{
    match method {
        Method::Get => router.get(handler),
        Method::Put => router.put(handler),
        Method::Post => router.post(handler),
        Method::Delete => router.delete(handler),
    }
}

/// The application: every route with its middleware, over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    // The OneRoster operations, one method router per path.
    let mut routes: Vec<(String, MethodRouter<Arc<AppState>>)> = Vec::new();
    for op in OPERATIONS {
        let path = op.full_path();
        let handler = move |State(state): State<Arc<AppState>>, req: Request| {
            handlers::dispatch(state, op, req)
        };
        match routes.iter_mut().find(|(p, _)| *p == path) {
            Some((_, mr)) => {
                let taken = std::mem::take(mr);
                *mr = with_method(taken, op.method, handler);
            }
            None => routes.push((path, with_method(MethodRouter::new(), op.method, handler))),
        }
    }
    let mut app = Router::new();
    for (path, mr) in routes {
        app = app.route(&path, mr);
    }

    // Discovery documents at both published names, and Swagger UI over them.
    let mut ui_urls = Vec::new();
    for (service, body) in &state.docs.services {
        ui_urls.push(utoipa_swagger_ui::Url::new(
            service.name(),
            discovery_path(*service),
        ));
        for name in discovery_names(*service) {
            let body = body.clone();
            let path = format!("{}/discovery/{name}", service.base_path());
            app = app.route(&path, get(move || async move { static_json(body) }));
        }
    }
    let platform = state.docs.platform.clone();
    app = app.route(
        "/openapi/platform.json",
        get(move || async move { static_json(platform) }),
    );
    ui_urls.push(utoipa_swagger_ui::Url::new(
        "platform",
        "/openapi/platform.json",
    ));
    let ui: Router<Arc<AppState>> = utoipa_swagger_ui::SwaggerUi::new("/docs")
        .config(utoipa_swagger_ui::Config::new(ui_urls))
        .into();

    let limits = Limits {
        permits: Arc::new(Semaphore::new(state.settings.max_concurrent_requests)),
        timeout: state.settings.request_timeout,
    };
    let app = app
        .route("/oauth/token", post(crate::auth::token::token))
        .route("/.well-known/jwks.json", get(jwks))
        .route(
            "/.well-known/oauth-authorization-server",
            get(authorization_server),
        )
        .route("/health", get(health))
        .route("/ready", get(ready))
        .merge(ui)
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.settings.max_body_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            limits,
            middleware::limit,
        ))
        // CSV imports for SIS pushes: admin scope, their own body limit
        // (--max-import-bytes), and no request timeout (an import takes what its package
        // needs; the client waits for the summary).
        .route(
            crate::csv::http::PATH,
            post(crate::csv::http::import_package),
        )
        .with_state(state);

    let request_id = HeaderName::from_static("x-request-id");
    app.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(SetSensitiveRequestHeadersLayer::new([header::AUTHORIZATION]))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request| {
                        // Only the route template: paths and queries can hold personal data.
                        let route = req
                            .extensions()
                            .get::<MatchedPath>()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_else(|| "-".into());
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!("request", method = %req.method(), route, request_id = id)
                    })
                    .on_request(())
                    .on_response(
                        DefaultOnResponse::new()
                            .level(Level::INFO)
                            .latency_unit(tower_http::LatencyUnit::Millis),
                    ),
            )
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(axum::middleware::from_fn(middleware::normalize_errors))
            .layer(CatchPanicLayer::custom(middleware::panic_response)),
    )
}
