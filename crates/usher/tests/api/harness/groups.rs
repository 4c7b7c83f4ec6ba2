//! Test helpers for groups: create one, invite into it, accept, change roles, read the
//! members — each through the API, as a member or manager.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::TestApp;

impl TestApp {
    /// Creates a group as `token`'s user; panics unless 201. Answers its id.
    pub async fn create_group(&self, token: &str, name: &str) -> String {
        let (status, group) = self.post("/groups", Some(token), json!({"name": name})).await;
        assert_eq!(status, StatusCode::CREATED, "{group}");
        group["id"].as_str().unwrap().to_owned()
    }

    /// Creates a group invitation; panics unless 201.
    pub async fn group_invite(&self, token: &str, group_id: &str, body: Value) -> Value {
        let (status, invite) = self.post(&format!("/groups/{group_id}/invites"), Some(token), body).await;
        assert_eq!(status, StatusCode::CREATED, "{invite}");
        invite
    }

    /// A group's invite as its managers see it; panics unless 200.
    pub async fn group_invite_state(&self, token: &str, group_id: &str, invite_id: &str) -> Value {
        let (status, invite) = self.get(&format!("/groups/{group_id}/invites/{invite_id}"), Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{invite}");
        invite
    }

    /// `token`'s user joins through a code `manager` creates for `role`; panics unless 201.
    pub async fn join_as(&self, manager: &str, group_id: &str, token: &str, role: &str) {
        let code = self.group_invite(manager, group_id, json!({"role": role})).await;
        let (status, body) = self.accept(token, code["code"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    pub async fn accept(&self, token: &str, code_or_token: &str) -> (StatusCode, Value) {
        self.post(&format!("/invites/{code_or_token}/accept"), Some(token), json!({})).await
    }

    /// Changes a member's role as `token`'s user.
    pub async fn set_role(&self, token: &str, group_id: &str, user_id: &str, role: &str) -> (StatusCode, Value) {
        let path = format!("/groups/{group_id}/members/{user_id}");
        self.request(Method::PATCH, &path, Some(token), Some(&json!({"role": role}))).await
    }

    /// `user_id → role` of a group's members, as one of them sees it.
    pub async fn member_roles(&self, token: &str, group_id: &str) -> std::collections::BTreeMap<String, String> {
        let (status, members) = self.get(&format!("/groups/{group_id}/members"), Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{members}");
        members["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["user"]["id"].as_str().unwrap().to_owned(), m["role"].as_str().unwrap().to_owned()))
            .collect()
    }
}
