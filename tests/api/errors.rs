//! Every error is an `imsx_StatusInfoDType`, including those produced below the handlers.

use axum::body::Body;
use axum::http::Request;
use oneroster::auth::scope::Scope;

use crate::common::*;

both!(
    async fn router_level_errors_use_the_oneroster_envelope(app) {
        let token = app.token_all().await;
        app.get("/nope", &token).await.assert_error(404, "unknownobject");
        app.get(&format!("{ROSTERING}/nope"), &token)
            .await
            .assert_error(404, "unknownobject");
        let res = app.call("DELETE", &format!("{ROSTERING}/orgs"), Some(&token), None).await;
        res.assert_error(405, "invaliddata");
        assert_eq!(res.json()["imsx_codeMajor"], "unsupported");
        assert!(res.header("allow").is_some_and(|a| a.contains("GET")), "{:?}", res.headers);
        let res = app.call("PATCH", &format!("{ROSTERING}/orgs/x"), Some(&token), None).await;
        res.assert_error(405, "invaliddata");
        let res = app.call("PATCH", &format!("{GRADEBOOK}/results/x"), Some(&token), None).await;
        res.assert_error(405, "invaliddata");
        // The token endpoint answers only POST.
        app.call("GET", "/oauth/token", None, None)
            .await
            .assert_error(405, "invaliddata");
        // A path segment that decodes to invalid UTF-8 names no object (a PUT's own id: 422),
        // in the server's words, not the framework's.
        let res = app.get(&format!("{ROSTERING}/users/%FF"), &token).await;
        res.assert_error(404, "unknownobject");
        assert!(res.description().contains("does not decode to UTF-8"), "{}", res.description());
        let res = app.get(&format!("{ROSTERING}/classes/%C3/students"), &token).await;
        res.assert_error(404, "unknownobject");
        let body = serde_json::json!({"category": {"title": "T"}});
        let res = app.put(&format!("{GRADEBOOK}/categories/%FF"), &token, body).await;
        res.assert_error(422, "invaliddata");
        assert!(!res.description().contains('`'), "{}", res.description());
        // So does a query string: refused, not read with U+FFFD in place of the bad bytes.
        let res = app.get(&format!("{ROSTERING}/users?filter=givenName%3D%27%FF%27"), &token).await;
        res.assert_error(400, "invaliddata");
        assert!(res.description().contains("does not decode to UTF-8"), "{}", res.description());
        app.get(&format!("{ROSTERING}/users?filter=givenName%3D%27%C3%89mile%27"), &token)
            .await
            .assert_status(200);
    }
);

both!(
    async fn every_response_carries_a_request_id(app) {
        let res = app.call("GET", "/health", None, None).await;
        res.assert_status(200);
        assert!(res.header("x-request-id").is_some_and(|id| id.len() >= 32));
        let mut req = Request::builder().uri("/nope").body(Body::empty()).unwrap();
        req.headers_mut().insert("x-request-id", "caller-chosen-id".parse().unwrap());
        let res = app.send(req).await;
        assert_eq!(res.header("x-request-id"), Some("caller-chosen-id"));
    }
);

both!(
    async fn health_and_readiness(app) {
        let res = app.call("GET", "/health", None, None).await;
        assert_eq!(res.json()["status"], "ok");
        let res = app.call("GET", "/ready", None, None).await;
        res.assert_status(200);
        assert_eq!(res.json()["status"], "ready");
    }
);

both!(
    async fn readiness_fails_when_the_database_is_gone(app) {
        app.store().close().await;
        app.call("GET", "/ready", None, None)
            .await
            .assert_error(503, "server_busy");
        // An API call on a closed pool is a clean error, not a crash.
        let res = app
            .call("GET", &format!("{ROSTERING}/orgs"), Some("x"), None)
            .await;
        res.assert_error(401, "unauthorisedrequest");
    }
);

both!(
    async fn too_many_concurrent_requests_get_429(app) {
        let app = TestApp::start_with(app.backend, |s| s.max_concurrent_requests = 1)
            .await
            .unwrap();
        // Hold the only permit with a request whose body never finishes arriving.
        let (tx, body) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
        let stream = futures_util::stream::unfold(body, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let slow = Request::builder()
            .method("POST")
            .uri("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from_stream(stream))
            .unwrap();
        let router = app.router.clone();
        let pending = tokio::spawn(async move {
            use tower::ServiceExt;
            router.oneshot(slow).await
        });
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let res = app.call("GET", "/health", None, None).await;
        res.assert_error(429, "server_busy");
        assert_eq!(res.header("retry-after"), Some("1"));
        drop(tx);
        let _ = pending.await;
    }
);

both!(
    async fn slow_requests_time_out_with_503(app) {
        let app = TestApp::start_with(app.backend, |s| {
            s.request_timeout = std::time::Duration::from_millis(300)
        })
        .await
        .unwrap();
        let (tx, body) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
        let stream = futures_util::stream::unfold(body, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let slow = Request::builder()
            .method("POST")
            .uri("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from_stream(stream))
            .unwrap();
        let res = app.send(slow).await;
        res.assert_error(503, "server_busy");
        assert!(res.header("retry-after").is_some());
        drop(tx);
    }
);

both!(
    async fn bodies_over_the_limit_get_413(app) {
        let app = TestApp::start_with(app.backend, |s| s.max_body_bytes = 2048)
            .await
            .unwrap();
        let token = app.token(&[Scope::GradebookCreateput]).await;
        let big = serde_json::json!({"category": {"title": "x".repeat(4096)}});
        app.put(&format!("{GRADEBOOK}/categories/c1"), &token, big)
            .await
            .assert_error(413, "invaliddata");
    }
);

/// A panic in a handler is a logged 500 with the OneRoster body, not a dropped connection,
/// through the same conversion the application's middleware stack uses.
#[tokio::test]
async fn panics_become_500_internal_server_error() {
    use tower::ServiceExt;
    let app = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                if true {
                    panic!("boom");
                }
                ""
            }),
        )
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            oneroster::http::middleware::panic_response,
        ));
    let res = app
        .oneshot(Request::builder().uri("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        v["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"],
        "internal_server_error"
    );
    assert!(
        !v.to_string().contains("boom"),
        "the panic message is not echoed: {v}"
    );
}
