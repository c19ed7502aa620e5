/* webhooks.h — signed webhooks (issue 25 point 3; docs/api.md "Webhooks").
 *
 *   GET    /api/v1/webhooks                          the token's subscriptions
 *   POST   /api/v1/webhooks  {url, entities, events?, max_attempts?, after?}
 *                            → 201 with "secret", shown this once
 *   DELETE /api/v1/webhooks/:id
 *   GET    /api/v1/webhooks/:id/deliveries?status=pending|delivered|dead
 *   POST   /api/v1/webhooks/:id/deliveries/:delivery/replay
 *
 * Only an API token subscribes, for itself.  A thread of each server
 * (webhooks_worker_start) follows the change feed as each subscribing token
 * (changes.h: its scope and masking), queues one delivery per change in the
 * transaction that moves the subscription's cursor, and POSTs them: signed
 * with HMAC-SM3 over "<timestamp>.<body>", retried with a doubling back-off,
 * dead after max_attempts failures, one record's deliveries in order. */
#ifndef SFS_WEBHOOKS_H
#define SFS_WEBHOOKS_H
#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_ATTEMPTS_DEFAULT 8
#define WEBHOOK_ATTEMPTS_MAX 20
#define WEBHOOK_BACKOFF_MAX_S 3600 /* 1 s, 2 s, 4 s … at most an hour apart */
#define WEBHOOK_TIMEOUT_S 10       /* one attempt: connect, send, answer */
#define WEBHOOK_PER_HOOK_MAX 20    /* subscriptions of one token */
#define WEBHOOK_KEEP_DAYS 30       /* delivered deliveries kept this long */

/* "sm3=<64 hex>": the X-Sifasuo-Signature of body sent at timestamp ts
 * (unix seconds) under secret.  0, or -1 when SM3 is unavailable. */
int webhook_signature(const char *secret, int64_t ts, const char *body, size_t len, char out[69]);

/* Checks HMAC-SM3 against a known answer (OpenSSL 3 built without SM3
 * fails it); then starts the delivery thread on its own store connection.
 * 0, or -1 (logged; the server runs without webhooks). */
int webhooks_worker_start(const char *db_url);
void webhooks_worker_stop(void);

void webhooks_routes_register(void);
#endif
