/* xlsx_tmp.h — an .xlsx built with libxlsxwriter and handed back as bytes
 * (statistics tables, report exports): libxlsxwriter writes to a file, so
 * the workbook lives in a private mkdtemp folder under $TMPDIR (else /tmp)
 * that xlsx_tmp_finish removes whatever happened. */
#ifndef SFS_XLSX_TMP_H
#define SFS_XLSX_TMP_H
#include <xlsxwriter.h>

#include "util/buf.h"

typedef struct xlsx_tmp {
    char dir[512], path[600];
} xlsx_tmp_t;

/* A new workbook in a folder of its own; NULL when neither could be made
 * (call xlsx_tmp_finish(t, NULL, NULL) then). */
lxw_workbook *xlsx_tmp_open(xlsx_tmp_t *t);
/* Closes wb (may be NULL), appends the file's bytes to out when out is not
 * NULL, and removes the file and its folder.  0, or -1 when the workbook
 * could not be written or read back. */
int xlsx_tmp_finish(xlsx_tmp_t *t, lxw_workbook *wb, buf_t *out);
#endif
