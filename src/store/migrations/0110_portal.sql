-- 0110: 公众门户 (issue 24; src/modules/portal.c, docs/portal.md).
-- A resident's submission is an ordinary record of its line (consultation,
-- mediation case, 代收 application, legal aid pre-application, legislative
-- suggestion); this row is what the portal adds: the tracking code, how it
-- came (channel), and what abuse protection needs.  No personal data in
-- clear: the phone encrypted (replies by SMS), its blind index (the
-- per-phone limit), the check of code + last four digits as an HMAC.
CREATE TABLE portal_submissions (
    id          @PK@,
    code        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    entity      TEXT NOT NULL,
    record_id   BIGINT NOT NULL,
    org_id      BIGINT NOT NULL REFERENCES org_units(id),
    channel     TEXT NOT NULL CHECK (channel IN ('web', 'kiosk')),
    phone_check TEXT NOT NULL,
    phone_index TEXT NOT NULL,
    phone_enc   TEXT NOT NULL,
    digest      TEXT NOT NULL,
    challenge   TEXT NOT NULL UNIQUE,
    ip          TEXT,
    created_at  @TS@ NOT NULL
);
CREATE INDEX portal_submissions_record ON portal_submissions (entity, record_id);
CREATE INDEX portal_submissions_phone ON portal_submissions (phone_index, created_at);
CREATE INDEX portal_submissions_digest ON portal_submissions (digest, created_at);

-- The office's replies to a submission; public ones reach the tracking page.
CREATE TABLE portal_replies (
    id            @PK@,
    submission_id BIGINT NOT NULL REFERENCES portal_submissions(id),
    body          TEXT NOT NULL,
    public        INTEGER NOT NULL DEFAULT 1 CHECK (public IN (0, 1)),
    created_at    @TS@ NOT NULL,
    created_by    BIGINT NOT NULL REFERENCES users(id)
);
CREATE INDEX portal_replies_submission ON portal_replies (submission_id, id);

-- Per-address counters of the public listener's costly calls (a submission
-- tried, a tracking look-up): shared by every worker and node.
CREATE TABLE portal_attempts (
    id     @PK@,
    ip     TEXT NOT NULL,
    action TEXT NOT NULL,
    at     @TS@ NOT NULL
);
CREATE INDEX portal_attempts_ip ON portal_attempts (ip, action, at);
