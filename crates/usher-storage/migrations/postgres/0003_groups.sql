-- Groups, memberships, group invitations (codes and email invitations), the tokens
-- a resend replaced, and the outbox that carries invitation emails.
CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    description TEXT,
    external_id TEXT UNIQUE,               -- the application's own id for the thing
    metadata    TEXT NOT NULL DEFAULT '{}', -- a JSON object
    created_at  BIGINT NOT NULL
);

CREATE TABLE memberships (
    group_id  TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    invite_id TEXT REFERENCES invites (id) ON DELETE SET NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_user_id ON memberships (user_id);

ALTER TABLE invites ADD COLUMN group_id TEXT REFERENCES groups (id) ON DELETE CASCADE;
ALTER TABLE invites ADD COLUMN role TEXT;
ALTER TABLE invites ADD COLUMN email TEXT;            -- email invitations: as typed
ALTER TABLE invites ADD COLUMN email_normalized TEXT; -- and as compared
ALTER TABLE invites ADD COLUMN message TEXT;
ALTER TABLE invites ADD COLUMN resend_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invites ADD COLUMN last_sent_at BIGINT;
CREATE INDEX invites_group_id ON invites (group_id, id);

-- A resend or a copied link replaces an invitation's token; the old one answers
-- "superseded" instead of "not found".
CREATE TABLE superseded_tokens (
    token_hash    TEXT PRIMARY KEY,
    invite_id     TEXT NOT NULL REFERENCES invites (id) ON DELETE CASCADE,
    superseded_at BIGINT NOT NULL
);

-- Mail to send, written in the same transaction as the change that causes it.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    template        TEXT NOT NULL,
    data            TEXT NOT NULL,  -- JSON for the template
    invite_id       TEXT REFERENCES invites (id) ON DELETE SET NULL,
    status          TEXT NOT NULL DEFAULT 'queued',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX outbox_status_next ON outbox (status, next_attempt_at);
CREATE INDEX outbox_invite_id ON outbox (invite_id);
