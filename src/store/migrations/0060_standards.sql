-- 0060: the standardisation engine (issue 6; docs/standards.md).
-- The rules themselves are a static table in C (src/modules/standards_rules.c);
-- this migration holds their thresholds (settings of the city bureau), the
-- precomputed results and their roll-ups, and the problem list's dedup key.

-- Thresholds the rules read (clause 15's minimum posts …).  Changed only
-- through PUT /api/v1/standards/settings/<key> (audited; re-evaluates).
CREATE TABLE standard_settings (
    key         TEXT PRIMARY KEY,
    value       BIGINT NOT NULL,
    min_value   BIGINT NOT NULL,
    max_value   BIGINT NOT NULL,
    label       TEXT NOT NULL,
    updated_at  @TS@,
    updated_by  BIGINT
);
INSERT INTO standard_settings (key, value, min_value, max_value, label)
SELECT column1, column2, column3, column4, column5 FROM (VALUES
    ('min_posts',          4,     1,   50,     '条款 15: 每所政法专项编制不少于 (名)'),
    ('min_certified',      1,     1,   50,     '条款 16: 每所具有法律职业资格人员不少于 (名)'),
    ('min_floor_area',     120,   10,  10000,  '条款 18: 业务用房建筑面积不少于 (m²)'),
    ('min_rotations',      1,     0,   100,    '条款 17: 每区每年交流任职、挂职锻炼不少于 (人次)'),
    ('min_contact_points', 1,     0,   100,    '四(一): 每区基层联系点不少于 (个)')) AS v;

-- One row per (unit, rule, date): the result of a rule for an office (office
-- rules), a district (district rules) or the city (city rules).  as_of is a
-- 31 December for past years and the day of computation for the present.
CREATE TABLE standard_result (
    org_id      BIGINT NOT NULL REFERENCES org_units(id),
    org_path    @PATH@ NOT NULL,
    rule_id     TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'not_due')),
    actual      TEXT,              -- the measured value, e.g. '2'
    required    TEXT,              -- the threshold, e.g. '≥ 4'
    evidence    TEXT NOT NULL,     -- JSON {"message": …, "records": [{entity, id, label}]}
    computed_at @TS@ NOT NULL,
    PRIMARY KEY (org_id, as_of, rule_id)
);
CREATE INDEX standard_result_scope ON standard_result (as_of, org_path);

-- Counts of results in each unit's subtree (the unit itself included), per
-- rule and in total (rule_id '*'), kept in step with standard_result in the
-- same transaction: a city or national scorecard reads these, never the rows.
CREATE TABLE standard_rollup (
    org_id      BIGINT NOT NULL REFERENCES org_units(id),
    as_of       TEXT NOT NULL,
    rule_id     TEXT NOT NULL,
    passed      BIGINT NOT NULL DEFAULT 0,
    failed      BIGINT NOT NULL DEFAULT 0,
    not_due     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, as_of, rule_id)
);
-- The dates for which every result is stored (a rebuild writes one row each).
CREATE TABLE standard_runs (
    as_of       TEXT PRIMARY KEY,
    computed_at @TS@ NOT NULL
);
-- Who is computing dates now (one process at a time: the job thread of each
-- server, `check --rebuild`), until when; generation counts invalidations
-- (a threshold change), so a date computed across one is not marked done.
CREATE TABLE standard_lease (
    id          INTEGER PRIMARY KEY,
    holder      TEXT,
    until       TEXT NOT NULL DEFAULT '',
    generation  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO standard_lease (id) VALUES (1);

-- The problem list (问题清单) is an engine entity (src/modules/problems.c);
-- its table is created here with the engine's spine so the dedup key — one
-- problem per (unit, rule), whatever its state — can carry a unique index.
-- The engine adds the declared fields at start.
CREATE TABLE problem (
    id            @PK@,
    org_id        BIGINT NOT NULL REFERENCES org_units(id),
    org_path      @PATH@ NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    @TS@ NOT NULL,
    created_by    BIGINT,
    updated_at    @TS@ NOT NULL,
    updated_by    BIGINT,
    deleted_at    @TS@,
    wf_state      TEXT,
    wf_version    INTEGER,
    state_since   TEXT,
    due_at        TEXT,
    state_due_at  TEXT,
    escalated     INTEGER NOT NULL DEFAULT 0,
    auto_key      TEXT            -- '<rule>:<org id>' for a problem a failing rule opened
);
CREATE UNIQUE INDEX problem_auto_key ON problem (auto_key);

-- The annual report (one per district and year) likewise.
CREATE TABLE annual_report (
    id            @PK@,
    org_id        BIGINT NOT NULL REFERENCES org_units(id),
    org_path      @PATH@ NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    @TS@ NOT NULL,
    created_by    BIGINT,
    updated_at    @TS@ NOT NULL,
    updated_by    BIGINT,
    deleted_at    @TS@,
    wf_state      TEXT,
    wf_version    INTEGER,
    state_since   TEXT,
    due_at        TEXT,
    state_due_at  TEXT,
    escalated     INTEGER NOT NULL DEFAULT 0,
    report_key    TEXT            -- '<district id>:<year>'
);
CREATE UNIQUE INDEX annual_report_key ON annual_report (report_key);

INSERT INTO code_lists (key, name, description, editable)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('standard_rule',  '规范化指标', '司法所规范化建设三年行动方案中可由系统核查的指标', 0),
    ('problem_source', '问题来源',   '问题清单', 0),
    ('experience_kind', '经验类型',  '典型经验', 1)) AS v;

INSERT INTO code_items (list_key, code, label, sort)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('standard_rule', 'c14_filed',            '条款14 司法所设立并报市局备案',       10),
    ('standard_rule', 'c15_posts',            '条款15 政法专项编制不少于规定数',     20),
    ('standard_rule', 'c16_certified',        '条款16 具有法律职业资格人员',         30),
    ('standard_rule', 'c16_share_rising',     '条款16 持证人员占比逐年提高',         40),
    ('standard_rule', 'c16_leaders_certified','条款16 新任所长副所长持证',           50),
    ('standard_rule', 'c17_rotation',         '条款17 交流任职与挂职锻炼',           60),
    ('standard_rule', 'c18_premises',         '条款18 业务用房',                     70),
    ('standard_rule', 'c18_signage',          '条款18 外观标识规范',                 80),
    ('standard_rule', 'c19_equipment',        '条款19 装备配备与更新',               90),
    ('standard_rule', 'c20_funding',          '条款20 五类经费列入预算',             100),
    ('standard_rule', 'c4_meetings',          '条款4 所长列席街镇行政会议',          110),
    ('standard_rule', 'c41_contact_points',   '四(一) 基层联系点制度',               120),
    ('standard_rule', 'c43_annual_report',    '四(三) 年度自查自评报告',             130),

    ('problem_source', 'rule',   '指标核查', 10),
    ('problem_source', 'manual', '人工添加', 20),

    ('experience_kind', 'mechanism', '长效机制', 10),
    ('experience_kind', 'practice',  '经验做法', 20),
    ('experience_kind', 'highlight', '特色亮点', 30)) AS v;
