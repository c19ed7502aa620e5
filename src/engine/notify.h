/* notify.h — 消息提醒 (issue 16 point 4): notices for one user, made by the
 * server; the web app's bell reads them. */
#ifndef SIFASUO_NOTIFY_H
#define SIFASUO_NOTIFY_H

#include "engine/engine.h"

struct keys;

/* After t fired on record id of e (inside the action's transaction): tells
 * the record's creator, unless the creator fired it, when t declares a
 * notice (.notify, or a comment_required send-back), with comment as its
 * text.  0, or -1 on a store error. */
int notify_transition(http_req_t *r, const entity_t *e, int64_t id, const wf_transition_t *t, const char *comment);

/* After a record id of e was created in unit org by someone of another unit
 * (e->notify_assigned; inside the create's transaction): tells each active
 * user of org who may fire a transition out of the record's first state,
 * kind "assigned".  0, or -1 on a store error. */
int notify_assigned(http_req_t *r, const entity_t *e, int64_t id, int64_t org);

/* After something on record id of e that the units above must know at
 * once (inside the action's transaction; a major event reported to the
 * district corrections institution): tells each active user, but the one
 * acting, who holds perm through a role and whose unit is the record's or
 * above it (who reads it and acts on it), kind with label and body; at
 * most 64 users.  0, or -1 on a store error. */
int notify_holders(http_req_t *r, const entity_t *e, int64_t id, const char *perm, const char *kind, const char *label,
                   const char *body);

/* The scheduler's pass over e: each record whose deadline is within 3
 * working days (due_soon) or passed (overdue) tells its creator once per
 * deadline and kind.  The number of notices made, or -1. */
int notify_deadlines(db_t *db, const entity_t *e);

void notify_routes_register(void);

#endif
