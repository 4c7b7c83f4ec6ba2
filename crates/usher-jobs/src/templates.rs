//! Email templates: `templates/<name>/{subject.txt, body.txt, body.html}`, one per
//! [`Mail`] variant, with `layout.html` (the HTML frame: the instance's name or logo,
//! its accent colour, a viewport, tables that render in every client) and
//! `macros.html` (the button, with the address under it). All are shipped in the
//! binary and overridable file by file from `templates_dir`. A template sees its
//! variant's fields, as the outbox stores them, `brand` and `locale`; every sentence
//! comes from the translations (`t("message-id", name=value)`, `usher-i18n`), in the
//! mail's language or the instance's default, and times read as people write them
//! (`expires_at|date`: "Tuesday 8 December, 14:04" in `time_zone`). HTML parts escape
//! everything a user typed; the subject is one line, so nothing typed can add a header.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, State, Value};
use serde::Serialize;
use usher_domain::mail::Mail;
use usher_i18n::{Locale, Tz};

/// The templates shipped in the binary: (name, file, source); `layout.html` and
/// `macros.html` have no folder.
const SHIPPED: &[(&str, &str, &str)] = &[
    ("", "layout.html", include_str!("../templates/layout.html")),
    ("", "macros.html", include_str!("../templates/macros.html")),
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

/// How mail looks and reads on this instance (configuration).
#[derive(Debug, Clone, Serialize)]
pub struct MailLook {
    /// Shown at the top of every email (when there is no logo) and in its footer.
    pub name: String,
    /// An image at the top instead of the name (an `https://` URL; mail clients may
    /// not load it, so the name is its `alt`).
    pub logo_url: Option<String>,
    /// The button's and links' colour, `#rrggbb`.
    pub accent: String,
    #[serde(skip)]
    pub time_zone: Tz,
    #[serde(skip)]
    pub default_locale: Locale,
}

impl Default for MailLook {
    fn default() -> Self {
        Self {
            name: "Usher".into(),
            logo_url: None,
            accent: "#2f5bd3".into(),
            time_zone: Tz::UTC,
            default_locale: Locale::En,
        }
    }
}

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
    look: MailLook,
}

impl Templates {
    /// The shipped templates, each replaced by `dir/<name>/<file>` (or `dir/<file>` for
    /// the layout and macros) where that exists.
    pub fn load(dir: Option<&Path>, look: MailLook) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
        for (name, file, shipped) in SHIPPED {
            let key = if name.is_empty() { (*file).to_owned() } else { format!("{name}/{file}") };
            let source = match dir.map(|d| d.join(&key)) {
                Some(path) if path.exists() => {
                    std::fs::read_to_string(&path).map_err(|e| TemplateError::Override(path.clone(), e))?
                }
                _ => (*shipped).to_owned(),
            };
            env.add_template_owned(key, source)?;
        }
        env.add_function("t", usher_i18n::template_text);
        let tz = look.time_zone;
        env.add_filter("date", move |state: &State, value: String| readable_date(state, &value, tz));
        Ok(Self { env, look })
    }

    /// The instance's look, as configured.
    pub fn look(&self) -> &MailLook {
        &self.look
    }

    /// `mail` in its own language, else the instance's default.
    pub fn render(&self, mail: &Mail) -> Result<Rendered, TemplateError> {
        self.render_in(mail, mail.locale().and_then(Locale::parse).unwrap_or(self.look.default_locale))
    }

    /// `mail` in `locale`.
    pub fn render_in(&self, mail: &Mail, locale: Locale) -> Result<Rendered, TemplateError> {
        let name = mail.template();
        let data = serde_json::to_value(mail)?["data"].take();
        let context = |subject: &str| {
            minijinja::context! { brand => &self.look, locale => locale.tag(), subject, ..Value::from_serialize(&data) }
        };
        let part =
            |file: &str, subject: &str| self.env.get_template(&format!("{name}/{file}"))?.render(context(subject));
        // One line, no control characters: a typed name cannot start a new header.
        let subject = part("subject.txt", "")?.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(Rendered { text: part("body.txt", &subject)?, html: part("body.html", &subject)?, subject })
    }
}

