-- 0120: webhooks (issue 25 point 3; engine/webhooks.c, docs/api.md "Webhooks").
-- An API token subscribes entities and events to a URL; the deliveries are
-- the change feed's items (engine/changes.c) read as that token, queued in
-- the same transaction that moves the subscription's cursor, so each change
-- is queued once.  secret: the signing key, SM4-encrypted (pi_encrypt).
CREATE TABLE webhooks (
    id           @PK@,
    token_id     BIGINT NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    entities     TEXT NOT NULL,             -- ",mediation-cases,persons,"
    events       TEXT NOT NULL,             -- ",create,update,transition,delete,restore,"
    secret       TEXT NOT NULL,
    max_attempts INTEGER NOT NULL,
    feed_cursor  BIGINT NOT NULL,           -- the last change read (audit_log id)
    created_at   @TS@ NOT NULL,
    deleted_at   @TS@
);
CREATE INDEX webhooks_token ON webhooks (token_id);

-- status: pending (next_at: unix seconds of the next attempt), delivered,
-- dead (max_attempts failed: the dead-letter list, replayable).
CREATE TABLE webhook_deliveries (
    id           @PK@,
    webhook_id   BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    change_id    BIGINT NOT NULL,
    entity       TEXT NOT NULL,
    record_id    BIGINT NOT NULL,
    event        TEXT NOT NULL,
    body         TEXT NOT NULL,             -- the feed's item: personal information masked
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL,
    last_status  INTEGER,
    last_error   TEXT,
    created_at   @TS@ NOT NULL,
    delivered_at @TS@,
    UNIQUE (webhook_id, change_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at);
CREATE INDEX webhook_deliveries_record ON webhook_deliveries (webhook_id, entity, record_id, id);
