//! Groups: names, slugs, the application's external ids, and the limits on group
//! invitations.

use rand::Rng;

use crate::Invalid;

/// 1–100 printable characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupName(String);

impl GroupName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let name = input.trim();
        let len = name.chars().count();
        if (1..=100).contains(&len) && !name.chars().any(char::is_control) {
            Ok(Self(name.to_owned()))
        } else {
            Err(Invalid::new("invalid-printable").with("max", 100))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 2–64 characters of `a-z 0-9 -`, not starting or ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let ok = (2..=64).contains(&input.len())
            && input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !input.starts_with('-')
            && !input.ends_with('-');
        if ok { Ok(Self(input.to_owned())) } else { Err(Invalid::new("invalid-slug")) }
    }

    /// A slug made from a name (`"The Smiths' Tree"` → `the-smiths-tree`), with
    /// `suffix` appended to keep it unique (`group-<suffix>` if nothing is usable).
    pub fn from_name(name: &GroupName, suffix: &str) -> Self {
        let mut slug = String::new();
        for c in name.as_str().chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let base: String = slug.trim_end_matches('-').chars().take(48).collect();
        let base = base.trim_end_matches('-');
        if base.is_empty() { Self(format!("group-{suffix}")) } else { Self(format!("{base}-{suffix}")) }
    }

    /// `len` random characters to append to a name's slug: lowercase letters and digits
    /// without look-alikes (no `i`, `l`, `o`, `0`, `1`).
    pub fn suffix(rng: &mut impl Rng, len: usize) -> String {
        const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
        (0..len).map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char).collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Suffix lengths of a generated slug, tried in turn while the slug is taken: four
/// characters keep it short (923,521 per name, so namesakes do collide); twelve
/// (31^12, about 8·10^17) put another collision out of reach.
pub const SUFFIX_LENGTHS: [usize; 4] = [4, 6, 8, 12];

/// The application's own id for what a group stands for: 1–200 printable characters.
pub fn parse_external_id(input: &str) -> Result<String, Invalid> {
    let len = input.chars().count();
    if (1..=200).contains(&len) && !input.chars().any(char::is_control) {
        Ok(input.to_owned())
    } else {
        Err(Invalid::new("invalid-printable").with("max", 200))
    }
}

/// Group codes admit 1–100 people (default 1) and live 1–168 hours (default 24).
pub const CODE_MAX_USES: i64 = 100;
pub const CODE_DEFAULT_HOURS: u32 = 24;
pub const CODE_MAX_HOURS: u32 = 168;
/// Email invitations live 7 days by default, at most 30.
pub const INVITATION_DEFAULT_HOURS: u32 = 168;
pub const INVITATION_MAX_HOURS: u32 = 720;
/// Resends allowed per email invitation.
pub const RESEND_LIMIT: u32 = 3;
/// Longest personal message in an invitation.
pub const MAX_MESSAGE: usize = 1000;
/// Largest `metadata` object, serialized.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(Slug::parse("family-tree").is_ok());
        assert!(Slug::parse("-x").is_err() && Slug::parse("a").is_err() && Slug::parse("A-b").is_err());
        let name = GroupName::parse("The Smiths' Tree!").unwrap();
        assert_eq!(Slug::from_name(&name, "x7k2").as_str(), "the-smiths-tree-x7k2");
        assert_eq!(Slug::from_name(&GroupName::parse("ÉÉ").unwrap(), "ab").as_str(), "group-ab");
        let long = GroupName::parse(&"word ".repeat(20)).unwrap();
        for len in SUFFIX_LENGTHS {
            let suffix = Slug::suffix(&mut rand::thread_rng(), len);
            assert_eq!(suffix.len(), len);
            assert!(Slug::parse(Slug::from_name(&long, &suffix).as_str()).is_ok(), "{len}");
        }
    }
}
