//! What a person typed into a form, as the application takes it: whole numbers,
//! optional text, a lifetime (a preset in minutes, or hours); and the presets the forms
//! offer for expiry and uses, labelled in the page's language.

use usher_app::fields::Lifetime;
use usher_domain::Invalid;
use usher_i18n::Locale;

use crate::error::ApiError;

/// A whole number typed into a form: empty is `None`.
pub fn form_number(field: &str, text: &str) -> Result<Option<i64>, ApiError> {
    match text.trim() {
        "" => Ok(None),
        text => text.parse().map(Some).map_err(|_| ApiError::field(field, Invalid::new("invalid-whole-number"))),
    }
}

/// The lifetime a form asks for: a preset (`expires_in_minutes`, a select), else whole
/// hours typed (`expires_in_hours`, as the API takes them); both empty: `None`.
pub fn form_lifetime(minutes: &str, hours: &str) -> Result<Option<Lifetime>, ApiError> {
    if let Some(minutes) = form_number("expires_in_minutes", minutes)? {
        return Ok(Some(Lifetime::Minutes(minutes)));
    }
    Ok(form_number("expires_in_hours", hours)?.map(Lifetime::Hours))
}

/// One choice of a preset select.
#[derive(Debug, serde::Serialize)]
pub struct Preset {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Expiry presets, as Discord and Mastodon offer them, within `max_hours`, labelled in
/// `locale`; `default` (minutes) selected, and offered even when it is not a preset;
/// `never` last when the kind may never expire (and selected when `default` is `None`).
pub fn expiry_presets(max_hours: u32, default: Option<i64>, never: bool, locale: Locale) -> Vec<Preset> {
    const PRESETS: [i64; 7] = [30, 60, 360, 720, 1_440, 10_080, 43_200];
    let fits = |m: i64| m <= i64::from(max_hours) * 60;
    let mut minutes: Vec<i64> = PRESETS.into_iter().filter(|m| fits(*m)).collect();
    if let Some(default) = default.filter(|d| fits(*d) && !minutes.contains(d)) {
        minutes.push(default);
        minutes.sort_unstable();
    }
    let mut presets: Vec<Preset> = minutes
        .into_iter()
        .map(|m| Preset { value: m.to_string(), label: lifetime_words(m, locale), selected: Some(m) == default })
        .collect();
    if never {
        presets.push(Preset {
            value: String::new(),
            label: locale.text("preset-never", &[]),
            selected: default.is_none(),
        });
    }
    presets
}

/// A lifetime in words: "30 minutes", "1 hour", "7 days".
fn lifetime_words(minutes: i64, locale: Locale) -> String {
    let (id, n) = match minutes {
        m if m % 1_440 == 0 => ("preset-days", m / 1_440),
        m if m % 60 == 0 => ("preset-hours", m / 60),
        m => ("preset-minutes", m),
    };
    locale.text(id, &[("n", n.to_string())])
}

/// Uses presets up to `max` (1, 5, 10, 25, 50, 100); "No limit" last when `unlimited`.
pub fn uses_presets(max: i64, unlimited: bool, locale: Locale) -> Vec<Preset> {
    let mut presets: Vec<Preset> = [1, 5, 10, 25, 50, 100]
        .into_iter()
        .filter(|n| *n <= max)
        .map(|n| Preset { value: n.to_string(), label: n.to_string(), selected: n == 1 })
        .collect();
    if unlimited {
        presets.push(Preset { value: String::new(), label: locale.text("preset-no-limit", &[]), selected: false });
    }
    presets
}

/// Optional text typed into a form: empty (or only spaces) is `None`.
pub fn form_text(text: &str) -> Option<String> {
    Some(text.trim()).filter(|t| !t.is_empty()).map(str::to_owned)
}
