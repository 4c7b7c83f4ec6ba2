//! The one error every operation answers with: a refusal with a closed [`Reason`],
//! or a failure (the database unavailable, or a bug). Each front words a reason in
//! its own language (problem+json with the SPEC's code, an HTML page); the sentences
//! here are the default English ones.

use usher_domain::{Invalid, invite::InviteStatus};
use usher_storage::{StoreError, model::GroupRef};

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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

/// Why an operation refused. Closed: a front matches it exhaustively, so a new
/// reason cannot reach a person unworded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Fields refused, each with why.
    Invalid(Vec<FieldError>),
    /// The action does not apply to this object.
    NotApplicable(NotApplicable),
    /// Sign in first.
    Unauthenticated,
    Forbidden(Forbidden),
    /// No such object, or not the caller's to see (indistinguishable on purpose).
    NotFound,
    InviteNotFound,
    /// The invite exists but is no longer active.
    InviteGone(InviteStatus),
    /// An email invitation's older link, replaced by a resend or copy.
    InviteSuperseded,
    Conflict(Conflict),
    /// `last_owner`, naming the groups the user is the only top-role member of.
    LastOwnerOf(Vec<GroupRef>),
    TooManyRequests {
        retry_after_secs: u64,
    },
}

/// Who may not do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    AdminOnly,
    ManagersOnly,
    /// Nobody grants, or acts on, a role above their own.
    AboveOwnRole,
    TopRoleOnly,
    AccountDisabled,
    EmailMismatch,
    InviteRequired,
    RegistrationClosed,
    /// Forward authentication: not a member of the group a route needs, or below the
    /// role it needs.
    NotInGroup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    UsernameTaken,
    EmailTaken,
    AlreadyMember,
    DuplicateInvite,
    ResendLimitReached,
    LastOwner,
    SlugTaken,
    ExternalIdTaken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApplicable {
    /// A registration invite is used by registering.
    AcceptRegistrationInvite,
    /// Only email invitations have a link to resend or copy.
    NotAnInvitation,
    /// Only failed mail is retried.
    RetryUnfailedMail,
    /// A public app has no secret to rotate.
    PublicAppSecret,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}", .0.detail())]
    Refused(Reason),
    /// Will pass: the database is down or busy. The cause is for the log.
    #[error("the database is unavailable; try again shortly")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A bug or an unexpected failure. The cause is for the log, never for the caller.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type AppResult<T> = Result<T, Error>;

impl Error {
    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    /// One field refused.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Reason::Invalid(vec![FieldError::new(field, message)]).into()
    }

    /// The error for a person at a terminal or in a log: a refusal's every field
    /// error, where the front would list them.
    pub fn explain(&self) -> String {
        match self {
            Self::Refused(Reason::Invalid(fields)) => {
                let why: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
                why.join("; ")
            }
            other => other.to_string(),
        }
    }

    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Self::Refused(reason) => Some(reason),
            _ => None,
        }
    }
}

impl From<Reason> for Error {
    fn from(reason: Reason) -> Self {
        Self::Refused(reason)
    }
}

impl From<Forbidden> for Error {
    fn from(forbidden: Forbidden) -> Self {
        Self::Refused(Reason::Forbidden(forbidden))
    }
}

impl From<Conflict> for Error {
    fn from(conflict: Conflict) -> Self {
        Self::Refused(Reason::Conflict(conflict))
    }
}

impl From<NotApplicable> for Error {
    fn from(what: NotApplicable) -> Self {
        Self::Refused(Reason::NotApplicable(what))
    }
}

