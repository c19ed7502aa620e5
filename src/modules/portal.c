/* portal.c — 公众门户: 网上办、掌上办、自助办 for residents without an account
 * (issue 24; plan clauses 21, 10, 12, 7; docs/portal.md).
 *
 *   GET  /public/api/v1/places?parent=ID | ?q=TEXT   区 → 街道/镇 → 村(居), or a search
 *   POST /public/api/v1/places/match {address}        an address → its township's office
 *   GET  /public/api/v1/kinds                         the five forms: options, next step
 *   GET  /public/api/v1/campaigns?office_id=ID        open legislative campaigns of an office
 *   GET  /public/api/v1/challenge                     a proof-of-work challenge
 *   POST /public/api/v1/submissions                   a resident's submission → tracking code
 *   POST /public/api/v1/track {code, phone_last4}     status and the office's public replies
 * and for staff (signed in):
 *   GET  /api/v1/portal/:entity/:id                   a record's portal submission and replies
 *   POST /api/v1/portal/:entity/:id/replies           {body, public}
 *
 * A submission lands as the record a clerk would enter, through
 * engine_create (the same validation, numbering, deadlines, rules and audit)
 * for the portal's principal: the system account PORTAL_USER acting within
 * the chosen office only, with the create and read permissions of that one
 * kind.  The resident becomes the registry's person (deduplicated by the
 * ID number's blind index, persons.c).  The routes of the first group are
 * ROUTE_PORTAL: the only ones the public listener serves. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define PORTAL_USER "portal"                 /* the system account submissions are created by */
#define CODE_LEN 10                          /* tracking code: 10 of 31 characters, ~49 bits */
#define CHALLENGE_TTL 600                    /* seconds a challenge may be used */
#define SUBMIT_BODY_LIMIT (10 * 1024 * 1024) /* three attachments in base64, the text ~10 KiB */
#define PORTAL_FILES 3                       /* attachments to one submission (代收 only) */
#define PORTAL_FILE_BYTES (2 * 1024 * 1024)
#define DUPLICATE_WINDOW 86400 /* the same submission within a day is a duplicate */

/* ---- the five kinds ---- */

typedef struct submit submit_t;
#define TRACK_DETAILS 4
typedef struct track_detail {
    const char *label, *value;
} track_detail_t;
typedef struct portal_kind {
    const char *key, *label, *entity;
    const char *next_step; /* what happens next and in what time (shown and sent) */
    /* the record's fields from the form (errs: field → reason) */
    void (*build)(http_req_t *r, submit_t *sb, json_t *in, json_t *rec, json_t *errs);
    /* more in the create's transaction (engine_create_hook_fn's contract) */
    int (*extra)(http_req_t *r, const entity_t *e, int64_t id, submit_t *sb);
    const char *lists; /* code lists the form offers, space-separated */
    const char *reads; /* a permission to read what the record refers to (the campaign), or NULL */
    /* what the tracking page shows beyond the record's state, for a record
     * without a workflow of its own (a suggestion): may replace *status and
     * fills up to TRACK_DETAILS label/value pairs; their number, or -1 */
    int (*progress)(http_req_t *r, int64_t record, const char **status, track_detail_t *d);
} portal_kind_t;

typedef struct place {
    int64_t office, village;
    const char *office_path, *office_name, *district_name;
} place_t;

struct submit {
    const portal_kind_t *kind;
    place_t pl;
    int64_t person, respondent;
    const char *respondent_unit, *phone, *channel, *challenge, *digest, *phone_index;
    char code[CODE_LEN + 1];
    int nfiles;
    struct portal_file {
        const char *name, *data;
        size_t n;
    } files[PORTAL_FILES];
};

static const char *jtext(json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : NULL;
}

/* A required text of at most max bytes into rec (as field), else a reason in errs under key. */
static void take_text(json_t *in, const char *key, json_t *rec, const char *field, size_t max, bool required,
                      const char *label, json_t *errs) {
    const char *v = jtext(in, key);
    if (!v) {
        if (required) json_object_set_new(errs, key, json_sprintf("请填写%s", label));
        return;
    }
    if (strlen(v) > max || !utf8_valid(v, strlen(v))) {
        json_object_set_new(errs, key, json_sprintf("%s过长 (不超过 %zu 字)", label, max / 3));
        return;
    }
    json_object_set_new(rec, field, json_string(v));
}

static void take_code(http_req_t *r, json_t *in, const char *key, const char *list, json_t *rec, const char *label,
                      json_t *errs) {
    const char *v = jtext(in, key);
    if (!v || !code_valid(r->db, list, v))
        json_object_set_new(errs, key, json_sprintf("请选择%s", label));
    else
        json_object_set_new(rec, key, json_string(v));
}

static void today_into(json_t *rec, const char *field) {
    char today[11];
    wf_today(today);
    json_object_set_new(rec, field, json_string(today));
}

/* 人民调解申请 (clause 7): registered as 登记, the parties as the case's
 * children — the applicant, and the other side when named by ID number
 * (registry) or as a unit; a name alone goes into the summary for the clerk. */
static void build_mediation(http_req_t *r, submit_t *sb, json_t *in, json_t *rec, json_t *errs) {
    take_text(in, "title", rec, "title", 100, true, "纠纷事由", errs);
    take_code(r, in, "category", "dispute_category", rec, "纠纷类型", errs);
    take_text(in, "summary", rec, "summary", 1500, true, "纠纷经过", errs);
    const char *other = jtext(in, "respondent_name");
    if (other && !sb->respondent && !sb->respondent_unit) {
        const char *sum = jtext(rec, "summary");
        if (sum && strlen(other) <= 100)
            json_object_set_new(rec, "summary", json_sprintf("%s\n对方当事人: %s (未提供证件号码)", sum, other));
    }
    json_object_set_new(rec, "source", json_string("party_application"));
    today_into(rec, "received_on");
    if (sb->pl.village) json_object_set_new(rec, "village_id", json_integer(sb->pl.village));
}

/* A derived child record (the parties), audited as its own creation. */
static int insert_party(http_req_t *r, int64_t case_id, const char *role, int64_t person, const char *unit,
                        submit_t *sb) {
    const entity_t *parties = entity_find("mediation-parties");
    if (!parties) return -1;
    char now[21];
    iso_from_unix(now_unix(), now);
    int64_t by = auth_principal(r)->user_id;
    json_t *f = json_pack("{s:I,s:s,s:s,s:s,s:I,s:I}", "case_id", (json_int_t)case_id, "role", role, "created_at", now,
                          "updated_at", now, "created_by", (json_int_t)by, "updated_by", (json_int_t)by);
    if (person)
        json_object_set_new(f, "person_id", json_integer(person));
    else
        json_object_set_new(f, "unit_name", json_string(unit));
    int64_t id = engine_insert_raw(r->db, parties, sb->pl.office, sb->pl.office_path, NULL, f);
    json_t *detail = json_pack("{s:O,s:s}", "after", f, "via", "portal");
    json_decref(f);
    char *dt = json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(detail);
    int rc = id > 0 && dt ? auth_audit(r, "record.create", parties->name, id, "ok", dt) : -1;
    free(dt);
    return rc;
}

static int extra_mediation(http_req_t *r, const entity_t *e, int64_t id, submit_t *sb) {
    if (insert_party(r, id, "applicant", sb->person, NULL, sb) != 0) return -1;
    if (sb->respondent || sb->respondent_unit)
        return insert_party(r, id, "respondent", sb->respondent, sb->respondent_unit, sb);
    return 0;
}

