/* jobs.c — the job queue, the job worker thread and /api/v1/jobs (jobs.h). */
#include "engine/jobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/lease.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/vec.h"

/* ---- process-wide state ---- */

static struct kind {
    const char *kind;
    job_fn fn;
} * kinds; /* grows (registered at start) */
static int nkinds, kinds_cap;

static char g_dir[1024];   /* "" when the worker is not running here */
static char g_node[256];   /* this host */
static char g_worker[320]; /* "host pid start" of this process */
static char *g_url;        /* the store, for the worker's own connection */
static pthread_t g_thread;
static bool g_started;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_pending; /* submissions since the worker last looked */
static atomic_bool g_stop;
static atomic_llong g_running_id; /* the job this process is running, 0 if none */
static atomic_llong g_cancel_id;  /* a cancel asked of that job */

void job_kind_register(const char *kind, job_fn fn) {
    for (int i = 0; i < nkinds; i++)
        if (strcmp(kinds[i].kind, kind) == 0) return;
    kinds = vec_reserve(kinds, nkinds, &kinds_cap, sizeof(*kinds), 16);
    kinds[nkinds++] = (struct kind){kind, fn};
}

static job_fn kind_find(const char *kind) {
    for (int i = 0; i < nkinds; i++)
        if (kind && strcmp(kinds[i].kind, kind) == 0) return kinds[i].fn;
    return NULL;
}

const char *jobs_dir(void) { return g_dir[0] ? g_dir : NULL; }

static long long mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void now_iso(char out[21]) { iso_from_unix(now_unix(), out); }

