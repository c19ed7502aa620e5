/* xlsx_tmp.c — see xlsx_tmp.h. */
#include "util/xlsx_tmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

lxw_workbook *xlsx_tmp_open(xlsx_tmp_t *t) {
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof(t->dir), "%s/sifasuo-xlsx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    t->path[0] = '\0';
    if (!mkdtemp(t->dir)) {
        t->dir[0] = '\0';
        return NULL;
    }
    snprintf(t->path, sizeof(t->path), "%s/book.xlsx", t->dir);
    return workbook_new(t->path);
}

int xlsx_tmp_finish(xlsx_tmp_t *t, lxw_workbook *wb, buf_t *out) {
    int rc = -1;
    if (wb && workbook_close(wb) == LXW_NO_ERROR && out) {
        FILE *f = fopen(t->path, "rb");
        if (f) {
            char chunk[8192];
            size_t n;
            while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_add(out, chunk, n);
            rc = ferror(f) ? -1 : 0;
            fclose(f);
        }
    }
    if (t->path[0]) unlink(t->path);
    if (t->dir[0]) rmdir(t->dir);
    return rc;
}
