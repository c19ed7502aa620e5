-- 0006: code lists (字典; DESIGN.md "The resource engine", field type code;
-- issue 4 point 6).  A record stores the code; the label is what people
-- read.  Codes are stable lower-case English identifiers (or the short
-- letters a standard already uses: gender M/F as persons.gender stores them,
-- certificate classes A/B/C), never renamed or deleted: an item that is no
-- longer used is deactivated (active = 0), so old records still resolve
-- their label while new input refuses it.  sort orders the items in forms
-- (steps of 10 leave room for insertions).
--
-- editable = 0 marks a list fixed by a national standard or by the code
-- itself (gender); the API refuses edits to it.
CREATE TABLE code_lists (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT,
    editable    INTEGER NOT NULL DEFAULT 1 CHECK (editable IN (0, 1))
);
CREATE TABLE code_items (
    list_key TEXT NOT NULL REFERENCES code_lists(key),
    code     TEXT NOT NULL,
    label    TEXT NOT NULL,
    sort     INTEGER NOT NULL DEFAULT 0,
    active   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    PRIMARY KEY (list_key, code)
);

-- @sqlite
INSERT INTO cache_generations (name, generation) VALUES ('codes', abs(random() % 1000000000000));
-- @end
-- @postgres
INSERT INTO cache_generations (name, generation) VALUES ('codes', CAST(floor(random() * 1e12) AS BIGINT));
-- @end

INSERT INTO code_lists (key, name, description, editable)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('dispute_category',   '纠纷类型',         '人民调解案件的纠纷类别', 1),
    ('mediation_source',   '案件来源',         '人民调解案件从何而来', 1),
    ('mediation_org_type', '调解组织类型',     '人民调解委员会的设立形式', 1),
    ('gender',             '性别',             '与人员库 persons.gender 一致 (由公民身份号码推出)', 0),
    ('education',          '学历',             NULL, 1),
    ('post_type',          '编制 (用工) 类型', '司法所工作人员的编制或用工形式', 1),
    ('position',           '职务',             '司法所内职务', 1),
    ('staff_status',       '人员状态',         NULL, 1),
    ('equipment_category', '装备类别',         '司法所装备配备', 1),
    ('funding_category',   '经费类别',         '司法所经费保障', 1),
    ('room_type',          '用房类型',         '司法所业务用房', 1),
    ('certificate_class',  '法律职业资格证书类别', NULL, 1),
    ('party_membership',   '政治面貌',         NULL, 1),
    ('id_type',            '证件类型',         '人员身份证件', 1)) AS v;

