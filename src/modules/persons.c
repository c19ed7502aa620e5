/* persons.c — the person registry (DESIGN.md "Person registry"; issue 3
 * point 9, issue 8 point 1):
 *
 *   POST /api/v1/persons                 register {name, id_type?, id_number, phone?, address?,
 *                                        household?, gender?, birth_date?, org_id?}
 *   GET  /api/v1/persons?id_number=…[&id_type=…]   exact lookup through the blind index
 *   GET  /api/v1/persons?name=…          the persons in scope whose name contains the text
 *   GET  /api/v1/persons/:id             one person, masked
 *   POST /api/v1/persons/:id/unmask      the full values (pi.unmask), audited
 *   GET  /api/v1/persons/:id/involvements   every record linking the person (below)
 *   POST /api/v1/persons/:id/merge       ask to merge this duplicate into {into_id, reason}
 *   GET  /api/v1/person-merges           merge requests in scope (?status=)
 *   POST /api/v1/person-merges/:id/approve|reject   decided by another user (person.merge.approve)
 *   (open requests are in their approvers' to-do: GET /api/v1/todo, "person-merges")
 *
 * A person is entered once: an ID number already registered answers 409 with
 * the existing person (its masked summary and id when in the caller's scope),
 * never a duplicate.  Document types are the id_type code list: the
 * resident ID (GB 11643; gender and birth date derived from it), passports,
 * the 港澳 and 台湾 permits and the foreign permanent-residence card, each
 * with its own format check; their blind index is keyed by type and number.
 * Merging keeps the duplicate's row (merged_into points at the person kept),
 * repoints every link of every entity's person fields, and records what
 * moved in person_merges and the audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/audit.h"
#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"

static const perm_def_t person_perms[] = {
    {"person.read", "查看人员信息",
     "city_leader city_staff district_admin district_staff office_director office_staff mediator api_client "
     "corrections_officer"},
    {"person.create", "登记人员", "district_admin district_staff office_director office_staff mediator corrections_officer"},
    {"person.merge.request", "申请合并重复人员", "district_admin district_staff office_director office_staff"},
    {"person.merge.approve", "审批人员合并", "district_admin office_director"},
    {0},
};

#define PERSON_COLS "p.id, p.org_id, o.name, p.name, p.gender, p.birth_date, p.id_type, p.id_masked, p.phone_masked, p.version, p.created_at, o.path, p.merged_into"

static void write_person(jw_t *w, db_stmt_t *s) {
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 0));
    jw_key(w, "org");
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 1));
    jw_kstr(w, "name", db_col_text(s, 2));
    jw_obj_end(w);
    jw_kstr(w, "name", db_col_text(s, 3));
    jw_kstr(w, "gender", db_col_text(s, 4));
    /* the year only: the full date next to a masked number would give most
     * of the number back (digits 7-14 are the birth date) */
    const char *birth = db_col_text(s, 5);
    jw_key(w, "birth_year");
    if (birth && strlen(birth) >= 4) jw_strn(w, birth, 4);
    else jw_null(w);
    /* rows older than migration 0030 may hold the label 居民身份证 */
    const char *idt = db_col_text(s, 6);
    jw_kstr(w, "id_type", idt && strcmp(idt, "居民身份证") == 0 ? "resident_id" : idt);
    jw_kstr(w, "id_number", db_col_text(s, 7)); /* masked */
    jw_kstr(w, "phone", db_col_text(s, 8));     /* masked */
    jw_kint(w, "version", db_col_int(s, 9));
    jw_kstr(w, "created_at", db_col_text(s, 10));
    jw_key(w, "merged_into");
    if (db_col_null(s, 12)) jw_null(w);
    else jw_int(w, db_col_int(s, 12));
    jw_kbool(w, "masked", true);
    jw_obj_end(w);
}

/* Finds a person by the blind index of a normalised ID number; 0 when none,
 * -1 when the store cannot say (not "none": that would register the number
 * a second time, or show an empty list). */
static int64_t person_by_index(db_t *db, const char *index) {
    /* a merged duplicate answers with the person it was merged into */
    db_stmt_t *s = db_prepare(db, "SELECT COALESCE(merged_into, id) FROM persons WHERE id_index = $1");
    if (!s) return -1;
    db_bind_text(s, 1, index, -1);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : rc == DB_DONE ? 0 : -1;
    db_reset(s);
    return id;
}

/* The blind index of a document number: resident ID numbers as they always
 * were (existing rows), other types keyed by type so that a passport and a
 * permit with the same characters never collide. */
static void person_index(const keys_t *keys, const char *type, const char *number, char out[65]) {
    if (!type || strcmp(type, "resident_id") == 0) return pi_blind_index(keys, number, out);
    char typed[96];
    snprintf(typed, sizeof(typed), "%s:%s", type, number);
    pi_blind_index(keys, typed, out);
}

typedef struct person_in {
    int64_t org_id, by;
    const char *name, *id_type, *id_number, *phone, *address, *household, *gender, *birth_date;
} person_in_t;

/* Inserts one person (inside the caller's transaction).  id_number must be
 * valid and normalised for its type; for a resident ID, gender and birth
 * date come from the number.  Returns the id, 0 on a duplicate, <0 on error. */
