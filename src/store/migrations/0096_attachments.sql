-- 0096: 附件 (engine/files.c; issue 16 point 5): the files attached to a
-- record of an entity that declares attachments — several per record, the
-- bytes kept once by hash as for file fields; removed softly (deleted_at),
-- so the audit trail's hashes still name what was there.
CREATE TABLE attachments (
    id         @PK@,
    entity     TEXT NOT NULL,
    record_id  BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    name       TEXT,
    size       BIGINT NOT NULL,
    mime       TEXT NOT NULL,
    created_at @TS@ NOT NULL,
    created_by BIGINT,
    deleted_at @TS@,
    deleted_by BIGINT
);
CREATE INDEX attachments_record ON attachments (entity, record_id, id);
