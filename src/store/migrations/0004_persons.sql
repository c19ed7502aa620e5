-- 0004: the person registry (一次录入、多方共享; DESIGN.md "Person registry").
-- Identity numbers, phones and addresses are personal information: stored
-- only as SM4-CTR + HMAC-SM3 ciphertext (util/crypto.h), with an HMAC-SM3
-- blind index for exact lookup and duplicate detection and a masked copy for
-- lists, so no plaintext ever reaches the file, the WAL or a backup.
CREATE TABLE persons (
    id           @PK@,
    org_id       BIGINT NOT NULL REFERENCES org_units(id),  -- the unit that registered the person
    name         TEXT NOT NULL,
    gender       TEXT,                                      -- M / F, from the ID number
    birth_date   TEXT,                                      -- YYYY-MM-DD, from the ID number
    id_type      TEXT NOT NULL DEFAULT '居民身份证',
    id_enc       TEXT,
    id_index     TEXT,
    id_masked    TEXT,
    phone_enc    TEXT,
    phone_masked TEXT,
    address_enc  TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   @TS@ NOT NULL DEFAULT @NOW@,
    created_by   BIGINT,
    updated_at   @TS@ NOT NULL DEFAULT @NOW@,
    updated_by   BIGINT
);
CREATE UNIQUE INDEX persons_id_index ON persons (id_index);
CREATE INDEX persons_org ON persons (org_id, id);