static int64_t person_insert_ex(db_t *db, const keys_t *keys, const person_in_t *in) {
    bool resident = !in->id_type || strcmp(in->id_type, "resident_id") == 0;
    char index[65], masked[64], pmasked[32], birth[11] = "";
    person_index(keys, in->id_type, in->id_number, index);
    char gender[2] = {0, 0};
    if (resident) {
        mask_idcard(in->id_number, masked, sizeof(masked));
        idcard_birth(in->id_number, birth);
        gender[0] = idcard_gender(in->id_number);
    } else {
        mask_generic(in->id_number, 1, 3, masked, sizeof(masked));
        if (in->birth_date) snprintf(birth, sizeof(birth), "%s", in->birth_date);
        if (in->gender) gender[0] = in->gender[0];
    }
    char *id_enc = pi_encrypt(keys, in->id_number, strlen(in->id_number));
    char *phone_enc = in->phone && *in->phone ? pi_encrypt(keys, in->phone, strlen(in->phone)) : NULL;
    char *addr_enc = in->address && *in->address ? pi_encrypt(keys, in->address, strlen(in->address)) : NULL;
    char *house_enc = in->household && *in->household ? pi_encrypt(keys, in->household, strlen(in->household)) : NULL;
    db_stmt_t *s = db_prepare(db, "INSERT INTO persons (org_id, name, gender, birth_date, id_enc, id_index, id_masked, "
                                  "phone_enc, phone_masked, address_enc, created_by, updated_by, id_type, household_enc) "
                                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING id");
    int64_t id = -1;
    if (s) {
        db_bind_int(s, 1, in->org_id);
        db_bind_text(s, 2, in->name, -1);
        db_bind_text(s, 3, gender[0] ? gender : NULL, -1);
        db_bind_text(s, 4, birth[0] ? birth : NULL, -1);
        db_bind_text(s, 5, id_enc, -1);
        db_bind_text(s, 6, index, -1);
        db_bind_text(s, 7, masked, -1);
        db_bind_text(s, 8, phone_enc, -1);
        db_bind_text(s, 9, phone_enc ? mask_phone(in->phone, pmasked, sizeof(pmasked)) : NULL, -1);
        db_bind_text(s, 10, addr_enc, -1);
        if (in->by) db_bind_int(s, 11, in->by);
        else db_bind_null(s, 11);
        db_bind_text(s, 12, in->id_type ? in->id_type : "resident_id", -1);
        db_bind_text(s, 13, house_enc, -1);
        int rc = db_step(s);
        id = rc == DB_ROW ? db_col_int(s, 0) : db_is_constraint(rc) ? 0 : -1;
        db_reset(s);
    }
    free(id_enc);
    free(phone_enc);
    free(addr_enc);
    free(house_enc);
    return id;
}

/* The resident-ID form the demo data and older callers use. */
int64_t person_insert(db_t *db, const keys_t *keys, int64_t org_id, const char *name, const char *id_number,
                      const char *phone, const char *address, int64_t by) {
    person_in_t in = {.org_id = org_id, .by = by, .name = name, .id_type = "resident_id", .id_number = id_number,
                      .phone = phone, .address = address};
    return person_insert_ex(db, keys, &in);
}

/* 一次录入、多方共享 for a person a unit did not register: when the person's
 * unit is outside org_id's subtree, the person is shared with org_id (the
 * audit row person.shared with org_id's id, as when the unit's staff type
 * the full number: send_existing, engine_person_readable).  0, or -1. */
static int person_share(http_req_t *r, int64_t id, int64_t org_id) {
    const char *org_path = scope_unit_path(r, org_id);
    db_stmt_t *s = db_prepare(r->db, "SELECT o.path FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = $1");
    if (!s || !org_path) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    char hi[512];
    scope_upper(org_path, hi, sizeof(hi));
    bool inside = rc == DB_ROW && strcmp(db_col_text(s, 0), org_path) >= 0 && strcmp(db_col_text(s, 0), hi) < 0;
    db_reset(s);
    if (rc != DB_ROW) return -1;
    if (inside) return 0;
    const principal_t *p = auth_principal(r);
    audit_event_t ev = {.action = "person.shared", .entity = "persons", .entity_id = id, .result = "ok",
                        .user_id = p ? p->user_id : 0, .username = p ? p->username : NULL, .org_id = org_id,
                        .ip = r->peer, .user_agent = http_header(r, "User-Agent")};
    return audit_write(r->db, auth_keys(), &ev) == 0 ? 0 : -1;
}

/* The registry's person of a valid, normalised document number (the one
 * registered, shared with org_id; or registered now, owned by org_id), in
 * the caller's transaction.  The id, or -1. */
static int64_t person_resolve(http_req_t *r, int64_t org_id, const char *type, const char *norm, const char *name,
                              const char *phone, const char *address) {
    char index[65];
    person_index(auth_keys(), type, norm, index);
    int64_t id = person_by_index(r->db, index);
    if (id > 0) return person_share(r, id, org_id) == 0 ? id : -1;
    if (id < 0) return -1;
    person_in_t in = {.org_id = org_id, .by = auth_principal(r)->user_id, .name = name, .id_type = type,
                      .id_number = norm, .phone = phone, .address = address};
    id = person_insert_ex(r->db, auth_keys(), &in);
    if (id == 0) { /* registered concurrently (PostgreSQL) */
        id = person_by_index(r->db, index);
        return id > 0 && person_share(r, id, org_id) == 0 ? id : -1;
    }
    if (id < 0) return -1;
    char masked[64], detail[200];
    if (strcmp(type, "resident_id") == 0) mask_idcard(norm, masked, sizeof(masked));
    else mask_generic(norm, 1, 3, masked, sizeof(masked));
    snprintf(detail, sizeof(detail), "{\"id_type\":\"%s\",\"id_number\":\"%s\"}", type, masked);
    return auth_audit(r, "record.create", "persons", id, "ok", detail) == 0 ? id : -1;
}

int64_t person_find_or_register(http_req_t *r, int64_t org_id, const char *name, const char *id_number,
                                const char *phone, const char *address) {
    return person_resolve(r, org_id, "resident_id", id_number, name, phone, address);
}

/* Checks and normalises (upper case, no spaces) a document number of a type
 * other than the resident ID; NULL when valid, else the Chinese reason. */
static const char *other_id_check(const char *type, const char *in, char *out, size_t outlen) {
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < outlen; p++) {
        if (*p == ' ' || *p == '-') continue;
        char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return "证件号码只能包含字母和数字";
        out[n++] = c;
    }
    out[n] = '\0';
    int digits = 0, letters = 0;
    for (size_t i = 0; i < n; i++) (out[i] >= '0' && out[i] <= '9') ? digits++ : letters++;
    if (strcmp(type, "passport") == 0)
        return n >= 5 && n <= 17 && digits >= 3 ? NULL : "护照号码应为 5 到 17 位字母和数字";
    if (strcmp(type, "hk_macao_permit") == 0) /* H/M + 8 digits (2013 card) or + 10 (old booklet) */
        return (out[0] == 'H' || out[0] == 'M') && (n == 9 || n == 11) && digits == (int)n - 1
                   ? NULL
                   : "港澳居民来往内地通行证号码应为 H 或 M 加 8 位 (旧版 10 位) 数字";
    if (strcmp(type, "taiwan_permit") == 0) /* 8 digits (2015 card) or 10 (old) */
        return (n == 8 || n == 10) && digits == (int)n ? NULL : "台湾居民来往大陆通行证号码应为 8 位 (旧版 10 位) 数字";
    if (strcmp(type, "foreign_pr_card") == 0) /* 3 letters + 12 digits (2004), or 18 digits starting 9 (2023) */
        return (n == 15 && letters == 3 && digits == 12 && out[0] >= 'A' && out[1] >= 'A' && out[2] >= 'A') ||
                       (n == 18 && digits == 18 && out[0] == '9')
                   ? NULL
                   : "外国人永久居留身份证号码应为 3 位字母加 12 位数字, 或以 9 开头的 18 位数字";
    return "不支持的证件类型";
}

