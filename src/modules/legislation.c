/* legislation.c — public participation in legislation (参与面向社会征集立法
 * 建议; plan clause 12, issue 23; docs/pufa.md): a call for suggestions on
 * a draft law, regulation or rule as the office receives it (title, text or
 * link, deadline), the suggestions it collects from residents, villages and
 * enterprises, their consolidation and forwarding, and the feedback on
 * adoption that goes back to each suggester.
 *
 * A campaign is a record of the unit that collects.  The city (市局) or a
 * district registers the draft once and publishes it (发布至各司法所): every
 * district and office under it gets its own copy, which collects
 * suggestions; an office forwards to its district, the district to the
 * city (each copy knows the copy it reports to, upper_id, and the call it
 * belongs to, call_id); the tally (GET …/:id/tally) counts what came in
 * and what became of it below any copy, and the feedback on adoption
 * recorded on each suggestion reaches the suggester (告知建议人日期, and a
 * printable notice).  An office may still register a call it received
 * otherwise as a campaign of its own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/document.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "util/json.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define LEG_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"
#define LINE .line = "legislation", .line_label = "立法意见征集"
#define COCKPIT .cockpit = "" /* counted on the cockpit under the line's name (children are not) */

static const code_seed_t kind_codes[] = {
    {"law", "法律"},  {"admin_regulation", "行政法规"}, {"local_regulation", "地方性法规"},
    {"rule", "规章"}, {"normative", "规范性文件"},      {0},
};
static const code_seed_t source_codes[] = {
    {"resident", "居民"},
    {"village", "村(居)委会"},
    {"enterprise", "企业"},
    {"organisation", "社会组织"},
    {"portal", "网上门户"},
    {"other", "其他"},
    {0},
};
static const code_seed_t adoption_codes[] = {
    {"adopted", "采纳"}, {"partly", "部分采纳"}, {"not_adopted", "未采纳"}, {"noted", "已转参考"}, {0},
};
static const code_list_decl_t campaign_lists[] = {
    {"legislation_kind", "立法项目类别", kind_codes},
    {0},
};
static const code_list_decl_t suggestion_lists[] = {
    {"suggestion_source", "意见来源", source_codes},
    {"suggestion_adoption", "意见采纳情况", adoption_codes},
    {0},
};

static const char *url_check(const char *v) {
    return strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0 ? NULL : "链接应以 http:// 或 https:// 开头";
}

/* ---- 征求意见 (campaigns) ---- */

