-- 0030: people's mediation (clause 7; issue 8) and the person registry's
-- second slice.  The mediation tables themselves are declared entities
-- (src/modules/mediation.c) that the engine creates; this migration adds
-- the code lists they name and what the person registry needs outside the
-- engine: household registration, other document types, merges.
INSERT INTO code_lists (key, name, description, editable)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('mediation_party_role',   '当事人地位',   '人民调解案件中当事人的地位', 0),
    ('mediation_level',        '化解层级',     '纠纷在哪一级化解 (小事不出村, 大事不出街道乡镇)', 0),
    ('agreement_form',         '协议形式',     '调解协议的形式 (人民调解法第二十八条)', 0),
    ('mediation_referral',     '调解不成去向', '调解不成时引导当事人的途径', 1),
    ('mediator_employment',    '调解员类型',   '专职或兼职', 0),
    ('mediator_status',        '调解员状态',   NULL, 1),
    ('mediation_org_status',   '调解组织状态', NULL, 1)) AS v;

INSERT INTO code_items (list_key, code, label, sort)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('mediation_party_role', 'applicant',   '申请人',   10),
    ('mediation_party_role', 'respondent',  '被申请人', 20),
    ('mediation_party_role', 'third_party', '第三人',   30),

    ('mediation_level', 'village',  '村(居)',     10),
    ('mediation_level', 'township', '街道(乡镇)', 20),
    ('mediation_level', 'district', '区',         30),

    ('agreement_form', 'written', '书面协议', 10),
    ('agreement_form', 'oral',    '口头协议', 20),

    ('mediation_referral', 'litigation',     '诉讼',     10),
    ('mediation_referral', 'arbitration',    '仲裁',     20),
    ('mediation_referral', 'administrative', '行政处理', 30),
    ('mediation_referral', 'other',          '其他',     90),

    ('mediator_employment', 'full_time', '专职', 10),
    ('mediator_employment', 'part_time', '兼职', 20),

    ('mediator_status', 'active',    '在任',   10),
    ('mediator_status', 'suspended', '暂停',   20),
    ('mediator_status', 'left',      '已离任', 30),

    ('mediation_org_status', 'active',   '正常',   10),
    ('mediation_org_status', 'revoked',  '已撤销', 20)) AS v;

-- The person registry: household registration (户籍地, personal
-- information, encrypted like the address), the document type as a code of
-- the id_type list (the old free text held only 居民身份证), and the merge
-- pointer: a merged duplicate keeps its row (history), points at the
-- person it was merged into and is no longer offered or linkable.
ALTER TABLE persons ADD COLUMN household_enc TEXT;
ALTER TABLE persons ADD COLUMN merged_into BIGINT REFERENCES persons(id);
ALTER TABLE persons ADD COLUMN merged_at @TS@;
UPDATE persons SET id_type = 'resident_id' WHERE id_type = '居民身份证';

-- 人员合并: requested by one user, approved or rejected by another with the
-- person.merge.approve permission; approval repoints every link.
CREATE TABLE person_merges (
    id           @PK@,
    from_id      BIGINT NOT NULL REFERENCES persons(id),   -- the duplicate
    into_id      BIGINT NOT NULL REFERENCES persons(id),   -- the person kept
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'rejected')),
    requested_by BIGINT NOT NULL,
    requested_at @TS@ NOT NULL DEFAULT @NOW@,
    decided_by   BIGINT,
    decided_at   @TS@,
    decision_note TEXT,
    moved        TEXT                                       -- JSON: links repointed per entity field
);
CREATE INDEX person_merges_from ON person_merges (from_id, status);
CREATE INDEX person_merges_into ON person_merges (into_id);
CREATE INDEX persons_merged_into ON persons (merged_into);
