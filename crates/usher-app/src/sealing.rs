//! A secret handed to the person's own browser for a moment: after a form post mints
//! a link or a client secret, the front redirects (Post/Redirect/Get) and the page it
//! lands on shows the secret once. The secret travels in between sealed with the
//! instance's key (XChaCha20-Poly1305, `usher_domain::sealed`) and bound to a
//! `context` (which page may show it), so what the browser holds is unreadable,
//! cannot be forged, and opens on no other page.

use rand::rngs::OsRng;

use crate::App;

impl App {
    /// `plain` sealed for `context`; `None` when the instance has no key (a store
    /// opened without one, as some tools do).
    pub fn seal_for_browser(&self, context: &str, plain: &str) -> Option<String> {
        Some(self.store.secret_key()?.seal(&mut OsRng, context, plain.as_bytes()))
    }

    /// What [`App::seal_for_browser`] sealed for `context`, or `None` (another key,
    /// another page, altered, or not text).
    pub fn open_from_browser(&self, context: &str, sealed: &str) -> Option<String> {
        let plain = self.store.secret_key()?.open(context, sealed).ok()?;
        String::from_utf8(plain).ok()
    }
}
