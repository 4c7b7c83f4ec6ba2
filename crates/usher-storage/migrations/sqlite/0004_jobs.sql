-- Background work: outbox leases, scheduled job runs, and redemptions that outlive the
-- invites the cleanup job purges.
ALTER TABLE outbox ADD COLUMN locked_until INTEGER;  -- lease of the worker sending it
CREATE INDEX outbox_sending ON outbox (status, locked_until);

-- One row per scheduled job; an instance runs a job by moving next_run_at forward in
-- one conditional UPDATE, so a run happens once however many instances poll.
CREATE TABLE job_runs (
    name             TEXT PRIMARY KEY,
    next_run_at      INTEGER NOT NULL,
    last_started_at  INTEGER,
    last_finished_at INTEGER,
    last_result      TEXT
);

-- Redemptions stay when their invite is purged (SQLite cannot alter a foreign key,
-- so the table is rebuilt).
CREATE TABLE redemptions_new (
    id         TEXT PRIMARY KEY,
    invite_id  TEXT REFERENCES invites (id) ON DELETE SET NULL,
    user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO redemptions_new (id, invite_id, user_id, created_at)
    SELECT id, invite_id, user_id, created_at FROM redemptions;
DROP TABLE redemptions;
ALTER TABLE redemptions_new RENAME TO redemptions;
CREATE INDEX redemptions_invite_id ON redemptions (invite_id);
