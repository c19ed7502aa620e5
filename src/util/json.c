#include "util/json.h"

#include <string.h>

#include "util/validate.h"

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

static const unsigned char esc_class[256];

void jw_key(jw_t *w, const char *k) {
    sep(w);
    /* keys are nearly always plain ASCII names: then copied in one go */
    size_t n = 0;
    while (k[n] && !esc_class[(unsigned char)k[n]]) n++;
    buf_t *b = w->b;
    if (k[n]) {
        json_escape(b, k, strlen(k));
        buf_putc(b, ':');
    } else {
        buf_reserve(b, n + 3);
        b->data[b->len++] = '"';
        memcpy(b->data + b->len, k, n);
        b->len += n;
        b->data[b->len++] = '"';
        b->data[b->len++] = ':';
        b->data[b->len] = '\0';
    }
    w->first[w->depth] = true; /* the value that follows takes no comma */
}

void jw_key2(jw_t *w, const char *k, const char *suffix) {
    char key[256];
    size_t a = strlen(k), b = strlen(suffix);
    if (a + b >= sizeof(key)) { /* never for a field's name (an identifier, checked at start) */
        jw_key(w, k);
        return;
    }
    memcpy(key, k, a);
    memcpy(key + a, suffix, b + 1);
    jw_key(w, key);
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

/* What json_escape does with each byte: 0 copies it, 1 escapes it,
 * 2 starts a multi-byte sequence to validate (utf8_seq_len). */
static const unsigned char esc_class[256] = {
    [0x00 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, ['<'] = 1, [0x7F] = 1, [0x80 ... 0xFF] = 2,
};

void json_escape(buf_t *b, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    /* the common case, no byte to escape, is one reservation and one copy:
     * runs of plain ASCII and valid UTF-8 are found first, then copied */
    buf_reserve(b, n + 2);
    b->data[b->len++] = '"';
    size_t run = 0; /* start of the pending run of bytes that need no escaping */
    size_t i = 0;
    while (i < n) {
        unsigned char k = esc_class[s[i]];
        if (k == 0) {
            i++;
            continue;
        }
        size_t step = 1;
        if (k == 2 && (step = utf8_seq_len(s + i, n - i)) != 0) {
            i += step;
            continue;
        }
        buf_add(b, s + run, i - run);
        unsigned char c = s[i];
        if (k == 2) buf_add(b, "\xEF\xBF\xBD", 3); /* U+FFFD for an invalid byte */
        else if (c == '"') buf_add(b, "\\\"", 2);
        else if (c == '\\') buf_add(b, "\\\\", 2);
        else if (c == '\n') buf_add(b, "\\n", 2);
        else if (c == '\r') buf_add(b, "\\r", 2);
        else if (c == '\t') buf_add(b, "\\t", 2);
        else if (c == '<') buf_add(b, "\\u003c", 6); /* safe to embed in HTML */
        else {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_add(b, u, 6);
        }
        i++;
        run = i;
    }
    buf_add(b, s + run, n - run);
    buf_putc(b, '"');
}
