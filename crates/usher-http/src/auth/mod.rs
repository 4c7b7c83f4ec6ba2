//! Who is calling: session tokens (bearer or cookie), admin checks.

pub mod session;

pub use session::{Admin, Authed, SESSION_COOKIE};
