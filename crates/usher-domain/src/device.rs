//! The device a session is signed in on, as the client describes it.

use serde::{Deserialize, Serialize};

use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceType {
    Web,
    Android,
    Ios,
    Desktop,
    Cli,
    Unknown,
}

impl DeviceType {
    pub const ALL: [Self; 6] = [Self::Web, Self::Android, Self::Ios, Self::Desktop, Self::Cli, Self::Unknown];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Android => "android",
            Self::Ios => "ios",
            Self::Desktop => "desktop",
            Self::Cli => "cli",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(stored: &str) -> Self {
        [Self::Web, Self::Android, Self::Ios, Self::Desktop, Self::Cli]
            .into_iter()
            .find(|t| t.as_str() == stored)
            .unwrap_or(Self::Unknown)
    }
}

/// A validated device description: `uuid` is the client's own stable id for itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub uuid: String,
    pub kind: DeviceType,
    pub name: String,
    pub os_info: Option<String>,
}

/// Longest device name or OS description kept.
pub const MAX_TEXT: usize = 200;

impl DeviceInfo {
    /// `uuid` must be a UUID (any version, any case; stored lowercase, hyphenated).
    pub fn parse(
        uuid: &str,
        kind: DeviceType,
        name: &str,
        os_info: Option<&str>,
    ) -> Result<Self, (&'static str, Invalid)> {
        let uuid = parse_uuid(uuid).ok_or(("device.uuid", Invalid::new("invalid-uuid")))?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_TEXT || name.chars().any(char::is_control) {
            return Err(("device.name", Invalid::new("invalid-printable").with("max", MAX_TEXT)));
        }
        let os_info = match os_info.map(str::trim) {
            Some(os) if os.chars().count() > MAX_TEXT || os.chars().any(char::is_control) => {
                return Err(("device.os_info", Invalid::new("invalid-at-most-printable").with("max", MAX_TEXT)));
            }
            Some("") | None => None,
            Some(os) => Some(os.to_owned()),
        };
        Ok(Self { uuid, kind, name: name.to_owned(), os_info })
    }
}

/// Canonical lowercase hyphenated form of a UUID, or `None`.
fn parse_uuid(input: &str) -> Option<String> {
    let hex: String = input.chars().filter(|c| *c != '-').collect();
    let dashes_ok =
        input.len() == 32 || (input.len() == 36 && [8, 13, 18, 23].iter().all(|&i| input.as_bytes()[i] == b'-'));
    if hex.len() != 32 || !dashes_ok || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_canonicalised() {
        let d =
            DeviceInfo::parse("0192F0A4-1B2C-7D3E-8F40-123456789ABC", DeviceType::Ios, "Alice's phone", None).unwrap();
        assert_eq!(d.uuid, "0192f0a4-1b2c-7d3e-8f40-123456789abc");
        assert!(DeviceInfo::parse("not-a-uuid", DeviceType::Web, "x", None).is_err());
        assert!(DeviceInfo::parse("0192f0a4-1b2c-7d3e-8f40-123456789abc", DeviceType::Web, "  ", None).is_err());
    }

    #[test]
    fn unknown_types_read_back_as_unknown() {
        assert_eq!(DeviceType::parse("ios"), DeviceType::Ios);
        assert_eq!(DeviceType::parse("toaster"), DeviceType::Unknown);
    }
}
