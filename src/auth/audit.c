/* audit.c — the append-only, hash-chained audit log (issue 3 point 8).
 *
 * Canonical form (v1).  The HMAC message of one row is
 *
 *   prev_hash "\n" F(at) "\n" F(user_id) "\n" F(username) "\n" F(org_id) "\n"
 *   F(ip) "\n" F(user_agent) "\n" F(action) "\n" F(entity) "\n"
 *   F(entity_id) "\n" F(result) "\n" F(detail)
 *
 * where F(SQL NULL) = "-" and F(v) = <byte length of v, decimal> ":" <v>;
 * integers are written in decimal, `at` as "YYYY-MM-DDTHH:MM:SSZ" (UTC, the
 * instant re-rendered so both engines give the same text), text columns as
 * their stored UTF-8 bytes.  The length prefix keeps the encoding injective
 * whatever bytes a value holds.  hash = lowercase hex of
 * HMAC-SM3(audit key, message); the first row's prev_hash is 64 zeros, or
 * after a purge the chain_start its 'audit.purge' row records.  The id is
 * not hashed: links are by prev_hash, so gaps left by rolled-back
 * transactions are harmless. */
#include "auth/audit.h"

#include <jansson.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
/* pg_advisory_xact_lock key of the chain; 7270461 is the migrations'. */
#define CHAIN_LOCK_SQL "SELECT 1 FROM (SELECT pg_advisory_xact_lock(7270462)) l"
#define VERIFY_BATCH 1000

enum {
    F_AT,
    F_USER_ID,
    F_USERNAME,
    F_ORG_ID,
    F_IP,
    F_USER_AGENT,
    F_ACTION,
    F_ENTITY,
    F_ENTITY_ID,
    F_RESULT,
    F_DETAIL,
    NF
};

typedef struct field {
    const char *v; /* NULL for SQL NULL */
    size_t len;
} field_t;

static field_t text_field(const char *v) { return (field_t){v, v ? strlen(v) : 0}; }

/* An id: 0 or less means "none" and is stored as NULL. */
static field_t id_field(int64_t v, char buf[24]) {
    if (v <= 0) return (field_t){NULL, 0};
    int n = snprintf(buf, 24, "%lld", (long long)v);
    return (field_t){buf, (size_t)n};
}

/* Copies client-supplied text (a username typed at sign-in, a User-Agent)
 * into b as valid UTF-8 without control characters, at most max bytes:
 * PostgreSQL rejects invalid UTF-8, and an audit write that fails would let
 * a crafted header fail the request or leave a failed sign-in unrecorded. */
static field_t clean_field(buf_t *b, const char *s, size_t max) {
    if (!s) return (field_t){NULL, 0};
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    buf_add(b, "", 0);
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        bool ok = k && i + k <= n && utf8_valid(s + i, k) && !(k == 1 && (c < 0x20 || c == 0x7F));
        const char *piece = ok ? s + i : replacement;
        size_t len = ok ? k : 3;
        if (b->len + len > max) break;
        buf_add(b, piece, len);
        i += ok ? k : 1;
    }
    return (field_t){b->data, b->len};
}

/* Lowercase hex of HMAC-SM3 over the canonical message (see the top);
 * -1 when OpenSSL fails. */
static int row_hash(const keys_t *keys, const char *prev_hash, const field_t f[NF], char out[65]) {
    buf_t m = BUF_INIT;
    buf_puts(&m, prev_hash);
    for (int i = 0; i < NF; i++) {
        buf_putc(&m, '\n');
        if (!f[i].v) {
            buf_putc(&m, '-');
            continue;
        }
        buf_printf(&m, "%zu:", f[i].len);
        buf_add(&m, f[i].v, f[i].len);
    }
    uint8_t mac[32];
    int rc = hmac_sm3(keys->audit, sizeof(keys->audit), m.data, m.len, mac);
    buf_free(&m);
    if (rc != 0) {
        out[0] = '\0';
        return -1;
    }
    hex_encode(mac, sizeof(mac), out);
    return 0;
}

/* Takes the chain lock on PostgreSQL until the transaction ends; SQLite's
 * BEGIN IMMEDIATE already holds the only write lock.  Rows are therefore
 * appended in commit order, which the change feed's cursor relies on
 * (engine/changes.c): an append must never take its id before this lock. */
static int chain_lock(db_t *db) {
    if (db_kind(db) != DB_POSTGRES) return 0;
    db_stmt_t *s = db_prepare(db, CHAIN_LOCK_SQL);
    if (!s) return DB_ERR;
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : DB_ERR;
}

