/* legislation.c — public participation in legislation (参与面向社会征集立法
 * 建议; plan clause 12, issue 23; docs/pufa.md): a call for suggestions on
 * a draft law, regulation or rule as the office receives it (title, text or
 * link, deadline), the suggestions it collects from residents, villages and
 * enterprises, their consolidation and forwarding, and the feedback on
 * adoption that goes back to each suggester.
 *
 * A campaign is a record of the office that collects: the upper level's
 * call reaches each office as its own campaign (a district or the city may
 * register it for an office).  Publishing one call to many offices at once
 * is not built (docs/pufa.md). */
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "modules/modules.h"
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
    {0},
};

/* A deadline after publication; the campaign is closed with feedback only
 * when every suggester has been told what became of their suggestion. */
static const char *campaign_rule(check_ctx_t *c, const char **field) {
    const char *pub = json_string_value(json_object_get(c->after, "published_on")),
               *dl = json_string_value(json_object_get(c->after, "deadline"));
    if (pub && dl && strcmp(dl, pub) < 0) return *field = "deadline", "意见截止日期不能早于发布日期";
    if (c->op == CHECK_ACTION && strcmp(c->action, "close") == 0) {
        int64_t id = json_integer_value(json_object_get(c->after, "id"));
        int64_t open = check_count(c,
                                   "SELECT COUNT(*) FROM legislation_suggestion WHERE campaign_id = $1 AND "
                                   "deleted_at IS NULL AND (adoption IS NULL OR notified_on IS NULL)",
                                   id);
        if (open < 0) return *field = "feedback", "暂时无法核对意见反馈情况, 请稍后重试";
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
static const wf_transition_t campaign_transitions[] = {
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
    LINE,
    COCKPIT,
};

/* Demo: in the first three offices, a campaign forwarded and one still
 * collecting, with suggestions. */
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
                                      "campaign_id, source, suggester, received_on, article, content) VALUES ($1, $2, "
                                      "$3, $3, $4, $5, $6, $7, $8, $9)");
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
                rc = db_step(s);
                db_reset(s);
                if (rc != DB_DONE) goto fail;
            }
        }
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

void legislation_declare(void) {
    entity_register(&campaigns);
    entity_register(&suggestions_e);
}
