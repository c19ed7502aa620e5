/* db.h — the one store interface, with two drivers: SQLite (sqlite.c) and
 * PostgreSQL via libpq (postgres.c).
 *
 * Contract for callers:
 *  - SQL is written once for both engines with $1..$N placeholders (SQLite
 *    gets them rewritten to ?N).  Portable SQL only: CAST(x AS TEXT) rather
 *    than x::text, integers 0/1 for booleans, RETURNING for new ids.
 *  - Every statement is prepared with bound parameters and cached per
 *    connection: db_prepare() returns the cached statement, reset, ready to
 *    bind.  Call db_reset() when done reading (or before preparing the same
 *    SQL again).  Until then the statement is in use and the cache never
 *    frees it, however many others are prepared meanwhile (stmt_cache.c).
 *    Never build SQL from request text.
 *  - A db_t is one connection and is used by one thread only (one per worker).
 *  - Instants are UTC ISO-8601 text ("2026-11-28T12:00:00Z") in and out on
 *    both engines (TEXT on SQLite; timestamptz on PostgreSQL, normalised on
 *    read by the driver). */
#ifndef SFS_DB_H
#define SFS_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db_t;
typedef struct db_stmt db_stmt_t;

typedef enum { DB_SQLITE = 1, DB_POSTGRES = 2 } db_kind_t;

enum {
    DB_OK = 0,
    DB_ROW = 1,          /* db_step: a row is ready */
    DB_DONE = 2,         /* db_step: no more rows */
    DB_ERR = -1,         /* any other error; see db_errmsg() */
    DB_CONSTRAINT = -2,  /* foreign key / check / not-null violation */
    DB_BUSY = -3,        /* lock timeout, serialization failure: retryable */
    DB_UNAVAILABLE = -4, /* connection lost */
    DB_UNIQUE = -5,      /* unique (or primary key) violation: the row's key is taken,
                          * e.g. by a concurrent writer; PostgreSQL 23505,
                          * SQLite SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY */
};
/* Any constraint violation, unique or other. */
static inline bool db_is_constraint(int rc) { return rc == DB_CONSTRAINT || rc == DB_UNIQUE; }

/* Opens a connection.  url: "sqlite:PATH" or "postgresql://…" / "postgres://…".
 * On failure returns non-zero and writes one line into err naming the URL
 * (password hidden) and the reason. */
int db_open(const char *url, db_t **out, char *err, size_t errlen);
void db_close(db_t *db);
db_kind_t db_kind(const db_t *db);
const char *db_errmsg(db_t *db);
/* Copies url to out with any password replaced by "***". */
void db_redact_url(const char *url, char *out, size_t n);

/* Returns the cached prepared statement for sql (prepared on first use), or NULL
 * on error (db_errmsg tells why). */
db_stmt_t *db_prepare(db_t *db, const char *sql);
/* The same, but on PostgreSQL planned with each execution's values instead
 * of the server's cached generic plan, which guesses a range's share of the
 * rows: for a list, whose scope may hold one row or 400 000 (docs/engine.md
 * "Lists at a million rows").  Costs a plan per execution.  SQLite: as
 * db_prepare. */
db_stmt_t *db_prepare_custom(db_t *db, const char *sql);
int db_bind_int(db_stmt_t *s, int idx, int64_t v);               /* idx is 1-based, as in $1 */
int db_bind_text(db_stmt_t *s, int idx, const char *v, int len); /* len -1: strlen; v NULL: NULL */
int db_bind_blob(db_stmt_t *s, int idx, const void *v, size_t len);
int db_bind_null(db_stmt_t *s, int idx);
/* Runs or advances: DB_ROW, DB_DONE, or a negative error. */
int db_step(db_stmt_t *s);
int db_column_count(db_stmt_t *s);
const char *db_column_name(db_stmt_t *s, int col);
bool db_col_null(db_stmt_t *s, int col);
int64_t db_col_int(db_stmt_t *s, int col);
/* Valid until the next step or reset; NULL for SQL NULL. */
const char *db_col_text(db_stmt_t *s, int col);
int db_col_len(db_stmt_t *s, int col);
const void *db_col_blob(db_stmt_t *s, int col, size_t *len);
/* Ends use of the statement: discards remaining rows and bindings. */
void db_reset(db_stmt_t *s);
/* Rows changed by the last completed INSERT/UPDATE/DELETE statement s. */
int64_t db_changes(db_stmt_t *s);

/* Runs a parameterless script (migrations, PRAGMAs); 0 or negative error. */
int db_exec(db_t *db, const char *sql);
/* BEGIN IMMEDIATE on SQLite (takes the write lock up front), BEGIN on PostgreSQL. */
int db_begin(db_t *db);
/* 0 only when the commit is durable. */
int db_commit(db_t *db);
/* True when the last db_commit failed after the COMMIT reached the server
 * and its answer was lost with the connection (PostgreSQL failover): the
 * transaction may or may not have committed, and only reading the data again
 * tells.  Cleared by db_begin. */
bool db_commit_unknown(const db_t *db);
int db_rollback(db_t *db);
bool db_in_tx(db_t *db);
/* One read snapshot around a read-only request (SQLite; no-op on
 * PostgreSQL).  db_begin() ends it first, so a handler that writes gets a
 * fresh write transaction; db_read_end() is safe to call twice. */
int db_read_begin(db_t *db);
void db_read_end(db_t *db);
/* True when the store answers a trivial query (for /readyz). */
bool db_ping(db_t *db);

/* Driver entry points, dispatched by db_open (not for callers). */
int sqlite_driver_open(const char *path, db_t **out, char *err, size_t errlen);
int postgres_driver_open(const char *url, db_t **out, char *err, size_t errlen);

/* Convenience: runs sql with one optional text parameter and returns the first
 * column of the first row as an integer, or dflt when there is no row. */
int64_t db_query_int(db_t *db, const char *sql, int64_t dflt);

/* migrate.c — applies the migrations compiled into the binary that are not
 * yet recorded in schema_migrations, under a lock.  Returns 0 or -1 (err set). */
int db_migrate(db_t *db, char *err, size_t errlen);
#endif
