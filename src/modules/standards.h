/* standards.h — the standardisation engine (issue 6; docs/standards.md):
 * the 规范化 rules of the three-year plan as data, their evaluation over
 * the registers "as of" a date, precomputed results and roll-ups, the
 * scorecard, the problem list they open and the annual report.
 *
 * A rule is one row of std_rules[] (standards_rules.c): id, clause, title,
 * explanation, level, effective date or deadline, the facts it reads, and
 * an evaluator that sets a result for every unit of its level in a subtree
 * with one or a few set-based queries. */
#ifndef SFS_STANDARDS_H
#define SFS_STANDARDS_H
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "store/db.h"
#include "util/arena.h"
#include "util/buf.h"

struct keys;
struct jw;

typedef enum { STD_PASS = 1, STD_FAIL = 2, STD_NOT_DUE = 3 } std_status_t;

/* A unit a rule is evaluated for (an office, a district or the city). */
typedef struct std_unit {
    int64_t id;
    const char *path, *name;
} std_unit_t;

/* One unit's result: status, measured and required values, and the
 * evidence a clerk can act on — a sentence and the records behind it
 * (records: a JSON array built with jw_* into its own buf). */
typedef struct std_result {
    std_status_t status;
    const char *actual, *required, *message;
    buf_t records; /* JSON array body, without brackets */
    int nrecords;
} std_result_t;

/* What an evaluator gets: the units of its level existing on as_of within
 * scope (sorted by id), one result slot each, and the thresholds. */
typedef struct std_eval {
    db_t *db;
    arena_t *arena;
    const char *as_of;    /* YYYY-MM-DD */
    int year;             /* of as_of */
    const char *scope;    /* subtree path */
    const char *scope_hi; /* its exclusive upper bound */
    std_unit_t *units;
    std_result_t *res;
    int n;
} std_eval_t;

typedef struct std_rule {
    const char *id;            /* also a code of the standard_rule list */
    const char *clause;        /* "15", "四(三)" */
    const char *title;         /* zh-CN */
    const char *explain;       /* what it checks and why (zh-CN) */
    const char *level;         /* "office", "district", "city" */
    const char *effective;     /* not due before this date (NULL: always due) */
    const char *deadline_text; /* how the deadline reads ("2022-12-31", "每年 10 月 31 日") */
    const char *facts;         /* the register columns it reads (docs, metadata) */
    const char *reads;         /* the entities it reads (space-separated): a write to one re-evaluates it */
    /* Sets e->res[i] for every unit; 0 or a negative DB_* error. */
    int (*eval)(std_eval_t *e);
} std_rule_t;

/* Every rule: the plan's own (standards_rules.c) then the ones business
 * lines register, one array (indexes are stable once the start is over). */
extern const std_rule_t *std_rules;
extern int std_nrules;

/* A threshold a rule reads (standard_settings), with its default and range. */
typedef struct std_setting_decl {
    const char *key, *label;
    int64_t value, min, max;
} std_setting_decl_t;
/* A business line's own rules, from its declare function (before the store
 * is opened): n rules appended to std_rules, and settings ({0}-terminated,
 * may be NULL) the thresholds they read.  At every start (engine_on_migrate)
 * each rule's code "<clause> <title>" is added to the standard_rule list and
 * each setting to standard_settings, when the store never had them (an
 * administrator's value is kept).  A rule id already taken aborts. */
void std_rules_register(const std_rule_t *rules, int n, const std_setting_decl_t *settings);
const std_rule_t *std_rule_find(const char *id);
const char *std_status_key(std_status_t s);

/* A threshold (standard_settings.value), read fresh each evaluation, into
 * *v (0 when the store has no such row).  0, or a negative DB_* error when
 * the store cannot say: then the caller answers 503 (a rule's evaluation
 * fails, a deadline or a check is not computed) and never goes on with 0 or
 * the declared default — the city may have changed the value, and a
 * threshold read wrong is a wrong figure or a wrong decision
 * (docs/standards.md "Thresholds"). */
int std_setting(db_t *db, const char *key, int64_t *v);
/* Records into a result: appends {"entity","id","label"}. */
void std_record(std_result_t *r, const char *entity, int64_t id, const char *label);
/* The same for the records of entity whose field filter is id (a village's
 * 法治带头人: entity "rol-people", filter "village_id"): {"entity", "id",
 * "label", "filter"}; the scorecard links it to the list so filtered. */
