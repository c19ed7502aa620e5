/* webhooks.c — signed webhooks over the change feed (issue 25 point 3;
 * webhooks.h, docs/api.md "Webhooks").
 *
 * A delivery is a change feed item (changes.c) as the subscribing token
 * reads it: the worker loads the token's principal (auth_token_principal)
 * and reads the feed after the subscription's cursor with it, so scope,
 * masking and the token's permissions as they are now decide what leaves.
 * Queuing and moving the cursor are one transaction, and the cursor moves
 * only from the value read (a second node that raced it changes nothing),
 * so every change is queued once.  Sending is at least once: a receiver
 * that answered 2xx but whose answer was lost gets the delivery again, with
 * the same X-Sifasuo-Delivery id to drop it by. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "auth/auth.h"
#include "engine/changes.h"
#include "engine/webhooks.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"

#define DUE_BATCH 20      /* deliveries sent per pass */
#define QUEUE_BATCH 200   /* changes read per subscription and pass */
#define LEASE_S (WEBHOOK_TIMEOUT_S + 5)

static const char *const event_names[] = {"create", "update", "transition", "delete", "restore", NULL};

int webhook_signature(const char *secret, int64_t ts, const char *body, size_t len, char out[69]) {
    buf_t m = BUF_INIT;
    buf_printf(&m, "%lld.", (long long)ts);
    buf_add(&m, body, len);
    uint8_t mac[32];
    int rc = hmac_sm3(secret, strlen(secret), m.data, m.len, mac);
    buf_free(&m);
    if (rc != 0) return -1;
    memcpy(out, "sm3=", 4);
    hex_encode(mac, sizeof(mac), out + 4);
    return 0;
}

/* https to anyone; plain http only to this machine (tests, a local relay). */
static const char *url_problem(const char *url) {
    if (!url || !*url) return "请填写接收地址 (url)";
    if (strlen(url) > 500) return "接收地址过长 (最多 500 个字符)";
    struct evhttp_uri *u = evhttp_uri_parse(url);
    if (!u) return "接收地址格式不正确";
    const char *scheme = evhttp_uri_get_scheme(u), *host = evhttp_uri_get_host(u);
    const char *why = NULL;
    if (!scheme || !host || !*host) why = "接收地址格式不正确";
    else if (evhttp_uri_get_userinfo(u)) why = "接收地址不能包含用户名或密码";
    else if (strcmp(scheme, "https") == 0) why = NULL;
    else if (strcmp(scheme, "http") != 0) why = "接收地址应以 https:// 开头";
    else if (strcmp(host, "127.0.0.1") && strcmp(host, "localhost") && strcmp(host, "::1") && strcmp(host, "[::1]"))
        why = "接收地址应以 https:// 开头 (http 仅限本机回环地址)";
    evhttp_uri_free(u);
    return why;
}

/* ",a,b," from a JSON array of strings each passing ok(); NULL (after
 * answering 422 at field) otherwise. */
static const char *word_list(http_req_t *r, json_t *arr, const char *field, bool (*ok)(http_req_t *, const char *)) {
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > CHANGES_ENTITIES_MAX)
        return http_invalid(r, field, arena_printf(r->arena, "%s 应为 1 到 64 个名称的数组", field)), NULL;
    buf_t b = BUF_INIT;
    buf_putc(&b, ',');
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        if (!s || !ok(r, s)) {
            buf_free(&b);
            if (!r->answered)
                http_invalid(r, field, arena_printf(r->arena, "%s 中有不认识的名称: %.64s", field, s ? s : "(非文本)"));
            return NULL;
        }
        char key[80];
        snprintf(key, sizeof(key), ",%s,", s);
        if (!strstr(b.data, key)) buf_printf(&b, "%s,", s);
    }
    const char *out = arena_strdup(r->arena, b.data);
    buf_free(&b);
    return out;
}

static bool entity_ok(http_req_t *r, const char *name) {
    const entity_t *e = entity_find(name);
    if (!e) return false;
    if (engine_can_read(r, e)) return true;
    http_error(r, 403, "forbidden", arena_printf(r->arena, "本令牌没有读取「%s」的权限", e->label));
    return false;
}