static void wake(void) {
    pthread_mutex_lock(&g_mu);
    g_pending++;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* ---- what a running job calls ---- */

bool job_stopping(void) { return atomic_load(&g_stop); }

bool job_cancelled(job_t *j) { return atomic_load(&g_cancel_id) == j->id; }

bool job_progress(job_t *j, const char *stage, bool force) {
    long long now = mono_us();
    bool stop = job_cancelled(j) || job_stopping();
    if (stop || db_in_tx(j->db) || (!force && now - j->last_beat_us < 250000)) return stop;
    j->last_beat_us = now;
    char at[21];
    now_iso(at);
    db_stmt_t *s =
        db_prepare(j->db, "UPDATE jobs SET total = $1, done = $2, rejected = $3, stage = $4, heartbeat_at = $5 "
                          "WHERE id = $6 RETURNING cancel_requested");
    if (!s) return false;
    db_bind_int(s, 1, j->total);
    db_bind_int(s, 2, j->done);
    db_bind_int(s, 3, j->rejected);
    db_bind_text(s, 4, stage, -1);
    db_bind_text(s, 5, at, -1);
    db_bind_int(s, 6, j->id);
    bool cancel = db_step(s) == DB_ROW && db_col_int(s, 0) != 0;
    db_reset(s);
    if (cancel) atomic_store(&g_cancel_id, j->id); /* asked through another process */
    return cancel;
}

int job_finish(job_t *j, const char *status, int64_t written, const char *error, const char *result_json) {
    char at[21];
    now_iso(at);
    /* only while the job is still ours: if another process has declared it
     * dead meanwhile, the caller's transaction must not commit */
    db_stmt_t *s = db_prepare(j->db, "UPDATE jobs SET status = $1, stage = NULL, finished_at = $2, heartbeat_at = $2, "
                                     "total = $3, done = $4, rejected = $5, written = $6, error = $7, result = $8, "
                                     "cancel_requested = CASE WHEN $1 = 'cancelled' THEN 1 ELSE cancel_requested END "
                                     "WHERE id = $9 AND status = 'running' AND worker = $10");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, status, -1);
    db_bind_text(s, 2, at, -1);
    db_bind_int(s, 3, j->total);
    db_bind_int(s, 4, j->done);
    db_bind_int(s, 5, j->rejected);
    db_bind_int(s, 6, written);
    db_bind_text(s, 7, error, -1);
    db_bind_text(s, 8, result_json, -1);
    db_bind_int(s, 9, j->id);
    db_bind_text(s, 10, g_worker, -1);
    int rc = db_step(s);
    int64_t n = rc == DB_DONE ? db_changes(s) : 0;
    db_reset(s);
    if (rc == DB_DONE && n != 1) {
        log_error("job %lld: no longer running under this process", (long long)j->id);
        return DB_ERR;
    }
    return rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

/* ---- submitting ---- */

int64_t job_submit(http_req_t *r, const char *kind, const entity_t *e, json_t *options, const char *input_name) {
    const principal_t *p = auth_principal(r);
    char at[21];
    now_iso(at);
    char *opts = json_dumps(options, JSON_COMPACT);
    db_stmt_t *s =
        db_prepare(r->db, "INSERT INTO jobs (kind, entity, status, created_by, created_by_name, org_id, created_at, "
                          "node, options, input) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9) RETURNING id");
    int64_t id = -1;
    if (s && db_begin(r->db) == 0) {
        db_bind_text(s, 1, kind, -1);
        db_bind_text(s, 2, e ? e->name : NULL, -1);
        if (p->user_id)
            db_bind_int(s, 3, p->user_id);
        else
            db_bind_null(s, 3);
        db_bind_text(s, 4, p->username, -1);
        db_bind_int(s, 5, p->org_id);
        db_bind_text(s, 6, at, -1);
        db_bind_text(s, 7, g_node, -1);
        db_bind_text(s, 8, opts, -1);
        db_bind_text(s, 9, input_name, -1);
        id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
        db_reset(s);
        if (id < 0 || db_commit(r->db) != 0) id = -1;
    }
    free(opts);
    if (id < 0) {
        http_store_error(r);
        return -1;
    }
    wake();
    return id;
}

/* ---- reading and cancelling: /api/v1/jobs ---- */

static const char *status_label(const char *st) {
    if (!st) return "";
    if (!strcmp(st, "queued")) return "排队中";
    if (!strcmp(st, "running")) return "进行中";
    if (!strcmp(st, "done")) return "已完成";
    if (!strcmp(st, "failed")) return "失败";
    if (!strcmp(st, "cancelled")) return "已取消";
    return st;
}

#define JOB_COLS                                                                                                       \
    "j.id, j.kind, j.entity, j.status, j.stage, j.created_by, j.created_by_name, j.created_at, j.started_at, "         \
    "j.finished_at, j.total, j.done, j.rejected, j.written, j.options, j.result, j.error, j.cancel_requested, "        \
    "o.path, "                                                                                                         \
    "j.node, j.input"

/* The job with its scope check: the statement positioned on the row, or
 * NULL after answering 404/503. */
static db_stmt_t *load_job(http_req_t *r, int64_t id) {
    db_stmt_t *s =
        db_prepare(r->db, "SELECT " JOB_COLS " FROM jobs j JOIN org_units o ON o.id = j.org_id WHERE j.id = $1");
    if (!s) {
        http_store_error(r);
        return NULL;
    }
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        const principal_t *p = auth_principal(r);
        bool mine = p->user_id && !db_col_null(s, 5) && db_col_int(s, 5) == p->user_id;
        bool ok = mine;
        if (!ok && scope_covers(r, db_col_text(s, 18))) {
            const entity_t *e = db_col_null(s, 2) ? NULL : entity_find(db_col_text(s, 2));
            char perm[160];
            snprintf(perm, sizeof(perm), "%s.read", e ? e->perm : "");
            ok = !e || auth_can(p, perm);
        }
        if (ok) return s;
    }
    db_reset(s);
    if (rc < 0)
        http_store_error(r);
    else
        http_error(r, 404, "not_found", "任务不存在");
    return NULL;
}

