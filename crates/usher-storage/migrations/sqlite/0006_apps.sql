-- OpenID Connect (SPEC §10.1): the applications Usher signs people in to, the keys
-- that sign ID tokens, and the codes and tokens the flow hands out. Every secret is
-- stored as its SHA-256 hash (client secrets, codes, tokens) or sealed with the
-- instance's secret key (signing keys' private halves).
CREATE TABLE apps (
    id                        TEXT PRIMARY KEY,
    client_id                 TEXT NOT NULL UNIQUE,
    name                      TEXT NOT NULL,
    secret_hash               TEXT,                       -- confidential apps only
    public                    BOOLEAN NOT NULL,
    first_party               BOOLEAN NOT NULL,
    redirect_uris             TEXT NOT NULL,              -- a JSON array of URLs
    post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]', -- a JSON array of URLs
    allowed_groups            TEXT,                       -- a JSON array of group ids, or NULL: everyone
    home_url                  TEXT,
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL
);

-- A group may send whoever joins it on to an app's home page; an invite may name
-- where to send whoever uses it.
ALTER TABLE groups ADD COLUMN app_id TEXT REFERENCES apps (id) ON DELETE SET NULL;
ALTER TABLE invites ADD COLUMN return_to TEXT;

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,  -- PKCS#1 DER, sealed for this kid
    public_n    TEXT NOT NULL,  -- the modulus and exponent, base64url, for the JWKS
    public_e    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER         -- a newer key signs since; published until tokens expire
);

-- Authorization codes: single use, a minute at most. `grant_id` names every token
-- issued from the code, so that a second use can revoke them all.
CREATE TABLE oauth_codes (
    code_hash      TEXT PRIMARY KEY,
    grant_id       TEXT NOT NULL,
    app_id         TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    nonce          TEXT,
    code_challenge TEXT,
    auth_time      INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER,
    revoked_at     INTEGER          -- used twice: every token of the grant revoked
);

-- Access and refresh tokens. A refresh token is replaced on every use; the replaced
-- one stays (`used_at`) so that presenting it again is recognised and revokes its
-- whole grant.
CREATE TABLE oauth_tokens (
    token_hash TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,   -- 'access' | 'refresh'
    grant_id   TEXT NOT NULL,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    auth_time  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX oauth_tokens_grant_id ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_user_id ON oauth_tokens (user_id);
CREATE INDEX oauth_codes_grant_id ON oauth_codes (grant_id);

-- The scopes a person agreed to give an app (asked once per app and scope set).
CREATE TABLE oauth_consents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,   -- space-separated, sorted
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, app_id)
);
