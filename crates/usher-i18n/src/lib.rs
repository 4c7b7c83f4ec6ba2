//! Usher's languages: the shipped translations, choosing one, and dates as people
//! read them.
//!
//! Every sentence Usher says in mail is a Fluent message (`locales/<tag>/*.ftl`,
//! embedded at build time through `fluent-templates`), looked up for a [`Locale`]. A
//! message missing in one language is a test failure (`tests` below), not a blank.
//! The language of an email is the invitation's `locale` (set by whoever invited),
//! else the instance's `default_locale`.
//!
//! # Layout
//! - [`Locale`]: the shipped languages, parsed from a tag or an `Accept-Language`.
//! - [`Locale::text`]: one message, with its arguments.
//! - [`Locale::long_date`]: "Tuesday 8 December, 14:04" in a time zone.
//! - [`template_text`]: `t("id", …)` for minijinja templates (mail and pages).
#![forbid(unsafe_code)]

use std::{borrow::Cow, collections::HashMap};

use chrono::{DateTime, Datelike, Timelike, Utc};
pub use chrono_tz::Tz;
use fluent_templates::{LanguageIdentifier, Loader, fluent_bundle::FluentValue, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: mail clients show them as junk.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language Usher ships complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    Vi,
}

impl Locale {
    pub const ALL: [Self; 2] = [Self::En, Self::Vi];

    /// Its BCP 47 tag: `en`, `vi`.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Vi => "vi",
        }
    }

    /// A shipped language from a tag, any case, with or without a region (`vi`, `vi-VN`).
    pub fn parse(tag: &str) -> Option<Self> {
        let language = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|locale| locale.tag() == language)
    }

    /// The shipped language an `Accept-Language` header prefers most (by `q`, then
    /// order), if it names one.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut offered: Vec<(f32, usize, Self)> = header
            .split(',')
            .enumerate()
            .filter_map(|(order, item)| {
                let mut parts = item.split(';');
                let locale = Self::parse(parts.next()?)?;
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0).then_some((q, order, locale))
            })
            .collect();
        offered.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        offered.first().map(|(_, _, locale)| *locale)
    }

    fn langid(self) -> LanguageIdentifier {
        match self {
            Self::En => langid!("en"),
            Self::Vi => langid!("vi"),
        }
    }

    /// Message `id` in this language with `args`; its id when it does not exist (a
    /// test sees to it that every shipped message exists in every language).
    pub fn text(self, id: &str, args: &[(&str, String)]) -> String {
        // A whole number goes in as a number, so that Fluent chooses its plural form.
        // Only text that is exactly a number's own writing: a username "007" stays text.
        let value = |text: &String| match text.parse::<i64>() {
            Ok(n) if n.to_string() == *text => FluentValue::from(n),
            _ => FluentValue::from(text.clone()),
        };
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> =
            args.iter().map(|(name, text)| (Cow::Owned((*name).to_owned()), value(text))).collect();
        LOCALES.try_lookup_complete(&self.langid(), id, Some(&args)).unwrap_or_else(|| id.to_owned())
    }

    /// `at` as people read it, in time zone `tz`: "Tuesday 8 December, 14:04",
    /// "Thứ Ba, 8 tháng 12, 14:04".
    pub fn long_date(self, at: DateTime<Utc>, tz: Tz) -> String {
        let local = at.with_timezone(&tz);
        let weekday = self.text("weekday", &[("n", format!("d{}", local.weekday().number_from_monday()))]);
        let month = self.text("month", &[("n", format!("m{}", local.month()))]);
        let time = format!("{:02}:{:02}", local.hour(), local.minute());
        self.text(
            "date-long",
            &[("weekday", weekday), ("day", local.day().to_string()), ("month", month), ("time", time)],
        )
    }
}

/// `t("message-id", name=value, …)` for minijinja templates: the message in the
/// template's `locale` variable (a tag), else English. Arguments are escaped like any
/// value in an HTML template; the message itself is trusted text of ours.
pub fn template_text(
    state: &minijinja::State,
    id: String,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, minijinja::Error> {
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: minijinja::Value = kwargs.get(name)?;
        args.push((name, value.to_string()));
    }
    kwargs.assert_all_used()?;
    Ok(template_locale(state).text(&id, &args))
}

/// The language a template is rendered in: its `locale` variable, else English.
pub fn template_locale(state: &minijinja::State) -> Locale {
    state.lookup("locale").and_then(|v| v.as_str().and_then(Locale::parse)).unwrap_or_default()
}

