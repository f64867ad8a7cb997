//! OAuth 2.0 client credentials: the token endpoint, access token checks, clients and keys.

pub mod clients;
pub mod keys;
pub mod revocation;
pub mod scope;
pub mod throttle;
pub mod token;

use axum::http::{HeaderMap, header};

use crate::AppState;
use crate::error::ApiError;
use keys::{KeyRing, TokenError};
use scope::{Scope, ScopeSet};

const CHALLENGE: &str = "Bearer realm=\"OneRoster\"";
const CHALLENGE_INVALID: &str = "Bearer realm=\"OneRoster\", error=\"invalid_token\"";

/// The authenticated caller of an API operation.
#[derive(Clone, Debug)]
pub struct Principal {
    pub client_id: String,
    pub scopes: ScopeSet,
}

/// [`authorize`], and then that the token's client has not been revoked since it was issued
/// (checked every few seconds per client, [`revocation`]): 401 if it has.
pub async fn authorize_request(
    state: &AppState,
    headers: &HeaderMap,
    required: &[Scope],
) -> Result<Principal, ApiError> {
    let principal = authorize(&state.keys, headers, required)?;
    if !state
        .clients
        .is_active(&state.engine.store, &principal.client_id)
        .await?
    {
        return Err(ApiError::unauthorised(
            "The access token's client has been revoked",
            CHALLENGE_INVALID,
        ));
    }
    Ok(principal)
}

/// Checks the bearer token of a request and that it grants one of `required`:
/// 401 without a valid token, 403 with a valid token lacking the scope.
pub fn authorize(
    keys: &KeyRing,
    headers: &HeaderMap,
    required: &[Scope],
) -> Result<Principal, ApiError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(ApiError::unauthorised(
            "An access token is required: send 'Authorization: Bearer <token>'",
            CHALLENGE,
        ));
    };
    // Which of two would count is a guess a proxy might make differently: neither does.
    if values.next().is_some() {
        return Err(ApiError::unauthorised(
            "Send one Authorization header, not several",
            CHALLENGE_INVALID,
        ));
    }
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorised(
                "The Authorization header must be 'Bearer <token>'",
                CHALLENGE_INVALID,
            )
        })?;
    let verified = keys.verify(token).map_err(|e| {
        let why = match e {
            TokenError::Expired => "The access token has expired",
            TokenError::Malformed => "The access token is malformed",
            TokenError::Invalid => "The access token is not valid",
        };
        ApiError::unauthorised(why, CHALLENGE_INVALID)
    })?;
    if !verified.scopes.grants_any(required) {
        let names: Vec<_> = required.iter().map(|s| s.uri()).collect();
        return Err(ApiError::forbidden(format!(
            "The access token does not grant this operation; it requires one of: {}",
            names.join(", ")
        )));
    }
    Ok(Principal {
        client_id: verified.client_id,
        scopes: verified.scopes,
    })
}
