/* replica.c — reads from a hot standby with read-your-writes (issue 26
 * point 3; docs/operations.md "只读备库").
 *
 * With `serve --db-replica URL`, each worker keeps a second connection, to a
 * PostgreSQL hot standby, beside its primary one.  Handlers whose reads may
 * be a moment behind other sessions' writes — lists, statistics, scorecards
 * — take their connection from http_read_db(); everything else, and every
 * write, stays on the primary.
 *
 * Read-your-writes: after a signed-in session's write succeeds, the reply
 * carries the cookie sfs_lsn = the primary's WAL insert position after the
 * commit (at or past the commit record).  A later read of that session on
 * any node waits, at most REPLICA_WAIT_MS, for the standby's replay position
 * to pass it, and reads the primary when it does not.  The cookie lives
 * LSN_COOKIE_AGE seconds: a standby further behind than that is a fault the
 * operator's monitoring reports (pg_stat_replication), not something each
 * read should pay for.  The value is not secret; a forged one can only make
 * its own session read the primary.
 *
 * A standby that fails is dropped and tried again after REPLICA_RETRY_S;
 * meanwhile reads go to the primary.  It is checked once per
 * REPLICA_CHECK_US (still answering, still in recovery: a promoted standby
 * is a primary that no writes reach, so it is left alone). */
#include "http/replica.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/timeutil.h"

#define LSN_COOKIE "sfs_lsn"
#define LSN_COOKIE_AGE 60
#define REPLICA_WAIT_MS 200
#define REPLICA_RETRY_S 5
#define REPLICA_CHECK_US 1000000LL

static void replica_drop(struct worker *w, const char *why) {
    log_warn("replica: %s; reading from the primary for %d s", why, REPLICA_RETRY_S);
    db_close(w->replica);
    w->replica = NULL;
    w->replica_retry_us = time_mono_us() + REPLICA_RETRY_S * 1000000LL;
}

/* The worker's standby connection, opened or checked when due; NULL when
 * there is none (not configured, or down). */
static db_t *replica_of(struct worker *w) {
    long long now = time_mono_us();
    if (!w->replica) {
        if (now < w->replica_retry_us) return NULL;
        char err[640];
        if (db_open(w->cfg->db_replica_url, &w->replica, err, sizeof(err)) != 0) {
            w->replica = NULL;
            replica_drop(w, err);
            return NULL;
        }
        w->replica_checked_us = 0;
    }
    if (now - w->replica_checked_us >= REPLICA_CHECK_US) {
        if (db_query_int(w->replica, "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END", -1) != 1) {
            replica_drop(w, "the standby does not answer, or is no longer in recovery");
            return NULL;
        }
        w->replica_checked_us = now;
    }
    return w->replica;
}

/* An LSN as PostgreSQL prints it: two hexadecimal numbers of up to 8 digits. */
static bool lsn_valid(const char *v) {
    size_t a = strspn(v, "0123456789ABCDEFabcdef");
    if (a < 1 || a > 8 || v[a] != '/') return false;
    size_t b = strspn(v + a + 1, "0123456789ABCDEFabcdef");
    return b >= 1 && b <= 8 && !v[a + 1 + b];
}

/* 1 when the standby has replayed lsn, 0 when not yet, negative on error. */
static int replayed(db_t *rep, const char *lsn) {
    db_stmt_t *s = db_prepare(rep, "SELECT CASE WHEN pg_last_wal_replay_lsn() >= CAST($1 AS pg_lsn) THEN 1 ELSE 0 END");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, lsn, -1);
    int rc = db_step(s);
    int ok = rc == DB_ROW ? (int)db_col_int(s, 0) : rc < 0 ? rc : DB_ERR;
    db_reset(s);
    return ok;
}

db_t *http_read_db(http_req_t *r) {
    if (r->read_db) return r->read_db;
    r->read_db = r->db;
    struct worker *w = r->w;
    if (!w || !w->cfg->db_replica_url || strcmp(r->method, "GET") != 0 || db_in_tx(r->db)) return r->db;
    db_t *rep = replica_of(w);
    if (!rep) return r->db;
    const char *lsn = http_cookie(r, LSN_COOKIE);
    if (lsn && lsn_valid(lsn)) {
        /* usually replayed within a millisecond on a LAN: poll 0.5, 1, 2 … ms */
        long long start = time_mono_us(), pause = 500;
        int ok;
        while ((ok = replayed(rep, lsn)) == 0 && time_mono_us() - start < REPLICA_WAIT_MS * 1000LL) {
            usleep((useconds_t)pause);
            if (pause < 20000) pause *= 2;
        }
        if (ok < 0) replica_drop(w, db_errmsg(rep));
        if (ok != 1) {
            http_set_header(r, "X-Sifasuo-Read", "primary");
            return r->db;
        }
    }
    http_set_header(r, "X-Sifasuo-Read", "replica");
    r->read_db = rep;
    return rep;
}

void replica_note_write(http_req_t *r) {
    if (!r->w || !r->w->cfg->db_replica_url || r->status < 200 || r->status > 299 || r->user_id <= 0) return;
    if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD") || !strcmp(r->method, "OPTIONS")) return;
    if (db_in_tx(r->db)) return; /* not committed yet: no position to wait for */
    db_stmt_t *s = db_prepare(r->db, "SELECT CAST(pg_current_wal_insert_lsn() AS TEXT)");
    if (!s) return;
    char lsn[40] = "";
    if (db_step(s) == DB_ROW && db_col_text(s, 0)) snprintf(lsn, sizeof(lsn), "%s", db_col_text(s, 0));
    db_reset(s);
    if (!lsn_valid(lsn)) return;
    /* Secure exactly when the session's own cookie is (auth/session.c) */
    bool secure = http_cookie(r, "__Host-sid") != NULL;
    http_set_header(r, "Set-Cookie",
                    arena_printf(r->arena, LSN_COOKIE "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", lsn,
                                 LSN_COOKIE_AGE, secure ? "; Secure" : ""));
}

void replica_store_error(http_req_t *r) {
    if (!r->w || !r->w->replica || r->read_db != r->w->replica) return;
    replica_drop(r->w, db_errmsg(r->w->replica));
    r->read_db = r->db;
}
