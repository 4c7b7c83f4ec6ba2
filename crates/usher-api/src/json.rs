//! The API's JSON body: its rejections are problem+json naming the field that is
//! wrong (`device.uuid`), 413 beyond 64 KiB, 415 for another media type.

use std::time::Duration;

use axum::{
    body::Bytes,
    extract::{FromRequest, Request, rejection::BytesRejection},
    http::{StatusCode, header},
};
use serde::{Deserialize, de::DeserializeOwned};
use usher_domain::Invalid;
use usher_http::{
    error::ApiError,
    extract::{MAX_BODY, NUL_REFUSED},
};

/// A JSON body. Wrong content type → 415; over 64 KiB → 413; malformed JSON or a field
/// of the wrong type → 400 `invalid_request` naming the field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json")
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|len| len > MAX_BODY as u64) {
            drain(req).await;
            return Err(ApiError::PayloadTooLarge);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e: BytesRejection| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::field("body", Invalid::new("invalid-body-unreadable"))
            }
        })?;
        parse_json(&bytes).map(Self)
    }
}

/// Most of an oversized body read and dropped before answering 413, and how long to try.
const DRAIN_BYTES: usize = 4 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Reads and drops (a bounded part of) a body that will be refused. Answering first and
/// closing with unread data makes the kernel reset the connection, and the client then
/// often loses the 413 (nginx's "lingering close" does the same for the same reason).
async fn drain(req: Request) {
    let _ = tokio::time::timeout(DRAIN_TIME, axum::body::to_bytes(req.into_body(), DRAIN_BYTES)).await;
}

/// Deserializes JSON, reporting the path of the first bad field (`device.uuid`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is an object; serde would otherwise read an array into a struct by position.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::field("body", Invalid::new("invalid-json-object")));
    }
    if has_nul_escape(bytes) {
        return Err(ApiError::field("body", NUL_REFUSED));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let malformed = inner.is_syntax() || inner.is_eof();
        let parent = if malformed || path == "." || path.is_empty() { None } else { Some(path) };
        // serde reports a missing field at its parent; name the field itself.
        let missing = inner
            .to_string()
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next().map(str::to_owned));
        let field = match (parent, missing) {
            (Some(parent), Some(name)) => format!("{parent}.{name}"),
            (None, Some(name)) => name,
            (Some(parent), None) => parent,
            (None, None) => "body".to_owned(),
        };
        let message = if malformed { format!("malformed JSON: {inner}") } else { inner.to_string() };
        ApiError::field(&field, Invalid::new("invalid-as-read").with("detail", message))
    })
}

/// Whether JSON text carries an escaped NUL (`\u0000`); a raw one is not JSON at all.
fn has_nul_escape(json: &[u8]) -> bool {
    let mut backslashes = 0;
    for (i, &byte) in json.iter().enumerate() {
        if byte == b'\\' {
            backslashes += 1;
            continue;
        }
        // An odd run of backslashes escapes this `u`; an even one is escaped backslashes.
        if byte == b'u' && backslashes % 2 == 1 && json[i + 1..].starts_with(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    false
}

/// Tells an absent field from `null` (`#[serde(default, deserialize_with = …)]`):
/// `None` absent, `Some(None)` null, `Some(Some(v))` a value.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_nul_is_found_and_escaped_backslashes_are_not() {
        assert!(has_nul_escape(br#"{"login": "a\u0000b"}"#));
        assert!(has_nul_escape(br#"{"login": "\\\u0000"}"#), "backslash, then an escaped NUL");
        assert!(!has_nul_escape(br#"{"login": "\\u0000"}"#), "a backslash, then the text u0000");
        assert!(!has_nul_escape(br#"{"login": "u0000 \u0001"}"#));
    }
}
