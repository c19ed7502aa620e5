/* referrals.c — disputes referred by outside bodies (外部机构移送; issue 25
 * point 4, clause 21: 一次录入、多方共享 with the courts, the police and the
 * 12345 hotline).
 *
 *   POST /api/v1/referrals        an outside body's token refers a dispute
 *   GET  /api/v1/referrals        the token's own referrals and their status
 *   GET  /api/v1/referrals/:id    one of them
 *
 * A referral registers a people's mediation case (登记, waiting for the
 * office's 受理) at the judicial office of the place of the dispute, with
 * the case's source the body's (法院委派/委托, 公安委派/委托, 12345 热线转办),
 * and its parties matched to the person registry by document number as the
 * office's own staff would (persons.c, person_for_party: an existing person
 * is linked and shared with the office, a new one registered there).  The
 * case is the office's from then on: it accepts, mediates and closes it in
 * its own workflow.
 *
 * The token (docs/api.md "Referrals from outside bodies").  An outside
 * body is not a unit of the tree: its token is made for the unit whose
 * area it covers (a district bureau for a district court or police
 * sub-bureau; the city bureau for the 12345 hotline), and holds one
 * permission per kind of body — referral.court, referral.police,
 * referral.hotline — which fixes the source of what it refers.  With that
 * alone it may create referrals for places within its unit's subtree and
 * read its own referrals' status (the case's state, number, office and
 * dates, never the parties or the office's notes); it cannot list or read
 * cases, persons or anything else.  A second POST of the same
 * `external_no` by the same token is 409 referral_exists with the id (a
 * retry after a lost answer creates nothing).
 *
 * Each referral is also a record (inbound-referrals) the office and the
 * district list under 人民调解 — where it came from, the body's number,
 * the case — readable as the mediation line's records are. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/values.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "util/timeutil.h"
#include "util/validate.h"

/* The kinds of outside body: the permission a token holds → the case's source. */
static const struct body_kind {
    const char *perm, *source, *label;
} kinds[] = {
    {"referral.court", "court_referral", "法院"},
    {"referral.police", "police_referral", "公安机关"},
    {"referral.hotline", "hotline_12345", "12345 热线"},
    {0},
};

static const perm_def_t referral_perms[] = {
    /* granted to API tokens by the security administrator, never to a role by default */
    {"referral.court", "外部移送: 法院委派调解 (API 令牌)", ""},
    {"referral.police", "外部移送: 公安机关委托调解 (API 令牌)", ""},
    {"referral.hotline", "外部移送: 12345 热线转办 (API 令牌)", ""},
    {0},
};

static const field_t referral_fields[] = {
    {"external_no", "移送单位编号", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST, .max = 64},
    {"body_name", "移送单位", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST, .max = 100},
    {"source", "案件来源", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "mediation_source"},
    {"case_id", "人民调解案件", F_REF, FF_READONLY | FF_FILTER | FF_LIST, .ref = "mediation-cases"},
    {"token_id", "API 令牌", F_INT, FF_READONLY | FF_FILTER},
    {0},
};

static const entity_t inbound_referrals = {
    .name = "inbound-referrals",
    .label = "外部移送",
    .table = "inbound_referral",
    .perm = "mediation.referral",
    .fields = referral_fields,
    .default_sort = "-id",
    .roles = "office_director office_staff district_admin district_staff city_staff mediator",
    .unique = "token_id external_no",
    .create_via = "外部移送由法院、公安、12345 热线的系统通过 API 提交 (POST /api/v1/referrals)",
    .delete_via = "外部移送记录不能删除; 不受理请在人民调解案件中「不予受理」",
    .title = "external_no",
    .detail_hide = "token_id",
    .line = "mediation",
    .line_label = "人民调解",
};

void referrals_declare(void) {
    perm_register(referral_perms);
    entity_register(&inbound_referrals);
}

/* True for an API token holding a referral permission; else answers 403. */
static bool referring_token(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    if (!p || !p->token_id)
        return http_error(r, 403, "token_only", "外部移送接口仅供法院、公安、12345 热线等外部机构的 API 令牌使用"),
               false;
    for (const struct body_kind *k = kinds; k->perm; k++)
        if (auth_can(p, k->perm)) return true;
    return http_error(r, 403, "forbidden", "该令牌没有外部移送权限"), false;
}

