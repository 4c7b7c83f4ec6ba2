//! Where a person goes after signing in: `next`, only if it is a path on this site,
//! or a URL on one of the hosts forward authentication serves (`forward_auth_hosts`).
//!
//! Browsers drop tabs and newlines from a URL and read `\` as `/`, so a `Location` of
//! `/\t/evil.example` lands on `//evil.example`: another host. So `next` must be text
//! that the WHATWG URL parser (the `url` crate: what browsers implement) resolves
//! against this site to the same origin — or, absolute, to an allowed host — and
//! serialises back to exactly that text (nothing stripped, decoded or normalised on
//! the way), and it may hold no control character, whitespace or backslash at all.

use std::sync::LazyLock;

use url::{Position, Url};
use usher_domain::hosts::AllowedHosts;

/// Stands in for this site: only "is it still the same origin" is asked of it.
static SITE: LazyLock<Url> = LazyLock::new(|| Url::parse("http://usher.invalid/").expect("a valid URL"));

/// `next` if it is a path on this site, else `/`. Every page that takes `next` asks this.
pub fn local_path(next: Option<&str>) -> String {
    next.filter(|next| is_local_path(next)).unwrap_or("/").to_owned()
}

/// `next` if it is a path on this site or a URL on one of `hosts`, else `/`: where the
/// sign-in page goes once signed in.
pub fn after_sign_in(next: Option<&str>, hosts: &AllowedHosts) -> String {
    next.filter(|next| is_local_path(next) || allowed_url(next, hosts).is_some()).unwrap_or("/").to_owned()
}

/// `/login?next=…` that comes back to `back` (or to `/` if `back` is not a local path).
pub fn sign_in_then(back: &str) -> String {
    sign_in_url("", &local_path(Some(back)))
}

/// `{base}/login?next=<next, encoded>`.
pub fn sign_in_url(base: &str, next: &str) -> String {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("{base}/login?next={next}")
}

/// An application's URL (as a proxy reports it) that a person may be sent back to:
/// http or https, on one of `hosts`, no user or password in it. Serialised, so that
/// [`after_sign_in`] takes it back as it is.
pub fn return_url(original: &str, hosts: &AllowedHosts) -> Option<String> {
    let url = Url::parse(original).ok()?;
    allowed_url(url.as_str(), hosts).map(|url| url.as_str().to_owned())
}

fn plain(next: &str) -> bool {
    !next.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
}

fn is_local_path(next: &str) -> bool {
    let rooted = next.starts_with('/') && !next.starts_with("//");
    plain(next)
        && rooted
        && SITE.join(next).is_ok_and(|url| url.origin() == SITE.origin() && url[Position::BeforePath..] == *next)
}

fn allowed_url(next: &str, hosts: &AllowedHosts) -> Option<Url> {
    let url = Url::parse(next).ok().filter(|url| plain(next) && url.as_str() == next)?;
    let web = matches!(url.scheme(), "http" | "https") && url.username().is_empty() && url.password().is_none();
    (web && url.host_str().is_some_and(|host| hosts.allows(host))).then_some(url)
}

#[cfg(test)]
mod tests {
    use usher_domain::hosts::AllowedHosts;

    use super::{after_sign_in, local_path, return_url, sign_in_then};

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

    #[test]
    fn urls_on_forward_auth_hosts_are_kept_and_no_others() {
        let hosts = AllowedHosts::parse(["app.example.com", "*.apps.example.com"]).unwrap();
        for next in ["https://app.example.com/", "http://app.example.com:8080/a?b=1#c", "https://x.apps.example.com/p"]
        {
            assert_eq!(after_sign_in(Some(next), &hosts), next);
        }
        let refused = [
            "https://evil.example/",
            "https://app.example.com.evil.example/",
            "https://app.example.com@evil.example/",
            "https://user:pw@app.example.com/",
            "https://app.example.com",
            "HTTPS://app.example.com/",
            "https://APP.example.com/",
            "https://app.example.com/\t",
            "https://app.example.com/ x",
            "https://apps.example.com/",
            "javascript://app.example.com/%0aalert(1)",
            "ftp://app.example.com/",
            "//app.example.com/",
        ];
        for next in refused {
            assert_eq!(after_sign_in(Some(next), &hosts), "/", "{next:?}");
        }
        // Local paths still work beside them; no hosts, no URLs.
        assert_eq!(after_sign_in(Some("/groups"), &hosts), "/groups");
        assert_eq!(after_sign_in(Some("https://app.example.com/"), &AllowedHosts::default()), "/");
        // What a proxy reports is serialised first, so the sign-in page takes it back.
        let back = return_url("https://APP.example.com/a b?c", &hosts).unwrap();
        assert_eq!((back.as_str(), after_sign_in(Some(&back), &hosts).as_str()), (back.as_str(), back.as_str()));
        assert_eq!(return_url("https://evil.example/", &hosts), None);
        assert_eq!(return_url("not a url", &hosts), None);
    }
}