/* 法律咨询 (clause 10): channel 网上咨询, waiting for its answer (待解答). */
static void build_consultation(http_req_t *r, submit_t *sb, json_t *in, json_t *rec, json_t *errs) {
    take_text(in, "title", rec, "title", 100, true, "咨询事项", errs);
    take_code(r, in, "category", "pls_category", rec, "咨询类别", errs);
    take_text(in, "question", rec, "question", 1800, true, "咨询内容", errs);
    json_object_set_new(rec, "channel", json_string("online"));
    json_object_set_new(rec, "person_id", json_integer(sb->person));
    today_into(rec, "consulted_on");
    if (sb->pl.village) json_object_set_new(rec, "village_id", json_integer(sb->pl.village));
}

static int extra_consultation(http_req_t *r, const entity_t *e, int64_t id, submit_t *sb) {
    const workflow_t *wf = entity_flow(e, 0);
    char now[21];
    iso_from_unix(now_unix(), now);
    wf_dates_t d;
    if (wf_start_dates(r->db, wf, "pending", now, &d) != 0) return -1;
    db_stmt_t *s =
        db_prepare(r->db, "UPDATE legal_consultation SET wf_state = 'pending', state_due_at = $1 WHERE id = $2");
    if (!s) return -1;
    db_bind_text(s, 1, d.state_due[0] ? d.state_due : NULL, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* 行政复议申请代收 (clause 10): a written application received today; the
 * reconsideration body is the district government unless the resident names one. */
static void build_reconsideration(http_req_t *r, submit_t *sb, json_t *in, json_t *rec, json_t *errs) {
    take_text(in, "respondent", rec, "respondent", 200, true, "被申请人 (作出行政行为的行政机关)", errs);
    take_text(in, "act", rec, "act", 500, true, "申请复议的行政行为", errs);
    take_text(in, "requests", rec, "requests", 2000, true, "行政复议请求", errs);
    take_text(in, "materials", rec, "materials", 1000, false, "提交材料", errs);
    if (!json_object_get(rec, "materials")) json_object_set_new(rec, "materials", json_string("网上提交的申请书"));
    const char *known = jtext(in, "act_known_on");
    char today[11];
    wf_today(today);
    if (known && (!date_valid(known) || strcmp(known, today) > 0))
        json_object_set_new(errs, "act_known_on", json_string("知道该行政行为的日期应为不晚于今天的日期"));
    else if (known)
        json_object_set_new(rec, "act_known_on", json_string(known));
    const char *body = jtext(in, "body");
    if (body && strlen(body) > 100) json_object_set_new(errs, "body", json_string("行政复议机关名称过长"));
    json_object_set_new(rec, "body", body ? json_string(body) : json_sprintf("%s人民政府", sb->pl.district_name));
    json_object_set_new(rec, "mode", json_string("written"));
    json_object_set_new(rec, "applicant_id", json_integer(sb->person));
    json_object_set_new(rec, "received_on", json_string(today));
}

/* 法律援助预申请 (clause 10): the means test as the staff form asks it. */
static void build_legal_aid(http_req_t *r, submit_t *sb, json_t *in, json_t *rec, json_t *errs) {
    take_text(in, "matter", rec, "matter", 200, true, "申请事项", errs);
    take_code(r, in, "case_kind", "pls_aid_kind", rec, "事项类别", errs);
    take_code(r, in, "hardship", "pls_hardship", rec, "经济困难情形", errs);
    take_text(in, "hardship_facts", rec, "hardship_facts", 2000, true, "经济困难事实", errs);
    json_t *hs = json_object_get(in, "household_size");
    if (json_is_integer(hs))
        json_object_set(rec, "household_size", hs);
    else if (hs && !json_is_null(hs))
        json_object_set_new(errs, "household_size", json_string("家庭人口应为整数"));
    const char *inc = jtext(in, "monthly_income");
    if (inc) json_object_set_new(rec, "monthly_income", json_string(inc));
    json_object_set_new(rec, "applicant_id", json_integer(sb->person));
    today_into(rec, "applied_on");
}

/* 立法建议 (clause 12): against a campaign of the office still collecting. */
static void build_legislation(http_req_t *r, submit_t *sb, json_t *in, json_t *rec, json_t *errs) {
    json_t *c = json_object_get(in, "campaign_id");
    char today[11];
    wf_today(today);
    db_stmt_t *s = db_prepare(r->db, "SELECT 1 FROM legislation_campaign WHERE id = $1 AND org_id = $2 AND "
                                     "deleted_at IS NULL AND wf_state = 'collecting' AND deadline >= $3");
    if (!s) return;
    db_bind_int(s, 1, json_is_integer(c) ? json_integer_value(c) : 0);
    db_bind_int(s, 2, sb->pl.office);
    db_bind_text(s, 3, today, -1);
    bool open = db_step(s) == DB_ROW;
    db_reset(s);
    if (!open)
        json_object_set_new(errs, "campaign_id", json_string("请选择本街道(镇)正在征求意见的草案"));
    else
        json_object_set(rec, "campaign_id", c);
    take_text(in, "article", rec, "article", 100, false, "涉及条款", errs);
    take_text(in, "content", rec, "content", 4000, true, "意见内容", errs);
    json_object_set_new(rec, "source", json_string("portal"));
    json_object_set_new(rec, "person_id", json_integer(sb->person));
    json_object_set_new(rec, "phone", json_string(sb->phone));
    json_object_set_new(rec, "received_on", json_string(today));
    if (sb->pl.village) json_object_set_new(rec, "village_id", json_integer(sb->pl.village));
}

/* A suggestion's way as the resident follows it: the draft, where the
 * campaign stands, and — once recorded (by the office, or by the district or
 * city above it, from the legislature's feedback) — the adoption and its
 * explanation: "采纳情况将在本网站告知" (issue 23 point 5: the feedback
 * reaches the suggester). */
static int progress_legislation(http_req_t *r, int64_t record, const char **status, track_detail_t *d) {
    db_stmt_t *s = db_prepare(r->db, "SELECT k.title, k.wf_state, s.adoption, s.feedback_note FROM "
                                     "legislation_suggestion s JOIN legislation_campaign k ON k.id = s.campaign_id "
                                     "WHERE s.id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, record);
    int rc = db_step(s), n = 0;
    if (rc != DB_ROW) return db_reset(s), rc == DB_DONE ? 0 : -1;
    const char *st = db_col_text(s, 1);
    d[n++] = (track_detail_t){"征求意见的草案", arena_strdup(r->arena, db_col_text(s, 0))};
    if (!db_col_null(s, 2)) {
        *status = "已反馈采纳情况";
        d[n++] = (track_detail_t){"采纳情况", code_label(r->db, "suggestion_adoption", db_col_text(s, 2))};
        if (!db_col_null(s, 3)) d[n++] = (track_detail_t){"说明", arena_strdup(r->arena, db_col_text(s, 3))};
    } else {
        *status = strcmp(st, "collecting") == 0     ? "意见征集中"
                  : strcmp(st, "consolidated") == 0 ? "意见已汇总, 待报送"
                                                    : "已报送征求意见单位, 等待采纳情况反馈";
    }
    db_reset(s);
    return n;
}

static const portal_kind_t kinds[] = {
    {"consultation", "法律咨询", "legal-consultations",
     "司法所将在 3 个工作日内答复, 答复可凭查询码在本网站查看并以短信告知; 复杂问题请拨打 12348 "
     "公共法律服务热线或到司法所面谈。",
     build_consultation, extra_consultation, "pls_category"},
    {"mediation", "人民调解申请", "mediation-cases",
     "司法所在 3 个工作日内决定是否受理; 受理后一般在 30 日内调结 (《人民调解工作若干规定》第三十七条)。调解不收费。",
     build_mediation, extra_mediation, "dispute_category"},
    {"reconsideration", "行政复议申请代收", "reconsideration-intakes",
     "司法所收到后 5 个工作日内转送行政复议机关; 复议机关自收到之日起 5 日内审查决定是否受理 (《行政复议法》第三十条)。"
     "申请期限为自知道该行政行为之日起 60 日 (第二十条)。请带身份证件及申请材料原件到司法所核对签字。",
     build_reconsideration, NULL, ""},
    {"legal_aid", "法律援助预申请", "legal-aid-preapps",
     "司法所在 3 个工作日内完成初审并转交法律援助机构; 法律援助机构自收到申请之日起 7 日内决定是否给予法律援助 "
     "(《法律援助法》第四十三条)。",
     build_legal_aid, NULL, "pls_aid_kind pls_hardship"},
    {"legislation", "立法建议", "legislation-suggestions",
     "您的意见由司法所汇总后报送征求意见单位; 采纳情况将在本网站告知。", build_legislation, NULL, "",
     "legislation.campaign.read", progress_legislation},
    {0},
};

static const portal_kind_t *kind_find(const char *key) {
    for (const portal_kind_t *k = kinds; key && k->key; k++)
        if (strcmp(k->key, key) == 0) return k;
    return NULL;
}

static const portal_kind_t *kind_of_entity(const char *entity) {
    for (const portal_kind_t *k = kinds; entity && k->key; k++)
        if (strcmp(k->entity, entity) == 0) return k;
    return NULL;
}

static int over_limit(http_req_t *r, const char *action, int window, int64_t limit);

/* ---- places: 区 → 街道/镇 (the office serving it) → 村(居) ---- */

/* A unit as residents name the place: 陆家嘴街道司法所 → 陆家嘴街道,
 * 浦东新区司法局 → 浦东新区 (the offices and bureaus bear the place's name). */
static size_t place_len(const char *name) {
    size_t n = strlen(name);
    if (n > 9 && (strcmp(name + n - 9, "司法所") == 0 || strcmp(name + n - 9, "司法局") == 0)) n -= 9;
    return n;
}

static void write_place_name(jw_t *w, const char *key, const char *name) {
    jw_key(w, key);
    jw_strn(w, name, place_len(name));
}

static const char *place_name(http_req_t *r, const char *name) {
    return arena_strndup(r->arena, name, place_len(name));
}

static void places(http_req_t *r) {
    int64_t parent = http_query_id(r, "parent");
    const char *q = http_query(r, "q");
    if (parent == -2) return http_invalid(r, "parent", "上级编号无效");
    char today[11];
    wf_today(today);
    db_stmt_t *s;
    if (q && *q) {
        if (strlen(q) > 60) return http_invalid(r, "q", "查询文字过长");
        /* villages and townships whose name holds the text, with their office and district */
        s = db_prepare(r->db, "SELECT u.id, u.name, u.level, o.id, o.name, d.name FROM org_units u "
                              "JOIN org_units o ON o.id = CASE WHEN u.level = 'office' THEN u.id ELSE u.parent_id END "
                              "JOIN org_units d ON d.id = o.parent_id "
                              "WHERE u.level IN ('office', 'village') AND u.name LIKE $1 ESCAPE '!' "
                              "AND u.valid_from <= $2 AND (u.valid_to IS NULL OR u.valid_to > $2) "
                              "ORDER BY u.level, u.name LIMIT 30");
        if (!s) return http_store_error(r);
        /* the text literally: % _ and the escape itself escaped */
        char *pat = arena_alloc(r->arena, strlen(q) * 2 + 3), *o = pat;
        *o++ = '%';
        for (const char *c = q; *c; c++) {
            if (*c == '%' || *c == '_' || *c == '!') *o++ = '!';
            *o++ = *c;
        }
        *o++ = '%', *o = '\0';
        db_bind_text(s, 1, pat, -1);
        db_bind_text(s, 2, today, -1);
    } else {
        s = db_prepare(r->db,
                       "SELECT u.id, u.name, u.level, NULL, NULL, NULL FROM org_units u "
                       "WHERE ((CAST($1 AS BIGINT) = 0 AND u.level = 'district') OR u.parent_id = $1) "
                       "AND u.level IN ('district', 'office', 'village') "
                       "AND u.valid_from <= $2 AND (u.valid_to IS NULL OR u.valid_to > $2) ORDER BY u.code, u.id");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, parent > 0 ? parent : 0);
        db_bind_text(s, 2, today, -1);
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        const char *level = db_col_text(s, 2);
        write_place_name(w, "name", db_col_text(s, 1));
        jw_kstr(w, "level", level);
        if (!db_col_null(s, 3)) {
            jw_kint(w, "office_id", db_col_int(s, 3));
            write_place_name(w, "township", db_col_text(s, 4));
            write_place_name(w, "district", db_col_text(s, 5));
        }
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* The office of an address: the township (office name without 司法所, then
 * without its 街道/镇 suffix) or a village the address names, the longest
 * match winning; 0 when none or a tie between offices. */
static int64_t match_address(http_req_t *r, const char *addr, int64_t *village) {
    char today[11];
    wf_today(today);
    *village = 0;
    db_stmt_t *s = db_prepare(r->db, "SELECT id, name, level, CASE WHEN level = 'office' THEN id ELSE parent_id END "
                                     "FROM org_units WHERE level IN ('office', 'village') "
                                     "AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)");
    if (!s) return -1;
    db_bind_text(s, 1, today, -1);
    int64_t best = 0, best_village = 0;
    size_t best_len = 0;
    bool tie = false;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        char key[160];
        snprintf(key, sizeof(key), "%s", db_col_text(s, 1));
        bool office = strcmp(db_col_text(s, 2), "office") == 0;
        static const char *const tails[] = {"司法所", "居民委员会", "村民委员会", "居委会", "村委会", NULL};
        for (int i = 0; tails[i]; i++) {
            char *t = strstr(key, tails[i]);
            if (t && t[strlen(tails[i])] == '\0') *t = '\0';
        }
        size_t n = strlen(key);
        /* 陆家嘴街道 is also written 陆家嘴 */
        if (office && n > 12 && !strstr(addr, key) && strcmp(key + n - 6, "街道") == 0) key[n -= 6] = '\0';
        if (n < 6 || !strstr(addr, key)) continue; /* at least two characters */
        int64_t off = db_col_int(s, 3);
        if (n > best_len)
            best = off, best_len = n, tie = false, best_village = office ? 0 : db_col_int(s, 0);
        else if (n == best_len && off != best)
            tie = true;
    }
    db_reset(s);
    if (rc != DB_DONE) return -1; /* not "no office matches" */
    if (tie) return 0;
    *village = best_village;
    return best;
}

static void match_place(http_req_t *r) {
    json_t *b = http_json_body(r);
    if (!b) return;
    /* a scan of every township and village: limited per address like tracking */
    int over = over_limit(r, "match", 3600, setting_int(r->db, "portal.track_per_hour"));
    if (over != 0) {
        json_decref(b);
        if (over < 0) return http_store_error(r);
        http_set_header(r, "Retry-After", "3600");
        return http_error(r, 429, "rate_limited", "查询过于频繁, 请 1 小时后再试, 或从列表中选择街道(镇)");
    }
    const char *addr = jtext(b, "address");
    int64_t village = 0, office = addr && strlen(addr) <= 300 ? match_address(r, addr, &village) : 0;
    json_decref(b);
    if (office < 0) return http_store_error(r);
    if (!office) return http_invalid(r, "address", "未能根据地址确定所属街道(镇), 请从列表中选择");
    db_stmt_t *s =
        db_prepare(r->db, "SELECT o.name, d.name, v.name FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                          "LEFT JOIN org_units v ON v.id = $2 WHERE o.id = $1");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, office);
    db_bind_int(s, 2, village);
    if (db_step(s) != DB_ROW) return db_reset(s), http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "office_id", office);
    write_place_name(w, "township", db_col_text(s, 0));
    write_place_name(w, "district", db_col_text(s, 1));
    if (village) jw_kint(w, "village_id", village), jw_kstr(w, "village", db_col_text(s, 2));
    jw_obj_end(w);
    db_reset(s);
    http_send_json(r, 200);
}

/* The office (and village) a submission names, checked against the tree. */
static bool place_load(http_req_t *r, json_t *in, place_t *pl, json_t *errs) {
    memset(pl, 0, sizeof(*pl));
    json_t *o = json_object_get(in, "office_id"), *v = json_object_get(in, "village_id");
    pl->village = json_is_integer(v) ? json_integer_value(v) : 0;
    pl->office = json_is_integer(o) ? json_integer_value(o) : 0;
    const char *addr = jtext(in, "address");
    if (!pl->office && !pl->village && addr && strlen(addr) <= 300) pl->office = match_address(r, addr, &pl->village);
    if (pl->office < 0) return false;
    char today[11];
    wf_today(today);
    db_stmt_t *s = db_prepare(
        r->db,
        "SELECT o.id, o.path, o.name, d.name FROM org_units o "
        "JOIN org_units d ON d.id = o.parent_id LEFT JOIN org_units v ON v.id = $2 "
        "WHERE o.level = 'office' AND o.valid_from <= $3 AND (o.valid_to IS NULL OR o.valid_to > $3) "
        "AND o.id = CASE WHEN CAST($2 AS BIGINT) > 0 THEN v.parent_id ELSE $1 END "
        "AND (CAST($2 AS BIGINT) = 0 OR (v.level = 'village' AND (CAST($1 AS BIGINT) = 0 OR v.parent_id = $1)))");
    if (!s) return false;
    db_bind_int(s, 1, pl->office);
    db_bind_int(s, 2, pl->village);
    db_bind_text(s, 3, today, -1);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        pl->office = db_col_int(s, 0);
        pl->office_path = arena_strdup(r->arena, db_col_text(s, 1));
        pl->office_name = arena_strdup(r->arena, db_col_text(s, 2));
        pl->district_name = place_name(r, db_col_text(s, 3));
    } else if (rc < 0) {
        db_reset(s);
        return false; /* a store error, not "请选择所在的区…" */
    } else {
        pl->office = 0;
        json_object_set_new(errs, "office_id",
                            json_string("请选择所在的区、街道(镇)和村(居), 或填写能确定街道(镇)的地址"));
    }
    db_reset(s);
    return true;
}

/* ---- the portal's principal ---- */

/* The system account submissions are created by (users.created_by needs
 * one): disabled, with no password that could ever match; made on first use. */
static int64_t portal_user(http_req_t *r) {
    for (int attempt = 0; attempt < 2; attempt++) {
        db_stmt_t *s = db_prepare(r->db, "SELECT id FROM users WHERE username = $1");
        if (!s) return -1;
        db_bind_text(s, 1, PORTAL_USER, -1);
        int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
        db_reset(s);
        if (id) return id;
        s = db_prepare(r->db, "INSERT INTO users (username, display_name, org_id, status, password_hash) "
                              "SELECT $1, '公众门户 (系统账户, 不能登录)', MIN(id), 'disabled', '!' FROM org_units "
                              "WHERE parent_id IS NULL");
        if (!s) return -1;
        db_bind_text(s, 1, PORTAL_USER, -1);
        int rc = db_step(s); /* a concurrent insert of the same name fails: read it again */
        db_reset(s);
        if (rc != DB_DONE && !db_is_constraint(rc)) return -1;
    }
    return -1;
}

/* r acts as the portal within pl's office, allowed to create and read kind's
 * records, to register and read persons, and to read what the record
 * refers to (k->reads) — nothing else. */
static int act_as_portal(http_req_t *r, const place_t *pl, const entity_t *e, const portal_kind_t *k) {
    int64_t uid = portal_user(r);
    if (uid <= 0) return -1;
    principal_t *p = arena_calloc(r->arena, sizeof(*p));
    p->user_id = uid;
    p->username = PORTAL_USER;
    p->display_name = "公众门户";
    p->org_id = pl->office;
    p->org_path = pl->office_path;
    p->org_name = pl->office_name;
    p->org_level = "office";
    p->perms = arena_calloc(r->arena, sizeof(char *) * 5);
    p->perms[p->nperms++] = arena_printf(r->arena, "%s.create", e->perm);
    p->perms[p->nperms++] = arena_printf(r->arena, "%s.read", e->perm);
    p->perms[p->nperms++] = "person.create";
    p->perms[p->nperms++] = "person.read";
    if (k->reads) p->perms[p->nperms++] = k->reads;
    auth_sort_perms(p);
    r->auth = p;
    r->user_id = uid;
    r->org_id = pl->office;
    r->username = PORTAL_USER;
    return 0;
}

/* ---- abuse protection ---- */

/* Whether this address has made limit attempts of action in the last
 * window seconds: 1 (refuse; nothing recorded, so a flood writes nothing
 * more), 0 (the attempt is recorded, own transaction, and may go on), -1. */
static int over_limit(http_req_t *r, const char *action, int window, int64_t limit) {
    char now[21], since[21];
    int64_t t = now_unix();
    iso_from_unix(t, now);
    iso_from_unix(t - window, since);
    const char *ip = r->peer ? r->peer : "-";
    db_read_end(r->db);
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) FROM portal_attempts WHERE ip = $1 AND action = $2 AND at > $3");
    if (!s) return -1;
    db_bind_text(s, 1, ip, -1);
    db_bind_text(s, 2, action, -1);
    db_bind_text(s, 3, since, -1);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    if (n < 0) return -1;
    if (n >= limit) return 1;
    s = db_prepare(r->db, "INSERT INTO portal_attempts (ip, action, at) VALUES ($1, $2, $3)");
    if (!s) return -1;
    db_bind_text(s, 1, ip, -1);
    db_bind_text(s, 2, action, -1);
    db_bind_text(s, 3, now, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* The counters matter for a day at most: older rows go on the scheduler's tick. */
static int forget_attempts(db_t *db, const struct keys *keys) {
    (void)keys;
    char day[21];
    iso_from_unix(now_unix() - 86400, day);
    db_stmt_t *s = db_prepare(db, "DELETE FROM portal_attempts WHERE at < $1");
    if (!s) return -1;
    db_bind_text(s, 1, day, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Refusals of the portal are audited too, with the address (who floods). */
static void refuse(http_req_t *r, int status, const char *code, const char *msg, const char *kind) {
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"code\":\"%s\",\"kind\":\"%s\"}", code, kind ? kind : "");
    r->username = PORTAL_USER;
    if (auth_audit(r, "portal.refused", NULL, 0, "denied", detail) != 0)
        log_error("audit write failed for a portal refusal");
    if (status == 429) http_set_header(r, "Retry-After", "3600");
    http_error(r, status, code, msg);
}

/* A challenge is "<expiry>.<nonce>.<bits>.<mac>": the server's own draw,
 * signed (HMAC under the blind key), so it is checked without being stored;
 * a submission keeps the one it used (unique), so it serves once. */
static void challenge_mac(const char *body, char mac[33]) {
    char full[65], msg[128];
    snprintf(msg, sizeof(msg), "portal-challenge:%s", body);
    pi_blind_index(auth_keys(), msg, full);
    memcpy(mac, full, 32);
    mac[32] = '\0';
}

static void get_challenge(http_req_t *r) {
    unsigned char rnd[12];
    if (crypto_random(rnd, sizeof(rnd)) != 0) return http_store_error(r);
    char body[96], hex[25], mac[33];
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    int bits = (int)setting_int(r->db, "portal.pow_bits");
    snprintf(body, sizeof(body), "%lld.%s.%d", (long long)(now_unix() + CHALLENGE_TTL), hex, bits);
    challenge_mac(body, mac);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "challenge");
    jw_str(w, arena_printf(r->arena, "%s.%s", body, mac));
    jw_kint(w, "bits", bits);
    jw_kint(w, "expires_in", CHALLENGE_TTL);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* NULL when sha256(challenge ":" nonce) starts with the challenge's bits of
 * zeros and the challenge is ours and fresh; else the reason. */
static const char *pow_check(const char *challenge, const char *nonce) {
    if (!challenge || !nonce || strlen(challenge) > 120 || strlen(nonce) > 32) return "缺少人机验证, 请刷新页面后重试";
    const char *dot = strrchr(challenge, '.');
    if (!dot || strlen(dot + 1) != 32) return "人机验证无效, 请刷新页面后重试";
    char body[128], mac[33];
    snprintf(body, sizeof(body), "%.*s", (int)(dot - challenge), challenge);
    challenge_mac(body, mac);
    if (CRYPTO_memcmp(mac, dot + 1, 32) != 0) return "人机验证无效, 请刷新页面后重试";
    long long expiry = 0;
    int bits = 0;
    char hex[32];
    if (sscanf(body, "%lld.%24[0-9a-f].%d", &expiry, hex, &bits) != 3) return "人机验证无效, 请刷新页面后重试";
    if (expiry < now_unix()) return "人机验证已过期, 请重新提交";
    char msg[200], digest[65];
    snprintf(msg, sizeof(msg), "%s:%s", challenge, nonce);
    sha256_hex(msg, strlen(msg), digest);
    for (int i = 0; i < bits; i++) {
        int v = digest[i / 4] <= '9' ? digest[i / 4] - '0' : digest[i / 4] - 'a' + 10;
        if (v & (8 >> (i % 4))) return "人机验证未通过, 请重新提交";
    }
    return NULL;
}

/* ---- SMS (pluggable gateway: docs/portal.md) ---- */

/* The log driver (development, tests): one line per message, the number
 * masked to its last four digits.  SIFASUO_SMS=log:PATH; unset: not sent. */
static int sms_log(const char *target, const char *phone, const char *text) {
    FILE *f = fopen(target, "a");
    if (!f) return -1;
    char masked[32], now[21];
    iso_from_unix(now_unix(), now);
    fprintf(f, "%s %s %s\n", now, mask_phone(phone, masked, sizeof(masked)), text);
    return fclose(f);
}

static const struct sms_driver {
    const char *scheme;
    int (*send)(const char *target, const char *phone, const char *text);
} sms_drivers[] = {
    {"log", sms_log},
    {0},
};

/* Sends after the commit: a lost message never undoes a submission. */
static void sms_send(const char *phone, const char *text) {
    const char *conf = getenv("SIFASUO_SMS");
    if (!conf || !*conf || !phone) return;
    const char *colon = strchr(conf, ':');
    for (const struct sms_driver *d = sms_drivers; colon && d->scheme; d++)
        if (strlen(d->scheme) == (size_t)(colon - conf) && strncmp(conf, d->scheme, (size_t)(colon - conf)) == 0) {
            if (d->send(colon + 1, phone, text) != 0) log_warn("sms: the %s gateway did not take a message", d->scheme);
            return;
        }
    log_warn("sms: unknown gateway in SIFASUO_SMS");
}

/* ---- submissions ---- */

static void make_code(char out[CODE_LEN + 1]) {
    static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"; /* no 0/O, 1/I/L */
    unsigned char rnd[CODE_LEN];
    crypto_random(rnd, sizeof(rnd));
    for (int i = 0; i < CODE_LEN; i++)
        out[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
    out[CODE_LEN] = '\0';
}

/* HMAC (blind key) of "tag:a:b": what identifies a thing without saying it. */
static const char *blind(http_req_t *r, const char *tag, const char *a, const char *b) {
    char *msg = arena_printf(r->arena, "%s:%s:%s", tag, a, b), *out = arena_alloc(r->arena, 65);
    pi_blind_index(auth_keys(), msg, out);
    return out;
}

static int submission_hook(http_req_t *r, const entity_t *e, int64_t id, void *arg) {
    submit_t *sb = arg;
    if (sb->kind->extra && sb->kind->extra(r, e, id, sb) != 0) return -1;
    for (int i = 0; i < sb->nfiles; i++)
        if (engine_attach(r, e, id, sb->files[i].data, sb->files[i].n, sb->files[i].name) < 0) return -1;
    char now[21];
    iso_from_unix(now_unix(), now);
    char *phone_enc = pi_encrypt(auth_keys(), sb->phone, strlen(sb->phone));
    db_stmt_t *s = db_prepare(r->db, "INSERT INTO portal_submissions (code, kind, entity, record_id, org_id, channel, "
                                     "phone_check, phone_index, phone_enc, digest, challenge, ip, created_at) "
                                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
    int rc = -1;
    if (s && phone_enc) {
        db_bind_text(s, 1, sb->code, -1);
        db_bind_text(s, 2, sb->kind->key, -1);
        db_bind_text(s, 3, e->name, -1);
        db_bind_int(s, 4, id);
        db_bind_int(s, 5, sb->pl.office);
        db_bind_text(s, 6, sb->channel, -1);
        db_bind_text(s, 7, blind(r, "portal-track", sb->code, sb->phone + strlen(sb->phone) - 4), -1);
        db_bind_text(s, 8, sb->phone_index, -1);
        db_bind_text(s, 9, phone_enc, -1);
        db_bind_text(s, 10, sb->digest, -1);
        db_bind_text(s, 11, sb->challenge, -1);
        db_bind_text(s, 12, r->peer, -1);
        db_bind_text(s, 13, now, -1);
        rc = db_step(s);
        db_reset(s);
    }
    free(phone_enc);
    if (rc == DB_UNIQUE) return http_error(r, 409, "challenge_used", "该人机验证已使用过, 请重新提交"), -1;
    if (rc != DB_DONE) return -1;
    char detail[200];
    snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"channel\":\"%s\",\"code\":\"%.4s******\"}", sb->kind->key,
             sb->channel, sb->code);
    return auth_audit(r, "portal.submit", e->name, id, "ok", detail);
}

/* The attachments of a submission to an entity that takes them:
 * [{name, data (base64)}], at most PORTAL_FILES of PORTAL_FILE_BYTES, of a
 * type the engine keeps (checked again when attached). */
static void take_files(http_req_t *r, const entity_t *e, json_t *list, submit_t *sb, json_t *errs) {
    if (!list || json_is_null(list)) return;
    if (!e->attachments || !json_is_array(list) || json_array_size(list) > PORTAL_FILES) {
        json_object_set_new(errs, "attachments",
                            e->attachments ? json_sprintf("最多上传 %d 个附件", PORTAL_FILES)
                                           : json_string("该事项不接受附件"));
        return;
    }
    size_t i;
    json_t *f;
    json_array_foreach(list, i, f) {
        const char *name = jtext(f, "name"), *b64 = jtext(f, "data");
        size_t len = b64 ? strlen(b64) : 0;
        if (!b64 || len % 4 || len / 4 * 3 > PORTAL_FILE_BYTES + 2) {
            json_object_set_new(errs, "attachments", json_string("附件应为 PDF 或图片, 每个不超过 2 MB"));
            return;
        }
        unsigned char *out = arena_alloc(r->arena, len / 4 * 3 + 1);
        int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
        if (n < 0) {
            json_object_set_new(errs, "attachments", json_string("附件内容无效, 请重新选择文件"));
            return;
        }
        n -= (len && b64[len - 1] == '=') + (len > 1 && b64[len - 2] == '='); /* padding decodes as zeros */
        if (n <= 0 || n > PORTAL_FILE_BYTES || !engine_attachment_mime(out, (size_t)n)) {
            json_object_set_new(errs, "attachments", json_string("附件应为 PDF、JPEG 或 PNG 文件, 每个不超过 2 MB"));
            return;
        }
        sb->files[sb->nfiles++] =
            (struct portal_file){name ? arena_strdup(r->arena, name) : NULL, (const char *)out, (size_t)n};
    }
}

/* The resident (or the other party) from the form: valid ID and phone. */
static void person_error(json_t *errs, const char *prefix, const char *field, const char *why) {
    char key[64];
    snprintf(key, sizeof(key), "%s.%s", prefix, field);
    json_object_set_new(errs, key, json_string(why));
}

static bool person_fields(json_t *p, const char *prefix, bool phone_required, char idn[19], json_t *errs) {
    const char *name = jtext(p, "name"), *id = jtext(p, "id_number"), *phone = jtext(p, "phone"), *why = NULL;
    bool ok = true;
    if (!name || strlen(name) > 60) person_error(errs, prefix, "name", "请填写姓名"), ok = false;
    if (!id || !idcard_normalize(id, idn) || !idcard_valid(idn, NULL, &why))
        person_error(errs, prefix, "id_number", why ? why : "请填写 18 位居民身份证号码"), ok = false;
    if ((phone_required || phone) && (!phone || !mobile_valid(phone)))
        person_error(errs, prefix, "phone", "手机号码应为 11 位, 以 1 开头"), ok = false;
    return ok;
}

static void submit(http_req_t *r) {
    json_t *b = http_json_body(r);
    if (!b) return;
    json_t *errs = json_object(), *rec = json_object();
    submit_t *sb = arena_calloc(r->arena, sizeof(*sb));
    const char *kind_key = jtext(b, "kind");
    sb->kind = kind_find(kind_key);
    const entity_t *e = sb->kind ? entity_find(sb->kind->entity) : NULL;
    if (!e) {
        http_invalid(r, "kind", "请选择办理事项");
        goto out;
    }
    json_t *pow = json_object_get(b, "pow");
    const char *why = pow_check(jtext(pow, "challenge"), jtext(pow, "nonce"));
    if (why) { /* not audited: a forged challenge costs its sender nothing, an audit row would cost us */
        http_error(r, 422, "challenge_failed", why);
        goto out;
    }
    sb->challenge = arena_strdup(r->arena, jtext(pow, "challenge"));
    int over = over_limit(r, "submit", 3600, setting_int(r->db, "portal.ip_per_hour"));
    if (over < 0) goto fail;
    if (over) {
        refuse(r, 429, "rate_limited", "提交过于频繁, 请 1 小时后再试, 或到司法所窗口办理", sb->kind->key);
        goto out;
    }
    const char *channel = jtext(b, "channel");
    sb->channel = channel && strcmp(channel, "kiosk") == 0 ? "kiosk" : "web";
    json_t *ap = json_object_get(b, "applicant"), *in = json_object_get(b, "fields");
    if (!json_is_object(in)) in = b;
    char idn[19] = "", other_idn[19] = "";
    bool applicant_ok = person_fields(ap, "applicant", true, idn, errs);
    if (applicant_ok) sb->phone = arena_strdup(r->arena, jtext(ap, "phone"));
    const char *addr = jtext(ap, "address");
    if (addr && strlen(addr) > 300) json_object_set_new(errs, "applicant.address", json_string("地址过长"));
    /* the other party of a mediation request: by ID (registry) or a unit */
    json_t *other = json_object_get(in, "respondent");
    bool other_person = sb->kind->extra == extra_mediation && jtext(other, "id_number");
    if (other_person) person_fields(other, "respondent", false, other_idn, errs);
    const char *unit = sb->kind->extra == extra_mediation ? jtext(in, "respondent_unit") : NULL;
    if (unit && strlen(unit) > 200)
        json_object_set_new(errs, "respondent_unit", json_string("单位名称过长"));
    else if (unit && !other_person)
        sb->respondent_unit = arena_strdup(r->arena, unit);
    take_files(r, e, json_object_get(b, "attachments"), sb, errs);
    if (!place_load(r, b, &sb->pl, errs)) goto fail;
    sb->person = 1; /* placeholders until registered: build writes the ids */
    if (other_person) sb->respondent = 1;
    if (sb->pl.office) sb->kind->build(r, sb, in, rec, errs);
    if (json_object_size(errs)) {
        http_invalid_fields(r, errs);
        goto out;
    }
    /* per phone, and the same submission twice */
    char since[21];
    iso_from_unix(now_unix() - DUPLICATE_WINDOW, since);
    sb->phone_index = blind(r, "portal-phone", sb->phone, "");
    const char *content = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    sb->digest = blind(r, "portal-dup", idn, content ? content : "");
    free((void *)content);
    db_stmt_t *s = db_prepare(
        r->db, "SELECT (SELECT COUNT(*) FROM portal_submissions WHERE phone_index = $1 AND created_at > $3), "
               "(SELECT COUNT(*) FROM portal_submissions WHERE digest = $2 AND created_at > $3)");
    if (!s) goto fail;
    db_bind_text(s, 1, sb->phone_index, -1);
    db_bind_text(s, 2, sb->digest, -1);
    db_bind_text(s, 3, since, -1);
    int64_t by_phone = -1, same = -1;
    if (db_step(s) == DB_ROW) by_phone = db_col_int(s, 0), same = db_col_int(s, 1);
    db_reset(s);
    if (by_phone < 0) goto fail;
    if (same > 0) {
        refuse(r, 409, "duplicate_submission", "您在 24 小时内已提交过相同的内容, 请勿重复提交; 可凭查询码查询办理进度",
               sb->kind->key);
        goto out;
    }
    if (by_phone >= setting_int(r->db, "portal.phone_per_day")) {
        refuse(r, 429, "rate_limited", "该手机号码今日提交次数已达上限, 请明日再试, 或到司法所窗口办理", sb->kind->key);
        goto out;
    }
    /* the registry's persons (as 登记人员 before the record form), then the record */
    if (act_as_portal(r, &sb->pl, e, sb->kind) != 0) goto fail;
    if (db_begin(r->db) != 0) goto fail;
    sb->person = person_find_or_register(r, sb->pl.office, jtext(ap, "name"), idn, sb->phone, addr);
    sb->respondent = other_person ? person_find_or_register(r, sb->pl.office, jtext(other, "name"), other_idn,
                                                            jtext(other, "phone"), NULL)
                                  : 0;
    if (sb->person <= 0 || sb->respondent < 0 || db_commit(r->db) != 0) goto fail;
    json_decref(rec);
    rec = json_object();
    sb->kind->build(r, sb, in, rec, errs);
    make_code(sb->code);
    int64_t id = engine_create(r, e, rec, submission_hook, sb);
    if (id <= 0) goto out;
    /* the answer: the code, the office, the next step and the record's deadline */
    s = db_prepare(r->db,
                   arena_printf(r->arena, "SELECT COALESCE(state_due_at, due_at) FROM %s WHERE id = $1", e->table));
    const char *due = NULL;
    if (s) {
        db_bind_int(s, 1, id);
        if (db_step(s) == DB_ROW && !db_col_null(s, 0)) due = arena_strndup(r->arena, db_col_text(s, 0), 10);
        db_reset(s);
    }
    jw_t *w = &r->json;
    buf_clear(r->out);
    jw_init(w, r->out);
    jw_obj(w);
    jw_kstr(w, "code", sb->code);
    jw_kstr(w, "kind", sb->kind->key);
    jw_kstr(w, "kind_label", sb->kind->label);
    jw_kstr(w, "office", sb->pl.office_name);
    write_place_name(w, "township", sb->pl.office_name);
    jw_kstr(w, "next_step", sb->kind->next_step);
    jw_kstr(w, "due_on", due);
    char now[21];
    iso_from_unix(now_unix(), now);
    jw_kstr(w, "submitted_at", now);
    jw_obj_end(w);
    http_send_json(r, 201);
    sms_send(sb->phone, arena_printf(r->arena, "【司法所】您的%s已提交至%s, 查询码 %s。%s", sb->kind->label,
                                     sb->pl.office_name, sb->code, sb->kind->next_step));
    goto out;
fail:
    http_store_error(r);
out:
    OPENSSL_cleanse(idn, sizeof(idn));
    OPENSSL_cleanse(other_idn, sizeof(other_idn));
    json_decref(rec);
    json_decref(errs);
    json_decref(b);
}

/* ---- tracking ---- */

/* The state as the office names it, from the record's own workflow version. */
static const char *state_label(const entity_t *e, int version, const char *state) {
    const workflow_t *wf = entity_flow(e, version);
    for (const wf_state_t *s = wf ? wf->states : NULL; s && s->key; s++)
        if (strcmp(s->key, state) == 0) return s->label;
    return state;
}

/* The submission's replies as "replies": [...]; -1 on a store error (the
 * caller answers 503, not a thread without its replies). */
static int write_replies(http_req_t *r, int64_t submission, bool public_only, bool with_author) {
    jw_t *w = &r->json;
    db_stmt_t *s = db_prepare(r->db, "SELECT p.body, p.public, p.created_at, u.display_name FROM portal_replies p "
                                     "JOIN users u ON u.id = p.created_by WHERE p.submission_id = $1 "
                                     "AND (p.public = 1 OR CAST($2 AS INTEGER) = 0) ORDER BY p.id");
    if (!s) return -1;
    jw_key(w, "replies");
    jw_arr(w);
    db_bind_int(s, 1, submission);
    db_bind_int(s, 2, public_only ? 1 : 0);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kstr(w, "body", db_col_text(s, 0));
        jw_kbool(w, "public", db_col_int(s, 1) != 0);
        jw_kstr(w, "at", db_col_text(s, 2));
        if (with_author) jw_kstr(w, "by", db_col_text(s, 3));
        jw_obj_end(w);
    }
    db_reset(s);
    jw_arr_end(w);
    return rc == DB_DONE ? 0 : -1;
}

static void track(http_req_t *r) {
    json_t *b = http_json_body(r);
    if (!b) return;
    char code[CODE_LEN + 1] = "", last4[5] = "";
    const char *c = jtext(b, "code"), *p = jtext(b, "phone_last4");
    size_t n = 0;
    for (const char *x = c; x && *x && n < CODE_LEN; x++) /* typed in lower case or with spaces */
        if (*x != ' ' && *x != '-') code[n++] = (char)(*x >= 'a' && *x <= 'z' ? *x - 32 : *x);
    if (p && strlen(p) == 4 && strspn(p, "0123456789") == 4) memcpy(last4, p, 5);
    bool long_code = c && strlen(c) > 20;
    json_decref(b);
    if (n != CODE_LEN || long_code) return http_invalid(r, "code", "查询码为 10 位字母和数字");
    if (!last4[0]) return http_invalid(r, "phone_last4", "请填写手机号码后四位");
    int over = over_limit(r, "track", 3600, setting_int(r->db, "portal.track_per_hour"));
    if (over < 0) return http_store_error(r);
    if (over) return refuse(r, 429, "rate_limited", "查询过于频繁, 请 1 小时后再试", NULL);
    db_stmt_t *s = db_prepare(r->db, "SELECT s.id, s.kind, s.entity, s.record_id, s.phone_check, s.created_at, o.name "
                                     "FROM portal_submissions s JOIN org_units o ON o.id = s.org_id WHERE s.code = $1");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, code, -1);
    bool found = db_step(s) == DB_ROW;
    const char *check = blind(r, "portal-track", code, last4);
    if (!found || CRYPTO_memcmp(check, db_col_text(s, 4), 64) != 0) {
        db_reset(s);
        return http_error(r, 404, "not_found", "查询码或手机号码后四位不正确");
    }
    int64_t sid = db_col_int(s, 0), rid = db_col_int(s, 3);
    const portal_kind_t *k = kind_find(db_col_text(s, 1));
    const entity_t *e = entity_find(db_col_text(s, 2));
    const char *at = arena_strdup(r->arena, db_col_text(s, 5)), *office = arena_strdup(r->arena, db_col_text(s, 6));
    db_reset(s);
    if (!k || !e) return http_error(r, 404, "not_found", "查询码或手机号码后四位不正确");
    s = db_prepare(r->db, arena_printf(r->arena, "SELECT wf_state, wf_version, deleted_at, %s FROM %s WHERE id = $1",
                                       e->number ? e->number->field : "NULL", e->table));
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, rid);
    if (db_step(s) != DB_ROW) return db_reset(s), http_error(r, 404, "not_found", "查询码或手机号码后四位不正确");
    bool live = db_col_null(s, 2);
    const char *status = live ? state_label(e, (int)db_col_int(s, 1), db_col_text(s, 0)) : "已撤销";
    status = status ? arena_strdup(r->arena, status) : NULL;
    const char *no = db_col_null(s, 3) ? NULL : arena_strdup(r->arena, db_col_text(s, 3));
    db_reset(s);
    track_detail_t d[TRACK_DETAILS];
    int nd = live && k->progress ? k->progress(r, rid, &status, d) : 0;
    if (nd < 0) return http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "code", code);
    jw_kstr(w, "kind_label", k->label);
    jw_kstr(w, "office", office);
    jw_kstr(w, "submitted_at", at);
    jw_kstr(w, "status", status);
    jw_kstr(w, "record_no", no);
    jw_kstr(w, "next_step", k->next_step);
    jw_key(w, "details");
    jw_arr(w);
    for (int i = 0; i < nd; i++) {
        jw_obj(w);
        jw_kstr(w, "label", d[i].label);
        jw_kstr(w, "value", d[i].value);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (write_replies(r, sid, true, false) != 0) return http_store_error(r);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* ---- the forms' options ---- */

static void get_kinds(http_req_t *r) {
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "kinds");
    jw_arr(w);
    for (const portal_kind_t *k = kinds; k->key; k++) {
        jw_obj(w);
        jw_kstr(w, "key", k->key);
        jw_kstr(w, "label", k->label);
        jw_kstr(w, "next_step", k->next_step);
        jw_key(w, "options");
        jw_obj(w);
        char lists[128];
        snprintf(lists, sizeof(lists), "%s", k->lists);
        char *save = NULL;
        for (char *l = strtok_r(lists, " ", &save); l; l = strtok_r(NULL, " ", &save)) {
            jw_key(w, l);
            if (codes_write_items(r->db, l, w) != 0) return http_store_error(r);
        }
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "pow_bits", setting_int(r->db, "portal.pow_bits"));
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void get_campaigns(http_req_t *r) {
    int64_t office = http_query_id(r, "office_id");
    if (office <= 0) return http_invalid(r, "office_id", "请先选择街道(镇)");
    char today[11];
    wf_today(today);
    db_stmt_t *s = db_prepare(r->db, "SELECT id, title, issuer, deadline, summary FROM legislation_campaign "
                                     "WHERE org_id = $1 AND deleted_at IS NULL AND wf_state = 'collecting' "
                                     "AND deadline >= $2 ORDER BY deadline, id LIMIT 50");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, office);
    db_bind_text(s, 2, today, -1);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kint(w, "id", db_col_int(s, 0));
        jw_kstr(w, "title", db_col_text(s, 1));
        jw_kstr(w, "issuer", db_col_text(s, 2));
        jw_kstr(w, "deadline", db_col_text(s, 3));
        jw_kstr(w, "summary", db_col_null(s, 4) ? NULL : db_col_text(s, 4));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* ---- staff: a record's submission and its replies ---- */

/* The record (read through the one access path) and its submission id;
 * 0 when it came another way; -1 after answering. */
static int64_t staff_submission(http_req_t *r, const entity_t **ep, const char **channel, const char **code,
                                const char **at) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    int64_t id = http_param_id(r, "id");
    if (!e || !kind_of_entity(e->name) || id <= 0) return http_error(r, 404, "not_found", "记录不存在"), -1;
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.read", e->perm);
    if (!auth_can(auth_principal(r), perm)) return http_error(r, 403, "forbidden", "您没有执行此操作的权限"), -1;
    buf_t sql = BUF_INIT;
    db_stmt_t *s = engine_load_record(r, e, id, &sql);
    buf_free(&sql);
    if (!s) return -1;
    db_reset(s);
    *ep = e;
    s = db_prepare(r->db,
                   "SELECT id, channel, code, created_at FROM portal_submissions WHERE entity = $1 AND record_id = $2");
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    int64_t sid = 0;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        sid = db_col_int(s, 0);
        *channel = arena_strdup(r->arena, db_col_text(s, 1));
        *code = arena_strdup(r->arena, db_col_text(s, 2));
        *at = arena_strdup(r->arena, db_col_text(s, 3));
    }
    db_reset(s);
    if (rc < 0) return http_store_error(r), -1; /* not "not from the portal" */
    return sid;
}

static void get_staff_submission(http_req_t *r) {
    const entity_t *e = NULL;
    const char *channel = NULL, *code = NULL, *at = NULL;
    int64_t sid = staff_submission(r, &e, &channel, &code, &at);
    if (sid < 0) return;
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "submission");
    if (!sid) {
        jw_null(w);
    } else {
        jw_obj(w);
        jw_kstr(w, "channel", channel);
        jw_kstr(w, "channel_label", strcmp(channel, "kiosk") == 0 ? "自助终端 (自助办)" : "公众门户 (网上办、掌上办)");
        jw_kstr(w, "code", code);
        jw_kstr(w, "submitted_at", at);
        char perm[128];
        snprintf(perm, sizeof(perm), "%s.update", e->perm);
        jw_kbool(w, "can_reply", auth_can(auth_principal(r), perm));
        if (write_replies(r, sid, false, true) != 0) return http_store_error(r);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void post_reply(http_req_t *r) {
    const entity_t *e = NULL;
    const char *channel = NULL, *code = NULL, *at = NULL;
    int64_t sid = staff_submission(r, &e, &channel, &code, &at);
    if (sid < 0) return;
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.update", e->perm);
    if (!auth_can(auth_principal(r), perm)) return http_error(r, 403, "forbidden", "您没有执行此操作的权限");
    if (!sid) return http_error(r, 409, "not_portal", "该记录不是经公众门户提交的, 无法答复");
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *text = jtext(b, "body");
    json_t *pub_j = json_object_get(b, "public");
    bool pub = !pub_j || json_is_true(pub_j);
    if (!text || strlen(text) > 2000) {
        json_decref(b);
        return http_invalid(r, "body", text ? "答复不超过 2000 字节" : "请填写答复内容");
    }
    text = arena_strdup(r->arena, text);
    json_decref(b);
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "INSERT INTO portal_replies (submission_id, body, public, created_at, created_by) "
                                     "VALUES ($1, $2, $3, $4, $5)");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, sid);
    db_bind_text(s, 2, text, -1);
    db_bind_int(s, 3, pub ? 1 : 0);
    db_bind_text(s, 4, now, -1);
    db_bind_int(s, 5, auth_principal(r)->user_id);
    int rc = db_step(s);
    db_reset(s);
    char detail[64];
    snprintf(detail, sizeof(detail), "{\"public\":%s}", pub ? "true" : "false");
    if (rc != DB_DONE || auth_audit(r, "portal.reply", e->name, http_param_id(r, "id"), "ok", detail) != 0 ||
        db_commit(r->db) != 0)
        return http_store_error(r);
    jw_obj(&r->json);
    jw_kstr(&r->json, "body", text);
    jw_kbool(&r->json, "public", pub);
    jw_kstr(&r->json, "at", now);
    jw_obj_end(&r->json);
    http_send_json(r, 201);
    if (!pub) return;
    /* the resident hears of a public reply by SMS */
    s = db_prepare(r->db, "SELECT phone_enc FROM portal_submissions WHERE id = $1");
    if (!s) return;
    db_bind_int(s, 1, sid);
    buf_t phone = BUF_INIT;
    if (db_step(s) == DB_ROW && pi_decrypt(auth_keys(), db_col_text(s, 0), &phone) == 0)
        sms_send(phone.data,
                 arena_printf(r->arena, "【司法所】您的事项 (查询码 %s) 有新的答复, 请凭查询码和手机号码后四位查看。",
                              code));
    db_reset(s);
    if (phone.data) OPENSSL_cleanse(phone.data, phone.len);
    buf_free(&phone);
}

