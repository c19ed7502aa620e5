/* schema.c — each entity's table derived from its declaration (DESIGN.md
 * "How entities are stored"): create what is missing, add missing columns
 * and indexes; never drop.  Renames and data moves stay hand-written
 * migrations. */
#include <stdio.h>
#include <string.h>

#include "engine/codes.h"
#include "engine/engine.h"
#include "store/fts_scope.h"
#include "store/migrations.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/vec.h"

static const char *col_type(const field_t *f) {
    switch (f->type) {
    case F_INT:
    case F_DECIMAL:
    case F_REF:
    case F_PERSON: return "BIGINT";
    case F_BOOL: return "INTEGER";
    case F_DATETIME: return "@TS@";
    default: return "TEXT";
    }
}

/* Calls fn for every (column, type) of e: spine first, then fields (a
 * personal-information field is stored as _enc, _masked and, when it is a
 * filter, a blind _index). */
static void each_column(const entity_t *e, void (*fn)(const char *col, const char *type, void *arg), void *arg) {
    static const char *spine[][2] = {
        {"org_id", "BIGINT NOT NULL REFERENCES org_units(id)"},
        {"org_path", "@PATH@ NOT NULL"},
        {"version", "INTEGER NOT NULL DEFAULT 1"},
        {"created_at", "@TS@ NOT NULL"},
        {"created_by", "BIGINT"},
        {"updated_at", "@TS@ NOT NULL"},
        {"updated_by", "BIGINT"},
        {"deleted_at", "@TS@"},
        {"wf_state", "TEXT"},
        {"wf_version", "INTEGER"},
        {"state_since", "TEXT"},
        {"due_at", "TEXT"},
        {"state_due_at", "TEXT"},
        {"escalated", "INTEGER NOT NULL DEFAULT 0"},
    };
    for (size_t i = 0; i < sizeof(spine) / sizeof(spine[0]); i++) fn(spine[i][0], spine[i][1], arg);
    char col[160];
    for (const field_t *f = e->fields; f->name; f++) {
        if (f->flags & FF_PI) {
            snprintf(col, sizeof(col), "%s_enc", f->name);
            fn(col, "TEXT", arg);
            snprintf(col, sizeof(col), "%s_masked", f->name);
            fn(col, "TEXT", arg);
            if (f->flags & FF_FILTER) {
                snprintf(col, sizeof(col), "%s_index", f->name);
                fn(col, "TEXT", arg);
            }
        } else {
            fn(f->name, col_type(f), arg);
        }
    }
}

typedef struct {
    buf_t *ddl;
    const char *table;
    bool create;
    char existing[8192]; /* "|col|col|…" */
    char indexes[8192];  /* "|name|name|…" */
    bool fts_dropped;    /* SQLite: the FTS5 table is dropped by this DDL */
    bool lite;           /* SQLite: the walks' indexes carry the range filters (index_ddl) */
} ctx_t;

static void add_col(const char *col, const char *type, void *arg) {
    ctx_t *c = arg;
    char needle[180];
    snprintf(needle, sizeof(needle), "|%s|", col);
    if (c->create) {
        buf_printf(c->ddl, ",\n    %s %s", col, type);
    } else if (!strstr(c->existing, needle)) {
        /* ADD COLUMN cannot carry NOT NULL without a default on existing rows */
        const char *t = strstr(type, "NOT NULL") && !strstr(type, "DEFAULT") ? "TEXT" : type;
        buf_printf(c->ddl, "ALTER TABLE %s ADD COLUMN %s %s;\n", c->table, col, t);
    }
}

/* Reads one name per row of sql into out as "|a|b|"; returns the count, -1
 * on a store error (not a table without those columns or indexes). */
static int load_names(db_t *db, const char *sql, const char *table, char *out, size_t outlen) {
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return -1;
    db_bind_text(s, 1, table, -1);
    size_t len = 1;
    int n = 0, rc;
    strcpy(out, "|");
    while ((rc = db_step(s)) == DB_ROW) {
        const char *name = db_col_text(s, 0);
        size_t l = strlen(name);
        if (len + l + 2 < outlen) {
            memcpy(out + len, name, l);
            len += l;
            out[len++] = '|';
            out[len] = '\0';
        }
        n++;
    }
    db_reset(s);
    return rc == DB_DONE ? n : -1;
}

static int load_columns(db_t *db, const char *table, ctx_t *c) {
    bool lite = db_kind(db) == DB_SQLITE;
    int n = load_names(db,
                       lite ? "SELECT name FROM pragma_table_info($1)"
                            : "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
                              "AND table_schema = current_schema()",
                       table, c->existing, sizeof(c->existing));
    if (n < 0) return n;
    if (load_names(db,
                   lite ? "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1"
                        : "SELECT indexname FROM pg_indexes WHERE tablename = $1 AND schemaname = current_schema()",
                   table, c->indexes, sizeof(c->indexes)) < 0)
        return -1;
    return n;
}

/* Emits CREATE INDEX for each index the declaration implies and the table
 * lacks (never for existing ones: the application role may not own them). */
static void want_index(ctx_t *c, buf_t *ddl, const char *name, const char *cols) {
    char needle[256];
    snprintf(needle, sizeof(needle), "|%s|", name);
    if (!strstr(c->indexes, needle)) buf_printf(ddl, "CREATE INDEX %s ON %s (%s);\n", name, c->table, cols);
}

/* Same, for a partial index: WHERE where. */
static void want_partial_index(ctx_t *c, buf_t *ddl, const char *name, const char *cols, const char *where) {
    char needle[256];
    snprintf(needle, sizeof(needle), "|%s|", name);
    if (!strstr(c->indexes, needle))
        buf_printf(ddl, "CREATE INDEX %s ON %s (%s) WHERE %s;\n", name, c->table, cols, where);
}

/* A live-row index: WHERE deleted_at IS NULL. */
static void want_live_index(ctx_t *c, buf_t *ddl, const char *name, const char *cols) {
    want_partial_index(c, ddl, name, cols, "deleted_at IS NULL");
}

/* Whether a filter or sort field keeps its plain <t>_<f> (<f>, id) index
 * over every row, deleted ones too.  A filter's live-row <t>_lf_<f> serves
 * every list of live rows, so its plain index is read by nothing and only
 * costs each write (issue 27: 11 of a mediation case's 52 indexes, found by
 * EXPLAIN over every list shape, tests/api/test_plans.py); a reference or a
 * person keeps it for the lookups of the records that name one (deleted ones
 * included: a person's records, a mediator's cases), a sort-only field for
 * exact lookups (generate's case_no). */
static bool plain_index_read(const field_t *f) {
    return !(f->flags & FF_FILTER) || f->type == F_REF || f->type == F_PERSON;
}

/* SQLite: the columns a walk of a sort checks in its index rather than in
 * the table row — org_path, then every range filter (a date, a time, a
 * number) but the sort's own field (skip).  A walk visits rows that fail the
 * filters until limit + 1 pass; when the matches crowd into one end of the
 * sort order (the cases received since January, walked by closing date from
 * the oldest: every case closed before January first) it visits most of the
 * table.  With the filters in the index each visit is an index entry, not a
 * table row (at 10^5 cases: 5 ms instead of 21 for 64 000 visits, issue 27);
 * only the rows returned are read.  One wide index per sort, not one per
 * (filter, sort) pair: each index costs every write. */
