-- Background work: outbox leases, scheduled job runs, and redemptions that outlive the
-- invites the cleanup job purges.
ALTER TABLE outbox ADD COLUMN locked_until BIGINT;  -- lease of the worker sending it

-- One row per scheduled job; an instance runs a job by moving next_run_at forward in
-- one conditional UPDATE, so a run happens once however many instances poll.
CREATE TABLE job_runs (
    name             TEXT PRIMARY KEY,
    next_run_at      BIGINT NOT NULL,
    last_started_at  BIGINT,
    last_finished_at BIGINT,
    last_result      TEXT
);

-- Redemptions stay when their invite is purged.
ALTER TABLE redemptions ALTER COLUMN invite_id DROP NOT NULL;
ALTER TABLE redemptions DROP CONSTRAINT redemptions_invite_id_fkey;
ALTER TABLE redemptions ADD CONSTRAINT redemptions_invite_id_fkey
    FOREIGN KEY (invite_id) REFERENCES invites (id) ON DELETE SET NULL;
CREATE INDEX outbox_sending ON outbox (status, locked_until);
