/* codes.h — code lists (字典; issue 4 point 6): the values a field of type
 * F_CODE may take, each a stable code with a Chinese label.
 *
 * Lists and items live in code_lists / code_items (migration 0006, which
 * documents the seeded lists and the choice of codes).  Items are never
 * deleted, only deactivated: records keep resolving the labels of codes
 * they hold, while new input accepts active codes only.
 *
 * Calls are synchronous, use the caller's connection, and read a
 * per-process cache (engine/gencache.h): no query on the hot path.
 *
 *   GET /api/v1/codes                  the lists (signed in)
 *   GET /api/v1/codes/:list            one list with its items, inactive ones included (signed in)
 *   PUT /api/v1/codes/:list/:code      create or change an item {label, sort, active} (codes.manage, audited) */
#ifndef SFS_CODES_H
#define SFS_CODES_H
#include <stdbool.h>

#include "store/db.h"
#include "util/json.h"

/* True when code is an active item of list. */
bool code_valid(db_t *db, const char *list, const char *code);
/* The label of code in list (active or not), or NULL when unknown.  The
 * string belongs to the cache: it stays valid at least GENCACHE_RETIRE_S
 * (60) seconds after the next edit of any list — for the rest of the
 * request — so copy it to keep it longer. */
const char *code_label(db_t *db, const char *list, const char *code);
/* Writes {"key","name","description","editable","items":[…]} for list.
 * Returns 0; 1 when the list does not exist and -1 on a store failure, in
 * both cases writing nothing. */
int codes_write_json(db_t *db, const char *list, jw_t *w);
/* Writes the items array [{"code","label","sort","active"}…] of list, in
 * display order (sort, then code), inactive items included so the UI can
 * show old values.  Always writes an array (empty when the list is
 * unknown or the store fails) so it can stand in any JSON value position;
 * returns as codes_write_json. */
int codes_write_items(db_t *db, const char *list, jw_t *w);

/* True when a migration compiled into the binary creates list (a row of an
 * INSERT INTO code_lists … VALUES ('list', …)).  Lists are made only by
 * migrations — the API adds and edits items, never lists — so this is, with
 * no store opened, the set every migrated store holds: the declarations'
 * check at start (engine/registry.c) tests each F_CODE field against it.
 * Not thread-safe on its first call (it scans once); call it at start. */
bool code_list_seeded(const char *list);

/* Drops this process's cached lists (after an edit outside the API, or
 * after switching the process to another store). */
void codes_invalidate(void);

/* Routes and the codes.manage permission (modules.c). */
void codes_perms_register(void);
void codes_register(void);
/* Creates the code lists entities declare (entity_t.code_lists) that the
 * store lacks and inserts each declared code whose key the list has never
 * held (edited, deactivated and added codes are kept).  engine_migrate
 * calls it at every start.  0, or -1 with err. */
int codes_seed_declared(db_t *db, char *err, size_t errlen);

#endif