/* The body kind a token refers as: the one referral permission it holds
 * (or, holding several, the one `source` names).  NULL after answering. */
static const struct body_kind *caller_kind(http_req_t *r, const char *source) {
    if (!referring_token(r)) return NULL;
    const principal_t *p = auth_principal(r);
    const struct body_kind *found = NULL;
    int held = 0;
    for (const struct body_kind *k = kinds; k->perm; k++)
        if (auth_can(p, k->perm)) {
            held++;
            if (!found && (!source || strcmp(source, k->source) == 0)) found = k;
        }
    if (source && !found) return http_invalid(r, "source", "案件来源与令牌的移送权限不符"), NULL;
    if (!source && held > 1) return http_invalid(r, "source", "该令牌可移送多类案件, 请写明案件来源"), NULL;
    return found;
}

/* The body's name: the token's ("token:浦东新区人民法院" as the audit trail names it). */
static const char *body_name(const principal_t *p, const struct body_kind *kind) {
    const char *n = p->username;
    if (n && strncmp(n, "token:", 6) == 0) n += 6;
    return n && *n ? n : kind->label;
}

static const char *jtext(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The judicial office of the place (a 街道乡镇 office or a 村(居) under one)
 * named by its statistical division code (place_code) or id (place_id),
 * within the token's unit.  The office's id and path, the village's id (0
 * when the place is the office); false after answering 422. */
static bool route_place(http_req_t *r, json_t *b, int64_t *office, const char **path, int64_t *village) {
    const char *code = jtext(b, "place_code");
    json_t *idj = json_object_get(b, "place_id");
    if (!(code && *code) && !json_is_integer(idj))
        return http_invalid(r, "place_code", "请填写纠纷发生地 (街道乡镇或村居的统计用区划代码)"), false;
    db_stmt_t *s =
        db_prepare(r->db, code && *code ? "SELECT u.id, u.level, u.path, u.parent_id, p.path FROM org_units u "
                                          "LEFT JOIN org_units p ON p.id = u.parent_id WHERE u.code = $1"
                                        : "SELECT u.id, u.level, u.path, u.parent_id, p.path FROM org_units u "
                                          "LEFT JOIN org_units p ON p.id = u.parent_id WHERE u.id = $1");
    if (!s) return http_store_error(r), false;
    if (code && *code)
        db_bind_text(s, 1, code, -1);
    else
        db_bind_int(s, 1, json_integer_value(idj));
    int rc = db_step(s);
    const char *level = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 1)) : NULL;
    if (level && strcmp(level, "office") == 0) {
        *office = db_col_int(s, 0), *village = 0;
        *path = arena_strdup(r->arena, db_col_text(s, 2));
    } else if (level && strcmp(level, "village") == 0) {
        *office = db_col_int(s, 3), *village = db_col_int(s, 0);
        *path = arena_strdup(r->arena, db_col_text(s, 4));
    } else {
        *path = NULL;
    }
    db_reset(s);
    if (rc != DB_ROW && rc != DB_DONE) return http_store_error(r), false;
    const char *field = code && *code ? "place_code" : "place_id";
    if (!*path || !scope_covers(r, *path))
        return http_invalid(r, field, "纠纷发生地不是本令牌辖区内的街道乡镇或村居"), false;
    return true;
}

/* A party's error: 422 naming the party (parties[i].field). */
static void party_invalid(http_req_t *r, size_t i, const char *field, const char *why) {
    http_invalid(r, arena_printf(r->arena, "parties[%zu].%s", i, field),
                 arena_printf(r->arena, "第 %zu 个当事人: %s", i + 1, why));
}

