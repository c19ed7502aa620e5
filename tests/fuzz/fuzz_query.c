/* fuzz_query.c — query-string parsing (http_query, http_query_id in
 * http/server.c) on arbitrary bytes: every decoded key and value is a
 * NUL-terminated string inside the request arena, ids are positive. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static arena_t arena;
    static int ready;
    if (!ready) arena_init(&arena), ready = 1;
    http_req_t r;
    memset(&r, 0, sizeof(r));
    r.arena = &arena;
    char *q = arena_strndup(&arena, (const char *)data, size);
    r.query = q;
    static const char *const keys[] = {"q", "limit", "after", "sort", "org", "wf_state", "", "a b", "id", NULL};
    for (int i = 0; keys[i]; i++) {
        const char *v = http_query(&r, keys[i]);
        if (v) assert(strlen(v) <= size);
        int64_t id = http_query_id(&r, keys[i]);
        assert(id == -1 || id == -2 || id > 0);
    }
    for (int i = 0; i < r.nquery; i++) {
        assert(r.qkeys[i][0] != '\0');
        assert(strlen(r.qkeys[i]) + strlen(r.qvals[i]) <= size);
        assert(http_query(&r, r.qkeys[i]) != NULL);
    }
    arena_reset(&arena);
    return 0;
}
