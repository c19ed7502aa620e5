/* xlsx_read.c — see xlsx_read.h. */
#include "util/xlsx_read.h"

#include <expat.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/buf.h"

/* ---- the ZIP container ---- */

static uint32_t get16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const unsigned char *p) { return get16(p) | get16(p + 2) << 16; }

int xlsx_looks_like(const void *data, size_t len) { return len >= 4 && memcmp(data, "PK\3\4", 4) == 0; }

/* The entry called name, inflated into out (NUL-terminated).  1 when
 * found and read, 0 when the archive has no such entry, -1 when it is
 * malformed or too large. */
static int zip_entry(const unsigned char *z, size_t len, const char *name, buf_t *out) {
    if (len < 22) return -1;
    /* the end of central directory record: within the last 64 KiB + 22 */
    size_t lo = len > 65557 ? len - 65557 : 0, eocd = (size_t)-1;
    for (size_t i = len - 22 + 1; i-- > lo;)
        if (get32(z + i) == 0x06054b50u) {
            eocd = i;
            break;
        }
    if (eocd == (size_t)-1) return -1;
    uint32_t entries = get16(z + eocd + 10), dir = get32(z + eocd + 16);
    size_t p = dir, nlen = strlen(name);
    for (uint32_t k = 0; k < entries; k++) {
        if (p + 46 > len || get32(z + p) != 0x02014b50u) return -1;
        uint32_t method = get16(z + p + 10), csize = get32(z + p + 20), usize = get32(z + p + 24);
        uint32_t fn = get16(z + p + 28), ex = get16(z + p + 30), cm = get16(z + p + 32), off = get32(z + p + 42);
        if (p + 46 + fn > len) return -1;
        bool match = fn == nlen && memcmp(z + p + 46, name, nlen) == 0;
        p += 46 + (size_t)fn + ex + cm;
        if (!match) continue;
        if (usize > XLSX_PART_MAX || (size_t)off + 30 > len || get32(z + off) != 0x04034b50u) return -1;
        size_t data = (size_t)off + 30 + get16(z + off + 26) + get16(z + off + 28);
        if (data > len || csize > len - data) return -1;
        buf_reserve(out, (size_t)usize + 1);
        if (method == 0) {
            if (csize != usize) return -1;
            buf_add(out, z + data, csize);
        } else if (method == 8) {
            z_stream s;
            memset(&s, 0, sizeof(s));
            if (inflateInit2(&s, -15) != Z_OK) return -1;
            s.next_in = (Bytef *)(z + data);
            s.avail_in = csize;
            s.next_out = (Bytef *)out->data + out->len;
            s.avail_out = usize;
            int rc = inflate(&s, Z_FINISH);
            size_t got = s.total_out;
            inflateEnd(&s);
            /* the stated size must be the true one: no more bytes than it */
            if (rc != Z_STREAM_END || got != usize) return -1;
            out->len += got;
        } else
            return -1;
        buf_add(out, "", 1);
        out->len--;
        return 1;
    }
    return 0;
}

/* ---- XML parts, with expat ---- */

typedef struct parse {
    /* shared strings */
    char **strings;
    int nstrings, cap_strings;
    /* the sheet */
    xlsx_sheet_t *sheet;
    int row, col;  /* current cell (0-based) */
    char type[12]; /* its t attribute */
    /* text being collected */
    buf_t text;
    int depth_t; /* inside <t> (shared string or inline string) */
    int in_v, in_si, in_rph;
    bool failed;
    const char *why;
    XML_Parser x;
    /* workbook: the first sheet's relationship id; rels: its target */
    char first_rid[64];
    char target[256];
} parse_t;

static const char *attr(const XML_Char **atts, const char *name) {
    for (int i = 0; atts[i]; i += 2) {
        const char *k = atts[i], *colon = strchr(k, ':');
        /* "id" is r:id (a namespaced attribute: any prefix) */
        if (strcmp(k, name) == 0 || (colon && strcmp(name, "id") == 0 && strcmp(colon + 1, "id") == 0))
            return atts[i + 1];
    }
    return NULL;
}

/* The local name of an element ("x:row" → "row"). */
static const char *local(const char *name) {
    const char *c = strchr(name, ':');
    return c ? c + 1 : name;
}

static void fail(parse_t *p, const char *why) {
    if (!p->failed) p->failed = true, p->why = why;
}

static void on_text(void *ud, const XML_Char *s, int len) {
    parse_t *p = ud;
    if ((p->depth_t && !p->in_rph) || p->in_v) {
        if (p->text.len + (size_t)len > 32767 * 4) return fail(p, "单元格内容过长");
        buf_add(&p->text, s, (size_t)len);
    }
}

