-- 0020: organisation and staff registers (issue 5; SF/T 0017-2017 data sets;
-- docs/registers.md).  The register tables themselves are engine entities
-- (src/modules/registers.c, created by engine_migrate); this migration holds
-- what the engine does not derive: stored files, the history of the org tree
-- (renames, mergers) and the code lists the registers name.

-- Stored files (F_FILE fields; src/engine/files.c).  The bytes live under the
-- files folder by content hash (<folder>/<first 2 hex>/<sha256>); one row per
-- (file, uploading unit), so a record may name a file only when a unit in the
-- caller's scope uploaded it.
CREATE TABLE files (
    id          @PK@,
    sha256      TEXT NOT NULL,
    org_id      BIGINT NOT NULL REFERENCES org_units(id),
    org_path    @PATH@ NOT NULL,
    size        BIGINT NOT NULL,
    mime        TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png', 'application/pdf')),
    name        TEXT,                         -- the uploader's file name, for downloads
    created_at  @TS@ NOT NULL DEFAULT @NOW@,
    created_by  BIGINT
);
CREATE UNIQUE INDEX files_hash_org ON files (sha256, org_id);

-- Office changes (clause 14) applied to the tree: a merged or revoked unit
-- keeps its row with valid_to set, and names its successor; a unit renamed,
-- or a village moved to another office by a merger, leaves a row here with
-- the name and parent it had and the dates it had them, so a past year
-- reports on that year's structure: a unit's name and parent as of D are
-- the org_unit_history row with valid_from <= D < valid_to, else
-- org_units.name / parent_id (GET /api/v1/org-units?parent=&as_of=D).
ALTER TABLE org_units ADD COLUMN successor_id BIGINT REFERENCES org_units(id);
CREATE TABLE org_unit_history (
    id          @PK@,
    org_id      BIGINT NOT NULL REFERENCES org_units(id),
    name        TEXT NOT NULL,
    parent_id   BIGINT REFERENCES org_units(id),
    valid_from  TEXT NOT NULL,
    valid_to    TEXT NOT NULL,                -- the day the change took effect
    change_id   BIGINT                        -- office_change.id that made it
);
CREATE INDEX org_unit_history_org ON org_unit_history (org_id, valid_from);
CREATE INDEX org_unit_history_parent ON org_unit_history (parent_id, valid_from);

-- clause 19: the city's standard equipment list per office.  The items are
-- the code list equipment_standard (labels); this table adds what a rule
-- checks: the category, the minimum count and the renewal period.
CREATE TABLE equipment_standard (
    code         TEXT PRIMARY KEY,
    category     TEXT NOT NULL,               -- equipment_category code
    min_count    INTEGER NOT NULL,
    renew_years  INTEGER NOT NULL
);
INSERT INTO equipment_standard (code, category, min_count, renew_years)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('computer',         'office_comm',     4, 6),
    ('printer',          'office_comm',     1, 6),
    ('fax_scanner',      'office_comm',     1, 8),
    ('video_conference', 'office_comm',     1, 8),
    ('body_camera',      'law_enforcement', 2, 5),
    ('mobile_terminal',  'law_enforcement', 2, 5),
    ('id_reader',        'law_enforcement', 1, 6),
    ('duty_car',         'vehicle',         1, 8),
    ('e_bike',           'vehicle',         1, 6)) AS v;

INSERT INTO code_lists (key, name, description, editable)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('office_type',          '司法所类型',       '所在行政区划的类型', 1),
    ('office_rank',          '机构规格',         '司法所机构规格', 1),
    ('filing_status',        '备案状态',         '司法所设立、变更在市局的备案', 1),
    ('office_change_type',   '机构变更类型',     '条款 14: 设立、撤销、合并、调整规格、更名', 0),
    ('signage_status',       '外观标识状态',     '条款 18: 《司法所外观标识规范》', 1),
    ('training_kind',        '培训类型',         '条款 16', 1),
    ('commendation_level',   '表彰级别',         NULL, 1),
    ('rotation_kind',        '交流挂职类型',     '条款 17: 交流任职、市区干部到所锻炼', 1),
    ('funding_source',       '经费来源',         '条款 20', 1),
    ('rule_category',        '制度类别',         '制度建设', 1),
    ('extension_kind',       '向村居延伸方式',   '司法所工作向村(居)延伸', 1),
    ('party_branch_kind',    '党组织形式',       '条款 2', 1),
    ('equipment_standard',   '标准装备项目',     '条款 19: 市局司法所装备配备标准清单 (数量与更新年限见 equipment_standard 表)', 1)) AS v;

