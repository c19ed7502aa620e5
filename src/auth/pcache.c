/* pcache.c — a per-worker cache of signed-in principals.
 *
 * Loading a principal costs two queries and a SHA-256 per request; a clerk's
 * page makes several requests a second.  Each worker thread keeps the
 * principals of the sessions it served in the last PCACHE_TTL_US, keyed by
 * the raw session token (compared in constant time).  Anything that changes
 * who a user is or may do — sign-out, password or TOTP change, account or
 * role edits, settings — bumps a process-wide generation that empties every
 * worker's cache at once; other nodes and the CLI are bounded by the TTL.
 * Requests on a worker are synchronous, so an entry is never replaced while
 * the request that read it is running. */
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/pcache.h"
#include "util/log.h"

#define PCACHE_SLOTS 64
#define PCACHE_TTL_US 2000000LL

typedef struct entry {
    char token[80];
    uint64_t gen;
    long long loaded_us;
    int64_t expires_at, last_seen;
    principal_t p;
    char *blob;
} entry_t;

static atomic_uint_fast64_t generation = 1;
static __thread entry_t cache[PCACHE_SLOTS];

/* The entries of a worker are freed when its thread ends (a key destructor
 * runs only for threads that set a value, i.e. that cached something). */
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

static void free_thread_cache(void *arg) {
    entry_t *c = arg;
    for (int i = 0; i < PCACHE_SLOTS; i++) {
        free(c[i].blob);
        c[i].blob = NULL;
        OPENSSL_cleanse(c[i].token, sizeof(c[i].token));
    }
}

static void make_key(void) { pthread_key_create(&exit_key, free_thread_cache); }

void pcache_invalidate(void) { atomic_fetch_add(&generation, 1); }

static size_t slot_of(const char *tok) {
    uint64_t h = 1469598103934665603ULL;
    for (const char *c = tok; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    return h % PCACHE_SLOTS;
}

const principal_t *pcache_get(const char *tok, int64_t now, int64_t idle_s) {
    size_t n = strlen(tok);
    if (n >= sizeof(cache[0].token)) return NULL;
    entry_t *e = &cache[slot_of(tok)];
    if (!e->blob || strlen(e->token) != n || CRYPTO_memcmp(e->token, tok, n) != 0) return NULL;
    if (e->gen != atomic_load(&generation) || time_mono_us() - e->loaded_us > PCACHE_TTL_US) return NULL;
    if (now > e->expires_at || now - e->last_seen > idle_s) return NULL;
    e->p.touch = now - e->last_seen >= 60;
    if (e->p.touch) e->last_seen = now; /* the request touches the store after its reply */
    return &e->p;
}

/* Copies s into the blob at *off (sizes were counted beforehand). */
static const char *put(char *blob, size_t *off, const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    memcpy(blob + *off, s, n);
    *off += n;
    return blob + *off - n;
}

static size_t len0(const char *s) { return s ? strlen(s) + 1 : 0; }

void pcache_put(const char *tok, const principal_t *p, int64_t expires_at, int64_t last_seen) {
    size_t n = strlen(tok);
    if (n >= sizeof(cache[0].token)) return;
    size_t need = sizeof(char *) * (size_t)(2 * p->nroles + p->nperms) + len0(p->username) + len0(p->display_name) +
                  len0(p->org_path) + len0(p->org_name) + len0(p->org_level) + len0(p->csrf);
    for (int i = 0; i < p->nroles; i++) need += len0(p->role_keys[i]) + len0(p->role_names[i]);
    for (int i = 0; i < p->nperms; i++) need += len0(p->perms[i]);
    char *blob = malloc(need);
    if (!blob) return;
    pthread_once(&exit_once, make_key);
    if (!pthread_getspecific(exit_key)) pthread_setspecific(exit_key, cache);
    entry_t *e = &cache[slot_of(tok)];
    free(e->blob);
    OPENSSL_cleanse(e->token, sizeof(e->token));
    /* pointer arrays first (aligned), then the strings */
    const char **keys = (const char **)blob, **names = keys + p->nroles, **perms = names + p->nroles;
    size_t off = sizeof(char *) * (size_t)(2 * p->nroles + p->nperms);
    e->p = *p;
    e->p.username = put(blob, &off, p->username);
    e->p.display_name = put(blob, &off, p->display_name);
    e->p.org_path = put(blob, &off, p->org_path);
    e->p.org_name = put(blob, &off, p->org_name);
    e->p.org_level = put(blob, &off, p->org_level);
    e->p.csrf = put(blob, &off, p->csrf);
    for (int i = 0; i < p->nroles; i++) {
        keys[i] = put(blob, &off, p->role_keys[i]);
        names[i] = put(blob, &off, p->role_names[i]);
    }
    for (int i = 0; i < p->nperms; i++) perms[i] = put(blob, &off, p->perms[i]);
    e->p.role_keys = keys;
    e->p.role_names = names;
    e->p.perms = perms;
    e->p.touch = false;
    e->blob = blob;
    memcpy(e->token, tok, n + 1);
    e->gen = atomic_load(&generation);
    e->loaded_us = time_mono_us();
    e->expires_at = expires_at;
    e->last_seen = last_seen;
}
