/* jobs.h — long work off the request threads (DESIGN.md "Performance
 * model"; issue 4 point 10).
 *
 * A handler stores the job's input (a file under the jobs folder, mode 0600)
 * and a row in `jobs` (migration 0008), answers 202 {"job": id}, and wakes
 * the job worker: one thread started by `serve`, with its own store
 * connection, that runs one job at a time.  The client polls
 *
 *   GET  /api/v1/jobs                 the caller's recent jobs
 *   GET  /api/v1/jobs/<id>            status, progress, per-row errors
 *   POST /api/v1/jobs/<id>/cancel     stop a queued or running job
 *
 * A job is visible to its creator and to users whose scope covers the
 * creator's unit (and who may read the job's entity); to everyone else it
 * does not exist (404).
 *
 * Crash safety: at start the worker marks 'failed' every job its node left
 * 'running' in a process that no longer exists ("服务重启, 任务中断, 未写入
 * 任何数据"); jobs of other nodes are failed once their heartbeat is older
 * than JOB_STALE_S.  Job kinds keep that message true by writing their
 * results and the job's final status in one transaction.  A graceful stop
 * (SIGTERM) puts a running job back in the queue. */
#ifndef SFS_JOBS_H
#define SFS_JOBS_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "util/arena.h"

#define JOB_STALE_S 600  /* another node's running job with no heartbeat this long is failed */
#define JOB_MAX_ACTIVE 5 /* queued + running jobs per user */
#define JOB_CRASH_MESSAGE "服务重启, 任务中断, 未写入任何数据"

typedef struct job {
    int64_t id;
    const char *kind, *entity;
    int64_t created_by, org_id;
    const char *username;
    const char *org_path; /* the creator's unit: the job's scope */
    json_t *options;      /* borrowed */
    const char *input;    /* full path of the input file, or NULL */
    db_t *db;             /* the worker's connection */
    arena_t *arena;       /* freed when the job ends */
    /* progress, written by job_progress */
    int64_t total, done, rejected;
    long long last_beat_us;
} job_t;

/* What a job function returns once it has recorded its outcome with
 * job_finish (inside its own transaction when it writes data). */
enum { JOB_FINISHED = 0, JOB_ABORTED = 1 /* stop requested: put back in the queue */, JOB_ERROR = -1 };

typedef int (*job_fn)(job_t *j);
/* Registers the function that runs jobs of kind (before serving). */
void job_kind_register(const char *kind, job_fn fn);

/* Records progress (at most every ~250 ms, and always when force) and the
 * heartbeat; returns true when the job should stop (cancel requested, or
 * the server is stopping: see job_stopping). */
bool job_progress(job_t *j, const char *stage, bool force);
/* True when the server is shutting down (the job should return JOB_ABORTED). */
bool job_stopping(void);
/* True when the job was cancelled (checked in memory, no query). */
bool job_cancelled(job_t *j);
/* Sets the final status ('done', 'failed', 'cancelled') with counts, an
 * optional job-level error and result JSON (a JSON object text).  Runs in
 * the caller's open transaction when there is one.  0 or a DB_* error. */
int job_finish(job_t *j, const char *status, int64_t written, const char *error, const char *result_json);

/* Creates a queued job for the request's principal: moves the file at
 * tmp_path (already in the jobs folder) to be the job's input.  Returns the
 * id, or -1 after answering (503). */
int64_t job_submit(http_req_t *r, const char *kind, const entity_t *e, json_t *options, const char *input_name);
/* The folder uploads go to (created 0700 when missing); NULL when the job
 * worker is not running in this process (then no job can be submitted). */
const char *jobs_dir(void);

/* Starts the worker thread (serve); recovers crashed jobs first.  0 or -1. */
int job_worker_start(const char *db_url);
/* Asks the worker to stop (a running job goes back to the queue) and joins it. */
void job_worker_stop(void);

void jobs_routes_register(void);
#endif
