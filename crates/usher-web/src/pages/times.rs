//! Times on the pages: relative ("in 3 days") inside `<time>`, the absolute time on
//! hover; a day alone.

use usher_i18n::Locale;

/// An RFC 3339 time as `<time>`: relative ("in 3 days", "2 hours ago") in the page's
/// language, the absolute time in UTC on hover, which `time.js` puts in the viewer's
/// own time zone. Anything else is shown as it is (escaped).
pub(super) fn time(state: &minijinja::State, value: String) -> minijinja::Value {
    let Some(at) = in_utc(&value) else { return minijinja::Value::from(value) };
    let html = format!(
        "<time datetime=\"{}\" title=\"{}\">{}</time>",
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        at.format("%Y-%m-%d %H:%M UTC"),
        relative(at, chrono::Utc::now(), usher_i18n::template_locale(state))
    );
    minijinja::Value::from_safe_string(html)
}

/// How far `at` is from `now`, in words of `locale`: "in 3 days", "5 minutes ago",
/// "just now" (`time-*` in the translations).
fn relative(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>, locale: Locale) -> String {
    let seconds = (at - now).num_seconds();
    let (n, unit) = match seconds.unsigned_abs() {
        s if s < 60 => return locale.text("time-just-now", &[]),
        s if s < 3_600 => (s / 60, "minutes"),
        s if s < 86_400 => (s / 3_600, "hours"),
        s if s < 86_400 * 45 => (s / 86_400, "days"),
        s if s < 86_400 * 365 => (s / (86_400 * 30), "months"),
        s => (s / (86_400 * 365), "years"),
    };
    let id = if seconds > 0 { format!("time-in-{unit}") } else { format!("time-{unit}-ago") };
    locale.text(&id, &[("n", n.to_string())])
}

/// An RFC 3339 time's day: `2026-11-29` (anything else unchanged).
pub(super) fn day(value: String) -> String {
    in_utc(&value).map_or(value, |at| at.format("%Y-%m-%d").to_string())
}

fn in_utc(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(value).ok().map(|at| at.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_relative_to_now() {
        let now: chrono::DateTime<chrono::Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        let at = |text: &str| text.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        assert_eq!(relative(at("2026-12-04T12:00:00Z"), now, Locale::En), "in 3 days");
        assert_eq!(relative(at("2026-12-01T13:00:00Z"), now, Locale::En), "in 1 hour");
        assert_eq!(relative(at("2026-12-01T11:55:00Z"), now, Locale::En), "5 minutes ago");
        assert_eq!(relative(at("2026-12-01T12:00:30Z"), now, Locale::En), "just now");
        assert_eq!(relative(at("2027-06-01T12:00:00Z"), now, Locale::En), "in 6 months");
        assert_eq!(relative(at("2026-12-04T12:00:00Z"), now, Locale::Vi), "3 ngày nữa");
        assert_eq!(relative(at("2026-12-01T11:55:00Z"), now, Locale::Vi), "5 phút trước");
        assert_eq!(relative(at("2026-12-01T12:00:30Z"), now, Locale::Vi), "vừa xong");
    }

    #[test]
    fn a_time_element_carries_the_absolute_time_and_escapes_what_is_not_one() {
        let html = super::super::TEMPLATES
            .render_named_str("t.html", "{{ x|time }}", minijinja::context! { x => "2026-12-04T12:00:00Z" })
            .unwrap();
        assert!(html.starts_with("<time datetime=\"2026-12-04T12:00:00Z\" title=\"2026-12-04 12:00 UTC\">"), "{html}");
        let other = super::super::TEMPLATES
            .render_named_str("t.html", "{{ x|time }}", minijinja::context! { x => "<b>" })
            .unwrap();
        assert_eq!(other, "&lt;b&gt;");
    }
}