/* sharedStrings.xml: <si> (<t>…</t> | <r><t>…</t></r>…, <rPh> phonetic runs left out) */
static void ss_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    parse_t *p = ud;
    const char *n = local(name);
    if (strcmp(n, "si") == 0)
        p->in_si = 1, p->text.len = 0;
    else if (strcmp(n, "rPh") == 0)
        p->in_rph = 1;
    else if (strcmp(n, "t") == 0 && p->in_si)
        p->depth_t = 1;
}
static void ss_end(void *ud, const XML_Char *name) {
    parse_t *p = ud;
    const char *n = local(name);
    if (strcmp(n, "t") == 0)
        p->depth_t = 0;
    else if (strcmp(n, "rPh") == 0)
        p->in_rph = 0;
    else if (strcmp(n, "si") == 0) {
        p->in_si = 0;
        if (p->nstrings >= 2000000) return fail(p, "共享字符串过多");
        if (p->nstrings == p->cap_strings) {
            p->cap_strings = p->cap_strings ? p->cap_strings * 2 : 256;
            char **grown = realloc(p->strings, sizeof(char *) * (size_t)p->cap_strings);
            if (!grown) return fail(p, "内存不足");
            p->strings = grown;
        }
        p->strings[p->nstrings++] = strndup(p->text.data ? p->text.data : "", p->text.len);
    }
}

/* "BC12" → column 54 (0-based); -1 when malformed. */
static int ref_col(const char *ref) {
    int c = 0, n = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ref++, n++)
        c = c * 26 + (*ref - 'A' + 1);
    return n && n <= 3 ? c - 1 : -1;
}

static void cell_put(parse_t *p, char *value) {
    xlsx_sheet_t *s = p->sheet;
    if (p->row < 0 || p->col < 0 || p->col >= XLSX_COLS_MAX) {
        free(value);
        return fail(p, "表格列数过多 (最多 256 列)");
    }
    xlsx_row_t *row = &s->rows[p->row];
    if (p->col >= row->ncells) {
        char **grown = realloc(row->cells, sizeof(char *) * (size_t)(p->col + 1));
        if (!grown) {
            free(value);
            return fail(p, "内存不足");
        }
        for (int i = row->ncells; i <= p->col; i++)
            grown[i] = NULL;
        row->cells = grown, row->ncells = p->col + 1;
    }
    free(row->cells[p->col]);
    row->cells[p->col] = value;
}

static void sheet_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    parse_t *p = ud;
    if (p->failed) return;
    const char *n = local(name);
    if (strcmp(n, "row") == 0) {
        const char *r = attr(atts, "r");
        int want = r ? atoi(r) - 1 : p->sheet->nrows;
        if (want < p->sheet->nrows || want >= XLSX_ROWS_MAX) return fail(p, "表格行数过多或行号有误 (最多 200000 行)");
        xlsx_row_t *grown = realloc(p->sheet->rows, sizeof(xlsx_row_t) * (size_t)(want + 1));
        if (!grown) return fail(p, "内存不足");
        for (int i = p->sheet->nrows; i <= want; i++)
            grown[i] = (xlsx_row_t){0};
        p->sheet->rows = grown, p->sheet->nrows = want + 1;
        p->row = want, p->col = -1;
    } else if (strcmp(n, "c") == 0) {
        const char *r = attr(atts, "r"), *t = attr(atts, "t");
        p->col = r ? ref_col(r) : p->col + 1;
        snprintf(p->type, sizeof(p->type), "%s", t ? t : "n");
        p->text.len = 0;
    } else if (strcmp(n, "v") == 0) {
        p->in_v = 1, p->text.len = 0;
    } else if (strcmp(n, "t") == 0) {
        p->depth_t = 1; /* an inline string's text (its runs add up) */
    } else if (strcmp(n, "rPh") == 0)
        p->in_rph = 1;
}

static void sheet_end(void *ud, const XML_Char *name) {
    parse_t *p = ud;
    if (p->failed) return;
    const char *n = local(name);
    if (strcmp(n, "v") == 0)
        p->in_v = 0;
    else if (strcmp(n, "t") == 0)
        p->depth_t = 0;
    else if (strcmp(n, "rPh") == 0)
        p->in_rph = 0;
    else if (strcmp(n, "c") == 0) {
        if (p->row < 0) return fail(p, "单元格不在行内");
        char *v = strndup(p->text.data ? p->text.data : "", p->text.len);
        if (!v) return fail(p, "内存不足");
        if (strcmp(p->type, "s") == 0) {
            char *end;
            long i = strtol(v, &end, 10);
            bool bad = *end || end == v || i < 0 || i >= p->nstrings;
            free(v);
            if (bad) return fail(p, "共享字符串编号有误");
            v = strdup(p->strings[i] ? p->strings[i] : "");
        }
        if (v && !*v) {
            free(v);
            v = NULL;
        }
        if (v) cell_put(p, v);
        p->text.len = 0;
    }
}

