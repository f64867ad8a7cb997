//! OAuth 2.0 client credentials and scope enforcement.

use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use oneroster::auth::scope::Scope;
use serde_json::Value;

use crate::common::*;

fn form(app_body: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(app_body.to_string()))
        .unwrap()
}

fn basic(id: &str, secret: &str, body: &str) -> Request<Body> {
    let mut r = form(body);
    r.headers_mut().insert(
        "authorization",
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
            .parse()
            .unwrap(),
    );
    r
}

both!(
    async fn token_response_has_the_rfc6749_shape(app) {
        let (id, secret) = app.client(&[Scope::RosterReadonly]).await;
        let res = app.send(basic(&id, &secret, "grant_type=client_credentials")).await;
        res.assert_status(200);
        assert_eq!(res.header("cache-control"), Some("no-store"));
        let v = res.json();
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["expires_in"], 3600);
        assert_eq!(
            v["scope"],
            "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"
        );
        let token = v["access_token"].as_str().unwrap();
        // A signed JWT with a kid, verifiable with the published key set.
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "EdDSA");
        let jwks = app.call("GET", "/.well-known/jwks.json", None, None).await.json();
        assert_eq!(jwks["keys"][0]["kid"], header["kid"]);
        assert_eq!(jwks["keys"][0]["kty"], "OKP");
        let claims: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(claims["iss"], PUBLIC_URL);
        assert_eq!(claims["aud"], PUBLIC_URL);
        assert_eq!(claims["sub"], id.as_str());
        assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
        app.get(&format!("{ROSTERING}/classes/nope/students"), token)
            .await
            .assert_error(404, "unknownobject");
    }
);

both!(
    async fn the_oauth2_crate_obtains_a_token_with_client_secret_basic(app) {
        let token = app.token(&[Scope::RosterCoreReadonly]).await;
        app.get(&format!("{ROSTERING}/orgs"), &token).await.assert_status(200);
    }
);

both!(
    async fn client_secret_post_works(app) {
        let (id, secret) = app.client(&[Scope::ResourceReadonly]).await;
        let body = format!(
            "grant_type=client_credentials&client_id={id}&client_secret={}",
            form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>()
        );
        let res = app.send(form(&body)).await;
        res.assert_status(200);
        let token = res.json()["access_token"].as_str().unwrap().to_string();
        app.get(&format!("{RESOURCES}/resources"), &token).await.assert_status(200);
    }
);

both!(
    async fn secrets_with_special_characters_work_over_basic_raw_and_encoded(app) {
        let secret = "p: a+b%c é:z";
        let (c, _) = oneroster::auth::clients::create(
            app.store(),
            "special",
            [Scope::RosterReadonly].into_iter().collect(),
            Some("special-client"),
            Some(secret),
        )
        .await
        .unwrap();
        // Raw in the Basic header (what many clients send).
        app.send(basic(&c.client_id, secret, "grant_type=client_credentials"))
            .await
            .assert_status(200);
        // RFC 6749 §2.3.1: form-encoded before Base64.
        let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        app.send(basic(&c.client_id, &encoded, "grant_type=client_credentials"))
            .await
            .assert_status(200);
        // And through the oauth2 crate.
        app.oauth2_token("special-client", secret, &[Scope::RosterReadonly])
            .await
            .unwrap();
    }
);

both!(
    async fn granted_scopes_are_the_intersection(app) {
        let (id, secret) = app
            .client(&[Scope::RosterReadonly, Scope::GradebookReadonly])
            .await;
        let wanted = format!(
            "grant_type=client_credentials&scope={}",
            form_urlencoded::byte_serialize(
                format!(
                    "{} {} https://example.org/unknown",
                    Scope::RosterReadonly.uri(),
                    Scope::RosterDemographicsReadonly.uri()
                )
                .as_bytes()
            )
            .collect::<String>()
        );
        let res = app.send(basic(&id, &secret, &wanted)).await;
        res.assert_status(200);
        assert_eq!(res.json()["scope"], Scope::RosterReadonly.uri());
        // Nothing left: invalid_scope.
        let only_other = format!(
            "grant_type=client_credentials&scope={}",
            form_urlencoded::byte_serialize(Scope::ResourceReadonly.uri().as_bytes())
                .collect::<String>()
        );
        let res = app.send(basic(&id, &secret, &only_other)).await;
        res.assert_status(400);
        assert_eq!(res.json()["error"], "invalid_scope");
        // No scope parameter: everything allowed.
        let res = app.send(basic(&id, &secret, "grant_type=client_credentials")).await;
        let granted = res.json()["scope"].as_str().unwrap().to_string();
        assert!(granted.contains("roster.readonly") && granted.contains("gradebook.readonly"));
    }
);