/// An RFC 3339 time in the template's language and the instance's time zone; anything
/// else unchanged.
fn readable_date(state: &State, value: &str, tz: Tz) -> String {
    match chrono::DateTime::parse_from_rfc3339(value) {
        Ok(at) => usher_i18n::template_locale(state).long_date(at.with_timezone(&chrono::Utc), tz),
        Err(_) => value.to_owned(),
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
            expires_at: "2026-12-08T07:04:54.245021720Z".parse().unwrap(),
            locale: None,
            reply_to: None,
        })
    }

    /// Each variant finds its shipped template; both parts show every field, the
    /// expiry as people read it, never as RFC 3339.
    #[test]
    fn every_mail_renders_with_its_fields_and_a_readable_date() {
        let templates = Templates::load(None, MailLook::default()).unwrap();
        let Mail::Invitation(shown) = invitation("Ann", "Welcome") else { unreachable!() };
        let expires_at = shown.expires_at;
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
            locale: None,
        };
        for mail in [invitation("Ann", "Welcome"), Mail::InvitationResent(shown), link, verification] {
            let rendered = templates.render(&mail).unwrap();
            let stored = serde_json::to_value(&mail).unwrap();
            for (field, value) in stored["data"].as_object().unwrap() {
                if field != "expires_at" {
                    assert!(rendered.text.contains(value.as_str().unwrap()), "{}: {field}", mail.template());
                    // minijinja's HTML escaping writes `/` as `&#x2f;` (browsers read it back).
                    let escaped = value.as_str().unwrap().replace('/', "&#x2f;");
                    assert!(rendered.html.contains(&escaped), "{}: {field}", mail.template());
                }
            }
            for part in [&rendered.text, &rendered.html] {
                assert!(part.contains("Tuesday 8 December, 07:04") && !part.contains("2026-12-08T"), "{part}");
            }
            assert!(rendered.html.contains("name=\"viewport\"") && rendered.html.contains("role=\"presentation\""));
            assert!(!rendered.subject.is_empty() && !rendered.subject.contains("{{"), "{}", rendered.subject);
        }
    }

    /// An invitation with `locale: "vi"` is written in Vietnamese, its date too, in the
    /// instance's time zone; the brand shows.
    #[test]
    fn an_invitation_in_vietnamese_reads_in_vietnamese() {
        let look = MailLook {
            name: "Gia phả".into(),
            accent: "#b03a2e".into(),
            time_zone: "Asia/Ho_Chi_Minh".parse().unwrap(),
            ..MailLook::default()
        };
        let templates = Templates::load(None, look).unwrap();
        let Mail::Invitation(mut invitation) = invitation("Ann", "") else { unreachable!() };
        invitation.locale = Some("vi".into());
        let mail = templates.render(&Mail::Invitation(invitation)).unwrap();
        assert_eq!(mail.subject, "Ann mời bạn tham gia Tree");
        assert!(mail.text.contains("Thứ Ba, 8 tháng 12, 14:04"), "{}", mail.text);
        assert!(mail.html.contains("Nhận lời mời") && mail.html.contains("lang=\"vi\""), "{}", mail.html);
        assert!(mail.html.contains("#b03a2e") && mail.html.contains("Gia phả"), "branded");
    }

    #[test]
    fn user_text_is_escaped_in_html_and_kept_on_one_subject_line() {
        let templates = Templates::load(None, MailLook::default()).unwrap();
        let mail = templates.render(&invitation("Eve\r\nBcc: x@y", "<script>alert(1)</script>")).unwrap();
        assert_eq!(mail.subject, "Eve Bcc: x@y invited you to join Tree");
        assert!(mail.html.contains("&lt;script&gt;") && !mail.html.contains("<script>"));
        assert!(mail.text.contains("https://u.example/invite/tok"));
        let sneaky = templates.render(&invitation("<b>Eve</b>", "")).unwrap();
        assert!(sneaky.html.contains("&lt;b&gt;Eve") && !sneaky.html.contains("<b>Eve"), "names inside messages too");
    }

    #[test]
    fn a_file_in_templates_dir_overrides_its_shipped_twin() {
        let dir = std::env::temp_dir().join(format!("usher-templates-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(dir.join("invitation")).unwrap();
        std::fs::write(dir.join("invitation/subject.txt"), "Join {{ group_name }} now").unwrap();
        std::fs::write(dir.join("layout.html"), "<p>ours</p>{% block content %}{% endblock %}").unwrap();
        let templates = Templates::load(Some(&dir), MailLook::default()).unwrap();
        let mail = templates.render(&invitation("Ann", "")).unwrap();
        assert_eq!(mail.subject, "Join Tree now");
        assert!(mail.text.contains("Ann invited you"), "the other files stay shipped");
        assert!(mail.html.starts_with("<p>ours</p>"), "the layout too: {}", mail.html);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
