//! The one error type at the HTTP edge: every failure becomes RFC 9457
//! `application/problem+json` with the SPEC's stable `code`. 5xx bodies say nothing
//! about the cause; the cause goes to the log.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
pub use usher_app::error::FieldError;
use usher_app::{
    Error, Reason,
    error::{Conflict, Forbidden},
};
use usher_domain::{Invalid, invite::InviteStatus};
use usher_storage::StoreError;

/// A field refused, as the problem document lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorSchema {
    pub field: String,
    pub message: String,
}

/// A group named by a refusal (`last_owner` when deleting or disabling a user).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemGroup {
    pub id: uuid::Uuid,
    pub name: String,
    pub slug: String,
}

/// Every way a request fails: an application refusal or failure, or what only HTTP
/// can get wrong (the body, the method, the media type, a cross-site request).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{}", .0.detail())]
    Refused(Reason),
    #[error("the request body is larger than 64 KiB")]
    PayloadTooLarge,
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    /// A cookie-authenticated call without its CSRF proof.
    #[error("{0}")]
    CrossSite(&'static str),
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub const NOT_FOUND: Self = Self::Refused(Reason::NotFound);
    pub const UNAUTHENTICATED: Self = Self::Refused(Reason::Unauthenticated);

    pub fn field(field: &str, why: Invalid) -> Self {
        Self::Refused(Reason::Invalid(vec![FieldError::new(field, why)]))
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    /// The HTTP status and the SPEC's stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Refused(reason) => reason_status(reason),
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request"),
            Self::CrossSite(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The sentence a person reads.
    pub fn detail(&self) -> String {
        self.to_string()
    }
}

/// A refusal's HTTP status and the SPEC's stable code (SPEC §2).
pub fn reason_status(reason: &Reason) -> (StatusCode, &'static str) {
    match reason {
        Reason::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
        Reason::NotApplicable(_) => (StatusCode::BAD_REQUEST, "not_applicable"),
        Reason::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        Reason::Forbidden(why) => (
            StatusCode::FORBIDDEN,
            match why {
                Forbidden::EmailMismatch => "email_mismatch",
                Forbidden::InviteRequired => "invite_required",
                Forbidden::RegistrationClosed => "registration_closed",
                Forbidden::AdminOnly
                | Forbidden::ManagersOnly
                | Forbidden::AboveOwnRole
                | Forbidden::TopRoleOnly
                | Forbidden::AccountDisabled
                | Forbidden::NotInGroup
                | Forbidden::KeyScope => "forbidden",
            },
        ),
        Reason::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        Reason::InviteNotFound => (StatusCode::NOT_FOUND, "invite_not_found"),
        Reason::InviteGone(status) => (
            StatusCode::GONE,
            match status {
                InviteStatus::Revoked => "invite_revoked",
                InviteStatus::Expired => "invite_expired",
                InviteStatus::UsedUp | InviteStatus::Active => "invite_used_up",
            },
        ),
        Reason::InviteSuperseded => (StatusCode::GONE, "invite_superseded"),
        Reason::Conflict(what) => (
            StatusCode::CONFLICT,
            match what {
                Conflict::UsernameTaken => "username_taken",
                Conflict::EmailTaken => "email_taken",
                Conflict::AlreadyMember => "already_member",
                Conflict::DuplicateInvite => "duplicate_invite",
                Conflict::ResendLimitReached => "resend_limit_reached",
                Conflict::LastOwner => "last_owner",
                Conflict::SlugTaken => "slug_taken",
                Conflict::ExternalIdTaken => "external_id_taken",
            },
        ),
        Reason::LastOwnerOf(_) => (StatusCode::CONFLICT, "last_owner"),
        Reason::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
    }
}

/// The body of every error (RFC 9457).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem<'a> {
    /// `urn:usher:problem:{code}`.
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    /// The stable code clients branch on, e.g. `invite_not_found`.
    code: &'a str,
    /// With `invalid_request`: every field refused, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldErrorSchema>>)]
    errors: Option<&'a [FieldError]>,
    /// With `last_owner` when deleting or disabling a user: the groups they are the
    /// only top-role member of (others must hold that role first).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<ProblemGroup>>)]
    groups: Option<Vec<ProblemGroup>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Internal(cause) = &self {
            tracing::error!(error = %cause, source = ?cause.source(), "request failed");
        }
        let problem = Problem {
            kind: format!("urn:usher:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.detail(),
            code,
            errors: match &self {
                Self::Refused(Reason::Invalid(errors)) => Some(errors),
                _ => None,
            },
            groups: match &self {
                Self::Refused(Reason::LastOwnerOf(groups)) => Some(
                    groups
                        .iter()
                        .map(|g| ProblemGroup { id: g.id, name: g.name.clone(), slug: g.slug.clone() })
                        .collect(),
                ),
                _ => None,
            },
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        match self {
            Self::Unavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::Refused(Reason::TooManyRequests { retry_after_secs }) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::Refused(reason) => Self::Refused(reason),
            Error::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::Unavailable
            }
            Error::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl From<Reason> for ApiError {
    fn from(reason: Reason) -> Self {
        Self::Refused(reason)
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        Error::from(err).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<Forbidden> for ApiError {
    fn from(why: Forbidden) -> Self {
        Self::Refused(Reason::Forbidden(why))
    }
}

impl From<usher_app::error::NotApplicable> for ApiError {
    fn from(what: usher_app::error::NotApplicable) -> Self {
        Self::Refused(Reason::NotApplicable(what))
    }
}
