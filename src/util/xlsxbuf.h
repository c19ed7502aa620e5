/* xlsxbuf.h — a workbook that libxlsxwriter writes into a private temporary
 * folder and that is then read back into memory: the statistics tables sent
 * as one .xlsx answer (mediation statistics, the corrections returns).
 *
 *   xlsxbuf_t x;
 *   lxw_workbook *wb = xlsxbuf_open(&x, "stats");
 *   if (!wb) …;
 *   … worksheets …
 *   if (xlsxbuf_close(&x, &out) != 0) …;   // folder and file removed either way */
#ifndef SFS_XLSXBUF_H
#define SFS_XLSXBUF_H
#include <xlsxwriter.h>

#include "util/buf.h"

typedef struct xlsxbuf {
    char dir[512], path[600];
    lxw_workbook *wb;
} xlsxbuf_t;

/* A new workbook in a mkdtemp folder under $TMPDIR (else /tmp), the folder
 * named sifasuo-<prefix>-XXXXXX; NULL (nothing left behind) on failure. */
lxw_workbook *xlsxbuf_open(xlsxbuf_t *x, const char *prefix);
/* Closes the workbook and appends the file to out; the file and its folder
 * are removed whatever happens.  0, or -1. */
int xlsxbuf_close(xlsxbuf_t *x, buf_t *out);
#endif
