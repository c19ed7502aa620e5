/* engine.h — the resource engine (DESIGN.md "The resource engine"; issue 4).
 *
 * Most of the platform is records of many kinds that are listed, filtered,
 * created, edited, moved through states and exported.  A module declares
 * each kind once as a static entity_t table; from it the engine derives the
 * table (both dialects), serves the generic endpoints, the UI metadata,
 * validation with a Chinese message per field, history and the to-do inbox.
 *
 *   GET    /api/v1/<entity>                 list: filters, q, sort, keyset, total
 *   GET    /api/v1/<entity>/<id>            one record (personal information masked)
 *   POST   /api/v1/<entity>                 create
 *   PATCH  /api/v1/<entity>/<id>            update; body carries "version" (stale → 409)
 *   DELETE /api/v1/<entity>/<id>            soft delete; POST …/<id>/restore undoes it
 *   GET    /api/v1/<entity>/<id>/history    the record's timeline (from the audit log)
 *   POST   /api/v1/<entity>/<id>/actions/<action>   a workflow transition
 *   POST   /api/v1/<entity>/<id>/unmask     personal information in full (pi.unmask, audited)
 *   GET    /api/v1/meta/entities[/<entity>] metadata for the UI
 *   GET    /api/v1/todo                     what the user can act on, overdue first
 *   GET    /api/v1/<entity>/export          CSV/XLSX of the list's rows (io.c)
 *   POST   /api/v1/<entity>/import          CSV upload → a job (import.c, jobs.h)
 *
 * Every entity table has the same spine: id, org_id, org_path (the owner's
 * materialised path, copied so scope filters are one index range), version,
 * created_at/by, updated_at/by, deleted_at, wf_state, wf_version, due_at. */
#ifndef SFS_ENGINE_H
#define SFS_ENGINE_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "store/db.h"

typedef enum {
    F_TEXT = 1,
    F_INT,
    F_DECIMAL,  /* fixed point: stored as an integer in 10^-scale units (fen, 0.01 m²) */
    F_DATE,     /* "YYYY-MM-DD" */
    F_DATETIME, /* ISO-8601 UTC */
    F_BOOL,
    F_CODE,   /* a value of a 字典 code list */
    F_REF,    /* id of another entity's record, or of an org unit ("org_units") */
    F_PERSON, /* id in the person registry */
    F_FILE,   /* content hash of a stored file */
} field_type_t;

enum field_flags {
    FF_REQUIRED = 1 << 0,
    FF_PI = 1 << 1,       /* personal information: encrypted, masked, unmask audited */
    FF_SEARCH = 1 << 2,   /* matched by ?q= */
    FF_FILTER = 1 << 3,   /* indexed filter */
    FF_LIST = 1 << 4,     /* a default list column */
    FF_SORT = 1 << 5,     /* may be a sort key */
    FF_READONLY = 1 << 6, /* set by workflow or system, never by create/update */
    FF_TODAY = 1 << 7,    /* F_DATE: a create without it gets today (Shanghai); the form shows it filled in */
};

typedef struct field {
    const char *name;  /* column and API name */
    const char *label; /* zh-CN */
    field_type_t type;
    unsigned flags;
    int64_t min, max;      /* F_INT/F_DECIMAL: range in stored units; F_TEXT: max characters (0 → 2000) */
    int scale;             /* F_DECIMAL: digits after the point */
    const char *code_list; /* F_CODE */
    const char *ref;       /* F_REF: "org_units" or an entity name */
    const char *mask;      /* FF_PI: "idcard", "phone", "name" or NULL (generic) */
    /* Extra check of a text value: NULL when fine, else the Chinese reason. */
    const char *(*check)(const char *value);
    /* FF_READONLY: why a create or update may not set it (Chinese), when
     * not "set by the workflow" — e.g. fixed when the record was made. */
    const char *readonly_why;
    /* The column's former name, when the field was renamed: a start renames
     * it (data kept) and rebuilds what is derived from it (engine_migrate). */
    const char *was;
    /* A date that narrows a personal-information field of the same record
     * (a birth date beside an ID number: with it, a masked number has a
     * handful of candidates left).  Masked with it (issue 18 point 3): every
     * output shows the year only ("1985-**-**"), the unmask endpoint and an
     * unmasked export the full date; it is never a filter, sort or search. */
    const char *masked_with;
    /* F_DATE: a countdown beside the date (issue 20 point 1: 矫正期限的剩余
     * 天数), its Chinese label here.  Every output of the record — GET, a
     * list's rows, a parent's children, the feed — carries "<name>_days":
     * the days from today (Shanghai) to the date, negative once it is past;
     * computed as the record is written, never stored (it changes every day
     * without a write), so it is no filter, sort key nor export column.
     * null when the date is empty or the record is in a final state. */
    const char *countdown;
} field_t;

/* A field a list may filter by a range (?<f>.from=, ?<f>.to=): a date, a
 * time, a number. */
static inline bool field_ranged(const field_t *f) {
    return f->type == F_DATE || f->type == F_DATETIME || f->type == F_INT || f->type == F_DECIMAL;
}