void std_record_filter(std_result_t *r, const char *entity, const char *filter, int64_t id, const char *label);
/* Sets status and evidence (message printf-style, in the evaluation arena). */
void std_set(std_eval_t *e, int i, std_status_t st, const char *actual, const char *required, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The index of unit id in e->units, or -1. */
int std_unit_index(const std_eval_t *e, int64_t id);
/* The unit whose subtree holds path (a record's org_path, a village's
 * path): its index in e->units, or -1. */
int std_unit_of_path(const std_eval_t *e, const char *path);
/* sql prepared over the evaluation's subtree: $1, $2 the scope's bounds,
 * $3 the as_of date when the SQL names it; NULL on a store error. */
db_stmt_t *std_scoped(std_eval_t *e, const char *sql);

/* ---- results (standards.c) ---- */
/* Re-evaluates every rule that reads entity (NULL: every rule) for the units in path's subtree for every stored
 * date (31 Decembers and today), inside the caller's transaction, keeping
 * roll-ups in step and opening or flagging problems.  0 or negative. */
int standards_refresh(db_t *db, const char *path, const char *entity, int64_t user_id);
/* After an office change applied in path's subtree (a district) with
 * effect from effective_on: every rule recomputed for the stored dates on
 * or after it (31 Decembers and today; the earlier ones keep the structure
 * they had), the results of units that do not exist on a date removed, the
 * roll-ups kept in step, problems synchronised for today.  In the caller's
 * transaction.  0 or negative (issue 19 point 3). */
int standards_org_changed(db_t *db, const char *path, const char *effective_on, int64_t user_id);
/* Computes every stored date (today and each 31 December since 2022) that
 * has no complete run, in transactions of one district each, and drops the
 * dates no longer kept.  The job thread calls it once a minute (a new day,
 * a change of thresholds).  Outside a transaction.  On SQLite it pauses
 * 10 ms after each transaction so other writers get the lock, unless alone
 * (init: no other connection can be using the store).  0 or negative. */
int standards_daily(db_t *db, bool alone);
/* Marks every date for recomputation (in the caller's transaction). */
int standards_invalidate(db_t *db);
/* standards_invalidate then standards_daily (sifasuo check --rebuild). */
int standards_rebuild(db_t *db);
/* Opens a problem per failing (unit, rule) not yet listed and flags the
 * listed ones whose rule passes again (problems.c).  In the caller's
 * transaction.  0 or negative. */
int problems_sync(db_t *db, const std_rule_t *rule, const std_unit_t *u, const std_result_t *res, const char *as_of,
                  int64_t user_id);
/* After a merge (office_change.c; the closed office's problems already
 * moved to the successor `to`): each problem keyed to the closed office's
 * (unit, rule) takes the successor's key, or — where the successor lists the
 * rule already — is voided as merged into it (a closed one keeps its history
 * without a key).  Audited (problem.rekey, workflow.void).  0 or -1. */
int problems_follow_merge(http_req_t *r, int64_t from, int64_t to, const char *to_name);
/* After a revoke: the office's problems not closed are voided with the
 * reason 机构撤销, audited.  0 or -1 (at most 512 a change). */
int problems_close_revoked(http_req_t *r, const char *office_path, const char *name, const char *effective_on);

/* The scorecard of org as of a date, as JSON into w's buffer (also the CLI). */
/* Writes the scorecard of org_id as of as_of; returns 0, 1 when the unit is
 * unknown, negative on a store error.  *failing counts failed results. */
int standards_scorecard(db_t *db, arena_t *a, int64_t org_id, const char *as_of, struct jw *w, int *failing);
/* What standards_scorecard_ex read besides the answer: the generations of
 * results and of the tree in its snapshot, and whether the date was
 * computed live (not stored: the answer must not be kept). */
typedef struct std_card_meta {
    int64_t gen, org_gen;
    bool live;
} std_card_meta_t;
int standards_scorecard_ex(db_t *db, arena_t *a, int64_t org_id, const char *as_of, struct jw *w, int *failing,
                           std_card_meta_t *meta);

/* Every result in a district's subtree on a date (stored, or computed and
 * rolled back): the offices × rules table of the annual report.  Call
 * outside a transaction.  0 or negative. */
typedef struct std_cell {
    int64_t org_id;
    const char *org_name, *level;
    int rule; /* index into std_rules */
    std_status_t status;
    const char *message;
} std_cell_t;
int standards_matrix(db_t *db, arena_t *a, const char *path, const char *as_of, std_cell_t **cells, int *n);
/* Writes the members "rules" (the office rules: id, clause, title) and
 * "offices" ([{id, name, results: {rule: status}}]) of cells into the
 * object open in w. */
void standards_matrix_write(struct jw *w, const std_cell_t *cells, int n);

void standards_declare(void);
void standards_routes_register(void);
void problems_declare(void);
void annual_reports_declare(void);
void annual_reports_routes_register(void);
#endif
