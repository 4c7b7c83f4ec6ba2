//! Every message the code and the templates name is shipped in every language: a
//! misspelled or forgotten id would otherwise show its id to a person.

use std::{collections::BTreeSet, fs, path::Path};

use usher_i18n::{Locale, message_ids};

/// Every `.rs` and `.html` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<(String, String)>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
            found.push((path.display().to_string(), fs::read_to_string(&path).unwrap()));
        }
    }
}

/// Literals of the code that look like message ids and are not: names of mail
/// templates.
const NOT_MESSAGES: &[&str] = &["verify-email"];

/// The message ids `source` names: in a template, the argument of each `t("…")`; in
/// code, every string literal that looks like one of our ids — lowercase words joined
/// by `-` whose first word begins a shipped message (`refused-…`, `admin-…`), so that
/// header names are left alone. Ids put together (`"admin-status-" ~ status`) end in
/// `-` and are not checked here.
fn named<'a>(file: &str, source: &'a str, families: &BTreeSet<&str>) -> Vec<&'a str> {
    let literals: Vec<&str> = if file.ends_with(".html") {
        source.split("t(").skip(1).filter_map(|call| call.strip_prefix('"')?.split('"').next()).collect()
    } else {
        source.split('"').skip(1).step_by(2).collect()
    };
    literals
        .into_iter()
        .filter(|text| {
            text.contains('-')
                && !text.ends_with('-')
                && !NOT_MESSAGES.contains(text)
                && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && text.split('-').next().is_some_and(|family| families.contains(family))
        })
        .collect()
}

#[test]
fn every_message_the_code_names_is_shipped_in_every_language() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for name in ["usher-domain", "usher-app", "usher-http", "usher-web", "usher-jobs", "usher-gate", "usher-api"] {
        sources(&crates.join(name).join("src"), &mut files);
        sources(&crates.join(name).join("templates"), &mut files);
    }
    assert!(files.len() > 50, "the sources are read: {}", files.len());
    let english = message_ids(Locale::En);
    // Families are the first words of messages that have a dash ("time-just-now" → time).
    let families: BTreeSet<&str> =
        english.iter().filter(|id| id.contains('-')).filter_map(|id| id.split('-').next()).collect();
    let mut checked = 0;
    let mut missing = Vec::new();
    for locale in Locale::ALL {
        let shipped = message_ids(locale);
        for (file, source) in &files {
            // A file's unit tests hold data (slugs, names), not messages.
            let code = source.split("#[cfg(test)]").next().unwrap_or_default();
            for id in named(file, code, &families) {
                checked += 1;
                if !shipped.iter().any(|s| s == id) {
                    missing.push(format!("{file} names {id}, not a message in {}", locale.tag()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
    assert!(checked > 300, "the ids are found: {checked}");
}
