/* persons.c — the person registry's first slice (DESIGN.md "Person
 * registry"; issue 3 point 9, the groundwork of issue 8):
 *
 *   POST /api/v1/persons                 register {name, id_number, phone?, address?}
 *   GET  /api/v1/persons?id_number=…     exact lookup through the blind index
 *   GET  /api/v1/persons/:id             one person, masked
 *   POST /api/v1/persons/:id/unmask      the full values (pi.unmask), audited
 *
 * A person is entered once: an ID number already registered answers 409 with
 * the existing person, never a duplicate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/engine.h"
#include "modules/modules.h"
#include "util/timeutil.h"
#include "util/validate.h"

static const perm_def_t person_perms[] = {
    {"person.read", "查看人员信息",
     "city_leader city_staff district_admin district_staff office_director office_staff mediator api_client"},
    {"person.create", "登记人员", "district_admin district_staff office_director office_staff mediator"},
    {0},
};

#define PERSON_COLS "p.id, p.org_id, o.name, p.name, p.gender, p.birth_date, p.id_type, p.id_masked, p.phone_masked, p.version, p.created_at, o.path"

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
    jw_kstr(w, "id_type", db_col_text(s, 6));
    jw_kstr(w, "id_number", db_col_text(s, 7)); /* masked */
    jw_kstr(w, "phone", db_col_text(s, 8));     /* masked */
    jw_kint(w, "version", db_col_int(s, 9));
    jw_kstr(w, "created_at", db_col_text(s, 10));
    jw_kbool(w, "masked", true);
    jw_obj_end(w);
}

/* Finds a person by the blind index of a normalised ID number; 0 when none. */
static int64_t person_by_index(db_t *db, const char *index) {
    db_stmt_t *s = db_prepare(db, "SELECT id FROM persons WHERE id_index = $1");
    if (!s) return -1;
    db_bind_text(s, 1, index, -1);
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    return id;
}

/* Inserts one person (inside the caller's transaction).  id_number must be
 * valid and normalised.  Returns the id, or 0 on a duplicate, <0 on error. */
