/* xlsxbuf.c — see xlsxbuf.h. */
#include "util/xlsxbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

lxw_workbook *xlsxbuf_open(xlsxbuf_t *x, const char *prefix) {
    const char *tmp = getenv("TMPDIR");
    snprintf(x->dir, sizeof(x->dir), "%s/sifasuo-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    x->wb = NULL;
    if (!mkdtemp(x->dir)) return NULL;
    snprintf(x->path, sizeof(x->path), "%s/%s.xlsx", x->dir, prefix);
    x->wb = workbook_new(x->path);
    if (!x->wb) rmdir(x->dir);
    return x->wb;
}

int xlsxbuf_close(xlsxbuf_t *x, buf_t *out) {
    int rc = -1;
    if (workbook_close(x->wb) == LXW_NO_ERROR) {
        FILE *f = fopen(x->path, "rb");
        if (f) {
            char chunk[8192];
            size_t n;
            while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) buf_add(out, chunk, n);
            rc = ferror(f) ? -1 : 0;
            fclose(f);
        }
    }
    x->wb = NULL;
    unlink(x->path);
    rmdir(x->dir);
    return rc;
}