static bool event_ok(http_req_t *r, const char *name) {
    for (int i = 0; event_names[i]; i++)
        if (strcmp(event_names[i], name) == 0) return true;
    return false;
}

/* The caller's token, or 0 after answering 403: subscriptions are a
 * token's own (an account follows the feed instead). */
static int64_t caller_token(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    if (p && p->token_id) return p->token_id;
    http_error(r, 403, "forbidden", "只有接口令牌可以订阅推送 (请使用 Authorization: Bearer)");
    return 0;
}

static void write_list(jw_t *w, const char *key, const char *list) {
    jw_key(w, key);
    jw_arr(w);
    const char *p = list;
    while (p && *p) {
        if (*p == ',') {
            p++;
            continue;
        }
        size_t n = strcspn(p, ",");
        jw_strn(w, p, n);
        p += n;
    }
    jw_arr_end(w);
}

static const char *HOOK_COLS = "id, url, entities, events, max_attempts, feed_cursor, created_at";

static void write_hook(jw_t *w, db_stmt_t *s) {
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 0));
    jw_kstr(w, "url", db_col_text(s, 1));
    write_list(w, "entities", db_col_text(s, 2));
    write_list(w, "events", db_col_text(s, 3));
    jw_kint(w, "max_attempts", db_col_int(s, 4));
    char cur[24];
    snprintf(cur, sizeof(cur), "%lld", (long long)db_col_int(s, 5));
    jw_kstr(w, "cursor", cur);
    jw_kstr(w, "created_at", db_col_text(s, 6));
}

static void list_hooks(http_req_t *r) {
    int64_t tok = caller_token(r);
    if (!tok) return;
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s FROM webhooks WHERE token_id = $1 AND deleted_at IS NULL ORDER BY id",
             HOOK_COLS);
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, tok);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        write_hook(w, s);
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void create_hook(http_req_t *r) {
    int64_t tok = caller_token(r);
    if (!tok) return;
    json_t *body = http_json_body(r);
    if (!body) return;
    const char *url = json_string_value(json_object_get(body, "url"));
    const char *why = url_problem(url);
    const char *ents = NULL, *evs = NULL, *enc = NULL;
    int64_t attempts = WEBHOOK_ATTEMPTS_DEFAULT, after = -1;
    json_t *ev = json_object_get(body, "events"), *ma = json_object_get(body, "max_attempts");
    json_t *af = json_object_get(body, "after");
    if (why) {
        http_invalid(r, "url", why);
        goto out;
    }
    if (!(ents = word_list(r, json_object_get(body, "entities"), "entities", entity_ok))) goto out;
    if (ev && !json_is_null(ev) && !(evs = word_list(r, ev, "events", event_ok))) goto out;
    if (ma && !json_is_null(ma) &&
        (!json_is_integer(ma) || (attempts = json_integer_value(ma)) < 1 || attempts > WEBHOOK_ATTEMPTS_MAX)) {
        http_invalid(r, "max_attempts", "max_attempts 应为 1 到 20 的整数");
        goto out;
    }
    if (af && !json_is_null(af)) {
        const char *a = json_string_value(af);
        char *end = NULL;
        after = a && *a ? strtoll(a, &end, 10) : -1;
        if (!a || !*a || *end || after < 0) {
            http_invalid(r, "after", "after 应为变更流返回的游标");
            goto out;
        }
    }
    if (!evs) evs = ",create,update,transition,delete,restore,";
    /* the signing key: shown once in this answer, kept encrypted; "whsec_"
     * before it so that it never begins with '-' (base64url may), which a
     * receiver's command line would read as an option */
    char secret[sizeof("whsec_") - 1 + CRYPTO_TOKEN_LEN(32)];
    memcpy(secret, "whsec_", sizeof("whsec_") - 1);
    if (crypto_token(secret + sizeof("whsec_") - 1, 32) != 0 ||
        !(enc = pi_encrypt(auth_keys(), secret, strlen(secret)))) {
        http_error(r, 503, "crypto_failed", "无法生成签名密钥, 请稍后再试");
        goto out;
    }
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) goto fail;
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) FROM webhooks WHERE token_id = $1 AND deleted_at IS NULL");
    if (!s) goto fail;
    db_bind_int(s, 1, tok);
    int64_t count = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    if (count < 0) goto fail;
    if (count >= WEBHOOK_PER_HOOK_MAX) {
        db_rollback(r->db);
        http_error(r, 409, "too_many_webhooks", "一个接口令牌最多 20 个推送订阅");
        goto out;
    }
    /* from now on, unless the token resumes from a cursor it holds */
    if (after < 0 && (after = db_query_int(r->db, "SELECT COALESCE(MAX(id), 0) FROM audit_log", -1)) < 0) goto fail;
    s = db_prepare(r->db, "INSERT INTO webhooks (token_id, url, entities, events, secret, max_attempts, feed_cursor, "
                          "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id");
    if (!s) goto fail;
    db_bind_int(s, 1, tok);
    db_bind_text(s, 2, url, -1);
    db_bind_text(s, 3, ents, -1);
    db_bind_text(s, 4, evs, -1);
    db_bind_text(s, 5, enc, -1);
    db_bind_int(s, 6, attempts);
    db_bind_int(s, 7, after);
    db_bind_text(s, 8, now, -1);
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (!id) goto fail;
    const char *detail = arena_printf(r->arena, "{\"webhook\":%lld}", (long long)id);
    if (auth_audit(r, "webhook.create", NULL, 0, "ok", detail) != 0 || db_commit(r->db) != 0) goto fail;
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s FROM webhooks WHERE id = $1", HOOK_COLS);
    s = db_prepare(r->db, sql);
    if (!s) goto fail;
    db_bind_int(s, 1, id);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        goto fail;
    }
    write_hook(&r->json, s);
    db_reset(s);
    jw_kstr(&r->json, "secret", secret);
    jw_obj_end(&r->json);
    http_send_json(r, 201);
    goto out;