typedef struct wf_state {
    const char *key, *label;
    int deadline_days; /* working days allowed in this state; 0 = none */
    /* Final: deadlines cleared, and the record locked — no update, delete,
     * nor children (entity_t.parent) — until a transition out of it (a
     * reopen, which needs a reason) fires (issue 15 point 6, wf_locked). */
    bool final;
} wf_state_t;

/* A parent's children (entity_t.children): the child entity names this one
 * in its .parent.  The parent's GET carries its live children under key
 * (their list columns, at most ENGINE_CHILDREN_MAX), and deleting a parent
 * with live children is refused (409) or deletes them too, in the same
 * transaction, each audited (issue 15 point 8). */
typedef enum { CHILD_DELETE_REFUSE = 1, CHILD_DELETE_CASCADE } child_delete_t;
typedef struct entity_child {
    const char *key;    /* the key in the parent's JSON: "parties" */
    const char *entity; /* the child entity: "mediation-parties" */
    child_delete_t on_delete;
} entity_child_t;
#define ENGINE_CHILDREN_MAX 100
/* A child's row in its parent's GET has at most this many columns (spine,
 * list fields, their names; checked at start): a child is shown as a list
 * row, not as a record.  (It was PostgreSQL's json_build_array limit when
 * the children were folded into the parent's statement.) */
#define ENGINE_CHILD_COLS_MAX 100

/* A record's number (entity_t.number): pattern filled into field when the
 * record is created (at NULL) or when transition `at` first fires.  Words:
 * {year} (Shanghai), {office} (the owning office's id; a village's record
 * counts in its office), {district} (the district's one-character short
 * name, 浦 for 浦东新区), {seq} or {seq:N} (zero-padded to N digits).  The
 * sequence is per entity, office and year, kept in number_seq and taken
 * inside the write's transaction: gap-free (a rolled-back write gives its
 * number back) and unique. */
typedef struct entity_number {
    const char *field;   /* an F_TEXT FF_READONLY field */
    const char *pattern; /* "({year})沪调字第{office}-{seq:4}号" */
    const char *at;      /* NULL: at create; else a workflow action */
} entity_number_t;

struct entity;
/* A transition's side effect (wf_transition_t.hook): runs inside the
 * transition's transaction after the state change; non-zero aborts it (the
 * hook has answered the request, else 409 hook_refused). */
typedef int (*wf_hook_fn)(http_req_t *r, const struct entity *e, int64_t id, const char *action, json_t *body);

typedef struct wf_transition {
    const char *action, *label;
    const char *from; /* space-separated states, or "*" */
    const char *to;
    const char *perm;     /* NULL → "<entity perm>.<action>" */
    const char *requires; /* space-separated fields the body must carry */
    /* Space-separated fields the body may carry (an opinion a reviewer may
     * give); set like requires when given, left alone when not. */
    const char *accepts;
    /* Space-separated fields the web app's dialog shows, read-only, for the
     * decision (the measures and evidence a reviewer weighs). */
    const char *shows;
    /* The body's comment is required (a send-back says why): 422 at
     * "comment" when blank; the history and the record's page show it. */
    bool comment_required;
    /* Tells the record's creator (engine/notify.c) with this kind of notice
     * ("sent_back", "closed", "report_sent_back"); a comment_required
     * transition tells as "sent_back" when this is NULL. */
    const char *notify;
    wf_hook_fn hook;      /* NULL = none; a pointer, so a misspelling cannot compile */
    /* Four-eyes: space-separated earlier actions; whoever did the latest of
     * them on the record (its audit trail) may not do this one (403). */
    const char *distinct_from;
    /* A date field set to today (Shanghai) when the transition fires: the
     * day a case closed, an opinion was given, a reply was filed. */
    const char *stamp;
    /* The transition meets the record's overall deadline (a reply filed,
     * an opinion given): due_at is cleared, as a final state clears it. */
    bool meets_deadline;
} wf_transition_t;

typedef struct workflow {
    int version;
    const char *initial;
    const wf_state_t *states;           /* ends with {0} */
    const wf_transition_t *transitions; /* ends with {0} */
    int deadline_days;                  /* overall, working days from creation; 0 = none */
    int escalate_after_days;            /* overdue by this many days → escalated */
    /* An update (PATCH) of a record in one of these states (space-separated)
     * moves it to reopen_to; such a state is editable even when final (the
     * edit itself reopens it, wf_locked): a checked or approved register entry that is
     * edited goes back for review (issue 5 point 9).  NULL = edits keep the state. */
    const char *reopen_from;
    const char *reopen_to;
} workflow_t;

struct engine_demo;
struct engine_generator;
struct code_list_decl;
struct check_ctx;
struct doc;
struct entity;
/* A document generated from a record (entity_t.documents; document.h):
 * GET /api/v1/<entity>/:id/documents/<key>?format=html|docx. */