/* workbook.xml: the first <sheet r:id="…"> */
static void wb_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    parse_t *p = ud;
    if (strcmp(local(name), "sheet") || p->first_rid[0]) return;
    const char *id = attr(atts, "id");
    if (id) snprintf(p->first_rid, sizeof(p->first_rid), "%s", id);
}
/* workbook.xml.rels: the Target of that Id */
static void rels_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    parse_t *p = ud;
    if (strcmp(local(name), "Relationship") || p->target[0]) return;
    const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
    if (id && target && strcmp(id, p->first_rid) == 0) snprintf(p->target, sizeof(p->target), "%s", target);
}

/* A workbook declares no DTD; one that does is refused before any entity
 * is defined (the "billion laughs" expansion). */
static void on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int has_internal) {
    parse_t *p = ud;
    fail(p, "表格文件含有不允许的 DTD 声明");
    XML_StopParser(p->x, XML_FALSE);
}

static int parse_xml(parse_t *p, const buf_t *xml, XML_StartElementHandler start, XML_EndElementHandler end) {
    XML_Parser x = XML_ParserCreate("UTF-8");
    if (!x) return -1;
    p->x = x;
    XML_SetUserData(x, p);
    XML_SetStartDoctypeDeclHandler(x, on_doctype);
    XML_SetElementHandler(x, start, end);
    XML_SetCharacterDataHandler(x, on_text);
    /* no DTDs: a workbook needs none, and entity expansion is the XML bomb */
    XML_SetParamEntityParsing(x, XML_PARAM_ENTITY_PARSING_NEVER);
    int ok = XML_Parse(x, xml->data ? xml->data : "", (int)xml->len, 1) == XML_STATUS_OK;
    XML_ParserFree(x);
    if (!ok) fail(p, "表格文件内容有误, 无法读取");
    return p->failed ? -1 : 0;
}

int xlsx_read(const void *data, size_t len, xlsx_sheet_t *out, const char **why) {
    memset(out, 0, sizeof(*out));
    const unsigned char *z = data;
    parse_t p = {.sheet = out, .row = -1, .col = -1};
    buf_t part = BUF_INIT;
    int rc = -1;
    *why = "不是有效的 xlsx 文件 (请另存为 Excel 工作簿或 CSV)";
    if (!xlsx_looks_like(data, len)) goto out;
    /* the first sheet: workbook.xml → its relationship → the part */
    char sheet_part[300] = "xl/worksheets/sheet1.xml";
    if (zip_entry(z, len, "xl/workbook.xml", &part) != 1) goto out;
    if (parse_xml(&p, &part, wb_start, NULL) != 0) goto fail;
    part.len = 0;
    if (p.first_rid[0] && zip_entry(z, len, "xl/_rels/workbook.xml.rels", &part) == 1) {
        if (parse_xml(&p, &part, rels_start, NULL) != 0) goto fail;
        if (p.target[0] == '/')
            snprintf(sheet_part, sizeof(sheet_part), "%s", p.target + 1);
        else if (p.target[0])
            snprintf(sheet_part, sizeof(sheet_part), "xl/%s", p.target);
    }
    part.len = 0;
    int has = zip_entry(z, len, "xl/sharedStrings.xml", &part);
    if (has < 0) goto out;
    if (has == 1 && parse_xml(&p, &part, ss_start, ss_end) != 0) goto fail;
    part.len = 0;
    if (zip_entry(z, len, sheet_part, &part) != 1) goto out;
    p.depth_t = p.in_rph = 0;
    if (parse_xml(&p, &part, sheet_start, sheet_end) != 0) goto fail;
    rc = 0;
    goto out;
fail:
    *why = p.why;
out:
    for (int i = 0; i < p.nstrings; i++)
        free(p.strings[i]);
    free(p.strings);
    buf_free(&part);
    buf_free(&p.text);
    if (rc != 0) xlsx_sheet_free(out);
    return rc;
}

void xlsx_sheet_free(xlsx_sheet_t *s) {
    for (int i = 0; i < s->nrows; i++) {
        for (int k = 0; k < s->rows[i].ncells; k++)
            free(s->rows[i].cells[k]);
        free(s->rows[i].cells);
    }
    free(s->rows);
    memset(s, 0, sizeof(*s));
}

int xlsx_serial_date(const char *text, char out[11]) {
    char *end;
    double d = strtod(text, &end);
    if (end == text || (*end && *end != ' ') || d < 1 || d >= 109574) return -1; /* 1900-01-01 … 2199-12-31 */
    long serial = (long)d;
    /* Excel counts 1900-02-29, which never was: serials from 61 on are one day late */
    if (serial >= 61) serial--;
    /* days since 1899-12-31 → civil date (H. Hinnant's days_from_civil inverse) */
    long z = serial - 25568 + 719468; /* 1970-01-01 is serial 25569, 25568 after the fix */
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long dd = doy - (153 * mp + 2) / 5 + 1, mm = mp < 10 ? mp + 3 : mp - 9;
    if (mm <= 2) y++;
    char full[64];
    snprintf(full, sizeof(full), "%04ld-%02ld-%02ld", y, mm, dd);
    snprintf(out, 11, "%.10s", full);
    return 0;
}