INSERT INTO code_items (list_key, code, label, sort)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('office_type', 'subdistrict', '街道',   10),
    ('office_type', 'town',        '镇',     20),
    ('office_type', 'township',    '乡',     30),
    ('office_type', 'dev_zone',    '开发区', 40),

    ('office_rank', 'division',        '正处级', 10),
    ('office_rank', 'deputy_division', '副处级', 20),
    ('office_rank', 'section',         '正科级', 30),
    ('office_rank', 'deputy_section',  '副科级', 40),

    ('filing_status', 'not_filed', '未备案',   10),
    ('filing_status', 'pending',   '备案中',   20),
    ('filing_status', 'filed',     '已备案',   30),

    ('office_change_type', 'establish',   '设立',     10),
    ('office_change_type', 'revoke',      '撤销',     20),
    ('office_change_type', 'merge',       '合并',     30),
    ('office_change_type', 'change_rank', '调整规格', 40),
    ('office_change_type', 'rename',      '更名',     50),

    ('signage_status', 'not_started', '未启动',   10),
    ('signage_status', 'in_progress', '改造中',   20),
    ('signage_status', 'done',        '已规范',   30),

    ('training_kind', 'induction',   '初任培训',   10),
    ('training_kind', 'business',    '业务培训',   20),
    ('training_kind', 'rotation',    '轮训',       30),
    ('training_kind', 'special',     '专题培训',   40),
    ('training_kind', 'degree',      '学历教育',   50),

    ('commendation_level', 'national',   '国家级',   10),
    ('commendation_level', 'ministerial','省部级',   20),
    ('commendation_level', 'city',       '市级',     30),
    ('commendation_level', 'district',   '区级',     40),

    ('rotation_kind', 'rotation',        '交流任职',           10),
    ('rotation_kind', 'city_stint',      '市局干部到所锻炼',   20),
    ('rotation_kind', 'district_stint',  '区局干部到所锻炼',   30),
    ('rotation_kind', 'upward_stint',    '所内干部上挂锻炼',   40),

    ('funding_source', 'district', '区财政',     10),
    ('funding_source', 'township', '街道(乡镇)', 20),

    ('rule_category', 'study',      '学习',     10),
    ('rule_category', 'attendance', '考勤',     20),
    ('rule_category', 'duty',       '值班备勤', 30),
    ('rule_category', 'finance',    '财务',     40),
    ('rule_category', 'archive',    '档案',     50),
    ('rule_category', 'secrecy',    '保密',     60),
    ('rule_category', 'integrity',  '廉政',     70),
    ('rule_category', 'business',   '业务工作', 80),

    ('extension_kind', 'village_adviser',   '村(居)法律顾问',       10),
    ('extension_kind', 'service_room',      '村(居)公共法律服务工作室', 20),
    ('extension_kind', 'mediation_link',    '人民调解联络',         30),
    ('extension_kind', 'legal_literate',    '法律明白人培养',       40),
    ('extension_kind', 'observation_point', '法治观察点',           50),

    ('party_branch_kind', 'independent', '独立党支部', 10),
    ('party_branch_kind', 'joint',       '联合党支部', 20),
    ('party_branch_kind', 'attached',    '挂靠党支部', 30),

    ('equipment_standard', 'computer',         '台式/便携计算机', 10),
    ('equipment_standard', 'printer',          '打印复印一体机',  20),
    ('equipment_standard', 'fax_scanner',      '传真扫描设备',    30),
    ('equipment_standard', 'video_conference', '视频会议终端',    40),
    ('equipment_standard', 'body_camera',      '执法记录仪',      50),
    ('equipment_standard', 'mobile_terminal',  '移动执法终端',    60),
    ('equipment_standard', 'id_reader',        '身份证阅读器',    70),
    ('equipment_standard', 'duty_car',         '公务用车',        80),
    ('equipment_standard', 'e_bike',           '电动自行车',      90)) AS v;
