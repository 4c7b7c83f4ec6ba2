//! Schemas of the views' fields that serialise as one of a closed set of words.

use usher_domain::invite::{InviteKind, InviteStatus};
use utoipa::openapi::{Object, ObjectBuilder, Type};

/// A string schema that takes one of `values`.
pub fn one_of(values: impl IntoIterator<Item = &'static str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
}

pub fn invite_kind() -> Object {
    one_of(InviteKind::ALL.map(InviteKind::as_str))
}

pub fn invite_status() -> Object {
    one_of(InviteStatus::ALL.map(InviteStatus::as_str))
}