/* Checks and normalises a document number of type into norm (at least 40
 * bytes); NULL when valid, else the Chinese reason for what was typed. */
static const char *id_number_check(const char *type, const char *idn, char *norm, size_t n) {
    if (strcmp(type, "resident_id") == 0) {
        const char *why = NULL;
        if (!idn || !idcard_normalize(idn, norm) || !idcard_valid(norm, NULL, &why)) {
            if (idn && !why) idcard_valid(idn, NULL, &why);
            return why ? why : "公民身份号码应为 18 位";
        }
        return NULL;
    }
    if (!idn || !*idn || strlen(idn) > 30) return "请填写证件号码";
    return other_id_check(type, idn, norm, n);
}

static const char *jstr(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void send_existing(http_req_t *r, int64_t id) {
    db_stmt_t *s = db_prepare(r->db, "SELECT " PERSON_COLS " FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = $1");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return http_store_error(r);
    }
    bool visible = scope_covers(r, db_col_text(s, 11));
    if (!visible) {
        /* the caller typed the full number: the person is shared with the
         * caller's unit from now on, which lets its records link them
         * (values.c, value_check_ref); kept in the audit trail */
        char nm[64];
        int64_t pid = db_col_int(s, 0);
        const char *masked = arena_strdup(r->arena, mask_name(db_col_text(s, 3), nm, sizeof(nm)));
        db_reset(s);
        if (auth_audit(r, "person.shared", "persons", pid, "ok", NULL) != 0)
            return http_error(r, 503, "audit_failed", "审计记录写入失败, 请稍后再试");
        jw_obj(&r->json);
        jw_key(&r->json, "error");
        jw_obj(&r->json);
        jw_kstr(&r->json, "code", "duplicate_person");
        jw_kstr(&r->json, "message", "该证件号码已由其他单位登记, 可直接关联该人员");
        /* 一次录入、多方共享: the id and a masked name to link the person by
         * disclose nothing more; the details stay with the registering
         * unit's scope */
        jw_key(&r->json, "existing_ref");
        jw_obj(&r->json);
        jw_kint(&r->json, "id", pid);
        jw_kstr(&r->json, "name", masked);
        jw_obj_end(&r->json);
        jw_obj_end(&r->json);
        jw_obj_end(&r->json);
        return http_send_json(r, 409);
    }
    jw_obj(&r->json);
    jw_key(&r->json, "error");
    jw_obj(&r->json);
    jw_kstr(&r->json, "code", "duplicate_person");
    jw_kstr(&r->json, "message", "该证件号码已登记, 请直接使用已有人员");
    jw_key(&r->json, "existing");
    write_person(&r->json, s);
    jw_obj_end(&r->json);
    jw_obj_end(&r->json);
    db_reset(s);
    http_send_json(r, 409);
}

static void create_person(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *name = jstr(b, "name"), *idn = jstr(b, "id_number"), *phone = jstr(b, "phone"),
               *addr = jstr(b, "address"), *house = jstr(b, "household"), *type = jstr(b, "id_type"),
               *gender = jstr(b, "gender"), *birth = jstr(b, "birth_date"), *why = NULL;
    static const char *const known[] = {"name", "id_type", "id_number", "phone", "address", "household", "gender",
                                        "birth_date", "org_id", NULL};
    const char *k;
    json_t *v;
    char norm[40] = "";
    json_t *org_j = json_object_get(b, "org_id");
    int64_t org = json_is_integer(org_j) ? json_integer_value(org_j) : p->org_id;
    json_object_foreach(b, k, v) {
        int i = 0;
        while (known[i] && strcmp(known[i], k) != 0) i++;
        if (!known[i]) {
            http_invalid(r, k, "未知字段");
            goto out;
        }
        if (!json_is_string(v) && !json_is_null(v) && strcmp(k, "org_id") != 0) {
            http_invalid(r, k, "必须是文本");
            goto out;
        }
    }
    if (!type || !*type) type = "resident_id";
    bool resident = strcmp(type, "resident_id") == 0;
    if (!resident && !code_valid(r->db, "id_type", type)) {
        http_invalid(r, "id_type", "证件类型不在代码表中");
        goto out;
    }
    if (!name || !*name || strlen(name) > 100) {
        http_invalid(r, "name", "请填写姓名 (不超过 100 字节)");
        goto out;
    }
    if ((why = id_number_check(type, idn, norm, sizeof(norm)))) {
        http_invalid(r, "id_number", why);
        goto out;
    }
    if (resident) {
        if ((gender && *gender) || (birth && *birth)) {
            http_invalid(r, gender && *gender ? "gender" : "birth_date", "性别和出生日期由公民身份号码确定, 无需填写");
            goto out;
        }
    } else {
        if (gender && *gender && strcmp(gender, "M") && strcmp(gender, "F")) {
            http_invalid(r, "gender", "性别应为 M (男) 或 F (女)");
            goto out;
        }
        if (birth && *birth && !date_valid(birth)) {
            http_invalid(r, "birth_date", "日期格式应为 YYYY-MM-DD");
            goto out;
        }
    }
    if (phone && *phone && !mobile_valid(phone)) {
        http_invalid(r, "phone", "手机号码应为 11 位, 以 1 开头");
        goto out;
    }
    if ((addr && strlen(addr) > 500) || (house && strlen(house) > 500)) {
        http_invalid(r, addr && strlen(addr) > 500 ? "address" : "household", "地址过长");
        goto out;
    }
    db_stmt_t *s = db_prepare(r->db, "SELECT path FROM org_units WHERE id = $1");
    if (!s) goto fail;
    db_bind_int(s, 1, org);
    int orc = db_step(s);
    const char *opath = orc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (orc < 0) goto fail;
    if (!opath || !scope_covers(r, opath)) {
        http_invalid(r, "org_id", "登记单位不存在或不在您的管辖范围内");
        goto out;
    }
    /* registering a number is a look-up too: "already registered" (409
     * with the person to link) answers whether the registry holds it, so it
     * is limited and audited as an exact look-up (engine/access.c; issue 18
     * point 3); a miss registers the person, audited as record.create */
    if (!engine_pi_lookup_allowed(r)) goto out;
    char index[65];
    person_index(auth_keys(), type, norm, index);
    int64_t existing = person_by_index(r->db, index);
    if (existing < 0) goto fail;
    if (existing > 0) {
        if (engine_pi_lookup_audit(r, "persons", "id_number", true) != 0) goto out;
        send_existing(r, existing);
        goto out;
    }
    if (db_begin(r->db) != 0) goto fail;
    person_in_t in = {.org_id = org, .by = p->user_id, .name = name, .id_type = type, .id_number = norm,
                      .phone = phone, .address = addr, .household = house, .gender = gender, .birth_date = birth};
    int64_t id = person_insert_ex(r->db, auth_keys(), &in);
    if (id == 0) { /* registered concurrently */
        db_rollback(r->db);
        send_existing(r, person_by_index(r->db, index));
        goto out;
    }
    char masked[64], detail[200];
    if (resident) mask_idcard(norm, masked, sizeof(masked));
    else mask_generic(norm, 1, 3, masked, sizeof(masked));
    snprintf(detail, sizeof(detail), "{\"id_type\":\"%s\",\"id_number\":\"%s\"}", type, masked);
    if (id < 0 || auth_audit(r, "record.create", "persons", id, "ok", detail) != 0 || db_commit(r->db) != 0) goto fail;
    s = db_prepare(r->db, "SELECT " PERSON_COLS " FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = $1");
    if (s) db_bind_int(s, 1, id);
    if (s && db_step(s) == DB_ROW) {
        write_person(&r->json, s);
    } else { /* committed: never an error now (engine_answer_record), the id at least */
        jw_obj(&r->json);
        jw_kint(&r->json, "id", id);
        jw_obj_end(&r->json);
    }
    if (s) db_reset(s);
    http_send_json(r, 201);
    goto out;
fail:
    http_store_error(r);
out:
    OPENSSL_cleanse(norm, sizeof(norm));
    json_decref(b);
}

