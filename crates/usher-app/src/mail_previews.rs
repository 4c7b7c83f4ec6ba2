//! Every email Usher sends, rendered with sample data for instance admins: what people
//! will receive, in each shipped language, with this instance's look and templates.

use chrono::{Duration, Utc};
use usher_domain::mail::{Invitation, Mail};
use usher_i18n::Locale;
use usher_jobs::templates::Rendered;

use crate::{Actor, App, error::AppResult, error::Reason};

/// The emails there are, by template name.
pub const TEMPLATES: [&str; 4] = ["invitation", "invitation_resent", "login_link", "email_verification"];

impl App {
    /// Email `template` with sample data in `locale` (instance admins); `not_found` for
    /// a template that does not exist.
    pub fn preview_mail(&self, actor: &Actor, template: &str, locale: Locale) -> AppResult<Rendered> {
        let admin = actor.admin()?;
        let expires_at = Utc::now() + Duration::days(7);
        let invitation = || Invitation {
            group_name: "The Smiths".into(),
            inviter: admin.display_name.clone(),
            role: self.settings.roles.default_invite_role().to_string(),
            message: Some("Come and add your branch of the family tree!".into()),
            accept_url: self.settings.invitation_url("sample-token"),
            expires_at,
            locale: Some(locale.tag().to_owned()),
            reply_to: None,
        };
        let url = |path: &str| format!("{}/{path}/sample-token", self.settings.public_url);
        let mail = match template {
            "invitation" => Mail::Invitation(invitation()),
            "invitation_resent" => Mail::InvitationResent(invitation()),
            "login_link" => {
                Mail::LoginLink { display_name: admin.display_name.clone(), url: url("l"), expires_at, locale: None }
            }
            "email_verification" => Mail::EmailVerification {
                display_name: admin.display_name.clone(),
                url: url("verify-email"),
                expires_at,
                locale: None,
            },
            _ => return Err(Reason::NotFound.into()),
        };
        let rendered = self.mail_templates.render_in(&mail, locale);
        rendered.map_err(|e| crate::Error::internal(format!("the {template} template: {e}")))
    }
}
