/* fuzz_url.c — request-path decoding and routing: http_decode_path, then
 * router_match against every registered route (the engine's test entities
 * included) for each method.  A decoded path never holds a NUL, a control
 * character or a backslash; a match fills at most HTTP_MAX_PARAMS params. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "modules/modules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    setenv("SIFASUO_TEST_ENTITY", "1", 1);
    modules_perms_register();
    modules_register();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static arena_t arena;
    static int ready;
    if (!ready) arena_init(&arena), ready = 1;
    const char *path = http_decode_path(&arena, (const char *)data, size);
    if (path) {
        assert(path[0] == '/');
        for (const char *p = path; *p; p++)
            assert((unsigned char)*p >= 0x20 && *p != 0x7f && *p != '\\');
        static const char *const methods[] = {"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", NULL};
        for (int i = 0; methods[i]; i++) {
            http_req_t r;
            memset(&r, 0, sizeof(r));
            r.arena = &arena;
            char allowed[128];
            const route_t *rt = router_match(methods[i], path, &r, allowed, sizeof(allowed));
            assert(r.nparams >= 0 && r.nparams <= HTTP_MAX_PARAMS);
            if (rt) assert(rt->fn && rt->pattern);
            (void)router_body_limit(methods[i], path);
        }
    }
    arena_reset(&arena);
    return 0;
}
