-- 0008: background jobs (issue 4 points 9–11; src/engine/jobs.h).
-- A job is long work the request thread hands to the job worker: today CSV
-- imports.  The uploaded file lives under the jobs folder of the node that
-- received it (input = file name, mode 0600, deleted when the job ends), so
-- a job is claimed only by a worker on that node.
--
-- Crash safety: a worker that starts finds jobs left 'running' by a dead
-- process of its node (worker = "host pid start") and marks them 'failed';
-- an import writes its rows, its audit rows and its own final status in one
-- transaction, so such a job has written nothing.
CREATE TABLE jobs (
    id               @PK@,
    kind             TEXT NOT NULL,                 -- 'import'
    entity           TEXT,                          -- the entity's URL name
    status           TEXT NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    stage            TEXT,                          -- 'validating', 'writing' while running
    created_by       BIGINT,                        -- users.id (NULL for an API token)
    created_by_name  TEXT,
    org_id           BIGINT NOT NULL REFERENCES org_units(id),  -- the submitter's unit: who else may see the job
    created_at       @TS@ NOT NULL,
    started_at       @TS@,
    finished_at      @TS@,
    heartbeat_at     @TS@,
    node             TEXT NOT NULL,                 -- host holding the input file
    worker           TEXT,                          -- "host pid start" of the process running it
    total            BIGINT NOT NULL DEFAULT 0,     -- data rows
    done             BIGINT NOT NULL DEFAULT 0,     -- rows checked so far
    rejected         BIGINT NOT NULL DEFAULT 0,     -- rows with at least one error
    written          BIGINT NOT NULL DEFAULT 0,     -- rows stored (after commit)
    options          TEXT,                          -- JSON: mode, dry_run, ip, user agent
    result           TEXT,                          -- JSON: {"errors":[{row, field, label, message}], …}
    error            TEXT,                          -- job-level reason (Chinese) when failed or cancelled
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    input            TEXT                           -- file name in the jobs folder; NULL once deleted
);
CREATE INDEX jobs_queue ON jobs (status, node, id);
CREATE INDEX jobs_creator ON jobs (created_by, id);