static const field_t campaign_fields[] = {
    {"title", "草案名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 200},
    {"kind", "类别", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "legislation_kind"},
    {"issuer", "征求意见单位", F_TEXT, FF_REQUIRED | FF_SEARCH, .max = 100},
    {"published_on", "发布日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT | FF_LIST},
    {"deadline", "意见截止日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"link", "草案链接", F_TEXT, 0, .max = 500, .check = url_check},
    {"draft", "草案文本 (PDF)", F_FILE},
    {"summary", "草案要点", F_TEXT, FF_SEARCH, .max = 4000},
    {"consolidated", "汇总意见", F_TEXT, FF_READONLY, .max = 4000},
    {"forwarded_on", "报送日期", F_DATE, FF_READONLY | FF_FILTER},
    {"forwarded_to", "报送单位", F_TEXT, FF_READONLY, .max = 100},
    {"feedback", "采纳情况反馈", F_TEXT, FF_READONLY, .max = 4000},
    {"feedback_on", "反馈日期", F_DATE, FF_READONLY},
    /* a city- or district-wide call (publish_hook) */
    {"published_by", "发布单位", F_TEXT, FF_READONLY | FF_LIST, .max = 100,
     .readonly_why = "由市局或区局发布至各司法所时填写"},
    {"published_to", "已发布至 (单位数)", F_INT, FF_READONLY, .readonly_why = "发布至各司法所时填写"},
    {"call_id", "所属上级征求意见 (编号)", F_INT, FF_READONLY | FF_FILTER, .readonly_why = "发布至各司法所时填写"},
    {"upper_id", "汇总报送至 (编号)", F_INT, FF_READONLY | FF_FILTER, .readonly_why = "发布至各司法所时填写"},
    {0},
};

/* The suggestions of a call below a copy (its subtree) that have no
 * adoption yet: a campaign others report to is closed only when the
 * adoption of every suggestion that reached it is recorded. */
#define CALL_SUGGESTIONS                                                                                             \
    "SELECT COUNT(*) FROM legislation_suggestion s JOIN legislation_campaign k ON k.id = s.campaign_id "            \
    "JOIN legislation_campaign c ON c.id = $1 WHERE s.deleted_at IS NULL AND k.deleted_at IS NULL "                 \
    "AND (k.id = COALESCE(c.call_id, c.id) OR k.call_id = COALESCE(c.call_id, c.id)) "                               \
    "AND k.org_path >= c.org_path AND substr(k.org_path, 1, length(c.org_path)) = c.org_path AND s.adoption IS NULL"

/* A deadline after publication; the campaign is closed with feedback only
 * when every suggester has been told what became of their suggestion. */
static const char *campaign_rule(check_ctx_t *c, const char **field) {
    const char *pub = json_string_value(json_object_get(c->after, "published_on")),
               *dl = json_string_value(json_object_get(c->after, "deadline"));
    if (pub && dl && strcmp(dl, pub) < 0) return *field = "deadline", "意见截止日期不能早于发布日期";
    if (c->op == CHECK_ACTION && strcmp(c->action, "close") == 0) {
        int64_t id = json_integer_value(json_object_get(c->after, "id"));
        int64_t lower =
            check_count(c, "SELECT COUNT(*) FROM legislation_campaign WHERE upper_id = $1 AND deleted_at IS NULL", id);
        /* not "no lower campaigns": the own suggestions alone would decide */
        if (lower < 0) return *field = "feedback", check_store_error(c, "暂时无法核对意见反馈情况, 请稍后重试");
        if (json_is_integer(json_object_get(c->after, "published_to")) || lower > 0) {
            int64_t open = check_count(c, CALL_SUGGESTIONS, id);
            if (open < 0) return *field = "feedback", check_store_error(c, "暂时无法核对意见反馈情况, 请稍后重试");
            if (open > 0)
                return *field = "feedback",
                       arena_printf(c->r->arena,
                                    "下级报送的意见中尚有 %lld 条未登记采纳情况, 请先在各条意见中登记 (见「意见汇总」)",
                                    (long long)open);
            return NULL;
        }
        int64_t open = check_count(c,
                                   "SELECT COUNT(*) FROM legislation_suggestion WHERE campaign_id = $1 AND "
                                   "deleted_at IS NULL AND (adoption IS NULL OR notified_on IS NULL)",
                                   id);
        if (open < 0) return *field = "feedback", check_store_error(c, "暂时无法核对意见反馈情况, 请稍后重试");
        if (open > 0)
            return *field = "feedback",
                   arena_printf(c->r->arena, "尚有 %lld 条意见未登记采纳情况或未告知建议人, 请先在意见中填写",
                                (long long)open);
    }
    return NULL;
}

static const wf_state_t campaign_states[] = {
    {"collecting", "征集中", 0}, {"consolidated", "已汇总", 3}, /* forward within 3 working days */
    {"forwarded", "已报送", 0},  {"closed", "已反馈", 0, true}, {0},
};
static int publish_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t campaign_transitions[] = {
    /* the city or a district: one copy to every district and office below */
    {"publish", "发布至各司法所", "collecting", "collecting", .perm = "legislation.campaign.publish", .hook = publish_hook},
    {"consolidate", "汇总意见", "collecting", "consolidated", .requires = "consolidated"},
    {"reopen_collecting", "继续征集", "consolidated", "collecting"},
    {"forward", "报送", "consolidated", "forwarded", .requires = "forwarded_on forwarded_to"},
    {"close", "反馈采纳情况", "forwarded", "closed", .requires = "feedback feedback_on"},
    {0},
};
static const workflow_t campaign_flow_v1 = {1, "collecting", campaign_states, campaign_transitions};
static const workflow_t *const campaign_flows[] = {&campaign_flow_v1, NULL};
static const entity_child_t campaign_children[] = {
    {"suggestions", "legislation-suggestions", CHILD_DELETE_REFUSE},
    {0},
};
static int legislation_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t campaigns = {
    .name = "legislation-campaigns",
    .label = "立法征求意见",
    .table = "legislation_campaign",
    .perm = "legislation.campaign",
    .fields = campaign_fields,
    .flows = campaign_flows,
    .default_sort = "-published_on",
    .roles = LEG_ROLES,
    .check = campaign_rule,
    .code_lists = campaign_lists,
    .children = campaign_children,
    .demo = legislation_demo,
    .panels = "call-tally",
    .detail_hide = "call_id upper_id",
    LINE,
    COCKPIT,
    .cockpit_by_state = true,
};

/* ---- 意见建议 ---- */


static const field_t suggestion_fields[] = {
    {"campaign_id", "征求意见", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "legislation-campaigns"},
    {"source", "来源", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "suggestion_source"},
    {"person_id", "建议人 (居民)", F_PERSON, FF_FILTER | FF_LIST},
    {"suggester", "建议单位或署名", F_TEXT, FF_SEARCH | FF_LIST, .max = 200},
    {"suggester_uscc", "建议单位统一社会信用代码", F_TEXT, 0, .max = 18, .check = uscc_check},
    {"village_id", "所在村(居)", F_REF, FF_FILTER, .ref = "org_units"},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
    {"received_on", "收到日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_FILTER | FF_SORT},
    {"article", "涉及条款", F_TEXT, FF_SEARCH, .max = 100},
    {"content", "意见内容", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST, .max = 4000},
    {"adoption", "采纳情况", F_CODE, FF_FILTER | FF_LIST, .code_list = "suggestion_adoption"},
    {"feedback_note", "反馈说明", F_TEXT, 0, .max = 1000},
    {"notified_on", "告知建议人日期", F_DATE, FF_FILTER | FF_LIST},
    {0},
};
/* A suggestion names who made it (a resident of the registry, or a unit or
 * signature); it comes in while the campaign collects, by its deadline;
 * the suggester is told only once the adoption is known. */
static const char *suggestion_rule(check_ctx_t *c, const char **field) {
    bool person = json_is_integer(json_object_get(c->after, "person_id"));
    const char *who = json_string_value(json_object_get(c->after, "suggester"));
    if (!person && (!who || !*who)) return *field = "suggester", "请选择建议人 (居民), 或填写建议单位或署名";
    const char *adoption = json_string_value(json_object_get(c->after, "adoption")),
               *told = json_string_value(json_object_get(c->after, "notified_on"));
    if (told && !adoption) return *field = "adoption", "请先登记采纳情况, 再告知建议人";
    json_t *camp = check_linked(c, "campaign_id");
    if (!camp) return NULL;
    const char *st = json_string_value(json_object_get(camp, "wf_state")),
               *dl = json_string_value(json_object_get(camp, "deadline")),
               *got = json_string_value(json_object_get(c->after, "received_on"));
    if (c->op != CHECK_UPDATE && st && strcmp(st, "collecting") != 0)
        return *field = "campaign_id", "该征求意见已汇总, 不再收集新的意见";
    if (c->op != CHECK_UPDATE && dl && got && strcmp(got, dl) > 0)
        return *field = "received_on", "收到日期晚于意见截止日期";
    return NULL;
}
/* 意见采纳情况告知书: what became of the suggestion, for the suggester
 * (handed over or sent; the day is 告知建议人日期). */
static int notice_doc(http_req_t *r, doc_t *o, const entity_t *e, json_t *rec) {
    json_t *who = json_object_get(rec, "suggester");
    const char *to = json_is_string(who) && *json_string_value(who) ? json_string_value(who)
                                                                    : doc_value(r, e, rec, "person_id");
    doc_title(o, "立法意见采纳情况告知书");
    doc_para(o, arena_printf(r->arena, "%s:", to), 0);
    doc_para(o,
             arena_printf(r->arena, "您于 %s 对《%s》提出的意见 (涉及条款: %s) 已由本所汇总报送。经立法机关研究, 采纳情况如下:",
                          doc_value(r, e, rec, "received_on"), doc_value(r, e, rec, "campaign_id"),
                          doc_value(r, e, rec, "article")),
             DOCX_INDENT);
    doc_table(o, 2, (const int[]){2200, 6826});
    const char *rows[][2] = {
        {"意见内容", doc_value(r, e, rec, "content")},
        {"采纳情况", doc_value(r, e, rec, "adoption")},
        {"说明", doc_value(r, e, rec, "feedback_note")},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        doc_row(o, rows[i]);
    doc_table_end(o);
    doc_para(o, "感谢您对立法工作的关心和支持。", DOCX_INDENT);
    doc_para(o, arena_printf(r->arena, "%s", json_string_value(json_object_get(rec, "org_name"))), DOCX_RIGHT);
    doc_para(o, doc_value(r, e, rec, "notified_on"), DOCX_RIGHT);
    return 0;
}
static const entity_document_t suggestion_documents[] = {
    {"notice", "意见采纳情况告知书", "adoption", "尚未登记采纳情况", notice_doc},
    {0},
};
static const entity_t suggestions_e = {
    .name = "legislation-suggestions",
    .label = "立法意见建议",
    .table = "legislation_suggestion",
    .perm = "legislation.suggestion",
    .fields = suggestion_fields,
    .default_sort = "-received_on",
    .roles = LEG_ROLES,
    .check = suggestion_rule,
    .code_lists = suggestion_lists,
    .parent = "campaign_id",
    .title = "content",
    .documents = suggestion_documents,
    .panels = "documents portal",
    LINE,
    COCKPIT,
};

/* Demo: the city's call on a draft, published to every district and office
 * (as publish_hook does), still collecting.  0 or -1. */
static int call_demo(const engine_demo_t *d) {
    static const char *const copy =
        "INSERT INTO legislation_campaign (org_id, org_path, created_at, updated_at, wf_state, wf_version, "
        "state_since, title, kind, issuer, published_on, deadline, summary, published_by, published_to, call_id, "
        "upper_id) SELECT %s, '2026-11-30T09:00:00Z', '2026-11-30T09:00:00Z', 'collecting', 1, "
        "'2026-11-30T09:00:00Z', '上海市优化营商环境条例 (修正草案征求意见稿)', 'local_regulation', "
        "'上海市人大常委会法工委', '2026-11-28', '2026-12-28', '涉企检查统筹、信用修复、政务服务一网通办', %s";
    char sql[1400];
    snprintf(sql, sizeof(sql), copy, "id, path", "NULL, 0, NULL, NULL FROM org_units WHERE level = 'city' "
                                                 "ORDER BY id LIMIT 1 RETURNING id");
    db_stmt_t *s = db_prepare(d->db, sql);
    if (!s) return -1;
    int rc = db_step(s);
    int64_t root = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (rc == DB_DONE) return 0; /* no city */
    if (!root) return -1;
    static const char *const below[] = {
        "'上海市司法局', NULL, $1, $1 FROM org_units u WHERE u.level = 'district'",
        "'上海市司法局', NULL, $1, (SELECT k.id FROM legislation_campaign k WHERE k.call_id = $1 AND k.org_id = "
        "u.parent_id) FROM org_units u WHERE u.level = 'office'",
    };
    for (int i = 0; i < 2; i++) {
        snprintf(sql, sizeof(sql), copy, "u.id, u.path", below[i]);
        if (!(s = db_prepare(d->db, sql))) return -1;
        db_bind_int(s, 1, root);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return -1;
    }
    s = db_prepare(d->db, "UPDATE legislation_campaign SET published_to = (SELECT COUNT(*) FROM legislation_campaign "
                          "WHERE call_id = $1) WHERE id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, root);
    rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Demo: in the first three offices, a campaign forwarded and one still
 * collecting, with suggestions; the city's call to every office. */
static int legislation_demo(const engine_demo_t *d, char *err, size_t errlen) {
    if (d->nation) return 0;
    db_stmt_t *q = db_prepare(d->db, "SELECT id, path FROM org_units WHERE level = 'office' "
                                     "ORDER BY name = '陆家嘴街道司法所' DESC, id LIMIT 3");
    if (!q) goto fail;
    int64_t office[3];
    char path[3][128];
    int n = 0, rc;
    while ((rc = db_step(q)) == DB_ROW && n < 3) {
        office[n] = db_col_int(q, 0);
        snprintf(path[n], sizeof(path[n]), "%s", db_col_text(q, 1));
        n++;
    }
    db_reset(q);
    if (rc < 0) goto fail;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            db_stmt_t *s = db_prepare(
                d->db,
                "INSERT INTO legislation_campaign (org_id, org_path, created_at, updated_at, wf_state, wf_version, "
                "state_since, title, kind, issuer, published_on, deadline, summary, consolidated, forwarded_on, "
                "forwarded_to) VALUES ($1, $2, $3, $3, $4, 1, $9, $5, $6, $7, $8, $10, $11, $12, $13, $14) "
                "RETURNING id");
            if (!s) goto fail;
            db_bind_int(s, 1, office[i]);
            db_bind_text(s, 2, path[i], -1);
            db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
            db_bind_text(s, 4, k ? "collecting" : "forwarded", -1);
            db_bind_text(s, 5, k ? "上海市物业管理条例 (修正草案)" : "上海市养老服务条例 (草案)", -1);
            db_bind_text(s, 6, "local_regulation", -1);
            db_bind_text(s, 7, "上海市人大常委会法工委", -1);
            db_bind_text(s, 8, k ? "2026-11-20" : "2026-08-01", -1);
            db_bind_text(s, 9, "2026-11-30T09:00:00Z", -1);
            db_bind_text(s, 10, k ? "2026-12-20" : "2026-08-31", -1);
            db_bind_text(s, 11, k ? "业主大会、物业服务企业退出、维修资金使用" : "社区嵌入式养老、助餐服务、长期护理",
                         -1);
            if (k) {
                db_bind_null(s, 12);
                db_bind_null(s, 13);
                db_bind_null(s, 14);
            } else {
                db_bind_text(s, 12, "共收集意见 2 条, 集中在助餐点布局和护理补贴", -1);
                db_bind_text(s, 13, "2026-09-03", -1);
                db_bind_text(s, 14, "区司法局", -1);
            }
            rc = db_step(s);
            int64_t camp = rc == DB_ROW ? db_col_int(s, 0) : 0;
            db_reset(s);
            if (!camp) goto fail;
            for (int j = 0; j < 2; j++) {
                s = db_prepare(d->db, "INSERT INTO legislation_suggestion (org_id, org_path, created_at, updated_at, "
                                      "campaign_id, source, suggester, received_on, article, content, adoption, "
                                      "feedback_note) VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
                if (!s) goto fail;
                db_bind_int(s, 1, office[i]);
                db_bind_text(s, 2, path[i], -1);
                db_bind_text(s, 3, "2026-11-30T09:00:00Z", -1);
                db_bind_int(s, 4, camp);
                db_bind_text(s, 5, j ? "enterprise" : "village", -1);
                db_bind_text(s, 6, j ? "某物业服务有限公司" : "居委会 (汇总居民意见)", -1);
                db_bind_text(s, 7, k ? "2026-11-25" : "2026-08-20", -1);
                db_bind_text(s, 8, j ? "第十二条" : "第二十条", -1);
                db_bind_text(s, 9, j ? "建议明确过渡期服务衔接的责任" : "建议增加社区助餐点的设置标准", -1);
                /* the forwarded campaign's first suggestion has its adoption back,
                 * the suggester not yet told: the 告知书 is ready to print */
                if (!k && !j) {
                    db_bind_text(s, 10, "partly", -1);
                    db_bind_text(s, 11, "助餐点设置标准已写入条例第二十条, 具体间距由区政府规定", -1);
                } else {
                    db_bind_null(s, 10);
                    db_bind_null(s, 11);
                }
                rc = db_step(s);
                db_reset(s);
                if (rc != DB_DONE) goto fail;
            }
        }
    return call_demo(d) == 0 ? 0 : (snprintf(err, errlen, "%s", db_errmsg(d->db)), -1);
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

/* ---- a call published to every office (市局/区局 → 各司法所) ---- */

/* 发布至各司法所: the city's (or a district's) campaign is copied to every
 * district and office below its unit that exists on the publication date,
 * each copy collecting on its own; an office's copy reports to its
 * district's copy (upper_id), a district's to the city's, all belong to the
 * call (call_id).  Inside the transition's transaction; each copy audited
 * as a create.  Refused (409) for an office's campaign, a copy, or a call
 * already published. */
static int publish_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)action, (void)body;
    db_stmt_t *s = db_prepare(r->db, "SELECT k.org_path, k.call_id, k.published_to, u.level, u.name, k.title, k.kind, "
                                     "k.issuer, k.published_on, k.deadline, k.link, k.draft, k.summary "
                                     "FROM legislation_campaign k JOIN org_units u ON u.id = k.org_id WHERE k.id = $1");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) return db_reset(s), http_store_error(r), -1;
    const char *path = arena_strdup(r->arena, db_col_text(s, 0)), *level = arena_strdup(r->arena, db_col_text(s, 3)),
               *by = arena_strdup(r->arena, db_col_text(s, 4)), *on = arena_strdup(r->arena, db_col_text(s, 8));
    bool copy = !db_col_null(s, 1), published = !db_col_null(s, 2);
    static const char *const copied[] = {"title", "kind", "issuer", "published_on", "deadline", "link", "draft", "summary"};
    json_t *fields = json_object();
    for (int i = 0; i < 8; i++)
        json_object_set_new(fields, copied[i], db_col_null(s, 5 + i) ? json_null() : json_string(db_col_text(s, 5 + i)));
    db_reset(s);
    const char *why = copy        ? "该征求意见由上级发布, 请在本单位收集意见后报送, 不能再次发布"
                      : published ? "该征求意见已发布至各司法所, 不能重复发布"
                      : strcmp(level, "city") != 0 && strcmp(level, "district") != 0
                          ? "只有市局或区局登记的征求意见可以发布至各司法所; 本所收到的征求意见直接在本记录中收集意见"
                          : NULL;
    if (why) return json_decref(fields), http_error(r, 409, "not_publishable", why), -1;
    char hi[512], now[21];
    scope_upper(path, hi, sizeof(hi));
    iso_from_unix(now_unix(), now);
    json_object_set_new(fields, "published_by", json_string(by));
    json_object_set_new(fields, "call_id", json_integer(id));
    json_object_set_new(fields, "created_at", json_string(now));
    json_object_set_new(fields, "updated_at", json_string(now));
    json_object_set_new(fields, "state_since", json_string(now));
    json_object_set_new(fields, "created_by", json_integer(auth_principal(r)->user_id));
    json_object_set_new(fields, "updated_by", json_integer(auth_principal(r)->user_id));
    /* by path: a district comes before its offices */
    s = db_prepare(r->db, "SELECT id, path, level FROM org_units WHERE level IN ('district', 'office') AND path > $1 "
                          "AND path < $2 AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3) ORDER BY path");
    if (!s) return json_decref(fields), http_store_error(r), -1;
    db_bind_text(s, 1, path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, on, -1);
    struct unit {
        int64_t id;
        const char *path;
        bool district;
    } *u = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct unit *nu = arena_alloc(r->arena, sizeof(*u) * (size_t)cap);
            if (n) memcpy(nu, u, sizeof(*u) * (size_t)n);
            u = nu;
        }
        u[n++] = (struct unit){db_col_int(s, 0), arena_strdup(r->arena, db_col_text(s, 1)),
                               strcmp(db_col_text(s, 2), "district") == 0};
    }
    db_reset(s);
    if (rc < 0) return json_decref(fields), http_store_error(r), -1;
    int64_t district = 0;
    const char *dpath = NULL;
    int made = 0;
    for (int i = 0; i < n; i++) {
        bool under = dpath && strncmp(u[i].path, dpath, strlen(dpath)) == 0;
        json_object_set_new(fields, "upper_id", json_integer(!u[i].district && under ? district : id));
        int64_t cid = engine_insert_raw(r->db, e, u[i].id, u[i].path, "collecting", fields);
        char *detail = arena_printf(r->arena, "{\"published_from\":%lld}", (long long)id);
        if (cid < 0 || auth_audit(r, "record.create", e->name, cid, "ok", detail) != 0)
            return json_decref(fields), http_store_error(r), -1;
        if (u[i].district) district = cid, dpath = u[i].path;
        made++;
    }
    json_decref(fields);
    s = db_prepare(r->db, "UPDATE legislation_campaign SET published_to = $1 WHERE id = $2");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, made);
    db_bind_int(s, 2, id);
    rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r), -1;
    return 0;
}

/* GET /api/v1/legislation-campaigns/:id/tally — what came in below a
 * campaign of a call and what became of it: each copy below it (unit,
 * state, suggestions, adoption recorded, adopted in whole or part, suggesters
 * told), the totals, and the suggestions themselves (at most
 * TALLY_SUGGESTIONS, newest first) for the unit that records the adoption. */
#define TALLY_SUGGESTIONS 500
static const char *const tally_keys[] = {"suggestions", "with_adoption", "adopted", "notified"};

/* sql over the copies of a call in a subtree: $1 the call, $2 and $3 the
 * subtree's bounds. */
static db_stmt_t *call_stmt(http_req_t *r, const char *sql, int64_t call, const char *path, const char *hi) {
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return NULL;
    db_bind_int(s, 1, call);
    db_bind_text(s, 2, path, -1);
    db_bind_text(s, 3, hi, -1);
    return s;
}

static void get_tally(http_req_t *r) {
    const entity_t *e = entity_find("legislation-campaigns");
    int64_t id = http_param_id(r, "id");
    db_stmt_t *s = db_prepare(r->db, "SELECT org_path, COALESCE(call_id, id) FROM legislation_campaign "
                                     "WHERE id = $1 AND deleted_at IS NULL");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    const char *path = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    int64_t call = rc == DB_ROW ? db_col_int(s, 1) : 0;
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (!path) return http_error(r, 404, "not_found", "记录不存在");
    engine_read_t ra = engine_may_read(r, e, path);
    if (!ENGINE_READABLE(ra)) return engine_read_refuse(r, ra);
    char hi[512];
    scope_upper(path, hi, sizeof(hi));
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "call_id", call);
    jw_key(w, "units");
    jw_arr(w);
    s = call_stmt(r,
                  "SELECT k.id, u.name, k.wf_state, k.forwarded_on, COUNT(s.id), COUNT(s.adoption), "
                  "SUM(CASE WHEN s.adoption IN ('adopted', 'partly') THEN 1 ELSE 0 END), COUNT(s.notified_on) "
                  "FROM legislation_campaign k JOIN org_units u ON u.id = k.org_id "
                  "LEFT JOIN legislation_suggestion s ON s.campaign_id = k.id AND s.deleted_at IS NULL "
                  "WHERE (k.id = $1 OR k.call_id = $1) AND k.deleted_at IS NULL AND k.org_path >= $2 "
                  "AND k.org_path < $3 GROUP BY k.id, u.name, k.wf_state, k.forwarded_on, k.org_path "
                  "ORDER BY k.org_path",
                  call, path, hi);
    if (!s) return buf_clear(r->out), http_store_error(r);
    int64_t tot[4] = {0}, units = 0, forwarded = 0;
    const workflow_t *wf = entity_flow(e, 0);
    while ((rc = db_step(s)) == DB_ROW) {
        const char *st = db_col_text(s, 2);
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "unit", db_col_text(s, 1));
        jw_kstr(w, "wf_state", st);
        for (const wf_state_t *x = wf->states; x->key; x++)
            if (strcmp(x->key, st) == 0) jw_kstr(w, "wf_state_label", x->label);
        jw_kstr(w, "forwarded_on", db_col_null(s, 3) ? NULL : db_col_text(s, 3));
        for (int i = 0; i < 4; i++) {
            jw_kint(w, tally_keys[i], db_col_int(s, 4 + i));
            tot[i] += db_col_int(s, 4 + i);
        }
        jw_obj_end(w);
        units++;
        if (strcmp(st, "forwarded") == 0 || strcmp(st, "closed") == 0) forwarded++;
    }
    db_reset(s);
    if (rc < 0) return buf_clear(r->out), http_store_error(r);
    jw_arr_end(w);
    jw_key(w, "totals");
    jw_obj(w);
    jw_kint(w, "units", units);
    jw_kint(w, "forwarded", forwarded);
    for (int i = 0; i < 4; i++)
        jw_kint(w, tally_keys[i], tot[i]);
    jw_obj_end(w);
    jw_key(w, "suggestions");
    jw_arr(w);
    s = call_stmt(r,
                  "SELECT s.id, u.name, s.source, s.suggester, s.person_id IS NOT NULL, s.content, "
                  "s.adoption, s.notified_on, s.received_on FROM legislation_suggestion s "
                  "JOIN legislation_campaign k ON k.id = s.campaign_id JOIN org_units u ON u.id = k.org_id "
                  "WHERE (k.id = $1 OR k.call_id = $1) AND k.deleted_at IS NULL AND s.deleted_at IS NULL "
                  "AND k.org_path >= $2 AND k.org_path < $3 ORDER BY s.id DESC LIMIT $4",
                  call, path, hi);
    if (!s) return buf_clear(r->out), http_store_error(r);
    db_bind_int(s, 4, TALLY_SUGGESTIONS);
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "unit", db_col_text(s, 1));
        jw_kstr(w, "source", code_label(r->db, "suggestion_source", db_col_text(s, 2)));
        jw_kstr(w, "suggester", db_col_null(s, 3) ? (db_col_int(s, 4) ? "居民 (人员库)" : NULL) : db_col_text(s, 3));
        jw_kstr(w, "content", db_col_text(s, 5));
        jw_kstr(w, "adoption", db_col_null(s, 6) ? NULL : code_label(r->db, "suggestion_adoption", db_col_text(s, 6)));
        jw_kstr(w, "notified_on", db_col_null(s, 7) ? NULL : db_col_text(s, 7));
        jw_kstr(w, "received_on", db_col_null(s, 8) ? NULL : db_col_text(s, 8));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc < 0) return buf_clear(r->out), http_store_error(r);
    jw_arr_end(w);
    jw_kbool(w, "more", tot[0] > TALLY_SUGGESTIONS);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/legislation-campaigns/:id/tally", get_tally, .perm = "legislation.campaign.read"},
    {0},
};
static const perm_def_t campaign_perms[] = {
    {"legislation.campaign.publish", "立法征求意见: 发布至各司法所 (市局、区局)",
     "district_admin district_staff city_staff city_leader"},
    {0},
};

void legislation_declare(void) {
    perm_register(campaign_perms);
    entity_register(&campaigns);
    entity_register(&suggestions_e);
    router_add(routes); /* only `serve` serves it */
}
