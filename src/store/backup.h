/* backup.h — copies of a SQLite store (issue 9 point 7), and the lock that
 * tells `restore` a server is using the file.
 *
 * A backup is taken with SQLite's online backup API inside one read
 * transaction of the source, so it is the state of one instant even while a
 * server keeps writing (WAL readers never block writers).  The copy is
 * written to a temporary file next to the target, switched to
 * journal_mode=DELETE (one self-contained file), fsynced, and only then
 * given its name.
 *
 * The serve lock: `serve` takes a shared flock() on the SQLite file and
 * holds it until the process ends (the kernel drops it on kill -9 too, so
 * there is no stale lock file); `restore` needs the exclusive lock and
 * refuses while any server holds the shared one.  flock() locks are
 * independent of the POSIX fcntl() locks SQLite itself uses. */
#ifndef SFS_BACKUP_H
#define SFS_BACKUP_H
#include <stdbool.h>
#include <stddef.h>

/* Called during a copy with pages done and pages in all (may be NULL). */
typedef void (*backup_progress_fn)(int done, int total);

/* Copies the SQLite database at src to dst.  dst must not exist unless
 * force.  0, or -1 with a Chinese message in err (dst then untouched). */
int sqlite_backup_to(const char *src, const char *dst, bool force, backup_progress_fn progress, char *err,
                     size_t errlen);

/* Checks that path is a SQLite store of this platform that this binary can
 * run: integrity_check ok, schema_migrations present and no newer than the
 * newest compiled migration.  On success writes the schema version.  0 or
 * -1 with err. */
int sqlite_backup_check(const char *path, int *version, char *err, size_t errlen);

/* Replaces the store at dst with a checked copy of src.  The previous file
 * (with its -wal/-shm) is renamed to "<dst>.before-restore-<UTC time>",
 * whose name is written to aside (empty when there was none).  Refuses
 * while a server holds dst (the serve lock).  0 or -1 with err. */
int sqlite_restore_from(const char *src, const char *dst, char *aside, size_t asidelen, char *err, size_t errlen);

/* fsyncs a file or folder by path; 0 or -1 (errno set). */
int fsync_path(const char *path);

/* Takes the shared serve lock on the SQLite file path for the life of the
 * process.  0, or -1 when the file cannot be opened. */
int sqlite_hold_serve_lock(const char *path);
#endif
