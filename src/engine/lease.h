/* lease.h — work done once across every `serve` process on one store
 * (issue 26 point 2): the scheduler's pass, whichever nodes run.
 *
 * A lease is a row of `leases` (migration 0126).  lease_hold() takes it when
 * it is free, run out, or already ours, and renews it for ttl_s seconds, in
 * one conditional UPDATE: PostgreSQL re-checks the condition on the row it
 * waited for, SQLite runs writers one at a time, so two processes never both
 * see "taken".  A row and not a PostgreSQL advisory lock: the same code on
 * both stores, and a lease outlives nothing — a dead holder's row runs out.
 * The clock is the nodes' own (time(), kept in step by chrony), never
 * SIFASUO_NOW: a lease is about live processes, not business time.  A
 * holder on this host whose process is gone (kill -9, then a restart) is
 * replaced at once rather than after its ttl. */
#ifndef SFS_LEASE_H
#define SFS_LEASE_H
#include "store/db.h"

/* "host pid start-µs": this process, as a lease holder names it. */
const char *lease_self(void);
/* 1 when this process holds name for the next ttl_s seconds (and its passes
 * counter went up by one), 0 when another live holder has it, negative on a
 * store error.  Outside any transaction. */
int lease_hold(db_t *db, const char *name, int ttl_s);
/* Gives name up at once when this process holds it (a graceful stop), so
 * another node takes it on its next try instead of after the ttl. */
void lease_release(db_t *db, const char *name);
#endif
