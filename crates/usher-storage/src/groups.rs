//! Groups and memberships.

use chrono::{DateTime, Utc};
use usher_domain::role::Role;
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    model::{Group, GroupPatch, GroupRef, Member, NewGroup, Page},
    rows::{GROUP_COLUMNS, GroupRow, MemberRow, decode, decode_all, parse_id, to_ms},
    sql::{self, Conn, Record, next_field},
};

const MEMBER_SELECT: &str = "SELECT u.id AS user_id, u.username, u.display_name, m.role, m.joined_at, m.invite_id \
     FROM memberships m JOIN users u ON u.id = m.user_id";

impl Store {
    /// Creates a group with its creator as the first member, in `top_role`.
    pub async fn create_group(
        &self,
        new: NewGroup,
        creator: Uuid,
        top_role: &Role,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<Group, StoreError> {
        let id = Uuid::now_v7();
        let (top_role, audit) = (top_role.to_owned(), audit.clone());
        self.write(move |tx| {
            Box::pin(async move {
                let sql = "INSERT INTO groups (id, name, slug, description, external_id, metadata, created_at, \
                           app_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
                let args = [
                    id.into(),
                    (&new.name).into(),
                    (&new.slug).into(),
                    new.description.as_deref().into(),
                    new.external_id.as_deref().into(),
                    new.metadata.to_string().into(),
                    to_ms(now).into(),
                    new.app_id.into(),
                ];
                tx.execute(sql, &args).await?;
                insert_membership(tx, id, creator, &top_role, None, now).await?;
                let details = serde_json::json!({"name": new.name, "slug": new.slug});
                let event = Event::new("group.created", "group", id).in_group(Some(id)).details(details);
                audit::record(tx, &audit, event, now).await
            })
        })
        .await?;
        self.group(id).await?.ok_or(StoreError::NotFound)
    }

    /// The group with this slug.
    pub async fn group_by_slug(&self, slug: &str) -> Result<Option<Group>, StoreError> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups g WHERE g.slug = $1");
        let row: Option<GroupRow> = self.read()?.fetch_optional(&sql, &[slug.into()]).await?;
        decode(row)
    }

    pub async fn group(&self, id: Uuid) -> Result<Option<Group>, StoreError> {
        let sql = format!("SELECT {GROUP_COLUMNS} FROM groups g WHERE g.id = $1");
        let row: Option<GroupRow> = self.read()?.fetch_optional(&sql, &[id.into()]).await?;
        decode(row)
    }