/* The parties checked before anything is written: 0, or -1 having answered. */
static int parties_check(http_req_t *r, json_t *parties) {
    if (!json_is_array(parties) || json_array_size(parties) == 0 || json_array_size(parties) > 20)
        return http_invalid(r, "parties", "请填写当事人 (1 到 20 个)"), -1;
    size_t i;
    json_t *pt;
    bool applicant = false;
    json_array_foreach(parties, i, pt) {
        const char *role = jtext(pt, "role"), *unit = jtext(pt, "unit_name"), *uscc = jtext(pt, "unit_uscc");
        if (!json_is_object(pt)) return party_invalid(r, i, "role", "格式不正确"), -1;
        if (!role || !code_valid(r->db, "mediation_party_role", role))
            return party_invalid(r, i, "role",
                                 "当事人地位应为 applicant (申请人)、respondent (被申请人) 或 third_party (第三人)"),
                   -1;
        applicant |= strcmp(role, "applicant") == 0;
        bool person = jtext(pt, "id_number") != NULL;
        if (person == (unit && *unit))
            return party_invalid(r, i, "id_number", "自然人填写姓名和证件号码, 单位填写单位名称, 二者选一"), -1;
        if (unit && strlen(unit) > 200) return party_invalid(r, i, "unit_name", "单位名称不超过 200 字"), -1;
        if (uscc && *uscc && !uscc_valid(uscc, NULL))
            return party_invalid(r, i, "unit_uscc", "统一社会信用代码不正确"), -1;
    }
    if (!applicant) return http_invalid(r, "parties", "至少须有一名申请人"), -1;
    return 0;
}

/* The status a body follows: the referral and its case, nothing of the parties. */
#define STATUS_SQL                                                                                                     \
    "SELECT f.id, f.external_no, f.source, f.created_at, o.name, c.id, c.wf_state, c.case_no, c.accepted_on, "         \
    "c.closed_on, c.agreement_form, c.referral, c.wf_version FROM inbound_referral f "                                 \
    "JOIN mediation_case c ON c.id = f.case_id JOIN org_units o ON o.id = f.org_id "                                   \
    "WHERE f.token_id = $1 AND f.deleted_at IS NULL"

static void write_status(http_req_t *r, db_stmt_t *s) {
    jw_t *w = &r->json;
    const entity_t *cases = entity_find("mediation-cases");
    const char *state = db_col_text(s, 6);
    const workflow_t *wf = cases ? entity_flow(cases, (int)db_col_int(s, 12)) : NULL;
    const char *label = wf ? wf_state_label(wf, state) : state;
    const char *result = !db_col_null(s, 10)              ? "调解成功"
                         : !db_col_null(s, 11)            ? "调解不成"
                         : strcmp(state, "rejected") == 0 ? "不予受理"
                                                          : NULL;
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 0));
    jw_kstr(w, "external_no", db_col_text(s, 1));
    jw_kstr(w, "source", db_col_text(s, 2));
    jw_kstr(w, "referred_at", db_col_text(s, 3));
    jw_kstr(w, "office", db_col_text(s, 4));
    jw_key(w, "case");
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 5));
    jw_kstr(w, "state", state);
    jw_kstr(w, "state_label", label ? label : state);
    jw_kstr(w, "case_no", db_col_null(s, 7) ? NULL : db_col_text(s, 7));
    jw_kstr(w, "accepted_on", db_col_null(s, 8) ? NULL : db_col_text(s, 8));
    jw_kstr(w, "closed_on", db_col_null(s, 9) ? NULL : db_col_text(s, 9));
    jw_kstr(w, "result", result);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* One referral of the token's as status JSON, with status; 404 when not its own. */
static void send_status(http_req_t *r, int64_t id, int status) {
    db_stmt_t *s = db_prepare(r->db, STATUS_SQL " AND f.id = $2");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, auth_principal(r)->token_id);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    if (rc == DB_ROW) write_status(r, s);
    db_reset(s);
    if (rc == DB_ROW) return http_send_json(r, status);
    if (rc == DB_DONE) return http_error(r, 404, "not_found", "移送记录不存在");
    http_store_error(r);
}

