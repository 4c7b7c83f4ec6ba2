//! The device a client names when it opens a session (sign-up, sign-in, login link).

use serde::Deserialize;
use usher_app::fields::Fields;
use usher_domain::device::{DeviceInfo, DeviceType};

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
            .map_err(|(field, invalid)| fields.push(field, invalid))
            .ok()
    }
}