    /// Every group (or only `only`), newest first; with `external_id`, only the group
    /// the application knows by that id.
    pub async fn groups(
        &self,
        only: Option<Uuid>,
        external_id: Option<&str>,
        page: Page,
    ) -> Result<Vec<Group>, StoreError> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM groups g WHERE ($1 IS NULL OR g.id = $1) \
             AND ($2 IS NULL OR g.external_id = $2) AND ($3 IS NULL OR g.id < $3) ORDER BY g.id DESC LIMIT $4"
        );
        let (after, limit) = page_bounds(Some(page));
        let args = [only.into(), external_id.into(), after.into(), limit.into()];
        let rows: Vec<GroupRow> = self.read()?.fetch_all(&sql, &args).await?;
        rows.into_iter().map(Group::try_from).collect()
    }

    /// The groups a user belongs to, with their role in each, newest first; with
    /// `external_id`, only the group the application knows by that id. `None`: all.
    pub async fn groups_of(
        &self,
        user_id: Uuid,
        external_id: Option<&str>,
        page: Option<Page>,
    ) -> Result<Vec<(Group, Role)>, StoreError> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS}, m.role FROM groups g JOIN memberships m ON m.group_id = g.id \
             WHERE m.user_id = $1 AND ($2 IS NULL OR g.external_id = $2) AND ($3 IS NULL OR g.id < $3) \
             ORDER BY g.id DESC LIMIT $4"
        );
        let (after, limit) = page_bounds(page);
        let args = [user_id.into(), external_id.into(), after.into(), limit.into()];
        let rows: Vec<GroupRowWithRole> = self.read()?.fetch_all(&sql, &args).await?;
        rows.into_iter().map(|r| Ok((Group::try_from(r.group)?, Role::from_stored(r.role)))).collect()
    }

    pub async fn update_group(&self, id: Uuid, patch: GroupPatch, audit: &AuditContext) -> Result<Group, StoreError> {
        let audit = audit.clone();
        self.write(move |tx| Box::pin(async move { update_group_in(tx, id, &patch, &audit).await })).await?;
        self.group(id).await?.ok_or(StoreError::NotFound)
    }

    /// Deletes a group with its memberships and invitations.
    pub async fn delete_group(&self, id: Uuid, audit: &AuditContext) -> Result<(), StoreError> {
        let audit = audit.clone();
        self.write(move |tx| {
            Box::pin(async move { delete_group_in(tx, id, &audit, serde_json::json!({}), Utc::now()).await })
        })
        .await
    }

    /// A user's role in a group, if they are a member.
    pub async fn role_in(&self, group_id: Uuid, user_id: Uuid) -> Result<Option<Role>, StoreError> {
        let sql = "SELECT role FROM memberships WHERE group_id = $1 AND user_id = $2";
        let role: Option<(String,)> = self.read()?.fetch_optional(sql, &[group_id.into(), user_id.into()]).await?;
        Ok(role.map(|(role,)| Role::from_stored(role)))
    }

    /// A group's members, by user id (oldest accounts first). `None`: all.
    pub async fn members(&self, group_id: Uuid, page: Option<Page>) -> Result<Vec<Member>, StoreError> {
        let sql = format!("{MEMBER_SELECT} WHERE m.group_id = $1 AND ($2 IS NULL OR u.id > $2) ORDER BY u.id LIMIT $3");
        let (after, limit) = page_bounds(page);
        let rows: Vec<MemberRow> = self.read()?.fetch_all(&sql, &[group_id.into(), after.into(), limit.into()]).await?;
        decode_all(rows)
    }

    /// Changes a member's role (`Some`) or removes them (`None`), refusing with
    /// [`StoreError::LastTopMember`] if no member of `top_role` would be left.
    pub async fn change_membership(
        &self,
        group_id: Uuid,
        user_id: Uuid,
        role: Option<&Role>,
        top_role: &Role,
        audit: &AuditContext,
    ) -> Result<(), StoreError> {
        let (role, top_role, audit) = (role.cloned(), top_role.clone(), audit.clone());
        self.write(move |tx| {
            Box::pin(async move {
                let role = role.as_ref();
                lock_group(tx, group_id).await?;
                let changed = match role {
                    Some(role) => {
                        let sql = "UPDATE memberships SET role = $3 WHERE group_id = $1 AND user_id = $2";
                        tx.execute(sql, &[group_id.into(), user_id.into(), role.as_str().into()]).await?
                    }
                    None => {
                        let sql = "DELETE FROM memberships WHERE group_id = $1 AND user_id = $2";
                        tx.execute(sql, &[group_id.into(), user_id.into()]).await?
                    }
                };
                if changed == 0 {
                    return Err(StoreError::NotFound);
                }
                let sql = "SELECT COUNT(*) FROM memberships WHERE group_id = $1 AND role = $2";
                if sql::count(tx, sql, &[group_id.into(), top_role.as_str().into()]).await? == 0 {
                    return Err(StoreError::LastTopMember);
                }
                let event = match role {
                    Some(role) => {
                        Event::new("member.role_changed", "member", user_id).details(serde_json::json!({"role": role}))
                    }
                    None => Event::new("member.removed", "member", user_id),
                };
                audit::record(tx, &audit, event.in_group(Some(group_id)), Utc::now()).await
            })
        })
        .await
    }
}

/// The transaction of [`Store::update_group`].
async fn update_group_in(
    tx: &mut impl Conn,
    id: Uuid,
    patch: &GroupPatch,
    audit: &AuditContext,
) -> Result<(), StoreError> {
    let sql = "UPDATE groups SET name = COALESCE($2, name), slug = COALESCE($3, slug), \
               description = COALESCE($4, description), external_id = COALESCE($5, external_id), \
               metadata = COALESCE($6, metadata), app_id = CASE WHEN $7 THEN $8 ELSE app_id END WHERE id = $1";
    let args = [
        id.into(),
        patch.name.as_deref().into(),
        patch.slug.as_deref().into(),
        patch.description.as_deref().into(),
        patch.external_id.as_deref().into(),
        patch.metadata.as_ref().map(ToString::to_string).into(),
        patch.app_id.is_some().into(),
        patch.app_id.flatten().into(),
    ];
    if tx.execute(sql, &args).await? == 0 {
        return Err(StoreError::NotFound);
    }
    let changed: Vec<&str> = [
        ("name", patch.name.is_some()),
        ("slug", patch.slug.is_some()),
        ("description", patch.description.is_some()),
        ("external_id", patch.external_id.is_some()),
        ("metadata", patch.metadata.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, set)| set.then_some(field))
    .collect();
    let event =
        Event::new("group.updated", "group", id).in_group(Some(id)).details(serde_json::json!({"changed": changed}));
    audit::record(tx, audit, event, Utc::now()).await
}

