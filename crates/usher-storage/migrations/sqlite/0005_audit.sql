-- The audit log (SPEC §3): who did what to what, from where. Written in the same
-- transaction as the action it records; never holds a token or a password.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,          -- UUIDv7: time-ordered, the pagination key
    at          BIGINT NOT NULL,           -- Unix ms
    actor_id    TEXT,                      -- the user who acted; NULL: the system or an anonymous caller
    action      TEXT NOT NULL,             -- e.g. invite.created, user.login_failed
    target_kind TEXT NOT NULL,             -- invite, user, group, member, outbox
    target_id   TEXT,
    group_id    TEXT,                      -- the group it concerns, for the group's own audit view
    client_ip   TEXT,
    details     TEXT NOT NULL              -- JSON object
);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX audit_events_target ON audit_events (target_id, id);
CREATE INDEX audit_events_group ON audit_events (group_id, id);
