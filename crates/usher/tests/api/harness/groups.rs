//! Groups through the typed client: `app.group(token, id)` is one group as one of its
//! members (or a stranger) sees it — its invites, members and roles.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    client::{ApiClient, typed},
    views::{GroupView, InviteView, MemberView, Membership, Page},
};

impl ApiClient {
    /// Creates a group as `token`'s user; panics unless 201. Answers its id.
    pub async fn create_group(&self, token: &str, name: &str) -> String {
        self.new_group(token, json!({"name": name})).await.id
    }

    /// Creates a group from `body` as `token`'s user; panics unless 201.
    pub async fn new_group(&self, token: &str, body: Value) -> GroupView {
        self.expect(StatusCode::CREATED, Method::POST, "/groups", Some(token), Some(body)).await
    }

    /// Group `id` as `token`'s user.
    pub fn group<'a>(&'a self, token: &'a str, id: &'a str) -> GroupAs<'a> {
        GroupAs { client: self, token, id }
    }

    /// Accepts a group code or email invitation as `token`'s user.
    pub async fn accept(&self, token: &str, code_or_token: &str) -> (StatusCode, Value) {
        self.post(&format!("/invites/{code_or_token}/accept"), Some(token), json!({})).await
    }

    /// Accepts as `token`'s user; panics unless 201. Answers the new membership.
    pub async fn join(&self, token: &str, code_or_token: &str) -> Membership {
        let (status, joined) = self.accept(token, code_or_token).await;
        assert_eq!(status, StatusCode::CREATED, "{joined}");
        typed(joined["membership"].clone())
    }
}

/// One group, as one user.
pub struct GroupAs<'a> {
    client: &'a ApiClient,
    token: &'a str,
    id: &'a str,
}

impl GroupAs<'_> {
    /// `/groups/{id}{suffix}`
    pub fn path(&self, suffix: &str) -> String {
        format!("/groups/{}{suffix}", self.id)
    }

    /// A raw request on `/groups/{id}{suffix}`, for refusals.
    pub async fn request(&self, method: Method, suffix: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.client.request(method, &self.path(suffix), Some(self.token), body.as_ref()).await
    }

    /// Creates an invitation (a code, or with `email` an email invitation); panics unless 201.
    pub async fn invite(&self, body: Value) -> InviteView {
        self.client
            .expect(StatusCode::CREATED, Method::POST, &self.path("/invites"), Some(self.token), Some(body))
            .await
    }

    /// One of its invites, as its managers read it.
    pub async fn invite_state(&self, invite_id: &str) -> InviteView {
        self.client.read(&self.path(&format!("/invites/{invite_id}")), Some(self.token)).await
    }

    /// Its invites (`query` such as `?status=all`).
    pub async fn invites(&self, query: &str) -> Page<InviteView> {
        self.client.read(&self.path(&format!("/invites{query}")), Some(self.token)).await
    }

    /// Resends an email invitation; panics unless 200. Answers it with its new token.
    pub async fn resend(&self, invite_id: &str) -> InviteView {
        let path = self.path(&format!("/invites/{invite_id}/resend"));
        self.client.expect(StatusCode::OK, Method::POST, &path, Some(self.token), Some(json!({}))).await
    }

    /// Revokes one of its invites; panics unless 204.
    pub async fn revoke(&self, invite_id: &str) {
        self.client.remove(&self.path(&format!("/invites/{invite_id}")), Some(self.token)).await;
    }

    /// `token`'s user joins through a code this user creates for `role`; panics unless 201.
    pub async fn admit(&self, token: &str, role: &str) {
        let code = self.invite(json!({"role": role})).await;
        self.client.join(token, code.code()).await;
    }

    /// Changes a member's role.
    pub async fn set_role(&self, user_id: &str, role: &str) -> (StatusCode, Value) {
        self.request(Method::PATCH, &format!("/members/{user_id}"), Some(json!({"role": role}))).await
    }

    /// Its members, as this user reads them (one page).
    pub async fn members(&self, query: &str) -> Page<MemberView> {
        self.client.read(&self.path(&format!("/members{query}")), Some(self.token)).await
    }

    /// `user_id → role` of its members.
    pub async fn roles(&self) -> BTreeMap<String, String> {
        self.members("").await.items.into_iter().map(|m| (m.user.id, m.role)).collect()
    }
}
