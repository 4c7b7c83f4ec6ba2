//! Groups: create one (the creator holds its top role), list the caller's, read one
//! with its members, change it (managers), delete it (the top role).

use chrono::Utc;
use rand::rngs::OsRng;
use serde_json::{Value, json};
use usher_domain::Invalid;
use usher_domain::{
    group::{self, GroupName, MAX_METADATA_BYTES, Slug, parse_external_id},
    role::Role,
};
use usher_storage::{
    StoreError,
    model::{Group, GroupPatch, Member, NewGroup},
};
use uuid::Uuid;

use crate::{
    Actor, App,
    error::{AppResult, Error, Forbidden},
    fields::{Fields, optional_text},
    lists::{ListRequest, Listed},
};

/// Longest group description.
const MAX_DESCRIPTION: usize = 1000;

/// A group as a front sends it, for creation (where `name` is required) and change
/// (where absent fields stay).
#[derive(Debug, Clone, Default)]
pub struct GroupInput {
    pub name: Option<String>,
    /// Generated from the name when absent (creation).
    pub slug: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    /// A JSON object of at most 16 KiB.
    pub metadata: Option<Value>,
    /// The app whoever joins is sent on to; `Some(None)`: none.
    pub app_id: Option<Option<Uuid>>,
}

/// A group with the caller's role in it.
#[derive(Debug, Clone)]
pub struct MyGroup {
    pub group: Group,
    pub role: Role,
}

/// A group, the caller's role, and its members.
#[derive(Debug, Clone)]
pub struct GroupWithMembers {
    pub group: Group,
    pub role: Role,
    pub members: Vec<Member>,
}

/// The fields of a [`GroupInput`] that were given, each validated.
struct Checked {
    name: Option<GroupName>,
    slug: Option<Slug>,
    description: Option<String>,
    external_id: Option<String>,
    metadata: Option<Value>,
}

impl GroupInput {
    /// Checks every field given, naming each one refused; `require_name` for creation.
    fn check(self, require_name: bool) -> AppResult<Checked> {
        let mut fields = Fields::default();
        let name = match self.name.as_deref() {
            Some(name) => fields.check("name", GroupName::parse(name)),
            None if require_name => {
                fields.push("name", Invalid::new("invalid-required"));
                None
            }
            None => None,
        };
        let slug = self.slug.as_deref().and_then(|s| fields.check("slug", Slug::parse(s)));
        let description =
            fields.check("description", optional_text(self.description.as_deref(), MAX_DESCRIPTION)).flatten();
        let external_id = self.external_id.as_deref().and_then(|e| fields.check("external_id", parse_external_id(e)));
        let metadata = check_metadata(&mut fields, self.metadata);
        fields.finish()?;
        Ok(Checked { name, slug, description, external_id, metadata })
    }
}

/// `metadata` must be a JSON object of at most 16 KiB.
fn check_metadata(fields: &mut Fields, metadata: Option<Value>) -> Option<Value> {
    match metadata {
        Some(value @ Value::Object(_)) if value.to_string().len() <= MAX_METADATA_BYTES => Some(value),
        Some(_) => {
            fields.push("metadata", Invalid::new("invalid-metadata").with("max", MAX_METADATA_BYTES));
            None
        }
        None => None,
    }
}

impl App {
    /// Creates a group; the caller becomes its top-role member.
    pub async fn create_group(&self, actor: &Actor, input: GroupInput) -> AppResult<MyGroup> {
        let user = actor.user()?;
        actor.instance_wide()?;
        let app_id = self.checked_app_id(input.app_id.flatten()).await?;
        let given = input.check(true)?;
        let Some(name) = given.name else { unreachable!("required above") };
        let top = self.settings.roles.top().clone();
        // A generated slug that is taken is generated again, longer: the caller chose no
        // slug, so a conflict would be nothing they could fix. A chosen one that is taken is.
        let mut lengths = group::SUFFIX_LENGTHS.into_iter();
        let group = loop {
            let slug = match (&given.slug, lengths.next()) {
                (Some(chosen), _) => chosen.clone(),
                (None, Some(len)) => Slug::from_name(&name, &Slug::suffix(&mut OsRng, len)),
                (None, None) => return Err(Error::internal("every generated slug was taken")),
            };
            let new = NewGroup {
                name: name.as_str().to_owned(),
                slug: slug.as_str().to_owned(),
                description: given.description.clone(),
                external_id: given.external_id.clone(),
                metadata: given.metadata.clone().unwrap_or_else(|| json!({})),
                app_id,
            };
            match self.store.create_group(new, user.id, &top, &actor.audit(), Utc::now()).await {
                Err(StoreError::SlugTaken) if given.slug.is_none() => continue,
                created => break created?,
            }
        };
        tracing::debug!(group_id = %group.id, "group created");
        Ok(MyGroup { group, role: top })
    }

