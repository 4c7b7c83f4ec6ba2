//! Who is calling: session tokens (bearer or cookie), passwords, admin checks.

pub mod password;
pub mod session;

pub use session::{Admin, Authed, SESSION_COOKIE};