/* A filter a list may ask a range of, and whose value an index may hold. */
static bool range_field(const field_t *f) { return !(f->flags & FF_PI) && !f->masked_with && field_ranged(f); }

static void range_cols(const entity_t *e, const char *skip, char *out, size_t outlen) {
    size_t l = (size_t)snprintf(out, outlen, "org_path");
    for (const field_t *f = e->fields; f->name && l < outlen; f++) {
        if (!(f->flags & FF_FILTER) || !range_field(f) || (skip && strcmp(f->name, skip) == 0)) continue;
        l += (size_t)snprintf(out + l, outlen - l, ", %s", f->name);
    }
}

/* SQLite: <t>_lk_<name> (key, id, range_cols) over the live rows. */
static void want_walk_index(const entity_t *e, ctx_t *c, buf_t *ddl, const char *name, const char *key) {
    char idx[200], range[600], cols[900];
    snprintf(idx, sizeof(idx), "%s_lk_%s", e->table, name);
    range_cols(e, name, range, sizeof(range));
    snprintf(cols, sizeof(cols), "%s, id, %s", key, range);
    want_live_index(c, ddl, idx, cols);
}

/* Indexes for lists (docs/engine.md "Indexes").  Besides the plain ones,
 * live-row indexes that lists use, since every list but ?deleted=1 reads
 * live rows only:
 *   <t>_live (org_path)                        count of the scope, covering;
 *   <t>_lf_<f> (<f>, org_path)                 count of a filter in the scope, covering;
 *   <t>_ls_<s> (<sort key>, id)                a page walked in sort order;
 *   <t>_lf_<f>_<s> (<f>, <sort key>, id)       the same within one code (F_CODE filter × the
 *                                              default sort only: each pair costs every write);
 *   <t>_lf_wf_state (wf_state, org_path, …)   count of a state in the scope, covering;
 *   <t>_lw_<s> (wf_state, <sort key>, id, org_path)  a state's page walked in sort order (× every sort);
 *   <t>_lf_due_at (due_at, org_path)           the open records by deadline (?overdue=1);
 *   <t>_lo_<f> (org_path, <f>)                 SQLite: a range filter within a small scope;
 *   <t>_lq (id, org_path)                      SQLite: q's matches checked against the scope.
 * On SQLite the walk of a sort is <t>_lk_<s> instead of <t>_ls_<s>, for the
 * declared sorts and the spine's created_at, updated_at, due_at (range_cols);
 * and ?deleted=1 reads <t>_dead (org_path, id) over the deleted rows only. */
static bool has_search(const entity_t *e);

static void index_ddl(const entity_t *e, ctx_t *c, buf_t *ddl) {
    /* the field of the default sort: a code tab's pages are walked along it */
    const field_t *dsf = entity_sort_field(e, NULL);
    char name[200], cols[300], key[160];
    snprintf(name, sizeof(name), "%s_scope", e->table);
    want_index(c, ddl, name, "org_path, id");
    snprintf(name, sizeof(name), "%s_org", e->table);
    want_index(c, ddl, name, "org_id, id");
    snprintf(name, sizeof(name), "%s_live", e->table);
    want_live_index(c, ddl, name, "org_path");
    if (c->lite) {
        /* ?deleted=1 (the recycle bin): its few rows, not every row of the
         * scope read to find them (a district's 17 000 cases for none) */
        snprintf(name, sizeof(name), "%s_dead", e->table);
        want_partial_index(c, ddl, name, "org_path, id", "deleted_at IS NOT NULL");
        /* the spine's sorts (engine_sort_allowed): walked like a field's,
         * or a city's list by created_at sorted every case (2.4 s at 10^5) */
        want_walk_index(e, c, ddl, "created_at", "created_at");
        want_walk_index(e, c, ddl, "updated_at", "updated_at");
        if (e->flows) want_walk_index(e, c, ddl, "due_at", "COALESCE(due_at, '9999-12-31')");
        /* q's matches checked against the scope by id, each an entry of
         * this narrow index rather than a table row (records.c list_index:
         * a district's q over 40 367 matches at 10^6, 43 → 15 ms) */
        snprintf(name, sizeof(name), "%s_lq", e->table);
        if (has_search(e)) want_live_index(c, ddl, name, "id, org_path");
    }
    if (e->flows) {
        snprintf(name, sizeof(name), "%s_wf", e->table);
        want_index(c, ddl, name, "wf_state, due_at");
        /* the scheduler's tick (workflow.c, tick_entity) reads the live,
         * unescalated records past their deadline once a minute: by this
         * index, the overdue ones only (without it, every row: about a
         * second a minute at 10^6 records) */
        snprintf(name, sizeof(name), "%s_due", e->table);
        want_partial_index(c, ddl, name, "COALESCE(state_due_at, due_at), id", "deleted_at IS NULL AND escalated = 0");
        /* ?wf_state= is a filter like a code's (the most common one: "my open
         * cases"), so it gets the same live-row pair: counted over
         * (wf_state, org_path), paged along (wf_state, <sort>, id).  The
         * count's index carries deleted_at too: SQLite 3.40 does not count
         * a partial index's WHERE as covered, so without the column every
         * counted row is a table lookup (10 001 of them, ~5 ms, at a
         * million rows) */
        snprintf(name, sizeof(name), "%s_lf_wf_state", e->table);
        want_live_index(c, ddl, name, "wf_state, org_path, deleted_at");
        /* ?overdue=1 (仅看逾期, the cockpit's 已超期): due_at is set while a
         * record is open, so this holds the open ones only; without it the
         * count read every row (10 s at 10^6 cases) */
        snprintf(name, sizeof(name), "%s_lf_due_at", e->table);
        want_partial_index(c, ddl, name, "due_at, org_path", "deleted_at IS NULL AND due_at IS NOT NULL");
        /* a state's page walked in a field's order; org_path last, so a walk
         * checks the scope in the index and reads only the rows it keeps
         * (the city's archived cases at 10^7: 4 000 entries visited for 21
         * rows, each a table read, 29 ms) */
        for (const field_t *s = e->fields; s->name; s++) {
            if (!(s->flags & FF_SORT) || (s->flags & FF_PI)) continue;
            snprintf(name, sizeof(name), "%s_lw_%s", e->table, s->name);
            snprintf(cols, sizeof(cols), "wf_state, %s, id, org_path", engine_sort_expr(s, "", key, sizeof(key)));
            want_live_index(c, ddl, name, cols);
        }
    }
    for (const field_t *f = e->fields; f->name; f++) {
        if (!(f->flags & (FF_FILTER | FF_SORT))) continue;
        snprintf(name, sizeof(name), "%s_%s", e->table, f->name);
        if (f->flags & FF_PI) {
            if (!(f->flags & FF_FILTER)) continue;
            snprintf(cols, sizeof(cols), "%s_index", f->name);
            want_index(c, ddl, name, cols);
            continue;
        }
        if (plain_index_read(f)) {
            snprintf(cols, sizeof(cols), "%s, id", f->name);
            want_index(c, ddl, name, cols);
        }
        if (f->flags & FF_FILTER) {
            snprintf(name, sizeof(name), "%s_lf_%s", e->table, f->name);
            snprintf(cols, sizeof(cols), "%s, org_path", f->name);
            want_live_index(c, ddl, name, cols);
        }
        if ((f->flags & FF_FILTER) && c->lite && range_field(f)) {
            /* a range within a scope smaller than the range's matches
             * elsewhere (records.c list_index): the scope's rows, the
             * range checked in the index, not in each table row */
            snprintf(name, sizeof(name), "%s_lo_%s", e->table, f->name);
            snprintf(cols, sizeof(cols), "org_path, %s", f->name);
            want_live_index(c, ddl, name, cols);
        }
        if ((f->flags & FF_SORT) && c->lite) {
            want_walk_index(e, c, ddl, f->name, engine_sort_expr(f, "", key, sizeof(key)));
        } else if (f->flags & FF_SORT) {
            snprintf(name, sizeof(name), "%s_ls_%s", e->table, f->name);
            snprintf(cols, sizeof(cols), "%s, id", engine_sort_expr(f, "", key, sizeof(key)));
            want_live_index(c, ddl, name, cols);
        }
        if (f->type != F_CODE || !(f->flags & FF_FILTER) || !dsf || !(dsf->flags & FF_SORT) || (dsf->flags & FF_PI))
            continue;
        snprintf(name, sizeof(name), "%s_lf_%s_%s", e->table, f->name, dsf->name);
        snprintf(cols, sizeof(cols), "%s, %s, id", f->name, engine_sort_expr(dsf, "", key, sizeof(key)));
        want_live_index(c, ddl, name, cols);
    }
}

