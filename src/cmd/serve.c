/* serve.c — init, migrate and serve. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cli.h"
#include "modules/standards.h"
#include "auth/auth.h"
#include "cmd/demo.h"
#include "engine/engine.h"
#include "engine/jobs.h"
#include "engine/lease.h"
#include "engine/webhooks.h"
#include "engine/workflow.h"
#include "util/log.h"
#include "http/http.h"
#include "modules/modules.h"
#include "store/backup.h"
#include "store/db.h"

db_t *cli_open_store(const cli_opts_t *o) {
    char err[640];
    db_t *db = NULL;
    /* a broken declaration (issue 15) stops the command before the store
     * is touched: its DDL, migrations and seeds all derive from them */
    if (entity_verify_all() != 0) return NULL;
    if (strncmp(o->db_url, "sqlite:", 7) == 0) {
        /* create the folder of a relative default such as var/ */
        const char *path = o->db_url + 7;
        const char *slash = strrchr(path, '/');
        if (slash && slash != path) {
            char dir[512];
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
            mkdir(dir, 0700);
        }
    }
    if (db_open(o->db_url, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    if (db_migrate(db, err, sizeof(err)) != 0 || engine_migrate(db, err, sizeof(err)) != 0) {
        char red[512];
        db_redact_url(o->db_url, red, sizeof(red));
        fprintf(stderr, "%s: %s\n", red, err);
        db_close(db);
        return NULL;
    }
    return db;
}

int cmd_migrate(cli_opts_t *o) {
    db_t *db = cli_open_store(o);
    if (!db) return 2;
    printf("数据库已是最新结构 (版本 %lld)\n", (long long)db_query_int(db, "SELECT MAX(version) FROM schema_migrations", 0));
    db_close(db);
    return 0;
}

/* Inserts the root org unit of a non-demo store: the city bureau. */
static int64_t init_root_org(db_t *db) {
    db_stmt_t *s = db_prepare(db, "INSERT INTO org_units (parent_id, path, depth, level, name, code) "
                                  "VALUES (NULL, '/', 0, 'city', '上海市司法局', '310000') RETURNING id");
    if (!s) return -1;
    int64_t id = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    if (id < 0) return -1;
    s = db_prepare(db, "UPDATE org_units SET path = $1 WHERE id = $2");
    if (!s) return -1;
    char path[32];
    snprintf(path, sizeof(path), "/%lld/", (long long)id);
    db_bind_text(s, 1, path, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? id : -1;
}

int cmd_init(cli_opts_t *o) {
    bool nation = o->scale && strcmp(o->scale, "nation") == 0;
    if (o->scale && !nation && strcmp(o->scale, "city") != 0) {
        fprintf(stderr, "--scale 只能是 city 或 nation\n");
        return 2;
    }
    db_t *db = cli_open_store(o);
    if (!db) return 2;
    char err[512];
    keys_t keys;
    int rc = 2;
    if (db_query_int(db, "SELECT COUNT(*) FROM users", 0) > 0) {
        fprintf(stderr, "数据库已初始化 (已有账户), 未做改动\n");
        goto out;
    }
    if (keys_load_or_create(o->key_file, &keys, true, err, sizeof(err)) != 0 || roles_seed(db, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    if (o->demo) {
        if (db_query_int(db, "SELECT COUNT(*) FROM org_units", 0) == 0 && demo_seed_orgs(db, nation, err, sizeof(err)) != 0) {
            fprintf(stderr, "载入演示数据失败: %s\n", err);
            goto out;
        }
        printf("已载入演示组织机构: %lld 个司法所, %lld 个村(居)委会\n",
               (long long)db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE level = 'office'", 0),
               (long long)db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE level = 'village'", 0));
        /* the person registry's (engine_demo_register), then every business
         * line's (entity_t.demo): cmd/ names none */
        engine_demo_t d = {db, &keys, nation};
        if (engine_demo_all(&d, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            goto out;
        }
        if (init_demo_accounts(db, &keys) != 0) goto out;
        /* the demo's scorecards and problem list (at national scale the job thread does it) */
        if (!nation && (auth_init(o->key_file, false, err, sizeof(err)) != 0 || standards_daily(db, true) != 0)) {
            fprintf(stderr, "规范化指标核算失败: %s\n", db_errmsg(db));
            goto out;
        }
    } else {
        int64_t root = db_query_int(db, "SELECT MIN(id) FROM org_units WHERE parent_id IS NULL", 0);
        if (!root) {
            if (db_begin(db) != 0 || (root = init_root_org(db)) < 0 || db_commit(db) != 0) {
                db_rollback(db);
                fprintf(stderr, "创建根机构失败: %s\n", db_errmsg(db));
                goto out;
            }
        }
        if (init_first_admin(db, &keys, root) != 0) goto out;
    }
    rc = 0;
out:
    db_close(db);
    return rc;
}

/* The scheduler thread: once a period (a minute; SIFASUO_SCHEDULER_PERIOD_S
 * for tests), mark overdue workflow records and escalate them
 * (engine/workflow.c), fold the list counts, recompute the standards, and
 * hourly tidy the sessions.  Every node runs the thread, but a pass is done
 * only by the holder of the "scheduler" lease (engine/lease.h), so it runs
 * once across the nodes; the lease lasts three periods (at least two
 * minutes), so when its holder dies another node takes over within that.
 * Its own store connection; stops with the server, giving the lease up. */
static volatile int jobs_stop;
static const cli_opts_t *jobs_opts;

static int scheduler_period_s(void) {
    const char *env = getenv("SIFASUO_SCHEDULER_PERIOD_S");
    long v = env ? strtol(env, NULL, 10) : 0;
    return v >= 1 && v <= 3600 ? (int)v : 60;
}

static void *jobs_main(void *arg) {
    (void)arg;
    db_t *db = NULL;
    char err[512];
    if (db_open(jobs_opts->db_url, &db, err, sizeof(err)) != 0) {
        log_error("job thread: %s", err);
        return NULL;
    }
    int period = scheduler_period_s();
    /* three periods, and never under two minutes: a pass (the standards'
     * daily recomputation) must end before the lease runs out, or another
     * node would start one beside it */
    int lease_s = 3 * period > 120 ? 3 * period : 120;
    bool leading = false;
    for (int64_t pass = 0; !jobs_stop;) {
        int held = lease_hold(db, "scheduler", lease_s);
        if (held < 0) log_error("scheduler: cannot take its lease: %s", db_errmsg(db));
        if ((held == 1) != leading)
            log_info("scheduler: %s", held == 1 ? "this node runs the passes (lease taken)" : "another node runs the passes");
        leading = held == 1;
        if (leading) {
            int n = wf_scheduler_tick(db, auth_keys());
            if (n > 0) log_info("scheduler: escalated %d overdue record(s)", n);
            engine_fold_counts(db);
            engine_merge_search(db);
            if (pass % (3600 / period > 0 ? 3600 / period : 1) == 0) auth_housekeeping(db);
            if (standards_daily(db, false) != 0) log_error("standards: the daily recomputation failed: %s", db_errmsg(db));
            pass++;
        }
        for (int i = 0; i < period && !jobs_stop; i++) sleep(1);
    }
    if (leading) lease_release(db, "scheduler");
    db_close(db);
    return NULL;
}

/* `sifasuo scheduler` runs one pass now (cron, tests with SIFASUO_NOW). */
int cmd_scheduler(cli_opts_t *o) {
    db_t *db = cli_open_store(o);
    if (!db) return 2;
    keys_t keys;
    char err[512];
    if (keys_load_or_create(o->key_file, &keys, false, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        db_close(db);
        return 2;
    }
    int n = wf_scheduler_tick(db, &keys);
    engine_fold_counts(db);
    engine_merge_search(db);
    db_close(db);
    if (n < 0) {
        fprintf(stderr, "到期检查失败\n");
        return 1;
    }
    printf("到期检查完成: 升级督办 %d 条\n", n);
    return 0;
}

int cmd_serve(cli_opts_t *o) {
    if (o->db_replica && (strncmp(o->db_url, "sqlite:", 7) == 0 || strncmp(o->db_replica, "sqlite:", 7) == 0)) {
        fprintf(stderr, "--db-replica 只用于 PostgreSQL: 主库与备库都须是 postgresql://… 地址\n");
        return 2;
    }
    db_t *db = cli_open_store(o);
    if (!db) return 2;
    char err[512];
    int rc = roles_seed(db, err, sizeof(err));
    /* keys are made for an empty store only: a wrong --key-file on a store
     * with data must stop the server, not silently start a new key set */
    bool fresh = db_query_int(db, "SELECT COUNT(*) FROM users", 1) == 0 &&
                 db_query_int(db, "SELECT COUNT(*) FROM audit_log", 1) == 0;
    db_close(db);
    /* the serve lock (store/backup.h): `restore` refuses while it is held */
    if (strncmp(o->db_url, "sqlite:", 7) == 0 && sqlite_hold_serve_lock(o->db_url + 7) == -2) {
        fprintf(stderr, "数据库 %s 正在恢复, 请在恢复完成后再启动服务\n", o->db_url + 7);
        return 2;
    }
    if (rc != 0 || auth_init(o->key_file, fresh, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* one access-log line per write */
    modules_register();
    /* 三员分立: a token reaching personal information lives at most 90 days,
     * also one granted before that rule (the entities are declared now) */
    if ((db = cli_open_store(o))) {
        int n = grants_expire_pi_tokens(db, auth_keys());
        if (n < 0) log_error("could not bring the expiry of personal-information tokens within 90 days: %s", db_errmsg(db));
        else if (n > 0) log_info("brought the expiry of %d personal-information token(s) within 90 days", n);
        db_close(db);
    }
    /* a worker waits on each PostgreSQL round trip (libpq is synchronous):
     * by default four per core keep the cores busy while some wait (each
     * is one connection: at most 64, under PostgreSQL's default of 100);
     * on SQLite the calls are in-process, one per core */
    int workers = o->workers;
    if (workers <= 0 && strncmp(o->db_url, "sqlite:", 7) != 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        workers = cores < 1 ? 4 : cores > 16 ? 64 : (int)cores * 4;
    }
    server_config_t cfg = {
        .listen = o->listen,
        .workers = workers,
        .db_url = o->db_url,
        .db_replica_url = o->db_replica,
        .web_root = o->web_root,
        .max_conns = o->max_conns,
        .idle_timeout_s = o->idle_timeout,
        .header_timeout_s = o->header_timeout,
        .body_timeout_s = 60,
        .tls_cert = o->tls_cert,
        .tls_key = o->tls_key,
        .trusted_proxy = o->trusted_proxy,
        .public_listen = o->public_listen,
        .quiet = o->quiet,
    };
    jobs_opts = o;
    /* SIGTERM/SIGINT blocked before any thread starts, so every thread
     * inherits the mask and a stop signal waits for http_serve's sigwait:
     * a job thread started unblocked would take a signal sent before that
     * sigwait and die by it (exit -15 instead of a graceful stop). */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    /* the job worker: imports and other long work (engine/jobs.h) */
    if (job_worker_start(o->db_url) != 0) log_warn("job worker not started: imports are unavailable");
    /* webhook deliveries (engine/webhooks.h): off, logged, without SM3 */
    webhooks_worker_start(o->db_url);
    pthread_t jobs;
    bool have_jobs = pthread_create(&jobs, NULL, jobs_main, NULL) == 0;
    rc = http_serve(&cfg);
    job_worker_stop(); /* engine/jobs.h: a running job goes back to the queue */
    webhooks_worker_stop();
    jobs_stop = 1;
    if (have_jobs) pthread_join(jobs, NULL);
    return rc;
}

/* `sifasuo routes`: the route table as served, one "METHOD PATTERN FLAGS"
 * line each (portal / public / -), for operators and for the test that the
 * public listener answers none of the staff routes (tests/api/test_portal.py). */
static void print_route(const route_t *rt, void *arg) {
    (void)arg;
    printf("%s %s %s\n", rt->method, rt->pattern,
           rt->flags & ROUTE_PORTAL ? "portal" : rt->flags & ROUTE_PUBLIC ? "public" : "-");
}

int cmd_routes(cli_opts_t *o) {
    (void)o;
    modules_register();
    router_each(print_route, NULL);
    return 0;
}
