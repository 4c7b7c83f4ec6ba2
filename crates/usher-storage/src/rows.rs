//! Row types as both drivers decode them, and their conversion into model types.

use chrono::{DateTime, Utc};
use usher_domain::{
    code::InviteCode,
    invite::{InviteKind, Usage},
    role::Role,
};
use uuid::Uuid;

use crate::{
    StoreError,
    model::{Group, Invite, Member, User, UserSummary},
    sql::{Record, next_field, record},
};

pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A time as stored (Unix milliseconds); one out of chrono's range is a corrupt row.
pub(crate) fn from_ms(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::corrupt("time", ms))
}

/// Ids are written by us as UUID text; anything else is a corrupt row.
pub(crate) fn parse_id(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|_| StoreError::corrupt("id", text))
}

/// An optional id column (see [`parse_id`]).
pub(crate) fn parse_opt_id(text: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    text.map(parse_id).transpose()
}

/// A count as stored (uses, attempts): never negative, never past `u32`.
pub(crate) fn parse_count(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::corrupt("count", n))
}

/// A JSON column (metadata, audit details).
pub(crate) fn parse_json(text: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text).map_err(|err| StoreError::corrupt("JSON", err))
}

/// Rows decoded into model values: the first that does not decode fails them all.
pub(crate) fn decode_all<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(T::try_from).collect()
}

/// A row, if any, decoded into its model value.
pub(crate) fn decode<R, T: TryFrom<R, Error = StoreError>>(row: Option<R>) -> Result<Option<T>, StoreError> {
    row.map(T::try_from).transpose()
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.email, u.display_name, u.password_hash, u.is_admin, u.created_at, u.disabled_at, \
     u.email_verified_at";

record! {
    pub(crate) struct UserRow {
        id: String,
        username: String,
        email: String,
        display_name: String,
        password_hash: Option<String>,
        is_admin: bool,
        created_at: i64,
        disabled_at: Option<i64>,
        email_verified_at: Option<i64>,
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse_id(&row.id)?,
            username: row.username,
            email: row.email,
            display_name: row.display_name,
            password_hash: row.password_hash,
            is_admin: row.is_admin,
            created_at: from_ms(row.created_at)?,
            disabled_at: row.disabled_at.map(from_ms).transpose()?,
            email_verified_at: row.email_verified_at.map(from_ms).transpose()?,
        })
    }
}

/// The columns of an [`InviteRow`], in its order.
macro_rules! invite_columns {
    () => {
        "i.id, i.kind, i.code, i.description, i.max_uses, i.uses, \
         i.expires_at, i.created_at, i.revoked_at, i.group_id, i.role, i.email, i.message, i.resend_count, \
         i.last_sent_at, i.return_to, i.locale, i.reply_to, c.id AS creator_id, c.username AS creator_username, c.display_name AS creator_display_name, \
         t.id AS user_id, t.username AS user_username, t.display_name AS user_display_name"
    };
}

/// The tables an [`InviteRow`] reads: the invite, its creator, a login link's user.
macro_rules! invite_from {
    () => {
        "FROM invites i LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users t ON t.id = i.user_id"
    };
}

/// An invite with its creator and (for login links) its user joined in.
pub(crate) const INVITE_SELECT: &str = concat!("SELECT ", invite_columns!(), " ", invite_from!());

/// An invite by its code (`BY_CODE`) or its token's hash (`BY_TOKEN`) with the group
/// it joins, in one statement: the public look-up is one read, one round trip.
macro_rules! invite_with_group_where {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            invite_columns!(),
            ", g.name AS group_name, g.slug AS group_slug, g.description AS group_description, \
             g.external_id AS group_external_id, g.metadata AS group_metadata, g.created_at AS group_created_at, \
             g.app_id AS group_app_id ",
            invite_from!(),
            " LEFT JOIN groups g ON g.id = i.group_id WHERE ",
            $condition
        )
    };
}
pub(crate) const INVITE_WITH_GROUP_BY_CODE: &str = invite_with_group_where!("i.code = $1");
pub(crate) const INVITE_WITH_GROUP_BY_TOKEN: &str = invite_with_group_where!("i.token_hash = $1");

record! {
    pub(crate) struct InviteRow {
        id: String,
        kind: String,
        code: Option<String>,
        description: Option<String>,
        max_uses: Option<i64>,
        uses: i64,
        expires_at: Option<i64>,
        created_at: i64,
        revoked_at: Option<i64>,
        group_id: Option<String>,
        role: Option<String>,
        email: Option<String>,
        message: Option<String>,
        resend_count: i64,
        last_sent_at: Option<i64>,
        return_to: Option<String>,
        locale: Option<String>,
        reply_to: Option<String>,
        creator_id: Option<String>,
        creator_username: Option<String>,
        creator_display_name: Option<String>,
        user_id: Option<String>,
        user_username: Option<String>,
        user_display_name: Option<String>,
    }
}

