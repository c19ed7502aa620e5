/* router.c — the route table: method + path pattern → handler.
 *
 * Patterns are literal segments and ":name" captures of one segment; the
 * first route in table order that matches wins.  The table is static after
 * start-up.  Matching compares segments in place, with no allocation, and
 * walks only the routes that could match: they are indexed by their first
 * ROUTE_KEY_SEGS segments when those are literal ("/api/v1/mediation-cases"),
 * and a route with a capture among them is tried for every path — a walk
 * of the whole table, some 500 routes, was an eighth of a record's GET. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/vec.h"

static const route_t **routes; /* grows (routes are added at start) */
static int nroutes, routes_cap;

/* A pattern with more captures than a request holds (HTTP_MAX_PARAMS)
 * would never match: refused at start. */
static void check_captures(const route_t *r) {
    int n = 0;
    for (const char *p = r->pattern; (p = strstr(p, "/:")); p += 2)
        n++;
    if (n <= HTTP_MAX_PARAMS) return;
    fprintf(stderr, "router: %s %s has %d captures, more than HTTP_MAX_PARAMS (%d)\n", r->method, r->pattern, n,
            HTTP_MAX_PARAMS);
    exit(2);
}

/* ---- the index: route positions by key (open addressing) ---- */

#define ROUTE_KEY_SEGS 3

typedef struct {
    char *key; /* NULL: empty slot */
    int *idx;  /* positions in routes, ascending */
    int n, cap;
} bucket_t;

static bucket_t *buckets;         /* a power of two of them, at most half full */
static int nbuckets, nkeys;
static int *wild, nwild, wild_cap; /* routes with a capture among the key's segments */

/* The length of s's key: its first ROUTE_KEY_SEGS segments ("/a/b/c" of
 * "/a/b/c/d"), all of s when it has fewer; -1 when a pattern's key holds a
 * capture. */
static int key_len(const char *s, bool pattern) {
    const char *p = s;
    for (int seg = 0; *p == '/' && seg < ROUTE_KEY_SEGS; seg++) {
        p++;
        if (pattern && *p == ':') return -1;
        while (*p && *p != '/')
            p++;
    }
    return (int)(p - s);
}

static uint64_t key_hash(const char *k, int n) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a: keys are short */
    for (int i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
    return h;
}

static bucket_t *bucket_of(const char *k, int n, bool add) {
    if (!nbuckets) {
        if (!add) return NULL;
        nbuckets = 64;
        buckets = calloc((size_t)nbuckets, sizeof(*buckets));
        if (!buckets) abort();
    }
    for (size_t i = key_hash(k, n) & (size_t)(nbuckets - 1);; i = (i + 1) & (size_t)(nbuckets - 1)) {
        bucket_t *b = &buckets[i];
        if (!b->key) {
            if (!add) return NULL;
            if (!(b->key = strndup(k, (size_t)n))) abort();
            nkeys++;
            return b;
        }
        if ((int)strlen(b->key) == n && memcmp(b->key, k, (size_t)n) == 0) return b;
    }
}

static void index_route(int i) {
    int n = key_len(routes[i]->pattern, true);
    if (n < 0) {
        wild = vec_reserve(wild, nwild, &wild_cap, sizeof(*wild), 16);
        wild[nwild++] = i;
        return;
    }
    if (2 * (nkeys + 1) > nbuckets && nbuckets) { /* keep it at most half full: rebuild twice as large */
        bucket_t *old = buckets;
        int oldn = nbuckets;
        nbuckets *= 2;
        nkeys = 0;
        buckets = calloc((size_t)nbuckets, sizeof(*buckets));
        if (!buckets) abort();
        for (int j = 0; j < oldn; j++)
            if (old[j].key) {
                bucket_t *b = bucket_of(old[j].key, (int)strlen(old[j].key), true);
                b->idx = old[j].idx, b->n = old[j].n, b->cap = old[j].cap;
                free(old[j].key);
            }
        free(old);
    }
    bucket_t *b = bucket_of(routes[i]->pattern, n, true);
    b->idx = vec_reserve(b->idx, b->n, &b->cap, sizeof(*b->idx), 4);
    b->idx[b->n++] = i;
}

void router_add(const route_t *table) {
    for (const route_t *r = table; r->method; r++) {
        check_captures(r);
        routes = vec_reserve(routes, nroutes, &routes_cap, sizeof(*routes), 512);
        routes[nroutes++] = r;
        index_route(nroutes - 1);
    }
}

/* Matches pattern against path; fills captures into r when r is non-NULL. */
static bool match_pattern(const char *pat, const char *path, http_req_t *r) {
    int n = 0;
    while (*pat && *path) {
        if (*pat != '/' || *path != '/') return false;
        pat++, path++;
        const char *pe = strchr(pat, '/'), *se = strchr(path, '/');
        size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
        size_t sl = se ? (size_t)(se - path) : strlen(path);
        if (pat[0] == ':') {
            if (sl == 0 || n == HTTP_MAX_PARAMS) return false;
            if (r) {
                r->param_names[n] = arena_strndup(r->arena, pat + 1, pl - 1);
                r->params[n] = arena_strndup(r->arena, path, sl);
            }
            n++;
        } else if (pl != sl || memcmp(pat, path, pl) != 0) {
            return false;
        }
        pat += pl, path += sl;
    }
    if (*pat || *path) return false;
    if (r) r->nparams = n;
    return true;
}

const route_t *router_match(const char *method, const char *path, http_req_t *r, char *allowed, size_t allowed_len) {
    if (allowed && allowed_len) allowed[0] = '\0';
    bool path_found = false;
    const bucket_t *b = bucket_of(path, key_len(path, false), false);
    int nb = b ? b->n : 0, bi = 0, wi = 0;
    /* the path's bucket and the wild routes, merged in table order */
    while (bi < nb || wi < nwild) {
        int i = wi >= nwild || (bi < nb && b->idx[bi] < wild[wi]) ? b->idx[bi++] : wild[wi++];
        const route_t *rt = routes[i];
        if (!match_pattern(rt->pattern, path, NULL)) continue;
        if (strcmp(rt->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
            if (r) match_pattern(rt->pattern, path, r);
            return rt;
        }
        path_found = true;
        if (allowed && !strstr(allowed, rt->method)) {
            size_t l = strlen(allowed);
            snprintf(allowed + l, allowed_len - l, "%s%s", l ? ", " : "", rt->method);
        }
    }
    (void)path_found;
    return NULL;
}

void router_each(void (*fn)(const route_t *rt, void *arg), void *arg) {
    for (int i = 0; i < nroutes; i++)
        fn(routes[i], arg);
}

size_t router_body_limit(const char *method, const char *path) {
    const route_t *rt = router_match(method, path, NULL, NULL, 0);
    return rt && rt->body_limit ? rt->body_limit : HTTP_DEFAULT_BODY_LIMIT;
}