static void write_job(http_req_t *r, db_stmt_t *s, bool full) {
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 0));
    jw_kstr(w, "kind", db_col_text(s, 1));
    jw_kstr(w, "entity", db_col_text(s, 2));
    const entity_t *e = db_col_null(s, 2) ? NULL : entity_find(db_col_text(s, 2));
    jw_kstr(w, "entity_label", e ? e->label : NULL);
    jw_kstr(w, "status", db_col_text(s, 3));
    jw_kstr(w, "status_label", status_label(db_col_text(s, 3)));
    jw_kstr(w, "stage", db_col_text(s, 4));
    jw_kstr(w, "created_by", db_col_text(s, 6));
    jw_kstr(w, "created_at", db_col_text(s, 7));
    jw_kstr(w, "started_at", db_col_text(s, 8));
    jw_kstr(w, "finished_at", db_col_text(s, 9));
    jw_kint(w, "total", db_col_int(s, 10));
    jw_kint(w, "done", db_col_int(s, 11));
    jw_kint(w, "rejected", db_col_int(s, 12));
    jw_kint(w, "written", db_col_int(s, 13));
    jw_kstr(w, "error", db_col_text(s, 16));
    jw_kbool(w, "cancel_requested", db_col_int(s, 17) != 0);
    /* options, minus what only the audit needs */
    json_t *opt = db_col_null(s, 14) ? NULL : json_loads(db_col_text(s, 14), 0, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(opt, k, v) {
        if (!strcmp(k, "ip") || !strcmp(k, "user_agent") || !strcmp(k, "access")) continue;
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (t) {
            jw_key(w, k);
            jw_raw(w, t);
            free(t);
        }
    }
    json_decref(opt);
    bool have_errors = false;
    if (full) {
        /* the result's members (errors, columns, timings…) */
        json_t *res = db_col_null(s, 15) ? NULL : json_loads(db_col_text(s, 15), 0, NULL);
        json_object_foreach(res, k, v) {
            char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            if (t) {
                jw_key(w, k);
                jw_raw(w, t);
                free(t);
                have_errors = have_errors || !strcmp(k, "errors");
            }
        }
        json_decref(res);
    }
    if (full && !have_errors) {
        jw_key(w, "errors");
        jw_arr(w);
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

static void get_job(http_req_t *r) {
    db_stmt_t *s = load_job(r, http_param_id(r, "id"));
    if (!s) return;
    write_job(r, s, true);
    db_reset(s);
    http_send_json(r, 200);
}

static void list_jobs(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    db_stmt_t *s = db_prepare(r->db, "SELECT " JOB_COLS " FROM jobs j JOIN org_units o ON o.id = j.org_id "
                                     "WHERE j.created_by = $1 ORDER BY j.id DESC LIMIT 50");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, p->user_id);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW)
        write_job(r, s, false);
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(w);
    jw_obj_end(w);
    http_send_json(r, 200);
}

static void unlink_input(const char *node, const char *name) {
    if (!name || !node || strcmp(node, g_node) != 0 || !g_dir[0] || strchr(name, '/')) return;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    if (unlink(path) != 0 && errno != ENOENT) log_warn("jobs: cannot delete %s: %s", path, strerror(errno));
}

static void cancel_job(http_req_t *r) {
    int64_t id = http_param_id(r, "id");
    db_stmt_t *s = load_job(r, id);
    if (!s) return;
    char status[16];
    snprintf(status, sizeof(status), "%s", db_col_text(s, 3));
    const entity_t *e = db_col_null(s, 2) ? NULL : entity_find(db_col_text(s, 2));
    bool mine = auth_principal(r)->user_id && !db_col_null(s, 5) && db_col_int(s, 5) == auth_principal(r)->user_id;
    char *node = arena_strdup(r->arena, db_col_text(s, 19) ? db_col_text(s, 19) : "");
    char *input = db_col_null(s, 20) ? NULL : arena_strdup(r->arena, db_col_text(s, 20));
    db_reset(s);
    if (!mine) {
        char perm[160];
        snprintf(perm, sizeof(perm), "%s.import", e ? e->perm : "");
        if (!e || !auth_can(auth_principal(r), perm))
            return http_error(r, 403, "forbidden", "只有任务的提交人或有导入权限的管理人员可以取消");
    }
    if (strcmp(status, "queued") != 0 && strcmp(status, "running") != 0)
        return http_error(r, 409, "job_finished", "任务已结束, 无法取消");
    /* a running job of this process notices at once, without waiting for
     * the row (which its open transaction may be holding) */
    if (atomic_load(&g_running_id) == id) atomic_store(&g_cancel_id, id);
    char at[21];
    now_iso(at);
    if (db_begin(r->db) != 0) return http_store_error(r);
    s = db_prepare(
        r->db, "UPDATE jobs SET status = 'cancelled', cancel_requested = 1, finished_at = $1, error = $2, input = NULL "
               "WHERE id = $3 AND status = 'queued'");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, at, -1);
    db_bind_text(s, 2, "已取消, 未写入任何数据", -1);
    db_bind_int(s, 3, id);
    int rc = db_step(s);
    bool was_queued = rc == DB_DONE && db_changes(s) == 1;
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    if (!was_queued) {
        s = db_prepare(r->db, "UPDATE jobs SET cancel_requested = 1 WHERE id = $1 AND status = 'running'");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, id);
        rc = db_step(s);
        db_reset(s);
        if (rc != DB_DONE) return http_store_error(r);
    }
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"entity\":\"%s\",\"was\":\"%s\"}", e ? e->name : "",
             was_queued ? "queued" : "running");
    if (auth_audit(r, "job.cancel", "jobs", id, "ok", detail) != 0 || db_commit(r->db) != 0) return http_store_error(r);
    if (was_queued) unlink_input(node, input);
    s = load_job(r, id);
    if (!s) return;
    write_job(r, s, true);
    db_reset(s);
    http_send_json(r, 200);
}