fail:
    http_store_error(r);
out:
    free((void *)enc);
    json_decref(body);
}

/* The caller's live subscription :id, or 0 after answering 404/403/503. */
static int64_t own_hook(http_req_t *r) {
    int64_t tok = caller_token(r), id = http_param_id(r, "id");
    if (!tok) return 0;
    db_stmt_t *s = db_prepare(r->db, "SELECT 1 FROM webhooks WHERE id = $1 AND token_id = $2 AND deleted_at IS NULL");
    if (!s) return http_store_error(r), 0;
    db_bind_int(s, 1, id);
    db_bind_int(s, 2, tok);
    int rc = db_step(s);
    db_reset(s);
    if (rc < 0) return http_store_error(r), 0;
    if (rc != DB_ROW) return http_error(r, 404, "not_found", "推送订阅不存在"), 0;
    return id;
}

static void delete_hook(http_req_t *r) {
    int64_t id = own_hook(r);
    if (!id) return;
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "UPDATE webhooks SET deleted_at = $1 WHERE id = $2");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    const char *detail = arena_printf(r->arena, "{\"webhook\":%lld}", (long long)id);
    if (rc != DB_DONE || auth_audit(r, "webhook.delete", NULL, 0, "ok", detail) != 0 || db_commit(r->db) != 0)
        return http_store_error(r);
    http_send_bytes(r, 204, NULL, "", 0);
}

