/* standards.c — results, roll-ups and the scorecard of the 规范化 rules
 * (issue 6; docs/standards.md).
 *
 *   GET  /api/v1/standards/rules                   the rules and their thresholds
 *   GET  /api/v1/standards/scorecard?org=ID&as_of=D  a unit's scorecard
 *   PUT  /api/v1/standards/settings/:key {value}   change a threshold (audited; re-evaluates)
 *   POST /api/v1/standards/rebuild                 recompute everything now
 *
 * Precomputation: standard_result holds every rule's result per unit for
 * today and for each 31 December since 2022; standard_rollup holds the
 * counts per subtree, so a city or national scorecard reads a few dozen
 * rows.  Every engine write to a register the rules read re-evaluates the
 * written unit's subtree (and its district's and city's rules) in the
 * write's own transaction (engine_on_write), so a 2xx answer means the
 * scorecard already shows it.  The job thread rebuilds once a day (deadlines
 * fall due with the date), `sifasuo check --rebuild` on demand.
 *
 * A scorecard for a date without stored results is computed into the same
 * tables inside a transaction that is rolled back: one code path for stored
 * and live answers. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "modules/standards.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/vec.h"

#define FIRST_YEAR 2022 /* 推进年: the first year measured */

const char *std_status_key(std_status_t s) { return s == STD_PASS ? "pass" : s == STD_FAIL ? "fail" : "not_due"; }

static std_status_t status_of(const char *k) {
    return !k ? 0 : strcmp(k, "pass") == 0 ? STD_PASS : strcmp(k, "fail") == 0 ? STD_FAIL : STD_NOT_DUE;
}

int std_setting(db_t *db, const char *key, int64_t *v) {
    *v = 0;
    db_stmt_t *s = db_prepare(db, "SELECT value FROM standard_settings WHERE key = $1");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, key, -1);
    int rc = db_step(s);
    if (rc == DB_ROW) *v = db_col_int(s, 0);
    db_reset(s);
    return rc == DB_ROW || rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

static void upper_of(const char *path, char *out, size_t n) { scope_upper(path, out, n); }

/* ---- roll-up deltas: (unit, rule) → counts, applied with one upsert each ---- */
typedef struct delta {
    int64_t org;
    int rule; /* index into std_rules, or -1 for the total '*' */
    int64_t d[3];
    bool used;
} delta_t;
typedef struct deltas {
    delta_t *v;
    size_t cap, n;
} deltas_t;

static void deltas_grow(deltas_t *t);
static delta_t *delta_slot(deltas_t *t, int64_t org, int rule) {
    if (t->n * 2 >= t->cap) deltas_grow(t);
    uint64_t h = ((uint64_t)org * 0x9E3779B97F4A7C15ull) ^ (uint64_t)(rule + 1) * 0xBF58476D1CE4E5B9ull;
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        delta_t *d = &t->v[i];
        if (!d->used) {
            *d = (delta_t){.org = org, .rule = rule, .used = true};
            t->n++;
            return d;
        }
        if (d->org == org && d->rule == rule) return d;
    }
}
static void deltas_grow(deltas_t *t) {
    deltas_t old = *t;
    t->cap = old.cap ? old.cap * 2 : 1024;
    t->v = calloc(t->cap, sizeof(delta_t));
    if (!t->v) abort();
    t->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.v[i].used) {
            delta_t *d = delta_slot(t, old.v[i].org, old.v[i].rule);
            memcpy(d->d, old.v[i].d, sizeof(d->d));
        }
    free(old.v);
}

/* Counts a status change of one result (old 0 = none) into every unit of
 * its path: per rule and in total, except per rule for an office itself
 * (its own result is the row). */
static void delta_add(deltas_t *t, const char *path, bool is_office, int rule, std_status_t old, std_status_t now) {
    if (old == now) return;
    const char *p = path;
    while (*p) {
        if (*p == '/') {
            p++;
            continue;
        }
        char *end;
        int64_t id = strtoll(p, &end, 10);
        if (end == p) break;
        p = end;
        bool self = *p == '/' && p[1] == '\0';
        for (int k = 0; k < 2; k++) {
            if (k == 0 && self && is_office) continue;
            delta_t *d = delta_slot(t, id, k == 0 ? rule : -1);
            if (old) d->d[old - 1]--;
            if (now) d->d[now - 1]++;
        }
    }
}

static int deltas_apply(db_t *db, deltas_t *t, const char *as_of) {
    db_stmt_t *s = NULL;
    for (size_t i = 0; i < t->cap; i++) {
        delta_t *d = &t->v[i];
        if (!d->used || (!d->d[0] && !d->d[1] && !d->d[2])) continue;
        s = db_prepare(
            db,
            "INSERT INTO standard_rollup (org_id, as_of, rule_id, passed, failed, not_due) VALUES ($1, $2, $3, $4, $5, "
            "$6) "
            "ON CONFLICT (org_id, as_of, rule_id) DO UPDATE SET passed = standard_rollup.passed + excluded.passed, "
            "failed = standard_rollup.failed + excluded.failed, not_due = standard_rollup.not_due + excluded.not_due");
        if (!s) return DB_ERR;
        db_bind_int(s, 1, d->org);
        db_bind_text(s, 2, as_of, -1);
        db_bind_text(s, 3, d->rule < 0 ? "*" : std_rules[d->rule].id, -1);
        for (int k = 0; k < 3; k++)
            db_bind_int(s, 4 + k, d->d[k]);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    }
    return 0;
}

/* Serialises the writers of results and roll-ups on PostgreSQL (a refresh
 * in a register write, the daily rebuild, a live scorecard): each reads old
 * statuses and adds differences, which two at once would double count.
 * SQLite's write transaction already excludes the others. */
static int writers_lock(db_t *db) {
    if (db_kind(db) != DB_POSTGRES) return 0;
    db_stmt_t *s = db_prepare(db, "SELECT pg_advisory_xact_lock(6006)");
    if (!s) return DB_ERR;
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : DB_ERR;
}

/* PostgreSQL: the stored scorecards (standard_card, migration 0310) go
 * stale with this transaction's writes of results or roll-ups: their
 * generation moves once a transaction (before the first write, so a live
 * computation, rolled back, moves nothing).  SQLite keeps no cards. */
