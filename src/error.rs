//! One error type for the whole API, rendered as the OneRoster `imsx_StatusInfoDType`.
//!
//! Internal details (database errors, panics) are logged with the request id and never
//! echoed to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The `imsx_codeMinorFieldValue` vocabulary (the values shared by the three services, plus
/// `deletefailure`, which only the gradebook defines).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeMinor {
    #[serde(rename = "invalid_filter_field")]
    InvalidFilterField,
    #[serde(rename = "invalid_selection_field")]
    InvalidSelectionField,
    #[serde(rename = "invaliddata")]
    InvalidData,
    #[serde(rename = "unauthorisedrequest")]
    UnauthorisedRequest,
    #[serde(rename = "forbidden")]
    Forbidden,
    #[serde(rename = "server_busy")]
    ServerBusy,
    #[serde(rename = "unknownobject")]
    UnknownObject,
    #[serde(rename = "internal_server_error")]
    InternalServerError,
    #[serde(rename = "deletefailure")]
    DeleteFailure,
    /// Only in the Resources service's vocabulary; [`ApiError::for_service`] reads it as
    /// `invaliddata` elsewhere.
    #[serde(rename = "invalid_sort_field")]
    InvalidSortField,
    /// Only in the Resources service's vocabulary (a 405), like `InvalidSortField`.
    #[serde(rename = "unsupported")]
    Unsupported,
}

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub minor: CodeMinor,
    pub major: &'static str,
    pub description: String,
    /// `WWW-Authenticate` challenge for 401s.
    pub challenge: Option<&'static str>,
    /// Seconds for `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
    /// The underlying cause of a 5xx, logged but never sent.
    pub source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, minor: CodeMinor, description: impl Into<String>) -> Self {
        ApiError {
            status,
            minor,
            major: "failure",
            description: description.into(),
            challenge: None,
            retry_after: None,
            source: None,
        }
    }

    /// 400 `invaliddata`: a malformed request (bad paging values, unparseable body).
    pub fn invalid_data(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, CodeMinor::InvalidData, description)
    }

    /// 400 `invalid_filter_field`.
    pub fn invalid_filter(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            CodeMinor::InvalidFilterField,
            description,
        )
    }

    /// 400 `invalid_selection_field`.
    pub fn invalid_selection(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            CodeMinor::InvalidSelectionField,
            description,
        )
    }

    /// 400 `invalid_sort_field` (Resources; `invaliddata` in the other services).
    pub fn invalid_sort(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            CodeMinor::InvalidSortField,
            description,
        )
    }

    /// The error in the vocabulary of `service`'s official file: the Rostering and Gradebook
    /// files have no `invalid_sort_field` nor `unsupported` code minor, so those are
    /// `invaliddata` there.
    pub fn for_service(mut self, service: crate::model::catalogue::Service) -> Self {
        use crate::model::catalogue::Service;
        if service != Service::Resources
            && matches!(
                self.minor,
                CodeMinor::InvalidSortField | CodeMinor::Unsupported
            )
        {
            self.minor = CodeMinor::InvalidData;
        }
        self
    }

    /// 404 `unknownobject`.
    pub fn unknown_object(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, CodeMinor::UnknownObject, description)
    }

    /// 422 `invaliddata`: well-formed JSON that is semantically wrong.
    pub fn unprocessable(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            CodeMinor::InvalidData,
            description,
        )
    }

    /// 401 `unauthorisedrequest`. `challenge` is the full `WWW-Authenticate` value.
    pub fn unauthorised(description: impl Into<String>, challenge: &'static str) -> Self {
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            CodeMinor::UnauthorisedRequest,
            description,
        );
        e.challenge = Some(challenge);
        e
    }

    /// 403 `forbidden`.
    pub fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, CodeMinor::Forbidden, description)
    }

    /// 429 `server_busy` with `Retry-After`.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            CodeMinor::ServerBusy,
            "The server is receiving too many requests; retry later",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 503 `server_busy` with `Retry-After`: a timeout or an exhausted database pool.
    pub fn busy(description: impl Into<String>) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            CodeMinor::ServerBusy,
            description,
        );
        e.retry_after = Some(1);
        e
    }

    /// 500 `internal_server_error`; the cause is logged, not sent.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            CodeMinor::InternalServerError,
            "An internal error occurred; it has been logged",
        );
        e.source = Some(source.into());
        e
    }

    /// A 4xx for which OneRoster has no specific code (405, 413, 415...).
    pub fn http(status: StatusCode, description: impl Into<String>) -> Self {
        let mut e = Self::new(status, CodeMinor::InvalidData, description);
        if status == StatusCode::METHOD_NOT_ALLOWED {
            e.major = "unsupported";
            e.minor = CodeMinor::Unsupported;
        }
        e
    }

    /// The JSON body.
    pub fn body(&self) -> StatusInfo<'_> {
        StatusInfo {
            imsx_code_major: self.major,
            imsx_severity: "error",
            imsx_description: &self.description,
            imsx_code_minor: CodeMinorSet {
                imsx_code_minor_field: [CodeMinorField {
                    imsx_code_minor_field_name: "TargetEndSystem",
                    imsx_code_minor_field_value: self.minor,
                }],
            },
        }
    }
}

