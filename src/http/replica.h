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
#endif