/* Drops the list indexes (<t>_lf_*, <t>_ls_*, <t>_lw_*, <t>_<field>) a store has but
 * index_ddl no longer makes: a field no longer filtered or sorted, a code ×
 * sort pair or a <t>_lf_wf_state_<s> of an earlier release.  Each costs
 * every write and nothing reads it.  On PostgreSQL only those the
 * application's role owns (a DBA's own stay). */
static int drop_stale_indexes(db_t *db, const entity_t *e, const ctx_t *c, buf_t *ddl) {
    char owned[8192];
    const char *names = c->indexes;
    if (db_kind(db) != DB_SQLITE) {
        if (load_names(db,
                       "SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
                       "JOIN pg_class tc ON tc.oid = i.indrelid WHERE tc.relname = $1 "
                       "AND tc.relnamespace = current_schema()::regnamespace AND pg_has_role(ic.relowner, 'USAGE')",
                       e->table, owned, sizeof(owned)) < 0)
            return -1;
        names = owned;
    }
    ctx_t all = {.table = e->table, .indexes = "|", .lite = db_kind(db) == DB_SQLITE};
    buf_t made = BUF_INIT;
    index_ddl(e, &all, &made);
    char lf[160], ls[160], lw[160], lk[160], lo[160];
    int nlf = snprintf(lf, sizeof(lf), "%s_lf_", e->table), nls = snprintf(ls, sizeof(ls), "%s_ls_", e->table),
        nlw = snprintf(lw, sizeof(lw), "%s_lw_", e->table), nlk = snprintf(lk, sizeof(lk), "%s_lk_", e->table),
        nlo = snprintf(lo, sizeof(lo), "%s_lo_", e->table);
    for (const char *p = names; *p;) {
        if (*p == '|') {
            p++;
            continue;
        }
        size_t n = strcspn(p, "|");
        char want[200];
        snprintf(want, sizeof(want), "CREATE INDEX %.*s ON ", (int)n, p);
        bool listed = strncmp(p, lf, (size_t)nlf) == 0 || strncmp(p, ls, (size_t)nls) == 0 ||
                      strncmp(p, lw, (size_t)nlw) == 0 || strncmp(p, lk, (size_t)nlk) == 0 ||
                      strncmp(p, lo, (size_t)nlo) == 0;
        /* a field's plain index (<t>_<f>) that plain_index_read no longer keeps */
        size_t nt = strlen(e->table);
        for (const field_t *f = e->fields; !listed && f->name; f++)
            listed = n == nt + 1 + strlen(f->name) && strncmp(p, e->table, nt) == 0 && p[nt] == '_' &&
                     strncmp(p + nt + 1, f->name, n - nt - 1) == 0;
        if (listed && !strstr(made.data, want))
            buf_printf(ddl, "DROP INDEX %.*s;\n", (int)n, p);
        p += n;
    }
    buf_free(&made);
    return 0;
}

typedef struct {
    db_t *db;
    buf_t *ddl;
    int rc;
    char *err;
    size_t errlen;
    bool trgm; /* PostgreSQL: pg_trgm is installed */
} mig_t;

static void fts_drop_ddl(buf_t *ddl, const char *t);

/* Full-text search over the FF_SEARCH fields (personal information never):
 * on SQLite an external-content FTS5 table <table>_fts with our tokenizer,
 * the text's bigrams and trigrams, each also under the record's district
 * and office (case-sensitive, as instr / LIKE on PostgreSQL; store/fts_scope.c),
 * kept in step by triggers and filled by 'rebuild' from the view
 * <table>_fts_src when created over existing rows; on PostgreSQL a GIN
 * trigram index per column (pg_trgm).  Created only when missing; a
 * searchable field added later needs a hand-written migration (drop the
 * FTS table and its triggers, engine_migrate recreates them). */