/* The person's row if it exists and is in scope; answers 404 otherwise. */
static bool load_person(http_req_t *r, int64_t id, db_stmt_t **out) {
    db_stmt_t *s = db_prepare(r->db, "SELECT " PERSON_COLS ", p.id_enc, p.phone_enc, p.address_enc, p.household_enc "
                                     "FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = $1");
    if (!s) {
        http_store_error(r);
        return false;
    }
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc != DB_ROW || !scope_covers(r, db_col_text(s, 11))) {
        db_reset(s);
        if (rc < 0) http_store_error(r);
        else http_error(r, 404, "not_found", "人员不存在");
        return false;
    }
    *out = s;
    return true;
}

static void get_person(http_req_t *r) {
    db_stmt_t *s;
    if (!load_person(r, http_param_id(r, "id"), &s)) return;
    write_person(&r->json, s);
    db_reset(s);
    http_send_json(r, 200);
}

/* Lists the persons registered in the caller's subtree (keyset by id); with
 * ?id_number= an exact lookup through the blind index instead; ?name= keeps
 * those whose name contains the text (names are stored in clear: only the
 * numbers, phone and addresses are encrypted, so a name is found by LIKE
 * within the scope's index range, the registry page's 按姓名查找). */
static void find_person(http_req_t *r) {
    const char *idn = http_query(r, "id_number"), *type = http_query(r, "id_type"), *name = http_query(r, "name");
    char norm[40], index[65];
    const char *why = NULL;
    int64_t only = 0;
    if (name && strlen(name) > 100) return http_invalid(r, "name", "姓名不超过 100 字节");
    /* the LIKE pattern: %text% with %, _ and the escape character escaped */
    buf_t like = BUF_INIT;
    buf_putc(&like, '%');
    for (const char *c = name ? name : ""; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '!') buf_putc(&like, '!');
        buf_putc(&like, *c);
    }
    buf_putc(&like, '%');
    const char *pattern = arena_strdup(r->arena, like.data);
    buf_free(&like);
    if (idn) {
        if (!engine_pi_lookup_allowed(r)) return; /* audited and limited (engine/access.c) */
        if (!type || strcmp(type, "resident_id") == 0) {
            if (!idcard_normalize(idn, norm) || !idcard_valid(norm, NULL, &why))
                return http_invalid(r, "id_number", why ? why : "请提供有效的 18 位公民身份号码");
        } else if ((why = other_id_check(type, idn, norm, sizeof(norm)))) {
            return http_invalid(r, "id_number", why);
        }
        person_index(auth_keys(), type, norm, index);
        only = person_by_index(r->db, index);
        if (only < 0) return http_store_error(r);
        if (only == 0) only = -1; /* no such person: an empty list */
    }
    const char *scope = scope_path(r);
    char hi[512];
    scope_upper(scope ? scope : "/", hi, sizeof(hi));
    int64_t after = http_query_id(r, "after");
    const char *lim = http_query(r, "limit");
    int limit = lim ? atoi(lim) : 50;
    if (after == -2 || limit < 1 || limit > 500) return http_invalid(r, "limit", "limit 须在 1 到 500 之间, after 须为正整数");
    db_stmt_t *s = db_prepare(r->db, "SELECT " PERSON_COLS " FROM persons p JOIN org_units o ON o.id = p.org_id "
                                     "WHERE o.path >= $1 AND o.path < $2 AND p.id > $3 AND ($4 = 0 OR p.id = $4) "
                                     "AND p.name LIKE $6 ESCAPE '!' ORDER BY p.id LIMIT $5");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, scope ? scope : "/", -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, after > 0 ? after : 0);
    db_bind_int(s, 4, only);
    db_bind_int(s, 5, limit + 1);
    db_bind_text(s, 6, pattern, -1);
    jw_obj(&r->json);
    jw_key(&r->json, "items");
    jw_arr(&r->json);
    int n = 0, rc;
    int64_t last = 0;
    while ((rc = db_step(s)) == DB_ROW && n < limit) {
        write_person(&r->json, s);
        last = db_col_int(s, 0);
        n++;
    }
    bool more = rc == DB_ROW;
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (idn && engine_pi_lookup_audit(r, "persons", "id_number", n > 0) != 0) return;
    jw_arr_end(&r->json);
    jw_key(&r->json, "next");
    if (more) jw_str(&r->json, arena_printf(r->arena, "%lld", (long long)last));
    else jw_null(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

/* The full values, for a user allowed to see them; every use is audited and
 * a failed audit write refuses the disclosure. */
static void unmask_person(http_req_t *r) {
    int64_t id = http_param_id(r, "id");
    db_stmt_t *s;
    if (!load_person(r, id, &s)) return;
    buf_t idn = BUF_INIT, phone = BUF_INIT, addr = BUF_INIT, house = BUF_INIT;
    bool ok = pi_decrypt(auth_keys(), db_col_text(s, 13), &idn) == 0;
    if (ok && !db_col_null(s, 14)) ok = pi_decrypt(auth_keys(), db_col_text(s, 14), &phone) == 0;
    if (ok && !db_col_null(s, 15)) ok = pi_decrypt(auth_keys(), db_col_text(s, 15), &addr) == 0;
    if (ok && !db_col_null(s, 16)) ok = pi_decrypt(auth_keys(), db_col_text(s, 16), &house) == 0;
    db_reset(s);
    if (!ok) {
        http_error(r, 500, "decrypt_failed", "个人信息密文校验失败, 已记录");
        auth_audit(r, "pi.unmask", "persons", id, "failed", "{\"reason\":\"tag mismatch\"}");
    } else if (auth_audit(r, "pi.unmask", "persons", id, "ok", "{\"fields\":[\"id_number\",\"phone\",\"address\",\"household\"]}") != 0) {
        http_error(r, 503, "audit_failed", "审计记录写入失败, 未显示个人信息");
    } else {
        jw_obj(&r->json);
        jw_kint(&r->json, "id", id);
        jw_kstr(&r->json, "id_number", idn.data);
        jw_kstr(&r->json, "phone", phone.data);
        jw_kstr(&r->json, "address", addr.data);
        jw_kstr(&r->json, "household", house.data);
        jw_kbool(&r->json, "masked", false);
        jw_obj_end(&r->json);
        http_set_header(r, "Cache-Control", "no-store");
        http_send_json(r, 200);
    }
    if (idn.data) OPENSSL_cleanse(idn.data, idn.len);
    if (phone.data) OPENSSL_cleanse(phone.data, phone.len);
    if (addr.data) OPENSSL_cleanse(addr.data, addr.len);
    if (house.data) OPENSSL_cleanse(house.data, house.len);
    buf_free(&house);
    buf_free(&idn);
    buf_free(&phone);
    buf_free(&addr);
}

/* ---- involvements: every record that links the person ---- */

typedef struct inv_item {
    const entity_t *e;
    int64_t id;
    const char *field, *title, *state;
} inv_item_t;

typedef struct inv_ctx {
    http_req_t *r;
    int64_t person;
    inv_item_t *items;
    int n, cap, hidden, rc;
    json_t *hidden_by; /* entity → count */
} inv_ctx_t;

/* The field a record is known by in a list: the first listed text field. */
static const field_t *title_field(const entity_t *e) {
    for (const field_t *f = e->fields; f->name; f++)
        if (f->type == F_TEXT && !(f->flags & FF_PI) && (f->flags & FF_LIST)) return f;
    return NULL;
}

/* May the caller see this record of e here?  engine_may_read decides (read
 * permission, scope, protected records with break-the-glass); the others
 * are only counted.  A protected record shown through a grant is audited
 * (person_involvements, after the reads). */
static bool inv_visible(inv_ctx_t *c, const entity_t *e, const char *org_path) {
    engine_read_t a = engine_may_read(c->r, e, org_path); /* the one access path (engine/access.c) */
    if (a == ENGINE_READ_STORE_ERROR) c->rc = -1;         /* 503, not one more "hidden" */
    return a == ENGINE_READ_OK || a == ENGINE_READ_GRANTED;
}

static void inv_add(inv_ctx_t *c, const entity_t *e, int64_t id, const char *field, const char *org_path,
                    const char *title, const char *state) {
    for (int i = 0; i < c->n; i++)
        if (c->items[i].e == e && c->items[i].id == id) return;
    if (!inv_visible(c, e, org_path)) {
        c->hidden++;
        json_t *n = json_object_get(c->hidden_by, e->name);
        json_object_set_new(c->hidden_by, e->name, json_integer(n ? json_integer_value(n) + 1 : 1));
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        inv_item_t *m = arena_alloc(c->r->arena, sizeof(inv_item_t) * (size_t)c->cap);
        if (c->n) memcpy(m, c->items, sizeof(inv_item_t) * (size_t)c->n);
        c->items = m;
    }
    c->items[c->n++] = (inv_item_t){e, id, field, title ? arena_strdup(c->r->arena, title) : NULL,
                                    state ? arena_strdup(c->r->arena, state) : NULL};
}

/* A linked record's parent (a party's case): the records its F_REF fields
 * name in other entities, so the person's case is found through the party. */
static void inv_parents(inv_ctx_t *c, const entity_t *e, db_stmt_t *row, int first_ref_col) {
    int col = first_ref_col;
    for (const field_t *f = e->fields; f->name; f++) {
        if (f->type != F_REF || !f->ref || !strcmp(f->ref, "org_units")) continue;
        int my = col++;
        const entity_t *pe = entity_find(f->ref);
        if (!pe || db_col_null(row, my)) continue;
        int64_t pid = db_col_int(row, my);
        const field_t *tf = title_field(pe);
        char *sql = arena_printf(c->r->arena, "SELECT org_path, %s, wf_state FROM %s WHERE id = $1 AND deleted_at IS NULL",
                                 tf ? tf->name : "NULL", pe->table);
        db_stmt_t *s = db_prepare(c->r->db, sql);
        if (!s) {
            c->rc = -1;
            return;
        }
        db_bind_int(s, 1, pid);
        int rc = db_step(s);
        if (rc == DB_ROW)
            inv_add(c, pe, pid, arena_printf(c->r->arena, "%s.%s", e->name, f->name), db_col_text(s, 0),
                    db_col_text(s, 1), db_col_text(s, 2));
        db_reset(s);
        if (rc < 0) c->rc = -1; /* not "no record links them" */
    }
}

static void inv_entity(const entity_t *e, void *arg) {
    inv_ctx_t *c = arg;
    if (c->rc) return;
    const field_t *tf = title_field(e);
    for (const field_t *f = e->fields; f->name; f++) {
        if (f->type != F_PERSON) continue;
        buf_t sql = BUF_INIT;
        buf_printf(&sql, "SELECT id, org_path, %s, wf_state", tf ? tf->name : "NULL");
        for (const field_t *g = e->fields; g->name; g++)
            if (g->type == F_REF && g->ref && strcmp(g->ref, "org_units")) buf_printf(&sql, ", %s", g->name);
        buf_printf(&sql, " FROM %s WHERE %s = $1 AND deleted_at IS NULL ORDER BY id LIMIT 1000", e->table, f->name);
        db_stmt_t *s = db_prepare(c->r->db, sql.data);
        buf_free(&sql);
        if (!s) {
            c->rc = -1;
            return;
        }
        db_bind_int(s, 1, c->person);
        /* rows first (the statement is reused by the parents' look-ups of
         * another entity only, never of this one) */
        int rc = DB_DONE;
        while (c->rc == 0 && (rc = db_step(s)) == DB_ROW) {
            int64_t id = db_col_int(s, 0);
            const char *path = arena_strdup(c->r->arena, db_col_text(s, 1));
            inv_add(c, e, id, f->name, path, db_col_text(s, 2), db_col_text(s, 3));
            if (inv_visible(c, e, path)) inv_parents(c, e, s, 4);
        }
        db_reset(s);
        if (rc < 0) c->rc = -1; /* not fewer records linking the person */
    }
}

/* GET /api/v1/persons/:id/involvements — every live record linking the
 * person that the caller may read, and how many others exist (counted,
 * never shown: out of scope, or protected). */
static void person_involvements(http_req_t *r) {
    int64_t id = http_param_id(r, "id");
    db_stmt_t *s;
    if (!load_person(r, id, &s)) return;
    db_reset(s);
    inv_ctx_t c = {.r = r, .person = id, .hidden_by = json_object()};
    entity_each(inv_entity, &c);
    for (int i = 0; i < c.n && !c.rc; i++)
        if (c.items[i].e->protected_ && engine_read_audit(r, c.items[i].e, c.items[i].id, "involvements") != 0)
            c.rc = -1;
    if (c.rc) {
        json_decref(c.hidden_by);
        return http_store_error(r);
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "person", id);
    jw_key(w, "items");
    jw_arr(w);
    for (int i = 0; i < c.n; i++) {
        const inv_item_t *it = &c.items[i];
        jw_obj(w);
        jw_kstr(w, "entity", it->e->name);
        jw_kstr(w, "entity_label", it->e->label);
        jw_kint(w, "id", it->id);
        jw_kstr(w, "field", it->field);
        jw_kstr(w, "title", it->title);
        jw_kstr(w, "wf_state", it->state);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "hidden", c.hidden);
    char *hb = json_dumps(c.hidden_by, JSON_COMPACT);
    jw_key(w, "hidden_by_entity");
    jw_raw(w, hb ? hb : "{}");
    free(hb);
    json_decref(c.hidden_by);
    jw_obj_end(w);
    http_send_json(r, 200);
}

/* ---- merging duplicates: request, then another user's approval ---- */

/* The person's org path and merge pointer; false (and 404/422 answered,
 * naming field) when missing or out of scope. */
static bool merge_party(http_req_t *r, int64_t id, const char *field, bool *merged) {
    db_stmt_t *s = db_prepare(r->db, "SELECT o.path, p.merged_into FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = $1");
    if (!s) return http_store_error(r), false;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    bool ok = rc == DB_ROW && scope_covers(r, db_col_text(s, 0));
    *merged = ok && !db_col_null(s, 1);
    db_reset(s);
    if (rc < 0) return http_store_error(r), false;
    if (!ok) {
        if (field) http_invalid(r, field, "人员不存在或不在您的管辖范围内");
        else http_error(r, 404, "not_found", "人员不存在");
        return false;
    }
    return true;
}

/* POST /api/v1/persons/:id/merge {into_id, reason} — asks to merge this
 * person (the duplicate) into into_id.  Both in the caller's scope, neither
 * merged already, one open request per duplicate. */
static void request_merge(http_req_t *r) {
    int64_t from = http_param_id(r, "id");
    bool merged;
    if (!merge_party(r, from, NULL, &merged)) return;
    json_t *b = http_json_body(r);
    if (!b) return;
    json_t *into_j = json_object_get(b, "into_id");
    const char *reason = jstr(b, "reason");
    reason = reason ? arena_strdup(r->arena, reason) : NULL; /* outlives the body */
    int64_t into = json_is_integer(into_j) ? json_integer_value(into_j) : 0;
    json_t *errs = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) if (strcmp(k, "into_id") && strcmp(k, "reason")) json_object_set_new(errs, k, json_string("未知字段"));
    if (into <= 0) json_object_set_new(errs, "into_id", json_string("请指定保留的人员"));
    else if (into == from) json_object_set_new(errs, "into_id", json_string("不能与自身合并"));
    if (!reason || !*reason || strlen(reason) > 1000) json_object_set_new(errs, "reason", json_string("请说明合并理由 (不超过 1000 字节)"));
    if (merged) json_object_set_new(errs, "id", json_string("该人员已被合并"));
    json_decref(b);
    if (json_object_size(errs)) {
        http_invalid_fields(r, errs);
        json_decref(errs);
        return;
    }
    json_decref(errs);
    bool into_merged;
    if (!merge_party(r, into, "into_id", &into_merged)) return;
    if (into_merged) return http_invalid(r, "into_id", "保留的人员已被合并到其他人员");
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "SELECT id FROM person_merges WHERE from_id = $1 AND status = 'requested'");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, from);
    int rc = db_step(s);
    db_reset(s);
    if (rc == DB_ROW) {
        db_rollback(r->db);
        return http_error(r, 409, "merge_pending", "该人员已有待审批的合并申请");
    }
    s = db_prepare(r->db, "INSERT INTO person_merges (from_id, into_id, reason, requested_by, requested_at) "
                          "VALUES ($1, $2, $3, $4, $5) RETURNING id");
    if (!s) return http_store_error(r);
    char now[21];
    iso_from_unix(now_unix(), now);
    db_bind_int(s, 1, from);
    db_bind_int(s, 2, into);
    db_bind_text(s, 3, reason, -1);
    db_bind_int(s, 4, auth_principal(r)->user_id);
    db_bind_text(s, 5, now, -1);
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"merge\":%lld,\"into\":%lld}", (long long)id, (long long)into);
    if (id < 0 || auth_audit(r, "person.merge.request", "persons", from, "ok", detail) != 0 || db_commit(r->db) != 0) {
        log_error("merge request: %s", db_errmsg(r->db));
        return http_store_error(r);
    }
    jw_obj(&r->json);
    jw_kint(&r->json, "id", id);
    jw_kint(&r->json, "from_id", from);
    jw_kint(&r->json, "into_id", into);
    jw_kstr(&r->json, "status", "requested");
    jw_obj_end(&r->json);
    http_send_json(r, 201);
}

