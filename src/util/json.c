#include "util/json.h"

#include <string.h>

void jw_init(jw_t *w, buf_t *b) {
    w->b = b;
    w->depth = 0;
    w->first[0] = true;
}

/* Emits a comma when this is not the first value at the current level.
 * A value directly after a key never takes a comma (the key did). */
static void sep(jw_t *w) {
    if (w->first[w->depth]) w->first[w->depth] = false;
    else buf_putc(w->b, ',');
}

static void open(jw_t *w, char c) {
    sep(w);
    buf_putc(w->b, c);
    if (w->depth < JW_MAX_DEPTH - 1) w->depth++;
    w->first[w->depth] = true;
}

static void close_(jw_t *w, char c) {
    buf_putc(w->b, c);
    if (w->depth > 0) w->depth--;
}

void jw_obj(jw_t *w) { open(w, '{'); }
void jw_obj_end(jw_t *w) { close_(w, '}'); }
void jw_arr(jw_t *w) { open(w, '['); }
void jw_arr_end(jw_t *w) { close_(w, ']'); }

void jw_key(jw_t *w, const char *k) {
    sep(w);
    json_escape(w->b, k, strlen(k));
    buf_putc(w->b, ':');
    w->first[w->depth] = true; /* the value that follows takes no comma */
}

/* after the value, the next key needs a comma again */
static void after_value(jw_t *w) { w->first[w->depth] = false; }

void jw_str(jw_t *w, const char *s) {
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

void jw_strn(jw_t *w, const char *s, size_t n) {
    sep(w);
    json_escape(w->b, s, n);
    after_value(w);
}

void jw_int(jw_t *w, int64_t v) {
    sep(w);
    buf_put_i64(w->b, v);
    after_value(w);
}

void jw_bool(jw_t *w, bool v) {
    sep(w);
    buf_puts(w->b, v ? "true" : "false");
    after_value(w);
}

void jw_null(jw_t *w) {
    sep(w);
    buf_puts(w->b, "null");
    after_value(w);
}

void jw_raw(jw_t *w, const char *json) {
    sep(w);
    buf_puts(w->b, json);
    after_value(w);
}

void jw_kstr(jw_t *w, const char *k, const char *s) {
    jw_key(w, k);
    jw_str(w, s);
}
void jw_kint(jw_t *w, const char *k, int64_t v) {
    jw_key(w, k);
    jw_int(w, v);
}
void jw_kbool(jw_t *w, const char *k, bool v) {
    jw_key(w, k);
    jw_bool(w, v);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

void json_escape(buf_t *b, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    buf_reserve(b, n + 2);
    buf_putc(b, '"');
    size_t run = 0; /* start of the pending run of bytes that need no escaping */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        const char *esc = NULL;
        char u[6];
        size_t step = 1;
        if (c >= 0x80) {
            step = utf8_len(s + i, n - i);
            if (step) {
                i += step;
                continue;
            }
            esc = "\xEF\xBF\xBD"; /* U+FFFD */
            step = 1;
        } else if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\n') esc = "\\n";
        else if (c == '\r') esc = "\\r";
        else if (c == '\t') esc = "\\t";
        else if (c < 0x20 || c == 0x7F) {
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = hex[c >> 4], u[5] = hex[c & 15];
            buf_add(b, s + run, i - run);
            buf_add(b, u, 6);
            i++;
            run = i;
            continue;
        } else if (c == '<') esc = "\\u003c"; /* safe to embed in HTML */
        else {
            i++;
            continue;
        }
        buf_add(b, s + run, i - run);
        buf_puts(b, esc);
        i += step;
        run = i;
    }
    buf_add(b, s + run, n - run);
    buf_putc(b, '"');
}