typedef struct entity_document {
    const char *key;       /* URL segment: "opinion" */
    const char *title;     /* "合法性审查意见书" */
    const char *ready;     /* a field that must be set first (else 409), NULL = always */
    const char *not_ready; /* the 409's Chinese message */
    /* Writes the document from rec (the record as GET shows it): 0, or
     * -1 after answering (what it needed could not be read). */
    int (*render)(http_req_t *r, struct doc *o, const struct entity *e, json_t *rec);
} entity_document_t;
typedef struct entity {
    const char *name;  /* URL segment: "mediation-cases" */
    const char *label; /* "人民调解案件" */
    const char *table; /* "mediation_case" */
    const char *perm;  /* permission prefix: <perm>.read|create|update|delete|restore */
    const field_t *fields;             /* ends with {0} */
    const workflow_t *const *flows;    /* versions, oldest first, NULL-terminated; NULL = no workflow */
    const char *default_sort;          /* "-id", "name", … */
    bool protected_;                   /* readable outside the owning office only by break-the-glass */
    /* 附件: several files per record (files.c: PDF, JPEG, PNG, DOCX, XLSX),
     * read like the record, added and removed by whoever may update it */
    bool attachments;
    /* 交办 (issue 16 point 4, "assigned to me"): a record created for
     * another unit than its author's is assigned to that unit — each active
     * user there who may fire a transition out of the first state is told
     * (notify.c notify_assigned).  false: no notice. */
    bool notify_assigned;
    /* A protected entity's <perm>.read_protected — read the records in the
     * holder's whole scope without a grant (the district corrections
     * institution, which entrusts the offices: 社区矫正法 第九条) — is
     * granted by default to these roles (space-separated; NULL: none). */
    const char *protected_roles;
    const char *roles;                 /* default roles for read/create/update (space-separated) */
    /* Roles granted read and export only, beside .roles (space-separated;
     * NULL: none): the city leader's 全市数据只读与统计 (issue 16 point 10). */
    const char *read_roles;
    /* A rule across fields and records (issue 15 point 4), run on create,
     * update, every import row and each workflow action that writes fields
     * (check_ctx_t says which, with the record before and after): NULL when
     * fine, else the Chinese reason, with *field the field to show it at;
     * the write is then rolled back and answered 422 (an import row gets
     * the reason as its error).  check_linked() reads a ref's record or a
     * person's fields, only when the rule asks. */
    const char *(*check)(struct check_ctx *c, const char **field);
    /* At most one live record per key: space-separated columns ("org_id",
     * "org_id year category"; spine org_id or non-PI fields).  A partial
     * unique index on live rows (schema.c); create, update, restore and
     * import answer 409 naming the existing record instead. */
    const char *unique;
    /* When set, the generic create and import are withheld: 405 with this
     * Chinese message (where records of this kind come from). */
    const char *create_via;
    /* When set, records are never deleted: DELETE (and restore) answer 405
     * with this Chinese message (how such a record is ended instead: a
     * problem is voided by the district with a reason). */
    const char *delete_via;
    /* The F_REF field naming the record this one belongs to (a mediation
     * case's parties: "case_id").  While that record is in a final state
     * (wf_locked) a child is not created, updated, deleted or restored
     * there: 409 record_final (issue 15 point 6). */
    const char *parent;

    /* ---- a business line in one file (issue 15 point 3; docs/engine.md
     * "Adding a business line") ---- */
    /* Code lists this entity brings, {0}-terminated: created at start when
     * missing, and each initial code inserted when that code never existed
     * in the list — codes administrators edited, deactivated or added are
     * kept (codes.c, codes_seed_declared). */
    const struct code_list_decl *code_lists;
    /* The business line (menu group) the entity's pages sit in: a key
     * ("mediation") and its Chinese name ("人民调解"); NULL → 业务记录. */
    const char *line, *line_label;
    /* The field that names a record (to-do, detail page, breadcrumbs):
     * "case_no"; NULL → the first listed non-personal text field. */
    const char *title;
    /* Cockpit figures: the group the entity's record count is shown under
     * on the cockpit ("场所装备经费"; "" → the line's name); NULL → none.
     * With cockpit_by_state the count is split by workflow state. */
    const char *cockpit;
    bool cockpit_by_state;
    /* Extra panels of the detail page, space-separated names the web app
     * maps to components ("documents", "report-preview"); a field named in
     * .detail_hide is left out of the detail table (a panel shows it). */
    const char *panels, *detail_hide;
    /* Panels of the list page's head, by name as .panels: what a list offers
     * besides 新建 (a 生成报表 dialog where records are generated, not typed). */
    const char *list_panels;
    /* Demo data: called by `init --demo` after the organisation, the
     * person registry and the accounts' units exist, in registration
     * order (engine_demo_all).  0, or -1 with err. */
    int (*demo)(const struct engine_demo *d, char *err, size_t errlen);
    /* The entities whose .parent names this one, ending with {0}; NULL = none. */
    const entity_child_t *children;
    /* States an import may start its records in besides the workflow's
     * initial one (space-separated; issue 16 point 8: a register taken over
     * already checked): the importer chooses one and must hold the
     * permission of a transition into it (wf_import_state_allowed).  NULL =
     * the initial state only. */
    const char *import_states;
    /* The record's number, assigned by the engine; NULL = none. */
    const entity_number_t *number;
    /* Scale data: `sifasuo generate <name> --count N [--bulk]` (load and
     * capacity tests; engine/generate.h).  NULL → not a kind generate knows. */
    const struct engine_generator *generate;
    /* Documents generated from a record, ending with {0}; NULL = none.
     * Declare the panel "documents" to list them on the detail page. */
    const entity_document_t *documents;
    /* The overall deadline (due_at) computed from the record's own fields
     * rather than counted from its creation (a reply due 10 working days
     * after a copy was received): called after a create and after an
     * update of a record not in a final state, inside the write's
     * transaction, with c->after the record as saved.  Writes "YYYY-MM-DD"
     * into due, or "" for none; 0, or -1 on a store error. */
    int (*deadline)(struct check_ctx *c, char due[11]);
} entity_t;