/// The ids of the messages shipped for `locale` (every `.ftl` file of its folder).
pub fn message_ids(locale: Locale) -> Vec<String> {
    SOURCES
        .iter()
        .filter(|(tag, _)| *tag == locale.tag())
        .flat_map(|(_, source)| source.lines())
        .filter_map(|line| {
            let (id, _) = line.split_once(" =")?;
            let message =
                id.chars().next()?.is_ascii_lowercase() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            message.then(|| id.to_owned())
        })
        .collect()
}

/// The shipped files, for [`message_ids`].
const SOURCES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en/mail.ftl")),
    ("en", include_str!("../locales/en/dates.ftl")),
    ("en", include_str!("../locales/en/pages.ftl")),
    ("en", include_str!("../locales/en/admin.ftl")),
    ("en", include_str!("../locales/en/refusals.ftl")),
    ("vi", include_str!("../locales/vi/mail.ftl")),
    ("vi", include_str!("../locales/vi/dates.ftl")),
    ("vi", include_str!("../locales/vi/pages.ftl")),
    ("vi", include_str!("../locales/vi/admin.ftl")),
    ("vi", include_str!("../locales/vi/refusals.ftl")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_every_shipped_language() {
        // Every argument a message may take, so that only a missing message fails.
        let names = [
            "name", "instance", "inviter", "group", "role", "date", "n", "weekday", "day", "month", "time", "count",
            "username", "email", "what", "app", "seconds", "uses", "max", "limit", "status", "page", "code",
            // Refusals (refusals.ftl).
            "detail", "list", "min", "bytes", "host", "url", "id",
        ];
        let args: HashMap<&str, FluentValue<'_>> = names.iter().map(|name| (*name, FluentValue::from("x"))).collect();
        for locale in Locale::ALL {
            for other in Locale::ALL {
                for id in message_ids(other) {
                    let found = LOCALES.lookup_single_language(&locale.langid(), &id, Some(&args));
                    assert!(found.is_ok(), "{id} (in {}) is missing in {}", other.tag(), locale.tag());
                }
            }
        }
        assert!(message_ids(Locale::En).len() > 20, "the files are read");
    }

    #[test]
    fn a_language_comes_from_a_tag_or_the_browsers_preference() {
        assert_eq!(Locale::parse("vi-VN"), Some(Locale::Vi));
        assert_eq!(Locale::parse("EN"), Some(Locale::En));
        assert_eq!(Locale::parse("fr"), None);
        assert_eq!(Locale::from_accept_language("fr-FR, vi;q=0.8, en;q=0.5"), Some(Locale::Vi));
        assert_eq!(Locale::from_accept_language("en;q=0.2, vi;q=0.9"), Some(Locale::Vi));
        assert_eq!(Locale::from_accept_language("vi;q=0, de"), None);
        assert_eq!(Locale::from_accept_language("*"), None);
    }

    #[test]
    fn dates_read_as_people_write_them_in_the_instances_time_zone() {
        let at: DateTime<Utc> = "2026-12-08T07:04:54.245021720Z".parse().unwrap();
        assert_eq!(Locale::En.long_date(at, Tz::UTC), "Tuesday 8 December, 07:04");
        assert_eq!(Locale::En.long_date(at, Tz::Asia__Ho_Chi_Minh), "Tuesday 8 December, 14:04");
        assert_eq!(Locale::Vi.long_date(at, Tz::Asia__Ho_Chi_Minh), "Thứ Ba, 8 tháng 12, 14:04");
        let late: DateTime<Utc> = "2026-12-08T23:30:00Z".parse().unwrap();
        assert_eq!(
            Locale::En.long_date(late, Tz::Asia__Ho_Chi_Minh),
            "Wednesday 9 December, 06:30",
            "the next day there"
        );
    }

    #[test]
    fn arguments_fill_a_message_without_isolation_marks() {
        let text = Locale::En.text("invitation-subject", &[("inviter", "Olga".into()), ("group", "Book club".into())]);
        assert_eq!(text, "Olga invited you to join Book club");
        assert_eq!(Locale::Vi.text("no-such-message", &[]), "no-such-message");
        assert_eq!(Locale::En.text("preset-hours", &[("n", "1".into())]), "1 hour");
        assert_eq!(Locale::En.text("preset-days", &[("n", "30".into())]), "30 days");
        assert_eq!(Locale::Vi.text("preset-days", &[("n", "7".into())]), "7 ngày");
        // Text that only looks like a number stays as written.
        assert_eq!(Locale::En.text("invalid-role-name", &[("name", "007".into())]).split('"').nth(1), Some("007"));
    }
}
