-- 0007: TOTP codes are single-use (RFC 6238 §5.2): the last accepted time
-- step per user; a code of that step or earlier is refused.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