/* The columns of a child's row in its parent's GET (ENGINE_CHILD_COLS_MAX). */
int engine_child_columns(const entity_t *ce);
/* The parent's column that counts its live children of kind ce into out:
 * "n_<child table>" (records.c reads it, schema.c keeps it by triggers). */
void engine_child_count_col(const entity_t *ce, char *out, size_t n);

/* ---- the entity's rule (entity_t.check; checks.c; docs/engine.md) ---- */
typedef enum {
    CHECK_CREATE, /* POST /api/v1/<entity> */
    CHECK_UPDATE, /* PATCH /api/v1/<entity>/<id> */
    CHECK_IMPORT, /* one row of a CSV import, before any row is written */
    CHECK_ACTION, /* a workflow transition that writes fields (.requires) */
} check_op_t;

typedef struct check_ctx {
    http_req_t *r;         /* the request, or the import job's request-like context */
    db_t *db;              /* r->db: read only (the write's transaction when there is one) */
    const entity_t *e;
    check_op_t op;
    const char *action;    /* CHECK_ACTION: the transition's action ("close"), else NULL */
    json_t *before;        /* the record as GET showed it before the write; NULL on create and import */
    json_t *after;         /* the record as saved (import: as it would be, without id) */
    json_t *linked;        /* check_linked's loads, by field; freed when the check returns */
} check_ctx_t;

/* The record or person field `field` of c->after links to, for reading:
 * an entity ref's target as GET shows it (live, in the caller's scope, a
 * protected one only as GET allows), an org-unit ref's {id, name, path},
 * a person's {id, name, gender, birth_date, id_type} (the name in full and
 * the birth date: for rules, never for messages or logs).  NULL when the
 * field is empty, not a ref or person, or the target cannot be read.
 * Borrowed: valid until the check returns.  Loaded only when asked. */
json_t *check_linked(check_ctx_t *c, const char *field);
/* Full years from birth ("YYYY-MM-DD") to on (NULL = today); -1 when
 * either date is malformed. */
int check_age(const char *birth, const char *on);
/* The first column of sql (a fixed statement, "SELECT COUNT(*) … WHERE
 * parent_id = $1 …") run with id as $1 on the check's connection: a rule
 * counting the records that belong to this one.  -1 on a store error. */
int64_t check_count(check_ctx_t *c, const char *sql, int64_t id);
/* A rule's read that the store could not answer: a request answers 503 at
 * once (the first answer is the one sent, so the 422 the rule's reason
 * would make never leaves); an import row (no HTTP request) gets the
 * reason as its error.  Returns why, for `return check_store_error(c, "…")`. */
const char *check_store_error(check_ctx_t *c, const char *why);
/* Runs e->check (NULL when the entity has none or the record passes): the
 * Chinese reason, *field the field it names. */
const char *engine_check_run(check_ctx_t *c, const char **field);
/* The same inside a write's transaction: on a reason rolls back, answers
 * 422 at the field and returns -1; 0 when fine. */
int engine_check_answer(check_ctx_t *c);
/* A record as GET shows it, for a check's before/after (a new reference;
 * deleted records too), or NULL after answering 404/403/503. */
json_t *engine_record_snapshot(http_req_t *r, const entity_t *e, int64_t id);
/* The same for a linked record: live, in scope, protected as GET allows;
 * NULL without answering, but for a store error in a request (503). */
json_t *engine_linked_record(http_req_t *r, const entity_t *e, int64_t id);

/* A declared code list (entity_t.code_lists). */
typedef struct code_seed {
    const char *code, *label;
} code_seed_t;
typedef struct code_list_decl {
    const char *key, *name;
    const code_seed_t *codes; /* {0}-terminated, in display order */
    bool fixed;               /* not editable by administrators */
} code_list_decl_t;

/* What a demo generator is given (entity_t.demo). */
struct keys;
typedef struct engine_demo {
    db_t *db;
    const struct keys *keys;
    bool nation; /* --scale nation: the organisation only, no business data */
} engine_demo_t;
/* Runs every registered entity's demo generator, in registration order;
 * prints nothing.  0, or -1 with err naming the entity. */
int engine_demo_all(const engine_demo_t *d, char *err, size_t errlen);
/* Demo data of a module that is not an engine entity (the person
 * registry): engine_demo_all runs these first, in registration order, since
 * the entities' demo data links them.  Call before init. */