static void list_deliveries(http_req_t *r) {
    int64_t id = own_hook(r);
    if (!id) return;
    const char *st = http_query(r, "status");
    if (st && strcmp(st, "pending") && strcmp(st, "delivered") && strcmp(st, "dead"))
        return http_invalid(r, "status", "status 应为 pending、delivered 或 dead");
    int64_t after = http_query_id(r, "after");
    if (after == -2) return http_invalid(r, "after", "after 应为正整数");
    db_stmt_t *s = db_prepare(r->db, "SELECT id, change_id, entity, record_id, event, status, attempts, next_at, "
                                     "last_status, last_error, created_at, delivered_at FROM webhook_deliveries "
                                     "WHERE webhook_id = $1 AND ($2 = '' OR status = $2) AND id > $3 ORDER BY id LIMIT 101");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, id);
    db_bind_text(s, 2, st ? st : "", -1);
    db_bind_int(s, 3, after > 0 ? after : 0);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int n = 0, rc;
    int64_t last = 0;
    while ((rc = db_step(s)) == DB_ROW && n < 100) {
        n++;
        jw_obj(w);
        jw_kint(w, "id", last = db_col_int(s, 0));
        jw_kstr(w, "cursor", arena_printf(r->arena, "%lld", (long long)db_col_int(s, 1)));
        jw_kstr(w, "entity", db_col_text(s, 2));
        jw_kint(w, "record_id", db_col_int(s, 3));
        jw_kstr(w, "event", db_col_text(s, 4));
        jw_kstr(w, "status", db_col_text(s, 5));
        jw_kint(w, "attempts", db_col_int(s, 6));
        char next[21];
        iso_from_unix(db_col_int(s, 7), next);
        jw_kstr(w, "next_attempt_at", strcmp(db_col_text(s, 5), "pending") == 0 ? next : NULL);
        jw_key(w, "last_status");
        if (db_col_null(s, 8)) jw_null(w);
        else jw_int(w, db_col_int(s, 8));
        jw_kstr(w, "last_error", db_col_null(s, 9) ? NULL : db_col_text(s, 9));
        jw_kstr(w, "created_at", db_col_text(s, 10));
        jw_kstr(w, "delivered_at", db_col_null(s, 11) ? NULL : db_col_text(s, 11));
        jw_obj_end(w);
    }
    bool more = rc == DB_ROW;
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(w);
    jw_key(w, "next");
    if (more) jw_int(w, last);
    else jw_null(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void replay_delivery(http_req_t *r) {
    int64_t id = own_hook(r), did = http_param_id(r, "delivery");
    if (!id) return;
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_at = $1, "
                                     "last_error = NULL WHERE id = $2 AND webhook_id = $3 AND status <> 'pending'");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, now_unix());
    db_bind_int(s, 2, did);
    db_bind_int(s, 3, id);
    int rc = db_step(s);
    int64_t n = db_changes(s);
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    if (!n) {
        db_rollback(r->db);
        /* bound, not printed into the SQL: one cached statement, not one per id */
        int64_t pending = 0;
        if (did > 0) {
            db_stmt_t *q =
                db_prepare(r->db, "SELECT COUNT(*) FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2");
            pending = -1;
            if (q) {
                db_bind_int(q, 1, did);
                db_bind_int(q, 2, id);
                if (db_step(q) == DB_ROW) pending = db_col_int(q, 0);
                db_reset(q);
            }
        }
        if (pending < 0) return http_store_error(r); /* not "推送记录不存在" */
        if (pending) return http_error(r, 409, "already_pending", "该推送尚在发送队列中, 无需重发");
        return http_error(r, 404, "not_found", "推送记录不存在");
    }
    const char *detail = arena_printf(r->arena, "{\"webhook\":%lld,\"delivery\":%lld}", (long long)id, (long long)did);
    if (auth_audit(r, "webhook.replay", NULL, 0, "ok", detail) != 0 || db_commit(r->db) != 0) return http_store_error(r);
    jw_obj(&r->json);
    jw_kint(&r->json, "id", did);
    jw_kstr(&r->json, "status", "pending");
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static const route_t webhook_routes[] = {
    {"GET", "/api/v1/webhooks", list_hooks},
    {"POST", "/api/v1/webhooks", create_hook},
    {"DELETE", "/api/v1/webhooks/:id", delete_hook},
    {"GET", "/api/v1/webhooks/:id/deliveries", list_deliveries},
    {"POST", "/api/v1/webhooks/:id/deliveries/:delivery/replay", replay_delivery},
    {0},
};

void webhooks_routes_register(void) { router_add(webhook_routes); }

/* ---- the worker ---- */

/* A request-like context for reading as a token off a request. */
typedef struct {
    http_req_t r;
    arena_t arena;
    buf_t out;
    principal_t p;
} bg_t;

static void bg_init(bg_t *b, db_t *db) {
    memset(b, 0, sizeof(*b));
    arena_init(&b->arena);
    b->r.arena = &b->arena;
    b->r.db = db;
    b->r.out = &b->out;
    b->r.method = "GET";
    b->r.path = "/api/v1/changes";
    b->r.auth = &b->p;
    jw_init(&b->r.json, &b->out);
}

static void bg_free(bg_t *b) {
    arena_free(&b->arena);
    buf_free(&b->out);
}

typedef struct queued {
    int64_t change_id, record_id;
    const char *entity, *event, *body;
    struct queued *next;
} queued_t;