impl Reason {
    /// The sentence a person reads (English).
    pub fn detail(&self) -> String {
        match self {
            Self::Invalid(_) => "the request is invalid".into(),
            Self::NotApplicable(what) => what.detail().into(),
            Self::Unauthenticated => "sign in first".into(),
            Self::Forbidden(why) => why.detail().into(),
            Self::NotFound => "not found".into(),
            Self::InviteNotFound => "no such invite".into(),
            Self::InviteGone(InviteStatus::Revoked) => "This invite was revoked.".into(),
            Self::InviteGone(InviteStatus::Expired) => "This invite has expired.".into(),
            Self::InviteGone(_) => "This invite has been used up.".into(),
            Self::InviteSuperseded => "This link was replaced by a newer one; use the latest invitation.".into(),
            Self::Conflict(what) => what.detail().into(),
            Self::LastOwnerOf(groups) => {
                let names: Vec<_> = groups.iter().map(|g| format!("{} ({})", g.name, g.slug)).collect();
                format!("First give someone else the top role in: {}.", names.join(", "))
            }
            Self::TooManyRequests { retry_after_secs } => {
                format!("too many requests; try again in {retry_after_secs} s")
            }
        }
    }
}

impl Forbidden {
    pub const fn detail(self) -> &'static str {
        match self {
            Self::AdminOnly => "Only instance admins may do this.",
            Self::ManagersOnly => "Only the group's managers may do this.",
            Self::AboveOwnRole => "Nobody may grant, or act on, a role above their own.",
            Self::TopRoleOnly => "Only the group's top role may delete it.",
            Self::AccountDisabled => "This account is disabled.",
            Self::EmailMismatch => "This invitation was sent to another email address.",
            Self::InviteRequired => "Registration needs an invite.",
            Self::RegistrationClosed => "Registration is closed.",
            Self::NotInGroup => "This needs a group membership, or a role in the group, that you do not have.",
        }
    }
}

impl Conflict {
    pub const fn detail(self) -> &'static str {
        match self {
            Self::UsernameTaken => "That username is taken.",
            Self::EmailTaken => "An account with that email already exists.",
            Self::AlreadyMember => "Already a member of this group.",
            Self::DuplicateInvite => "That email already has an active invitation to this group.",
            Self::ResendLimitReached => "This invitation was resent as often as allowed.",
            Self::LastOwner => "The group must keep at least one member of the top role.",
            Self::SlugTaken => "That slug is taken.",
            Self::ExternalIdTaken => "Another group has that external id.",
        }
    }
}

impl NotApplicable {
    pub const fn detail(self) -> &'static str {
        match self {
            Self::AcceptRegistrationInvite => "A registration invite is used by registering, not accepted.",
            Self::NotAnInvitation => "Only email invitations have a link to resend or copy.",
            Self::RetryUnfailedMail => "Only failed messages are retried.",
            Self::PublicAppSecret => "A public app has no secret.",
        }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        let reason = match err {
            StoreError::InviteNotFound | StoreError::WrongKind(_) => Reason::InviteNotFound,
            StoreError::InviteUnusable(status) => Reason::InviteGone(status),
            StoreError::InviteSuperseded => Reason::InviteSuperseded,
            StoreError::UsernameTaken => Conflict::UsernameTaken.into(),
            StoreError::EmailTaken => Conflict::EmailTaken.into(),
            StoreError::AlreadyMember => Conflict::AlreadyMember.into(),
            StoreError::DuplicateInvite => Conflict::DuplicateInvite.into(),
            StoreError::ResendLimitReached => Conflict::ResendLimitReached.into(),
            StoreError::LastTopMember => Conflict::LastOwner.into(),
            StoreError::SlugTaken => Conflict::SlugTaken.into(),
            StoreError::ExternalIdTaken => Conflict::ExternalIdTaken.into(),
            StoreError::EmailMismatch => Reason::Forbidden(Forbidden::EmailMismatch),
            StoreError::UserDisabled => Reason::Forbidden(Forbidden::AccountDisabled),
            StoreError::NotFound => Reason::NotFound,
            StoreError::LastTopMemberOf(groups) => Reason::LastOwnerOf(groups),
            StoreError::Unavailable(cause) => return Self::Unavailable(cause),
            other => return Self::internal(other),
        };
        Self::Refused(reason)
    }
}

impl From<Conflict> for Reason {
    fn from(conflict: Conflict) -> Self {
        Self::Conflict(conflict)
    }
}
