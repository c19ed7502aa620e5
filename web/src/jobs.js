// jobs.js — long work the server runs on its job worker (src/engine/jobs.c),
// today CSV imports:
//   POST /api/v1/:entity/import?mode=&dry_run=  (text/csv) → 202 {"job": id, "status", "url"}
//   GET  /api/v1/jobs/:id → { id, status: queued|running|done|failed|cancelled,
//        status_label, stage, total, done, rejected, written, error,
//        errors: [{ row, field, label, message }], errors_truncated, error_count }
//   POST /api/v1/jobs/:id/cancel
import { api, query } from './api.js'

/** The import modes of the server, with what they mean to a clerk. */
export const IMPORT_MODES = [
  { value: 'all_or_nothing', label: '全部正确才导入' },
  { value: 'skip_invalid', label: '只导入正确的行' },
]

/** Uploads a CSV file for import; resolves to the job's id. */
export async function startImport(entity, file, { mode = 'all_or_nothing', dryRun = false, charset = 'auto', state = '' } = {}) {
  const path =
    `/${entity}/import` +
    query({ mode, dry_run: dryRun ? 1 : undefined, charset: charset !== 'auto' ? charset : undefined, state: state || undefined })
  const answer = await api.upload(path, file, 'text/csv')
  return answer.job
}

export const cancelJob = (id) => api.post(`/jobs/${encodeURIComponent(id)}/cancel`)

export const jobFinished = (job) => ['done', 'failed', 'cancelled'].includes(job.status)

/** 0–100: rows checked of the file's rows; 100 once done. */
export function jobPercent(job) {
  if (job.status === 'done') return 100
  if (!(job.total > 0)) return 0
  return Math.min(99, Math.floor((job.done * 100) / job.total))
}

/**
 * Polls GET /jobs/:id until the job ends, onUpdate(job) after each answer.
 * Returns { done: Promise<last job>, stop() }.
 */
export function pollJob(id, onUpdate, intervalMs = 800) {
  let stopped = false
  const done = (async () => {
    for (;;) {
      const job = await api.get('/jobs/' + encodeURIComponent(id))
      if (stopped) return job
      onUpdate(job)
      if (jobFinished(job)) return job
      await new Promise((r) => setTimeout(r, intervalMs))
    }
  })()
  return { done, stop: () => (stopped = true) }
}