static int cards_stale(db_t *db) {
    if (db_kind(db) != DB_POSTGRES) return 0;
    db_stmt_t *s = db_prepare(db, "UPDATE cache_generations SET generation = generation + 1 WHERE name = 'standards'");
    if (!s) return DB_ERR;
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

/* ---- evaluation ---- */

static int unit_cmp(const void *a, const void *b) {
    int64_t x = ((const std_unit_t *)a)->id, y = ((const std_unit_t *)b)->id;
    return x < y ? -1 : x > y;
}

/* The units of a level existing on as_of in path's subtree — and, with
 * ancestors, the one of that level above path (a district's rules for a
 * change in one of its offices).  Sorted by id, in the arena.  Sets
 * *scope to the widest path evaluated.  Returns the count or negative. */
static int load_units(db_t *db, arena_t *a, const char *level, const char *path, const char *as_of, bool ancestors,
                      std_unit_t **out, const char **scope) {
    char hi[256];
    upper_of(path, hi, sizeof(hi));
    size_t cap = 16, n = 0;
    std_unit_t *u = malloc(cap * sizeof(*u));
    if (!u) abort();
    *scope = path;
    /* the subtree: one range of the (level, path) index; then each proper
     * ancestor by id (a path holds at most a handful) */
    int rc = DB_DONE;
    for (const char *p = path; rc == DB_DONE;) {
        db_stmt_t *s;
        if (p == path) {
            s = db_prepare(db, "SELECT id, path, name FROM org_units WHERE level = $1 AND path >= $2 AND path < $3 "
                               "AND valid_from <= $4 AND (valid_to IS NULL OR valid_to > $4)");
            if (!s) {
                rc = DB_ERR;
                break;
            }
            db_bind_text(s, 1, level, -1);
            db_bind_text(s, 2, path, -1);
            db_bind_text(s, 3, hi, -1);
            db_bind_text(s, 4, as_of, -1);
        } else {
            while (*p == '/')
                p++;
            char *end;
            int64_t id = strtoll(p, &end, 10);
            if (end == p || !ancestors) break;
            p = end;
            if (*p == '/' && p[1] == '\0') break; /* the unit itself: in the subtree */
            s = db_prepare(db, "SELECT id, path, name FROM org_units WHERE id = $1 AND level = $2 "
                               "AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3)");
            if (!s) {
                rc = DB_ERR;
                break;
            }
            db_bind_int(s, 1, id);
            db_bind_text(s, 2, level, -1);
            db_bind_text(s, 3, as_of, -1);
        }
        if (p == path) p++; /* next round: the ancestors */
        while ((rc = db_step(s)) == DB_ROW) {
            if (n == cap) {
                cap *= 2;
                u = realloc(u, cap * sizeof(*u));
                if (!u) abort();
            }
            u[n].id = db_col_int(s, 0);
            u[n].path = arena_strdup(a, db_col_text(s, 1));
            u[n].name = arena_strdup(a, db_col_text(s, 2));
            if (strlen(u[n].path) < strlen(*scope)) *scope = u[n].path; /* an ancestor: evaluate its whole subtree */
            n++;
        }
        db_reset(s);
    }
    if (rc != DB_DONE) {
        free(u);
        return rc < 0 ? rc : DB_ERR;
    }
    qsort(u, n, sizeof(*u), unit_cmp);
    *out = arena_alloc(a, (n ? n : 1) * sizeof(*u));
    memcpy(*out, u, n * sizeof(*u));
    free(u);
    return (int)n;
}

/* Evaluates one rule for its units on as_of; results in e (arena). */
static int evaluate(db_t *db, arena_t *a, const std_rule_t *rule, const char *path, const char *as_of, bool ancestors,
                    std_eval_t *e) {
    memset(e, 0, sizeof(*e));
    e->db = db;
    e->arena = a;
    e->as_of = as_of;
    e->year = atoi(as_of);
    int n = load_units(db, a, rule->level, path, as_of, ancestors, &e->units, &e->scope);
    if (n < 0) return n;
    e->n = n;
    char *hi = arena_alloc(a, strlen(e->scope) + 2);
    upper_of(e->scope, hi, strlen(e->scope) + 2);
    e->scope_hi = hi;
    e->res = arena_calloc(a, sizeof(std_result_t) * ((size_t)n + 1));
    if (!n) return 0;
    int rc = rule->eval(e);
    for (int i = 0; i < n; i++) {
        std_result_t *r = &e->res[i];
        if (rc == 0 && !r->status) std_set(e, i, STD_FAIL, NULL, NULL, "无法核查");
        /* before the rule's date a failure is not yet due */
        if (r->status == STD_FAIL && rule->effective && strcmp(as_of, rule->effective) < 0) {
            r->status = STD_NOT_DUE;
            r->message = arena_printf(a, "%s (%s 前完成即可)", r->message, rule->effective);
        }
    }
    if (rc != 0) {
        for (int i = 0; i < n; i++)
            buf_free(&e->res[i].records);
        return rc;
    }
    return 0;
}

static char *evidence_json(const std_result_t *r) {
    buf_t b = BUF_INIT;
    jw_t w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kstr(&w, "message", r->message);
    jw_key(&w, "records");
    buf_t arr = BUF_INIT;
    buf_putc(&arr, '[');
    if (r->records.len) buf_add(&arr, r->records.data, r->records.len);
    buf_putc(&arr, ']');
    jw_raw(&w, arr.data);
    buf_free(&arr);
    jw_obj_end(&w);
    return buf_detach(&b);
}

/* Computes every rule for path's subtree on as_of and stores the results.
 * replace: the subtree's rows for as_of are deleted first (rebuild: no
 * ancestors, no old statuses); else each row's old status is read and the
 * roll-ups get the difference.  Problems are synchronised for today. */
static bool reads(const std_rule_t *rule, const char *entity) {
    if (!entity) return true;
    size_t n = strlen(entity);
    for (const char *p = rule->reads; (p = strstr(p, entity)); p += n)
        if ((p == rule->reads || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return true;
    return false;
}

/* Runs one parameterised statement ($1 = a, $2 = b when named). */
static int exec2(db_t *db, const char *sql, const char *a, const char *b) {
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return DB_ERR;
    db_bind_text(s, 1, a, -1);
    if (b) db_bind_text(s, 2, b, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

/* Removes the results of as_of in path's subtree whose unit does not exist
 * on as_of (revoked, merged away, not yet established), counting them out of
 * the roll-ups (t), and the units' own roll-up rows; an office change leaves
 * such rows behind (issue 19 point 3).  0 or negative. */
static int prune_gone(db_t *db, const char *path, const char *hi, const char *as_of, deltas_t *t) {
    db_stmt_t *s = db_prepare(db, "SELECT r.org_id, r.org_path, r.rule_id, r.status FROM standard_result r "
                                  "JOIN org_units u ON u.id = r.org_id WHERE r.as_of = $1 AND r.org_path >= $2 "
                                  "AND r.org_path < $3 AND (u.valid_from > $1 OR (u.valid_to IS NOT NULL AND "
                                  "u.valid_to <= $1))");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, as_of, -1);
    db_bind_text(s, 2, path, -1);
    db_bind_text(s, 3, hi, -1);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *rule = db_col_text(s, 2);
        for (int k = 0; k < std_nrules; k++)
            if (strcmp(std_rules[k].id, rule) == 0)
                delta_add(t, db_col_text(s, 1), strcmp(std_rules[k].level, "office") == 0, k,
                          status_of(db_col_text(s, 3)), 0);
    }
    db_reset(s);
    if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    if (!(s = db_prepare(db, "DELETE FROM standard_result WHERE as_of = $1 AND org_path >= $2 AND org_path < $3 "
                             "AND org_id IN (SELECT id FROM org_units WHERE valid_from > $1 OR "
                             "(valid_to IS NOT NULL AND valid_to <= $1))")))
        return DB_ERR;
    db_bind_text(s, 1, as_of, -1);
    db_bind_text(s, 2, path, -1);
    db_bind_text(s, 3, hi, -1);
    rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

static int compute_and_store(db_t *db, const char *path, const char *as_of, bool replace, bool sync_problems,
                             const char *entity, bool upper_only, int64_t user_id, bool prune) {
    char hi[256], now[21];
    upper_of(path, hi, sizeof(hi));
    iso_from_unix(now_unix(), now);
    int lrc = writers_lock(db);
    if (!lrc) lrc = cards_stale(db);
    if (lrc) return lrc;
    if (replace) {
        db_stmt_t *s =
            db_prepare(db, "DELETE FROM standard_result WHERE as_of = $1 AND org_path >= $2 AND org_path < $3");
        if (!s) return DB_ERR;
        db_bind_text(s, 1, as_of, -1);
        db_bind_text(s, 2, path, -1);
        db_bind_text(s, 3, hi, -1);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
        s = db_prepare(db, "DELETE FROM standard_rollup WHERE as_of = $1 AND org_id IN "
                           "(SELECT id FROM org_units WHERE path >= $2 AND path < $3)");
        if (!s) return DB_ERR;
        db_bind_text(s, 1, as_of, -1);
        db_bind_text(s, 2, path, -1);
        db_bind_text(s, 3, hi, -1);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    }
    deltas_t t = {0};
    int rc = prune && !replace ? prune_gone(db, path, hi, as_of, &t) : 0;
    for (int k = 0; k < std_nrules && rc == 0; k++) {
        const std_rule_t *rule = &std_rules[k];
        if (!reads(rule, entity)) continue;
        /* upper_only: the rules of units above the districts (the city's) */
        if (upper_only && (!strcmp(rule->level, "office") || !strcmp(rule->level, "district"))) continue;
        arena_t a;
        arena_init(&a);
        std_eval_t e;
        rc = evaluate(db, &a, rule, path, as_of, !replace, &e);
        bool office = strcmp(rule->level, "office") == 0;
        for (int i = 0; rc == 0 && i < e.n; i++) {
            std_result_t *r = &e.res[i];
            std_status_t old = 0;
            if (!replace) {
                db_stmt_t *s = db_prepare(
                    db, "SELECT status FROM standard_result WHERE org_id = $1 AND rule_id = $2 AND as_of = $3");
                if (!s) {
                    rc = DB_ERR;
                    break;
                }
                db_bind_int(s, 1, e.units[i].id);
                db_bind_text(s, 2, rule->id, -1);
                db_bind_text(s, 3, as_of, -1);
                int orc = db_step(s);
                if (orc == DB_ROW) old = status_of(db_col_text(s, 0));
                db_reset(s);
                if (orc < 0) { /* not "no result before": a change the problem list would act on */
                    rc = orc;
                    break;
                }
            }
            char *ev = evidence_json(r);
            db_stmt_t *s = db_prepare(
                db,
                "INSERT INTO standard_result (org_id, org_path, rule_id, as_of, status, actual, required, evidence, "
                "computed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (org_id, as_of, rule_id) "
                "DO UPDATE SET org_path = excluded.org_path, status = excluded.status, actual = excluded.actual, "
                "required = excluded.required, evidence = excluded.evidence, computed_at = excluded.computed_at");
            if (!s) {
                free(ev);
                rc = DB_ERR;
                break;
            }
            db_bind_int(s, 1, e.units[i].id);
            db_bind_text(s, 2, e.units[i].path, -1);
            db_bind_text(s, 3, rule->id, -1);
            db_bind_text(s, 4, as_of, -1);
            db_bind_text(s, 5, std_status_key(r->status), -1);
            db_bind_text(s, 6, r->actual, -1);
            db_bind_text(s, 7, r->required, -1);
            db_bind_text(s, 8, ev, -1);
            db_bind_text(s, 9, now, -1);
            int src = db_step(s);
            db_reset(s);
            free(ev);
            if (src != DB_DONE) {
                rc = src < 0 ? src : DB_ERR;
                break;
            }
            delta_add(&t, e.units[i].path, office, k, old, r->status);
            if (sync_problems) rc = problems_sync(db, rule, &e.units[i], r, as_of, user_id);
        }
        for (int i = 0; i < e.n; i++)
            buf_free(&e.res[i].records);
        arena_free(&a);
    }
    if (rc == 0) rc = deltas_apply(db, &t, as_of);
    free(t.v);
    /* a pruned unit's own roll-up rows got its deltas: gone with it */
    if (rc == 0 && prune && !replace)
        rc = exec2(db,
                   "DELETE FROM standard_rollup WHERE as_of = $1 AND org_id IN (SELECT id FROM org_units "
                   "WHERE valid_from > $1 OR (valid_to IS NOT NULL AND valid_to <= $1))",
                   as_of, NULL);
    return rc;
}

/* The dates stored: each 31 December from 2022 to last year, and today. */
static int stored_dates(char dates[][11], int max) {
    char today[11];
    wf_today(today);
    int year = atoi(today), n = 0;
    for (int y = FIRST_YEAR; y < year && n < max - 1; y++)
        snprintf(dates[n++], 11, "%04d-12-31", y % 10000);
    memcpy(dates[n++], today, 11);
    return n;
}

/* The dates fully stored (standard_runs), oldest first; returns the count. */
static int run_dates(db_t *db, char dates[][11], int max) {
    db_stmt_t *s = db_prepare(db, "SELECT as_of FROM standard_runs ORDER BY as_of");
    if (!s) return DB_ERR;
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW)
        if (n < max) snprintf(dates[n++], 11, "%s", db_col_text(s, 0));
    db_reset(s);
    return rc == DB_DONE ? n : DB_ERR;
}

/* Recomputes path's subtree for the fully stored dates on or after `from`
 * (NULL: all): only dates fully stored — one being built (standards_daily)
 * gets the change when its chunk is computed, and a scorecard of it is
 * live.  entity: the rules that read it (NULL: every rule); prune: remove the
 * results of units gone on each date. */
static int refresh_dates(db_t *db, const char *path, const char *entity, const char *from, bool prune,
                         int64_t user_id) {
    char dates[64][11], today[11];
    wf_today(today);
    int lrc = writers_lock(db);
    if (lrc) return lrc;
    int n = run_dates(db, dates, 64);
    if (n < 0) return n;
    for (int i = 0; i < n; i++) {
        if (from && strcmp(dates[i], from) < 0) continue; /* the structure before a change stands */
        int rc =
            compute_and_store(db, path, dates[i], false, strcmp(dates[i], today) == 0, entity, false, user_id, prune);
        if (rc) return rc;
    }
    return 0;
}

int standards_refresh(db_t *db, const char *path, const char *entity, int64_t user_id) {
    return refresh_dates(db, path, entity, NULL, false, user_id);
}

int standards_org_changed(db_t *db, const char *path, const char *effective_on, int64_t user_id) {
    return refresh_dates(db, path, NULL, effective_on, true, user_id);
}

/* Runs fn(db, arg) in a transaction of its own (rolled back on failure). */
static int in_tx(db_t *db, int (*fn)(db_t *db, void *arg), void *arg) {
    if (db_begin(db) != 0) return DB_ERR;
    int rc = writers_lock(db);
    if (rc == 0) rc = fn(db, arg);
    if (rc == 0 && db_commit(db) != 0) rc = DB_ERR;
    if (rc != 0) db_rollback(db);
    return rc;
}

typedef struct date_job {
    const char *as_of, *path;
    bool sync;
    bool upper;
    int64_t generation; /* standard_lease.generation when the date began */
} date_job_t;

/* Drops a date's rows and those of dates no longer kept (yesterday's "today"). */
static int clear_date(db_t *db, void *arg) {
    const date_job_t *j = arg;
    char today[11];
    wf_today(today);
    static const char *const sql[] = {
        "DELETE FROM standard_runs WHERE as_of = $1 OR (as_of <> $2 AND substr(as_of, 6) <> '12-31')",
        "DELETE FROM standard_result WHERE as_of = $1 OR (as_of <> $2 AND substr(as_of, 6) <> '12-31')",
        "DELETE FROM standard_rollup WHERE as_of = $1 OR (as_of <> $2 AND substr(as_of, 6) <> '12-31')"};
    for (int k = 0; k < 3; k++) {
        int rc = exec2(db, sql[k], j->as_of, today);
        if (rc) return rc;
    }
    if (db_kind(db) != DB_POSTGRES) return 0;
    int rc = exec2(db, "DELETE FROM standard_card WHERE as_of = $1 OR (as_of <> $2 AND substr(as_of, 6) <> '12-31')",
                   j->as_of, today);
    return rc ? rc : cards_stale(db);
}

static int chunk(db_t *db, void *arg) {
    const date_job_t *j = arg;
    return compute_and_store(db, j->path, j->as_of, !j->upper, j->sync, NULL, j->upper, 0, false);
}

static int finish_date(db_t *db, void *arg) {
    const date_job_t *j = arg;
    int rc = chunk(db, arg); /* the rules above the districts (the city's) */
    if (rc) return rc;
    char now[21];
    iso_from_unix(now_unix(), now);
    /* done only if no invalidation (a threshold change) came meanwhile */
    db_stmt_t *s = db_prepare(db, "INSERT INTO standard_runs (as_of, computed_at) SELECT $1, $2 FROM standard_lease "
                                  "WHERE id = 1 AND generation = $3 ON CONFLICT (as_of) DO NOTHING");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, j->as_of, -1);
    db_bind_text(s, 2, now, -1);
    db_bind_int(s, 3, j->generation);
    rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

/* After each transaction of a recomputation on SQLite: leaves the write
 * lock free for 10 ms, so writers waiting for it — this server's workers,
 * another server on the same file — get it between two chunks instead of
 * after all of them (they try every 1–2 ms, store/sqlite.c).  Without the
 * pause the next chunk began at once, and a sign-in in another process
 * waited past the 5 s busy timeout: 503 (docs/reliability.md finding 6).
 * Not when the caller has the store to itself (init). */
static void let_writers_in(db_t *db, bool alone) {
    if (alone || db_kind(db) != DB_SQLITE) return;
    struct timespec pause = {0, 10 * 1000000L};
    nanosleep(&pause, NULL);
}

/* Computes every result of a date in transactions of one district each, so
 * the write lock (SQLite) is held for a district's worth at a time even at
 * national scale, with a pause between them (let_writers_in); the rules
 * above the districts and the run row last.  Writes meanwhile do not touch
 * the date (it is not in standard_runs yet). */
static int compute_date(db_t *db, const char *as_of, bool sync, bool alone) {
    date_job_t j = {as_of, "/", sync, false,
                    db_query_int(db, "SELECT generation FROM standard_lease WHERE id = 1", -1)};
    int rc = in_tx(db, clear_date, &j);
    if (rc) return rc;
    let_writers_in(db, alone);
    db_stmt_t *s = db_prepare(db, "SELECT path FROM org_units WHERE level = 'district' ORDER BY path");
    if (!s) return DB_ERR;
    size_t n = 0, cap = 64;
    char **paths = malloc(cap * sizeof(char *));
    if (!paths) abort();
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == cap) {
            cap *= 2;
            paths = realloc(paths, cap * sizeof(char *));
            if (!paths) abort();
        }
        paths[n++] = strdup(db_col_text(s, 0));
    }
    db_reset(s);
    rc = rc == DB_DONE ? 0 : DB_ERR;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        j.path = paths[i];
        rc = in_tx(db, chunk, &j);
        let_writers_in(db, alone);
    }
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    if (rc) return rc;
    j.path = "/";
    j.upper = true;
    rc = in_tx(db, finish_date, &j);
    let_writers_in(db, alone);
    return rc;
}