static void search_ddl(const entity_t *e, mig_t *m, ctx_t *c) {
    char cols[1024] = "", newv[2048] = "", oldv[2048] = "";
    int n = 0;
    for (const field_t *f = e->fields; f->name; f++) {
        if (!(f->flags & FF_SEARCH) || (f->flags & FF_PI)) continue;
        size_t l = strlen(cols);
        snprintf(cols + l, sizeof(cols) - l, "%s%s", n ? ", " : "", f->name);
        l = strlen(newv);
        snprintf(newv + l, sizeof(newv) - l, ", char(1) || new.org_path || char(1) || new.%s", f->name);
        l = strlen(oldv);
        snprintf(oldv + l, sizeof(oldv) - l, ", char(1) || old.org_path || char(1) || old.%s", f->name);
        n++;
        if (db_kind(m->db) != DB_SQLITE && m->trgm) {
            char name[200], idx[210];
            snprintf(name, sizeof(name), "%s_%s_trgm", e->table, f->name);
            snprintf(idx, sizeof(idx), "|%s|", name);
            if (!strstr(c->indexes, idx))
                buf_printf(m->ddl, "CREATE INDEX %s ON %s USING gin (%s gin_trgm_ops);\n", name, e->table, f->name);
        }
    }
    if (!n || db_kind(m->db) != DB_SQLITE) return;
    char fts[200], have[256];
    snprintf(fts, sizeof(fts), "%s_fts", e->table);
    /* no merging of index segments inside a write: FTS5 writes a segment
     * per transaction and, by default (automerge=4), merges them right
     * there — 7.6 M of a durable create's 10.1 M instructions (issue 27).
     * The job thread merges instead (engine_merge_search); FTS5 still
     * merges at once when a level reaches 16 segments (crisismerge), which
     * is cheap only over small segments: so the index is first merged
     * into one ('optimize', 2 s at 10^5 cases), after a rebuild and once
     * in a store made before (a setting kept in the FTS table). */
    char am[1000];
    snprintf(am, sizeof(am),
             "INSERT INTO %s (%s) VALUES ('optimize');\nINSERT INTO %s (%s, rank) VALUES ('automerge', 0);\n", fts,
             fts, fts, fts);
    /* a table of another tokenizer (FTS5's trigram one, before issue 27)
     * is made anew, and so rebuilt; dropping it needs that tokenizer, so a
     * tokenizer of ours that is replaced stays registered (fts_scope.h) */
    int present = c->fts_dropped ? 0
                                 : load_names(m->db,
                                              "SELECT CASE WHEN instr(sql, '" FTS_SCOPE_TOKENIZER "') > 0 THEN 'scoped' "
                                              "ELSE 'plain' END FROM sqlite_master WHERE type = 'table' AND name = $1",
                                              fts, have, sizeof(have));
    if (present != 0 && !(present > 0 && strstr(have, "|plain|"))) {
        char cfg[300];
        snprintf(cfg, sizeof(cfg), "SELECT COUNT(*) FROM %s_config WHERE k = 'automerge' AND v = 0", fts);
        if (present > 0 && db_query_int(m->db, cfg, 0) == 0) buf_puts(m->ddl, am);
        return; /* present (or unreadable: the DDL below would fail the same way) */
    }
    const char *t = e->table;
    if (present > 0) fts_drop_ddl(m->ddl, t);
    /* each value as the tokenizer reads it: "\1<org_path>\1<value>", from
     * the view when rebuilt (an external content table's columns are read
     * by name), from the triggers otherwise; a moved record's tokens move
     * with it (the update trigger fires on org_path too) */
    char srcv[2048] = "";
    for (const field_t *f = e->fields; f->name; f++) {
        if (!(f->flags & FF_SEARCH) || (f->flags & FF_PI)) continue;
        size_t l = strlen(srcv);
        snprintf(srcv + l, sizeof(srcv) - l, ", char(1) || org_path || char(1) || %s AS %s", f->name, f->name);
    }
    buf_printf(m->ddl, "DROP VIEW IF EXISTS %s_src;\n", fts);
    buf_printf(m->ddl, "CREATE VIEW %s_src AS SELECT id%s FROM %s;\n", fts, srcv, t);
    buf_printf(m->ddl,
               "CREATE VIRTUAL TABLE %s USING fts5(%s, content='%s_src', content_rowid='id', "
               "tokenize='" FTS_SCOPE_TOKENIZER " case_sensitive 1');\n",
               fts, cols, fts);
    buf_printf(m->ddl,
               "CREATE TRIGGER %s_ai AFTER INSERT ON %s BEGIN INSERT INTO %s (rowid, %s) VALUES (new.id%s); END;\n",
               fts, t, fts, cols, newv);
    buf_printf(m->ddl,
               "CREATE TRIGGER %s_ad AFTER DELETE ON %s BEGIN INSERT INTO %s (%s, rowid, %s) VALUES ('delete', "
               "old.id%s); END;\n",
               fts, t, fts, fts, cols, oldv);
    buf_printf(m->ddl,
               "CREATE TRIGGER %s_au AFTER UPDATE OF %s, org_path ON %s BEGIN INSERT INTO %s (%s, rowid, %s) VALUES "
               "('delete', old.id%s); INSERT INTO %s (rowid, %s) VALUES (new.id%s); END;\n",
               fts, cols, t, fts, fts, cols, oldv, fts, cols, newv);
    buf_printf(m->ddl, "INSERT INTO %s (%s) VALUES ('rebuild');\n", fts, fts);
    buf_puts(m->ddl, am);
}


static bool has_search(const entity_t *e) {
    for (const field_t *f = e->fields; f->name; f++)
        if ((f->flags & FF_SEARCH) && !(f->flags & FF_PI)) return true;
    return false;
}

static void any_search(const entity_t *e, void *arg) {
    if (has_search(e)) *(bool *)arg = true;
}

/* One entity's share of engine_merge_search: up to 256 pages of merging,
 * only where a level holds 4 segments or more (FTS5's usermerge), and only
 * when a segment was written since the last call (the index's last block
 * moved): an idle store gets no write transaction a minute.  The job thread
 * alone calls it, so the memory of the last blocks needs no lock. */
static void merge_entity_search(const entity_t *e, void *arg) {
    static const entity_t *seen_e[128];
    static int64_t seen_last[128];
    db_t *db = arg;
    if (!has_search(e)) return;
    char sql[300];
    snprintf(sql, sizeof(sql), "SELECT COALESCE(MAX(rowid), 0) FROM %s_fts_data", e->table);
    int64_t last = db_query_int(db, sql, -1);
    int i = 0;
    while (i < 128 && seen_e[i] && seen_e[i] != e) i++;
    if (i < 128 && seen_e[i] == e && seen_last[i] == last) return;
    if (i < 128 && !seen_e[i]) { /* the first look (a start): remembered, nothing written */
        seen_e[i] = e;
        seen_last[i] = last;
        return;
    }
    snprintf(sql, sizeof(sql), "INSERT INTO %s_fts (%s_fts, rank) VALUES ('merge', 256)", e->table, e->table);
    if (db_exec(db, sql) != 0) {
        log_error("search: merging %s_fts failed: %s", e->table, db_errmsg(db));
        return;
    }
    if (i < 128) {
        snprintf(sql, sizeof(sql), "SELECT COALESCE(MAX(rowid), 0) FROM %s_fts_data", e->table);
        seen_last[i] = db_query_int(db, sql, -1);
    }
}

void engine_merge_search(db_t *db) {
    if (db_kind(db) == DB_SQLITE) entity_each(merge_entity_search, db);
}

/* PostgreSQL: pg_trgm present, or created now (trusted since PG 13: the
 * database owner may create it).  When it cannot be, search still works
 * (LIKE without an index); said once. */
static bool ensure_trgm(db_t *db) {
    static bool warned;
    if (db_query_int(db, "SELECT COUNT(*) FROM pg_extension WHERE extname = 'pg_trgm'", 0) > 0) return true;
    if (db_exec(db, "CREATE EXTENSION IF NOT EXISTS pg_trgm") == 0) return true;
    if (!warned) log_warn("pg_trgm unavailable, search runs without an index: %s", db_errmsg(db));
    warned = true;
    return false;
}

/* The unique key's partial index on live rows (entity_t.unique):
 * <t>_uq.  Over existing rows, duplicates are named and the migration
 * fails rather than drop or hide anyone's records. */
