/* driver.h — what a store driver implements (private to src/store). */
#ifndef SFS_DRIVER_H
#define SFS_DRIVER_H
#include "store/db.h"

typedef struct db_ops {
    void (*close)(db_t *db);
    db_stmt_t *(*prepare)(db_t *db, const char *sql);
    int (*bind_int)(db_stmt_t *s, int idx, int64_t v);
    int (*bind_text)(db_stmt_t *s, int idx, const char *v, int len);
    int (*bind_blob)(db_stmt_t *s, int idx, const void *v, size_t len);
    int (*bind_null)(db_stmt_t *s, int idx);
    int (*step)(db_stmt_t *s);
    int (*column_count)(db_stmt_t *s);
    const char *(*column_name)(db_stmt_t *s, int col);
    bool (*col_null)(db_stmt_t *s, int col);
    int64_t (*col_int)(db_stmt_t *s, int col);
    const char *(*col_text)(db_stmt_t *s, int col);
    int (*col_len)(db_stmt_t *s, int col);
    const void *(*col_blob)(db_stmt_t *s, int col, size_t *len);
    void (*reset)(db_stmt_t *s);
    int64_t (*changes)(db_stmt_t *s);
    int (*exec)(db_t *db, const char *sql);
    bool (*ping)(db_t *db);
} db_ops_t;

struct db {
    const db_ops_t *ops;
    db_kind_t kind;
    bool in_tx;
    bool in_read;        /* db_read_begin */
    bool commit_unknown; /* the last COMMIT was sent and its answer lost (db_commit_unknown) */
    char err[512];
};

/* Every driver statement starts with this header. */
struct db_stmt {
    db_t *db;
    bool custom_plan; /* db_prepare_custom */
    bool active;      /* in use: from db_prepare until db_reset; never evicted */
    char *sql;        /* original text (cache key), owned by the driver's statement */
    uint64_t hash;    /* stmt_hash(sql) */
};

/* stmt_cache.c — a connection's statements by SQL text (open addressing).
 * Starts at STMT_CACHE_SIZE slots; when full, a new statement replaces an
 * idle one (drop() frees it) and never one in use; when all are in use the
 * table doubles. */
#define STMT_CACHE_SIZE 512 /* a power of two */
typedef struct stmt_cache {
    db_stmt_t **slot;
    size_t cap, n;
} stmt_cache_t;
uint64_t stmt_hash(const char *sql);
db_stmt_t *stmt_cache_find(const stmt_cache_t *c, const char *sql, uint64_t h);
void stmt_cache_add(stmt_cache_t *c, db_stmt_t *s, void (*drop)(db_stmt_t *));
void stmt_cache_free(stmt_cache_t *c, void (*drop)(db_stmt_t *));

void db_set_err(db_t *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