/// A user joined in by a `LEFT JOIN`: `None` when there was none to join.
pub(crate) fn summary(
    id: Option<String>,
    username: Option<String>,
    display_name: Option<String>,
) -> Result<Option<UserSummary>, StoreError> {
    let (Some(id), Some(username), Some(display_name)) = (id, username, display_name) else { return Ok(None) };
    Ok(Some(UserSummary { id: parse_id(&id)?, username, display_name }))
}

impl TryFrom<InviteRow> for Invite {
    type Error = StoreError;

    fn try_from(row: InviteRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse_id(&row.id)?,
            kind: InviteKind::parse(&row.kind).ok_or_else(|| StoreError::corrupt("invite kind", &row.kind))?,
            code: row.code.map(InviteCode::from_stored),
            description: row.description,
            usage: Usage {
                revoked_at: row.revoked_at.map(from_ms).transpose()?,
                max_uses: row.max_uses.map(parse_count).transpose()?,
                uses: parse_count(row.uses)?,
                expires_at: row.expires_at.map(from_ms).transpose()?,
            },
            created_by: summary(row.creator_id, row.creator_username, row.creator_display_name)?,
            created_at: from_ms(row.created_at)?,
            user: summary(row.user_id, row.user_username, row.user_display_name)?,
            group_id: parse_opt_id(row.group_id.as_deref())?,
            role: row.role.map(Role::from_stored),
            email: row.email,
            message: row.message,
            resend_count: parse_count(row.resend_count)?,
            last_sent_at: row.last_sent_at.map(from_ms).transpose()?,
            return_to: row.return_to,
            locale: row.locale,
            reply_to: row.reply_to,
        })
    }
}

/// An [`InviteRow`] with its group's columns (see [`INVITE_WITH_GROUP_BY_CODE`]);
/// they are all `NULL` for an invite without a group.
#[derive(sqlx::FromRow)]
pub(crate) struct InviteWithGroupRow {
    #[sqlx(flatten)]
    invite: InviteRow,
    group_name: Option<String>,
    group_slug: Option<String>,
    group_description: Option<String>,
    group_external_id: Option<String>,
    group_metadata: Option<String>,
    group_created_at: Option<i64>,
    group_app_id: Option<String>,
}

impl Record for InviteWithGroupRow {
    fn from_rusqlite_at(row: &rusqlite::Row<'_>, column: &mut usize) -> rusqlite::Result<Self> {
        let invite = InviteRow::from_rusqlite_at(row, column)?;
        Ok(Self {
            invite,
            group_name: next_field(row, column, "group_name")?,
            group_slug: next_field(row, column, "group_slug")?,
            group_description: next_field(row, column, "group_description")?,
            group_external_id: next_field(row, column, "group_external_id")?,
            group_metadata: next_field(row, column, "group_metadata")?,
            group_created_at: next_field(row, column, "group_created_at")?,
            group_app_id: next_field(row, column, "group_app_id")?,
        })
    }
}

impl TryFrom<InviteWithGroupRow> for (Invite, Option<Group>) {
    type Error = StoreError;

    fn try_from(row: InviteWithGroupRow) -> Result<Self, StoreError> {
        let invite = Invite::try_from(row.invite)?;
        let group = match (invite.group_id, row.group_name, row.group_slug, row.group_metadata, row.group_created_at) {
            (Some(id), Some(name), Some(slug), Some(metadata), Some(created_at)) => Some(Group {
                id,
                name,
                slug,
                description: row.group_description,
                external_id: row.group_external_id,
                metadata: parse_json(&metadata)?,
                created_at: from_ms(created_at)?,
                app_id: parse_opt_id(row.group_app_id.as_deref())?,
            }),
            _ => None,
        };
        Ok((invite, group))
    }
}

pub(crate) const GROUP_COLUMNS: &str =
    "g.id, g.name, g.slug, g.description, g.external_id, g.metadata, g.created_at, g.app_id";

record! {
    pub(crate) struct GroupRow {
        id: String,
        name: String,
        slug: String,
        description: Option<String>,
        external_id: Option<String>,
        metadata: String,
        created_at: i64,
        app_id: Option<String>,
    }
}

impl TryFrom<GroupRow> for Group {
    type Error = StoreError;

    fn try_from(row: GroupRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse_id(&row.id)?,
            name: row.name,
            slug: row.slug,
            description: row.description,
            external_id: row.external_id,
            metadata: parse_json(&row.metadata)?,
            created_at: from_ms(row.created_at)?,
            app_id: parse_opt_id(row.app_id.as_deref())?,
        })
    }
}

record! {
    /// A membership with the member's public face joined in.
    pub(crate) struct MemberRow {
        user_id: String,
        username: String,
        display_name: String,
        role: String,
        joined_at: i64,
        invite_id: Option<String>,
    }
}

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;

    fn try_from(row: MemberRow) -> Result<Self, StoreError> {
        Ok(Self {
            user: UserSummary { id: parse_id(&row.user_id)?, username: row.username, display_name: row.display_name },
            role: Role::from_stored(row.role),
            joined_at: from_ms(row.joined_at)?,
            invite_id: parse_opt_id(row.invite_id.as_deref())?,
        })
    }
}
