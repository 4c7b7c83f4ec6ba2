//! Where the sign-in page goes afterwards: `next`, only if it is a path on this site.
//!
//! Browsers drop tabs and newlines from a URL and read `\` as `/`, so a `Location` of
//! `/\t/evil.example` lands on `//evil.example`: another host. So `next` must be text
//! that the WHATWG URL parser (the `url` crate: what browsers implement) resolves
//! against this site to the same origin and serialises back to exactly that text —
//! nothing stripped, decoded or normalised on the way — and it may hold no control
//! character, whitespace or backslash at all, nor start with `//`.

use std::sync::LazyLock;

use url::{Position, Url};

/// Stands in for this site: only "is it still the same origin" is asked of it.
static SITE: LazyLock<Url> = LazyLock::new(|| Url::parse("http://usher.invalid/").expect("a valid URL"));

/// `next` if it is a path on this site, else `/`. Every page that takes `next` asks this.
pub fn local_path(next: Option<&str>) -> String {
    next.filter(|next| is_local_path(next)).unwrap_or("/").to_owned()
}

/// `/login?next=…` that comes back to `back` (or to `/` if `back` is not a local path).
pub fn sign_in_then(back: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(local_path(Some(back)).as_bytes()).collect();
    format!("/login?next={next}")
}

fn is_local_path(next: &str) -> bool {
    let plain = !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let rooted = next.starts_with('/') && !next.starts_with("//");
    plain
        && rooted
        && SITE.join(next).is_ok_and(|url| url.origin() == SITE.origin() && url[Position::BeforePath..] == *next)
}

#[cfg(test)]
mod tests {
    use super::{local_path, sign_in_then};

    #[test]
    fn only_paths_on_this_site_are_kept() {
        let bypasses = [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/ /evil.example",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\\/evil.example",
            "/.//evil.example",
            "/..//evil.example",
            "/./x",
            "http://evil.example/",
            "https:evil.example",
            "http:/evil.example",
            "HTTP://evil.example",
            "javascript:alert(1)",
            "/\u{FF0F}evil.example",
            "/\u{2215}evil.example",
            "/\u{2044}evil.example",
            "/\u{a0}/evil.example",
            "/\u{2028}/evil.example",
            "/\u{200b}/evil.example",
            "/\u{7f}/evil.example",
            "evil.example",
            "",
        ];
        for next in bypasses {
            assert_eq!(local_path(Some(next)), "/", "{next:?}");
        }
        assert_eq!(local_path(None), "/");
        for next in ["/", "/join/ABC-DEF-GHJ", "/admin?cursor=abc&x=1", "/groups/1#members", "/%2F%2Fevil.example"] {
            // (Encoded slashes are one path segment of this site, not a host.)
            assert_eq!(local_path(Some(next)), next);
        }
    }

    #[test]
    fn the_way_to_sign_in_carries_only_a_local_path() {
        assert_eq!(sign_in_then("/admin/users?cursor=a&b=1"), "/login?next=%2Fadmin%2Fusers%3Fcursor%3Da%26b%3D1");
        assert_eq!(sign_in_then("//evil.example"), "/login?next=%2F");
    }
}