#define MERGE_COLS "m.id, m.from_id, m.into_id, m.reason, m.status, m.requested_by, m.requested_at, m.decided_by, " \
                   "m.decided_at, m.decision_note, m.moved, o.path, pf.name, pk.name"
#define MERGE_FROM "FROM person_merges m JOIN persons pf ON pf.id = m.from_id JOIN persons pk ON pk.id = m.into_id " \
                   "JOIN org_units o ON o.id = pf.org_id "

static void write_merge(jw_t *w, db_stmt_t *s) {
    char a[64], b[64];
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 0));
    jw_kint(w, "from_id", db_col_int(s, 1));
    jw_kstr(w, "from_name", mask_name(db_col_text(s, 12), a, sizeof(a)));
    jw_kint(w, "into_id", db_col_int(s, 2));
    jw_kstr(w, "into_name", mask_name(db_col_text(s, 13), b, sizeof(b)));
    jw_kstr(w, "reason", db_col_text(s, 3));
    jw_kstr(w, "status", db_col_text(s, 4));
    jw_kint(w, "requested_by", db_col_int(s, 5));
    jw_kstr(w, "requested_at", db_col_text(s, 6));
    jw_key(w, "decided_by");
    if (db_col_null(s, 7)) jw_null(w);
    else jw_int(w, db_col_int(s, 7));
    jw_kstr(w, "decided_at", db_col_text(s, 8));
    jw_kstr(w, "decision_note", db_col_text(s, 9));
    jw_key(w, "moved");
    if (db_col_null(s, 10)) jw_null(w);
    else jw_raw(w, db_col_text(s, 10));
    jw_obj_end(w);
}

