/* openapi_cmd.c — `sifasuo openapi`: the OpenAPI document on stdout, to
 * generate a client without a running server (`sifasuo routes`, serve.c,
 * lists the router's table the document must cover; tests/api/test_openapi.py
 * compares the two). */
#include <stdio.h>

#include "cmd/cli.h"
#include "engine/openapi.h"
#include "modules/modules.h"

int cmd_openapi(cli_opts_t *o) {
    (void)o;
    modules_register();
    size_t n;
    const char *doc = openapi_document(&n);
    if (!doc) {
        fprintf(stderr, "接口说明生成失败\n");
        return 1;
    }
    fwrite(doc, 1, n, stdout);
    putchar('\n');
    return 0;
}