int audit_head(db_t *db, int64_t *id, char hash[65]) {
    db_stmt_t *s = db_prepare(db, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
    if (!s) return DB_ERR;
    int rc = db_step(s);
    if (id) *id = rc == DB_ROW ? db_col_int(s, 0) : 0;
    snprintf(hash, 65, "%s", rc == DB_ROW && db_col_text(s, 1) ? db_col_text(s, 1) : ZERO_HASH);
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

/* Inserts ev chained to prev (the current head when NULL).  The caller holds
 * the transaction. */
static int append(db_t *db, const keys_t *keys, const audit_event_t *ev, const char *prev) {
    int rc = chain_lock(db);
    if (rc != 0) return rc;
    char head[65];
    if (!prev) {
        if ((rc = audit_head(db, NULL, head)) != 0) return rc;
        prev = head;
    }
    char at[21], uid[24], oid[24], eid[24];
    iso_from_unix(now_unix(), at);
    buf_t username = BUF_INIT, ip = BUF_INIT, agent = BUF_INIT;
    field_t f[NF] = {
        [F_AT] = text_field(at),
        [F_USER_ID] = id_field(ev->user_id, uid),
        [F_USERNAME] = clean_field(&username, ev->username, 128),
        [F_ORG_ID] = id_field(ev->org_id, oid),
        [F_IP] = clean_field(&ip, ev->ip, 64),
        [F_USER_AGENT] = clean_field(&agent, ev->user_agent, 512),
        [F_ACTION] = text_field(ev->action),
        [F_ENTITY] = text_field(ev->entity),
        [F_ENTITY_ID] = id_field(ev->entity_id, eid),
        [F_RESULT] = text_field(ev->result),
        [F_DETAIL] = text_field(ev->detail_json),
    };
    char hash[65];
    db_stmt_t *s = NULL;
    rc = DB_ERR;
    if (row_hash(keys, prev, f, hash) != 0) {
        log_error("audit: HMAC-SM3 failed");
        goto out;
    }
    s = db_prepare(db, "INSERT INTO audit_log (at, user_id, username, org_id, ip, user_agent, action, "
                       "entity, entity_id, result, detail, prev_hash, hash) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");
    if (!s) goto out;
    /* ids bound as integers (NULL when absent), the rest as the hashed text */
    for (int i = 0; i < NF; i++) {
        if (!f[i].v)
            db_bind_null(s, i + 1);
        else if (i == F_USER_ID || i == F_ORG_ID || i == F_ENTITY_ID)
            db_bind_int(s, i + 1, i == F_USER_ID ? ev->user_id : i == F_ORG_ID ? ev->org_id : ev->entity_id);
        else
            db_bind_text(s, i + 1, f[i].v, (int)f[i].len);
    }
    db_bind_text(s, NF + 1, prev, 64);
    db_bind_text(s, NF + 2, hash, 64);
    rc = db_step(s);
    db_reset(s);
    rc = rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
out:
    buf_free(&username);
    buf_free(&ip);
    buf_free(&agent);
    return rc;
}

static bool detail_is_object(const char *json) {
    if (!json) return true;
    json_t *v = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
    bool ok = json_is_object(v);
    json_decref(v);
    return ok;
}

int audit_write(db_t *db, const keys_t *keys, const audit_event_t *ev) {
    if (!keys || !ev || !ev->action || !*ev->action || !ev->result || !*ev->result) {
        log_error("audit_write: no keys, action or result");
        return DB_ERR;
    }
    /* a malformed detail is a caller's bug; refusing it keeps the API's
     * output well-formed, and the failed write fails the request */
    if (!detail_is_object(ev->detail_json)) {
        log_error("audit_write %s: detail is not a JSON object", ev->action);
        return DB_ERR;
    }
    bool own = !db_in_tx(db);
    int rc;
    if (own && (rc = db_begin(db)) != 0) return rc;
    rc = append(db, keys, ev, NULL);
    if (!own) return rc;
    if (rc != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

/* ---- verification ---- */

/* The chain_start recorded by an 'audit.purge' row's detail, or false. */
static bool purge_chain_start(const char *detail, int len, char out[65]) {
    if (!detail) return false;
    json_t *v = json_loadb(detail, (size_t)len, 0, NULL);
    json_t *cs = json_object_get(v, "chain_start");
    bool ok = json_is_string(cs) && strlen(json_string_value(cs)) == 64;
    if (ok) memcpy(out, json_string_value(cs), 65);
    json_decref(v);
    return ok;
}

static field_t col_field(db_stmt_t *s, int col) {
    if (db_col_null(s, col)) return (field_t){NULL, 0};
    return (field_t){db_col_text(s, col), (size_t)db_col_len(s, col)};
}

int audit_verify(db_t *db, const keys_t *keys, int64_t *first_bad_id, int64_t *rows_checked, char *err, size_t errlen) {
    *first_bad_id = 0;
    *rows_checked = 0;
    if (!keys) {
        snprintf(err, errlen, "没有审计密钥");
        return -1;
    }
    /* One read snapshot for the whole walk (a deferred BEGIN on SQLite, so
     * writers are not blocked); outside db_begin, which takes the write lock. */
    bool own = !db_in_tx(db);
    if (own &&
        db_exec(db, db_kind(db) == DB_SQLITE ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") != 0) {
        snprintf(err, errlen, "无法读取审计日志: %s", db_errmsg(db));
        return -1;
    }
    char last_hash[65] = "", first_prev[65] = "", start[65] = ZERO_HASH, at[21];
    int64_t first_id = 0, after = 0, bad = 0;
    int rc = 0;
    bool crypto_failed = false;
    for (;;) {
        db_stmt_t *s = db_prepare(db, "SELECT id, at, user_id, username, org_id, ip, user_agent, action, entity, "
                                      "entity_id, result, detail, prev_hash, hash FROM audit_log "
                                      "WHERE id > $1 ORDER BY id LIMIT $2");
        if (!s) {
            rc = DB_ERR;
            break;
        }
        db_bind_int(s, 1, after);
        db_bind_int(s, 2, VERIFY_BATCH);
        int n = 0;
        while ((rc = db_step(s)) == DB_ROW) {
            n++;
            int64_t id = db_col_int(s, 0);
            const char *prev = db_col_text(s, 12), *stored = db_col_text(s, 13);
            if (!prev) prev = "";
            if (!stored) stored = "";
            field_t f[NF];
            for (int i = 0; i < NF; i++)
                f[i] = col_field(s, i + 1);
            int64_t t;
            bool ok = f[F_AT].v && unix_from_iso(f[F_AT].v, &t);
            if (ok) {
                iso_from_unix(t, at);
                f[F_AT] = text_field(at);
                char h[65];
                if (row_hash(keys, prev, f, h) != 0) {
                    crypto_failed = true;
                    break;
                }
                ok = strcmp(h, stored) == 0;
            }
            if (first_id == 0) {
                first_id = id;
                snprintf(first_prev, sizeof(first_prev), "%s", prev);
            } else if (strcmp(prev, last_hash) != 0) {
                ok = false;
            }
            /* only an authentic purge row may move the accepted start */
            if (ok && f[F_ACTION].v && strcmp(f[F_ACTION].v, "audit.purge") == 0)
                purge_chain_start(f[F_DETAIL].v, (int)f[F_DETAIL].len, start);
            if (!ok && bad == 0) bad = id;
            snprintf(last_hash, sizeof(last_hash), "%s", stored);
            after = id;
            (*rows_checked)++;
        }
        db_reset(s);
        if (crypto_failed || rc != DB_DONE) break;
        rc = 0;
        if (n < VERIFY_BATCH) break;
    }
    if (own) db_exec(db, "ROLLBACK");
    if (crypto_failed) {
        snprintf(err, errlen, "HMAC-SM3 计算失败 (OpenSSL 不支持 SM3?)");
        return -1;
    }
    if (rc != 0) {
        snprintf(err, errlen, "读取审计日志失败: %s", db_errmsg(db));
        return rc < 0 ? rc : -1;
    }
    /* a start other than the accepted one means rows were cut off the front */
    if (first_id && strcmp(first_prev, start) != 0) bad = first_id;
    *first_bad_id = bad;
    return bad ? 1 : 0;
}

/* ---- retention ---- */

int audit_purge(db_t *db, const keys_t *keys, const char *before_date, int64_t *deleted, char *err, size_t errlen) {
    *deleted = 0;
    if (!keys) {
        snprintf(err, errlen, "没有审计密钥");
        return -1;
    }
    if (!date_valid(before_date)) {
        snprintf(err, errlen, "日期应为 YYYY-MM-DD: %s", before_date ? before_date : "(空)");
        return -1;
    }
    char latest[21];
    iso_from_unix(now_unix() - (int64_t)AUDIT_RETENTION_DAYS * 86400, latest);
    latest[10] = '\0';
    if (strcmp(before_date, latest) > 0) {
        snprintf(err, errlen, "审计日志至少保存 %d 天: 清除日期不能晚于 %s", AUDIT_RETENTION_DAYS, latest);
        return -1;
    }
    bool own = !db_in_tx(db);
    if (own && db_begin(db) != 0) {
        snprintf(err, errlen, "无法开始事务: %s", db_errmsg(db));
        return -1;
    }
    char bound[21], tail[65], chain_start[65];
    snprintf(bound, sizeof(bound), "%sT00:00:00Z", before_date);
    int64_t tail_id = 0, keep_from = 0;
    int rc = chain_lock(db);
    if (rc == 0) rc = audit_head(db, &tail_id, tail);
    if (rc != 0) goto fail;
    /* A purge vouches for the new chain start, so it must not run over a
     * broken chain: that would launder rows cut off by hand, and delete the
     * evidence. */
    int64_t bad = 0, rows = 0;
    rc = audit_verify(db, keys, &bad, &rows, err, errlen);
    if (rc != 0) {
        if (rc == 1) snprintf(err, errlen, "审计日志在第 %lld 条被篡改, 未清除任何记录 (请先保全证据)", (long long)bad);
        if (own) db_rollback(db);
        return -1;
    }
    /* Delete the longest id prefix written before the date, so the rest is
     * one chain even if the clock ever stepped back. */
    db_stmt_t *s = db_prepare(db, "SELECT MIN(id) FROM audit_log WHERE at >= $1");
    if (!s) goto fail;
    db_bind_text(s, 1, bound, -1);
    rc = db_step(s);
    if (rc == DB_ROW) keep_from = db_col_null(s, 0) ? tail_id + 1 : db_col_int(s, 0);
    db_reset(s);
    if (rc != DB_ROW) goto fail;
    snprintf(chain_start, sizeof(chain_start), "%s", tail);
    if (keep_from <= tail_id) {
        s = db_prepare(db, "SELECT prev_hash FROM audit_log WHERE id = $1");
        if (!s) goto fail;
        db_bind_int(s, 1, keep_from);
        rc = db_step(s);
        if (rc == DB_ROW) snprintf(chain_start, sizeof(chain_start), "%s", db_col_text(s, 0));
        db_reset(s);
        if (rc != DB_ROW) goto fail;
    }
    s = db_prepare(db, "DELETE FROM audit_log WHERE id < $1");
    if (!s) goto fail;
    db_bind_int(s, 1, keep_from);
    rc = db_step(s);
    if (rc == DB_DONE) *deleted = db_changes(s);
    db_reset(s);
    if (rc != DB_DONE) goto fail;

    /* purges come from the command line, which has no signed-in user: name
     * the OS account, as the other operator commands do */
    char detail[192], who[96];
    snprintf(detail, sizeof(detail), "{\"before\":\"%s\",\"deleted\":%lld,\"chain_start\":\"%s\"}", before_date,
             (long long)*deleted, chain_start);
    struct passwd *pw = getpwuid(getuid());
    snprintf(who, sizeof(who), "cli:%s", pw ? pw->pw_name : "?");
    audit_event_t ev = {.action = "audit.purge",
                        .entity = "audit_log",
                        .result = "ok",
                        .detail_json = detail,
                        .username = who,
                        .ip = "local"};
    if ((rc = append(db, keys, &ev, tail)) != 0) goto fail;
    if (own && db_commit(db) != 0) {
        snprintf(err, errlen, "提交失败: %s", db_errmsg(db));
        *deleted = 0;
        return -1;
    }
    return 0;
fail:
    snprintf(err, errlen, "清除审计日志失败: %s", db_errmsg(db));
    *deleted = 0;
    if (own) db_rollback(db);
    return -1;
}

/* ---- many rows in one go (bulk operations; audit.h) ---- */

#define MANY_BATCH 100 /* rows per INSERT */

static void many_sql(buf_t *sql, int k) {
    buf_puts(sql, "INSERT INTO audit_log (at, user_id, username, org_id, ip, user_agent, action, "
                  "entity, entity_id, result, detail, prev_hash, hash) VALUES ");
    for (int r = 0; r < k; r++) {
        buf_puts(sql, r ? ", (" : "(");
        for (int i = 1; i <= NF + 2; i++) buf_printf(sql, i > 1 ? ", $%d" : "$%d", r * (NF + 2) + i);
        buf_putc(sql, ')');
    }
}

int audit_write_many(db_t *db, const keys_t *keys, const audit_event_t *ev, size_t n) {
    if (!keys || !db_in_tx(db)) {
        log_error("audit_write_many: no keys, or no open transaction");
        return DB_ERR;
    }
    for (size_t i = 0; i < n; i++)
        if (!ev[i].action || !*ev[i].action || !ev[i].result || !*ev[i].result || !detail_is_object(ev[i].detail_json)) {
            log_error("audit_write_many: event %zu has no action or result, or a detail that is not a JSON object", i);
            return DB_ERR;
        }
    if (n == 0) return 0;
    int rc = chain_lock(db);
    if (rc != 0) return rc;
    char prev[65];
    if ((rc = audit_head(db, NULL, prev)) != 0) return rc;
    char at[21];
    iso_from_unix(now_unix(), at);
    buf_t full = BUF_INIT, last = BUF_INIT;
    many_sql(&full, (int)(n < MANY_BATCH ? n : MANY_BATCH));
    if (n > MANY_BATCH && n % MANY_BATCH) many_sql(&last, (int)(n % MANY_BATCH));
    /* per row of a batch: its cleaned texts, id digits and hash, alive until the step */
    buf_t *texts = calloc(MANY_BATCH * 3, sizeof(buf_t));
    char(*ids)[3][24] = calloc(MANY_BATCH, sizeof(*ids));
    char(*hashes)[65] = calloc(MANY_BATCH, sizeof(*hashes));
    if (!texts || !ids || !hashes) abort();
    rc = 0;
    for (size_t start = 0; start < n && rc == 0; start += MANY_BATCH) {
        int k = n - start < MANY_BATCH ? (int)(n - start) : MANY_BATCH;
        db_stmt_t *s = db_prepare(db, k == MANY_BATCH || n <= MANY_BATCH ? full.data : last.data);
        if (!s) {
            rc = DB_ERR;
            break;
        }
        for (int r = 0; r < k && rc == 0; r++) {
            const audit_event_t *e = &ev[start + r];
            for (int t = 0; t < 3; t++) buf_clear(&texts[r * 3 + t]);
            field_t f[NF] = {
                [F_AT] = text_field(at),
                [F_USER_ID] = id_field(e->user_id, ids[r][0]),
                [F_USERNAME] = clean_field(&texts[r * 3], e->username, 128),
                [F_ORG_ID] = id_field(e->org_id, ids[r][1]),
                [F_IP] = clean_field(&texts[r * 3 + 1], e->ip, 64),
                [F_USER_AGENT] = clean_field(&texts[r * 3 + 2], e->user_agent, 512),
                [F_ACTION] = text_field(e->action),
                [F_ENTITY] = text_field(e->entity),
                [F_ENTITY_ID] = id_field(e->entity_id, ids[r][2]),
                [F_RESULT] = text_field(e->result),
                [F_DETAIL] = text_field(e->detail_json),
            };
            if (row_hash(keys, prev, f, hashes[r]) != 0) {
                log_error("audit: HMAC-SM3 failed");
                rc = DB_ERR;
                break;
            }
            int base = r * (NF + 2);
            for (int i = 0; i < NF; i++) {
                if (!f[i].v)
                    db_bind_null(s, base + i + 1);
                else if (i == F_USER_ID || i == F_ORG_ID || i == F_ENTITY_ID)
                    db_bind_int(s, base + i + 1, i == F_USER_ID ? e->user_id : i == F_ORG_ID ? e->org_id : e->entity_id);
                else
                    db_bind_text(s, base + i + 1, f[i].v, (int)f[i].len);
            }
            db_bind_text(s, base + NF + 1, prev, 64);
            db_bind_text(s, base + NF + 2, hashes[r], 64);
            memcpy(prev, hashes[r], 65);
        }
        if (rc != 0) {
            db_reset(s);
            break;
        }
        int step = db_step(s);
        db_reset(s);
        rc = step == DB_DONE ? 0 : step < 0 ? step : DB_ERR;
    }
    for (int i = 0; i < MANY_BATCH * 3; i++) buf_free(&texts[i]);
    free(texts);
    free(ids);
    free(hashes);
    buf_free(&full);
    buf_free(&last);
    return rc;
}
