//! Test harness: the real router over a real, fresh database per test (SQLite always,
//! PostgreSQL when `ONEROSTER_TEST_DATABASE_URL` is set), with tokens obtained from the real
//! token endpoint by a real OAuth 2.0 client (the `oauth2` crate).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request};
use http_body_util::BodyExt;
use oneroster::AppState;
use oneroster::auth::clients;
use oneroster::auth::scope::{Scope, ScopeSet};
use oneroster::config::Settings;
use oneroster::store::{Store, StoreOptions};
use serde_json::Value;
use tower::ServiceExt;

/// The public URL the test servers claim to have.
pub const PUBLIC_URL: &str = "http://oneroster.test";
pub const ROSTERING: &str = "/ims/oneroster/rostering/v1p2";
pub const GRADEBOOK: &str = "/ims/oneroster/gradebook/v1p2";
pub const RESOURCES: &str = "/ims/oneroster/resources/v1p2";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Drops the per-test PostgreSQL database, or removes the SQLite folder, when the test ends.
enum DbGuard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let DbGuard::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop cannot be async: use a short-lived runtime on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(store) = Store::connect(&options(&admin_url, 1)).await {
                        let mut sql = oneroster::store::Sql::new("DROP DATABASE IF EXISTS ");
                        sql.push(&name).push(" WITH (FORCE)");
                        let _ = store.execute(&sql).await;
                        store.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn options(url: &str, pool_size: u32) -> StoreOptions {
    StoreOptions {
        url: url.to_string(),
        pool_size,
        acquire_timeout: std::time::Duration::from_secs(30),
        statement_timeout: std::time::Duration::from_secs(60),
    }
}

fn random_suffix() -> String {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A server over a fresh database.
pub struct TestApp {
    pub router: Router,
    pub state: Arc<AppState>,
    pub backend: Backend,
    /// The database URL of the test's store.
    pub url: String,
    _db: DbGuard,
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `X-Total-Count`.
    #[track_caller]
    pub fn total(&self) -> u64 {
        self.header("x-total-count")
            .expect("X-Total-Count header")
            .parse()
            .expect("numeric X-Total-Count")
    }

    /// The sourcedIds of a collection response under `key`, in order.
    #[track_caller]
    pub fn ids(&self, key: &str) -> Vec<String> {
        let v = self.json();
        v[key]
            .as_array()
            .unwrap_or_else(|| panic!("no '{key}' array in {v}"))
            .iter()
            .map(|o| o["sourcedId"].as_str().expect("sourcedId").to_string())
            .collect()
    }

    /// Asserts a status.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts a OneRoster error: status, `imsx_StatusInfoDType` shape and codeMinor.
    #[track_caller]
    pub fn assert_error(&self, status: u16, minor: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "error content type"
        );
        let v = self.json();
        let obj = v.as_object().expect("error body is an object");
        for key in obj.keys() {
            assert!(
                [
                    "imsx_codeMajor",
                    "imsx_severity",
                    "imsx_description",
                    "imsx_CodeMinor"
                ]
                .contains(&key.as_str()),
                "unexpected property {key} in {v}"
            );
        }
        assert_eq!(v["imsx_severity"], "error", "{v}");
        assert!(
            v["imsx_codeMajor"] == "failure" || v["imsx_codeMajor"] == "unsupported",
            "{v}"
        );
        assert_eq!(
            v["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"], minor,
            "{v}"
        );
        assert_eq!(
            v["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldName"],
            "TargetEndSystem"
        );
        self
    }

    /// The human-readable error description.
    pub fn description(&self) -> String {
        self.json()["imsx_description"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

impl TestApp {
    /// A server over an empty, migrated database; `None` for PostgreSQL when no test database
    /// is configured (unless `ONEROSTER_TEST_REQUIRE_POSTGRES` is set, which makes it an error).
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, |_| {}).await
    }

    /// Like [`TestApp::start`], adjusting the settings first.
    pub async fn start_with(
        backend: Backend,
        adjust: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        let (store, guard, url) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite:{}", dir.path().join("test.db").display());
                let store = Store::connect(&options(&url, 4)).await.expect("sqlite");
                (store, DbGuard::Sqlite(dir), url)
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("ONEROSTER_TEST_DATABASE_URL") else {
                    if std::env::var_os("ONEROSTER_TEST_REQUIRE_POSTGRES").is_some() {
                        panic!(
                            "ONEROSTER_TEST_REQUIRE_POSTGRES is set but ONEROSTER_TEST_DATABASE_URL is not"
                        );
                    }
                    eprintln!("PostgreSQL test skipped: ONEROSTER_TEST_DATABASE_URL is not set");
                    return None;
                };
                let name = format!("oneroster_test_{}", random_suffix());
                let admin = Store::connect(&options(&admin_url, 1))
                    .await
                    .expect("cannot connect to ONEROSTER_TEST_DATABASE_URL");
                let mut sql = oneroster::store::Sql::new("CREATE DATABASE ");
                sql.push(&name);
                admin.execute(&sql).await.expect("create test database");
                admin.close().await;
                let (base, query) = match admin_url.split_once('?') {
                    Some((b, q)) => (b, format!("?{q}")),
                    None => (admin_url.as_str(), String::new()),
                };
                let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
                let url = format!("{base}/{name}{query}");
                let store = Store::connect(&options(&url, 8))
                    .await
                    .expect("test database");
                (store, DbGuard::Postgres { admin_url, name }, url)
            }
        };
        store.migrate().await.expect("migrations");
        let mut settings = Settings::for_tests(PUBLIC_URL);
        adjust(&mut settings);
        let state = Arc::new(AppState::new(store, settings).await.expect("state"));
        Some(TestApp {
            router: oneroster::app(state.clone()),
            state,
            backend,
            url,
            _db: guard,
        })
    }

