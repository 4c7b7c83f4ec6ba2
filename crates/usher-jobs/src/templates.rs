//! Email templates: `templates/<name>/{subject.txt, body.txt, body.html}`, one per
//! [`Mail`] variant, shipped in the binary and overridable file by file from
//! `templates_dir`. A template sees its variant's fields, as the outbox stores them. HTML parts escape
//! everything a user typed; the subject is one line, so nothing typed can add a header.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment};
use usher_domain::mail::Mail;

/// The templates shipped in the binary: (name, file, source).
const SHIPPED: &[(&str, &str, &str)] = &[
    ("invitation", "subject.txt", include_str!("../templates/invitation/subject.txt")),
    ("invitation", "body.txt", include_str!("../templates/invitation/body.txt")),
    ("invitation", "body.html", include_str!("../templates/invitation/body.html")),
    ("invitation_resent", "subject.txt", include_str!("../templates/invitation_resent/subject.txt")),
    ("invitation_resent", "body.txt", include_str!("../templates/invitation_resent/body.txt")),
    ("invitation_resent", "body.html", include_str!("../templates/invitation_resent/body.html")),
    ("login_link", "subject.txt", include_str!("../templates/login_link/subject.txt")),
    ("login_link", "body.txt", include_str!("../templates/login_link/body.txt")),
    ("login_link", "body.html", include_str!("../templates/login_link/body.html")),
    ("email_verification", "subject.txt", include_str!("../templates/email_verification/subject.txt")),
    ("email_verification", "body.txt", include_str!("../templates/email_verification/body.txt")),
    ("email_verification", "body.html", include_str!("../templates/email_verification/body.html")),
];

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template file {0}: {1}")]
    Override(PathBuf, std::io::Error),
    #[error(transparent)]
    Render(#[from] minijinja::Error),
    #[error("mail data: {0}")]
    Data(#[from] serde_json::Error),
}

#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The shipped templates, each replaced by `dir/<name>/<file>` where that exists.
    pub fn load(dir: Option<&Path>) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
        for (name, file, shipped) in SHIPPED {
            let source = match dir.map(|d| d.join(name).join(file)) {
                Some(path) if path.exists() => {
                    std::fs::read_to_string(&path).map_err(|e| TemplateError::Override(path.clone(), e))?
                }
                _ => (*shipped).to_owned(),
            };
            env.add_template_owned(format!("{name}/{file}"), source)?;
        }
        Ok(Self { env })
    }

    pub fn render(&self, mail: &Mail) -> Result<Rendered, TemplateError> {
        let name = mail.template();
        let data = serde_json::to_value(mail)?["data"].take();
        let part = |file: &str| self.env.get_template(&format!("{name}/{file}"))?.render(&data);
        let subject = part("subject.txt")?;
        // One line, no control characters: a typed name cannot start a new header.
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(Rendered { subject, text: part("body.txt")?, html: part("body.html")? })
    }
}

#[cfg(test)]
mod tests {
    use usher_domain::mail::Invitation;

    use super::*;

    fn invitation(inviter: &str, message: &str) -> Mail {
        Mail::Invitation(Invitation {
            group_name: "Tree".into(),
            inviter: inviter.into(),
            role: "member".into(),
            message: Some(message.into()).filter(|m: &String| !m.is_empty()),
            accept_url: "https://u.example/invite/tok".into(),
            expires_at: "2026-12-01T10:00:00Z".parse().unwrap(),
        })
    }

    /// Each variant finds its shipped template, and its text part shows every field.
    #[test]
    fn every_mail_renders_with_its_fields() {
        let templates = Templates::load(None).unwrap();
        let Mail::Invitation(shown) = invitation("Ann", "Welcome") else { unreachable!() };
        let expires_at = shown.expires_at;
        let link = Mail::LoginLink { display_name: "Ann".into(), url: "https://u.example/l/tok".into(), expires_at };
        let verification = Mail::EmailVerification {
            display_name: "Ann".into(),
            url: "https://u.example/verify-email/tok".into(),
            expires_at,
        };
        for mail in [invitation("Ann", "Welcome"), Mail::InvitationResent(shown), link, verification] {
            let rendered = templates.render(&mail).unwrap();
            let stored = serde_json::to_value(&mail).unwrap();
            for (field, value) in stored["data"].as_object().unwrap() {
                assert!(rendered.text.contains(value.as_str().unwrap()), "{}: {field}", mail.template());
            }
        }
    }

    #[test]
    fn user_text_is_escaped_in_html_and_kept_on_one_subject_line() {
        let templates = Templates::load(None).unwrap();
        let mail = templates.render(&invitation("Eve\r\nBcc: x@y", "<script>alert(1)</script>")).unwrap();
        assert_eq!(mail.subject, "Eve Bcc: x@y invited you to join Tree");
        assert!(mail.html.contains("&lt;script&gt;") && !mail.html.contains("<script>"));
        assert!(mail.text.contains("https://u.example/invite/tok"));
    }

    #[test]
    fn a_file_in_templates_dir_overrides_its_shipped_twin() {
        let dir = std::env::temp_dir().join(format!("usher-templates-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(dir.join("invitation")).unwrap();
        std::fs::write(dir.join("invitation/subject.txt"), "Join {{ group_name }} now").unwrap();
        let templates = Templates::load(Some(&dir)).unwrap();
        let mail = templates.render(&invitation("Ann", "")).unwrap();
        assert_eq!(mail.subject, "Join Tree now");
        assert!(mail.text.contains("Ann invited you"), "the other files stay shipped");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