int64_t person_insert(db_t *db, const keys_t *keys, int64_t org_id, const char *name, const char *id_number,
                      const char *phone, const char *address, int64_t by) {
    char index[65], masked[32], pmasked[32], birth[11];
    pi_blind_index(keys, id_number, index);
    mask_idcard(id_number, masked, sizeof(masked));
    idcard_birth(id_number, birth);
    char gender[2] = {idcard_gender(id_number), 0};
    char *id_enc = pi_encrypt(keys, id_number, strlen(id_number));
    char *phone_enc = phone && *phone ? pi_encrypt(keys, phone, strlen(phone)) : NULL;
    char *addr_enc = address && *address ? pi_encrypt(keys, address, strlen(address)) : NULL;
    db_stmt_t *s = db_prepare(db, "INSERT INTO persons (org_id, name, gender, birth_date, id_enc, id_index, id_masked, "
                                  "phone_enc, phone_masked, address_enc, created_by, updated_by) "
                                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id");
    int64_t id = -1;
    if (s) {
        db_bind_int(s, 1, org_id);
        db_bind_text(s, 2, name, -1);
        db_bind_text(s, 3, gender, -1);
        db_bind_text(s, 4, birth, -1);
        db_bind_text(s, 5, id_enc, -1);
        db_bind_text(s, 6, index, -1);
        db_bind_text(s, 7, masked, -1);
        db_bind_text(s, 8, phone_enc, -1);
        db_bind_text(s, 9, phone_enc ? mask_phone(phone, pmasked, sizeof(pmasked)) : NULL, -1);
        db_bind_text(s, 10, addr_enc, -1);
        if (by) db_bind_int(s, 11, by);
        else db_bind_null(s, 11);
        int rc = db_step(s);
        id = rc == DB_ROW ? db_col_int(s, 0) : rc == DB_CONSTRAINT ? 0 : -1;
        db_reset(s);
    }
    free(id_enc);
    free(phone_enc);
    free(addr_enc);
    return id;
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
    jw_obj(&r->json);
    jw_key(&r->json, "error");
    jw_obj(&r->json);
    jw_kstr(&r->json, "code", "duplicate_person");
    jw_kstr(&r->json, "message", visible ? "该证件号码已登记, 请直接使用已有人员" : "该证件号码已由其他单位登记, 请联系上级调取");
    if (visible) {
        jw_key(&r->json, "existing");
        write_person(&r->json, s);
    }
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
               *addr = jstr(b, "address"), *why = NULL;
    const char *k;
    json_t *v;
    char norm[19];
    json_t *org_j = json_object_get(b, "org_id");
    int64_t org = json_is_integer(org_j) ? json_integer_value(org_j) : p->org_id;
    json_object_foreach(b, k, v) {
        if (strcmp(k, "name") && strcmp(k, "id_number") && strcmp(k, "phone") && strcmp(k, "address") &&
            strcmp(k, "org_id")) {
            http_invalid(r, k, "未知字段");
            goto out;
        }
        if (!json_is_string(v) && strcmp(k, "org_id") != 0) {
            http_invalid(r, k, "必须是文本");
            goto out;
        }
    }
    if (!name || !*name || strlen(name) > 100) {
        http_invalid(r, "name", "请填写姓名 (不超过 100 字节)");
        goto out;
    }
    if (!idn || !idcard_normalize(idn, norm) || !idcard_valid(norm, NULL, &why)) {
        if (idn && !why) idcard_valid(idn, NULL, &why); /* the reason for what was typed */
        http_invalid(r, "id_number", why ? why : "公民身份号码应为 18 位");
        goto out;
    }
    if (phone && *phone && !mobile_valid(phone)) {
        http_invalid(r, "phone", "手机号码应为 11 位, 以 1 开头");
        goto out;
    }
    if (addr && strlen(addr) > 500) {
        http_invalid(r, "address", "地址过长");
        goto out;
    }
    db_stmt_t *s = db_prepare(r->db, "SELECT path FROM org_units WHERE id = $1");
    if (!s) goto fail;
    db_bind_int(s, 1, org);
    const char *opath = db_step(s) == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (!opath || !scope_covers(r, opath)) {
        http_invalid(r, "org_id", "登记单位不存在或不在您的管辖范围内");
        goto out;
    }
    char index[65];
    pi_blind_index(auth_keys(), norm, index);
    int64_t existing = person_by_index(r->db, index);
    if (existing < 0) goto fail;
    if (existing > 0) {
        send_existing(r, existing);
        goto out;
    }
    if (db_begin(r->db) != 0) goto fail;
    int64_t id = person_insert(r->db, auth_keys(), org, name, norm, phone, addr, p->user_id);
    if (id == 0) { /* registered concurrently */
        db_rollback(r->db);
        send_existing(r, person_by_index(r->db, index));
        goto out;
    }
    char masked[32], detail[160];
    snprintf(detail, sizeof(detail), "{\"id_number\":\"%s\"}", mask_idcard(norm, masked, sizeof(masked)));
    if (id < 0 || auth_audit(r, "record.create", "persons", id, "ok", detail) != 0 || db_commit(r->db) != 0) goto fail;
    s = db_prepare(r->db, "SELECT " PERSON_COLS " FROM persons p JOIN org_units o ON o.id = p.org_id WHERE p.id = $1");
    if (!s) goto fail;
    db_bind_int(s, 1, id);
    if (db_step(s) == DB_ROW) write_person(&r->json, s);
    db_reset(s);
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
    db_stmt_t *s = db_prepare(r->db, "SELECT " PERSON_COLS ", p.id_enc, p.phone_enc, p.address_enc "
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
 * ?id_number= an exact lookup through the blind index instead. */
static void find_person(http_req_t *r) {
    const char *idn = http_query(r, "id_number");
    char norm[19], index[65];
    const char *why = NULL;
    int64_t only = 0;
    if (idn) {
        if (!idcard_normalize(idn, norm) || !idcard_valid(norm, NULL, &why))
            return http_invalid(r, "id_number", why ? why : "请提供有效的 18 位公民身份号码");
        pi_blind_index(auth_keys(), norm, index);
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
                                     "ORDER BY p.id LIMIT $5");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, scope ? scope : "/", -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_int(s, 3, after > 0 ? after : 0);
    db_bind_int(s, 4, only);
    db_bind_int(s, 5, limit + 1);
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
    buf_t idn = BUF_INIT, phone = BUF_INIT, addr = BUF_INIT;
    bool ok = pi_decrypt(auth_keys(), db_col_text(s, 12), &idn) == 0;
    if (ok && !db_col_null(s, 13)) ok = pi_decrypt(auth_keys(), db_col_text(s, 13), &phone) == 0;
    if (ok && !db_col_null(s, 14)) ok = pi_decrypt(auth_keys(), db_col_text(s, 14), &addr) == 0;
    db_reset(s);
    if (!ok) {
        http_error(r, 500, "decrypt_failed", "个人信息密文校验失败, 已记录");
        auth_audit(r, "pi.unmask", "persons", id, "failed", "{\"reason\":\"tag mismatch\"}");
    } else if (auth_audit(r, "pi.unmask", "persons", id, "ok", "{\"fields\":[\"id_number\",\"phone\",\"address\"]}") != 0) {
        http_error(r, 503, "audit_failed", "审计记录写入失败, 未显示个人信息");
    } else {
        jw_obj(&r->json);
        jw_kint(&r->json, "id", id);
        jw_kstr(&r->json, "id_number", idn.data);
        jw_kstr(&r->json, "phone", phone.data);
        jw_kstr(&r->json, "address", addr.data);
        jw_kbool(&r->json, "masked", false);
        jw_obj_end(&r->json);
        http_set_header(r, "Cache-Control", "no-store");
        http_send_json(r, 200);
    }
    if (idn.data) OPENSSL_cleanse(idn.data, idn.len);
    if (phone.data) OPENSSL_cleanse(phone.data, phone.len);
    if (addr.data) OPENSSL_cleanse(addr.data, addr.len);
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

/* May the caller see this record of e here?  Protected entities (community
 * corrections, resettlement) are shown only inside the owning office's
 * scope to office-level users; elsewhere they are only counted. */
static bool inv_visible(inv_ctx_t *c, const entity_t *e, const char *org_path) {
    const principal_t *p = auth_principal(c->r);
    if (!org_path || !scope_covers(c->r, org_path)) return false;
    if (!auth_can(p, arena_printf(c->r->arena, "%s.read", e->perm))) return false;
    if (e->protected_) return p && p->org_level && (!strcmp(p->org_level, "office") || !strcmp(p->org_level, "village"));
    return true;
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
        if (db_step(s) == DB_ROW)
            inv_add(c, pe, pid, arena_printf(c->r->arena, "%s.%s", e->name, f->name), db_col_text(s, 0),
                    db_col_text(s, 1), db_col_text(s, 2));
        db_reset(s);
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
        int rc;
        while (c->rc == 0 && (rc = db_step(s)) == DB_ROW) {
            int64_t id = db_col_int(s, 0);
            const char *path = arena_strdup(c->r->arena, db_col_text(s, 1));
            inv_add(c, e, id, f->name, path, db_col_text(s, 2), db_col_text(s, 3));
            if (inv_visible(c, e, path)) inv_parents(c, e, s, 4);
        }
        db_reset(s);
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

static const route_t routes[] = {
    {"GET", "/api/v1/persons/:id/involvements", person_involvements, .perm = "person.read"},
    {"POST", "/api/v1/persons", create_person, .perm = "person.create"},
    {"GET", "/api/v1/persons", find_person, .perm = "person.read"},
    {"GET", "/api/v1/persons/:id", get_person, .perm = "person.read"},
    {"POST", "/api/v1/persons/:id/unmask", unmask_person, .perm = "pi.unmask"},
    {0},
};

void persons_perms_register(void) { perm_register(person_perms); }
void persons_register(void) {
    persons_perms_register();
    router_add(routes);
}