typedef int (*engine_demo_fn)(const engine_demo_t *d, char *err, size_t errlen);
void engine_demo_register(const char *name, engine_demo_fn fn);
/* Inserts a record of e owned by org (its path) in workflow state (NULL:
 * the initial state) with fields' columns as given (integers, strings,
 * booleans, null; spine columns such as due_at, state_since, created_at,
 * created_by may be given; created_at defaults to a fixed demo instant) —
 * no validation, no audit: an entity's .demo data, or a hook's record
 * derived from another (which audits it).  In the caller's transaction.
 * The new id, or -1. */
int64_t engine_insert_raw(db_t *db, const entity_t *e, int64_t org, const char *path, const char *state,
                           json_t *fields);
/* A record made from another inside the caller's transaction: the raw
 * insert above in the initial state with the workflow's dates, created_by the
 * caller (none for an API token), audited record.create with
 * {"after": fields, "derived_from": from}.  Takes fields (not from).  The
 * new id, or -1 (records.c). */
int64_t engine_insert_derived(http_req_t *r, const entity_t *target, int64_t org, const char *path, json_t *fields,
                              json_t *from);
/* True when a registered entity declares code list key. */
bool entity_declares_code_list(const char *key);

/* Registers an entity (and its permissions); call before serving. */
void entity_register(const entity_t *e);
const entity_t *entity_find(const char *name);
void entity_each(void (*fn)(const entity_t *e, void *arg), void *arg);
const field_t *entity_field(const entity_t *e, const char *name);
/* The field whose value names a record of e where another record refers to
 * it (a ref field x's x_name, exports, import by name): "name", else
 * "title", else the first FF_LIST text or person field, else the first text
 * or person field; NULL when none (a ref to such an entity fails the start
 * check).  The one place of the rule: an explicit declaration replaces it. */
const field_t *entity_title_field(const entity_t *e);
/* The declared field a ?sort= value ("-received_on") names, the entity's
 * default sort when sort is NULL or empty; NULL for a spine column (id). */
const field_t *entity_sort_field(const entity_t *e, const char *sort);
const workflow_t *entity_flow(const entity_t *e, int version); /* version 0 → newest */
/* True when a list may sort by name (without its "-"): a spine column (id,
 * created_at, updated_at, due_at) or a FF_SORT field that is not personal
 * information.  ?sort= answers 422 otherwise; a .default_sort must pass. */
bool engine_sort_allowed(const entity_t *e, const char *name);

/* The declarations' check at start (registry.c; issue 15): every registered
 * entity against itself and the others — identifiers, permission names,
 * fields (keys every record carries, code lists the migrations seed, ref
 * targets, masks), workflows (initial state, each transition's from and to
 * states, requires fields, distinct_from actions, reopen states), default
 * sort and unique key.  Prints one line per fault on stderr,
 *   声明错误: <entity>: <item>: <reason>
 * and returns how many.  cli_open_store runs it before opening the store,
 * so serve, init, migrate and every other command that opens one stop with
 * exit 2 before doing any work.  Call it after every module registered. */
int entity_verify_all(void);

/* Creates or extends every registered entity's table and indexes from its
 * declaration (both dialects).  Returns 0 or -1 with err. */
int engine_migrate(db_t *db, char *err, size_t errlen);
/* Start seeds: fn runs at the end of every engine_migrate (every command
 * that opens a store), after the tables and declared code lists, outside a
 * transaction; it seeds what a module declares into tables a migration
 * made (the standards engine: a line's rules' codes and thresholds) and
 * inserts only what the store never had.  0, or -1 with err (the start
 * fails).  Register before opening the store. */
typedef int (*engine_migrate_fn)(db_t *db, char *err, size_t errlen);
void engine_on_migrate(engine_migrate_fn fn);
int engine_unindex(db_t *db, const entity_t *e, char *err, size_t errlen);
/* Builds e's missing list indexes one at a time, each committed alone (a
 * stopped build keeps those done), calling progress(i, n, name) before the
 * i-th of n and (n, n, NULL) at the end; engine_migrate then makes the rest.
 * For a bulk load (`sifasuo generate`).  0 or -1 with err. */
typedef void (*engine_index_progress_fn)(int i, int n, const char *name, void *arg);
int engine_build_indexes(db_t *db, const entity_t *e, engine_index_progress_fn progress, void *arg, char *err,
                         size_t errlen);
void engine_fold_counts(db_t *db);
/* SQLite: merges the segments the writes since the last call left in each
 * entity's search index (FTS5 automerge is off, schema.c search_ddl); the
 * first call of a process only looks.  The job thread calls it once a
 * minute; a failure is logged. */
void engine_merge_search(db_t *db);
/* The generic routes; registered after every module's own routes. */
void engine_routes_register(void);

/* Write observers (the standards engine's refresh, issue 6): called inside
 * every engine write's transaction — create, update, delete, restore,
 * workflow transition, import — after the change and before its audit row,
 * with the owning unit's path (for an import, the importer's unit).
 * Non-zero aborts the write (503, nothing stored). */