typedef struct {
    int64_t hook;
    const char *events;
    queued_t *head, **tail;
} queue_t;

static int queue_one(http_req_t *r, const change_t *c, db_stmt_t *rec, void *arg) {
    queue_t *q = arg;
    char key[32];
    snprintf(key, sizeof(key), ",%s,", c->event);
    if (!strstr(q->events, key)) return 0;
    buf_clear(r->out);
    jw_init(&r->json, r->out);
    jw_obj(&r->json);
    jw_kint(&r->json, "webhook", q->hook);
    jw_key(&r->json, "change");
    changes_write(r, c, rec);
    jw_obj_end(&r->json);
    queued_t *x = arena_calloc(r->arena, sizeof(*x));
    x->change_id = c->id;
    x->record_id = c->record_id;
    x->entity = c->e->name;
    x->event = c->event;
    x->body = arena_strndup(r->arena, r->out->data, r->out->len);
    *q->tail = x;
    q->tail = &x->next;
    return 0;
}

/* Reads one subscription's new changes after *cursor as its token, queues
 * them and moves *cursor.  1 when there may be more, 0 when caught up (or
 * another node moved it), -1 on a store error. */
static int queue_hook(db_t *db, int64_t hook, int64_t token, const char *entities, const char *events,
                      int64_t *cursorp) {
    int64_t cursor = *cursorp;
    bg_t b;
    bg_init(&b, db);
    int rc = auth_token_principal(&b.r, token, &b.p);
    if (rc <= 0) { /* revoked or expired: nothing leaves; a store error: next pass */
        bg_free(&b);
        return rc;
    }
    /* the entities the token still reads */
    const entity_t *ents[CHANGES_ENTITIES_MAX];
    int n = 0;
    char *copy = arena_strdup(&b.arena, entities), *save = NULL;
    for (char *name = strtok_r(copy, ",", &save); name && n < CHANGES_ENTITIES_MAX; name = strtok_r(NULL, ",", &save)) {
        const entity_t *e = entity_find(name);
        if (e && engine_can_read(&b.r, e)) ents[n++] = e;
    }
    queue_t q = {hook, events, NULL, &q.head};
    int64_t next;
    bool more;
    rc = changes_read(&b.r, cursor, ents, n, QUEUE_BATCH, false, queue_one, &q, &next, &more);
    if (rc != 0 || next == cursor) goto done;
    char now[21];
    iso_from_unix(now_unix(), now);
    rc = -1;
    if (db_begin(db) != 0) goto done;
    db_stmt_t *s = db_prepare(db, "UPDATE webhooks SET feed_cursor = $1 WHERE id = $2 AND feed_cursor = $3");
    if (!s) goto rollback;
    db_bind_int(s, 1, next);
    db_bind_int(s, 2, hook);
    db_bind_int(s, 3, cursor);
    int src = db_step(s);
    int64_t moved = db_changes(s);
    db_reset(s);
    if (src != DB_DONE) goto rollback;
    if (!moved) { /* another node queued them */
        db_rollback(db);
        rc = 0;
        goto done;
    }
    s = db_prepare(db, "INSERT INTO webhook_deliveries (webhook_id, change_id, entity, record_id, event, body, status, "
                       "next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8)");
    if (!s) goto rollback;
    for (queued_t *x = q.head; x; x = x->next) {
        db_bind_int(s, 1, hook);
        db_bind_int(s, 2, x->change_id);
        db_bind_text(s, 3, x->entity, -1);
        db_bind_int(s, 4, x->record_id);
        db_bind_text(s, 5, x->event, -1);
        db_bind_text(s, 6, x->body, -1);
        db_bind_int(s, 7, now_unix());
        db_bind_text(s, 8, now, -1);
        src = db_step(s);
        db_reset(s);
        if (src != DB_DONE) goto rollback;
    }
    if (db_commit(db) != 0) goto done;
    *cursorp = next;
    rc = more ? 1 : 0;
    goto done;
rollback:
    db_rollback(db);
done:
    bg_free(&b);
    return rc;
}