static const route_t job_routes[] = {
    {"GET", "/api/v1/jobs", list_jobs},
    {"GET", "/api/v1/jobs/:id", get_job},
    {"POST", "/api/v1/jobs/:id/cancel", cancel_job},
    {0},
};

void jobs_routes_register(void) { router_add(job_routes); }

/* ---- the worker ---- */

/* Fails the 'running' jobs whose process is gone: on this node, a process
 * that no longer exists (or an earlier life of this pid); elsewhere, a
 * heartbeat older than JOB_STALE_S. */
static void recover(db_t *db) {
    db_stmt_t *s = db_prepare(db, "SELECT id, node, worker, heartbeat_at, input FROM jobs WHERE status = 'running'");
    if (!s) return;
    struct {
        int64_t id;
        char worker[320], node[256], input[128];
        bool has_input;
    } dead[64];
    int n = 0, step = DB_DONE;
    int64_t now = now_unix();
    while (n < 64 && (step = db_step(s)) == DB_ROW) {
        const char *node = db_col_text(s, 1), *worker = db_col_text(s, 2) ? db_col_text(s, 2) : "";
        if (strcmp(worker, g_worker) == 0) continue; /* ours, alive */
        char host[256];
        long pid = 0;
        long long start = 0;
        /* a heartbeat this old means a dead process anywhere (a job's write
         * transaction beats no heart, but takes seconds, not JOB_STALE_S);
         * on this host a gone pid, or our own pid (an earlier life of this
         * pid: we have claimed nothing yet), says so at once */
        int64_t beat = 0;
        bool crashed = db_col_null(s, 3) || !unix_from_iso(db_col_text(s, 3), &beat) || now - beat > JOB_STALE_S;
        if (!crashed && sscanf(worker, "%255s %ld %lld", host, &pid, &start) == 3 && strcmp(host, g_node) == 0)
            crashed = pid == (long)getpid() || pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
        if (!crashed) continue;
        dead[n].id = db_col_int(s, 0);
        snprintf(dead[n].worker, sizeof(dead[n].worker), "%s", worker);
        snprintf(dead[n].node, sizeof(dead[n].node), "%s", node ? node : "");
        dead[n].has_input = !db_col_null(s, 4);
        snprintf(dead[n].input, sizeof(dead[n].input), "%s", dead[n].has_input ? db_col_text(s, 4) : "");
        n++;
    }
    db_reset(s);
    if (step < 0) { /* the next pass looks again */
        log_error("jobs: reading the running jobs: %s", db_errmsg(db));
        return;
    }
    char at[21];
    now_iso(at);
    for (int i = 0; i < n; i++) {
        s = db_prepare(db,
                       "UPDATE jobs SET status = 'failed', stage = NULL, error = $1, finished_at = $2, input = NULL "
                       "WHERE id = $3 AND status = 'running' AND worker = $4");
        if (!s) return;
        db_bind_text(s, 1, JOB_CRASH_MESSAGE, -1);
        db_bind_text(s, 2, at, -1);
        db_bind_int(s, 3, dead[i].id);
        db_bind_text(s, 4, dead[i].worker, -1);
        int rc = db_step(s);
        bool changed = rc == DB_DONE && db_changes(s) == 1;
        db_reset(s);
        if (changed) {
            log_warn("job %lld: interrupted (worker \"%s\" is gone), marked failed", (long long)dead[i].id,
                     dead[i].worker);
            if (dead[i].has_input) unlink_input(dead[i].node, dead[i].input);
        }
    }
}