/// `imsx_StatusInfoDType`.
#[derive(Serialize)]
pub struct StatusInfo<'a> {
    #[serde(rename = "imsx_codeMajor")]
    pub imsx_code_major: &'a str,
    pub imsx_severity: &'a str,
    pub imsx_description: &'a str,
    #[serde(rename = "imsx_CodeMinor")]
    pub imsx_code_minor: CodeMinorSet,
}

#[derive(Serialize)]
pub struct CodeMinorSet {
    #[serde(rename = "imsx_codeMinorField")]
    pub imsx_code_minor_field: [CodeMinorField; 1],
}

#[derive(Serialize)]
pub struct CodeMinorField {
    #[serde(rename = "imsx_codeMinorFieldName")]
    pub imsx_code_minor_field_name: &'static str,
    #[serde(rename = "imsx_codeMinorFieldValue")]
    pub imsx_code_minor_field_value: CodeMinor,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(source) = &self.source {
            tracing::error!(error = format!("{source:#}"), "request failed");
        }
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut res = (self.status, body).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(challenge) = self.challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut => {
                ApiError::busy("The database is busy; retry the request shortly")
            }
            sqlx::Error::Database(db) if is_contention(db.code().as_deref()) => {
                ApiError::busy("The database is busy; retry the request shortly")
            }
            // A connection that broke (the database restarted, the network dropped): the
            // pool replaces it; the client may retry.
            sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                ApiError::busy("The database is unavailable; retry the request shortly")
            }
            other => ApiError::internal(other),
        }
    }
}

/// Database error codes that mean "another transaction is in the way; try again": SQLite's
/// BUSY and LOCKED (with their extended codes) when another process holds the write lock
/// past the busy timeout, PostgreSQL's serialization failure, deadlock and lock timeout.
fn is_contention(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("5" | "6" | "261" | "517" | "773" | "262" | "40001" | "40P01" | "55P03")
    )
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<sqlx::Error>() {
            Ok(sqlx) => sqlx.into(),
            Err(other) => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_the_status_object_itself() {
        let e = ApiError::invalid_filter("Unknown filter field: 'foo'");
        let v = serde_json::to_value(e.body()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "imsx_codeMajor": "failure",
                "imsx_severity": "error",
                "imsx_description": "Unknown filter field: 'foo'",
                "imsx_CodeMinor": {"imsx_codeMinorField": [
                    {"imsx_codeMinorFieldName": "TargetEndSystem",
                     "imsx_codeMinorFieldValue": "invalid_filter_field"}
                ]}
            })
        );
    }
}
