-- 0081: separation of duties that holds (issue 18 points 1 and 4).
--
-- A grant of business roles to an account, of permissions to an API token
-- or to a business role is the security administrator's; one that adds
-- pi.unmask or an export permission waits here until another security
-- administrator approves it (src/auth/grants.c).  Grants applied at once are
-- kept too, so every grant has one row: what, to whom, by whom, approved by.
-- A password reset of an account that may see personal information in full
-- (kind 'reset') waits the same way: the system administrator asks, a
-- security administrator approves and receives the one-time password.
CREATE TABLE grants (
    id           @PK@,
    target_kind  TEXT NOT NULL CHECK (target_kind IN ('user', 'token', 'role', 'reset')),
    target_id    BIGINT NOT NULL,
    org_id       BIGINT REFERENCES org_units(id),  -- the account's or token's unit; NULL for a role
    granted      TEXT NOT NULL,                    -- the whole new set: role keys or permissions, space-separated
    sensitive    TEXT NOT NULL DEFAULT '',         -- the added permissions that needed a second approver
    status       TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'rejected')),
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at @TS@ NOT NULL DEFAULT @NOW@,
    decided_by   BIGINT REFERENCES users(id),
    decided_at   @TS@
);
CREATE INDEX grants_status ON grants (status, id);

-- A lockout is told to the account's owner at their next successful
-- sign-in and to the security administrators (to-do) until one of them
-- acknowledges it; the sign-in answer itself says nothing (point 4).
CREATE TABLE account_lockouts (
    id              @PK@,
    user_id         BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    locked_at       @TS@ NOT NULL,
    locked_until    @TS@ NOT NULL,
    ip              TEXT,
    owner_told_at   @TS@,
    acknowledged_by BIGINT REFERENCES users(id),
    acknowledged_at @TS@
);
CREATE INDEX account_lockouts_user ON account_lockouts (user_id, owner_told_at);
CREATE INDEX account_lockouts_open ON account_lockouts (acknowledged_at, id);
