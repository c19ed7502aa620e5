#ifndef SIFASUO_FTS_SCOPE_H
#define SIFASUO_FTS_SCOPE_H

/* SQLite's search tokenizer with the scope in its tokens (fts_scope.c). */

/* Its name in a table's declaration: a store whose search tables name
 * another is rebuilt at start (schema.c search_ddl), so a change to what
 * the tokens are takes a new name — and the old one stays registered too,
 * for SQLite cannot drop an FTS5 table whose tokenizer it does not know. */
#define FTS_SCOPE_TOKENIZER "sifasuo_ngram"

/* The longest unit path a scoped token carries, in bytes: a longer one is
 * not written into tokens, nor asked in a query (records.c). */
#define FTS_SCOPE_PATH_MAX 96

/* The length of path's prefix that names its unit at level (1: the district,
 * "/1/22/" of "/1/22/38/"; 2: the office), or 0 when path is not that deep. */
int fts_scope_depth(const char *path, int len, int level);

struct sqlite3;
/* Registers the tokenizer on a connection; an SQLite result code. */
int fts_scope_register(struct sqlite3 *db);

#endif