static void unique_ddl(const entity_t *e, mig_t *m, ctx_t *c) {
    if (!e->unique) return;
    char name[200], needle[210], cols[256];
    snprintf(name, sizeof(name), "%s_uq", e->table);
    snprintf(needle, sizeof(needle), "|%s|", name);
    if (strstr(c->indexes, needle)) return;
    snprintf(cols, sizeof(cols), "%s", e->unique);
    for (char *p = cols; *p; p++)
        if (*p == ' ') *p = ',';
    if (!c->create) {
        buf_t sql = BUF_INIT;
        buf_printf(&sql, "SELECT a.id FROM %s a WHERE a.deleted_at IS NULL AND EXISTS (SELECT 1 FROM %s b WHERE "
                         "b.deleted_at IS NULL AND b.id <> a.id", e->table, e->table);
        char key[256];
        snprintf(key, sizeof(key), "%s", e->unique);
        char *save = NULL;
        bool fresh = false; /* a key column added now holds only NULLs: no duplicates */
        for (char *k = strtok_r(key, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
            char col[160];
            snprintf(col, sizeof(col), "|%s|", k);
            fresh = fresh || !strstr(c->existing, col);
            buf_printf(&sql, " AND b.%s = a.%s", k, k);
        }
        if (fresh) {
            buf_free(&sql);
            goto create;
        }
        buf_printf(&sql, ") ORDER BY %s, a.id LIMIT 20", cols);
        db_stmt_t *s = db_prepare(m->db, sql.data);
        buf_free(&sql);
        if (!s) {
            m->rc = -1;
            snprintf(m->err, m->errlen, "检查重复记录失败 %s: %s", e->table, db_errmsg(m->db));
            return;
        }
        buf_t ids = BUF_INIT;
        int rc;
        while ((rc = db_step(s)) == DB_ROW) buf_printf(&ids, "%s%lld", ids.len ? ", " : "", (long long)db_col_int(s, 0));
        db_reset(s);
        if (rc != DB_DONE || ids.len) {
            m->rc = -1;
            if (rc != DB_DONE) snprintf(m->err, m->errlen, "检查重复记录失败 %s: %s", e->table, db_errmsg(m->db));
            else
                snprintf(m->err, m->errlen,
                         "%s (%s) 有重复的在用记录, 每个 (%s) 只能有一条: 编号 %s; 请合并或删除多余的记录后再启动",
                         e->label, e->table, e->unique, ids.data);
            buf_free(&ids);
            return;
        }
        buf_free(&ids);
    }
create:
    buf_printf(m->ddl, "CREATE UNIQUE INDEX %s ON %s (%s) WHERE deleted_at IS NULL;\n", name, e->table, cols);
}

/* PostgreSQL: <t>_counts_cover (wf_state, org_path) INCLUDE (n), so the sum
 * of a state's cells in a scope is an index-only scan; through the primary
 * key it fetched each cell's heap row (a district's archived cases: 272
 * cells in 23 pages, 76 µs of the list's 228; covered 31 µs, from
 * pg_stat_statements at 10^5 cases).  Added to a store made before it.
 * SQLite's cells are WITHOUT ROWID: the key is the row. */
static void counts_cover_ddl(mig_t *m, const char *cnt, bool fresh) {
    char have[512], want[240];
    if (db_kind(m->db) == DB_SQLITE) return;
    snprintf(want, sizeof(want), "|%s_cover|", cnt);
    if (!fresh && (load_names(m->db,
                              "SELECT indexname FROM pg_indexes WHERE tablename = $1 AND schemaname = current_schema()",
                              cnt, have, sizeof(have)) < 0 ||
                   strstr(have, want)))
        return;
    buf_printf(m->ddl, "CREATE INDEX %s_cover ON %s (wf_state, org_path) INCLUDE (n);\n", cnt, cnt);
}

/* PostgreSQL: <t>_counts_up, the cells rolled up to every ancestor unit:
 * (org_path, wf_state) holds the live rows of the unit's whole subtree in
 * that state, so a list's total over a scope reads one row a state instead
 * of summing the subtree's cells (a district's archived cases: 272 cells,
 * about 20 µs of PostgreSQL's CPU a list; issue 26).  Kept by a row
 * trigger on <t>_counts, in the transaction that changes a cell, whoever
 * changes it (the fold, a node of the version before this one during a
 * rolling upgrade), so it always equals the cells it sums.  Filled from
 * the cells after the trigger exists: creating the trigger locks the cells
 * against a concurrent fold until the fill commits.  fresh: the cells were
 * just rebuilt, so the roll-up is too. */
static void counts_up_ddl(mig_t *m, const char *cnt, bool fresh) {
    char have[256], up[220];
    if (db_kind(m->db) == DB_SQLITE) return;
    snprintf(up, sizeof(up), "%s_up", cnt);
    if (!fresh && load_names(m->db,
                             "SELECT table_name FROM information_schema.tables WHERE table_name = $1 "
                             "AND table_schema = current_schema()",
                             up, have, sizeof(have)) != 0)
        return; /* there (or unknown: the start fails elsewhere) */
    /* every ancestor of a path '/1/32/150/': '/1/', '/1/32/', '/1/32/150/' */
#define ANCESTORS(p) "FROM generate_series(2, length(" p ")) i WHERE substr(" p ", i, 1) = '/'"
    buf_printf(m->ddl,
               "DROP TABLE IF EXISTS %s;\n"
               "CREATE TABLE %s (\n    org_path @PATH@ NOT NULL,\n    wf_state TEXT NOT NULL,\n"
               "    n BIGINT NOT NULL,\n    PRIMARY KEY (org_path, wf_state) INCLUDE (n)\n);\n"
               "CREATE OR REPLACE FUNCTION %s_f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n"
               "    IF TG_OP <> 'INSERT' THEN\n"
               "        INSERT INTO %s (org_path, wf_state, n) SELECT left(OLD.org_path, i), OLD.wf_state, -OLD.n\n"
               "        " ANCESTORS("OLD.org_path") "\n"
               "        ON CONFLICT (org_path, wf_state) DO UPDATE SET n = %s.n + EXCLUDED.n;\n"
               "    END IF;\n"
               "    IF TG_OP <> 'DELETE' THEN\n"
               "        INSERT INTO %s (org_path, wf_state, n) SELECT left(NEW.org_path, i), NEW.wf_state, NEW.n\n"
               "        " ANCESTORS("NEW.org_path") "\n"
               "        ON CONFLICT (org_path, wf_state) DO UPDATE SET n = %s.n + EXCLUDED.n;\n"
               "    END IF;\n    RETURN NULL;\nEND\n$body$;\n"
               "DROP TRIGGER IF EXISTS %s_t ON %s;\n"
               "CREATE TRIGGER %s_t AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION %s_f();\n"
               "INSERT INTO %s (org_path, wf_state, n) SELECT left(c.org_path, a.i), c.wf_state, SUM(c.n) FROM %s c, "
               "LATERAL (SELECT i " ANCESTORS("c.org_path") ") a GROUP BY 1, 2;\n",
               up, up, up, up, up, up, up, up, cnt, up, cnt, up, up, cnt);
#undef ANCESTORS
}

/* Live rows per (wf_state, org_path), kept by triggers in the writing
 * transaction whatever writes (the engine, imports, merges, restores,
 * `sifasuo generate`): <t>_counts.  A list's total over a scope and
 * workflow states sums these instead of counting rows (records.c,
 * count_total; DESIGN.md "precomputed figures maintained on write").
 * Created with its triggers and filled from the live rows when missing. */
static void counts_ddl(const entity_t *e, mig_t *m) {
    char cnt[200], have[256];
    snprintf(cnt, sizeof(cnt), "%s_counts", e->table);
    bool lite = db_kind(m->db) == DB_SQLITE;
    if (load_names(m->db,
                   lite ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1"
                        : "SELECT table_name FROM information_schema.tables WHERE table_name = $1 "
                          "AND table_schema = current_schema()",
                   cnt, have, sizeof(have)) != 0) {
        counts_cover_ddl(m, cnt, false);
        counts_up_ddl(m, cnt, false);
        return;
    }
    const char *t = e->table;
    /* keyed by state first, so the cells of a state filter are one range
     * each; the second index serves a list of every state.  Both carry n:
     * the sum reads no other page (SQLite: WITHOUT ROWID, the key is the row) */
    buf_printf(m->ddl,
               "CREATE TABLE %s (\n    wf_state TEXT NOT NULL,\n    org_path @PATH@ NOT NULL,\n"
               "    n BIGINT NOT NULL,\n    PRIMARY KEY (wf_state, org_path)\n)%s;\n"
               "CREATE INDEX %s_path ON %s (org_path, n);\n",
               cnt, lite ? " WITHOUT ROWID" : "", cnt, cnt);
    buf_printf(m->ddl,
               "INSERT INTO %s (org_path, wf_state, n) SELECT org_path, COALESCE(wf_state, ''), COUNT(*) FROM %s "
               "WHERE deleted_at IS NULL GROUP BY org_path, COALESCE(wf_state, '');\n",
               cnt, t);
    if (lite) {
        /* row triggers (SQLite updates a cell in place): a row leaves its
         * old cell when it was live and enters its new one when it is live;
         * an update that moves neither fires nothing */
        char plus[600], minus[300];
        snprintf(minus, sizeof(minus),
                 "UPDATE %s SET n = n - 1 WHERE org_path = old.org_path AND wf_state = COALESCE(old.wf_state, '')", cnt);
        snprintf(plus, sizeof(plus),
                 "INSERT INTO %s (org_path, wf_state, n) VALUES (new.org_path, COALESCE(new.wf_state, ''), 1) "
                 "ON CONFLICT (org_path, wf_state) DO UPDATE SET n = %s.n + 1",
                 cnt, cnt);
        buf_printf(m->ddl, "CREATE TRIGGER %s_ai AFTER INSERT ON %s WHEN new.deleted_at IS NULL BEGIN %s; END;\n", cnt,
                   t, plus);
        buf_printf(m->ddl, "CREATE TRIGGER %s_ad AFTER DELETE ON %s WHEN old.deleted_at IS NULL BEGIN %s; END;\n", cnt,
                   t, minus);
        buf_printf(m->ddl,
                   "CREATE TRIGGER %s_au AFTER UPDATE OF org_path, wf_state, deleted_at ON %s WHEN "
                   "old.org_path IS NOT new.org_path OR old.wf_state IS NOT new.wf_state OR "
                   "(old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN "
                   "%s AND old.deleted_at IS NULL; "
                   "INSERT INTO %s (org_path, wf_state, n) SELECT new.org_path, COALESCE(new.wf_state, ''), 1 "
                   "WHERE new.deleted_at IS NULL ON CONFLICT (org_path, wf_state) DO UPDATE SET n = %s.n + 1; END;\n",
                   cnt, t, minus, cnt, cnt);
        return;
    }
    counts_cover_ddl(m, cnt, true);
    /* PostgreSQL: a row updated again and again in one transaction leaves a
     * version per update that every later update walks past (none can be
     * pruned before the commit), so 30 000 imported rows of one office
     * would cost 30 000^2 / 2 visits.  Instead each statement appends its
     * net change per cell to <t>_counts_new (statement triggers with
     * transition tables: one row per cell a statement touched, never an
     * update), the lists add those rows to the cells, and the job thread
     * folds them into the cells once a minute (engine_fold_counts). */
    buf_printf(m->ddl,
               "CREATE TABLE %s_new (\n    wf_state TEXT NOT NULL,\n    org_path @PATH@ NOT NULL,\n"
               "    n BIGINT NOT NULL\n);\nCREATE INDEX %s_new_key ON %s_new (wf_state, org_path);\n",
               cnt, cnt, cnt);
    buf_printf(m->ddl,
               "CREATE FUNCTION %s_f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n"
               "    IF TG_OP = 'INSERT' THEN\n"
               "        INSERT INTO %s_new (wf_state, org_path, n) SELECT COALESCE(wf_state, ''), org_path, COUNT(*)\n"
               "        FROM new_rows WHERE deleted_at IS NULL GROUP BY 1, 2;\n"
               "    ELSIF TG_OP = 'DELETE' THEN\n"
               "        INSERT INTO %s_new (wf_state, org_path, n) SELECT COALESCE(wf_state, ''), org_path, -COUNT(*)\n"
               "        FROM old_rows WHERE deleted_at IS NULL GROUP BY 1, 2;\n"
               "    ELSE\n"
               "        INSERT INTO %s_new (wf_state, org_path, n) SELECT s, p, SUM(d) FROM (\n"
               "            SELECT COALESCE(wf_state, '') s, org_path p, -1 d FROM old_rows WHERE deleted_at IS NULL\n"
               "            UNION ALL SELECT COALESCE(wf_state, ''), org_path, 1 FROM new_rows WHERE deleted_at IS NULL) x\n"
               "        GROUP BY s, p HAVING SUM(d) <> 0;\n"
               "    END IF;\n    RETURN NULL;\nEND\n$body$;\n",
               cnt, cnt, cnt, cnt);
    buf_printf(m->ddl,
               "CREATE TRIGGER %s_ai AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION %s_f();\n"
               "CREATE TRIGGER %s_au AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION %s_f();\n"
               "CREATE TRIGGER %s_ad AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION %s_f();\n",
               cnt, t, cnt, cnt, t, cnt, cnt, t, cnt);
    counts_up_ddl(m, cnt, true);
}

/* A ref target's titles are cached in every process (titles.c); its row in
 * cache_generations ("titles:<entity>") is bumped, in the writing
 * transaction, whenever a title or a unit path changes or a row is deleted,
 * whoever writes.  Row triggers with WHEN, so other updates (a case's state)
 * touch nothing.  Created when missing. */
static void titles_ddl(const entity_t *e, mig_t *m) {
    const char *gen = engine_titles_generation(e);
    const field_t *tf = entity_title_field(e);
    if (!gen || !tf) return;
    char have[512];
    bool lite = db_kind(m->db) == DB_SQLITE;
    if (load_names(m->db,
                   lite ? "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $1"
                        : "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                          "WHERE c.relname = $1 AND NOT t.tgisinternal",
                   e->table, have, sizeof(have)) < 0)
        return;
    char want[200];
    snprintf(want, sizeof(want), "|%s_title_au|", e->table);
    if (strstr(have, want)) return;
    const char *t = e->table;
    char col[160];
    snprintf(col, sizeof(col), "%s%s", tf->name, (tf->flags & FF_PI) ? "_masked" : "");
    buf_printf(m->ddl,
               "INSERT INTO cache_generations (name, generation) SELECT '%s', %s WHERE NOT EXISTS "
               "(SELECT 1 FROM cache_generations WHERE name = '%s');\n",
               gen, lite ? "abs(random() % 1000000000000)" : "CAST(floor(random() * 1e12) AS BIGINT)", gen);
    if (lite) {
        const char *bump = "UPDATE cache_generations SET generation = generation + 1 WHERE name =";
        buf_printf(m->ddl,
                   "CREATE TRIGGER %s_title_au AFTER UPDATE OF %s, org_path ON %s WHEN old.%s IS NOT new.%s OR "
                   "old.org_path IS NOT new.org_path BEGIN %s '%s'; END;\n"
                   "CREATE TRIGGER %s_title_ad AFTER DELETE ON %s BEGIN %s '%s'; END;\n",
                   t, col, t, col, col, bump, gen, t, t, bump, gen);
        return;
    }
    buf_printf(m->ddl,
               "CREATE TRIGGER %s_title_au AFTER UPDATE OF %s, org_path ON %s FOR EACH ROW WHEN "
               "(old.%s IS DISTINCT FROM new.%s OR old.org_path IS DISTINCT FROM new.org_path) "
               "EXECUTE FUNCTION cache_generation_bump('%s');\n"
               "CREATE TRIGGER %s_title_ad AFTER DELETE ON %s FOR EACH STATEMENT "
               "EXECUTE FUNCTION cache_generation_bump('%s');\n",
               t, col, t, col, col, gen, t, t, gen);
}

/* A parent's count of its live children of each declared kind (records.c
 * write_children reads a kind only when its count is not 0, so a parent
 * without children is one statement naming one table): column n_<child
 * table> on the parent's table, kept by row triggers on the child's table
 * in the writing transaction whoever writes (the engine, imports, merges,
 * restores, psql), and filled from the live children when it is added.
 * Run after every entity's table exists (a child may come before its
 * parent in the registry). */
static void children_ddl(const entity_t *ce, void *arg) {
    mig_t *m = arg;
    if (m->rc || !ce->parent) return;
    const field_t *pf = entity_field(ce, ce->parent);
    const entity_t *pe = pf && pf->ref ? entity_find(pf->ref) : NULL;
    bool declared = false;
    for (const entity_child_t *k = pe ? pe->children : NULL; k && k->key; k++)
        declared = declared || entity_find(k->entity) == ce;
    if (!declared) return;
    char col[160], needle[180];
    engine_child_count_col(ce, col, sizeof(col));
    snprintf(needle, sizeof(needle), "|%s|", col);
    ctx_t c = {.table = pe->table};
    if (load_columns(m->db, pe->table, &c) < 0) {
        m->rc = -1;
        snprintf(m->err, m->errlen, "读取表结构失败 %s: %s", pe->table, db_errmsg(m->db));
        return;
    }
    if (strstr(c.existing, needle)) return; /* added with its triggers, in one transaction */
    const char *pt = pe->table, *ct = ce->table, *p = ce->parent;
    buf_printf(m->ddl,
               "ALTER TABLE %s ADD COLUMN %s BIGINT NOT NULL DEFAULT 0;\n"
               "UPDATE %s SET %s = (SELECT COUNT(*) FROM %s c WHERE c.%s = %s.id AND c.deleted_at IS NULL) "
               "WHERE id IN (SELECT %s FROM %s WHERE deleted_at IS NULL);\n",
               pt, col, pt, col, ct, p, pt, p, ct);
    if (db_kind(m->db) == DB_SQLITE) {
        buf_printf(m->ddl,
                   "DROP TRIGGER IF EXISTS %s_n_ai; DROP TRIGGER IF EXISTS %s_n_ad; DROP TRIGGER IF EXISTS %s_n_au;\n"
                   "CREATE TRIGGER %s_n_ai AFTER INSERT ON %s WHEN new.deleted_at IS NULL BEGIN "
                   "UPDATE %s SET %s = %s + 1 WHERE id = new.%s; END;\n"
                   "CREATE TRIGGER %s_n_ad AFTER DELETE ON %s WHEN old.deleted_at IS NULL BEGIN "
                   "UPDATE %s SET %s = %s - 1 WHERE id = old.%s; END;\n"
                   "CREATE TRIGGER %s_n_au AFTER UPDATE OF %s, deleted_at ON %s WHEN old.%s IS NOT new.%s OR "
                   "(old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN "
                   "UPDATE %s SET %s = %s - 1 WHERE id = old.%s AND old.deleted_at IS NULL; "
                   "UPDATE %s SET %s = %s + 1 WHERE id = new.%s AND new.deleted_at IS NULL; END;\n",
                   ct, ct, ct, ct, ct, pt, col, col, p, ct, ct, pt, col, col, p, ct, p, ct, p, p, pt, col, col, p, pt,
                   col, col, p);
        return;
    }
    buf_printf(m->ddl,
               "CREATE OR REPLACE FUNCTION %s_n_f() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n"
               "    IF TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN\n"
               "        UPDATE %s SET %s = %s - 1 WHERE id = OLD.%s;\n    END IF;\n"
               "    IF TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN\n"
               "        UPDATE %s SET %s = %s + 1 WHERE id = NEW.%s;\n    END IF;\n"
               "    RETURN NULL;\nEND\n$body$;\n",
               ct, pt, col, col, p, pt, col, col, p);
    buf_printf(m->ddl,
               "DROP TRIGGER IF EXISTS %s_n_ai ON %s; DROP TRIGGER IF EXISTS %s_n_ad ON %s; "
               "DROP TRIGGER IF EXISTS %s_n_au ON %s;\n"
               "CREATE TRIGGER %s_n_ai AFTER INSERT ON %s FOR EACH ROW WHEN (NEW.deleted_at IS NULL) "
               "EXECUTE FUNCTION %s_n_f();\n"
               "CREATE TRIGGER %s_n_ad AFTER DELETE ON %s FOR EACH ROW WHEN (OLD.deleted_at IS NULL) "
               "EXECUTE FUNCTION %s_n_f();\n"
               "CREATE TRIGGER %s_n_au AFTER UPDATE OF %s, deleted_at ON %s FOR EACH ROW WHEN "
               "(OLD.%s IS DISTINCT FROM NEW.%s OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)) "
               "EXECUTE FUNCTION %s_n_f();\n",
               ct, ct, ct, ct, ct, ct, ct, ct, ct, ct, ct, ct, ct, p, ct, p, p, ct);
}

/* SQLite: drops table t's FTS5 search table and the triggers that keep it
 * (search_ddl makes them again when missing). */
static void fts_drop_ddl(buf_t *ddl, const char *t) {
    buf_printf(ddl,
               "DROP TRIGGER IF EXISTS %s_fts_ai; DROP TRIGGER IF EXISTS %s_fts_ad; DROP TRIGGER IF EXISTS %s_fts_au;\n"
               "DROP TABLE IF EXISTS %s_fts; DROP VIEW IF EXISTS %s_fts_src;\n",
               t, t, t, t, t);
}

/* Appends "name|" to a "|a|b|" list. */
static void list_add(char *list, size_t n, const char *name) {
    size_t l = strlen(list);
    snprintf(list + l, n - l, "%s|", name);
}

/* A field declared with .was whose column still has the former name: the
 * column is renamed, keeping its values.  What names the column is rebuilt
 * or renamed with it: a list index <t>_lf_<was> is dropped as stale and
 * made anew (drop_stale_indexes, index_ddl); SQLite's FTS5 table, whose
 * columns are the field names, is dropped and rebuilt (search_ddl);
 * PostgreSQL's trigram index is renamed. */
static void rename_fields(const entity_t *e, db_t *db, ctx_t *c) {
    bool lite = db_kind(db) == DB_SQLITE;
    for (const field_t *f = e->fields; f->name; f++) {
        if (!f->was) continue;
        char was[160], now[160];
        snprintf(was, sizeof(was), "|%s|", f->was);
        snprintf(now, sizeof(now), "|%s|", f->name);
        if (!strstr(c->existing, was) || strstr(c->existing, now)) continue;
        bool search = (f->flags & FF_SEARCH) && !(f->flags & FF_PI);
        if (search && lite && !c->fts_dropped) {
            fts_drop_ddl(c->ddl, c->table);
            c->fts_dropped = true;
        }
        buf_printf(c->ddl, "ALTER TABLE %s RENAME COLUMN %s TO %s;\n", c->table, f->was, f->name);
        list_add(c->existing, sizeof(c->existing), f->name);
        char old_idx[200], new_idx[200];
        snprintf(old_idx, sizeof(old_idx), "|%s_%s_trgm|", c->table, f->was);
        snprintf(new_idx, sizeof(new_idx), "%s_%s_trgm", c->table, f->name);
        if (search && !lite && strstr(c->indexes, old_idx)) {
            buf_printf(c->ddl, "ALTER INDEX %.*s RENAME TO %s;\n", (int)strlen(old_idx) - 2, old_idx + 1, new_idx);
            list_add(c->indexes, sizeof(c->indexes), new_idx);
        }
        log_info("%s: 字段 %s 更名为 %s", c->table, f->was, f->name);
    }
}

static void migrate_entity(const entity_t *e, void *arg) {
    mig_t *m = arg;
    if (m->rc) return;
    ctx_t c = {.ddl = m->ddl, .table = e->table, .lite = db_kind(m->db) == DB_SQLITE};
    int ncols = load_columns(m->db, e->table, &c);
    if (ncols < 0) {
        m->rc = -1;
        snprintf(m->err, m->errlen, "读取表结构失败 %s: %s", e->table, db_errmsg(m->db));
        return;
    }
    c.create = ncols == 0;
    if (c.create) {
        buf_printf(m->ddl, "CREATE TABLE %s (\n    id @PK@", e->table);
        each_column(e, add_col, &c);
        buf_puts(m->ddl, "\n);\n");
    } else {
        rename_fields(e, m->db, &c);
        each_column(e, add_col, &c);
    }
    index_ddl(e, &c, m->ddl);
    if (drop_stale_indexes(m->db, e, &c, m->ddl) != 0) {
        m->rc = -1;
        snprintf(m->err, m->errlen, "读取索引失败 %s: %s", e->table, db_errmsg(m->db));
        return;
    }
    search_ddl(e, m, &c);
    unique_ddl(e, m, &c);
    counts_ddl(e, m);
    titles_ddl(e, m);
}

/* Drops what engine_migrate derives from e's declaration and can rebuild
 * from the rows alone: the list indexes, the search index (FTS5 table and
 * its triggers, or the trigram GIN indexes) and <t>_counts with its
 * triggers.  Never the table, its key or its unique index.  For a bulk
 * load (`sifasuo generate`): rows go in without index upkeep, then
 * engine_migrate builds each structure once, sorted, over all of them;
 * and if the load stops half-way, the next start builds them. */
int engine_unindex(db_t *db, const entity_t *e, char *err, size_t errlen) {
    ctx_t c = {.table = e->table, .indexes = "|", .lite = db_kind(db) == DB_SQLITE};
    buf_t made = BUF_INIT, ddl = BUF_INIT;
    index_ddl(e, &c, &made);
    const char *t = e->table;
    for (const char *l = made.data; l && (l = strstr(l, "CREATE INDEX ")); l++) {
        l += strlen("CREATE INDEX ");
        buf_printf(&ddl, "DROP INDEX IF EXISTS %.*s;\n", (int)strcspn(l, " "), l);
    }
    for (const field_t *f = e->fields; f->name; f++)
        if ((f->flags & FF_SEARCH) && !(f->flags & FF_PI))
            buf_printf(&ddl, "DROP INDEX IF EXISTS %s_%s_trgm;\n", t, f->name);
    if (db_kind(db) == DB_SQLITE) {
        fts_drop_ddl(&ddl, t);
        buf_printf(&ddl,
                   "DROP TRIGGER IF EXISTS %s_counts_ai; DROP TRIGGER IF EXISTS %s_counts_ad; "
                   "DROP TRIGGER IF EXISTS %s_counts_au;\nDROP TABLE IF EXISTS %s_counts;\n",
                   t, t, t, t);
    } else
        buf_printf(&ddl,
                   "DROP FUNCTION IF EXISTS %s_counts_f() CASCADE;\nDROP TABLE IF EXISTS %s_counts;\n"
                   "DROP TABLE IF EXISTS %s_counts_new;\nDROP TABLE IF EXISTS %s_counts_up;\n"
                   "DROP FUNCTION IF EXISTS %s_counts_up_f() CASCADE;\n",
                   t, t, t, t, t);
    int rc = 0;
    if (db_begin(db) != 0 || db_exec(db, ddl.data) != 0 || db_commit(db) != 0) {
        snprintf(err, errlen, "删除派生索引失败 %s: %s", t, db_errmsg(db));
        db_rollback(db);
        rc = -1;
    }
    buf_free(&made);
    buf_free(&ddl);
    return rc;
}

int engine_build_indexes(db_t *db, const entity_t *e, engine_index_progress_fn progress, void *arg, char *err,
                         size_t errlen) {
    ctx_t c = {.table = e->table, .lite = db_kind(db) == DB_SQLITE};
    if (load_columns(db, e->table, &c) < 0) {
        snprintf(err, errlen, "读取表结构失败 %s: %s", e->table, db_errmsg(db));
        return -1;
    }
    buf_t ddl = BUF_INIT;
    index_ddl(e, &c, &ddl);
    int n = 0, i = 0, rc = 0;
    for (const char *l = ddl.data; l && (l = strstr(l, "CREATE INDEX ")); l++) n++;
    /* one statement a line (index_ddl writes them so), each committed alone */
    for (char *l = ddl.data; rc == 0 && l && *l; i++) {
        char *end = strchr(l, '\n');
        if (end) *end = '\0';
        const char *name = l + strlen("CREATE INDEX ");
        char shown[200];
        snprintf(shown, sizeof(shown), "%.*s", (int)strcspn(name, " "), name);
        if (progress) progress(i, n, shown, arg);
        if (db_begin(db) != 0 || db_exec(db, l) != 0 || db_commit(db) != 0) {
            snprintf(err, errlen, "建立索引 %s 失败: %s", shown, db_errmsg(db));
            db_rollback(db);
            rc = -1;
        }
        l = end ? end + 1 : NULL;
    }
    if (rc == 0 && progress) progress(n, n, NULL, arg);
    buf_free(&ddl);
    return rc;
}

static engine_migrate_fn *seeders;
static int nseeders, seeders_cap;

void engine_on_migrate(engine_migrate_fn fn) {
    seeders = vec_reserve(seeders, nseeders, &seeders_cap, sizeof(*seeders), 4);
    seeders[nseeders++] = fn;
}

int engine_migrate(db_t *db, char *err, size_t errlen) {
    buf_t ddl = BUF_INIT, sql = BUF_INIT;
    mig_t m = {db, &ddl, 0, err, errlen, false};
    if (db_kind(db) != DB_SQLITE) {
        bool want = false;
        entity_each(any_search, &want);
        if (want) m.trgm = ensure_trgm(db);
    }
    entity_each(migrate_entity, &m);
    entity_each(children_ddl, &m);
    int rc = m.rc;
    if (rc == 0 && ddl.len) {
        migration_render(ddl.data, db_kind(db), &sql);
        if (db_begin(db) != 0 || db_exec(db, sql.data) != 0 || db_commit(db) != 0) {
            snprintf(err, errlen, "建立业务表失败: %s", db_errmsg(db));
            db_rollback(db);
            rc = -1;
        }
    }
    buf_free(&ddl);
    buf_free(&sql);
    if (rc == 0) rc = codes_seed_declared(db, err, errlen);
    for (int i = 0; rc == 0 && i < nseeders; i++)
        rc = seeders[i](db, err, errlen);
    return rc;
}
