/* pcache.h — per-worker cache of signed-in principals (see pcache.c). */
#ifndef SFS_PCACHE_H
#define SFS_PCACHE_H
#include <stdint.h>

#include "auth/auth.h"

/* The cached principal for a session token, or NULL (miss, stale, expired
 * or idle).  Valid until the next pcache call on this thread. */
const principal_t *pcache_get(const char *token, int64_t now, int64_t idle_s);
void pcache_put(const char *token, const principal_t *p, int64_t expires_at, int64_t last_seen);
/* Forgets every cached principal in every worker (a security change). */
void pcache_invalidate(void);
#endif