static int queue_all(db_t *db) {
    db_stmt_t *s = db_prepare(db, "SELECT id, token_id, entities, events, feed_cursor FROM webhooks "
                                  "WHERE deleted_at IS NULL ORDER BY id");
    if (!s) return -1;
    typedef struct {
        int64_t id, token, cursor;
        char *entities, *events;
    } hook_t;
    hook_t *hooks = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            hook_t *nh = realloc(hooks, sizeof(*hooks) * (size_t)cap);
            if (!nh) break;
            hooks = nh;
        }
        hooks[n] = (hook_t){db_col_int(s, 0), db_col_int(s, 1), db_col_int(s, 4), strdup(db_col_text(s, 2)),
                            strdup(db_col_text(s, 3))};
        n++;
    }
    db_reset(s);
    int bad = rc == DB_DONE || rc == DB_ROW ? 0 : -1;
    for (int i = 0; i < n; i++) {
        /* a burst (an import) is queued a few batches a pass */
        for (int k = 0, q = 1; !bad && q == 1 && k < 10 && hooks[i].entities && hooks[i].events; k++)
            if ((q = queue_hook(db, hooks[i].id, hooks[i].token, hooks[i].entities, hooks[i].events,
                                &hooks[i].cursor)) < 0)
                bad = -1;
        free(hooks[i].entities);
        free(hooks[i].events);
    }
    free(hooks);
    return bad;
}

/* ---- one POST ---- */

typedef struct {
    struct event_base *base;
    int status;
    bool answered;
} post_t;

static void post_done(struct evhttp_request *req, void *arg) {
    post_t *p = arg;
    /* a refused or timed-out connection comes back without an answer:
     * NULL, or a request with no status */
    p->status = req ? evhttp_request_get_response_code(req) : 0;
    p->answered = p->status > 0;
    event_base_loopbreak(p->base);
}

/* POSTs body to url with the delivery's headers; the answer's status, or 0
 * with err set when there was none (refused, timed out, TLS failed). */
static int post_once(const char *url, const char *body, const char *const headers[][2], char *err, size_t errlen) {
    struct evhttp_uri *u = evhttp_uri_parse(url);
    if (!u) return snprintf(err, errlen, "接收地址无法解析"), 0;
    bool tls = strcmp(evhttp_uri_get_scheme(u), "https") == 0;
    const char *host = evhttp_uri_get_host(u), *path = evhttp_uri_get_path(u), *query = evhttp_uri_get_query(u);
    int port = evhttp_uri_get_port(u);
    if (port < 0) port = tls ? 443 : 80;
    char target[1024], hosthdr[300];
    snprintf(target, sizeof(target), "%s%s%s", path && *path ? path : "/", query ? "?" : "", query ? query : "");
    snprintf(hosthdr, sizeof(hosthdr), "%s:%d", host, port);
    struct event_base *base = event_base_new();
    SSL_CTX *ctx = NULL;
    struct bufferevent *bev = NULL;
    struct evhttp_connection *conn = NULL;
    post_t res = {base, 0, false};
    if (!base) goto out;
    if (tls) {
        ctx = SSL_CTX_new(TLS_client_method());
        SSL *ssl = ctx ? SSL_new(ctx) : NULL;
        if (!ssl) goto out;
        SSL_CTX_set_default_verify_paths(ctx);
        SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
        SSL_set_tlsext_host_name(ssl, host);
        SSL_set1_host(ssl, host);
        bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
        if (!bev) SSL_free(ssl);
    } else {
        bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!bev) goto out;
    conn = evhttp_connection_base_bufferevent_new(base, NULL, bev, host, (unsigned short)port);
    if (!conn) {
        bufferevent_free(bev);
        goto out;
    }
    evhttp_connection_set_timeout(conn, WEBHOOK_TIMEOUT_S);
    struct evhttp_request *req = evhttp_request_new(post_done, &res);
    if (!req) goto out;
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", hosthdr);
    evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
    evhttp_add_header(h, "User-Agent", "sifasuo-webhooks/1");
    evhttp_add_header(h, "Connection", "close");
    for (int i = 0; headers[i][0]; i++) evhttp_add_header(h, headers[i][0], headers[i][1]);
    evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    if (evhttp_make_request(conn, req, EVHTTP_REQ_POST, target) != 0) goto out;
    event_base_dispatch(base);
out:
    if (!res.answered) snprintf(err, errlen, "%s", tls ? "无法连接接收地址或 TLS 握手失败, 或超时" : "无法连接接收地址, 或超时");
    if (conn) evhttp_connection_free(conn);
    if (ctx) SSL_CTX_free(ctx);
    if (base) event_base_free(base);
    evhttp_uri_free(u);
    return res.status;
}

