-- 0095: 消息提醒 (engine/notify.c; issue 16 point 4): notices for one user,
-- made by the server — a send-back or a declared transition tells the
-- record's creator, the scheduler a deadline within 3 working days or one
-- passed.  dedup keeps the scheduler's notices to one per record, deadline
-- and kind (NULL for the others: every send-back is told).
CREATE TABLE notifications (
    id         @PK@,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    entity     TEXT,
    record_id  BIGINT,
    title      TEXT NOT NULL,
    label      TEXT NOT NULL,
    body       TEXT,
    dedup      TEXT UNIQUE,
    created_at @TS@ NOT NULL,
    read_at    @TS@
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
