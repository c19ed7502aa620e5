/* corrections.c — community corrections (社区矫正; plan clause 8, issue 20;
 * docs/corrections.md, where each rule and setting has the law's clause).
 *
 * On the district corrections institution's entrustment (区社区矫正机构,
 * role corrections_officer, 社区矫正法 第九条) the office supervises the
 * subject day to day, educates and helps, reports major events at once and
 * loses no one (防止脱管漏管).  The records, all protected (entity_t.protected_:
 * the office, the district institution — <perm>.read_protected — and
 * break-the-glass only):
 *
 *   corrections-subjects       社区矫正对象: entrusted → 报到 → 宣告 (classified) → 在矫
 *                              → 期满解除 | 终止 | 执行地变更移出; check-ins are the
 *                              subject's own transition (报告/走访登记), which moves
 *                              its next due dates by the class's frequency
 *   corrections-team-members   矫正小组 members with roles
 *   corrections-records        日常管理: check-ins (made by the transition), education,
 *                              public-benefit hours, psychological assessment, help
 *   corrections-alerts         预警: 逾期未报到, 未按期报告 (脱管), 外出逾期未归 — raised
 *                              by the scheduler (corrections_board.c), escalated office →
 *                              institution after a setting's working days
 *   corrections-leaves         外出 / 进入特定区域: ≤ 7 days the office, else the institution
 *   corrections-relocations    执行地变更: office opinion, institution decision, hand-over
 *   corrections-events         重大事项报告, a deadline in hours
 *   corrections-sanctions      训诫/警告/提请撤销/收监/减刑 proposals the institution decides
 *
 * Every number is a setting of the city bureau (standard_settings, edited
 * in 达标评估 → 参数; std_rules_register with no rules). */
#include "modules/corrections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cmd/demo.h"
#include "engine/calendar.h"
#include "engine/codes.h"
#include "engine/document.h"
#include "engine/engine.h"
#include "engine/notify.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "modules/standards.h"
#include "util/timeutil.h"
#include "util/validate.h"

/* read and write: the office and the institution; the district and city
 * roles read only through a break-the-glass grant (engine/access.c) */
#define CORR_ROLES "office_director office_staff corrections_officer district_admin district_staff city_staff"
#define INSTITUTION "corrections_officer"
#define OFFICE "office_director office_staff"
#define LINE .line = "corrections", .line_label = "社区矫正"
#define PROTECTED .protected_ = true, .protected_roles = INSTITUTION

/* ---- settings (社区矫正法 and 实施办法 defaults; docs/corrections.md) ---- */

static const std_setting_decl_t corr_settings[] = {
    {"corr_report_days", "社区矫正: 判决生效 (或出监) 后报到期限 (日)", 10, 1, 60},
    {"corr_report_every_strict", "社区矫正: 严管对象报告间隔 (日)", 7, 1, 90},
    {"corr_report_every_normal", "社区矫正: 普管对象报告间隔 (日)", 30, 1, 180},
    {"corr_report_every_lenient", "社区矫正: 宽管对象报告间隔 (日)", 60, 1, 365},
    {"corr_visit_every_strict", "社区矫正: 严管对象走访间隔 (日)", 7, 1, 90},
    {"corr_visit_every_normal", "社区矫正: 普管对象走访间隔 (日)", 30, 1, 180},
    {"corr_visit_every_lenient", "社区矫正: 宽管对象走访间隔 (日)", 60, 1, 365},
    {"corr_alert_escalate_workdays", "社区矫正: 脱管预警未处置升级至区矫正机构 (工作日)", 2, 0, 30},
    {"corr_leave_office_days", "社区矫正: 司法所可批准的外出天数上限 (日)", 7, 1, 30},
    {"corr_leave_max_days", "社区矫正: 每次外出天数上限 (日)", 30, 1, 90},
    {"corr_leave_decide_workdays", "社区矫正: 外出申请审批期限 (工作日)", 3, 1, 30},
    {"corr_relocation_opinion_workdays", "社区矫正: 执行地变更司法所出具意见期限 (工作日)", 3, 1, 30},
    {"corr_relocation_decide_workdays", "社区矫正: 执行地变更区矫正机构决定期限 (工作日)", 5, 1, 30},
    {"corr_relocation_handover_workdays", "社区矫正: 同意变更执行地后移交档案期限 (工作日)", 5, 1, 30},
    {"corr_event_report_hours", "社区矫正: 重大事项报告时限 (小时)", 24, 1, 168},
    {0},
};

/* ---- code lists ---- */

static const code_seed_t type_codes[] = {
    {"control", "管制"}, {"probation", "缓刑"}, {"parole", "假释"}, {"medical_parole", "暂予监外执行"}, {0},
};
static const code_seed_t crime_codes[] = {
    {"public_safety", "危害公共安全 (含危险驾驶)"},
    {"economic_order", "破坏社会主义市场经济秩序"},
    {"person", "侵犯公民人身权利、民主权利"},
    {"property", "侵犯财产"},
    {"social_order", "妨害社会管理秩序"},
    {"corruption", "贪污贿赂、渎职"},
    {"other", "其他"},
    {0},
};
static const code_seed_t class_codes[] = {
    {"strict", "严管"},
    {"normal", "普管"},
    {"lenient", "宽管"},
    {0},
};
static const code_seed_t checkin_codes[] = {
    {"in_person", "当面报告"},
    {"phone", "电话报告"},
    {"video", "视频报告"},
    {"electronic", "信息化核查"},
    {"home_visit", "家访"},
    {"visit", "走访 (实地查访)"},
    {0},
};
static const code_seed_t end_codes[] = {
    {"death", "死亡"}, {"revoked", "撤销缓刑、假释"}, {"custody", "收监执行"}, {"other", "其他"}, {0},
};
static const code_seed_t team_role_codes[] = {
    {"leader", "组长 (司法所工作人员)"},
    {"social_worker", "社会工作者"},
    {"volunteer", "志愿者"},
    {"committee", "村(居)委会人员"},
    {"police", "社区民警"},
    {"family", "家庭成员"},
    {"guarantor", "保证人"},
    {"employer", "所在单位人员"},
    {"other", "其他"},
    {0},
};
static const code_seed_t record_codes[] = {
    {"checkin", "报告/走访 (由报告登记生成)"},
    {"education", "教育学习"},
    {"public_service", "公益活动"},
    {"talk", "个别谈话"},
    {"psych", "心理评估"},
    {"help", "帮扶 (就业、就学、救助等)"},
    {"other", "其他"},
    {0},
};
static const code_seed_t alert_kind_codes[] = {
    {"unreported", "逾期未报到"},
    {"missed_report", "未按期报告 (脱管预警)"},
    {"leave_overdue", "外出逾期未归"},
    {0},
};
static const code_seed_t alert_level_codes[] = {
    {"office", "司法所"},
    {"institution", "已升级至区社区矫正机构"},
    {0},
};
static const code_seed_t alert_outcome_codes[] = {
    {"reported_late", "已补报告"},
    {"contacted", "已联系查找到"},
    {"absconded", "确认脱管, 已报重大事项"},
    {"other", "其他"},
    {0},
};
static const code_seed_t leave_kind_codes[] = {
    {"leave", "外出 (离开所居住市、县)"},
    {"special_area", "进入特定区域 (场所)"},
    {0},
};
static const code_seed_t event_kind_codes[] = {
    {"death", "死亡"},
    {"new_crime", "涉嫌重新违法犯罪"},
    {"absconded", "脱逃、下落不明 (失去联系)"},
    {"serious_violation", "严重违反监督管理规定"},
    {"illness", "重病、住院"},
    {"mass_incident", "参与群体性事件"},
    {"other", "其他重大事项"},
    {0},
};
static const code_seed_t sanction_kind_codes[] = {
    {"admonish", "训诫"},
    {"warning", "警告"},
    {"security", "提请治安管理处罚"},
    {"revoke_probation", "提请撤销缓刑"},
    {"revoke_parole", "提请撤销假释"},
    {"custody", "提请收监执行"},
    {"commutation", "提请减刑"},
    {0},
};
static const code_list_decl_t subject_lists[] = {
    {"corr_type", "社区矫正类别", type_codes},  {"corr_crime", "罪名类别", crime_codes},
    {"corr_class", "管理等级", class_codes},    {"corr_checkin_mode", "报告/走访方式", checkin_codes},
    {"corr_end_reason", "终止原因", end_codes}, {0},
};
static const code_list_decl_t team_lists[] = {{"corr_team_role", "矫正小组成员身份", team_role_codes}, {0}};
static const code_list_decl_t record_lists[] = {{"corr_record_kind", "日常管理记录类型", record_codes}, {0}};
static const code_list_decl_t alert_lists[] = {
    {"corr_alert_kind", "预警类型", alert_kind_codes},
    {"corr_alert_level", "预警层级", alert_level_codes},
    {"corr_alert_outcome", "预警处置结果", alert_outcome_codes},
    {0},
};
static const code_list_decl_t leave_lists[] = {{"corr_leave_kind", "审批事项", leave_kind_codes}, {0}};
static const code_list_decl_t event_lists[] = {{"corr_event_kind", "重大事项类型", event_kind_codes}, {0}};
static const code_list_decl_t sanction_lists[] = {{"corr_sanction_kind", "奖惩建议类型", sanction_kind_codes}, {0}};