INSERT INTO code_items (list_key, code, label, sort)
SELECT column1, column2, column3, column4 FROM (VALUES
    ('dispute_category', 'marriage_family',     '婚姻家庭',     10),
    ('dispute_category', 'neighborhood',        '邻里',         20),
    ('dispute_category', 'housing_homestead',   '房屋宅基地',   30),
    ('dispute_category', 'contract',            '合同',         40),
    ('dispute_category', 'production_business', '生产经营',     50),
    ('dispute_category', 'damages',             '损害赔偿',     60),
    ('dispute_category', 'forest_land',         '山林土地',     70),
    ('dispute_category', 'land_expropriation',  '征地拆迁',     80),
    ('dispute_category', 'labor',               '劳动争议',     90),
    ('dispute_category', 'village_affairs',     '村务管理',     100),
    ('dispute_category', 'environment',         '环境污染',     110),
    ('dispute_category', 'traffic_accident',    '交通事故',     120),
    ('dispute_category', 'medical',             '医疗纠纷',     130),
    ('dispute_category', 'property_management', '物业纠纷',     140),
    ('dispute_category', 'other',               '其他',         990),

    ('mediation_source', 'party_application', '当事人申请',       10),
    ('mediation_source', 'proactive',         '主动调解',         20),
    ('mediation_source', 'court_referral',    '法院委派/委托',    30),
    ('mediation_source', 'police_referral',   '公安委派/委托',    40),
    ('mediation_source', 'hotline_12345',     '12345 热线转办',   50),
    ('mediation_source', 'agency_transfer',   '其他部门移交',     60),

    ('mediation_org_type', 'village',    '村(居)',         10),
    ('mediation_org_type', 'township',   '乡镇(街道)',     20),
    ('mediation_org_type', 'enterprise', '企事业单位',     30),
    ('mediation_org_type', 'industry',   '行业性专业性',   40),
    ('mediation_org_type', 'regional',   '区域性',         50),

    ('gender', 'M', '男', 10),
    ('gender', 'F', '女', 20),

    ('education', 'postgraduate',    '研究生',       10),
    ('education', 'bachelor',        '大学本科',     20),
    ('education', 'junior_college',  '大学专科',     30),
    ('education', 'senior_high',     '高中(中专)',   40),
    ('education', 'junior_or_below', '初中及以下',   50),

    ('post_type', 'political_legal',   '政法专项编制',            10),
    ('post_type', 'other_admin',       '其他行政编制',            20),
    ('post_type', 'public_institution','事业编制',                30),
    ('post_type', 'aux_purchased',     '辅助人员-政府购买服务',   40),
    ('post_type', 'aux_recruited',     '辅助人员-公开招聘',       50),
    ('post_type', 'aux_police',        '辅助人员-选派民警',       60),
    ('post_type', 'clerk',             '文员',                    70),
    ('post_type', 'legal_adviser',     '聘任法律顾问',            80),

    ('position', 'director',        '所长',     10),
    ('position', 'deputy_director', '副所长',   20),
    ('position', 'staff',           '工作人员', 30),

    ('staff_status', 'on_duty',  '在岗', 10),
    ('staff_status', 'seconded', '借调', 20),
    ('staff_status', 'off_post', '离岗', 30),
    ('staff_status', 'retired',  '退休', 40),

    ('equipment_category', 'office_comm',     '办公通讯', 10),
    ('equipment_category', 'law_enforcement', '执法执勤', 20),
    ('equipment_category', 'vehicle',         '交通工具', 30),

    ('funding_category', 'personnel',      '人员经费',           10),
    ('funding_category', 'public_use',     '公用经费',           20),
    ('funding_category', 'equipment',      '业务装备经费',       30),
    ('funding_category', 'infrastructure', '基础设施建设经费',   40),
    ('funding_category', 'casework',       '办案(业务)经费',     50),

    ('room_type', 'business',     '业务用房',   10),
    ('room_type', 'archive',      '档案室',     20),
    ('room_type', 'duty',         '值班备勤室', 30),
    ('room_type', 'mediation',    '调解室',     40),
    ('room_type', 'announcement', '矫正宣告室', 50),

    ('certificate_class', 'A', 'A 类', 10),
    ('certificate_class', 'B', 'B 类', 20),
    ('certificate_class', 'C', 'C 类', 30),

    ('party_membership', 'cpc_member',       '中共党员',     10),
    ('party_membership', 'cpc_probationary', '中共预备党员', 20),
    ('party_membership', 'cyl_member',       '共青团员',     30),
    ('party_membership', 'democratic_party', '民主党派',     40),
    ('party_membership', 'masses',           '群众',         50),

    ('id_type', 'resident_id',        '居民身份证',                 10),
    ('id_type', 'passport',           '护照',                       20),
    ('id_type', 'hk_macao_permit',    '港澳居民来往内地通行证',     30),
    ('id_type', 'taiwan_permit',      '台湾居民来往大陆通行证',     40),
    ('id_type', 'foreign_pr_card',    '外国人永久居留身份证',       50)) AS v;

-- @sqlite
CREATE TRIGGER code_lists_gen_insert AFTER INSERT ON code_lists
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'codes';
END;
CREATE TRIGGER code_lists_gen_update AFTER UPDATE ON code_lists
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'codes';
END;
CREATE TRIGGER code_lists_gen_delete AFTER DELETE ON code_lists
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'codes';
END;
CREATE TRIGGER code_items_gen_insert AFTER INSERT ON code_items
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'codes';
END;
CREATE TRIGGER code_items_gen_update AFTER UPDATE ON code_items
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'codes';
END;
CREATE TRIGGER code_items_gen_delete AFTER DELETE ON code_items
BEGIN
    UPDATE cache_generations SET generation = generation + 1 WHERE name = 'codes';
END;
-- @end
-- @postgres
CREATE TRIGGER code_lists_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON code_lists
    FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump('codes');
CREATE TRIGGER code_items_gen AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON code_items
    FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_bump('codes');
-- @end
