-- 0126: 租约 (engine/lease.c; issue 26 point 2): work that must run once
-- across every `serve` process on the store — the scheduler's pass — is done
-- by the holder of a row here.  A holder renews its row each pass; when a
-- node dies its row runs out (expires_at, Unix seconds of the nodes' clocks)
-- and another node takes it.  passes counts the passes done under the lease.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT,
    acquired_at BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT NOT NULL DEFAULT 0,
    passes      BIGINT NOT NULL DEFAULT 0
);
INSERT INTO leases (name) VALUES ('scheduler');
