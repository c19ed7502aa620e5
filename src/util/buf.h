/* buf.h — growable byte buffer (heap), always NUL-terminated. */
#ifndef SFS_BUF_H
#define SFS_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    char *data;
    size_t len, cap;
} buf_t;

#define BUF_INIT {NULL, 0, 0}
/* Room for extra more bytes and the NUL (the growth itself out of line:
 * the check is on every JSON byte written). */
void buf_grow(buf_t *b, size_t extra);
static inline void buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra + 1 > b->cap) buf_grow(b, extra);
}
void buf_add(buf_t *b, const void *p, size_t n);
void buf_puts(buf_t *b, const char *s);
static inline void buf_putc(buf_t *b, char c) {
    buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_put_i64(buf_t *b, int64_t v);
static inline void buf_clear(buf_t *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}
void buf_free(buf_t *b);
/* Gives the caller ownership of the data (free()); leaves b empty. */
char *buf_detach(buf_t *b);
#endif