static int64_t existing_referral(http_req_t *r, const char *external_no) {
    db_stmt_t *s = db_prepare(r->db, "SELECT id FROM inbound_referral WHERE token_id = $1 AND external_no = $2 "
                                     "AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, auth_principal(r)->token_id);
    db_bind_text(s, 2, external_no, -1);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : rc == DB_DONE ? 0 : -1;
    db_reset(s);
    return id;
}

static void referral_exists(http_req_t *r, int64_t id) {
    jw_obj(&r->json);
    jw_key(&r->json, "error");
    jw_obj(&r->json);
    jw_kstr(&r->json, "code", "referral_exists");
    jw_kstr(&r->json, "message", "该编号的案件已移送, 未重复登记");
    jw_kint(&r->json, "id", id);
    jw_obj_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 409);
}

/* POST /referrals {external_no, title, category, summary?, amount?,
 * received_on?, place_code | place_id, parties: [{role, name, id_type?,
 * id_number, phone?} | {role, unit_name, unit_uscc?}], source?} */
static void create_referral(http_req_t *r) {
    json_t *b = http_json_body(r);
    if (!b) return;
    const principal_t *p = auth_principal(r);
    const struct body_kind *kind = caller_kind(r, jtext(b, "source"));
    if (!kind) return json_decref(b);
    const entity_t *cases = entity_find("mediation-cases"), *parties_e = entity_find("mediation-parties");
    static const char *const known[] = {"external_no", "title",    "category", "summary", "amount", "received_on",
                                        "place_code",  "place_id", "parties",  "source",  NULL};
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        int i = 0;
        while (known[i] && strcmp(known[i], k))
            i++;
        if (!known[i]) return http_invalid(r, k, "未知字段"), json_decref(b);
    }
    const char *ext = jtext(b, "external_no"), *title = jtext(b, "title"), *category = jtext(b, "category"),
               *summary = jtext(b, "summary"), *received = jtext(b, "received_on");
    json_t *amount = json_object_get(b, "amount");
    char today[11];
    wf_today(today);
    const char *why = NULL, *field = NULL;
    if (!ext || !*ext || strlen(ext) > 64)
        field = "external_no", why = "请填写移送单位的案件编号 (不超过 64 字)";
    else if (!title || !*title || strlen(title) > 300)
        field = "title", why = "请填写案由 (不超过 100 字)";
    else if (!category || !code_valid(r->db, "dispute_category", category))
        field = "category", why = "纠纷类型不在代码表中";
    else if (summary && strlen(summary) > 6000)
        field = "summary", why = "纠纷概要不超过 2000 字";
    else if (received && (!date_valid(received) || strcmp(received, today) > 0))
        field = "received_on", why = "登记日期应为不晚于今天的日期 (YYYY-MM-DD)";
    else if (amount && !json_is_null(amount) && !json_is_string(amount) && !json_is_number(amount))
        field = "amount", why = "涉及金额应为数字 (元)";
    if (why) return http_invalid(r, field, why), json_decref(b);
    int64_t office = 0, village = 0;
    const char *path = NULL;
    if (!route_place(r, b, &office, &path, &village)) return json_decref(b);
    json_t *parties = json_object_get(b, "parties");
    if (parties_check(r, parties) != 0) return json_decref(b);
    if (!cases || !parties_e) return http_error(r, 409, "not_enabled", "人民调解未启用"), json_decref(b);
    int64_t fen = -1; /* the engine's own reading of a decimal: exact, in fen */
    if (amount && !json_is_null(amount)) {
        value_t val;
        const char *aw = NULL;
        if (value_parse(r, entity_field(cases, "amount"), amount, &val, &aw) != 0 || val.i < 0)
            return http_invalid(r, "amount", aw ? aw : "涉及金额应为不小于 0 的数字 (元)"), json_decref(b);
        fen = val.i;
    }
    int64_t existing = existing_referral(r, ext);
    if (existing < 0) return http_store_error(r), json_decref(b);
    if (existing) return referral_exists(r, existing), json_decref(b);

    if (db_begin(r->db) != 0) return http_store_error(r), json_decref(b);
    json_t *from = json_pack("{s:s,s:s,s:s}", "body", body_name(p, kind), "external_no", ext, "via", "referral");
    json_t *f = json_pack("{s:s,s:s,s:s,s:s}", "title", title, "received_on", received ? received : today, "source",
                          kind->source, "category", category);
    json_object_set_new(f, "summary",
                        json_string(arena_printf(r->arena, "%s移送 (编号 %s)%s%s", body_name(p, kind), ext,
                                                 summary && *summary ? ": " : "", summary ? summary : "")));
    if (village) json_object_set_new(f, "village_id", json_integer(village));
    if (fen >= 0) json_object_set_new(f, "amount", json_integer(fen));
    int64_t case_id = engine_insert_derived(r, cases, office, path, f, from);
    size_t i;
    json_t *pt;
    json_array_foreach(parties, i, pt) {
        if (case_id < 0) break;
        json_t *row = json_pack("{s:I,s:s}", "case_id", (json_int_t)case_id, "role", jtext(pt, "role"));
        if (jtext(pt, "id_number")) {
            const char *pf = NULL, *pw = NULL;
            int64_t person = person_for_party(r, office, pt, &pf, &pw);
            if (person <= 0) {
                json_decref(row);
                db_rollback(r->db);
                json_decref(from), json_decref(b);
                if (person == 0) return party_invalid(r, i, pf, pw);
                return http_store_error(r);
            }
            json_object_set_new(row, "person_id", json_integer(person));
        } else {
            json_object_set_new(row, "unit_name", json_string(jtext(pt, "unit_name")));
            if (jtext(pt, "unit_uscc")) json_object_set_new(row, "unit_uscc", json_string(jtext(pt, "unit_uscc")));
        }
        if (engine_insert_derived(r, parties_e, office, path, row, from) < 0) case_id = -1;
    }
    int64_t id = -1;
    if (case_id > 0) {
        json_t *rf = json_pack("{s:s,s:s,s:s,s:I,s:I}", "external_no", ext, "body_name", body_name(p, kind), "source",
                               kind->source, "case_id", (json_int_t)case_id, "token_id", (json_int_t)p->token_id);
        id = engine_insert_derived(r, &inbound_referrals, office, path, rf, from);
    }
    json_decref(from);
    json_decref(b);
    if (id <= 0 || engine_notify_write(r->db, cases, path, p->user_id) != 0 ||
        engine_notify_write(r->db, parties_e, path, p->user_id) != 0 ||
        engine_notify_write(r->db, &inbound_referrals, path, p->user_id) != 0 || db_commit(r->db) != 0) {
        db_rollback(r->db);
        /* PostgreSQL: the same number referred at once, the other committed first */
        int64_t won = existing_referral(r, ext);
        return won > 0 ? referral_exists(r, won) : http_store_error(r);
    }
    send_status(r, id, 201);
}

