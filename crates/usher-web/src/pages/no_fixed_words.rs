//! The templates hold no words of their own: every word a person reads comes from
//! the translations (`t("…")`), so that a page cannot be half in one language.

use super::TEMPLATES;

/// Words a template may write as they are: a block's name for the page's width, and
/// each language's own name in a language picker (written in that language).
const AS_WRITTEN: &[&str] = &["wide", "English", "Tiếng Việt"];

/// `source` without its template tags, comments and expressions.
fn without_template_syntax(source: &str) -> String {
    let mut out = String::new();
    let mut rest = source;
    while let Some(start) = rest.find(['{']) {
        out.push_str(&rest[..start]);
        let close = match rest[start..].chars().nth(1) {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                out.push('{');
                rest = &rest[start + 1..];
                continue;
            }
        };
        let Some(end) = rest[start..].find(close) else { break };
        out.push(' ');
        rest = &rest[start + end + close.len()..];
    }
    out.push_str(rest);
    out
}

/// The words a person would read in `html` (text between tags, and the attributes
/// shown to people) that the template wrote itself.
fn fixed_words(html: &str) -> Vec<String> {
    let mut shown = Vec::new();
    for (i, part) in html.split('<').enumerate() {
        let (tag, text) = if i == 0 { ("", part) } else { part.split_once('>').unwrap_or((part, "")) };
        shown.push(text.to_owned());
        for attribute in ["placeholder=\"", "aria-label=\"", "title=\"", "alt=\""] {
            if let Some(value) = tag.split(attribute).nth(1) {
                shown.push(value.split('"').next().unwrap_or_default().to_owned());
            }
        }
    }
    let mut text = shown.join(" ");
    for allowed in AS_WRITTEN {
        text = text.replace(allowed, " ");
    }
    text.split_whitespace()
        // A path a button posts to (`{% call ui.button(…) %}/account/verification{% endcall %}`).
        .filter(|word| !word.starts_with('/'))
        .filter(|word| word.chars().filter(char::is_ascii_alphabetic).count() >= 2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_word_on_a_page_comes_from_the_translations() {
    let mut checked = 0;
    for (name, template) in TEMPLATES.templates() {
        let words = fixed_words(&without_template_syntax(template.source()));
        assert!(words.is_empty(), "{name} writes {words:?} itself: make them messages (t(\"…\"))");
        checked += 1;
    }
    assert!(checked > 20, "the templates are read");
}

#[test]
fn a_word_written_in_a_template_is_found() {
    let source = "<h1>{{ t(\"x\") }}</h1><p>Hello {{ name }}</p><input placeholder=\"Your name\">{# note #}";
    assert_eq!(fixed_words(&without_template_syntax(source)), ["Hello", "Your", "name"]);
    assert!(fixed_words(&without_template_syntax("<p>{{ t(\"hello\") }} →</p>")).is_empty());
}
