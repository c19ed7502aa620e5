#include "auth/scope.h"

#include <stdio.h>
#include <string.h>

const char *(*scope_path_hook)(http_req_t *r);

void scope_upper(const char *path, char *out, size_t n) {
    snprintf(out, n, "%s", path);
    size_t l = strlen(out);
    if (l && out[l - 1] == '/') out[l - 1] = '0';
}

const char *scope_path(http_req_t *r) { return scope_path_hook ? scope_path_hook(r) : NULL; }

bool scope_covers(http_req_t *r, const char *path) {
    const char *own = scope_path(r);
    return !own || strncmp(path, own, strlen(own)) == 0;
}