/* Deletes upload files no queued or running job names (a crash between
 * writing the file and committing its row), once they are an hour old. */
static void sweep_orphans(db_t *db) {
    DIR *d = opendir(g_dir);
    if (!d) return;
    struct dirent *de;
    time_t now = time(NULL);
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "in-", 3) != 0) continue;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", g_dir, de->d_name);
        struct stat st;
        if (lstat(path, &st) != 0 || now - st.st_mtime < 3600) continue;
        db_stmt_t *s = db_prepare(db, "SELECT COUNT(*) FROM jobs WHERE input = $1 AND status IN ('queued', 'running')");
        if (!s) break;
        db_bind_text(s, 1, de->d_name, -1);
        int64_t used = db_step(s) == DB_ROW ? db_col_int(s, 0) : 1;
        db_reset(s);
        if (!used) unlink(path);
    }
    closedir(d);
}

/* Claims the oldest queued job of this node and runs it.  Returns true when
 * there was one. */
static bool run_one(db_t *db) {
    char at[21];
    now_iso(at);
    db_stmt_t *s = db_prepare(
        db, "UPDATE jobs SET status = 'running', started_at = $1, heartbeat_at = $1, worker = $2, stage = NULL "
            "WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND node = $3 ORDER BY id LIMIT 1) "
            "AND status = 'queued' "
            "RETURNING id, kind, entity, created_by, created_by_name, org_id, options, input");
    if (!s) return false;
    db_bind_text(s, 1, at, -1);
    db_bind_text(s, 2, g_worker, -1);
    db_bind_text(s, 3, g_node, -1);
    if (db_step(s) != DB_ROW) {
        db_reset(s);
        return false;
    }
    arena_t arena;
    arena_init(&arena);
    job_t j = {.id = db_col_int(s, 0),
               .kind = arena_strdup(&arena, db_col_text(s, 1)),
               .entity = db_col_null(s, 2) ? NULL : arena_strdup(&arena, db_col_text(s, 2)),
               .created_by = db_col_null(s, 3) ? 0 : db_col_int(s, 3),
               .username = db_col_null(s, 4) ? NULL : arena_strdup(&arena, db_col_text(s, 4)),
               .org_id = db_col_int(s, 5),
               .db = db,
               .arena = &arena};
    j.options = db_col_null(s, 6) ? json_object() : json_loads(db_col_text(s, 6), 0, NULL);
    if (!j.options) j.options = json_object();
    char *input_name = db_col_null(s, 7) ? NULL : arena_strdup(&arena, db_col_text(s, 7));
    db_reset(s);
    if (input_name && !strchr(input_name, '/')) j.input = arena_printf(&arena, "%s/%s", g_dir, input_name);
    atomic_store(&g_cancel_id, 0);
    atomic_store(&g_running_id, j.id);
    s = db_prepare(db, "SELECT path FROM org_units WHERE id = $1");
    if (s) {
        db_bind_int(s, 1, j.org_id);
        if (db_step(s) == DB_ROW) j.org_path = arena_strdup(&arena, db_col_text(s, 0));
        db_reset(s);
    }
    job_fn fn = kind_find(j.kind);
    int rc = JOB_ERROR;
    long long t0 = mono_us();
    if (fn && j.org_path) rc = fn(&j);
    if (db_in_tx(db)) db_rollback(db);
    if (rc == JOB_ABORTED && job_stopping()) {
        /* a graceful stop: back to the queue, run again after the restart */
        s = db_prepare(db, "UPDATE jobs SET status = 'queued', stage = NULL, started_at = NULL, worker = NULL, "
                           "total = 0, done = 0, rejected = 0 WHERE id = $1 AND status = 'running'");
        if (s) {
            db_bind_int(s, 1, j.id);
            db_step(s);
            db_reset(s);
        }
        log_info("job %lld: server stopping, put back in the queue", (long long)j.id);
    } else {
        if (rc != JOB_FINISHED)
            job_finish(&j, job_cancelled(&j) ? "cancelled" : "failed", 0,
                       job_cancelled(&j) ? "已取消, 未写入任何数据"
                       : !fn             ? "未知的任务类型"
                                         : "任务执行出错, 未写入任何数据",
                       NULL);
        if (input_name) {
            unlink_input(g_node, input_name);
            s = db_prepare(db, "UPDATE jobs SET input = NULL WHERE id = $1");
            if (s) {
                db_bind_int(s, 1, j.id);
                db_step(s);
                db_reset(s);
            }
        }
        log_info("job %lld (%s %s): finished in %lld ms", (long long)j.id, j.kind, j.entity ? j.entity : "",
                 (mono_us() - t0) / 1000);
    }
    atomic_store(&g_running_id, 0);
    atomic_store(&g_cancel_id, 0);
    json_decref(j.options);
    arena_free(&arena);
    return true;
}