/* ---- sending what is due ---- */

typedef struct {
    int64_t id, hook, change, attempts, max, next_at;
    char *body, *url, *secret, *event;
} due_t;

static void due_free(due_t *d) {
    free(d->body);
    free(d->url);
    free(d->secret);
    free(d->event);
}

static int finish(db_t *db, const due_t *d, int status, const char *err) {
    char now[21];
    iso_from_unix(now_unix(), now);
    bool ok = status >= 200 && status < 300;
    int64_t attempts = d->attempts + 1;
    bool dead = !ok && attempts >= d->max;
    int64_t delay = 1;
    for (int64_t i = 1; i < attempts && delay < WEBHOOK_BACKOFF_MAX_S; i++) delay *= 2;
    if (delay > WEBHOOK_BACKOFF_MAX_S) delay = WEBHOOK_BACKOFF_MAX_S;
    db_stmt_t *s = db_prepare(db, "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_at = $3, "
                                  "last_status = $4, last_error = $5, delivered_at = $6 WHERE id = $7");
    if (!s) return -1;
    db_bind_text(s, 1, ok ? "delivered" : dead ? "dead" : "pending", -1);
    db_bind_int(s, 2, attempts);
    db_bind_int(s, 3, now_unix() + (ok || dead ? 0 : delay));
    if (status) db_bind_int(s, 4, status);
    else db_bind_null(s, 4);
    if (ok) db_bind_null(s, 5);
    else db_bind_text(s, 5, err && *err ? err : "发送失败", -1);
    if (ok) db_bind_text(s, 6, now, -1);
    else db_bind_null(s, 6);
    db_bind_int(s, 7, d->id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

/* Claims d for this node for LEASE_S (another node skips it meanwhile):
 * 1 claimed, 0 taken by another, -1 on a store error. */
static int claim(db_t *db, const due_t *d) {
    db_stmt_t *s = db_prepare(db, "UPDATE webhook_deliveries SET next_at = $1 WHERE id = $2 AND status = 'pending' "
                                  "AND next_at = $3");
    if (!s) return -1;
    db_bind_int(s, 1, now_unix() + LEASE_S);
    db_bind_int(s, 2, d->id);
    db_bind_int(s, 3, d->next_at);
    int rc = db_step(s);
    int64_t n = db_changes(s);
    db_reset(s);
    return rc == DB_DONE ? n > 0 : -1;
}

static int send_due(db_t *db) {
    /* the oldest pending delivery of each record: a record's next waits */
    db_stmt_t *s = db_prepare(db, "SELECT d.id, d.webhook_id, d.change_id, d.attempts, w.max_attempts, d.next_at, "
                                  "d.body, w.url, w.secret, d.entity || '.' || d.event FROM webhook_deliveries d "
                                  "JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending' AND d.next_at <= $1 "
                                  "AND w.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o "
                                  "WHERE o.webhook_id = d.webhook_id AND o.entity = d.entity AND o.record_id = d.record_id "
                                  "AND o.status = 'pending' AND o.id < d.id) ORDER BY d.id LIMIT $2");
    if (!s) return -1;
    db_bind_int(s, 1, now_unix());
    db_bind_int(s, 2, DUE_BATCH);
    due_t due[DUE_BATCH];
    int n = 0, rc;
    while (n < DUE_BATCH && (rc = db_step(s)) == DB_ROW) {
        due[n] = (due_t){db_col_int(s, 0), db_col_int(s, 1), db_col_int(s, 2), db_col_int(s, 3), db_col_int(s, 4),
                         db_col_int(s, 5), strdup(db_col_text(s, 6)), strdup(db_col_text(s, 7)),
                         strdup(db_col_text(s, 8)), strdup(db_col_text(s, 9))};
        n++;
    }
    db_reset(s);
    int bad = rc < 0 ? -1 : 0; /* the ones read go out; the caller logs, the next pass reads again */
    for (int i = 0; i < n; i++) {
        due_t *d = &due[i];
        int c = bad ? 0 : claim(db, d);
        if (c < 0) bad = -1;
        buf_t secret = BUF_INIT;
        if (c > 0 && d->body && d->url && d->secret && pi_decrypt(auth_keys(), d->secret, &secret) == 0) {
            int64_t ts = now_unix();
            char sig[69], tss[24], did[24];
            snprintf(tss, sizeof(tss), "%lld", (long long)ts);
            snprintf(did, sizeof(did), "%lld", (long long)d->id);
            char err[160] = "";
            int status = 0;
            if (webhook_signature(secret.data, ts, d->body, strlen(d->body), sig) != 0) {
                snprintf(err, sizeof(err), "签名失败 (SM3 不可用)");
            } else {
                const char *const headers[][2] = {{"X-Sifasuo-Delivery", did},
                                                  {"X-Sifasuo-Event", d->event},
                                                  {"X-Sifasuo-Timestamp", tss},
                                                  {"X-Sifasuo-Signature", sig},
                                                  {NULL, NULL}};
                status = post_once(d->url, d->body, headers, err, sizeof(err));
                if (status && (status < 200 || status >= 300)) snprintf(err, sizeof(err), "接收方应答 HTTP %d", status);
            }
            if (finish(db, d, status, err) != 0) bad = -1;
        } else if (c > 0) {
            if (finish(db, d, 0, "签名密钥无法解密") != 0) bad = -1;
        }
        buf_free(&secret);
        due_free(d);
    }
    return bad ? -1 : n;
}

/* Delivered ones are kept WEBHOOK_KEEP_DAYS for the token to look back
 * on; dead ones until replayed or their subscription is deleted. */
static void purge_delivered(db_t *db) {
    db_stmt_t *s = db_prepare(db, "DELETE FROM webhook_deliveries WHERE status = 'delivered' AND next_at < $1");
    if (!s) return;
    db_bind_int(s, 1, now_unix() - (int64_t)WEBHOOK_KEEP_DAYS * 86400);
    if (db_step(s) != DB_DONE) log_error("webhooks: purging old deliveries failed: %s", db_errmsg(db));
    db_reset(s);
}

/* ---- the thread ---- */

static pthread_t worker;
static bool running;
static volatile int stopping;
static char *worker_url;

static void *worker_main(void *arg) {
    (void)arg;
    db_t *db = NULL;
    char err[512];
    if (db_open(worker_url, &db, err, sizeof(err)) != 0) {
        log_error("webhooks: %s", err);
        return NULL;
    }
    bool failed = false;
    for (long pass = 0; !stopping; pass++) {
        if (pass % 7200 == 0) purge_delivered(db); /* at start, then about hourly */
        int q = queue_all(db), sent = q < 0 ? -1 : send_due(db);
        if ((q < 0 || sent < 0) && !failed) log_error("webhooks: a pass failed: %s", db_errmsg(db));
        failed = q < 0 || sent < 0;
        if (db_in_tx(db)) db_rollback(db);
        /* a full batch goes on at once; else a pass every half second */
        if (sent < DUE_BATCH) usleep(500 * 1000);
    }
    db_close(db);
    return NULL;
}

int webhooks_worker_start(const char *db_url) {
    /* known answer: HMAC-SM3(key "key", "The quick brown fox jumps over the lazy dog") */
    static const char msg[] = "The quick brown fox jumps over the lazy dog";
    uint8_t mac[32];
    char hex[65];
    if (hmac_sm3("key", 3, msg, sizeof(msg) - 1, mac) != 0) {
        log_error("webhooks: HMAC-SM3 is unavailable in this OpenSSL: webhooks are off");
        return -1;
    }
    hex_encode(mac, sizeof(mac), hex);
    if (strcmp(hex, "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398") != 0) {
        log_error("webhooks: HMAC-SM3 gives a wrong answer in this OpenSSL: webhooks are off");
        return -1;
    }
    free(worker_url);
    if (!(worker_url = strdup(db_url))) return -1;
    stopping = 0;
    running = pthread_create(&worker, NULL, worker_main, NULL) == 0;
    return running ? 0 : -1;
}

void webhooks_worker_stop(void) {
    if (!running) return;
    stopping = 1;
    pthread_join(worker, NULL);
    running = false;
}
