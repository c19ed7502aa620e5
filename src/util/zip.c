/* zip.c — see zip.h. */
#include "util/zip.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#define DOS_TIME 0x0000u /* 00:00:00 */
#define DOS_DATE 0x0021u /* 1980-01-01: fixed, for reproducible files */

static void put16(buf_t *b, unsigned v) {
    unsigned char c[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    buf_add(b, c, 2);
}
static void put32(buf_t *b, uint32_t v) {
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    buf_add(b, c, 4);
}

void zip_init(zip_t *z) { memset(z, 0, sizeof(*z)); }

/* Raw deflate (no zlib header: ZIP method 8) of data into out. */
static int deflate_raw(const void *data, size_t len, buf_t *out) {
    z_stream s;
    memset(&s, 0, sizeof(s));
    if (deflateInit2(&s, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    uLong bound = deflateBound(&s, (uLong)len);
    buf_reserve(out, bound);
    s.next_in = (Bytef *)data;
    s.avail_in = (uInt)len;
    s.next_out = (Bytef *)out->data + out->len;
    s.avail_out = (uInt)bound;
    int rc = deflate(&s, Z_FINISH);
    if (rc == Z_STREAM_END) out->len += s.total_out;
    deflateEnd(&s);
    return rc == Z_STREAM_END ? 0 : -1;
}

int zip_add(zip_t *z, const char *name, const void *data, size_t len) {
    if (len > 0xFFFFFFF0u || z->out.len > 0xFFFFFFF0u) return -1;
    buf_t packed = BUF_INIT;
    if (deflate_raw(data, len, &packed) != 0) {
        buf_free(&packed);
        return -1;
    }
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)data, (uInt)len);
    uint32_t offset = (uint32_t)z->out.len;
    size_t nlen = strlen(name);
    /* local file header */
    put32(&z->out, 0x04034b50u);
    put16(&z->out, 20);     /* version needed: 2.0 (deflate) */
    put16(&z->out, 0x0800); /* names are UTF-8 */
    put16(&z->out, 8);      /* deflate */
    put16(&z->out, DOS_TIME);
    put16(&z->out, DOS_DATE);
    put32(&z->out, crc);
    put32(&z->out, (uint32_t)packed.len);
    put32(&z->out, (uint32_t)len);
    put16(&z->out, (unsigned)nlen);
    put16(&z->out, 0);
    buf_add(&z->out, name, nlen);
    buf_add(&z->out, packed.data, packed.len);
    /* its central directory entry */
    put32(&z->dir, 0x02014b50u);
    put16(&z->dir, 20); /* made by: MS-DOS/FAT attributes, 2.0 */
    put16(&z->dir, 20);
    put16(&z->dir, 0x0800);
    put16(&z->dir, 8);
    put16(&z->dir, DOS_TIME);
    put16(&z->dir, DOS_DATE);
    put32(&z->dir, crc);
    put32(&z->dir, (uint32_t)packed.len);
    put32(&z->dir, (uint32_t)len);
    put16(&z->dir, (unsigned)nlen);
    put16(&z->dir, 0); /* extra */
    put16(&z->dir, 0); /* comment */
    put16(&z->dir, 0); /* disk */
    put16(&z->dir, 0); /* internal attributes */
    put32(&z->dir, 0); /* external attributes */
    put32(&z->dir, offset);
    buf_add(&z->dir, name, nlen);
    z->entries++;
    buf_free(&packed);
    return 0;
}

int zip_finish(zip_t *z) {
    if (z->entries > 0xFFFF) return -1;
    uint32_t dir_at = (uint32_t)z->out.len;
    buf_add(&z->out, z->dir.data, z->dir.len);
    put32(&z->out, 0x06054b50u);
    put16(&z->out, 0);
    put16(&z->out, 0);
    put16(&z->out, (unsigned)z->entries);
    put16(&z->out, (unsigned)z->entries);
    put32(&z->out, (uint32_t)z->dir.len);
    put32(&z->out, dir_at);
    put16(&z->out, 0);
    return 0;
}

void zip_free(zip_t *z) {
    buf_free(&z->out);
    buf_free(&z->dir);
}
