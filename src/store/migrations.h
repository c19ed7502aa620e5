/* migrations.h — the numbered SQL migrations compiled into the binary.
 *
 * Files live in src/store/migrations/NNNN_name.sql and are written once for
 * both engines with these tokens, replaced per dialect when applied:
 *   @PK@    integer primary key (SQLite rowid / PostgreSQL identity)
 *   @TS@    an instant (TEXT ISO-8601 UTC / timestamptz)
 *   @NOW@   the current instant as a default
 *   @PATH@  materialised org path, compared bytewise (TEXT / TEXT COLLATE "C")
 *   @BLOB@  bytes (BLOB / BYTEA)
 * and engine-only blocks between "-- @sqlite" or "-- @postgres" and "-- @end". */
#ifndef SFS_MIGRATIONS_H
#define SFS_MIGRATIONS_H
typedef struct migration {
    int version;
    const char *name;
    const char *sql;
} migration_t;
extern const migration_t migrations[];
/* Renders sql for one engine into out (tokens replaced, other-engine blocks dropped). */
#include "store/db.h"
#include "util/buf.h"
void migration_render(const char *sql, db_kind_t kind, buf_t *out);
#endif