/* ---- dates ---- */

/* date + days (calendar) into out; -1 on a malformed date. */
static int add_days(const char *date, int64_t days, char out[11]) {
    int64_t t;
    if (!date || !unix_from_iso(date, &t)) return out[0] = '\0', -1;
    char iso[21];
    iso_from_unix(t + days * 86400, iso);
    snprintf(out, 11, "%.10s", iso);
    return 0;
}

/* A last day that is no working day moves to the next working day (刑事诉讼法
 * 第一百零五条: 期间的最后一日为节假日的, 以节假日后的第一日为期满日期). */
static int to_workday(db_t *db, char date[11]) {
    int k = cal_day_kind(db, date);
    if (k < 0) return -1;
    if (k == 1) return 0;
    char next[11];
    if (cal_add_workdays(db, date, 1, next) != 0) return -1;
    memcpy(date, next, 11);
    return 0;
}

/* The check-in interval of a class, in days (settings; 30 when the city
 * has none for the class); -1 when the store cannot say. */
static int64_t every(db_t *db, const char *what, const char *cls) {
    char key[64];
    snprintf(key, sizeof(key), "corr_%s_every_%s", what, cls && *cls ? cls : "normal");
    int64_t n;
    if (std_setting(db, key, &n) != 0) return -1;
    return n > 0 ? n : 30;
}

static const char *str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* engine_insert_raw with updated_at = created_at (now unless given). */
static int64_t insert_raw(db_t *db, const entity_t *e, int64_t org, const char *path, const char *state, json_t *f) {
    char now[21];
    iso_from_unix(now_unix(), now);
    if (!json_object_get(f, "created_at")) json_object_set_new(f, "created_at", json_string(now));
    json_object_set_new(f, "updated_at", json_string(str(f, "created_at")));
    return engine_insert_raw(db, e, org, path, state, f);
}

/* ---- 社区矫正对象 ---- */

