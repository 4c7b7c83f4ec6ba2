//! What the OpenAPI document says alike of many pages, said once: the form body's
//! content type, the ids and names in their paths, and the answers they share.
//! Only the document reads these types; the handlers read their paths with `Id` and
//! `ApiPath`.
#![expect(dead_code, reason = "the types describe paths and answers for the OpenAPI document only")]

use utoipa::{IntoParams, IntoResponses};
use uuid::Uuid;

/// The content type of every form post.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// `{group_id}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupPath {
    group_id: Uuid,
}

/// `{group_id}` and `{invite_id}`: one of a group's invites.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InvitePath {
    group_id: Uuid,
    invite_id: Uuid,
}

/// `{group_id}` and `{user_id}`: one of a group's members.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    group_id: Uuid,
    user_id: Uuid,
}

/// `{id}`: a login link or a message in the outbox.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    id: Uuid,
}

/// `{username}`: a user in the console.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    username: String,
}

/// `{code}`: a registration invite in the console.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CodePath {
    /// The invite's code
    code: String,
}

/// The database is down or busy (the page asks to try again shortly).
#[derive(IntoResponses)]
#[response(status = 503, description = "The database is unavailable")]
pub struct Unavailable;

/// A group's invite page or action, for an id that names nothing there.
#[derive(IntoResponses)]
#[response(status = 404, description = "No such group or invite")]
pub struct NoGroupInvite;

/// A group invite action refused to someone who does not manage the group.
#[derive(IntoResponses)]
#[response(status = 403, description = "Not a manager, or no CSRF pair")]
pub struct NotManager;

/// A console page for a username that names nobody.
#[derive(IntoResponses)]
#[response(status = 404, description = "No such user")]
pub struct NoUser;

/// A console page for a code that names no registration invite.
#[derive(IntoResponses)]
#[response(status = 404, description = "No registration invite has that code")]
pub struct NoRegistrationInvite;

/// Too many posts from one address (the page says when to try again).
#[derive(IntoResponses)]
#[response(status = 429, description = "Too many attempts from this address")]
pub struct TooManyAttempts;

/// A form shown again with its refusals.
#[derive(IntoResponses)]
#[response(status = 400, description = "A field is refused: the form again, each refusal beside its field")]
pub struct FieldRefused;

/// The page that asks before revoking something.
#[derive(IntoResponses)]
#[response(status = 200, description = "Are you sure? A button that revokes", content_type = "text/html")]
pub struct ConfirmRevoke(String);

/// A form's address opened directly (a bookmark, a refresh after the redirect was
/// lost): on to the page that holds the form; nothing is done.
#[derive(IntoResponses)]
#[response(status = 303, description = "Only a form posts here: on to its page, nothing done")]
pub struct ToItsPage;

/// A path whose id is not an id.
#[derive(IntoResponses)]
#[response(status = 404, description = "The path names nothing: the not-found page")]
pub struct NoSuchPath;