/* Takes (or renews) the lease of date computation for this process; true
 * when held.  A holder that died loses it when `until` passes. */
static bool lease_take(db_t *db, const char *me, bool release) {
    char now[21], until[21];
    iso_from_unix(now_unix(), now);
    iso_from_unix(now_unix() + 30 * 60, until);
    db_stmt_t *s =
        db_prepare(db, release ? "UPDATE standard_lease SET holder = NULL, until = '' WHERE id = 1 AND holder = $1"
                               : "UPDATE standard_lease SET holder = $1, until = $2 WHERE id = 1 "
                                 "AND (holder IS NULL OR holder = $1 OR until < $3)");
    if (!s) return false;
    db_bind_text(s, 1, me, -1);
    if (!release) {
        db_bind_text(s, 2, until, -1);
        db_bind_text(s, 3, now, -1);
    }
    int rc = db_step(s);
    bool held = rc == DB_DONE && db_changes(s) == 1;
    db_reset(s);
    return held;
}

int standards_daily(db_t *db, bool alone) {
    char dates[64][11], runs[64][11], today[11], me[64];
    wf_today(today);
    int n = stored_dates(dates, 64), nr = run_dates(db, runs, 64);
    if (nr < 0) return nr;
    bool missing = false;
    for (int i = 0; i < n && !missing; i++) {
        bool have = false;
        for (int k = 0; k < nr && !have; k++)
            have = strcmp(runs[k], dates[i]) == 0;
        missing = !have;
    }
    if (!missing) return 0;
    static int counter;
    snprintf(me, sizeof(me), "%ld-%lld-%d", (long)getpid(), (long long)now_unix(),
             __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    if (!lease_take(db, me, false)) return 0; /* another process is at it; scorecards are live meanwhile */
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        bool have = false;
        for (int k = 0; k < nr && !have; k++)
            have = strcmp(runs[k], dates[i]) == 0;
        if (have) continue;
        if (!lease_take(db, me, false)) break; /* renewed per date */
        rc = compute_date(db, dates[i], strcmp(dates[i], today) == 0, alone);
    }
    lease_take(db, me, true);
    return rc;
}