/* GET /api/v1/person-merges?status=requested — the requests whose duplicate
 * lies in the caller's scope, newest first (at most 200). */
static void list_merges(http_req_t *r) {
    const char *status = http_query(r, "status");
    if (status && strcmp(status, "requested") && strcmp(status, "approved") && strcmp(status, "rejected"))
        return http_invalid(r, "status", "status 只能是 requested, approved 或 rejected");
    const char *scope = scope_path(r);
    char hi[512];
    scope_upper(scope ? scope : "/", hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, "SELECT " MERGE_COLS " " MERGE_FROM
                                     "WHERE o.path >= $1 AND o.path < $2 AND ($3 = '' OR m.status = $3) ORDER BY m.id DESC LIMIT 200");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, scope ? scope : "/", -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, status ? status : "", -1);
    jw_obj(&r->json);
    jw_key(&r->json, "items");
    jw_arr(&r->json);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) write_merge(&r->json, s);
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

/* The to-do source (engine/workflow.h): the open merge requests whose
 * duplicate lies in the caller's scope, for a caller who may approve them,
 * except the caller's own (four eyes: someone else decides those). */
static int todo_merges(http_req_t *r, wf_todo_t *t) {
    const principal_t *p = auth_principal(r);
    if (!auth_can(p, "person.merge.approve")) return 0;
    const char *scope = scope_path(r);
    char hi[512];
    scope_upper(scope ? scope : "/", hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) " MERGE_FROM "WHERE o.path >= $1 AND o.path < $2 "
                                     "AND m.status = 'requested' AND m.requested_by <> $3");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, scope ? scope : "/", -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, p->user_id);
    int rc = db_step(s);
    int64_t n = rc == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (rc != DB_ROW) return rc < 0 ? rc : DB_ERR;
    wf_todo_count(t, "person-merges", n);
    s = db_prepare(r->db, "SELECT " MERGE_COLS " " MERGE_FROM "WHERE o.path >= $1 AND o.path < $2 "
                          "AND m.status = 'requested' AND m.requested_by <> $3 ORDER BY m.id LIMIT 200");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, scope ? scope : "/", -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, p->user_id);
    while ((rc = db_step(s)) == DB_ROW) {
        char a[64], b[64];
        const char *title = arena_printf(r->arena, "%s 合并到 %s", mask_name(db_col_text(s, 12), a, sizeof(a)),
                                         mask_name(db_col_text(s, 13), b, sizeof(b)));
        wf_todo_add(t, "person-merges", "人员合并申请", db_col_int(s, 0), title, "requested", "待审批", NULL);
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

typedef struct repoint {
    http_req_t *r;
    int64_t from, into, merge;
    const char *now;
    buf_t moved; /* JSON object body */
    int rc;
} repoint_t;

/* Every person field of every entity: links to the duplicate now name the
 * person kept (each record's version moves on and its history shows the
 * change, as any edit). */
static void repoint_entity(const entity_t *e, void *arg) {
    repoint_t *c = arg;
    for (const field_t *f = e->fields; f->name && c->rc == 0; f++) {
        if (f->type != F_PERSON) continue;
        /* the records first, for their audit rows */
        db_stmt_t *q = db_prepare(c->r->db, arena_printf(c->r->arena, "SELECT id FROM %s WHERE %s = $1 ORDER BY id", e->table, f->name));
        if (!q) {
            c->rc = -1;
            return;
        }
        db_bind_int(q, 1, c->from);
        int nids;
        int64_t *ids = engine_collect_ids(c->r, q, &nids);
        if (nids < 0) {
            c->rc = -1;
            return;
        }
        for (int i = 0; i < nids && c->rc == 0; i++) {
            char *detail = arena_printf(c->r->arena, "{\"before\":{\"%s\":%lld},\"after\":{\"%s\":%lld},\"person_merge\":%lld}",
                                        f->name, (long long)c->from, f->name, (long long)c->into, (long long)c->merge);
            if (auth_audit(c->r, "record.update", e->name, ids[i], "ok", detail) != 0) c->rc = -1;
        }
        char *sql = arena_printf(c->r->arena, "UPDATE %s SET %s = $1, version = version + 1, updated_at = $2, updated_by = $3 "
                                              "WHERE %s = $4", e->table, f->name, f->name);
        db_stmt_t *s = db_prepare(c->r->db, sql);
        if (!s) {
            c->rc = -1;
            return;
        }
        db_bind_int(s, 1, c->into);
        db_bind_text(s, 2, c->now, -1);
        db_bind_int(s, 3, auth_principal(c->r)->user_id);
        db_bind_int(s, 4, c->from);
        int rc = db_step(s);
        int64_t n = db_changes(s);
        db_reset(s);
        if (rc != DB_DONE) c->rc = -1;
        else if (n > 0) buf_printf(&c->moved, "%s\"%s.%s\":%lld", c->moved.len > 1 ? "," : "", e->name, f->name, (long long)n);
    }
}

/* POST /api/v1/person-merges/:id/approve|reject {note?} — by a user other
 * than the requester (four eyes).  Approval repoints every link, marks the
 * duplicate merged_into and records what moved; all in one transaction. */
static void decide_merge(http_req_t *r) {
    int64_t id = http_param_id(r, "id");
    const char *action = http_param(r, "action");
    bool approve = strcmp(action, "approve") == 0;
    if (!approve && strcmp(action, "reject") != 0) return http_error(r, 404, "not_found", "接口不存在");
    json_t *b = http_json_body(r);
    if (!b) return;
    const char *note = jstr(b, "note");
    char *note_copy = note ? arena_strdup(r->arena, note) : NULL;
    json_decref(b);
    if (!approve && (!note_copy || !*note_copy)) return http_invalid(r, "note", "驳回须说明理由");
    if (note_copy && strlen(note_copy) > 1000) return http_invalid(r, "note", "意见过长");
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "SELECT " MERGE_COLS " " MERGE_FROM "WHERE m.id = $1");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc != DB_ROW || !scope_covers(r, db_col_text(s, 11))) {
        db_reset(s);
        db_rollback(r->db);
        if (rc < 0) return http_store_error(r);
        return http_error(r, 404, "not_found", "合并申请不存在");
    }
    int64_t from = db_col_int(s, 1), into = db_col_int(s, 2), by = db_col_int(s, 5);
    bool open = strcmp(db_col_text(s, 4), "requested") == 0;
    db_reset(s);
    if (!open) {
        db_rollback(r->db);
        return http_error(r, 409, "merge_decided", "该合并申请已处理");
    }
    if (by == auth_principal(r)->user_id) {
        db_rollback(r->db);
        return http_error(r, 403, "four_eyes", "合并申请须由申请人以外的人员审批");
    }
    char now[21];
    iso_from_unix(now_unix(), now);
    repoint_t c = {.r = r, .from = from, .into = into, .merge = id, .now = now};
    buf_putc(&c.moved, '{');
    if (approve) {
        entity_each(repoint_entity, &c);
        s = c.rc ? NULL : db_prepare(r->db, "UPDATE persons SET merged_into = $1, merged_at = $2, version = version + 1, "
                                            "updated_at = $2, updated_by = $3 WHERE id = $4 AND merged_into IS NULL");
        if (s) {
            db_bind_int(s, 1, into);
            db_bind_text(s, 2, now, -1);
            db_bind_int(s, 3, auth_principal(r)->user_id);
            db_bind_int(s, 4, from);
            c.rc = db_step(s) == DB_DONE && db_changes(s) == 1 ? 0 : -1;
            db_reset(s);
        } else c.rc = -1;
    }
    buf_putc(&c.moved, '}');
    if (c.rc == 0) {
        s = db_prepare(r->db, "UPDATE person_merges SET status = $1, decided_by = $2, decided_at = $3, decision_note = $4, "
                              "moved = $5 WHERE id = $6");
        if (!s) c.rc = -1;
        else {
            db_bind_text(s, 1, approve ? "approved" : "rejected", -1);
            db_bind_int(s, 2, auth_principal(r)->user_id);
            db_bind_text(s, 3, now, -1);
            db_bind_text(s, 4, note_copy, -1);
            db_bind_text(s, 5, approve ? c.moved.data : NULL, -1);
            db_bind_int(s, 6, id);
            c.rc = db_step(s) == DB_DONE ? 0 : -1;
            db_reset(s);
        }
    }
    char *detail = arena_printf(r->arena, "{\"merge\":%lld,\"into\":%lld,\"moved\":%s}", (long long)id, (long long)into,
                                approve ? c.moved.data : "null");
    buf_free(&c.moved);
    if (c.rc != 0 ||
        auth_audit(r, approve ? "person.merge" : "person.merge.reject", "persons", from, "ok", detail) != 0 ||
        db_commit(r->db) != 0)
        return http_store_error(r);
    s = db_prepare(r->db, "SELECT " MERGE_COLS " " MERGE_FROM "WHERE m.id = $1");
    if (s) db_bind_int(s, 1, id);
    if (s && db_step(s) == DB_ROW) {
        write_merge(&r->json, s);
    } else { /* committed: the id at least, not an empty body */
        jw_obj(&r->json);
        jw_kint(&r->json, "id", id);
        jw_obj_end(&r->json);
    }
    if (s) db_reset(s);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"POST", "/api/v1/persons/:id/merge", request_merge, .perm = "person.merge.request"},
    {"GET", "/api/v1/person-merges", list_merges, .perm = "person.merge.approve"},
    {"POST", "/api/v1/person-merges/:id/:action", decide_merge, .perm = "person.merge.approve"},
    {"GET", "/api/v1/persons/:id/involvements", person_involvements, .perm = "person.read"},
    {"POST", "/api/v1/persons", create_person, .perm = "person.create"},
    {"GET", "/api/v1/persons", find_person, .perm = "person.read"},
    {"GET", "/api/v1/persons/:id", get_person, .perm = "person.read"},
    {"POST", "/api/v1/persons/:id/unmask", unmask_person, .perm = "pi.unmask"},
    {0},
};