/* GET /referrals — the token's referrals, newest first (?after=ID&limit=). */
static void list_referrals(http_req_t *r) {
    if (!referring_token(r)) return;
    int64_t after = http_query_id(r, "after");
    const char *lq = http_query(r, "limit");
    int limit = lq ? atoi(lq) : 50;
    if (limit < 1 || limit > 200) return http_invalid(r, "limit", "limit 应为 1 到 200");
    db_stmt_t *s = db_prepare(r->db, STATUS_SQL " AND ($2 <= 0 OR f.id < $2) ORDER BY f.id DESC LIMIT $3");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, auth_principal(r)->token_id);
    db_bind_int(s, 2, after > 0 ? after : 0);
    db_bind_int(s, 3, limit + 1);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int n = 0, rc;
    int64_t last = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == limit) {
            n++;
            break;
        }
        write_status(r, s);
        last = db_col_int(s, 0);
        n++;
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(w);
    jw_key(w, "next");
    if (n > limit)
        jw_str(w, arena_printf(r->arena, "%lld", (long long)last));
    else
        jw_null(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void get_referral(http_req_t *r) {
    if (referring_token(r)) send_status(r, http_param_id(r, "id"), 200);
}

static const route_t routes[] = {
    {"POST", "/api/v1/referrals", create_referral},
    {"GET", "/api/v1/referrals", list_referrals},
    {"GET", "/api/v1/referrals/:id", get_referral},
    {0},
};

void referrals_routes_register(void) { router_add(routes); }
