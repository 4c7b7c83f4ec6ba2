//! The emails Usher sends: one variant per template (`usher-jobs/templates/<name>/`).
//!
//! Serde gives the stored form the outbox has always had: the template name as the
//! tag (its `template` column) and the variant's fields as the data (its sealed `data`
//! column), field for field what the template shows. Mail queued by an older version
//! decodes, and a custom template (`templates_dir`) sees the same variables.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An email's content; the recipient travels beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", content = "data", rename_all = "snake_case")]
pub enum Mail {
    /// An email invitation to a group.
    Invitation(Invitation),
    /// The same invitation sent again, with a new link.
    InvitationResent(Invitation),
    /// A one-time sign-in link; `locale`: the language of whoever asked for it.
    LoginLink {
        display_name: String,
        url: String,
        expires_at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        locale: Option<String>,
    },
    /// A link that confirms the account's email address, in the asker's language.
    EmailVerification {
        display_name: String,
        url: String,
        expires_at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        locale: Option<String>,
    },
}

/// What an invitation email shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub group_name: String,
    /// The inviter's display name.
    pub inviter: String,
    /// The role joining grants, as configured when it was sent.
    pub role: String,
    /// The inviter's own words, if any.
    pub message: Option<String>,
    pub accept_url: String,
    pub expires_at: DateTime<Utc>,
    /// The language to write it in (`en`, `vi`); `None`: the instance's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Where replies go (the inviter, when they chose so); `None`: nowhere but `From`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
}

impl Mail {
    /// The language the mail asks to be written in, if any.
    pub fn locale(&self) -> Option<&str> {
        match self {
            Self::Invitation(invitation) | Self::InvitationResent(invitation) => invitation.locale.as_deref(),
            Self::LoginLink { locale, .. } | Self::EmailVerification { locale, .. } => locale.as_deref(),
        }
    }

    /// Where replies go, if anywhere but `From`.
    pub fn reply_to(&self) -> Option<&str> {
        match self {
            Self::Invitation(invitation) | Self::InvitationResent(invitation) => invitation.reply_to.as_deref(),
            Self::LoginLink { .. } | Self::EmailVerification { .. } => None,
        }
    }

    /// The template that renders it, as the outbox's `template` column names it.
    pub const fn template(&self) -> &'static str {
        match self {
            Self::Invitation(_) => "invitation",
            Self::InvitationResent(_) => "invitation_resent",
            Self::LoginLink { .. } => "login_link",
            Self::EmailVerification { .. } => "email_verification",
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn invitation() -> Invitation {
        Invitation {
            group_name: "Tree".into(),
            inviter: "Ann".into(),
            role: "member".into(),
            message: None,
            accept_url: "https://u.example/invite/tok".into(),
            expires_at: "2026-12-01T10:00:00.250Z".parse().unwrap(),
            locale: None,
            reply_to: None,
        }
    }

    fn every_kind() -> [Mail; 4] {
        let expires_at = "2026-12-01T10:00:00Z".parse().unwrap();
        let link = Mail::LoginLink {
            display_name: "Ann".into(),
            url: "https://u.example/l/tok".into(),
            expires_at,
            locale: None,
        };
        let verification = Mail::EmailVerification {
            display_name: "Ann".into(),
            url: "https://u.example/verify-email/tok".into(),
            expires_at,
            locale: Some("vi".into()),
        };
        [Mail::Invitation(invitation()), Mail::InvitationResent(invitation()), link, verification]
    }

    #[test]
    fn the_tag_is_the_template_name() {
        for mail in every_kind() {
            let stored = serde_json::to_value(&mail).unwrap();
            assert_eq!(stored["template"], mail.template());
            let back: Mail = serde_json::from_value(stored).unwrap();
            assert_eq!(back, mail);
        }
    }

    /// The data a version before this enum sealed into the outbox (`json!` of the
    /// same values, `expires_at` as chrono writes it) is exactly what it writes now.
    #[test]
    fn the_data_is_what_the_outbox_has_always_held() {
        let expires_at: DateTime<Utc> = "2026-12-01T10:00:00.250Z".parse().unwrap();
        let before = json!({"group_name": "Tree", "inviter": "Ann", "role": "member", "message": null,
                            "accept_url": "https://u.example/invite/tok", "expires_at": expires_at});
        let now = serde_json::to_value(Mail::Invitation(invitation())).unwrap();
        assert_eq!(now["data"], before);
    }

    #[test]
    fn a_template_not_known_is_refused() {
        let stored: Value = json!({"template": "login_lnik", "data": {}});
        assert!(serde_json::from_value::<Mail>(stored).is_err());
    }
}