/* A party of a record made on another's behalf (an outside body's
 * referral, referrals.c): checked as the person form checks it, then the
 * registry's person of its document number (person_resolve: the one
 * registered, shared with org; else registered now for org).  The given
 * name does not replace a registered person's.  The id; 0 with *field and
 * *why for an invalid party; -1 on a store error. */
int64_t person_for_party(http_req_t *r, int64_t org, json_t *party, const char **field, const char **why) {
    const char *name = jstr(party, "name"), *idn = jstr(party, "id_number"), *type = jstr(party, "id_type"),
               *phone = jstr(party, "phone");
    if (!type || !*type) type = "resident_id";
    if (strcmp(type, "resident_id") && !code_valid(r->db, "id_type", type))
        return *field = "id_type", *why = "证件类型不在代码表中", 0;
    if (!name || !*name || strlen(name) > 100) return *field = "name", *why = "请填写姓名 (不超过 100 字节)", 0;
    if (phone && *phone && !mobile_valid(phone)) return *field = "phone", *why = "手机号码应为 11 位, 以 1 开头", 0;
    char norm[40] = "";
    if ((*why = id_number_check(type, idn, norm, sizeof(norm)))) return *field = "id_number", 0;
    int64_t id = person_resolve(r, org, type, norm, name, phone, NULL);
    OPENSSL_cleanse(norm, sizeof(norm));
    return id;
}

void persons_perms_register(void) { perm_register(person_perms); }
void persons_register(void) {
    persons_perms_register();
    router_add(routes);
    wf_todo_source(todo_merges);
}
