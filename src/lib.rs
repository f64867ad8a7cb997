//! A OneRoster 1.2 provider server.
//!
//! The 81 operations of the rostering, gradebook and resources services are declarations
//! ([`api::OPERATIONS`]) over a catalogue of entity kinds ([`model`]), served by one generic
//! engine ([`store::engine`]) on PostgreSQL or SQLite. [`app`] builds the router used by the
//! binary and by the tests.

pub mod api;
pub mod auth;
pub mod config;
pub mod csv;
pub mod demo;
pub mod error;
pub mod generate;
pub mod http;
pub mod model;
pub mod openapi;
pub mod query;
pub mod store;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;

use auth::keys::KeyRing;
use config::Settings;
use model::Service;
use model::render::Renderer;
use store::Store;
use store::engine::{Engine, EngineConfig};

/// Pre-rendered OpenAPI documents.
pub struct Docs {
    pub services: Vec<(Service, Bytes)>,
    pub platform: Bytes,
}

/// Everything a request handler can reach.
pub struct AppState {
    pub engine: Engine,
    pub keys: KeyRing,
    /// Failed client authentications at the token endpoint (see [`auth::throttle`]).
    pub token_throttle: auth::throttle::Throttle,
    /// Whether the clients of presented tokens are still active (see [`auth::revocation`]).
    pub clients: auth::revocation::ClientStatus,
    pub settings: Settings,
    pub docs: Docs,
}

impl AppState {
    /// Builds the state over an open, migrated store.
    pub async fn new(store: Store, settings: Settings) -> anyhow::Result<AppState> {
        let keys = KeyRing::load(
            &store,
            settings.signing_key,
            settings.public_url.clone(),
            settings.public_url.clone(),
            settings.token_lifetime_secs,
        )
        .await?;
        let renderer = Arc::new(Renderer::new(
            &settings.public_url,
            settings.expose_passwords,
        ));
        let docs = Docs {
            services: Service::ALL
                .into_iter()
                .map(|s| {
                    let doc = openapi::service_document(s, &settings.public_url);
                    (s, Bytes::from(openapi::to_json(&doc)))
                })
                .collect(),
            platform: Bytes::from(openapi::to_json(&openapi::platform_document(
                &settings.public_url,
            ))),
        };
        Ok(AppState {
            engine: Engine::new(
                store,
                renderer,
                EngineConfig {
                    max_limit: settings.max_page_size,
                    deep_page_min_skip: settings.deep_page_min_skip,
                },
            ),
            keys,
            token_throttle: auth::throttle::Throttle::default(),
            clients: auth::revocation::ClientStatus::new(settings.client_recheck),
            settings,
            docs,
        })
    }
}

/// The application router.
pub fn app(state: Arc<AppState>) -> Router {
    http::router(state)
}
