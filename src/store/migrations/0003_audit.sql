-- 0003: the security audit log (issue 3 point 8; GB/T 22239-2019 8.1.4 安全审计).
-- Append-only and hash-chained: src/auth/audit.c computes hash =
-- HMAC-SM3(audit key, prev_hash || '\n' || canonical row) and documents the
-- canonical form.  Rows are never changed; rows older than 180 days may be
-- deleted by `sifasuo audit purge` (GB/T 22239 keeps logs at least 6 months),
-- which appends an 'audit.purge' row recording the new chain start.
CREATE TABLE audit_log (
    id         @PK@,
    at         @TS@ NOT NULL DEFAULT @NOW@,   -- written from C: it is hashed
    user_id    BIGINT,
    username   TEXT,
    org_id     BIGINT,
    ip         TEXT,
    user_agent TEXT,
    action     TEXT NOT NULL,                 -- 'login.success', 'users.update', …
    entity     TEXT,
    entity_id  BIGINT,
    result     TEXT NOT NULL,                 -- 'ok', 'denied', 'error'
    detail     TEXT,                          -- JSON object, personal information masked
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_id, id);
CREATE INDEX audit_log_username ON audit_log (username, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, id);

-- The database itself refuses changes, so neither a bug nor an SQL console
-- can rewrite history quietly; dropping the guard is caught by the chain.
-- @sqlite
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, '审计日志只能追加');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-180 days')
BEGIN
    SELECT RAISE(ABORT, '审计日志只能追加');
END;
-- @end
-- @postgres
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- statement-level TRUNCATE has no OLD row, hence the nested IF
    IF TG_OP = 'DELETE' THEN
        IF OLD.at < now() - interval '180 days' THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '审计日志只能追加' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();
-- The owner can still drop triggers: production connects as a role that
-- does not own the table (docs/audit.md, an operator's step).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
-- @end