    /// The caller's groups with their role in each; `external_id`: only that group.
    /// An API key's are every group it may reach, with the top role.
    pub async fn my_groups(
        &self,
        actor: &Actor,
        external_id: Option<&str>,
        list: ListRequest,
    ) -> AppResult<Listed<MyGroup>> {
        let user = actor.user()?;
        let page = list.page()?;
        let rows = match &actor.key {
            Some(key) => {
                let top = self.settings.roles.top();
                let groups = self.store.groups(key.group_id, external_id, page).await?;
                groups.into_iter().map(|group| (group, top.clone())).collect()
            }
            None => self.store.groups_of(user.id, external_id, Some(page)).await?,
        };
        let rows = rows.into_iter().map(|(group, role)| MyGroup { group, role }).collect();
        Ok(Listed::new(rows, page, |g: &MyGroup| g.group.id))
    }

    /// Every group the caller belongs to, with their role (the home page); nobody
    /// signed in belongs to none.
    pub async fn all_my_groups(&self, actor: &Actor) -> AppResult<Vec<MyGroup>> {
        let Some(user) = &actor.user else { return Ok(Vec::new()) };
        let rows = self.store.groups_of(user.id, None, None).await?;
        Ok(rows.into_iter().map(|(group, role)| MyGroup { group, role }).collect())
    }

    /// One of the caller's groups, with every member.
    pub async fn group(&self, actor: &Actor, group_id: Uuid) -> AppResult<GroupWithMembers> {
        let access = self.access(actor, group_id).await?;
        let members = self.store.members(access.group.id, None).await?;
        Ok(GroupWithMembers { group: access.group, role: access.role, members })
    }

    /// Changes a group (managers).
    pub async fn update_group(&self, actor: &Actor, group_id: Uuid, input: GroupInput) -> AppResult<MyGroup> {
        let access = self.manager_access(actor, group_id).await?;
        let app_id = match input.app_id {
            Some(app_id) => Some(self.checked_app_id(app_id).await?),
            None => None,
        };
        let given = input.check(false)?;
        let patch = GroupPatch {
            name: given.name.map(|n| n.as_str().to_owned()),
            slug: given.slug.map(|s| s.as_str().to_owned()),
            description: given.description,
            external_id: given.external_id,
            metadata: given.metadata,
            app_id,
        };
        let group = self.store.update_group(access.group.id, patch, &access.audit).await?;
        Ok(MyGroup { group, role: access.role })
    }

    /// An app a group may name: one that is registered.
    async fn checked_app_id(&self, app_id: Option<Uuid>) -> AppResult<Option<Uuid>> {
        match app_id {
            Some(id) if self.store.app(id).await?.is_none() => {
                Err(Error::field("app_id", Invalid::new("invalid-no-app")))
            }
            app_id => Ok(app_id),
        }
    }

    /// Deletes a group, its memberships and invites (the top role only).
    pub async fn delete_group(&self, actor: &Actor, group_id: Uuid) -> AppResult<()> {
        let access = self.access(actor, group_id).await?;
        if !access.is_top() {
            return Err(Forbidden::TopRoleOnly.into());
        }
        self.store.delete_group(access.group.id, &access.audit).await?;
        tracing::info!(group_id = %access.group.id, "group deleted");
        Ok(())
    }
}