    /// A second store over the test's database, with `pool_size` connections.
    pub async fn store_with_pool(&self, pool_size: u32) -> Store {
        Store::connect(&options(&self.url, pool_size))
            .await
            .expect("second store")
    }

    pub fn store(&self) -> &Store {
        &self.state.engine.store
    }

    /// Loads the demo district.
    pub async fn load_demo(&self) {
        oneroster::demo::load(self.store()).await.expect("demo");
    }

    /// Registers a client allowed exactly `scopes`; returns (id, secret).
    pub async fn client(&self, scopes: &[Scope]) -> (String, String) {
        let (c, secret) = clients::create(
            self.store(),
            "test client",
            scopes.iter().copied().collect::<ScopeSet>(),
            None,
            None,
        )
        .await
        .expect("client");
        (c.client_id, secret)
    }

    /// A token for a new client allowed exactly `scopes`, obtained through the token endpoint
    /// by the `oauth2` crate (client_secret_basic), asking for all of them.
    pub async fn token(&self, scopes: &[Scope]) -> String {
        let (id, secret) = self.client(scopes).await;
        self.oauth2_token(&id, &secret, scopes)
            .await
            .expect("token request")
    }

    /// A token with all 13 scopes.
    pub async fn token_all(&self) -> String {
        self.token(&Scope::ALL).await
    }

    /// Runs the client credentials grant with the `oauth2` crate against the router.
    pub async fn oauth2_token(
        &self,
        id: &str,
        secret: &str,
        scopes: &[Scope],
    ) -> Result<String, String> {
        use oauth2::TokenResponse;
        let client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(id.to_string()))
            .set_client_secret(oauth2::ClientSecret::new(secret.to_string()))
            .set_token_uri(
                oauth2::TokenUrl::new(format!("{PUBLIC_URL}/oauth/token")).expect("url"),
            );
        let router = self.router.clone();
        let http = move |req: oauth2::HttpRequest| {
            let router = router.clone();
            async move {
                let (parts, body) = req.into_parts();
                let req = Request::from_parts(parts, Body::from(body));
                let res = router.oneshot(req).await.map_err(std::io::Error::other)?;
                let (parts, body) = res.into_parts();
                let bytes = body
                    .collect()
                    .await
                    .map_err(std::io::Error::other)?
                    .to_bytes()
                    .to_vec();
                Ok::<_, std::io::Error>(oauth2::HttpResponse::from_parts(parts, bytes))
            }
        };
        let mut req = client.exchange_client_credentials();
        for s in scopes {
            req = req.add_scope(oauth2::Scope::new(s.uri()));
        }
        req.request_async(&http)
            .await
            .map(|t| t.access_token().secret().clone())
            .map_err(|e| format!("{e:?}"))
    }

    /// Sends a request through the router.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("body").to_bytes().to_vec();
        Resp {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .expect("request");
        self.send(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("PUT", path, Some(token), Some(body)).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call("POST", path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call("DELETE", path, Some(token), None).await
    }
}

/// Defines a test that runs once on SQLite and once on PostgreSQL, each over a fresh
/// database: `both!(async fn name(app) { ... });`
#[macro_export]
macro_rules! both {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::common::*;

            async fn run($app: TestApp) $body

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(TestApp::start(Backend::Sqlite).await.expect("sqlite")).await
            }

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = TestApp::start(Backend::Postgres).await {
                    run(app).await
                }
            }
        }
    };
}
