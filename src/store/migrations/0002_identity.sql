-- 0002: identity, access control (issue 3).  Audit lives in 0003.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at @TS@ NOT NULL DEFAULT @NOW@,
    updated_by BIGINT
);

-- Roles are named permission sets; the built-in ones are seeded by the
-- binary (src/auth/roles.c) so their permissions follow the code.
CREATE TABLE roles (
    id          @PK@,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL UNIQUE,      -- Chinese name, e.g. 司法所工作人员
    builtin     INTEGER NOT NULL DEFAULT 0,
    admin_kind  TEXT,                      -- sys / sec / audit for the three administrators (三员)
    require_totp INTEGER NOT NULL DEFAULT 0,
    description TEXT
);
CREATE TABLE role_permissions (
    role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    perm    TEXT NOT NULL,
    PRIMARY KEY (role_id, perm)
);

CREATE TABLE users (
    id            @PK@,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    org_id        BIGINT NOT NULL REFERENCES org_units(id),
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled','locked')),
    password_hash TEXT NOT NULL,
    password_changed_at @TS@ NOT NULL DEFAULT @NOW@,
    must_change   INTEGER NOT NULL DEFAULT 0,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    locked_until  @TS@,
    totp_secret   TEXT,                    -- encrypted (SM4-CTR + HMAC-SM3)
    totp_enabled  INTEGER NOT NULL DEFAULT 0,
    created_at    @TS@ NOT NULL DEFAULT @NOW@,
    last_login_at @TS@
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles(id),
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE password_history (
    id            @PK@,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at    @TS@ NOT NULL DEFAULT @NOW@
);
CREATE INDEX password_history_user ON password_history (user_id, id);

CREATE TABLE recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   @TS@,
    PRIMARY KEY (user_id, code_hash)
);

-- Sessions live in the store, so several nodes share them.  Only the
-- SHA-256 of the token is kept.
CREATE TABLE sessions (
    id           @PK@,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   @TS@ NOT NULL DEFAULT @NOW@,
    last_seen_at @TS@ NOT NULL DEFAULT @NOW@,
    expires_at   @TS@ NOT NULL,
    totp_pending INTEGER NOT NULL DEFAULT 0,
    ip           TEXT,
    user_agent   TEXT,
    ended_at     @TS@
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_attempts (
    id  @PK@,
    ip  TEXT NOT NULL,
    at  @TS@ NOT NULL
);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

-- API tokens for other agencies' systems (issue 3 point 7).
CREATE TABLE api_tokens (
    id           @PK@,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    org_id       BIGINT NOT NULL REFERENCES org_units(id),
    permissions  TEXT NOT NULL,            -- space-separated permission strings
    created_by   BIGINT REFERENCES users(id),
    created_at   @TS@ NOT NULL DEFAULT @NOW@,
    expires_at   @TS@ NOT NULL,
    revoked_at   @TS@,
    last_used_at @TS@
);

-- Break-the-glass grants: a stated reason, a time limit (issue 3 point 6).
CREATE TABLE breakglass (
    id         @PK@,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    org_id     BIGINT NOT NULL REFERENCES org_units(id),
    entity     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at @TS@ NOT NULL DEFAULT @NOW@,
    expires_at @TS@ NOT NULL
);
CREATE INDEX breakglass_user ON breakglass (user_id, expires_at);

-- Permissions whose default role grants have been applied once; a module's
-- new permission gets its defaults on the next start, an edited role keeps
-- its edits.
CREATE TABLE seeded_permissions (
    perm TEXT PRIMARY KEY
);