typedef int (*engine_write_fn)(db_t *db, const entity_t *e, const char *org_path, int64_t user_id);
void engine_on_write(engine_write_fn fn);
int engine_notify_write(db_t *db, const entity_t *e, const char *org_path, int64_t user_id);

/* The values bound to one statement built by the engine, in placeholder
 * order.  Fixed-size (no allocation on a request's path): a declaration that
 * could need more is refused at start (registry.c, check_binds), and a
 * list's filters are capped per request below it (ENGINE_FILTER_VALUES_MAX,
 * 422).  A bind past the end returns 0 and sets overflow, which the builder
 * must answer, never send ("$0" would reach the store: 503). */
#define SQL_BINDS_MAX 128
typedef struct sql_binds {
    int n;
    bool overflow;
    struct {
        bool is_int;
        int64_t i;
        const char *s;
    } v[SQL_BINDS_MAX];
} sql_binds_t;
/* Appends a value; its placeholder number ($N), or 0 on overflow. */
static inline int sql_bind_text(sql_binds_t *b, const char *s) {
    if (b->n == SQL_BINDS_MAX) return b->overflow = true, 0;
    b->v[b->n].is_int = false;
    b->v[b->n].s = s;
    return ++b->n;
}
static inline int sql_bind_int(sql_binds_t *b, int64_t i) {
    if (b->n == SQL_BINDS_MAX) return b->overflow = true, 0;
    b->v[b->n].is_int = true;
    b->v[b->n].i = i;
    return ++b->n;
}
/* Per request: a list's or export's filter values (each value of a=x,y,
 * each .from/.to, each org_id; q and the scope do not count) — 422
 * too_many_filter_values past it.  Two binds per org_id value at most, plus
 * the scope's and a grant's four and q's and overdue's: within SQL_BINDS_MAX. */
#define ENGINE_FILTER_VALUES_MAX 50

/* Shared by lists and exports: builds "FROM … WHERE …" for the request's
 * filters within the caller's scope.  Answers 422 itself and returns -1 on a
 * bad filter or more than ENGINE_FILTER_VALUES_MAX values. */
/* ?sort= (or the entity's default) as the list orders by it, the id as
 * tie-break: " ORDER BY <expr> ASC|DESC, t.id ASC|DESC" appended to sql,
 * led by "(<expr> = <empty>) ASC" where the list puts empty values last.
 * -1 after answering 422 (an unknown or unsortable field). */
int engine_order_by(http_req_t *r, const entity_t *e, buf_t *sql);
int engine_where(http_req_t *r, const entity_t *e, buf_t *sql, sql_binds_t *b);
void engine_bind_all(db_stmt_t *s, const sql_binds_t *b);
/* Steps s (bound, ready) to its end and returns the integers of its first
 * column in an array from the request's arena (NULL when none), their count
 * in *n; resets s.  *n is -1 on a store error. */
int64_t *engine_collect_ids(http_req_t *r, db_stmt_t *s, int *n);
/* The sort key of a FF_SORT field, NULL folded so both engines order the
 * same: "COALESCE(<prefix><name>, <lowest value>)".  The list's ORDER BY and
 * the live-row sort indexes (schema.c) must spell it identically. */
const char *engine_sort_expr(const field_t *f, const char *prefix, char *out, size_t outlen);
/* Another live record with the key (entity_t.unique) that the record self
 * (0 when creating) would have once the changed key values in keys (a JSON
 * object of field → stored value; org_id for creation) are applied: its id,
 * 0 when none, -1 on a store error. */
int64_t engine_unique_clash(db_t *db, const entity_t *e, int64_t self, json_t *keys);
/* The 409 for such a clash, naming the existing record. */
void engine_unique_error(http_req_t *r, const entity_t *e, int64_t existing);
/* For a child entity (entity_t.parent): the state that locks parent record
 * parent_id (final, see wf_locked) in *st and its workflow in *wf, NULL when it is open, missing or
 * has no workflow; on PostgreSQL with lock the row is held FOR SHARE until
 * the transaction ends, so a concurrent archive waits for the child's write
 * (or the child's check sees it).  0, or a negative DB_* on a store error. */
int engine_parent_locked(db_t *db, const entity_t *e, int64_t parent_id, bool lock, const wf_state_t **st,
                         const workflow_t **wf);
/* "所属人民调解案件 (编号 12) 已处于「已归档」状态, 不能添加调解案件当事人"
 * (verb: 添加/修改/删除/恢复), in r's arena. */
const char *engine_parent_locked_message(http_req_t *r, const entity_t *e, int64_t parent_id, const wf_state_t *st,
                                         const char *verb);
/* The same from a job (import), in malloc'd memory the caller frees. */
char *engine_parent_locked_text(const entity_t *e, int64_t parent_id, const wf_state_t *st, const char *verb);
/* Takes the next number of e (entity_t.number) for a record owned by unit
 * org (path org_path), inside the caller's transaction, formatted into r's
 * arena in *out.  0, or -1 on a store error. */
