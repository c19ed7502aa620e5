/* The search index's tokenizer on SQLite, "sifasuo_scope": FTS5's trigram
 * tokenizer, each of whose tokens is also written prefixed with the paths
 * of the record's district and office, at the same position.
 *
 * Why: a district's q of a frequent term (物业费, 40 367 cases of 10^6)
 * found the city's matches and checked each against the district, 16 ms
 * for a count of the district's 2 500.  With the scope in the token, a
 * phrase of the district's trigrams finds the district's matches alone.
 *
 * Text as the triggers give it (schema.c search_ddl): "\1<org_path>\1<text>";
 * a document's tokens are every trigram t of <text>, then, colocated,
 * "<district path>t" and "<office path>t" (org_path "/1/22/38/": "/1/22/"
 * and "/1/22/38/"; a unit of the city itself has neither).  A query's
 * phrase "\1<path>\1<q>" (records.c q_arg) is tokenized into "<path>t" for
 * each trigram t of q alone; without the mark, into the trigrams as
 * before.  A plain trigram is 3 characters and a scoped token more: they
 * never meet.  Arguments after the name go to the trigram tokenizer.
 *
 * Built into sifasuo, and as build/sifasuo_fts.so for the sqlite3 shell
 * (".load build/sifasuo_fts"), without which a write to a searchable table
 * there fails with "no such tokenizer" (docs/operations.md). */
#ifdef FTS_SCOPE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#else
#include <sqlite3.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "store/fts_scope.h"

#define MARK '\1'
#define PATHS 2 /* the district's and the office's */

typedef struct {
    fts5_tokenizer trigram;
    Fts5Tokenizer *inner;
} scope_tok_t;

typedef struct {
    void *ctx;
    int (*x)(void *, int, const char *, int, int, int);
    const char *path[PATHS];
    int plen[PATHS], n, shift;
    int query;
    char buf[FTS_SCOPE_PATH_MAX + 64];
} emit_t;

static int emit(void *arg, int tflags, const char *tok, int n, int start, int end) {
    emit_t *m = arg;
    int rc = SQLITE_OK;
    if (!m->query || !m->n) rc = m->x(m->ctx, tflags, tok, n, start + m->shift, end + m->shift);
    for (int i = 0; i < m->n && rc == SQLITE_OK; i++) {
        if (n > (int)sizeof(m->buf) - m->plen[i]) continue; /* a trigram is at most 12 bytes: never */
        memcpy(m->buf, m->path[i], (size_t)m->plen[i]);
        memcpy(m->buf + m->plen[i], tok, (size_t)n);
        rc = m->x(m->ctx, m->query ? tflags : tflags | FTS5_TOKEN_COLOCATED, m->buf, m->plen[i] + n, start + m->shift,
                  end + m->shift);
    }
    return rc;
}

int fts_scope_depth(const char *path, int len, int level) {
    int slashes = 0;
    for (int i = 0; i < len; i++)
        if (path[i] == '/' && ++slashes == level + 2) return i + 1;
    return 0;
}

static int scope_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
                          int (*x)(void *, int, const char *, int, int, int)) {
    scope_tok_t *s = (scope_tok_t *)t;
    emit_t m = {.ctx = ctx, .x = x, .query = (flags & FTS5_TOKENIZE_QUERY) != 0};
    if (n > 0 && text[0] == MARK) {
        const char *end = memchr(text + 1, MARK, (size_t)n - 1);
        if (end) {
            const char *path = text + 1;
            int len = (int)(end - path);
            if (m.query) { /* the path as given, whole */
                if (len > 0 && len <= FTS_SCOPE_PATH_MAX) m.path[0] = path, m.plen[0] = len, m.n = 1;
            } else {
                for (int level = 1; level <= PATHS; level++) {
                    int l = fts_scope_depth(path, len, level);
                    if (l && l <= FTS_SCOPE_PATH_MAX) m.path[m.n] = path, m.plen[m.n++] = l;
                }
            }
            m.shift = (int)(end + 1 - text);
            text = end + 1;
            n -= m.shift;
        }
    }
    return s->trigram.xTokenize(s->inner, &m, flags, text, n, emit);
}

static int scope_create(void *api_arg, const char **argv, int argc, Fts5Tokenizer **out) {
    fts5_api *api = api_arg;
    void *ud = NULL;
    scope_tok_t *s = calloc(1, sizeof(*s));
    if (!s) return SQLITE_NOMEM;
    int rc = api->xFindTokenizer(api, "trigram", &ud, &s->trigram);
    if (rc == SQLITE_OK) rc = s->trigram.xCreate(ud, argv, argc, &s->inner);
    if (rc != SQLITE_OK) {
        free(s);
        return rc;
    }
    *out = (Fts5Tokenizer *)s;
    return SQLITE_OK;
}

static void scope_delete(Fts5Tokenizer *t) {
    scope_tok_t *s = (scope_tok_t *)t;
    if (s->inner) s->trigram.xDelete(s->inner);
    free(s);
}

int fts_scope_register(sqlite3 *db) {
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
        rc = sqlite3_finalize(st);
    }
    if (rc != SQLITE_OK) return rc;
    if (!api || api->iVersion < 2) return SQLITE_ERROR;
    static fts5_tokenizer tok = {scope_create, scope_delete, scope_tokenize};
    return api->xCreateTokenizer(api, FTS_SCOPE_TOKENIZER, api, &tok, NULL);
}

#ifdef FTS_SCOPE_EXTENSION
int sqlite3_sifasuofts_init(sqlite3 *db, char **err, const sqlite3_api_routines *routines) {
    SQLITE_EXTENSION_INIT2(routines);
    (void)err;
    return fts_scope_register(db);
}
#endif