int standards_invalidate(db_t *db) {
    int rc = cards_stale(db);
    if (!rc) rc = db_exec(db, "DELETE FROM standard_runs");
    return rc ? rc : db_exec(db, "UPDATE standard_lease SET generation = generation + 1 WHERE id = 1");
}

static int invalidate_tx(db_t *db, void *arg) { return standards_invalidate(db); }

int standards_rebuild(db_t *db) {
    int rc = in_tx(db, invalidate_tx, NULL);
    return rc ? rc : standards_daily(db, false);
}

/* After a threshold change or a rebuild request: recompute now when the
 * tree is a city's (about a second), else leave it to the job thread (within
 * a minute; scorecards are computed live meanwhile). */
static void recompute_soon(http_req_t *r) {
    if (db_query_int(r->db, "SELECT COUNT(*) FROM org_units WHERE level = 'office'", 0) > 5000) return;
    if (standards_daily(r->db, false) != 0) log_error("standards: recomputation failed: %s", db_errmsg(r->db));
}

/* engine_on_write observer: a write to a register a rule reads re-evaluates
 * the rules that read it (std_rule_t.reads) for the written unit's subtree. */
static int on_write(db_t *db, const entity_t *e, const char *org_path, int64_t user_id) {
    /* an office change moves units in the tree when applied: its hook
     * recomputes the dates from its effective day (standards_org_changed) */
    for (int k = 0; k < std_nrules; k++)
        if (reads(&std_rules[k], e->name)) return standards_refresh(db, org_path, e->name, user_id);
    return 0;
}

/* ---- the scorecard ---- */

static bool date_stored(db_t *db, const char *as_of) {
    db_stmt_t *s = db_prepare(db, "SELECT 1 FROM standard_runs WHERE as_of = $1");
    if (!s) return false;
    db_bind_text(s, 1, as_of, -1);
    bool yes = db_step(s) == DB_ROW;
    db_reset(s);
    return yes;
}

static void write_rate(jw_t *w, int64_t passed, int64_t failed) {
    jw_key(w, "rate");
    if (passed + failed == 0)
        jw_null(w);
    else {
        /* per mille, rounded half up (28 of 36: 77.8, not 77.7) */
        int64_t pm = (passed * 2000 + (passed + failed)) / (2 * (passed + failed));
        /* by hand, not snprintf: a rate per unit and rule, 80 of them in
         * the city scorecard, was a tenth of its instructions */
        char t[24], *o = t + sizeof(t) - 1;
        *o = '\0';
        *--o = (char)('0' + pm % 10);
        *--o = '.';
        int64_t whole = pm / 10;
        do
            *--o = (char)('0' + whole % 10);
        while ((whole /= 10) > 0);
        jw_raw(w, o);
    }
}

static void write_counts(jw_t *w, int64_t p, int64_t f, int64_t nd) {
    jw_kint(w, "passed", p);
    jw_kint(w, "failed", f);
    jw_kint(w, "not_due", nd);
    write_rate(w, p, f);
}

/* Makes sure results exist for path's subtree on as_of: stored ones, or
 * computed now into the caller's (to be rolled back) transaction. */
static int ensure(db_t *db, const char *path, const char *as_of, bool *live) {
    if (date_stored(db, as_of)) return 0;
    if (!db_in_tx(db)) {
        db_read_end(db);
        if (db_begin(db) != 0) return DB_ERR;
    }
    *live = true;
    return compute_and_store(db, path, as_of, true, false, NULL, false, 0, false);
}

/* The units one level down (and a unit's peers for its rank) with their
 * '*' roll-up row.  On PostgreSQL a LATERAL probe per unit: with a plain
 * join the planner, rating a few thousand roll-up rows a cheap sequential
 * scan, read every unit's row of the date (247 µs of the city scorecard's
 * 8 statements, pg_stat_statements; the probes: 50–100 µs). */