static void *worker_main(void *arg) {
    (void)arg;
    db_t *db = NULL;
    char err[640];
    if (db_open(g_url, &db, err, sizeof(err)) != 0) {
        log_error("job worker: %s", err);
        return NULL;
    }
    recover(db);
    sweep_orphans(db);
    time_t last_check = time(NULL);
    while (!atomic_load(&g_stop)) {
        pthread_mutex_lock(&g_mu);
        g_pending = 0;
        pthread_mutex_unlock(&g_mu);
        if (run_one(db)) continue;
        if (time(NULL) - last_check >= 60) {
            last_check = time(NULL);
            if (!db_ping(db)) {
                /* the store went away (a PostgreSQL restart): reconnect */
                db_t *fresh = NULL;
                if (db_open(g_url, &fresh, err, sizeof(err)) == 0) {
                    db_close(db);
                    db = fresh;
                }
            }
            recover(db);
        }
        pthread_mutex_lock(&g_mu);
        if (!g_pending && !atomic_load(&g_stop)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 2;
            pthread_cond_timedwait(&g_cv, &g_mu, &until);
        }
        pthread_mutex_unlock(&g_mu);
    }
    db_close(db);
    return NULL;
}

/* The uploads folder: SIFASUO_JOBS_DIR, else "jobs" beside a SQLite file,
 * else var/jobs. */
static int make_dir(const char *db_url) {
    const char *env = getenv("SIFASUO_JOBS_DIR");
    if (env && *env)
        snprintf(g_dir, sizeof(g_dir), "%s", env);
    else if (strncmp(db_url, "sqlite:", 7) == 0) {
        const char *path = db_url + 7;
        const char *slash = strrchr(path, '/');
        if (slash)
            snprintf(g_dir, sizeof(g_dir), "%.*s/jobs", (int)(slash - path), path);
        else
            snprintf(g_dir, sizeof(g_dir), "jobs");
    } else {
        mkdir("var", 0700);
        snprintf(g_dir, sizeof(g_dir), "var/jobs");
    }
    if (mkdir(g_dir, 0700) != 0 && errno != EEXIST) {
        log_error("jobs: cannot create %s: %s", g_dir, strerror(errno));
        g_dir[0] = '\0';
        return -1;
    }
    chmod(g_dir, 0700);
    return 0;
}

int job_worker_start(const char *db_url) {
    if (g_started) return 0;
    /* "host pid start" names this process, as a lease holder does; the node is its host */
    snprintf(g_worker, sizeof(g_worker), "%s", lease_self());
    snprintf(g_node, sizeof(g_node), "%.*s", (int)strcspn(g_worker, " "), g_worker);
    if (make_dir(db_url) != 0) return -1;
    g_url = strdup(db_url);
    atomic_store(&g_stop, false);
    if (!g_url || pthread_create(&g_thread, NULL, worker_main, NULL) != 0) {
        g_dir[0] = '\0';
        return -1;
    }
    g_started = true;
    return 0;
}

void job_worker_stop(void) {
    if (!g_started) return;
    atomic_store(&g_stop, true);
    pthread_mutex_lock(&g_mu);
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
    pthread_join(g_thread, NULL);
    g_started = false;
    g_dir[0] = '\0';
    free(g_url);
    g_url = NULL;
}
