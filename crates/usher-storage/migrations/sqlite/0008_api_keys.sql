-- API keys for application back-ends (SPEC §10.3). Only the SHA-256 of a key is kept;
-- a key acts for the admin who made it, while they are an enabled admin, within its
-- scopes and, when it names one, its group. Deleting the admin, or the group, deletes
-- the key.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,                     -- space-separated, sorted
    group_id     TEXT REFERENCES groups (id) ON DELETE CASCADE,
    created_by   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER                                 -- kept at most once a minute
);
