//! Collecting every field error of a request before answering, so a client learns all
//! that is wrong at once.

use serde::Deserialize;
use usher_domain::{
    Invalid,
    device::{DeviceInfo, DeviceType},
};

use crate::error::{ApiError, FieldError};

#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    /// Keeps the value, or records why `field` was refused.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Invalid>) -> Option<T> {
        result.map_err(|invalid| self.0.push(FieldError::from_invalid(field, invalid))).ok()
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// `Ok` when nothing was refused.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::Invalid(self.0)) }
    }
}

/// A device as clients send it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = Device)]
pub struct DeviceInput {
    #[schema(format = Uuid)]
    pub uuid: String,
    #[serde(rename = "type")]
    #[schema(schema_with = crate::openapi::device_type)]
    pub kind: DeviceType,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub os_info: Option<String>,
}

impl DeviceInput {
    pub fn parse(&self, fields: &mut Fields) -> Option<DeviceInfo> {
        DeviceInfo::parse(&self.uuid, self.kind, &self.name, self.os_info.as_deref())
            .map_err(|(field, invalid)| fields.push(field, invalid.message))
            .ok()
    }
}

/// Optional free text: trimmed, empty means none, at most `max` characters, no control
/// characters but line breaks.
pub fn optional_text(input: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Invalid::new(format!("must be at most {max} characters, without control characters")));
    }
    Ok(Some(text.to_owned()))
}
