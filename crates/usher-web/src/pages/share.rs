//! A shareable link as the pages show it: the URL (with a copy button, `static/copy.js`)
//! and its QR code, drawn on the server as SVG by the `qrcode` crate.

use qrcode::{EcLevel, QrCode, render::svg};
use serde::Serialize;
use usher_http::language::answering_in;

/// What a template needs to show a link: `url` and `qr` (SVG markup, emitted unescaped).
#[derive(Debug, Serialize)]
pub struct Shared {
    pub url: String,
    pub qr: Option<String>,
}

impl Shared {
    pub fn new(url: &str) -> Self {
        Self { url: url.to_owned(), qr: qr_svg(url) }
    }
}

/// The QR code of `text` as an inline `<svg>` element, scaled by CSS; `None` if the text
/// is too long for a QR code (URLs here are far shorter).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    // Inline in HTML the XML prolog has no place; the element starts at `<svg`.
    let start = image.find("<svg")?;
    // Its name for screen readers, in the page's language (our own text: no quotes).
    let name = answering_in().text("share-qr-name", &[]).replace('"', "");
    let svg = image[start..].replacen("<svg ", &format!(r#"<svg class="qr" role="img" aria-label="{name}" "#), 1);
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_an_inline_svg() {
        let url = "http://127.0.0.1:8080/register?invite=ABCD-EFGH-JKMN";
        let svg = qr_svg(url).unwrap();
        assert!(svg.starts_with("<svg class=\"qr\" role=\"img\""), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("<path") || svg.contains("<rect"), "draws modules");
        // The same text always draws the same code; another text another.
        assert_eq!(qr_svg(url), Some(svg.clone()));
        assert_ne!(qr_svg("http://127.0.0.1:8080/join/ABCD-EFGH-JKMN"), Some(svg));
        assert!(qr_svg(&"x".repeat(5000)).is_none(), "too long for any QR version");
    }
}
