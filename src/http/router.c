/* router.c — the route table: method + path pattern → handler.
 *
 * Patterns are literal segments and ":name" captures of one segment.  The
 * table is small and static after start-up, so matching is a linear walk
 * that compares segments in place, with no allocation. */
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

void router_add(const route_t *table) {
    for (const route_t *r = table; r->method; r++) {
        check_captures(r);
        routes = vec_reserve(routes, nroutes, &routes_cap, sizeof(*routes), 512);
        routes[nroutes++] = r;
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
    for (int i = 0; i < nroutes; i++) {
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

size_t router_body_limit(const char *method, const char *path) {
    const route_t *rt = router_match(method, path, NULL, NULL, 0);
    return rt && rt->body_limit ? rt->body_limit : HTTP_DEFAULT_BODY_LIMIT;
}
