//! The one error type at the HTTP edge: every failure becomes RFC 9457
//! `application/problem+json` with the SPEC's stable `code`. 5xx bodies say nothing
//! about the cause; the cause goes to the log.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use usher_domain::{Invalid, invite::InviteStatus};
use usher_storage::StoreError;

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    pub fn from_invalid(field: &str, invalid: Invalid) -> Self {
        Self::new(field, invalid.message)
    }
}

/// A group named by a refusal (`last_owner` when deleting or disabling a user).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemGroup {
    pub id: uuid::Uuid,
    pub name: String,
    pub slug: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request is invalid")]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
    NotApplicable(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("{1}")]
    Forbidden(ForbiddenCode, String),
    #[error("not found")]
    NotFound,
    #[error("no such invite")]
    InviteNotFound,
    #[error("{1}")]
    Conflict(ConflictCode, String),
    /// `last_owner`, naming the groups the user is the only top-role member of.
    #[error("First give someone else the top role in: {}.", names(.0))]
    LastOwnerOf(Vec<ProblemGroup>),
    #[error("the invite is no longer active")]
    Gone(InviteStatus),
    #[error("This link was replaced by a newer one; use the latest invitation.")]
    Superseded,
    #[error("the request body is larger than 64 KiB")]
    PayloadTooLarge,
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    #[error("too many requests; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Debug, Clone, Copy)]
pub enum ForbiddenCode {
    Forbidden,
    EmailMismatch,
    InviteRequired,
    RegistrationClosed,
}

#[derive(Debug, Clone, Copy)]
pub enum ConflictCode {
    UsernameTaken,
    EmailTaken,
    AlreadyMember,
    DuplicateInvite,
    ResendLimitReached,
    LastOwner,
    SlugTaken,
    ExternalIdTaken,
}

impl ConflictCode {
    const fn code(self) -> &'static str {
        match self {
            Self::UsernameTaken => "username_taken",
            Self::EmailTaken => "email_taken",
            Self::AlreadyMember => "already_member",
            Self::DuplicateInvite => "duplicate_invite",
            Self::ResendLimitReached => "resend_limit_reached",
            Self::LastOwner => "last_owner",
            Self::SlugTaken => "slug_taken",
            Self::ExternalIdTaken => "external_id_taken",
        }
    }
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn conflict(code: ConflictCode, detail: &str) -> Self {
        Self::Conflict(code, detail.to_owned())
    }

    pub fn forbidden(detail: &str) -> Self {
        Self::Forbidden(ForbiddenCode::Forbidden, detail.to_owned())
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    /// The HTTP status and the SPEC's stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            Self::NotApplicable(_) => (StatusCode::BAD_REQUEST, "not_applicable"),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::Forbidden(code, _) => (
                StatusCode::FORBIDDEN,
                match code {
                    ForbiddenCode::Forbidden => "forbidden",
                    ForbiddenCode::EmailMismatch => "email_mismatch",
                    ForbiddenCode::InviteRequired => "invite_required",
                    ForbiddenCode::RegistrationClosed => "registration_closed",
                },
            ),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::InviteNotFound => (StatusCode::NOT_FOUND, "invite_not_found"),
            Self::Conflict(code, _) => (StatusCode::CONFLICT, code.code()),
            Self::LastOwnerOf(_) => (StatusCode::CONFLICT, ConflictCode::LastOwner.code()),
            Self::Gone(status) => (
                StatusCode::GONE,
                match status {
                    InviteStatus::Revoked => "invite_revoked",
                    InviteStatus::Expired => "invite_expired",
                    InviteStatus::UsedUp | InviteStatus::Active => "invite_used_up",
                },
            ),
            Self::Superseded => (StatusCode::GONE, "invite_superseded"),
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request"),
            Self::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The sentence a person reads.
    pub fn detail(&self) -> String {
        match self {
            Self::Gone(InviteStatus::Revoked) => "This invite was revoked.".into(),
            Self::Gone(InviteStatus::Expired) => "This invite has expired.".into(),
            Self::Gone(_) => "This invite has been used up.".into(),
            other => other.to_string(),
        }
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
    #[schema(value_type = Option<Vec<FieldError>>)]
    errors: Option<&'a [FieldError]>,
    /// With `last_owner` when deleting or disabling a user: the groups they are the
    /// only top-role member of (others must hold that role first).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<ProblemGroup>>)]
    groups: Option<&'a [ProblemGroup]>,
}

/// `Name (slug), …` for a sentence.
fn names(groups: &[ProblemGroup]) -> String {
    groups.iter().map(|g| format!("{} ({})", g.name, g.slug)).collect::<Vec<_>>().join(", ")
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
                Self::Invalid(errors) => Some(errors),
                _ => None,
            },
            groups: match &self {
                Self::LastOwnerOf(groups) => Some(groups),
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
            Self::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::InviteNotFound => Self::InviteNotFound,
            StoreError::InviteUnusable(status) => Self::Gone(status),
            StoreError::UsernameTaken => Self::Conflict(ConflictCode::UsernameTaken, "That username is taken.".into()),
            StoreError::EmailTaken => {
                Self::Conflict(ConflictCode::EmailTaken, "An account with that email already exists.".into())
            }
            StoreError::InviteSuperseded => Self::Superseded,
            StoreError::EmailMismatch => Self::Forbidden(
                ForbiddenCode::EmailMismatch,
                "This invitation was sent to another email address.".into(),
            ),
            StoreError::AlreadyMember => Self::conflict(ConflictCode::AlreadyMember, "Already a member of this group."),
            StoreError::DuplicateInvite => Self::conflict(
                ConflictCode::DuplicateInvite,
                "That email already has an active invitation to this group.",
            ),
            StoreError::ResendLimitReached => {
                Self::conflict(ConflictCode::ResendLimitReached, "This invitation was resent as often as allowed.")
            }
            StoreError::LastTopMember => {
                Self::conflict(ConflictCode::LastOwner, "The group must keep at least one member of the top role.")
            }
            StoreError::LastTopMemberOf(groups) => Self::LastOwnerOf(
                groups.into_iter().map(|g| ProblemGroup { id: g.id, name: g.name, slug: g.slug }).collect(),
            ),
            StoreError::SlugTaken => Self::conflict(ConflictCode::SlugTaken, "That slug is taken."),
            StoreError::ExternalIdTaken => {
                Self::conflict(ConflictCode::ExternalIdTaken, "Another group has that external id.")
            }
            StoreError::UserDisabled => Self::Forbidden(ForbiddenCode::Forbidden, "This account is disabled.".into()),
            StoreError::NotFound => Self::NotFound,
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::Unavailable
            }
            other => Self::internal(other),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
