-- Wakes the mail worker of every instance (`LISTEN usher_outbox`) when a message is
-- queued: a new one, or one put back in the queue. NOTIFY is delivered at commit, so a
-- worker that wakes finds the row; the workers need not poll for mail.
CREATE FUNCTION usher_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('usher_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_queued AFTER INSERT OR UPDATE OF status ON outbox
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION usher_outbox_notify();
