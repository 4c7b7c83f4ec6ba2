-- The one invite table: every kind of invitation and login link, told apart by `kind`.
-- Status is never stored: it is derived from revoked_at, uses/max_uses and expires_at.
CREATE TABLE invites (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    code        TEXT UNIQUE,               -- shareable kinds, canonical form
    token_hash  TEXT UNIQUE,               -- secret kinds, SHA-256 hex
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,  -- login links: who it signs in
    description TEXT,
    max_uses    BIGINT,                   -- NULL: unlimited
    uses        BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT,                   -- NULL: never
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX invites_kind_id ON invites (kind, id);
CREATE INDEX invites_user_id ON invites (user_id);

-- Who came in through which invite. Kept when the user goes (user_id becomes NULL),
-- and a deleted user's slot is never given back.
CREATE TABLE redemptions (
    id         TEXT PRIMARY KEY,
    invite_id  TEXT NOT NULL REFERENCES invites (id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX redemptions_invite_id ON redemptions (invite_id);