static void units_from(db_t *db, buf_t *q) {
    if (db_kind(db) == DB_POSTGRES)
        buf_puts(q, " FROM org_units o CROSS JOIN LATERAL (SELECT r.passed, r.failed, r.not_due FROM standard_rollup r "
                    "WHERE r.org_id = o.id AND r.as_of = $2 AND r.rule_id = '*' OFFSET 0) r");
    else
        buf_puts(q, " FROM org_units o JOIN standard_rollup r ON r.org_id = o.id AND r.as_of = $2 AND r.rule_id = '*'");
}

/* The whole scorecard in one statement (issue 26 point 4): on PostgreSQL a
 * statement is a round trip that wakes a backend, and the eight of them were
 * most of the city scorecard's 950 µs.  Every row is (kind, t1..t5, i1..i4):
 *   o  the unit: path, name, level, parent's path; parent id, the generations
 *      of results ('standards') and of the tree (standard_card)
 *   d  which of the dates ($2: as_of, $3…: the 31 Decembers) are stored
 *   r  its roll-up rows of as_of (per rule, and '*': the summary)
 *   e  its own results of as_of: rule, status, actual, required, evidence
 *   u  the units one level down: name, level; id, passed, failed, not_due
 *   k  the peers for the rank (the parent's children of its level): passed, failed
 *   y  its '*' row of every date: as_of; passed, failed, not_due
 * The first branch names the column types (PostgreSQL types a UNION's
 * columns pairwise, and NULL with NULL would be text). */
static const char *scorecard_sql(db_t *db, buf_t *q, int ndates) {
    buf_clear(q);
    buf_puts(q, "SELECT 'o', o.path, o.name, o.level, COALESCE(p.path, o.path), CAST(NULL AS TEXT), "
                "COALESCE(o.parent_id, 0), (SELECT generation FROM cache_generations WHERE name = 'standards'), "
                "(SELECT generation FROM cache_generations WHERE name = 'org_units'), CAST(NULL AS BIGINT) "
                "FROM org_units o LEFT JOIN org_units p ON p.id = o.parent_id WHERE o.id = $1");
    buf_t in = BUF_INIT;
    for (int k = 0; k < ndates; k++)
        buf_printf(&in, k ? ", $%d" : "$%d", k + 2);
    buf_printf(q,
               " UNION ALL SELECT 'd', as_of, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM standard_runs "
               "WHERE as_of IN (%s)",
               in.data);
    buf_puts(q, " UNION ALL SELECT 'r', rule_id, NULL, NULL, NULL, NULL, passed, failed, not_due, NULL "
                "FROM standard_rollup WHERE org_id = $1 AND as_of = $2"
                " UNION ALL SELECT 'e', rule_id, status, actual, required, evidence, NULL, NULL, NULL, NULL "
                "FROM standard_result WHERE org_id = $1 AND as_of = $2"
                " UNION ALL SELECT 'u', o.name, o.level, NULL, NULL, NULL, o.id, r.passed, r.failed, r.not_due");
    units_from(db, q);
    buf_puts(q, " WHERE o.parent_id = $1 UNION ALL SELECT 'k', NULL, NULL, NULL, NULL, NULL, r.passed, r.failed, "
                "NULL, NULL");
    units_from(db, q);
    buf_puts(q, " WHERE o.parent_id = (SELECT u.parent_id FROM org_units u WHERE u.id = $1) AND o.level = (SELECT "
                "u.level FROM org_units u WHERE u.id = $1)");
    buf_printf(q,
               " UNION ALL SELECT 'y', as_of, NULL, NULL, NULL, NULL, passed, failed, not_due, NULL "
               "FROM standard_rollup WHERE org_id = $1 AND rule_id = '*' AND as_of IN (%s)",
               in.data);
    buf_free(&in);
    return q->data;
}

/* One row of the scorecard's statement, copied into the arena. */
typedef struct card_row {
    char kind;
    const char *t[5];
    int64_t i[4];
} card_row_t;

static int unit_row_cmp(const void *a, const void *b) {
    const card_row_t *x = *(card_row_t *const *)a, *y = *(card_row_t *const *)b;
    return x->i[0] < y->i[0] ? -1 : x->i[0] > y->i[0];
}

/* Runs the scorecard's statement; rows into *rows (arena), their count *n. */
static int card_read(db_t *db, arena_t *a, const char *sql, int64_t org_id, char (*d)[11], int ndates,
                     card_row_t **rows, int *n) {
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return DB_ERR;
    db_bind_int(s, 1, org_id);
    for (int k = 0; k < ndates; k++)
        db_bind_text(s, k + 2, d[k], -1);
    int cap = 64, rc;
    card_row_t *v = arena_alloc(a, sizeof(*v) * (size_t)cap);
    *n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (*n == cap) {
            card_row_t *bigger = arena_alloc(a, sizeof(*v) * (size_t)cap * 2);
            memcpy(bigger, v, sizeof(*v) * (size_t)cap);
            v = bigger, cap *= 2;
        }
        card_row_t *row = &v[(*n)++];
        row->kind = db_col_text(s, 0)[0];
        for (int j = 0; j < 5; j++)
            row->t[j] = db_col_null(s, j + 1) ? NULL : arena_strdup(a, db_col_text(s, j + 1));
        for (int j = 0; j < 4; j++)
            row->i[j] = db_col_null(s, j + 6) ? 0 : db_col_int(s, j + 6);
    }
    db_reset(s);
    *rows = v;
    return rc == DB_DONE ? 0 : rc;
}

int standards_scorecard(db_t *db, arena_t *a, int64_t org_id, const char *as_of, jw_t *w, int *failing) {
    std_card_meta_t meta;
    return standards_scorecard_ex(db, a, org_id, as_of, w, failing, &meta);
}

