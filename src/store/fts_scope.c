/* The search index's tokenizer on SQLite, "sifasuo_ngram": the text's
 * every run of three characters (a trigram) and of two (a bigram), each
 * also written prefixed with the paths of the record's district and office,
 * at the same position.  Case-sensitive, nothing folded or skipped: a
 * phrase of q's trigrams matches where q is a substring, as instr() and
 * PostgreSQL's LIKE do.
 *
 * Why its own: FTS5's trigram tokenizer has no bigrams, so a two-character
 * q (纠纷, a name) read every row of the scope through instr(), and a
 * district's q of a frequent term (物业费, 40 367 cases of 10^6) found the
 * city's matches and checked each against the district (23–29 ms).  With
 * the scope in the token, a phrase of the district's tokens finds the
 * district's matches alone.
 *
 * Text as the triggers give it (schema.c search_ddl): "\1<org_path>\1<text>";
 * at each character of <text>: the trigram starting there (or, at the
 * last two characters, the bigram), then, colocated, the bigram, then each
 * of these after "<district path>" and "<office path>" (org_path "/1/22/38/":
 * "/1/22/" and "/1/22/38/"; a unit of the city itself has neither).  A
 * query's phrase "\1<path>\1<q>" (records.c q_arg) is tokenized into
 * "<path>t" for each trigram t of q, or q itself when it is two characters;
 * without the mark, the same without the path.  A scoped token is longer
 * than 3 characters and starts with "/", so it never meets a plain one;
 * one path's tokens never meet another's (a path ends at its last "/").
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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/fts_scope.h"

#define MARK '\1'
#define PATHS 2 /* the district's and the office's */

typedef struct {
    int unused;
} scope_tok_t;

typedef struct {
    void *ctx;
    int (*x)(void *, int, const char *, int, int, int);
    const char *path[PATHS];
    int plen[PATHS], n, shift;
    char buf[FTS_SCOPE_PATH_MAX + 16];
} emit_t;

/* One n-gram, text[start, end): plain unless the query asks a path, then
 * under each path, the first token of a position unless colocated. */
static int emit(emit_t *m, bool plain, bool colocated, const char *text, int start, int end) {
    int rc = SQLITE_OK, n = end - start;
    if (plain) {
        rc = m->x(m->ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, text + start, n, start + m->shift, end + m->shift);
        colocated = true;
    }
    for (int i = 0; i < m->n && rc == SQLITE_OK; i++) {
        memcpy(m->buf, m->path[i], (size_t)m->plen[i]);
        memcpy(m->buf + m->plen[i], text + start, (size_t)n); /* n ≤ 12: three characters of UTF-8 */
        rc = m->x(m->ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, m->buf, m->plen[i] + n, start + m->shift,
                  end + m->shift);
        colocated = true;
    }
    return rc;
}

/* The byte after the UTF-8 character at text[i] (a stray byte is one). */
static int next_char(const char *text, int n, int i) {
    unsigned char c = (unsigned char)text[i];
    int len = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return i + len < n ? i + len : n;
}

int fts_scope_depth(const char *path, int len, int level) {
    int slashes = 0;
    for (int i = 0; i < len; i++)
        if (path[i] == '/' && ++slashes == level + 2) return i + 1;
    return 0;
}

static int scope_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
                          int (*x)(void *, int, const char *, int, int, int)) {
    (void)t;
    emit_t m = {.ctx = ctx, .x = x};
    bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
    if (n > 0 && text[0] == MARK) {
        const char *end = memchr(text + 1, MARK, (size_t)n - 1);
        if (end) {
            const char *path = text + 1;
            int len = (int)(end - path);
            if (query) { /* the path as given, whole */
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
    bool plain = !query || m.n == 0;
    int rc = SQLITE_OK;
    /* c[0..3]: the byte offsets of the next four characters */
    int c[4] = {0};
    for (int k = 1; k < 4; k++) c[k] = c[k - 1] < n ? next_char(text, n, c[k - 1]) : n;
    bool trigrams = c[2] < n; /* three characters at least */
    if (query && !trigrams) /* a query of two characters: its bigram */
        return c[1] < n && c[2] == n ? emit(&m, plain, false, text, 0, n) : SQLITE_OK;
    while (rc == SQLITE_OK && c[1] < n) {
        bool tri = c[2] < n;
        if (tri) rc = emit(&m, plain, false, text, c[0], c[3]);
        if (rc == SQLITE_OK && !query) rc = emit(&m, plain, tri, text, c[0], c[2]);
        if (query && !tri) break;
        c[0] = c[1], c[1] = c[2], c[2] = c[3];
        c[3] = c[3] < n ? next_char(text, n, c[3]) : n;
    }
    return rc;
}

static int scope_create(void *arg, const char **argv, int argc, Fts5Tokenizer **out) {
    (void)arg, (void)argv, (void)argc; /* "case_sensitive 1": what it does anyway */
    scope_tok_t *s = calloc(1, sizeof(*s));
    if (!s) return SQLITE_NOMEM;
    *out = (Fts5Tokenizer *)s;
    return SQLITE_OK;
}

static void scope_delete(Fts5Tokenizer *t) { free(t); }

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
    return api->xCreateTokenizer(api, FTS_SCOPE_TOKENIZER, NULL, &tok, NULL);
}

#ifdef FTS_SCOPE_EXTENSION
int sqlite3_sifasuofts_init(sqlite3 *db, char **err, const sqlite3_api_routines *routines) {
    SQLITE_EXTENSION_INIT2(routines);
    (void)err;
    return fts_scope_register(db);
}
#endif