both!(
    async fn token_endpoint_errors_follow_rfc6749(app) {
        let (id, secret) = app.client(&[Scope::RosterReadonly]).await;
        let res = app.send(basic(&id, "wrong", "grant_type=client_credentials")).await;
        res.assert_status(401);
        assert_eq!(res.json()["error"], "invalid_client");
        assert_eq!(res.header("www-authenticate"), Some("Basic realm=\"OneRoster\""));
        let unknown = app.send(basic("nobody", "wrong", "grant_type=client_credentials")).await;
        unknown.assert_status(401);
        assert_eq!(unknown.body, res.body, "unknown client and wrong secret look alike");
        let res = app.send(form("grant_type=client_credentials")).await;
        res.assert_status(401);
        assert_eq!(res.json()["error"], "invalid_client");
        let res = app.send(basic(&id, &secret, "grant_type=password")).await;
        res.assert_status(400);
        assert_eq!(res.json()["error"], "unsupported_grant_type");
        let res = app.send(basic(&id, &secret, "scope=x")).await;
        res.assert_status(400);
        assert_eq!(res.json()["error"], "invalid_request");
        let res = app
            .send(basic(&id, &secret, "grant_type=client_credentials&grant_type=client_credentials"))
            .await;
        assert_eq!(res.json()["error"], "invalid_request");
        let mut json_body = basic(&id, &secret, "{}");
        json_body
            .headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        let res = app.send(json_body).await;
        assert_eq!(res.json()["error"], "invalid_request");
        // Revoked clients cannot get tokens.
        oneroster::auth::clients::revoke(app.store(), &id).await.unwrap();
        let res = app.send(basic(&id, &secret, "grant_type=client_credentials")).await;
        assert_eq!(res.json()["error"], "invalid_client");
    }
);

both!(
    async fn bad_tokens_get_401_with_a_bearer_challenge(app) {
        let path = format!("{ROSTERING}/orgs");
        let res = app.call("GET", &path, None, None).await;
        res.assert_error(401, "unauthorisedrequest");
        assert_eq!(res.header("www-authenticate"), Some("Bearer realm=\"OneRoster\""));

        let token = app.token(&[Scope::RosterReadonly]).await;
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        // Tampered claims (more scopes), original signature.
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        claims["scope"] = Value::String(Scope::RosterDemographicsReadonly.uri());
        parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
        let tampered = parts.join(".");
        // alg: none, no signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        // Unknown kid.
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[0]).unwrap()).unwrap();
        let mut other = header.clone();
        other["kid"] = Value::String("someone-else".into());
        let unknown_kid = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(other.to_string()),
            token.split('.').nth(1).unwrap(),
            token.split('.').nth(2).unwrap()
        );
        for bad in [tampered.as_str(), none.as_str(), unknown_kid.as_str(), "garbage", "a.b.c"] {
            let res = app.get(&path, bad).await;
            res.assert_error(401, "unauthorisedrequest");
            assert_eq!(
                res.header("www-authenticate"),
                Some("Bearer realm=\"OneRoster\", error=\"invalid_token\""),
                "{bad}"
            );
        }
        let mut req = Request::builder().uri(&path).body(Body::empty()).unwrap();
        req.headers_mut()
            .insert("authorization", format!("Basic {token}").parse().unwrap());
        app.send(req).await.assert_error(401, "unauthorisedrequest");
        // Two Authorization headers, even with a valid token first: refused.
        let mut req = Request::builder().uri(&path).body(Body::empty()).unwrap();
        req.headers_mut()
            .append("authorization", format!("Bearer {token}").parse().unwrap());
        req.headers_mut()
            .append("authorization", "Bearer garbage".parse().unwrap());
        let res = app.send(req).await;
        res.assert_error(401, "unauthorisedrequest");
        assert!(res.description().contains("one Authorization header"), "{}", res.description());
    }
);

