/* changes.h — the change feed (issue 25 point 2; docs/api.md "Change feed").
 *
 *   GET /api/v1/changes?after=<cursor>[&entities=a,b][&limit=N]
 *
 * Every create, update, delete, restore and workflow transition of an
 * engine record, in commit order, each with the record as the reader may
 * see it now (scope, masking).  The feed is the audit log read by its
 * record-writing actions: every engine write appends its row there inside
 * its own transaction (never an uncommitted one), and rows are appended
 * under the chain lock held until commit (auth/audit.c), so on both stores
 * the row ids are in commit order and a cursor — the last id read — never
 * skips a change that commits later.  The ids are the store's, so a cursor
 * survives restarts and means the same on every node. */
#ifndef SFS_CHANGES_H
#define SFS_CHANGES_H
#include "engine/engine.h"

#define CHANGES_LIMIT_DEFAULT 100
#define CHANGES_LIMIT_MAX 500
#define CHANGES_ENTITIES_MAX 64
#define CHANGES_SCAN_MAX 20000 /* log ids one page looks at, at most */

/* One change read from the log. */
typedef struct change {
    int64_t id; /* the cursor of this change */
    const char *at;
    const entity_t *e;
    int64_t record_id;
    const char *event;  /* "create", "update", "delete", "restore", "transition" */
    const char *action; /* a transition's action ("accept"), else NULL */
} change_t;

/* The event name of an audit action, NULL when the action is not a change
 * of a record ("record.export", "pi.unmask", …). */
const char *changes_event(const char *action);

/* Called for each change the reader may see.  rec: the record's row
 * (engine_select_cols), or NULL when it is deleted or of a protected
 * entity and with_protected is false.  Non-zero stops the read. */
typedef int (*change_fn)(http_req_t *r, const change_t *c, db_stmt_t *rec, void *arg);

/* Reads the changes after cursor `after` of the entities ents[0..n) (each
 * one the reader holds <perm>.read of), at most limit rows of the log,
 * calling fn for those whose record lies in the reader's scope.  *next gets
 * the cursor to go on from (the last row read, `after` when none), *more
 * whether the limit was reached.  Records of protected entities come with
 * their row only when with_protected (the caller then audits the read).
 * 0, 1 when fn stopped it, or -1 on a store error. */
int changes_read(http_req_t *r, int64_t after, const entity_t *const *ents, int n, int limit, bool with_protected,
                 change_fn fn, void *arg, int64_t *next, bool *more);

/* Writes one change as the feed shows it (an object) to r->json. */
void changes_write(http_req_t *r, const change_t *c, db_stmt_t *rec);

/* The entities of a comma-separated list (NULL or "": every entity the
 * reader may read), into out (at most CHANGES_ENTITIES_MAX).  The count,
 * or -1 after answering 422 (unknown name, too many) or 403 (not readable). */
int changes_entities(http_req_t *r, const char *list, const entity_t **out);

void changes_routes_register(void);
#endif
