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

/* GB18030 bytes into a malloc'd UTF-8 buffer (*out); its length, or -1. */
static long long from_gb18030(char *in, size_t n, char **out) {
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) return -2;
    size_t cap = n * 2 + 16; /* a GB18030 character (2 or 4 bytes) is at most 4 bytes of UTF-8 */
    char *buf = malloc(cap + 1);
    if (!buf) abort();
    char *src = in, *dst = buf;
    size_t left = n, room = cap;
    size_t rc = iconv(cd, &src, &left, &dst, &room);
    iconv_close(cd);
    if (rc == (size_t)-1) {
        free(buf);
        return -1;
    }
    *dst = '\0';
    *out = buf;
    return (long long)(dst - buf);
}

/* Counts, in valid UTF-8, the Chinese characters (CJK ideographs, CJK and
 * full-width punctuation) and the letters a Chinese register does not hold
 * (U+00C0–U+07FF: accented Latin, IPA, Greek, Cyrillic, Armenian, Hebrew,
 * Arabic) — what GBK bytes become when they happen to be valid UTF-8: each
 * two-byte GBK character whose bytes read as C2–DF 80–BF is one of those. */
static void script_counts(const unsigned char *p, size_t n, long *cjk, long *odd) {
    *cjk = *odd = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + len > n) break;
        unsigned cp = len == 1   ? c
                      : len == 2 ? (c & 0x1Fu) << 6 | (p[i + 1] & 0x3Fu)
                      : len == 3 ? (c & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3Fu)
                                 : 0x10000;
        if ((cp >= 0x3000 && cp <= 0x303F) || (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
            (cp >= 0xFF00 && cp <= 0xFFEF) || cp >= 0x20000)
            (*cjk)++;
        else if (cp >= 0xC0 && cp <= 0x7FF && cp != 0xD7 && cp != 0xF7)
            (*odd)++;
        i += len;
    }
}

long long text_decode(char *in, size_t n, const char *want, char **out, text_decoding_t *d) {
    memset(d, 0, sizeof(*d));
    *out = in;
    bool gb = want && (!strcmp(want, "gb18030") || !strcmp(want, "gbk")), utf8 = want && !strcmp(want, "utf-8");
    if (n >= 2 && (((unsigned char)in[0] == 0xFF && (unsigned char)in[1] == 0xFE) ||
                   ((unsigned char)in[0] == 0xFE && (unsigned char)in[1] == 0xFF))) {
        d->error = "文件是 UTF-16 编码 (Excel 的「Unicode 文本」): 请另存为「CSV (逗号分隔)」或「CSV UTF-8」";
        return -1;
    }
    bool bom = n >= 3 && (unsigned char)in[0] == 0xEF && (unsigned char)in[1] == 0xBB && (unsigned char)in[2] == 0xBF;
    if (bom) {
        in += 3;
        n -= 3;
        *out = in;
    }
    if (memchr(in, '\0', n)) {
        d->error = "文件含有空字符, 不是文本格式的 CSV";
        return -1;
    }
    if (bom && gb) {
        d->error = "文件以 UTF-8 标记 (BOM) 开头, 不是 GBK 编码: 请选择 UTF-8 或自动识别";
        return -1;
    }
    bool valid = utf8_valid(in, n);
    if (bom || utf8 || (!gb && valid)) {
        if (!valid) {
            d->error = "文件不是有效的 UTF-8: 请改选 GBK (GB18030) 或自动识别";
            return -1;
        }
        d->charset = "UTF-8";
        d->why = bom ? "文件以 UTF-8 标记 (BOM) 开头" : utf8 ? "按您的选择以 UTF-8 解码" : "文件的全部字节都是有效的 UTF-8";
        if (!bom && !utf8) {
            long cjk, odd;
            script_counts((const unsigned char *)in, n, &cjk, &odd);
            char *alt = NULL;
            if (odd >= 2 && odd > cjk && from_gb18030(in, n, &alt) >= 0) {
                long acjk, aodd;
                script_counts((const unsigned char *)alt, strlen(alt), &acjk, &aodd);
                free(alt);
                if (acjk > cjk) {
                    d->suspect = true;
                    snprintf(d->note, sizeof(d->note),
                             "文件的字节虽是有效的 UTF-8, 解码后却有 %ld 个西里尔、希伯来等外文字母、只有 %ld 个汉字; "
                             "按 GBK 解码则有 %ld 个汉字: 很可能是 GBK 编码",
                             odd, cjk, acjk);
                }
            }
        }
        return (long long)n;
    }
    long long len = from_gb18030(in, n, out);
    if (len == -2) {
        d->error = "服务器缺少 GB18030 编码转换";
        return -1;
    }
    if (len < 0) {
        *out = in;
        d->error = gb ? "文件不是 GBK (GB18030) 编码: 请改选 UTF-8 或自动识别"
                      : "文件编码无法识别: 请另存为 UTF-8 或 GBK 编码的 CSV";
        return -1;
    }
    d->charset = "GB18030";
    d->why = gb ? "按您的选择以 GBK (GB18030) 解码" : "文件不是有效的 UTF-8, 按 GBK (GB18030) 解码";
    return len;
}

long long text_to_utf8(char *in, size_t n, char **out, const char **charset) {
    text_decoding_t d;
    long long len = text_decode(in, n, NULL, out, &d);
    *charset = len < 0 ? d.error : d.charset;
    return len;
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