int engine_number_next(http_req_t *r, const entity_t *e, int64_t org, const char *org_path, const char **out);
/* A block of n consecutive numbers of e for unit org, taken inside the
 * caller's transaction on db (an import numbers its rows with it): year,
 * office, district (malloc'd; the caller frees it) and the first
 * sequence number.  0, or -1 on a store error. */
typedef struct engine_numbers {
    int year;
    int64_t office, first;
    char *district;
} engine_numbers_t;
int engine_number_reserve(db_t *db, const entity_t *e, int64_t org, const char *org_path, int64_t n,
                          engine_numbers_t *out);
/* Formats pattern with the given parts into out (malloc'd); NULL when the
 * pattern has an unknown or malformed {word} (registry.c checks at start
 * with this). */
char *engine_number_format(const char *pattern, int year, int64_t office, const char *district, int64_t seq);

/* Appends the SELECT column list (spine + fields) for e: ENGINE_SPINE_COLS
 * columns (id, org_id, org_path, version, ..., escalated), then one per field,
 * then the linked persons' names.  The org unit's name is not selected: it
 * comes from the org-unit snapshot (scope_unit_name). */
#define ENGINE_SPINE_COLS 14
/* An F_REF to another entity (not to org_units): its x_name is the target
 * record's title (entity_title_field), selected after the persons' names. */
bool engine_entity_ref(const field_t *f);
/* Appends the scalar subquery giving ref field f's target title for the row
 * aliased alias (a person title: the full name, to mask). */
void engine_ref_name_sql(const field_t *f, const char *alias, buf_t *sql);
/* The title of ref target te's record id as "<org_path>|<title>" (the raw
 * engine_ref_display takes), in the request's arena; NULL when there is no
 * such record.  From a process-wide cache (titles.c): rows name no other
 * table, which on PostgreSQL cost each statement its own locks and plan. */
const char *engine_ref_title(http_req_t *r, const entity_t *te, int64_t id);
/* Sets up a cache per ref target; called once the declarations are checked
 * (entity_verify_all), before any worker runs. */
void engine_titles_init(void);
/* Whether some entity refers to e (its titles are cached), and the row of
 * cache_generations its triggers bump ("titles:<entity>"), NULL if none. */
bool engine_titles_target(const entity_t *e);
const char *engine_titles_generation(const entity_t *e);
/* Empties e's title cache (engine_notify_write calls it for every write);
 * engine_titles_forget empties them all (an office change moved units). */
void engine_titles_wrote(const entity_t *e);
void engine_titles_forget(void);
/* The name to show for a person field's or entity ref's selected name raw
 * (NULL → NULL): persons' names masked ("张*"), other titles as stored; a
 * record the reader may not read (engine_may_read) ENGINE_REF_WITHHELD. */
#define ENGINE_REF_WITHHELD "(无权查看的记录)"
const char *engine_ref_display(http_req_t *r, const field_t *f, const char *raw, char *out, size_t outlen);
void engine_select_cols(const entity_t *e, buf_t *sql);
/* The same with only the fields i where sel[i] (a list's ?fields=); NULL: all. */
void engine_select_cols_of(const entity_t *e, const bool *sel, buf_t *sql);
void engine_record_sql(const entity_t *e, buf_t *sql);
/* After a committed write the caller was allowed: the record as GET shows
 * it, children and why it is locked included (create, update, restore,
 * workflow actions), with status; its id alone when it cannot be read back —
 * never an error. */
void engine_answer_record(http_req_t *r, const entity_t *e, int64_t id, int status);
/* Runs inside a create's transaction right after the INSERT, before the
 * record's deadline, rule and audit row, which see what it wrote.  0 to go
 * on; -1 after answering (or without: 503), which rolls the create back. */
typedef int (*engine_create_hook_fn)(http_req_t *r, const entity_t *e, int64_t id, void *arg);
/* POST /api/v1/<entity>'s write, for the principal auth_principal(r) and
 * body (the caller keeps it): the same validation, scope, numbering,
 * deadline, rule, audit and commit, with hook (may be NULL) in the
 * transaction.  The new id after the commit, without answering; 0 after
 * answering the refusal (4xx/503).  The caller checked "<perm>.create". */
int64_t engine_create(http_req_t *r, const entity_t *e, json_t *body, engine_create_hook_fn hook, void *arg);
/* Writes one record from a row selected with engine_select_cols. */
void engine_write_record(http_req_t *r, const entity_t *e, db_stmt_t *s);
/* From a row selected with engine_select_cols_of(sel): only those fields,
 * and, when sel is not NULL, without the workflow actions. */
void engine_write_record_of(http_req_t *r, const entity_t *e, const bool *sel, db_stmt_t *s);
/* Selects a live record in the caller's scope with engine_select_cols (sql
 * is scratch).  Returns the statement on the row (the caller db_reset()s it),
 * or NULL after answering 404 / 403 (protected) / 503. */