/// Keyset bounds of an optional page: the cursor, and a limit (everything when `None`).
pub(crate) fn page_bounds(page: Option<Page>) -> (Option<String>, i64) {
    match page {
        Some(page) => (page.after.map(|id| id.to_string()), i64::from(page.limit)),
        None => (None, i64::MAX),
    }
}

#[derive(sqlx::FromRow)]
struct GroupRowWithRole {
    #[sqlx(flatten)]
    group: GroupRow,
    role: String,
}

impl Record for GroupRowWithRole {
    fn from_rusqlite_at(row: &rusqlite::Row<'_>, column: &mut usize) -> rusqlite::Result<Self> {
        Ok(Self { group: GroupRow::from_rusqlite_at(row, column)?, role: next_field(row, column, "role")? })
    }
}

/// Serialises writers to one group for the rest of the transaction (PostgreSQL: the
/// row lock; SQLite: the transaction already holds the database's write lock), so
/// checks such as "one top-role member left" or "no active invitation for this email"
/// cannot be raced. `NotFound` if the group is gone.
pub(crate) async fn lock_group(tx: &mut impl Conn, group_id: Uuid) -> Result<(), StoreError> {
    let locked = tx.execute("UPDATE groups SET id = id WHERE id = $1", &[group_id.into()]).await?;
    if locked == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Deletes a group (its memberships and invites go by cascade) and records it.
async fn delete_group_in(
    tx: &mut impl Conn,
    id: Uuid,
    audit: &AuditContext,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute("DELETE FROM groups WHERE id = $1", &[id.into()]).await?;
    audit::record(tx, audit, Event::new("group.deleted", "group", id).in_group(Some(id)).details(details), now).await
}

/// What a user's leaving the instance (`deleting`) or being disabled does to their
/// groups, inside that transaction: refuses with [`StoreError::LastTopMemberOf`] while
/// they are the only enabled `top_role` member of a group others belong to; when
/// deleting, deletes the groups they alone belong to. Locks each of their groups first,
/// in id order (so two of these cannot deadlock), so that a concurrent removal, disabling
/// or demotion of a group's other top-role member waits and then sees this one.
pub(crate) async fn release_groups_of(
    tx: &mut impl Conn,
    user_id: Uuid,
    top_role: &Role,
    deleting: bool,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "SELECT group_id FROM memberships WHERE user_id = $1 ORDER BY group_id";
    let groups: Vec<(String,)> = tx.fetch_all(sql, &[user_id.into()]).await?;
    for (group_id,) in &groups {
        match lock_group(tx, parse_id(group_id)?).await {
            // A group deleted meanwhile needs no lock.
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(err) => return Err(err),
        }
    }
    let others = "FROM memberships o WHERE o.group_id = m.group_id AND o.user_id <> $1";
    let sql = format!(
        "SELECT g.id, g.name, g.slug FROM memberships m JOIN groups g ON g.id = m.group_id          WHERE m.user_id = $1 AND m.role = $2 AND EXISTS (SELECT 1 {others})          AND NOT EXISTS (SELECT 1 {others} AND o.role = $2              AND EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id AND u.disabled_at IS NULL))          ORDER BY g.name, g.id"
    );
    let stranded: Vec<(String, String, String)> =
        tx.fetch_all(&sql, &[user_id.into(), top_role.as_str().into()]).await?;
    if !stranded.is_empty() {
        let groups = stranded.into_iter().map(|(id, name, slug)| Ok(GroupRef { id: parse_id(&id)?, name, slug }));
        return Err(StoreError::LastTopMemberOf(groups.collect::<Result<_, StoreError>>()?));
    }
    if deleting {
        let sql =
            format!("SELECT m.group_id FROM memberships m WHERE m.user_id = $1 AND NOT EXISTS (SELECT 1 {others})");
        let alone: Vec<(String,)> = tx.fetch_all(&sql, &[user_id.into()]).await?;
        for (group_id,) in alone {
            let details = serde_json::json!({"with_user": user_id});
            delete_group_in(tx, parse_id(&group_id)?, audit, details, now).await?;
        }
    }
    Ok(())
}

pub(crate) async fn insert_membership(
    tx: &mut impl Conn,
    group_id: Uuid,
    user_id: Uuid,
    role: &Role,
    invite_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO memberships (group_id, user_id, role, joined_at, invite_id) VALUES ($1, $2, $3, $4, $5)";
    tx.execute(sql, &[group_id.into(), user_id.into(), role.as_str().into(), to_ms(now).into(), invite_id.into()])
        .await?;
    Ok(())
}
