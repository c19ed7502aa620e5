/* replica.h — the server's side of http_read_db (http.h): what the send
 * path calls. */
#ifndef SFS_REPLICA_H
#define SFS_REPLICA_H
#include "http/http.h"

/* Before a reply goes out: after a signed-in write that succeeded (2xx,
 * committed) on a server with a standby, remembers the primary's WAL
 * position in the session's browser (the sfs_lsn cookie), so that its next
 * reads wait for the standby to replay it. */
void replica_note_write(http_req_t *r);
/* On a store error: when this request read the standby, the standby is
 * dropped at once (the next requests read the primary) rather than at the
 * next check.  Only this request answers 503. */
void replica_store_error(http_req_t *r);
#endif