both!(
    async fn expired_tokens_are_refused(app) {
        let app = TestApp::start_with(app.backend, |s| s.token_lifetime_secs = 60)
            .await
            .unwrap();
        let token = app.token(&[Scope::RosterReadonly]).await;
        // A token the server itself signed, long expired.
        let expired = {
            let claims = oneroster::auth::keys::Claims {
                iss: PUBLIC_URL.into(),
                aud: PUBLIC_URL.into(),
                sub: "x".into(),
                iat: 1_000,
                exp: 2_000,
                jti: "j".into(),
                scope: Scope::RosterReadonly.uri(),
            };
            app.state.keys.sign(&claims).unwrap()
        };
        app.get(&format!("{ROSTERING}/orgs"), &token).await.assert_status(200);
        let res = app.get(&format!("{ROSTERING}/orgs"), &expired).await;
        res.assert_error(401, "unauthorisedrequest");
        assert!(res.description().contains("expired"), "{}", res.description());
        // No grace period: a token is refused as soon as its `exp` has passed.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let sign = |exp: i64| {
            let claims = oneroster::auth::keys::Claims {
                iss: PUBLIC_URL.into(),
                aud: PUBLIC_URL.into(),
                sub: "x".into(),
                iat: exp - 60,
                exp,
                jti: format!("j{exp}"),
                scope: Scope::RosterReadonly.uri(),
            };
            app.state.keys.sign(&claims).unwrap()
        };
        let res = app.get(&format!("{ROSTERING}/orgs"), &sign(now - 2)).await;
        res.assert_error(401, "unauthorisedrequest");
        assert!(res.description().contains("expired"), "{}", res.description());
    }
);

both!(
    async fn tokens_of_a_revoked_client_are_refused(app) {
        let orgs = format!("{ROSTERING}/orgs");
        // A token not used before its client is revoked: refused at its first use.
        let (id, secret) = app.client(&[Scope::RosterReadonly]).await;
        let token = app.oauth2_token(&id, &secret, &[Scope::RosterReadonly]).await.unwrap();
        oneroster::auth::clients::revoke(app.store(), &id).await.unwrap();
        let res = app.get(&orgs, &token).await;
        res.assert_error(401, "unauthorisedrequest");
        assert!(res.description().contains("revoked"), "{}", res.description());
        assert_eq!(res.header("www-authenticate"), Some("Bearer realm=\"OneRoster\", error=\"invalid_token\""));
        // A token in use: refused once the server reads the client again (every few
        // seconds; at once here), for the admin scope too.
        let app = TestApp::start_with(app.backend, |s| s.client_recheck = std::time::Duration::ZERO)
            .await
            .unwrap();
        let scopes = [Scope::RosterReadonly, Scope::Admin];
        let (id, secret) = app.client(&scopes).await;
        let token = app.oauth2_token(&id, &secret, &scopes).await.unwrap();
        app.get(&orgs, &token).await.assert_status(200);
        let (other_id, other_secret) = app.client(&scopes).await;
        let other = app.oauth2_token(&other_id, &other_secret, &scopes).await.unwrap();
        oneroster::auth::clients::revoke(app.store(), &id).await.unwrap();
        app.get(&orgs, &token).await.assert_error(401, "unauthorisedrequest");
        let mut req = Request::builder()
            .method("POST")
            .uri("/admin/csv")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/zip")
            .body(Body::from(Vec::<u8>::new()))
            .unwrap();
        let res = app.send(req).await;
        res.assert_status(401);
        // Other clients are unaffected.
        app.get(&orgs, &other).await.assert_status(200);
        req = Request::builder()
            .uri(&orgs)
            .header("authorization", format!("Bearer {other}"))
            .body(Body::empty())
            .unwrap();
        app.send(req).await.assert_status(200);
    }
);

