//! The one error every operation answers with: a refusal with a closed [`Reason`],
//! or a failure (the database unavailable, or a bug). Each front words a reason in
//! its own language (problem+json with the SPEC's code, an HTML page); the sentences
//! here are the default English ones.

use usher_domain::{Invalid, invite::InviteStatus};
use usher_i18n::Locale;
use usher_storage::{StoreError, model::GroupRef};

/// One field that failed validation, and why (a message of the translations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub why: Invalid,
}

impl FieldError {
    pub fn new(field: impl Into<String>, why: Invalid) -> Self {
        Self { field: field.into(), why }
    }

    /// Why, in `locale`.
    pub fn message_in(&self, locale: Locale) -> String {
        locale.text(self.why.id, &self.why.args)
    }

    /// Why, in English (the API's and the log's language).
    pub fn message(&self) -> String {
        in_english(&self.why)
    }
}

/// Why a value was refused, in English (the API's, the log's and the terminal's
/// language).
pub fn in_english(why: &Invalid) -> String {
    Locale::En.text(why.id, &why.args)
}

/// As the API shows it: `{"field": …, "message": …}`, the message in English.
impl serde::Serialize for FieldError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("FieldError", 2)?;
        out.serialize_field("field", &self.field)?;
        out.serialize_field("message", &self.message())?;
        out.end()
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
    /// An API key on a route its scopes do not cover (or that no key may call).
    KeyScope,
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
    pub fn field(field: &str, why: Invalid) -> Self {
        Reason::Invalid(vec![FieldError::new(field, why)]).into()
    }

    /// The error for a person at a terminal or in a log: a refusal's every field
    /// error, where the front would list them.
    pub fn explain(&self) -> String {
        match self {
            Self::Refused(Reason::Invalid(fields)) => {
                let why: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message())).collect();
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
    /// The sentence a person reads, as a message of the translations and its
    /// arguments (`refused-*`).
    pub fn said(&self) -> (&'static str, Vec<(&'static str, String)>) {
        let id = match self {
            Self::Invalid(_) => "refused-invalid",
            Self::NotApplicable(what) => what.said(),
            Self::Unauthenticated => "refused-unauthenticated",
            Self::Forbidden(why) => why.said(),
            Self::NotFound => "refused-not-found",
            Self::InviteNotFound => "refused-invite-not-found",
            Self::InviteGone(InviteStatus::Revoked) => "refused-invite-revoked",
            Self::InviteGone(InviteStatus::Expired) => "refused-invite-expired",
            Self::InviteGone(_) => "refused-invite-used-up",
            Self::InviteSuperseded => "refused-invite-superseded",
            Self::Conflict(what) => what.said(),
            Self::LastOwnerOf(groups) => {
                let names: Vec<_> = groups.iter().map(|g| format!("{} ({})", g.name, g.slug)).collect();
                return ("refused-last-owner-of", vec![("list", names.join(", "))]);
            }
            Self::TooManyRequests { retry_after_secs } => {
                return ("refused-too-many", vec![("seconds", retry_after_secs.to_string())]);
            }
        };
        (id, Vec::new())
    }

    /// That sentence in `locale`.
    pub fn detail_in(&self, locale: Locale) -> String {
        let (id, args) = self.said();
        locale.text(id, &args)
    }

    /// That sentence in English (the API's and the log's language).
    pub fn detail(&self) -> String {
        self.detail_in(Locale::En)
    }
}

impl Forbidden {
    const fn said(self) -> &'static str {
        match self {
            Self::AdminOnly => "refused-admin-only",
            Self::ManagersOnly => "refused-managers-only",
            Self::AboveOwnRole => "refused-above-own-role",
            Self::TopRoleOnly => "refused-top-role-only",
            Self::AccountDisabled => "refused-account-disabled",
            Self::EmailMismatch => "refused-email-mismatch",
            Self::InviteRequired => "refused-invite-required",
            Self::RegistrationClosed => "refused-registration-closed",
            Self::NotInGroup => "refused-not-in-group",
            Self::KeyScope => "refused-key-scope",
        }
    }
}

impl Conflict {
    const fn said(self) -> &'static str {
        match self {
            Self::UsernameTaken => "refused-username-taken",
            Self::EmailTaken => "refused-email-taken",
            Self::AlreadyMember => "refused-already-member",
            Self::DuplicateInvite => "refused-duplicate-invite",
            Self::ResendLimitReached => "refused-resend-limit",
            Self::LastOwner => "refused-last-owner",
            Self::SlugTaken => "refused-slug-taken",
            Self::ExternalIdTaken => "refused-external-id-taken",
        }
    }
}

impl NotApplicable {
    const fn said(self) -> &'static str {
        match self {
            Self::AcceptRegistrationInvite => "refused-accept-registration-invite",
            Self::NotAnInvitation => "refused-not-an-invitation",
            Self::RetryUnfailedMail => "refused-retry-unfailed-mail",
            Self::PublicAppSecret => "refused-public-app-secret",
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
