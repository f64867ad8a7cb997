//! The OAuth 2.0 token endpoint (RFC 6749 §4.4, client credentials), with
//! `client_secret_basic` and `client_secret_post`. Errors follow RFC 6749 §5.2.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::clients;
use super::scope::ScopeSet;
use crate::AppState;

/// An RFC 6749 §5.2 error.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: String,
    /// Seconds for `Retry-After`.
    retry_after: Option<u64>,
}

impl OAuthError {
    fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// 429: the client id failed to authenticate too often (see [`super::throttle`]).
    fn throttled(retry_after: u64) -> Self {
        OAuthError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "invalid_client",
                format!(
                    "Too many failed authentications for this client id; retry in {retry_after} s"
                ),
            )
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        )
    }

    fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "An internal error occurred; it has been logged",
        )
    }
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.code, "error_description": self.description});
        let mut res = (self.status, axum::Json(body)).into_response();
        no_store(res.headers_mut());
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"OneRoster\""),
            );
        }
        res
    }
}

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    scope: String,
}

/// Credentials presented by the client: its id and the candidate readings of its secret.
struct Credentials {
    client_id: String,
    secrets: Vec<String>,
}

fn form_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `client_secret_basic`. RFC 6749 §2.3.1 form-encodes the id and secret before Base64; many
/// clients do not. Both readings of the secret are tried, so `: + % é` work either way.
fn basic_credentials(value: &HeaderValue) -> Result<Option<Credentials>, OAuthError> {
    let Ok(v) = value.to_str() else {
        return Err(OAuthError::invalid_client());
    };
    let Some((scheme, b64)) = v.trim().split_once(' ') else {
        return Err(OAuthError::invalid_client());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(OAuthError::invalid_client)?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(OAuthError::invalid_client)?;
    let mut secrets = vec![form_decode(secret)];
    if secrets[0] != secret {
        secrets.push(secret.to_string());
    }
    Ok(Some(Credentials {
        client_id: form_decode(id),
        secrets,
    }))
}

/// `POST /oauth/token`.
pub async fn token(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
        .unwrap_or(false);
    if !form_type {
        return Err(OAuthError::invalid_request(
            "The request body must be application/x-www-form-urlencoded",
        ));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(&body) {
        if params.iter().any(|(seen, _)| *seen == k) {
            return Err(OAuthError::invalid_request(format!(
                "The parameter '{k}' is repeated"
            )));
        }
        params.push((k.into_owned(), v.into_owned()));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };

    let basic = match headers.get(header::AUTHORIZATION) {
        Some(v) => basic_credentials(v)?,
        None => None,
    };
    let posted = match (param("client_id"), param("client_secret")) {
        (Some(id), Some(secret)) => Some(Credentials {
            client_id: id.to_string(),
            secrets: vec![secret.to_string()],
        }),
        _ => None,
    };
    let creds = match (basic, posted) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::invalid_request(
                "Use one client authentication method: HTTP Basic or client_secret in the body",
            ));
        }
        (Some(c), None) | (None, Some(c)) => c,
        (None, None) => return Err(OAuthError::invalid_client()),
    };

    match param("grant_type") {
        None => {
            return Err(OAuthError::invalid_request(
                "The 'grant_type' parameter is required",
            ));
        }
        Some("client_credentials") => {}
        Some(_) => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only the client_credentials grant is supported",
            ));
        }
    }

    let now = crate::model::datetime::now_ms().max(0) as u64 / 1000;
    if let Some(secs) = state.token_throttle.retry_after(&creds.client_id, now) {
        return Err(OAuthError::throttled(secs));
    }
    let Some(allowed) = clients::authenticate(&state.engine.store, &creds.client_id, creds.secrets)
        .await
        .map_err(|e| {
            tracing::error!(error = format!("{e:#}"), "client authentication failed");
            OAuthError::server_error()
        })?
    else {
        state.token_throttle.failed(&creds.client_id, now);
        return Err(OAuthError::invalid_client());
    };

    // Grant what was asked for and is allowed; no `scope` means everything allowed.
    let granted = match param("scope").map(str::trim).filter(|s| !s.is_empty()) {
        None => allowed,
        Some(requested) => ScopeSet::parse_lenient(requested).0.intersect(allowed),
    };
    if granted.is_empty() {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "None of the requested scopes is allowed for this client",
        ));
    }
    let access_token = state.keys.issue(&creds.client_id, granted).map_err(|e| {
        tracing::error!(error = format!("{e:#}"), "token signing failed");
        OAuthError::server_error()
    })?;
    let mut res = axum::Json(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.keys.lifetime_secs,
        scope: granted.to_uris(),
    })
    .into_response();
    no_store(res.headers_mut());
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_readings() {
        let enc =
            |s: &str| HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(s))).unwrap();
        // Raw (not form-encoded) secret with special characters.
        let c = basic_credentials(&enc("id:a:b+c%d é")).unwrap().unwrap();
        assert_eq!(c.client_id, "id");
        assert!(c.secrets.contains(&"a:b+c%d é".to_string()));
        // RFC 6749 form-encoded secret.
        let c = basic_credentials(&enc("id:a%3Ab%2Bc%25d+%C3%A9"))
            .unwrap()
            .unwrap();
        assert!(c.secrets.contains(&"a:b+c%d é".to_string()));
        assert!(basic_credentials(&HeaderValue::from_static("Basic !!!")).is_err());
        assert!(
            basic_credentials(&HeaderValue::from_static("Bearer x"))
                .unwrap()
                .is_none()
        );
    }
}
