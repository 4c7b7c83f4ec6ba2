//! Who is calling: session tokens (bearer or cookie), API keys (bearer) and the
//! scope each route asks of one, admin checks.

pub mod scopes;
pub mod session;

pub use session::{Admin, Authed, SESSION_COOKIE};