int standards_scorecard_ex(db_t *db, arena_t *a, int64_t org_id, const char *as_of, jw_t *w, int *failing,
                           std_card_meta_t *meta) {
    *failing = 0;
    *meta = (std_card_meta_t){0};
    /* the dates: $2 as_of, then each 31 December since 2022 before as_of's year */
    int year = atoi(as_of), ny = year >= FIRST_YEAR ? year - FIRST_YEAR + 1 : 0;
    int ndates = ny > 0 ? ny : 1; /* d[0] = as_of, d[1 + k] = 31 December of FIRST_YEAR + k */
    char(*d)[11] = arena_alloc(a, sizeof(*d) * (size_t)ndates);
    snprintf(d[0], sizeof(d[0]), "%s", as_of);
    for (int k = 0; k + 1 < ny; k++)
        snprintf(d[k + 1], sizeof(d[k + 1]), "%04d-12-31", (FIRST_YEAR + k) % 10000);
    buf_t q = BUF_INIT;
    const char *sql = scorecard_sql(db, &q, ndates);
    card_row_t *rows;
    int n, rc;
    bool live = false;
    if ((rc = card_read(db, a, sql, org_id, d, ndates, &rows, &n)) != 0) goto out;
    const card_row_t *unit = NULL;
    bool *stored = arena_calloc(a, (size_t)ndates);
    for (int i = 0; i < n; i++)
        if (rows[i].kind == 'o')
            unit = &rows[i];
        else if (rows[i].kind == 'd')
            for (int k = 0; k < ndates; k++)
                if (strcmp(d[k], rows[i].t[0]) == 0) stored[k] = true;
    if (!unit) {
        rc = 1;
        goto out;
    }
    /* a date not stored: computed into a transaction rolled back at the end
     * (peers are the parent's children: their results are needed for the
     * rank), then read again */
    bool all = true;
    for (int k = 0; k < ndates; k++)
        all = all && stored[k];
    if (!all) {
        const char *path = unit->t[0], *ppath = unit->t[3];
        for (int k = 0; k < ndates; k++)
            if (!stored[k] && (rc = ensure(db, k == 0 ? ppath : path, d[k], &live)) != 0) goto out;
        if ((rc = card_read(db, a, sql, org_id, d, ndates, &rows, &n)) != 0) goto out;
        unit = NULL;
        for (int i = 0; i < n; i++)
            if (rows[i].kind == 'o') unit = &rows[i];
        if (!unit) {
            rc = 1;
            goto out;
        }
    }
    const char *name = unit->t[1], *level = unit->t[2];
    int64_t parent = unit->i[0];
    meta->gen = unit->i[1];
    meta->org_gen = unit->i[2];
    bool office = strcmp(level, "office") == 0;

    /* sort the rows into their parts */
    int64_t tot[3] = {0, 0, 0};
    int64_t(*counts)[3] = arena_calloc(a, sizeof(*counts) * (size_t)std_nrules);
    const card_row_t **own = arena_calloc(a, sizeof(*own) * (size_t)std_nrules);
    const card_row_t **units = arena_alloc(a, sizeof(*units) * (size_t)n);
    int nunits = 0;
    int64_t(*c)[3] = arena_calloc(a, sizeof(*c) * (size_t)ndates);
    for (int i = 0; i < n; i++) {
        const card_row_t *row = &rows[i];
        const std_rule_t *found;
        switch (row->kind) {
        case 'r':
            if (strcmp(row->t[0], "*") == 0)
                memcpy(tot, row->i, sizeof(tot));
            else if (!office && (found = std_rule_find(row->t[0])) != NULL)
                memcpy(counts[found - std_rules], row->i, sizeof(tot));
            break;
        case 'e':
            if ((found = std_rule_find(row->t[0])) == NULL) break; /* a rule no longer declared */
            own[found - std_rules] = row;
            if (office) counts[found - std_rules][status_of(row->t[1]) - 1] = 1;
            break;
        case 'u':
            units[nunits++] = row;
            break;
        case 'y':
            for (int k = 0; k < ndates; k++)
                if (strcmp(d[k], row->t[0]) == 0) memcpy(c[k], row->i, sizeof(c[k]));
            break;
        default:
            break;
        }
    }

    jw_obj(w);
    jw_key(w, "org");
    jw_obj(w);
    jw_kint(w, "id", org_id);
    jw_kstr(w, "name", name);
    jw_kstr(w, "level", level);
    jw_obj_end(w);
    jw_kstr(w, "as_of", as_of);
    jw_kbool(w, "precomputed", !live);
    jw_key(w, "summary");
    jw_obj(w);
    write_counts(w, tot[0], tot[1], tot[2]);
    jw_obj_end(w);
    *failing = (int)tot[1];

    /* per rule across the subtree (an office: its own results) */
    jw_key(w, "rules");
    jw_arr(w);
    for (int k = 0; k < std_nrules; k++) {
        const std_rule_t *rule = &std_rules[k];
        const int64_t *ck = counts[k];
        if (ck[0] + ck[1] + ck[2] == 0) continue; /* a rule of another level */
        jw_obj(w);
        jw_kstr(w, "id", rule->id);
        jw_kstr(w, "clause", rule->clause);
        jw_kstr(w, "title", rule->title);
        jw_kstr(w, "level", rule->level);
        write_counts(w, ck[0], ck[1], ck[2]);
        jw_obj_end(w);
    }
    jw_arr_end(w);

    /* the unit's own results with their evidence, in rule order */
    jw_key(w, "results");
    jw_arr(w);
    for (int k = 0; k < std_nrules; k++) {
        const card_row_t *row = own[k];
        if (!row) continue;
        const std_rule_t *rule = &std_rules[k];
        jw_obj(w);
        jw_kstr(w, "rule", rule->id);
        jw_kstr(w, "clause", rule->clause);
        jw_kstr(w, "title", rule->title);
        jw_kstr(w, "deadline", rule->deadline_text);
        jw_kstr(w, "status", row->t[1]);
        jw_kstr(w, "actual", row->t[2]);
        jw_kstr(w, "required", row->t[3]);
        jw_key(w, "evidence");
        jw_raw(w, row->t[4]);
        jw_obj_end(w);
    }
    jw_arr_end(w);

    /* the units below (districts of the city, offices of a district) */
    jw_key(w, "units");
    jw_arr(w);
    qsort(units, (size_t)nunits, sizeof(*units), unit_row_cmp);
    for (int i = 0; i < nunits; i++) {
        jw_obj(w);
        jw_kint(w, "id", units[i]->i[0]);
        jw_kstr(w, "name", units[i]->t[0]);
        jw_kstr(w, "level", units[i]->t[1]);
        write_counts(w, units[i]->i[1], units[i]->i[2], units[i]->i[3]);
        jw_obj_end(w);
    }
    jw_arr_end(w);

    /* rank among the parent's children of the same level, by compliance rate */
    jw_key(w, "rank");
    if (!parent)
        jw_null(w);
    else {
        int64_t mine = tot[0] + tot[1] ? tot[0] * 1000000 / (tot[0] + tot[1]) : -1;
        int position = 1, of = 0;
        for (int i = 0; i < n; i++) {
            if (rows[i].kind != 'k') continue;
            int64_t p = rows[i].i[0], f = rows[i].i[1];
            int64_t rate = p + f ? p * 1000000 / (p + f) : -1;
            of++;
            if (rate > mine) position++;
        }
        jw_obj(w);
        jw_kint(w, "position", position);
        jw_kint(w, "of", of);
        jw_obj_end(w);
    }

    /* year over year: each 31 December since 2022, then as_of */
    jw_key(w, "years");
    jw_arr(w);
    for (int k = 0; k < ny; k++) {
        int at = k + 1 < ny ? k + 1 : 0;
        jw_obj(w);
        jw_kint(w, "year", FIRST_YEAR + k);
        jw_kstr(w, "as_of", d[at]);
        write_counts(w, c[at][0], c[at][1], c[at][2]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
out:
    buf_free(&q);
    if (live) db_rollback(db);
    meta->live = live;
    return rc;
}

int standards_matrix(db_t *db, arena_t *a, const char *path, const char *as_of, std_cell_t **cells, int *n) {
    bool live = false;
    *n = 0;
    int rc = ensure(db, path, as_of, &live);
    if (rc) goto out;
    char hi[256];
    upper_of(path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(
        db, "SELECT r.org_id, o.name, o.level, r.rule_id, r.status, r.evidence FROM standard_result r "
            "JOIN org_units o ON o.id = r.org_id WHERE r.as_of = $1 AND r.org_path >= $2 AND r.org_path < $3 "
            "ORDER BY o.level, o.id");
    if (!s) {
        rc = DB_ERR;
        goto out;
    }
    db_bind_text(s, 1, as_of, -1);
    db_bind_text(s, 2, path, -1);
    db_bind_text(s, 3, hi, -1);
    size_t cap = 256;
    std_cell_t *v = arena_alloc(a, cap * sizeof(*v));
    while ((rc = db_step(s)) == DB_ROW) {
        const std_rule_t *rule = std_rule_find(db_col_text(s, 3));
        if (!rule) continue;
        if ((size_t)*n == cap) {
            std_cell_t *bigger = arena_alloc(a, cap * 2 * sizeof(*v));
            memcpy(bigger, v, cap * sizeof(*v));
            v = bigger, cap *= 2;
        }
        json_t *ev = json_loads(db_col_text(s, 5), 0, NULL);
        v[*n] = (std_cell_t){db_col_int(s, 0),
                             arena_strdup(a, db_col_text(s, 1)),
                             arena_strdup(a, db_col_text(s, 2)),
                             (int)(rule - std_rules),
                             status_of(db_col_text(s, 4)),
                             arena_strdup(a, ev && json_is_string(json_object_get(ev, "message"))
                                                 ? json_string_value(json_object_get(ev, "message"))
                                                 : "")};
        json_decref(ev);
        (*n)++;
    }
    db_reset(s);
    rc = rc == DB_DONE ? 0 : rc;
    *cells = v;
out:
    if (live) db_rollback(db);
    return rc;
}

/* ---- HTTP ---- */

static const perm_def_t standard_perms[] = {
    {"standards.read", "规范化建设: 查看指标与达标情况",
     "office_director office_staff district_admin district_staff city_staff city_leader"},
    {"standards.configure", "规范化建设: 调整指标阈值、重新核算", "city_staff city_leader"},
    {0},
};

static bool as_of_param(http_req_t *r, char out[11]) {
    const char *v = http_query(r, "as_of");
    if (!v) {
        wf_today(out);
        return true;
    }
    if (!date_valid(v)) {
        http_invalid(r, "as_of", "核查日期应为 YYYY-MM-DD 格式的有效日期");
        return false;
    }
    if (strcmp(v, "2022-01-01") < 0) {
        http_invalid(r, "as_of", "核查日期不能早于 2022-01-01 (三年行动方案起始)");
        return false;
    }
    memcpy(out, v, 10);
    out[10] = '\0';
    return true;
}

/* The rules' declaration as one number: a stored card rendered by a binary
 * that declares other rules (titles, clauses, a line's new rule) is not
 * this binary's answer. */
static int64_t cards_shape(void) {
    static _Atomic int64_t shape;
    int64_t h = atomic_load(&shape);
    if (h) return h;
    uint64_t x = 0xcbf29ce484222325ull ^ FIRST_YEAR;
    for (int k = 0; k < std_nrules; k++) {
        const char *parts[] = {std_rules[k].id, std_rules[k].clause, std_rules[k].title, std_rules[k].level,
                               std_rules[k].deadline_text};
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
            for (const char *c = parts[i] ? parts[i] : ""; *c; c++)
                x = (x ^ (unsigned char)*c) * 0x100000001b3ull;
            x = (x ^ 0x1f) * 0x100000001b3ull;
        }
    }
    h = (int64_t)(x >> 1) | 1;
    atomic_store(&shape, h);
    return h;
}

/* PostgreSQL: the stored card of org on as_of, when it was rendered at the
 * current generations (one statement, read in one snapshot with them), into
 * r's JSON; false when there is none (or on SQLite, which keeps none). */
static bool card_read_stored(db_t *db, http_req_t *r, int64_t org, const char *as_of) {
    if (db_kind(db) != DB_POSTGRES) return false;
    db_stmt_t *s = db_prepare(db, "SELECT c.body FROM standard_card c WHERE c.org_id = $1 AND c.as_of = $2 AND "
                                  "c.shape = $3 AND c.gen = (SELECT generation FROM cache_generations WHERE name = "
                                  "'standards') AND c.org_gen = (SELECT generation FROM cache_generations WHERE "
                                  "name = 'org_units')");
    if (!s) return false;
    db_bind_int(s, 1, org);
    db_bind_text(s, 2, as_of, -1);
    db_bind_int(s, 3, cards_shape());
    bool hit = db_step(s) == DB_ROW;
    if (hit) jw_raw(&r->json, db_col_text(s, 0));
    db_reset(s);
    return hit;
}

/* PostgreSQL: keeps a card just rendered from stored results, with the
 * generations its statement read.  A card of an older snapshot may
 * overwrite a newer one: it is then not current and the next reader renders
 * it again.  A failure costs the next reader a rendering, nothing more. */
static void card_store(db_t *db, int64_t org, const char *as_of, const std_card_meta_t *meta, const char *body,
                       size_t len) {
    if (db_kind(db) != DB_POSTGRES || !meta->gen || db_in_tx(db)) return;
    db_stmt_t *s =
        db_prepare(db, "INSERT INTO standard_card (org_id, as_of, gen, org_gen, shape, body) VALUES ($1, $2, "
                       "$3, $4, $5, $6) ON CONFLICT (org_id, as_of) DO UPDATE SET gen = excluded.gen, "
                       "org_gen = excluded.org_gen, shape = excluded.shape, body = excluded.body");
    if (!s) return;
    db_bind_int(s, 1, org);
    db_bind_text(s, 2, as_of, -1);
    db_bind_int(s, 3, meta->gen);
    db_bind_int(s, 4, meta->org_gen);
    db_bind_int(s, 5, cards_shape());
    db_bind_text(s, 6, body, (int)len);
    if (db_step(s) != DB_DONE)
        log_warn("scorecard of %lld as of %s not kept: %s", (long long)org, as_of, db_errmsg(db));
    db_reset(s);
}

static void get_scorecard(http_req_t *r) {
    int64_t org = http_query_id(r, "org");
    const principal_t *p = auth_principal(r);
    if (org == -2 || org == 0) return http_invalid(r, "org", "org 应为组织机构编号");
    if (org == -1) org = p->org_id;
    char as_of[11];
    if (!as_of_param(r, as_of)) return;
    const char *path = scope_unit_path(r, org);
    if (!path || !scope_covers(r, path)) return http_error(r, 404, "not_found", "组织机构不存在");
    int failing;
    db_t *db = http_read_db(r); /* a scorecard may come from a hot standby */
    if (card_read_stored(db, r, org, as_of)) return http_send_json(r, 200);
    size_t start = r->out->len;
    std_card_meta_t meta;
    int rc = standards_scorecard_ex(db, r->arena, org, as_of, &r->json, &failing, &meta);
    if (rc != 0) {
        buf_clear(r->out);
        jw_init(&r->json, r->out);
        if (rc != 1) log_error("scorecard of %lld as of %s: %s", (long long)org, as_of, db_errmsg(db));
        return rc == 1 ? http_error(r, 404, "not_found", "组织机构不存在") : http_store_error(r);
    }
    /* kept for the next reader: a stored date only, and only through the
     * primary (a standby is read-only) */
    if (!meta.live && db == r->db) card_store(db, org, as_of, &meta, r->out->data + start, r->out->len - start);
    http_send_json(r, 200);
}

void standards_matrix_write(jw_t *w, const std_cell_t *cells, int n) {
    jw_key(w, "rules");
    jw_arr(w);
    for (int k = 0; k < std_nrules; k++)
        if (strcmp(std_rules[k].level, "office") == 0) {
            jw_obj(w);
            jw_kstr(w, "id", std_rules[k].id);
            jw_kstr(w, "clause", std_rules[k].clause);
            jw_kstr(w, "title", std_rules[k].title);
            jw_obj_end(w);
        }
    jw_arr_end(w);
    jw_key(w, "offices");
    jw_arr(w);
    int64_t cur = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(cells[i].level, "office") != 0) continue;
        if (cells[i].org_id != cur) {
            if (cur) {
                jw_obj_end(w);
                jw_obj_end(w);
            }
            cur = cells[i].org_id;
            jw_obj(w);
            jw_kint(w, "id", cur);
            jw_kstr(w, "name", cells[i].org_name);
            jw_key(w, "results");
            jw_obj(w);
        }
        jw_kstr(w, std_rules[cells[i].rule].id, std_status_key(cells[i].status));
    }
    if (cur) {
        jw_obj_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* GET /standards/matrix?org=&as_of=: offices × office rules of a subtree
 * (the 驾驶舱 heat map; the annual report's table).  At most 2 000 offices. */
static void get_matrix(http_req_t *r) {
    int64_t org = http_query_id(r, "org");
    if (org == -2 || org == 0) return http_invalid(r, "org", "org 应为组织机构编号");
    if (org == -1) org = auth_principal(r)->org_id;
    char as_of[11];
    if (!as_of_param(r, as_of)) return;
    db_stmt_t *s = db_prepare(r->db, "SELECT path FROM org_units WHERE id = $1");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, org);
    int rc = db_step(s);
    const char *path = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (!path || !scope_covers(r, path)) return http_error(r, 404, "not_found", "组织机构不存在");
    char hi[256];
    upper_of(path, hi, sizeof(hi));
    s = db_prepare(r->db, "SELECT COUNT(*) FROM org_units WHERE level = 'office' AND path >= $1 AND path < $2");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, path, -1);
    db_bind_text(s, 2, hi, -1);
    int64_t offices = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1; /* COUNT(*) always has its row */
    db_reset(s);
    if (offices < 0) return http_store_error(r);
    if (offices > 2000) return http_invalid(r, "org", "范围内司法所超过 2000 个, 请选择一个区或市");
    std_cell_t *cells;
    int n;
    if (standards_matrix(r->db, r->arena, path, as_of, &cells, &n) != 0) return http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "as_of", as_of);
    standards_matrix_write(w, cells, n);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void get_rules(http_req_t *r) {
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    for (int k = 0; k < std_nrules; k++) {
        const std_rule_t *x = &std_rules[k];
        jw_obj(w);
        jw_kstr(w, "id", x->id);
        jw_kstr(w, "clause", x->clause);
        jw_kstr(w, "title", x->title);
        jw_kstr(w, "explain", x->explain);
        jw_kstr(w, "level", x->level);
        jw_kstr(w, "effective", x->effective);
        jw_kstr(w, "deadline", x->deadline_text);
        jw_kstr(w, "facts", x->facts);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "settings");
    jw_arr(w);
    db_stmt_t *s = db_prepare(
        r->db, "SELECT key, value, min_value, max_value, label, updated_at FROM standard_settings ORDER BY key");
    if (!s) return http_store_error(r);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        jw_obj(w);
        jw_kstr(w, "key", db_col_text(s, 0));
        jw_kint(w, "value", db_col_int(s, 1));
        jw_kint(w, "min", db_col_int(s, 2));
        jw_kint(w, "max", db_col_int(s, 3));
        jw_kstr(w, "label", db_col_text(s, 4));
        jw_kstr(w, "updated_at", db_col_text(s, 5));
        jw_obj_end(w);
    }
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r); /* a list cut short is not the settings */
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void put_setting(http_req_t *r) {
    const char *key = http_param(r, "key");
    db_stmt_t *s = db_prepare(r->db, "SELECT value, min_value, max_value, label FROM standard_settings WHERE key = $1");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, key, -1);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return http_error(r, 404, "not_found", "指标阈值不存在");
    }
    int64_t old = db_col_int(s, 0), lo = db_col_int(s, 1), hi = db_col_int(s, 2);
    const char *label = arena_strdup(r->arena, db_col_text(s, 3));
    db_reset(s);
    json_t *body = http_json_body(r);
    if (!body) return;
    json_t *v = json_object_get(body, "value");
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        json_decref(body);
        return http_invalid(
            r, "value",
            arena_printf(r->arena, "%s: 应为 %lld 到 %lld 之间的整数", label, (long long)lo, (long long)hi));
    }
    int64_t value = json_integer_value(v);
    json_decref(body);
    char now[21];
    iso_from_unix(now_unix(), now);
    if (db_begin(r->db) != 0) return http_store_error(r);
    s = db_prepare(r->db, "UPDATE standard_settings SET value = $1, updated_at = $2, updated_by = $3 WHERE key = $4");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, value);
    db_bind_text(s, 2, now, -1);
    db_bind_int(s, 3, auth_principal(r)->user_id);
    db_bind_text(s, 4, key, -1);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE || standards_invalidate(r->db) != 0) return http_store_error(r);
    char *detail = arena_printf(r->arena, "{\"key\":\"%s\",\"before\":%lld,\"after\":%lld}", key, (long long)old,
                                (long long)value);
    if (auth_audit(r, "standards.setting", "standard_settings", 0, "ok", detail) != 0 || db_commit(r->db) != 0)
        return http_store_error(r);
    recompute_soon(r);
    jw_obj(&r->json);
    jw_kstr(&r->json, "key", key);
    jw_kint(&r->json, "value", value);
    jw_kstr(&r->json, "label", label);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static void post_rebuild(http_req_t *r) {
    if (db_begin(r->db) != 0 || standards_invalidate(r->db) != 0 ||
        auth_audit(r, "standards.rebuild", "standard_result", 0, "ok", NULL) != 0 || db_commit(r->db) != 0)
        return http_store_error(r);
    recompute_soon(r);
    jw_obj(&r->json);
    jw_kbool(&r->json, "rebuilt", true);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/api/v1/standards/rules", get_rules, .perm = "standards.read"},
    {"GET", "/api/v1/standards/scorecard", get_scorecard, .perm = "standards.read"},
    {"GET", "/api/v1/standards/matrix", get_matrix, .perm = "standards.read"},
    {"PUT", "/api/v1/standards/settings/:key", put_setting, .perm = "standards.configure"},
    {"POST", "/api/v1/standards/rebuild", post_rebuild, .perm = "standards.configure"},
    {0},
};