db_stmt_t *engine_load_record(http_req_t *r, const entity_t *e, int64_t id, buf_t *sql);
/* ---- one access path (access.c; docs/engine.md "One access path") ---- */
typedef enum {
    ENGINE_READ_OK,          /* may read */
    ENGINE_READ_GRANTED,     /* may read through a break-the-glass grant: audit it (engine_read_audit) */
    ENGINE_READ_NOT_FOUND,   /* outside the caller's scope: answer as if it did not exist */
    ENGINE_READ_PROTECTED,   /* protected, in scope, no grant: 403 protected */
    ENGINE_READ_FORBIDDEN,   /* no <perm>.read: 403 */
    ENGINE_READ_STORE_ERROR, /* the grants could not be read: 503 (never "no grant") */
} engine_read_t;
#define ENGINE_READABLE(a) ((a) == ENGINE_READ_OK || (a) == ENGINE_READ_GRANTED)
/* May the caller read a record of e owned at org_path?  Read permission,
 * scope, protected-record rules with break-the-glass, in that order; asked
 * before anything about the record's state is said. */
engine_read_t engine_may_read(http_req_t *r, const entity_t *e, const char *org_path);
/* Its first step alone: does the caller hold <perm>.read of e? */
bool engine_can_read(http_req_t *r, const entity_t *e);
/* Answers a refusal of engine_may_read: 403 forbidden / 404 / 403 protected
 * / 503. */
void engine_read_refuse(http_req_t *r, engine_read_t a);
/* May the caller read person_id of the registry (owned at person_org_path)?
 * In scope, or shared with the caller's unit (persons.c: person.shared).
 * 1, 0, or -1 on a store error.  A record links only such a person, and a
 * view of a linked person (documents) shows the others masked. */
int engine_person_readable(http_req_t *r, int64_t person_id, const char *person_org_path);
/* 422 validation_failed with fields (key → Chinese reason); the message is
 * the first one, naming its field by the Chinese label (records.c). */
void engine_field_error(http_req_t *r, const entity_t *e, json_t *fields);
/* Exact look-ups by personal information (access.c): the PI field a list's
 * query filters by (NULL when none); false after answering 429 when the
 * caller is past pi.lookup_per_minute; the audit row pi.lookup (field, hit,
 * never the value) — -1 after answering 503 when it cannot be written. */
const field_t *engine_pi_lookup_field(http_req_t *r, const entity_t *e);
bool engine_pi_lookup_allowed(http_req_t *r);
int engine_pi_lookup_audit(http_req_t *r, const char *entity, const char *field, bool hit);
/* The same decision for a set of records (lists, export, to-do): OK (the
 * scope alone), GRANTED with g the subtrees the caller's active
 * break-the-glass grants open (at most ENGINE_GRANTS_MAX: admin.c refuses
 * a user a further active grant of the entity, 422; narrow the scope to
 * their union), or PROTECTED / FORBIDDEN. */
#define ENGINE_GRANTS_MAX 8
typedef struct {
    int n;
    const char *path[ENGINE_GRANTS_MAX];
} engine_grants_t;
engine_read_t engine_read_range(http_req_t *r, const entity_t *e, engine_grants_t *g);
/* Audits a read of a protected record (id 0: a list of them); 0 or -1 when
 * the audit row could not be written (the read must then fail). */
int engine_read_audit(http_req_t *r, const entity_t *e, int64_t id, const char *via);
/* The column of field f in a row selected with engine_select_cols. */
int engine_field_col(const entity_t *e, const field_t *f);
/* The Chinese label of an audit action in a record's history ("受理",
 * "生成文书「人民调解协议书」", "导出"); detail is the row's detail (may be
 * NULL).  In r's arena or static. */
const char *engine_action_label(http_req_t *r, const entity_t *e, const char *action, json_t *detail);
/* Stored files (files.c): POST /api/v1/files and the download of a record's
 * F_FILE field; registered by engine_routes_register. */
void files_routes_register(void);
/* Attaches a file (PDF, JPEG, PNG, .docx, .xlsx by its first bytes; at most
 * 10 MiB) to record id of e, inside the caller's transaction, audited
 * attachment.add.  The attachment's id; -1 after answering (413/415/422/503;
 * the caller rolls back).  The caller may change the record. */
int64_t engine_attach(http_req_t *r, const entity_t *e, int64_t id, const char *body, size_t n, const char *name);
/* The type engine_attach would keep the bytes as, or NULL when it refuses them. */
const char *engine_attachment_mime(const void *p, size_t n);
void files_perms_register(void);

/* ---- export, import, jobs (io.c, import.c, jobs.c; docs/engine.md) ---- */
/* A personal-information value for the store: SM4 ciphertext, masked copy
 * and (for FF_FILTER fields) blind index, in r's arena; all NULL for NULL.
 * ID numbers are normalised first.  -1 when encryption fails. */
int engine_pi_encode(http_req_t *r, const field_t *f, const char *plain, const char **enc, const char **masked,
                     const char **index);
/* A file name for Content-Disposition's filename*= (RFC 5987 percent-encoding), in r's arena. */
const char *engine_rfc5987(http_req_t *r, const char *name);
/* GET /api/v1/<entity>/export, POST /api/v1/<entity>/import, /api/v1/jobs… */
void engine_io_routes_register(void);
#endif
