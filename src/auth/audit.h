/* audit.h — the append-only, hash-chained security audit log (issue 3
 * point 8; GB/T 22239-2019 8.1.4 安全审计).
 *
 * Every row carries hash = HMAC-SM3(audit key, prev_hash, row) (the exact
 * canonical form is in audit.c), so editing, inserting or deleting a row in
 * the middle breaks the chain and audit_verify() names the row.  The
 * database refuses UPDATE and DELETE by itself (triggers, migration 0003);
 * only rows older than 180 days may go, through audit_purge().
 *
 * Limitation: a chain cannot show that rows were cut off its end; operators
 * keep the head hash elsewhere (`sifasuo audit verify` prints it). */
#ifndef SFS_AUDIT_H
#define SFS_AUDIT_H
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "util/crypto.h"

/* The days a row is kept at least (GB/T 22239: logs kept ≥ 6 months). */
#define AUDIT_RETENTION_DAYS 180

/* One event.  action and result are required; 0 ids and NULL strings are
 * stored as NULL.  detail_json is a JSON object (or NULL) in which personal
 * information is already masked by the caller. */
typedef struct audit_event {
    const char *action, *entity;
    int64_t entity_id;
    const char *result; /* "ok", "denied", "error" */
    const char *detail_json;
    int64_t user_id;
    const char *username;
    int64_t org_id;
    const char *ip, *user_agent;
} audit_event_t;

/* Appends ev, chained to the newest row.  Inside the caller's open
 * transaction when there is one — the caller then rolls back on failure, so
 * a change is never committed without its audit row; otherwise in a
 * transaction of its own.  On PostgreSQL the chain is serialised by an
 * advisory lock held until the transaction ends, so call it as the last
 * statement of a transaction.  Returns 0 or a negative DB_* error. */
int audit_write(db_t *db, const keys_t *keys, const audit_event_t *ev);

/* Appends n events in order, chained one to the next, with one chain lock,
 * one head read and one INSERT per 100 rows: for bulk operations (an
 * import's record.create rows), where audit_write's three round trips per
 * row would hold the PostgreSQL chain lock for seconds.  Only inside the
 * caller's open transaction (which rolls back on failure); same rules for
 * each event as audit_write.  Returns 0 or a negative DB_* error. */
int audit_write_many(db_t *db, const keys_t *keys, const audit_event_t *ev, size_t n);

/* Walks the whole chain in id order.  Returns 0 when intact, 1 when broken
 * (*first_bad_id = the first row whose hash or link does not match, or whose
 * prev_hash is not an accepted chain start), negative on a store error (err
 * set).  *rows_checked counts the rows read.  Reads one snapshot, so
 * concurrent appends do not disturb it. */
int audit_verify(db_t *db, const keys_t *keys, int64_t *first_bad_id, int64_t *rows_checked, char *err, size_t errlen);

/* The newest row: its id and hash (64 zeros and id 0 when the log is empty).
 * Returns 0 or a negative DB_* error. */
int audit_head(db_t *db, int64_t *id, char hash[65]);

/* Deletes the rows written before before_date ("YYYY-MM-DD", UTC) and
 * appends an 'audit.purge' row recording the new chain start.  Refuses
 * (returns -1, nothing deleted) when before_date is later than today minus
 * AUDIT_RETENTION_DAYS.  Only a prefix of the chain (in id order) is ever
 * deleted, so what remains is one unbroken chain.  *deleted gets the count. */
int audit_purge(db_t *db, const keys_t *keys, const char *before_date, int64_t *deleted, char *err, size_t errlen);
#endif
