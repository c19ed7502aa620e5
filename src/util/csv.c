/* csv.c — see csv.h. */
#include "util/csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "util/validate.h"

void csv_reader_init(csv_reader_t *c, char *data, size_t n) {
    memset(c, 0, sizeof(*c));
    c->p = data;
    c->end = data + n;
}

void csv_reader_free(csv_reader_t *c) {
    free(c->cells);
    c->cells = NULL;
    c->cap = 0;
}

static void push(csv_reader_t *c, int n, char *cell) {
    if (n >= c->cap) {
        int cap = c->cap ? c->cap * 2 : 32;
        char **nc = realloc(c->cells, (size_t)cap * sizeof(*nc));
        if (!nc) abort();
        c->cells = nc;
        c->cap = cap;
    }
    c->cells[n] = cell;
}

int csv_next(csv_reader_t *c) {
    if (c->p >= c->end) return 0;
    char *r = c->p, *w = c->p;
    int n = 0;
    for (;;) {
        /* one cell: [w…) receives its unescaped text */
        char *cell = w;
        if (r < c->end && *r == '"') {
            r++;
            for (;;) {
                if (r >= c->end) return -1;
                if (*r == '"') {
                    if (r + 1 < c->end && r[1] == '"') {
                        *w++ = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                *w++ = *r++;
            }
            /* text after the closing quote (not RFC 4180): kept, as Excel does */
            while (r < c->end && *r != ',' && *r != '\n' && *r != '\r')
                *w++ = *r++;
        } else {
            while (r < c->end && *r != ',' && *r != '\n' && *r != '\r')
                *w++ = *r++;
        }
        bool more = r < c->end && *r == ',';
        bool eol = !more;
        if (r < c->end) {
            if (*r == '\r' && r + 1 < c->end && r[1] == '\n') r++;
            r++;
        }
        *w = '\0'; /* w ≤ the separator's position: never overwrites unread input */
        w = r;
        push(c, n++, cell);
        if (eol) break;
    }
    c->p = r;
    c->records++;
    return n;
}

long long text_to_utf8(char *in, size_t n, char **out, const char **charset) {
    *out = in;
    if (n >= 2 && (((unsigned char)in[0] == 0xFF && (unsigned char)in[1] == 0xFE) ||
                   ((unsigned char)in[0] == 0xFE && (unsigned char)in[1] == 0xFF))) {
        *charset = "文件是 UTF-16 编码 (Excel 的「Unicode 文本」): 请另存为「CSV (逗号分隔)」或「CSV UTF-8」";
        return -1;
    }
    if (n >= 3 && (unsigned char)in[0] == 0xEF && (unsigned char)in[1] == 0xBB && (unsigned char)in[2] == 0xBF) {
        in += 3;
        n -= 3;
        *out = in;
    }
    if (memchr(in, '\0', n)) {
        *charset = "文件含有空字符, 不是文本格式的 CSV";
        return -1;
    }
    if (utf8_valid(in, n)) {
        *charset = "UTF-8";
        return (long long)n;
    }
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        *charset = "服务器缺少 GB18030 编码转换";
        return -1;
    }
    size_t cap = n * 2 + 16; /* a GB18030 character (2 or 4 bytes) is at most 4 bytes of UTF-8 */
    char *buf = malloc(cap + 1);
    if (!buf) abort();
    char *src = in, *dst = buf;
    size_t left = n, room = cap;
    size_t rc = iconv(cd, &src, &left, &dst, &room);
    iconv_close(cd);
    if (rc == (size_t)-1) {
        free(buf);
        *charset = "文件编码无法识别: 请另存为 UTF-8 或 GBK 编码的 CSV";
        return -1;
    }
    *dst = '\0';
    *out = buf;
    *charset = "GB18030";
    return (long long)(dst - buf);
}

bool csv_formula_like(const char *s) {
    return s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r');
}

void csv_write_cell(FILE *f, const char *s, bool first, bool guard) {
    if (!first) putc(',', f);
    if (!s || !*s) return;
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote) putc('"', f);
    if (guard && csv_formula_like(s)) putc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"') putc('"', f);
        putc(*p, f);
    }
    if (quote) putc('"', f);
}
