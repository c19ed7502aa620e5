/* zip.h — a minimal ZIP writer (PKWARE APPNOTE 6.3: local headers, deflate
 * via zlib, central directory) for the OOXML files the platform generates
 * (.docx; util/docx.h).  The archive is built in memory: documents are a
 * few kilobytes.  No ZIP64, no encryption, UTF-8 names (flag bit 11), a
 * fixed timestamp (1980-01-01) so the same input gives the same bytes. */
#ifndef SFS_ZIP_H
#define SFS_ZIP_H
#include <stddef.h>

#include "util/buf.h"

typedef struct zip {
    buf_t out;   /* local headers and data, then (after zip_finish) the directory */
    buf_t dir;   /* central directory entries */
    int entries;
} zip_t;

void zip_init(zip_t *z);
/* Adds one file, deflated.  0, or -1 when zlib fails or a size exceeds 4 GiB. */
int zip_add(zip_t *z, const char *name, const void *data, size_t len);
/* Appends the central directory and its end record; z->out is the archive. */
int zip_finish(zip_t *z);
void zip_free(zip_t *z);
#endif