/* ---- rules of business lines (std_rules_register) ---- */

static std_setting_decl_t *line_settings;
static int nline_settings, line_settings_cap;
static bool seeder_on;

/* engine_on_migrate: the registered rules' codes in standard_rule (the
 * problem list's 对应指标 shows them) and their thresholds, each inserted
 * only when the store never had it. */
static int seed_line_rules(db_t *db, char *err, size_t errlen) {
    if (db_begin(db) != 0) goto fail;
    int added = 0;
    for (int k = 0; k < std_nrules; k++) {
        const std_rule_t *x = &std_rules[k];
        db_stmt_t *s = db_prepare(db, "INSERT INTO code_items (list_key, code, label, sort, active) "
                                      "SELECT 'standard_rule', $1, $2, $3, 1 WHERE NOT EXISTS "
                                      "(SELECT 1 FROM code_items WHERE list_key = 'standard_rule' AND code = $1)");
        if (!s) goto fail;
        char label[256];
        bool numbered = x->clause[0] >= '0' && x->clause[0] <= '9';
        snprintf(label, sizeof(label), "%s%s %s", numbered ? "条款" : "", x->clause, x->title);
        db_bind_text(s, 1, x->id, -1);
        db_bind_text(s, 2, label, -1);
        db_bind_int(s, 3, 10 * (k + 1));
        int rc = db_step(s);
        added += rc == DB_DONE && db_changes(s) > 0;
        db_reset(s);
        if (rc != DB_DONE) goto fail;
    }
    for (int k = 0; k < nline_settings; k++) {
        const std_setting_decl_t *d = &line_settings[k];
        db_stmt_t *s = db_prepare(db, "INSERT INTO standard_settings (key, value, min_value, max_value, label) "
                                      "SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS "
                                      "(SELECT 1 FROM standard_settings WHERE key = $1)");
        if (!s) goto fail;
        db_bind_text(s, 1, d->key, -1);
        db_bind_int(s, 2, d->value);
        db_bind_int(s, 3, d->min);
        db_bind_int(s, 4, d->max);
        db_bind_text(s, 5, d->label, -1);
        int rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) goto fail;
    }
    /* a rule new to this store (a release added it): every date recomputed
     * by the job thread, so no scorecard lacks it */
    if (added && standards_invalidate(db) != 0) goto fail;
    if (db_commit(db) != 0) goto fail;
    if (added) codes_invalidate();
    return 0;