static const field_t subject_fields[] = {
    {"person_id", "姓名", F_PERSON, FF_REQUIRED | FF_FILTER | FF_LIST}, /* the title (entity_title_field) */
    {"case_no", "矫正编号", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST, .max = 40},
    {"corr_type", "矫正类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "corr_type"},
    {"crime_category", "罪名类别", F_CODE, FF_FILTER, .code_list = "corr_crime"},
    {"crime", "罪名", F_TEXT, FF_SEARCH, .max = 100},
    {"decision_organ", "决定机关", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 100},
    {"decision_doc", "判决书 (决定书) 文号", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 100},
    {"effective_on", "判决 (裁定、决定) 生效或出监日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT},
    {"start_on", "矫正期限起", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT},
    {"end_on", "矫正期限止", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST,
     .countdown = "剩余天数"}, /* end_on_days, computed at each read */
    {"prohibitions", "禁止令内容", F_TEXT, 0, .max = 1000},
    {"entrusted_on", "委托日期", F_DATE, FF_TODAY | FF_FILTER | FF_SORT},
    {"documents_received_on", "法律文书接收日期", F_DATE, FF_FILTER},
    {"address", "执行地居住地址", F_TEXT, FF_PI, .max = 200},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    {"reported_on", "报到日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"announced_on", "宣告日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"supervision_class", "管理等级", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "corr_class"},
    {"class_reason", "分类 (调整) 理由", F_TEXT, FF_READONLY, .max = 500},
    {"checkin_on", "报告/走访日期", F_DATE, FF_READONLY},
    {"checkin_mode", "报告/走访方式", F_CODE, FF_READONLY, .code_list = "corr_checkin_mode"},
    {"checkin_place", "所在位置 (信息化核查定位)", F_TEXT, FF_READONLY, .max = 200},
    {"last_report_on", "最近报告日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"next_report_due", "下次报告期限", F_DATE, FF_READONLY | FF_FILTER | FF_SORT | FF_LIST},
    {"last_visit_on", "最近走访日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"next_visit_due", "下次走访期限", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"resettlement_applicable", "需衔接安置帮教", F_BOOL, FF_READONLY | FF_FILTER},
    {"released_on", "解除日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"release_cert_no", "解除社区矫正证明书编号", F_TEXT, FF_READONLY, .max = 60},
    {"end_reason", "终止原因", F_CODE, FF_READONLY | FF_FILTER, .code_list = "corr_end_reason"},
    {"ended_on", "终止日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {"moved_out_on", "移出日期 (执行地变更)", F_DATE, FF_READONLY | FF_FILTER},
    {"note", "备注", F_TEXT, 0, .max = 1000},
    {0},
};

/* Dates in order; a check-in not in the future nor before the announcement;
 * an end not in the future. */
static const char *subject_rule(check_ctx_t *c, const char **field) {
    const char *start = str(c->after, "start_on"), *end = str(c->after, "end_on"), *eff = str(c->after, "effective_on");
    if (start && end && strcmp(end, start) < 0) return *field = "end_on", "矫正期限止不能早于矫正期限起";
    if (eff && start && strcmp(start, eff) < 0)
        return *field = "start_on", "矫正期限起不能早于判决 (裁定、决定) 生效或出监日期";
    if (c->op != CHECK_ACTION) return NULL;
    char today[11];
    wf_today(today);
    static const char *const dated[] = {"checkin_on", "announced_on", "released_on", "ended_on", NULL};
    for (int i = 0; dated[i]; i++) {
        const char *d = str(c->after, dated[i]), *was = c->before ? str(c->before, dated[i]) : NULL;
        if (d && (!was || strcmp(d, was) != 0) && strcmp(d, today) > 0) return *field = dated[i], "日期不能晚于今天";
    }
    const char *ann = str(c->after, "announced_on"), *chk = str(c->after, "checkin_on");
    if (strcmp(c->action, "checkin") == 0 && ann && chk && strcmp(chk, ann) < 0)
        return *field = "checkin_on", "报告/走访日期不能早于宣告日期";
    return NULL;
}

/* 报到 within corr_report_days (calendar days) of the judgment taking effect
 * or of the release from prison, while entrusted; no deadline after. */
static int subject_deadline(check_ctx_t *c, char due[11]) {
    due[0] = '\0';
    const char *st = str(c->after, "wf_state"), *eff = str(c->after, "effective_on");
    if (!st || strcmp(st, "entrusted") != 0 || !eff) return 0;
    int64_t days;
    if (std_setting(c->db, "corr_report_days", &days) != 0 || add_days(eff, days, due) != 0) return -1;
    return to_workday(c->db, due);
}

static int subject_hook_announce(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int subject_hook_classify(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int subject_hook_checkin(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int subject_hook_end(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);

static const wf_state_t subject_states[] = {
    {"entrusted", "已委托待报到", 0}, /* due_at: subject_deadline */
    {"reported", "已报到待宣告", 0},      {"supervised", "在矫", 0},
    {"released", "期满解除", 0, true},    {"terminated", "终止", 0, true},
    {"moved", "执行地变更移出", 0, true}, {0},
};
static const wf_transition_t subject_transitions[] = {
    {"report", "报到", "entrusted", "reported", .stamp = "reported_on", .meets_deadline = true},
    {"announce", "宣告并分类", "reported", "supervised", .requires = "announced_on supervision_class class_reason",
     .hook = subject_hook_announce},
    {"classify", "调整管理等级", "supervised", "supervised", .requires = "supervision_class class_reason",
     .hook = subject_hook_classify},
    {"checkin", "报告/走访登记", "supervised", "supervised", .requires = "checkin_on checkin_mode checkin_place",
     .hook = subject_hook_checkin},
    {"release", "期满解除", "supervised", "released", .requires = "released_on release_cert_no resettlement_applicable",
     .hook = subject_hook_end},
    {"terminate", "终止", "entrusted reported supervised", "terminated", .requires = "ended_on end_reason",
     .hook = subject_hook_end},
    {0},
};
static const workflow_t subject_flow_v1 = {1, "entrusted", subject_states, subject_transitions, 0, 0};
static const workflow_t *const subject_flows[] = {&subject_flow_v1, NULL};
static const entity_child_t subject_children[] = {
    {"team", "corrections-team-members", CHILD_DELETE_CASCADE},
    {"records", "corrections-records", CHILD_DELETE_REFUSE},
    {"alerts", "corrections-alerts", CHILD_DELETE_REFUSE},
    {"leaves", "corrections-leaves", CHILD_DELETE_REFUSE},
    {"relocations", "corrections-relocations", CHILD_DELETE_REFUSE},
    {"events", "corrections-events", CHILD_DELETE_REFUSE},
    {"sanctions", "corrections-sanctions", CHILD_DELETE_REFUSE},
    {0},
};
/* ---- documents: 宣告书 and 解除社区矫正证明书 ---- */

typedef struct subject_person {
    const char *name, *gender, *birth, *id_masked;
} subject_person_t;

/* The subject as the reader may see them: in full (name, sex, date of
 * birth, masked ID number) when the reader may read the person, else the
 * masked name alone (engine_person_readable, as the mediation documents). */
static int subject_person(http_req_t *r, json_t *rec, subject_person_t *p) {
    *p = (subject_person_t){"—", NULL, NULL, NULL};
    json_t *id = json_object_get(rec, "person_id");
    if (!json_is_integer(id)) return 0;
    db_stmt_t *s = db_prepare(r->db, "SELECT p.name, p.gender, p.birth_date, p.id_masked, o.path FROM persons p "
                                     "LEFT JOIN org_units o ON o.id = p.org_id WHERE p.id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, json_integer_value(id));
    int rc = db_step(s);
    if (rc != DB_ROW) return db_reset(s), rc == DB_DONE ? 0 : -1;
    char *col[5];
    for (int i = 0; i < 5; i++)
        col[i] = db_col_null(s, i) ? NULL : arena_strdup(r->arena, db_col_text(s, i));
    db_reset(s);
    int ok = engine_person_readable(r, json_integer_value(id), col[4]);
    if (ok < 0) return -1;
    char masked[128];
    p->name = ok ? col[0] : arena_strdup(r->arena, mask_name(col[0] ? col[0] : "", masked, sizeof(masked)));
    if (ok) p->gender = col[1] && strcmp(col[1], "F") == 0 ? "女" : col[1] ? "男" : NULL, p->birth = col[2];
    p->id_masked = col[3];
    return 0;
}

static void person_rows(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec, const subject_person_t *p) {
    static const int cols[] = {2200, 6826};
    doc_table(o, 2, cols);
    const char *rows[][2] = {
        {"姓名", p->name},
        {"性别", p->gender ? p->gender : "—"},
        {"出生日期", p->birth ? p->birth : "—"},
        {"身份证件号码", p->id_masked ? p->id_masked : "—"},
        {"矫正类别", doc_value(r, e, rec, "corr_type")},
        {"罪名", doc_value(r, e, rec, "crime")},
        {"决定机关及文书",
         arena_printf(r->arena, "%s %s", doc_value(r, e, rec, "decision_organ"), doc_value(r, e, rec, "decision_doc"))},
        {"矫正期限",
         arena_printf(r->arena, "%s 至 %s", doc_value(r, e, rec, "start_on"), doc_value(r, e, rec, "end_on"))},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        doc_row(o, rows[i]);
    doc_table_end(o);
}

/* 宣告 (法 第二十二条): the facts, the period and the rules to keep, with
 * the reporting frequency of the subject's class. */
static int announcement_doc(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    subject_person_t p;
    if (subject_person(r, rec, &p) != 0) return http_store_error(r), -1;
    const char *cls = str(rec, "supervision_class");
    int64_t report_every = every(r->db, "report", cls);
    if (report_every < 0) return http_store_error(r), -1;
    doc_title(o, "社区矫正宣告书");
    doc_para(o, doc_value(r, e, rec, "case_no"), DOCX_RIGHT);
    person_rows(r, o, e, rec, &p);
    doc_para(o,
             arena_printf(r->arena,
                          "依照《中华人民共和国社区矫正法》第二十二条, 现向你宣告: 你因犯%s, 经%s判决 (裁定、决定), "
                          "依法实行社区矫正, 矫正期限自 %s 起至 %s 止。",
                          doc_value(r, e, rec, "crime"), doc_value(r, e, rec, "decision_organ"),
                          doc_value(r, e, rec, "start_on"), doc_value(r, e, rec, "end_on")),
             DOCX_INDENT);
    doc_para(o,
             arena_printf(r->arena,
                          "矫正期间你应当遵守法律、行政法规, 履行判决 (裁定、决定) 确定的义务, 遵守报告、会客、外出、"
                          "迁居等监督管理规定 (第二十三条)。你的管理等级为%s, 每 %lld 日报告一次; 离开所居住的市、县"
                          "或者迁居须经批准 (第二十七条)。",
                          doc_value(r, e, rec, "supervision_class"), (long long)report_every),
             DOCX_INDENT);
    if (str(rec, "prohibitions"))
        doc_para(o, arena_printf(r->arena, "禁止令: %s", str(rec, "prohibitions")), DOCX_INDENT);
    doc_para(o,
             "违反上述规定的, 将视情节依法给予训诫、警告、提请治安管理处罚, 或者依法提请撤销缓刑、撤销假释、"
             "收监执行 (第二十八条)。",
             DOCX_INDENT);
    doc_para(o, arena_printf(r->arena, "%s (受委托)", json_string_value(json_object_get(rec, "org_name"))), DOCX_RIGHT);
    doc_para(o, doc_value(r, e, rec, "announced_on"), DOCX_RIGHT);
    return 0;
}

/* 解除社区矫正证明书 (法 第四十四条). */
static int release_doc(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    subject_person_t p;
    if (subject_person(r, rec, &p) != 0) return http_store_error(r), -1;
    doc_title(o, "解除社区矫正证明书");
    doc_para(o, doc_value(r, e, rec, "release_cert_no"), DOCX_RIGHT);
    person_rows(r, o, e, rec, &p);
    doc_para(o,
             arena_printf(r->arena,
                          "%s 社区矫正期满, 依照《中华人民共和国社区矫正法》第四十四条, 于 %s 解除社区矫正。"
                          "特此证明。",
                          p.name, doc_value(r, e, rec, "released_on")),
             DOCX_INDENT);
    doc_para(o, "(区社区矫正机构印章)", DOCX_RIGHT);
    doc_para(o, doc_value(r, e, rec, "released_on"), DOCX_RIGHT);
    return 0;
}

static const entity_document_t subject_documents[] = {
    {"announcement", "社区矫正宣告书", "announced_on", "尚未宣告", announcement_doc},
    {"release", "解除社区矫正证明书", "released_on", "尚未期满解除", release_doc},
    {0},
};

static const entity_number_t subject_number = {"case_no", "({year})沪{district}矫字第{office}-{seq:4}号", NULL};
static int subjects_demo(const engine_demo_t *d, char *err, size_t errlen);
extern const struct engine_generator corrections_subject_generator;
static const entity_t subjects = {
    .name = "corrections-subjects",
    .label = "社区矫正对象",
    .table = "corr_subject",
    .perm = "corrections.subject",
    .fields = subject_fields,
    .flows = subject_flows,
    .default_sort = "-entrusted_on",
    .roles = CORR_ROLES,
    .check = subject_rule,
    .deadline = subject_deadline,
    .code_lists = subject_lists,
    .children = subject_children,
    .number = &subject_number,
    .demo = subjects_demo,
    .generate = &corrections_subject_generator,
    LINE,
    PROTECTED,
    .cockpit = "",
    .cockpit_by_state = true,
    .detail_hide = "checkin_on checkin_mode checkin_place",
    .documents = subject_documents,
    .panels = "documents corrections-hours",
    /* the institution entrusts a subject to an office (委托): the office's
     * users who record the 报到 are told (notify.c, the masked name only) */
    .notify_assigned = true,
};

/* ---- the subject's hooks ---- */

/* Sets the due dates of the subject: next report and visit from base (the
 * last check-in, else the announcement) by the class's frequency. */
static int reschedule(http_req_t *r, int64_t id) {
    db_stmt_t *s = db_prepare(r->db, "SELECT supervision_class, announced_on, last_report_on, last_visit_on "
                                     "FROM corr_subject WHERE id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) return db_reset(s), -1;
    char cls[16] = "", ann[11] = "", rep[11] = "", vis[11] = "";
    snprintf(cls, sizeof(cls), "%s", db_col_null(s, 0) ? "normal" : db_col_text(s, 0));
    snprintf(ann, sizeof(ann), "%s", db_col_null(s, 1) ? "" : db_col_text(s, 1));
    snprintf(rep, sizeof(rep), "%s", db_col_null(s, 2) ? ann : db_col_text(s, 2));
    snprintf(vis, sizeof(vis), "%s", db_col_null(s, 3) ? ann : db_col_text(s, 3));
    db_reset(s);
    char nrep[11] = "", nvis[11] = "";
    int64_t rep_every = every(r->db, "report", cls), vis_every = every(r->db, "visit", cls);
    if (rep_every < 0 || vis_every < 0) return -1;
    if (*rep && (add_days(rep, rep_every, nrep) != 0 || to_workday(r->db, nrep) != 0)) return -1;
    if (*vis && (add_days(vis, vis_every, nvis) != 0 || to_workday(r->db, nvis) != 0)) return -1;
    s = db_prepare(r->db, "UPDATE corr_subject SET next_report_due = $1, next_visit_due = $2 WHERE id = $3");
    if (!s) return -1;
    if (*nrep)
        db_bind_text(s, 1, nrep, -1);
    else
        db_bind_null(s, 1);
    if (*nvis)
        db_bind_text(s, 2, nvis, -1);
    else
        db_bind_null(s, 2);
    db_bind_int(s, 3, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

static int subject_hook_announce(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    return reschedule(r, id) == 0 ? 0 : (http_store_error(r), -1);
}
static int subject_hook_classify(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    return subject_hook_announce(r, e, id, action, body);
}

/* 报告/走访登记: the check-in becomes a daily record (日常管理), the last
 * report or visit moves, the next one is scheduled, and an open alert of a
 * missed report closes itself when the report comes in. */
static int subject_hook_checkin(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action;
    const char *on = str(body, "checkin_on"), *mode = str(body, "checkin_mode"), *place = str(body, "checkin_place");
    bool visit = mode && (strcmp(mode, "home_visit") == 0 || strcmp(mode, "visit") == 0);
    db_stmt_t *s = db_prepare(r->db, visit ? "UPDATE corr_subject SET last_visit_on = $1 WHERE id = $2 AND "
                                             "(last_visit_on IS NULL OR last_visit_on < $1)"
                                           : "UPDATE corr_subject SET last_report_on = $1 WHERE id = $2 AND "
                                             "(last_report_on IS NULL OR last_report_on < $1)");
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, on, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE || reschedule(r, id) != 0) return http_store_error(r), -1;
    s = db_prepare(r->db, "SELECT org_id, org_path FROM corr_subject WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) return db_reset(s), http_store_error(r), -1;
    int64_t org = db_col_int(s, 0);
    const char *path = arena_strdup(r->arena, db_col_text(s, 1));
    db_reset(s);
    char now[21];
    iso_from_unix(now_unix(), now);
    const char *label = code_label(r->db, "corr_checkin_mode", mode);
    json_t *f = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "subject_id", (json_int_t)id, "kind", "checkin", "mode",
                          mode, "on_date", on, "place", place, "content",
                          arena_printf(r->arena, "%s (%s)", label ? label : mode, place), "created_at", now,
                          "created_by", (json_int_t)auth_principal(r)->user_id);
    int64_t rid = insert_raw(r->db, entity_find("corrections-records"), org, path, NULL, f);
    json_decref(f);
    if (rid < 0) return http_store_error(r), -1;
    if (!visit) {
        s = db_prepare(r->db,
                       "UPDATE corr_alert SET wf_state = 'handled', outcome = 'reported_late', handling = $1, "
                       "handled_on = $2, due_at = NULL, version = version + 1 WHERE subject_id = $3 "
                       "AND kind = 'missed_report' AND wf_state IN ('open', 'escalated') AND deleted_at IS NULL");
        if (!s) return http_store_error(r), -1;
        db_bind_text(s, 1, arena_printf(r->arena, "%s 已补报告 (%s)", on, label ? label : mode), -1);
        db_bind_text(s, 2, on, -1);
        db_bind_int(s, 3, id);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return http_store_error(r), -1;
    }
    return 0;
}

/* ---- the hand-over at the end (期满解除 / 终止) ---- */

static corrections_handoff_fn receivers[4];
static int nreceivers;

void corrections_handoff_register(corrections_handoff_fn fn) {
    for (int i = 0; i < nreceivers; i++)
        if (receivers[i] == fn) return;
    if (nreceivers == 4) abort(); /* a fixed table: more receivers is a new line's change */
    receivers[nreceivers++] = fn;
}

/* Gathers what the resettlement line needs, in one place: the person (the
 * registry's id, nothing typed again), the office, the end (kind, reason,
 * date, certificate), whether the subject came from prison (假释, 暂予监外执行)
 * and whether they are to be handed on (from prison, or marked applicable
 * at release; never at death). */
int corrections_release_handoff(http_req_t *r, int64_t subject_id) {
    db_stmt_t *s = db_prepare(r->db, "SELECT person_id, org_id, org_path, corr_type, wf_state, end_reason, "
                                     "COALESCE(released_on, ended_on), end_on, release_cert_no, "
                                     "resettlement_applicable FROM corr_subject WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, subject_id);
    if (db_step(s) != DB_ROW) return db_reset(s), http_store_error(r), -1;
    corrections_handoff_t h = {.subject_id = subject_id};
    h.person_id = db_col_int(s, 0);
    h.office_id = db_col_int(s, 1);
    h.office_path = arena_strdup(r->arena, db_col_text(s, 2));
    h.corr_type = arena_strdup(r->arena, db_col_text(s, 3));
    h.end_kind = arena_strdup(r->arena, db_col_text(s, 4));
    h.end_reason = db_col_null(s, 5) ? NULL : arena_strdup(r->arena, db_col_text(s, 5));
    h.ended_on = db_col_null(s, 6) ? NULL : arena_strdup(r->arena, db_col_text(s, 6));
    h.end_on = db_col_null(s, 7) ? NULL : arena_strdup(r->arena, db_col_text(s, 7));
    h.release_cert_no = db_col_null(s, 8) ? NULL : arena_strdup(r->arena, db_col_text(s, 8));
    bool marked = !db_col_null(s, 9) && db_col_int(s, 9) != 0;
    db_reset(s);
    h.from_prison = strcmp(h.corr_type, "parole") == 0 || strcmp(h.corr_type, "medical_parole") == 0;
    h.applicable = (h.from_prison || marked) && !(h.end_reason && strcmp(h.end_reason, "death") == 0);
    for (int i = 0; i < nreceivers; i++)
        if (receivers[i](r, &h) != 0) return -1;
    return 0;
}

static int subject_hook_end(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    /* an ended subject has no check-ins due and no open alert left */
    db_stmt_t *s =
        db_prepare(r->db, "UPDATE corr_subject SET next_report_due = NULL, next_visit_due = NULL WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r), -1;
    return corrections_release_handoff(r, id);
}

/* ---- 矫正小组 ---- */

static const field_t team_fields[] = {
    {"subject_id", "社区矫正对象", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "corrections-subjects"},
    {"member_name", "成员姓名", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 50},
    {"role", "身份", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "corr_team_role"},
    {"unit", "工作单位", F_TEXT, FF_LIST, .max = 100},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    {"duty", "职责", F_TEXT, 0, .max = 500},
    {0},
};
static const entity_t team = {
    .name = "corrections-team-members",
    .label = "矫正小组成员",
    .table = "corr_team_member",
    .perm = "corrections.team",
    .fields = team_fields,
    .default_sort = "id",
    .roles = CORR_ROLES,
    .code_lists = team_lists,
    .parent = "subject_id",
    .title = "member_name",
    LINE,
    PROTECTED,
};

/* ---- 日常管理记录 ---- */

static const field_t record_fields[] = {
    {"subject_id", "社区矫正对象", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "corrections-subjects"},
    {"kind", "类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "corr_record_kind"},
    {"mode", "报告/走访方式", F_CODE, FF_READONLY | FF_FILTER, .code_list = "corr_checkin_mode",
     .readonly_why = "由矫正对象的「报告/走访登记」填写"},
    {"on_date", "日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"hours", "时长 (小时)", F_DECIMAL, FF_LIST, .scale = 1, .min = 0, .max = 240},
    {"place", "地点 (定位)", F_TEXT, 0, .max = 200},
    {"content", "内容", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 2000},
    {"assessment", "评估结论", F_TEXT, 0, .max = 1000},
    {0},
};
/* A check-in is made by the subject's transition (it moves the due dates);
 * education and public-benefit activity have hours, a psychological
 * assessment its conclusion; a record is dated no later than today. */
static const char *record_rule(check_ctx_t *c, const char **field) {
    const char *kind = str(c->after, "kind"), *on = str(c->after, "on_date");
    const char *was = c->before ? str(c->before, "kind") : NULL;
    if (kind && strcmp(kind, "checkin") == 0 && !(was && strcmp(was, "checkin") == 0))
        return *field = "kind", "报告和走访请在矫正对象页面点「报告/走访登记」, 以便排定下次报告期限";
    if (kind && (strcmp(kind, "education") == 0 || strcmp(kind, "public_service") == 0) &&
        !json_is_string(json_object_get(c->after, "hours")))
        return *field = "hours", "教育学习和公益活动须填写时长";
    const char *assessment = str(c->after, "assessment");
    if (kind && strcmp(kind, "psych") == 0 && !(assessment && *assessment))
        return *field = "assessment", "心理评估须填写评估结论";
    char today[11];
    wf_today(today);
    if (on && strcmp(on, today) > 0) return *field = "on_date", "日期不能晚于今天";
    return NULL;
}
static const entity_t records = {
    .name = "corrections-records",
    .label = "日常管理记录",
    .table = "corr_record",
    .perm = "corrections.record",
    .fields = record_fields,
    .default_sort = "-on_date",
    .roles = CORR_ROLES,
    .check = record_rule,
    .code_lists = record_lists,
    .parent = "subject_id",
    .title = "content",
    LINE,
    PROTECTED,
};

/* ---- 预警 ---- */

static const field_t alert_fields[] = {
    {"subject_id", "社区矫正对象", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "corrections-subjects"},
    {"kind", "预警类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "corr_alert_kind"},
    {"summary", "预警内容", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 500},
    {"due_on", "应报告 (报到、返回) 日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT},
    {"raised_on", "预警日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"level", "预警层级", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "corr_alert_level"},
    {"escalated_on", "升级日期", F_DATE, FF_READONLY | FF_FILTER},
    {"outcome", "处置结果", F_CODE, FF_READONLY | FF_FILTER, .code_list = "corr_alert_outcome"},
    {"handling", "处置情况", F_TEXT, FF_READONLY, .max = 1000},
    {"handled_on", "处置日期", F_DATE, FF_READONLY | FF_FILTER},
    {0},
};
/* An alert is the office's (open) until the scheduler escalates it to the
 * district institution (escalated): the institution's to-do holds only
 * escalated alerts, and an unreported subject's, which is both's from the
 * start (raised escalated; corrections_board.c). */
static const wf_state_t alert_states[] = {
    {"open", "待司法所处置", 0},
    {"escalated", "已升级区社区矫正机构督办", 0},
    {"handled", "已处置", 0, true},
    {0},
};
static const wf_transition_t alert_transitions[] = {
    {"handle", "司法所处置", "open escalated", "handled", .requires = "outcome handling", .stamp = "handled_on"},
    {"supervise", "区社区矫正机构处置", "escalated", "handled", .requires = "outcome handling", .stamp = "handled_on"},
    {0},
};
static const workflow_t alert_flow_v1 = {1, "open", alert_states, alert_transitions, 0, 0};
static const workflow_t *const alert_flows[] = {&alert_flow_v1, NULL};
static const entity_t alerts = {
    .name = "corrections-alerts",
    .label = "监管预警",
    .table = "corr_alert",
    .perm = "corrections.alert",
    .fields = alert_fields,
    .flows = alert_flows,
    .default_sort = "-raised_on",
    .roles = CORR_ROLES,
    .create_via = "预警由系统根据报到、报告和外出期限自动生成",
    .code_lists = alert_lists,
    .parent = "subject_id",
    .title = "summary",
    LINE,
    PROTECTED,
    .cockpit = "",
    .cockpit_by_state = true,
};

/* ---- 外出 / 进入特定区域 ---- */

static const field_t leave_fields[] = {
    {"subject_id", "社区矫正对象", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "corrections-subjects"},
    {"kind", "审批事项", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "corr_leave_kind"},
    {"destination", "目的地 (区域、场所)", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"reason", "事由", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 500},
    {"leave_from", "起始日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"leave_to", "结束日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"applied_on", "申请日期", F_DATE, FF_TODAY | FF_FILTER | FF_SORT},
    {"office_opinion", "司法所意见", F_TEXT, FF_READONLY, .max = 500},
    {"decision_note", "审批意见", F_TEXT, FF_READONLY, .max = 500},
    {"decided_on", "审批日期", F_DATE, FF_READONLY | FF_FILTER},
    {"returned_on", "销假日期", F_DATE, FF_READONLY | FF_FILTER},
    {0},
};
static int64_t span_days(const char *from, const char *to) {
    int64_t a, b;
    if (!from || !to || !unix_from_iso(from, &a) || !unix_from_iso(to, &b)) return -1;
    return (b - a) / 86400 + 1;
}
/* At most corr_leave_max_days a trip; the office approves a leave of up to
 * corr_leave_office_days, never an entry into a prohibited area — which is
 * asked only for a subject under a 禁止令 (刑法 第三十八条、第七十二条). */
static const char *leave_rule(check_ctx_t *c, const char **field) {
    const char *kind0 = str(c->after, "kind");
    if (kind0 && strcmp(kind0, "special_area") == 0 && c->op != CHECK_ACTION) {
        json_t *subject = check_linked(c, "subject_id");
        const char *ban = subject ? str(subject, "prohibitions") : NULL;
        if (subject && !(ban && *ban)) return *field = "kind", "该矫正对象没有禁止令, 进入特定区域 (场所) 无需审批";
    }
    int64_t days = span_days(str(c->after, "leave_from"), str(c->after, "leave_to"));
    if (days == -1) return NULL;
    if (days < 1) return *field = "leave_to", "结束日期不能早于起始日期";
    int64_t max, office;
    if (std_setting(c->db, "corr_leave_max_days", &max) != 0 ||
        std_setting(c->db, "corr_leave_office_days", &office) != 0)
        return *field = "leave_to", check_store_error(c, "暂时无法读取外出期限设置, 请稍后重试");
    if (days > max) return *field = "leave_to", arena_printf(c->r->arena, "每次外出不得超过 %lld 日", (long long)max);
    if (c->op == CHECK_ACTION && strcmp(c->action, "approve") == 0) {
        const char *kind = str(c->after, "kind");
        if (kind && strcmp(kind, "special_area") == 0)
            return *field = "decision_note", "进入特定区域 (场所) 须报区社区矫正机构批准";
        if (days > office)
            return *field = "decision_note",
                   arena_printf(c->r->arena, "外出 %lld 日, 超过 %lld 日的须报区社区矫正机构批准", (long long)days,
                                (long long)office);
    }
    return NULL;
}
/* Decided within corr_leave_decide_workdays of the application. */
static int leave_deadline(check_ctx_t *c, char due[11]) {
    due[0] = '\0';
    const char *on = str(c->after, "applied_on");
    if (!on) return 0;
    int64_t days;
    if (std_setting(c->db, "corr_leave_decide_workdays", &days) != 0) return -1;
    return cal_add_workdays(c->db, on, (int)days, due);
}
static const wf_state_t leave_states[] = {
    {"applied", "待司法所审批", 0},  {"at_institution", "待区社区矫正机构审批", 0},
    {"approved", "已批准", 0},       {"rejected", "不予批准", 0, true},
    {"returned", "已销假", 0, true}, {0},
};
static const wf_transition_t leave_transitions[] = {
    {"approve", "司法所批准", "applied", "approved", .requires = "decision_note", .stamp = "decided_on",
     .meets_deadline = true},
    {"refer", "报区社区矫正机构审批", "applied", "at_institution", .requires = "office_opinion"},
    {"decide", "区社区矫正机构批准", "applied at_institution", "approved", .requires = "decision_note",
     .stamp = "decided_on", .meets_deadline = true},
    {"reject", "不予批准", "applied at_institution", "rejected", .requires = "decision_note", .stamp = "decided_on"},
    {"back", "销假", "approved", "returned", .requires = "returned_on"},
    {0},
};
static const workflow_t leave_flow_v1 = {1, "applied", leave_states, leave_transitions, 0, 0};
static const workflow_t *const leave_flows[] = {&leave_flow_v1, NULL};
static const entity_t leaves = {
    .name = "corrections-leaves",
    .label = "外出及进入特定区域审批",
    .table = "corr_leave",
    .perm = "corrections.leave",
    .fields = leave_fields,
    .flows = leave_flows,
    .default_sort = "-leave_from",
    .roles = CORR_ROLES,
    .check = leave_rule,
    .deadline = leave_deadline,
    .code_lists = leave_lists,
    .parent = "subject_id",
    .title = "destination",
    LINE,
    PROTECTED,
};

/* ---- 执行地变更 ---- */

static const field_t relocation_fields[] = {
    {"subject_id", "社区矫正对象", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "corrections-subjects"},
    {"new_place", "新执行地", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"new_office_id", "接收司法所 (本区)", F_REF, FF_READONLY | FF_FILTER | FF_LIST, .ref = "org_units",
     .readonly_why = "由区社区矫正机构在「同意变更 (本区)」时选定"},
    {"new_address", "新居住地址", F_TEXT, FF_PI, .max = 200},
    {"reason", "变更理由", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 500},
    {"applied_on", "申请日期", F_DATE, FF_TODAY | FF_FILTER | FF_SORT},
    {"office_opinion", "司法所意见", F_TEXT, FF_READONLY, .max = 500},
    {"decision_note", "区社区矫正机构决定", F_TEXT, FF_READONLY, .max = 500},
    {"decided_on", "决定日期", F_DATE, FF_READONLY | FF_FILTER},
    {"handed_over_on", "档案移交日期", F_DATE, FF_READONLY | FF_FILTER},
    {"receipt_note", "新执行地接收情况", F_TEXT, FF_READONLY, .max = 500},
    {0},
};
static const char *relocation_rule(check_ctx_t *c, const char **field) {
    json_t *o = check_linked(c, "new_office_id");
    if (!o) return NULL;
    const char *path = str(o, "path");
    db_stmt_t *s = db_prepare(c->db, "SELECT level FROM org_units WHERE path = $1");
    if (!s) return check_store_error(c, "暂时无法核对司法所, 请稍后重试");
    db_bind_text(s, 1, path ? path : "", -1);
    int rc = db_step(s);
    bool office = rc == DB_ROW && strcmp(db_col_text(s, 0), "office") == 0;
    db_reset(s);
    if (rc < 0) return *field = "new_office_id", check_store_error(c, "暂时无法核对司法所, 请稍后重试");
    return office ? NULL : (*field = "new_office_id", "请选择司法所");
}
/* The office's opinion within its working days of the application; the
 * institution's decision within its own after the opinion (relocate_hook). */
static int relocation_deadline(check_ctx_t *c, char due[11]) {
    due[0] = '\0';
    const char *on = str(c->after, "applied_on"), *st = str(c->after, "wf_state");
    if (!on || (st && strcmp(st, "applied") != 0)) {
        const char *kept = str(c->after, "due_at");
        if (kept) snprintf(due, 11, "%.10s", kept);
        return 0;
    }
    int64_t days;
    if (std_setting(c->db, "corr_relocation_opinion_workdays", &days) != 0) return -1;
    return cal_add_workdays(c->db, on, (int)days, due);
}
static int relocation_hook_opinion(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int relocation_hook_hand_over(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int relocation_hook_decided(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_state_t relocation_states[] = {
    {"applied", "待司法所意见", 0},      {"office_reviewed", "待区社区矫正机构决定", 0},
    {"approved", "已同意待移交", 0},     {"handed_over", "已移交", 0, true},
    {"rejected", "不同意变更", 0, true}, {0},
};
static const wf_transition_t relocation_transitions[] = {
    {"opinion", "司法所出具意见", "applied", "office_reviewed", .requires = "office_opinion",
     .hook = relocation_hook_opinion},
    {"approve", "同意变更 (移出本区)", "office_reviewed", "approved", .requires = "decision_note",
     .stamp = "decided_on", .meets_deadline = true, .hook = relocation_hook_decided},
    {"approve_within", "同意变更 (本区其他司法所)", "office_reviewed", "approved",
     .requires = "decision_note new_office_id", .stamp = "decided_on", .meets_deadline = true,
     .hook = relocation_hook_decided},
    {"reject", "不同意变更", "office_reviewed", "rejected", .requires = "decision_note", .stamp = "decided_on"},
    {"hand_over", "移交档案", "approved", "handed_over", .requires = "receipt_note", .stamp = "handed_over_on",
     .hook = relocation_hook_hand_over},
    {0},
};
static const workflow_t relocation_flow_v1 = {1, "applied", relocation_states, relocation_transitions, 0, 0};
static const workflow_t *const relocation_flows[] = {&relocation_flow_v1, NULL};
static const entity_t relocations = {
    .name = "corrections-relocations",
    .label = "执行地变更",
    .table = "corr_relocation",
    .perm = "corrections.relocation",
    .fields = relocation_fields,
    .flows = relocation_flows,
    .default_sort = "-applied_on",
    .roles = CORR_ROLES,
    .check = relocation_rule,
    .deadline = relocation_deadline,
    .parent = "subject_id",
    .title = "new_place",
    LINE,
    PROTECTED,
};

/* The next step's deadline, counted in working days from today by the
 * setting: the institution's decision after the office's opinion, the
 * file's hand-over after the decision. */
static int relocation_due_from_today(http_req_t *r, int64_t id, const char *setting) {
    char today[11], due[11];
    wf_today(today);
    int64_t days;
    if (std_setting(r->db, setting, &days) != 0 || cal_add_workdays(r->db, today, (int)days, due) != 0)
        return http_store_error(r), -1;
    db_stmt_t *s = db_prepare(r->db, "UPDATE corr_relocation SET due_at = $1, escalated = 0 WHERE id = $2");
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, due, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : (http_store_error(r), -1);
}
static int relocation_hook_opinion(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    return relocation_due_from_today(r, id, "corr_relocation_decide_workdays");
}
static int relocation_hook_decided(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    return relocation_due_from_today(r, id, "corr_relocation_handover_workdays");
}

/* The tables of a subject's file, moved with it to the new office. */
static const char *const file_tables[] = {"corr_team_member", "corr_record", "corr_alert",    "corr_leave",
                                          "corr_relocation",  "corr_event",  "corr_sanction", NULL};

/* 移交档案: within the district the file moves to the new office (the
 * subject and every record of it); to another district or province the
 * subject leaves this institution's supervision (执行地变更移出) and the new
 * place's institution entrusts them anew — the person is shared by the ID
 * number (一次录入、多方共享), the file goes with the 移交 documents. */
static int relocation_hook_hand_over(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    db_stmt_t *s = db_prepare(r->db, "SELECT c.subject_id, c.new_office_id, o.path FROM corr_relocation c "
                                     "LEFT JOIN org_units o ON o.id = c.new_office_id WHERE c.id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) return db_reset(s), http_store_error(r), -1;
    int64_t subject = db_col_int(s, 0), office = db_col_null(s, 1) ? 0 : db_col_int(s, 1);
    const char *path = office ? arena_strdup(r->arena, db_col_text(s, 2)) : NULL;
    db_reset(s);
    char today[11];
    wf_today(today);
    if (!office) {
        s = db_prepare(r->db,
                       "UPDATE corr_subject SET wf_state = 'moved', moved_out_on = $1, state_since = $1, "
                       "due_at = NULL, state_due_at = NULL, next_report_due = NULL, next_visit_due = NULL, "
                       "version = version + 1 WHERE id = $2 AND wf_state IN ('entrusted', 'reported', 'supervised')");
        if (!s) return http_store_error(r), -1;
        db_bind_text(s, 1, today, -1);
        db_bind_int(s, 2, subject);
        int rc = db_step(s);
        db_reset(s);
        return rc == DB_DONE ? 0 : (http_store_error(r), -1);
    }
    s = db_prepare(r->db, "UPDATE corr_subject SET org_id = $1, org_path = $2, version = version + 1 WHERE id = $3");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, office);
    db_bind_text(s, 2, path, -1);
    db_bind_int(s, 3, subject);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r), -1;
    for (int i = 0; file_tables[i]; i++) {
        char sql[160];
        snprintf(sql, sizeof(sql), "UPDATE %s SET org_id = $1, org_path = $2 WHERE subject_id = $3", file_tables[i]);
        s = db_prepare(r->db, sql);
        if (!s) return http_store_error(r), -1;
        db_bind_int(s, 1, office);
        db_bind_text(s, 2, path, -1);
        db_bind_int(s, 3, subject);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return http_store_error(r), -1;
    }
    return 0;
}

/* ---- 重大事项报告 ---- */

static const field_t event_fields[] = {
    {"subject_id", "社区矫正对象", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "corrections-subjects"},
    {"kind", "事项类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "corr_event_kind"},
    {"occurred_at", "发生 (发现) 时间", F_DATETIME,
     FF_REQUIRED | FF_FILTER | FF_LIST}, /* no FF_SORT: see docs/corrections.md */
    {"summary", "事项经过", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 2000},
    {"measures", "已采取的措施", F_TEXT, 0, .max = 1000},
    {"report_note", "报告内容", F_TEXT, FF_READONLY, .max = 1000},
    {"reported_at", "报告区社区矫正机构时间", F_DATETIME, FF_READONLY | FF_FILTER},
    {"reported_late", "逾时报告", F_BOOL, FF_READONLY | FF_FILTER},
    {"handling", "区社区矫正机构处理意见", F_TEXT, FF_READONLY, .max = 1000},
    {0},
};
static const char *event_rule(check_ctx_t *c, const char **field) {
    const char *at = str(c->after, "occurred_at");
    int64_t t;
    if (at && unix_from_iso(at, &t) && t > now_unix() + 300) return *field = "occurred_at", "发生时间不能晚于现在";
    return NULL;
}
/* Reported on the day it occurred (the hours are checked at the report). */
static int event_deadline(check_ctx_t *c, char due[11]) {
    due[0] = '\0';
    const char *at = str(c->after, "occurred_at"), *st = str(c->after, "wf_state");
    int64_t t;
    if (!at || !unix_from_iso(at, &t) || (st && strcmp(st, "recorded") != 0)) return 0;
    char iso[21];
    int64_t hours;
    if (std_setting(c->db, "corr_event_report_hours", &hours) != 0) return -1;
    iso_from_unix(t + 8 * 3600 + hours * 3600, iso); /* Beijing date */
    snprintf(due, 11, "%.10s", iso);
    return 0;
}
static int event_hook_report(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_state_t event_states[] = {
    {"recorded", "待报告", 0},
    {"reported", "已报告区社区矫正机构", 0},
    {"handled", "已处理", 0, true},
    {0},
};
static const wf_transition_t event_transitions[] = {
    {"report", "报告区社区矫正机构", "recorded", "reported", .requires = "report_note", .hook = event_hook_report,
     .meets_deadline = true},
    {"handle", "处理完毕", "reported", "handled", .requires = "handling"},
    {0},
};
static const workflow_t event_flow_v1 = {1, "recorded", event_states, event_transitions, 0, 0};
static const workflow_t *const event_flows[] = {&event_flow_v1, NULL};
static const entity_t events = {
    .name = "corrections-events",
    .label = "重大事项报告",
    .table = "corr_event",
    .perm = "corrections.event",
    .fields = event_fields,
    .flows = event_flows,
    .default_sort = "-id",
    .roles = CORR_ROLES,
    .check = event_rule,
    .deadline = event_deadline,
    .code_lists = event_lists,
    .parent = "subject_id",
    .title = "summary",
    LINE,
    PROTECTED,
};

/* The report's time, and whether it came later than corr_event_report_hours
 * after the event; the institution's users who handle it are told at once
 * (the bell, beside the to-do: 法 第三十一条 立即报告). */
static int event_hook_report(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)action, (void)body;
    db_stmt_t *s = db_prepare(r->db, "SELECT occurred_at FROM corr_event WHERE id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    int64_t at = 0, hours;
    int rc = db_step(s);
    if (rc == DB_ROW && !db_col_null(s, 0)) unix_from_iso(db_col_text(s, 0), &at);
    db_reset(s);
    /* a failed read is not "reported in time" */
    if (rc < 0 || std_setting(r->db, "corr_event_report_hours", &hours) != 0) return http_store_error(r), -1;
    int64_t now = now_unix();
    bool late = at && now - at > hours * 3600;
    char iso[21];
    iso_from_unix(now, iso);
    s = db_prepare(r->db, "UPDATE corr_event SET reported_at = $1, reported_late = $2 WHERE id = $3");
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, iso, -1);
    db_bind_int(s, 2, late);
    db_bind_int(s, 3, id);
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r), -1;
    const principal_t *p = auth_principal(r);
    const char *who = p->display_name ? p->display_name : p->username;
    const char *text =
        arena_printf(r->arena, "%s报告重大事项%s, 请及时处理", who ? who : "司法所", late ? " (逾时报告)" : "");
    return notify_holders(r, e, id, "corrections.event.handle", "event_reported", "重大事项报告", text) == 0
               ? 0
               : (http_store_error(r), -1);
}

/* ---- 奖惩建议 ---- */

static const field_t sanction_fields[] = {
    {"subject_id", "社区矫正对象", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "corrections-subjects"},
    {"kind", "建议类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "corr_sanction_kind"},
    {"facts", "事实与理由", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 2000},
    {"evidence", "证据材料", F_FILE, 0},
    {"evidence_list", "证据清单", F_TEXT, FF_REQUIRED, .max = 1000},
    {"proposed_on", "提出日期", F_DATE, FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"decision_doc", "决定文书号", F_TEXT, FF_READONLY, .max = 100},
    {"decision_note", "区社区矫正机构意见", F_TEXT, FF_READONLY, .max = 1000},
    {"decided_on", "决定日期", F_DATE, FF_READONLY | FF_FILTER | FF_SORT},
    {0},
};
static const wf_state_t sanction_states[] = {
    {"proposed", "待区社区矫正机构决定", 0},
    {"approved", "已决定 (采纳)", 0, true},
    {"rejected", "未采纳", 0, true},
    {0},
};
static const wf_transition_t sanction_transitions[] = {
    {"decide", "决定采纳", "proposed", "approved", .requires = "decision_doc decision_note", .stamp = "decided_on"},
    {"dismiss", "不予采纳", "proposed", "rejected", .requires = "decision_note", .stamp = "decided_on"},
    {0},
};
static const workflow_t sanction_flow_v1 = {1, "proposed", sanction_states, sanction_transitions, 0, 0};
static const workflow_t *const sanction_flows[] = {&sanction_flow_v1, NULL};
static const entity_t sanctions = {
    .name = "corrections-sanctions",
    .label = "考核奖惩建议",
    .table = "corr_sanction",
    .perm = "corrections.sanction",
    .fields = sanction_fields,
    .flows = sanction_flows,
    .default_sort = "-proposed_on",
    .roles = CORR_ROLES,
    .code_lists = sanction_lists,
    .parent = "subject_id",
    .title = "facts",
    LINE,
    PROTECTED,
};

/* ---- who fires which transition (declared before the entities, so these
 * defaults are the ones kept: registry.c skips a workflow transition's
 * permission it knows, and for the standard actions (create, import,
 * delete), which it declares again, perm_find and perm_each take the first
 * declaration, this one) ---- */

static const perm_def_t corr_perms[] = {
    /* a subject comes by the institution's entrustment (法 第九条), and only
     * it removes one: an office deleting a subject in supervision would lose
     * them from it (脱管漏管); the office edits, reports and proposes */
    {"corrections.subject.create", "新建社区矫正对象 (委托)", INSTITUTION},
    {"corrections.subject.import", "导入社区矫正对象", INSTITUTION},
    {"corrections.subject.delete", "删除社区矫正对象", INSTITUTION},
    {"corrections.subject.report", "社区矫正对象: 报到", OFFICE " " INSTITUTION},
    {"corrections.subject.announce", "社区矫正对象: 宣告并分类", OFFICE " " INSTITUTION},
    {"corrections.subject.classify", "社区矫正对象: 调整管理等级", OFFICE " " INSTITUTION},
    {"corrections.subject.checkin", "社区矫正对象: 报告/走访登记", OFFICE " " INSTITUTION},
    {"corrections.subject.release", "社区矫正对象: 期满解除", "office_director " INSTITUTION},
    {"corrections.subject.terminate", "社区矫正对象: 终止", INSTITUTION},
    {"corrections.alert.handle", "监管预警: 司法所处置", OFFICE},
    {"corrections.alert.supervise", "监管预警: 区社区矫正机构处置", INSTITUTION},
    {"corrections.leave.approve", "外出审批: 司法所批准", "office_director"},
    {"corrections.leave.refer", "外出审批: 报区社区矫正机构审批", OFFICE},
    {"corrections.leave.decide", "外出审批: 区社区矫正机构批准", INSTITUTION},
    {"corrections.leave.reject", "外出审批: 不予批准", "office_director " INSTITUTION},
    {"corrections.leave.back", "外出审批: 销假", OFFICE " " INSTITUTION},
    {"corrections.relocation.opinion", "执行地变更: 司法所出具意见", OFFICE},
    {"corrections.relocation.approve", "执行地变更: 同意变更 (移出本区)", INSTITUTION},
    {"corrections.relocation.approve_within", "执行地变更: 同意变更 (本区其他司法所)", INSTITUTION},
    {"corrections.relocation.reject", "执行地变更: 不同意变更", INSTITUTION},
    {"corrections.relocation.hand_over", "执行地变更: 移交档案", INSTITUTION},
    {"corrections.event.report", "重大事项: 报告区社区矫正机构", OFFICE},
    {"corrections.event.handle", "重大事项: 处理完毕", INSTITUTION},
    {"corrections.sanction.decide", "考核奖惩建议: 决定采纳", INSTITUTION},
    {"corrections.sanction.dismiss", "考核奖惩建议: 不予采纳", INSTITUTION},
    {0},
};

/* ---- demo data (issue 20 point 11) ---- */

/* The demo's clock: demo data is dated around the day `init --demo` runs
 * so that its overdue check-ins and alert are overdue when the demo is
 * shown. */
static void demo_day(int64_t offset, char out[11]) {
    char iso[21];
    iso_from_unix(now_unix() + 8 * 3600 + offset * 86400, iso);
    snprintf(out, 11, "%.10s", iso);
}

/* A fictitious resident (sequence 8xx, so no other demo resident shares the number). */
static int64_t demo_resident(const engine_demo_t *d, int64_t office, const char *code, const char *name, int k) {
    char id[19];
    snprintf(id, sizeof(id), "%.6s19%02d0%d%02d8%02d", code && strlen(code) >= 6 ? code : "310115", 70 + k, 1 + k % 9,
             10 + k, k);
    idcard_complete(id);
    return person_insert(d->db, d->keys, office, name, id, NULL, NULL, 0);
}

typedef struct demo_subject {
    const char *name, *type, *state, *cls;
    int effective, start, end; /* days from today */
    int last_report;           /* days from today of the last report; 0 = none */
} demo_subject_t;

/* In 陆家嘴 (the demo's office) and 南京东路: subjects of all four types,
 * in every state and class; two with a missed check-in (one already
 * alerted and escalated: the 脱管 alert; one missed yesterday, whose alert
 * the first tick raises at the office), one unreported past the
 * deadline, a leave approved by the office, a warning decided. */
static int subjects_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    static const demo_subject_t list[] = {
        {"马建军", "probation", "supervised", "normal", -200, -200, 500, -10},
        {"邵海燕", "parole", "supervised", "strict", -90, -90, 200, -3},
        {"范志强", "control", "supervised", "lenient", -300, -300, 60, -20},
        {"魏小东", "medical_parole", "supervised", "strict", -60, -60, 300, -12}, /* missed: alert raised */
        /* missed yesterday: the first tick's 脱管预警 stays the office's (escalated after the setting's days) */
        {"汤国平", "probation", "supervised", "normal", -120, -120, 600, -31},
        {"程丽君", "probation", "entrusted", NULL, -14, -14, 700, 0}, /* unreported, past deadline */
        {"袁志华", "parole", "entrusted", NULL, -3, -3, 300, 0},
        {"孔德明", "probation", "reported", NULL, -8, -8, 400, 0},
        {"严春生", "parole", "released", "normal", -400, -400, -5, -35},
        {"谢文斌", "probation", "moved", "normal", -150, -150, 400, -40}, /* moved to another province */
        {"闵晓峰", "probation", "terminated", "strict", -250, -250, 300, -30},
        {"韩立新", "probation", "supervised", "normal", -100, -100, 500, -5}, /* 南京东路's */
    };
    db_stmt_t *q =
        db_prepare(d->db, "SELECT o.id, o.path, p.code FROM org_units o JOIN org_units p ON p.id = o.parent_id "
                          "WHERE o.level = 'office' AND o.name IN ('陆家嘴街道司法所', '南京东路街道司法所') "
                          "ORDER BY o.name = '陆家嘴街道司法所' DESC, o.id LIMIT 2");
    if (!q) goto fail;
    int64_t office[2];
    char path[2][128], code[2][16];
    int n = 0, rc;
    while ((rc = db_step(q)) == DB_ROW && n < 2) {
        office[n] = db_col_int(q, 0);
        snprintf(path[n], sizeof(path[n]), "%s", db_col_text(q, 1));
        snprintf(code[n], sizeof(code[n]), "%s", db_col_null(q, 2) ? "310115" : db_col_text(q, 2));
        n++;
    }
    db_reset(q);
    if (rc < 0) goto fail;
    if (!n) return 0;
    char now[21];
    iso_from_unix(now_unix(), now);
    int nl = (int)(sizeof(list) / sizeof(list[0]));
    for (int i = 0; i < nl; i++) {
        const demo_subject_t *x = &list[i];
        int o = (i == nl - 1 && n > 1) ? 1 : 0; /* the last one is 南京东路's */
        int64_t person = demo_resident(d, office[o], code[o], x->name, i);
        if (person <= 0) goto fail;
        char eff[11], start[11], end[11], rep[11] = "", next[11] = "", vnext[11] = "", ann[11], due[11] = "", today[11];
        demo_day(0, today);
        demo_day(x->effective, eff);
        demo_day(x->start, start);
        demo_day(x->end, end);
        demo_day(x->start + 5, ann);
        bool sup = strcmp(x->state, "entrusted") && strcmp(x->state, "reported");
        if (x->last_report) {
            demo_day(x->last_report, rep);
            int64_t step = strcmp(x->cls, "strict") == 0 ? 7 : strcmp(x->cls, "lenient") == 0 ? 60 : 30;
            add_days(rep, step, next);
            add_days(rep, step, vnext);
        }
        if (strcmp(x->state, "entrusted") == 0) {
            add_days(eff, 10, due);
            to_workday(d->db, due);
        }
        char no[80];
        snprintf(no, sizeof(no), "(%.4s)沪浦矫字第%lld-%04d号", today, (long long)office[o], i + 1);
        json_t *f = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "case_no", no, "person_id",
                              (json_int_t)person, "corr_type", x->type, "crime_category",
                              i % 3 == 0   ? "public_safety"
                              : i % 3 == 1 ? "property"
                                           : "social_order",
                              "crime",
                              i % 3 == 0   ? "危险驾驶罪"
                              : i % 3 == 1 ? "盗窃罪"
                                           : "寻衅滋事罪",
                              "decision_organ", "上海市浦东新区人民法院", "decision_doc",
                              strcmp(x->type, "parole") == 0 ? "(2026)沪01刑更123号" : "(2026)沪0115刑初456号",
                              "effective_on", eff, "start_on", start, "end_on", end, "entrusted_on", eff);
        json_object_set_new(f, "created_at", json_string(now));
        json_object_set_new(f, "state_since", json_string(today));
        if (i % 4 == 1)
            json_object_set_new(f, "prohibitions", json_string("禁止进入夜总会、酒吧、迪厅、网吧等娱乐场所"));
        if (*due) json_object_set_new(f, "due_at", json_string(due));
        if (strcmp(x->state, "entrusted")) json_object_set_new(f, "reported_on", json_string(ann));
        if (sup) {
            json_object_set_new(f, "announced_on", json_string(ann));
            json_object_set_new(f, "supervision_class", json_string(x->cls));
            json_object_set_new(f, "class_reason", json_string("根据犯罪类型、悔罪表现和风险评估确定"));
            json_object_set_new(f, "last_report_on", json_string(rep));
            json_object_set_new(f, "last_visit_on", json_string(rep));
        }
        if (strcmp(x->state, "supervised") == 0) {
            json_object_set_new(f, "next_report_due", json_string(next));
            json_object_set_new(f, "next_visit_due", json_string(vnext));
        }
        if (strcmp(x->state, "released") == 0) {
            json_object_set_new(f, "released_on", json_string(end));
            json_object_set_new(f, "release_cert_no", json_string("沪浦矫解字 (2026) 第 0012 号"));
            json_object_set_new(f, "resettlement_applicable", json_true());
        }
        if (strcmp(x->state, "terminated") == 0) {
            json_object_set_new(f, "end_reason", json_string("revoked"));
            json_object_set_new(f, "ended_on", json_string(today));
        }
        char moved[11];
        demo_day(-3, moved);
        if (strcmp(x->state, "moved") == 0) json_object_set_new(f, "moved_out_on", json_string(moved));
        int64_t id = insert_raw(d->db, &subjects, office[o], path[o], x->state, f);
        json_decref(f);
        if (id < 0) goto fail;
        /* the team: leader and a social worker */
        for (int k = 0; k < 2; k++) {
            json_t *t = json_pack("{s:I,s:s,s:s,s:s,s:s}", "subject_id", (json_int_t)id, "member_name",
                                  k ? "朱莉 (社工)" : "刘芳", "role", k ? "social_worker" : "leader", "unit",
                                  k ? "新航社区服务总站" : "陆家嘴街道司法所", "created_at", now);
            int64_t tid = insert_raw(d->db, &team, office[o], path[o], NULL, t);
            json_decref(t);
            if (tid < 0) goto fail;
        }
        if (*rep) {
            json_t *r = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "subject_id", (json_int_t)id, "kind", "checkin",
                                  "mode", "in_person", "on_date", rep, "place", "司法所", "content",
                                  "当面报告 (司法所)", "created_at", now);
            int64_t rid = insert_raw(d->db, &records, office[o], path[o], NULL, r);
            json_decref(r);
            if (rid < 0) goto fail;
            char month[11];
            demo_day(-7, month);
            r = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "subject_id", (json_int_t)id, "kind",
                          i % 2 ? "public_service" : "education", "on_date", month, "hours", "40", "content",
                          i % 2 ? "社区公益劳动: 清扫绿地" : "集中教育学习: 法律常识", "created_at", now);
            rid = insert_raw(d->db, &records, office[o], path[o], NULL, r);
            json_decref(r);
            if (rid < 0) goto fail;
        }
        if (i == 3) { /* the 脱管 alert: raised, and escalated to the institution */
            char raised[11], esc[11];
            add_days(next, 1, raised);
            demo_day(-1, esc);
            json_t *a = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "subject_id", (json_int_t)id, "kind",
                                  "missed_report", "summary", "魏** 未按期报告 (严管, 每 7 日一次), 电话无法联系",
                                  "due_on", next, "raised_on", raised, "level", "institution", "escalated_on", esc,
                                  "created_at", now, "due_at", esc);
            int64_t aid = insert_raw(d->db, &alerts, office[o], path[o], "escalated", a);
            json_decref(a);
            if (aid < 0) goto fail;
            /* and the major event the office reported: lost contact */
            char at[21], rep_at[21];
            iso_from_unix(now_unix() - 2 * 86400, at);
            iso_from_unix(now_unix() - 2 * 86400 + 3 * 3600, rep_at);
            json_t *ev = json_pack(
                "{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "subject_id", (json_int_t)id, "kind", "absconded", "occurred_at",
                at, "summary", "未按期报告, 电话关机, 家属称其已两日未归", "measures", "已走访家属、联系社区民警协查",
                "report_note", "电话报告区社区矫正机构并书面报告", "reported_at", rep_at, "reported_late", 0);
            int64_t eid = insert_raw(d->db, &events, office[o], path[o], "reported", ev);
            json_decref(ev);
            if (eid < 0) goto fail;
        }
        if (strcmp(x->state, "moved") == 0) { /* the change of residence that moved the subject out */
            json_t *mv = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "subject_id", (json_int_t)id, "new_place",
                                   "浙江省杭州市西湖区", "reason", "随配偶工作调动迁居", "applied_on", rep,
                                   "office_opinion", "居所属实, 同意变更", "decision_note", "同意变更执行地",
                                   "decided_on", rep, "handed_over_on", moved, "receipt_note", "新执行地已回执接收");
            int64_t mid = insert_raw(d->db, &relocations, office[o], path[o], "handed_over", mv);
            json_decref(mv);
            if (mid < 0) goto fail;
        }
        if (i == 0) { /* a leave the office approved, and a warning the institution decided */
            char from[11], to[11], dec[11];
            demo_day(-30, from);
            demo_day(-26, to);
            demo_day(-32, dec);
            json_t *l = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "subject_id", (json_int_t)id, "kind",
                                  "leave", "destination", "江苏省苏州市", "reason", "探望病重的母亲", "leave_from",
                                  from, "leave_to", to, "applied_on", dec, "decision_note", "同意, 按时返回并销假",
                                  "decided_on", dec, "returned_on", to, "created_at", now);
            int64_t lid = insert_raw(d->db, &leaves, office[o], path[o], "returned", l);
            json_decref(l);
            if (lid < 0) goto fail;
            json_t *w = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "subject_id", (json_int_t)id, "kind",
                                  "warning", "facts", "无正当理由未按规定时间报到 (第二次)", "evidence_list",
                                  "谈话笔录、报到记录", "proposed_on", dec, "decision_doc", "沪浦矫警字 (2026) 第 3 号",
                                  "decision_note", "予以警告", "decided_on", dec, "created_at", now);
            int64_t wid = insert_raw(d->db, &sanctions, office[o], path[o], "approved", w);
            json_decref(w);
            if (wid < 0) goto fail;
        }
    }
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

void corrections_declare(void) {
    perm_register(corr_perms);
    entity_register(&subjects);
    entity_register(&team);
    entity_register(&records);
    entity_register(&alerts);
    entity_register(&leaves);
    entity_register(&relocations);
    entity_register(&events);
    entity_register(&sanctions);
    std_rules_register(NULL, 0, corr_settings);
    corrections_board_declare();
}