both!(
    async fn scopes_are_enforced_exactly_as_listed(app) {
        app.load_demo().await;
        let core = app.token(&[Scope::RosterCoreReadonly]).await;
        let full = app.token(&[Scope::RosterReadonly]).await;
        let demo = app.token(&[Scope::RosterDemographicsReadonly]).await;
        let gradebook = app.token(&[Scope::GradebookReadonly]).await;
        // Core scope: getAll and getOne only.
        app.get(&format!("{ROSTERING}/schools"), &core).await.assert_status(200);
        app.get(&format!("{ROSTERING}/schools/sch-elm"), &core).await.assert_status(200);
        app.get(&format!("{ROSTERING}/schools/sch-elm/terms"), &core)
            .await
            .assert_error(403, "forbidden");
        app.get(&format!("{ROSTERING}/schools/sch-elm/terms"), &full)
            .await
            .assert_status(200);
        // Demographics need their own scope.
        app.get(&format!("{ROSTERING}/demographics"), &full)
            .await
            .assert_error(403, "forbidden");
        app.get(&format!("{ROSTERING}/demographics"), &demo).await.assert_status(200);
        app.get(&format!("{ROSTERING}/users"), &demo)
            .await
            .assert_error(403, "forbidden");
        // Another service's scope grants nothing here.
        app.get(&format!("{ROSTERING}/orgs"), &gradebook)
            .await
            .assert_error(403, "forbidden");
        // Scope is checked before the parent exists: no information leaks to the unauthorised.
        app.get(&format!("{ROSTERING}/schools/nope/terms"), &core)
            .await
            .assert_error(403, "forbidden");
    }
);

#[test]
fn every_official_operation_is_declared_with_its_official_scopes() {
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/or12_rest_operations.derived.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let ops = spec["operations"].as_array().unwrap();
    for op in ops {
        let id = op["operationId"].as_str().unwrap();
        let ours = oneroster::api::OPERATIONS.iter().find(|o| o.id == id);
        let ours = ours.unwrap_or_else(|| panic!("operation {id} is not declared"));
        assert_eq!(ours.method.as_str(), op["method"], "{id} method");
        assert_eq!(
            ours.full_path(),
            format!(
                "{}{}",
                op["basePath"].as_str().unwrap(),
                op["path"].as_str().unwrap()
            ),
            "{id} path"
        );
        let mut want: Vec<String> = op["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        let mut have: Vec<String> = ours.scopes.iter().map(|s| s.uri()).collect();
        want.sort();
        have.sort();
        assert_eq!(have, want, "{id} scopes");
    }
    assert_eq!(oneroster::api::OPERATIONS.len(), 81);
    for ours in oneroster::api::OPERATIONS {
        assert!(
            ops.iter().any(|o| o["operationId"] == ours.id),
            "{} is not an official operation",
            ours.id
        );
    }
}

both!(
    async fn a_client_id_that_fails_too_often_is_held_back(app) {
        use oneroster::auth::throttle::{MAX_FAILURES, WINDOW_SECS};
        let (id, secret) = app.client(&[Scope::RosterReadonly]).await;
        let (other, other_secret) = app.client(&[Scope::RosterReadonly]).await;
        for _ in 0..MAX_FAILURES {
            let res = app.send(basic(&id, "guess", "grant_type=client_credentials")).await;
            res.assert_status(401);
        }
        // Held back: even the right secret is refused, without saying whether it was right.
        for attempt in [secret.as_str(), "guess"] {
            let res = app.send(basic(&id, attempt, "grant_type=client_credentials")).await;
            res.assert_status(429);
            assert_eq!(res.json()["error"], "invalid_client");
            let wait: u64 = res.header("retry-after").expect("Retry-After").parse().unwrap();
            assert!((1..=WINDOW_SECS).contains(&wait), "Retry-After {wait}");
            assert_eq!(res.header("cache-control"), Some("no-store"));
        }
        // Other clients are not affected.
        let res = app
            .send(basic(&other, &other_secret, "grant_type=client_credentials"))
            .await;
        res.assert_status(200);
    }
);
