-- Accounts people look after themselves (SPEC §9): a verified address, and the links
-- that verify one.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;

-- Whether an invite's current token went out by email to `email_normalized` (an email
-- invitation as sent or resent, a login link mailed to its user): using that token
-- proves the address. A link copied by hand, or a row from before, proves nothing.
ALTER TABLE invites ADD COLUMN token_mailed BOOLEAN NOT NULL DEFAULT FALSE;

-- Only the SHA-256 of a verification token is kept; one live row per user at most
-- (asking again replaces it), purged by the cleanup job once expired.
CREATE TABLE email_verifications (
    token_hash       TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    email_normalized TEXT NOT NULL,  -- the address it was sent to: verifies only that one
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL
);

-- A session opened by a login link that was mailed to the account's address: for a
-- few minutes it may set a new password without the old one ("Forgot password?").
ALTER TABLE sessions ADD COLUMN by_mailed_link BOOLEAN NOT NULL DEFAULT FALSE;

-- An email invitation's language (`en`, `vi`: its mail, resends included) and the
-- inviter's address for `Reply-To`, when they chose replies to come to them.
ALTER TABLE invites ADD COLUMN locale TEXT;
ALTER TABLE invites ADD COLUMN reply_to TEXT;