fail:
    snprintf(err, errlen, "写入业务条线的规范化指标失败: %s", db_errmsg(db));
    db_rollback(db);
    return -1;
}

void std_rules_register(const std_rule_t *rules, int n, const std_setting_decl_t *settings) {
    static std_rule_t *owned; /* the copy made by an earlier registration: grown, not leaked */
    std_rule_t *all = realloc(owned, sizeof(std_rule_t) * (size_t)(std_nrules + n));
    if (!all) abort();
    if (!owned) memcpy(all, std_rules, sizeof(std_rule_t) * (size_t)std_nrules);
    /* the plan's array is static; the first registration copies it, later
     * ones grow that copy (std_rule_find below reads the new one) */
    owned = all;
    std_rules = all;
    for (int i = 0; i < n; i++) {
        if (std_rule_find(rules[i].id)) {
            fprintf(stderr, "声明错误: 规范化指标 %s 重复登记\n", rules[i].id);
            abort();
        }
        all[std_nrules + i] = rules[i];
    }
    std_nrules += n;
    for (const std_setting_decl_t *d = settings; d && d->key; d++) {
        line_settings = vec_reserve(line_settings, nline_settings, &line_settings_cap, sizeof(*line_settings), 8);
        line_settings[nline_settings++] = *d;
    }
    if (!seeder_on) engine_on_migrate(seed_line_rules), seeder_on = true;
}

void standards_declare(void) {
    perm_register(standard_perms);
    engine_on_write(on_write);
    problems_declare();
    annual_reports_declare();
}

void standards_routes_register(void) {
    router_add(routes);
    annual_reports_routes_register();
}