static const route_t routes[] = {
    {"GET", "/public/api/v1/places", places, ROUTE_PUBLIC | ROUTE_PORTAL},
    {"POST", "/public/api/v1/places/match", match_place, ROUTE_PUBLIC | ROUTE_PORTAL | ROUTE_NO_CSRF, 4096},
    {"GET", "/public/api/v1/kinds", get_kinds, ROUTE_PUBLIC | ROUTE_PORTAL},
    {"GET", "/public/api/v1/campaigns", get_campaigns, ROUTE_PUBLIC | ROUTE_PORTAL},
    {"GET", "/public/api/v1/challenge", get_challenge, ROUTE_PUBLIC | ROUTE_PORTAL},
    {"POST", "/public/api/v1/submissions", submit, ROUTE_PUBLIC | ROUTE_PORTAL | ROUTE_NO_CSRF, SUBMIT_BODY_LIMIT},
    {"POST", "/public/api/v1/track", track, ROUTE_PUBLIC | ROUTE_PORTAL | ROUTE_NO_CSRF, 4096},
    {"GET", "/api/v1/portal/:entity/:id", get_staff_submission},
    {"POST", "/api/v1/portal/:entity/:id/replies", post_reply, 0, 8192},
    {0},
};

void portal_routes_register(void) {
    router_add(routes);
    wf_on_tick(forget_attempts);
}
