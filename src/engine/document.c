/* document.c — documents generated from a record (document.h): the block
 * model with its HTML and .docx renderers, the answer that sends one, and
 * the generic route for the documents an entity declares. */
#include "engine/document.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/codes.h"
#include "engine/values.h"

static const char html_head[] =
    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>%s</title><style>"
    "body{font-family:FangSong,'仿宋',STFangsong,serif;font-size:16pt;max-width:170mm;margin:20mm auto;line-height:1.6}"
    "h1{font-family:SimSun,'宋体',serif;text-align:center;font-size:22pt}"
    "table{border-collapse:collapse;width:100%%;margin:8pt 0}th,td{border:1px solid #000;padding:4pt 6pt;"
    "font-size:13pt;text-align:left;font-weight:normal;vertical-align:top}th{width:22%%}"
    "p.c{text-align:center}p.r{text-align:right}p.i{text-indent:2em}"
    "@page{size:A4;margin:20mm}@media print{body{margin:0}}</style></head><body>\n";

/* Is the UTF-8 character ending just before end (or starting at p) wide:
 * a CJK ideograph or full-width sign — three bytes or more. */
static bool wide_at(const unsigned char *p) { return *p >= 0xE2; }
static bool wide_before(const unsigned char *start, const unsigned char *end) {
    const unsigned char *q = end;
    while (q > start && (q[-1] & 0xC0) == 0x80)
        q--;
    return q > start && q < end && q[-1] >= 0xE2;
}

/* doc_fullwidth into b (appended). */
static void fullwidth(buf_t *b, const char *t) {
    if (!t) return;
    const unsigned char *s = (const unsigned char *)t, *p = s;
    int open = 0; /* parentheses opened full-width, to close the same way */
    while (*p) {
        const unsigned char *prev = p;
        while (prev > s && prev[-1] == ' ')
            prev--;
        bool after_wide = wide_before(s, prev);
        if ((*p == ',' || *p == ';' || *p == ':') && wide_before(s, p)) {
            buf_puts(b, *p == ',' ? "，" : *p == ';' ? "；" : "：");
            for (p++; *p == ' '; p++) {}
            continue;
        }
        if (*p == '(') {
            const unsigned char *next = p + 1;
            while (*next == ' ')
                next++;
            /* a record's number keeps its year as numbered: (2026)沪调字第57-0012号 */
            if (isdigit(p[1]) && isdigit(p[2]) && isdigit(p[3]) && isdigit(p[4]) && p[5] == ')') {
                buf_add(b, p, 6);
                p += 6;
                continue;
            }
            if (after_wide || wide_at(next)) {
                while (b->len && b->data[b->len - 1] == ' ') /* "名 (" → "名（" */
                    b->data[--b->len] = 0;
                buf_puts(b, "（");
                open++;
                p = next;
                continue;
            }
        }
        if (*p == ')' && open) {
            while (b->len && b->data[b->len - 1] == ' ')
                b->data[--b->len] = 0;
            buf_puts(b, "）");
            open--;
            for (p++; *p == ' ' && wide_at(p + 1); p++) {}
            continue;
        }
        buf_putc(b, (char)*p++);
    }
}

void doc_begin(doc_t *o, bool docx, const char *title) {
    memset(o, 0, sizeof(*o));
    o->docx = docx;
    if (docx) {
        docx_init(&o->d);
    } else {
        buf_t t = BUF_INIT;
        xml_escape(&t, title);
        buf_printf(&o->html, html_head, t.data ? t.data : "");
        buf_free(&t);
    }
}

void doc_title(doc_t *o, const char *t) {
    if (o->docx) return docx_title(&o->d, t);
    buf_puts(&o->html, "<h1>");
    xml_escape(&o->html, t);
    buf_puts(&o->html, "</h1>\n");
}

/* Paragraphs and cells are written with Chinese punctuation (fullwidth):
 * the modules' templates and the values typed into records alike. */
void doc_para(doc_t *o, const char *text, unsigned flags) {
    buf_t fw = BUF_INIT;
    fullwidth(&fw, text);
    const char *t = fw.data ? fw.data : "";
    if (o->docx) {
        docx_para(&o->d, t, flags);
        return buf_free(&fw);
    }
    buf_printf(&o->html, "<p class=\"%s%s%s\">", flags & DOCX_CENTER ? "c " : "", flags & DOCX_RIGHT ? "r " : "",
               flags & DOCX_INDENT ? "i" : "");
    for (const char *p = t; p && *p; p++) { /* '\n' → <br> */
        const char *nl = strchr(p, '\n');
        char *piece = strndup(p, nl ? (size_t)(nl - p) : strlen(p));
        if (flags & DOCX_BOLD) buf_puts(&o->html, "<b>");
        xml_escape(&o->html, piece);
        if (flags & DOCX_BOLD) buf_puts(&o->html, "</b>");
        free(piece);
        if (!nl) break;
        buf_puts(&o->html, "<br>");
        p = nl;
    }
    buf_puts(&o->html, "</p>\n");
    buf_free(&fw);
}

void doc_table(doc_t *o, int cols, const int *widths) {
    o->cols = cols > 16 ? 16 : cols; /* doc_row's bound; the documents have 2 or 4 */
    if (o->docx) return docx_table_begin(&o->d, o->cols, widths);
    buf_puts(&o->html, "<table>\n");
}

void doc_row(doc_t *o, const char *const *cells) {
    buf_t fw[16];
    const char *c[16] = {0};
    int n = o->cols < 16 ? o->cols : 16;
    for (int i = 0; i < n; i++) {
        fw[i] = (buf_t)BUF_INIT;
        fullwidth(&fw[i], cells[i]);
        c[i] = fw[i].data ? fw[i].data : "";
    }
    if (o->docx) {
        docx_row(&o->d, c);
    } else {
        buf_puts(&o->html, "<tr>");
        for (int i = 0; i < n; i++) {
            buf_puts(&o->html, i % 2 == 0 && n > 1 ? "<th>" : "<td>");
            xml_escape(&o->html, c[i]);
            buf_puts(&o->html, i % 2 == 0 && n > 1 ? "</th>" : "</td>");
        }
        buf_puts(&o->html, "</tr>\n");
    }
    for (int i = 0; i < n; i++)
        buf_free(&fw[i]);
}

void doc_table_end(doc_t *o) {
    if (o->docx) return docx_table_end(&o->d);
    buf_puts(&o->html, "</table>\n");
}

void doc_send(http_req_t *r, doc_t *o, const char *entity, int64_t id, const char *key, const char *title,
              const char *number) {
    buf_t file = BUF_INIT;
    int rc = 0;
    if (o->docx)
        rc = docx_finish(&o->d, &file);
    else
        buf_puts(&o->html, "</body></html>\n");
    /* the title, so the record's history reads 生成文书「…」 */
    json_t *detail = json_pack("{s:s,s:s,s:s}", "document", key, "title", title, "format", o->docx ? "docx" : "html");
    char *dt = json_dumps(detail, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(detail);
    if (rc != 0) {
        http_error(r, 500, "document_failed", "文书生成失败");
    } else if (auth_audit(r, "document.generate", entity, id, "ok", dt) != 0) {
        http_error(r, 503, "audit_failed", "审计记录写入失败, 未生成文书");
    } else {
        http_set_header(r, "Cache-Control", "no-store");
        if (o->docx) {
            http_set_header(
                r, "Content-Disposition",
                arena_printf(r->arena, "attachment; filename=\"%s-%lld-%s.docx\"; filename*=UTF-8''%s", entity,
                             (long long)id, key,
                             engine_rfc5987(r, number && *number
                                                   ? arena_printf(r->arena, "%s-%s.docx", title, number)
                                                   : arena_printf(r->arena, "%s-%lld.docx", title, (long long)id))));
            http_send_bytes(r, 200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                            file.data, file.len);
        } else {
            http_send_bytes(r, 200, "text/html; charset=utf-8", o->html.data, o->html.len);
        }
    }
    free(dt);
    buf_free(&file);
    buf_free(&o->html);
    if (o->docx) docx_free(&o->d);
}

const char *doc_date(http_req_t *r, const char *ymd) {
    if (!ymd || !*ymd) return NULL;
    if (strlen(ymd) < 10 || ymd[4] != '-' || ymd[7] != '-') return ymd;
    return arena_printf(r->arena, "%.4s年%d月%d日", ymd, atoi(ymd + 5), atoi(ymd + 8));
}

const char *doc_fullwidth(http_req_t *r, const char *t) {
    if (!t) return NULL;
    buf_t b = BUF_INIT;
    fullwidth(&b, t);
    const char *out = arena_strdup(r->arena, b.len ? b.data : "");
    buf_free(&b);
    return out;
}

const char *doc_value(http_req_t *r, const entity_t *e, json_t *rec, const char *field) {
    const field_t *f = entity_field(e, field);
    json_t *v = json_object_get(rec, field);
    if (!f || !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v))) return "—";
    switch (f->type) {
    case F_CODE: {
        const char *l = code_label(r->db, f->code_list, json_string_value(v));
        return arena_strdup(r->arena, l ? l : json_string_value(v));
    }
    case F_REF:
    case F_PERSON: {
        const char *n = json_string_value(json_object_get(rec, arena_printf(r->arena, "%s_name", field)));
        return n ? arena_strdup(r->arena, n) : "—";
    }
    case F_BOOL:
        return json_is_true(v) ? "是" : "否";
    case F_INT:
        return arena_printf(r->arena, "%lld", (long long)json_integer_value(v));
    case F_DATE:
        return json_is_string(v) ? doc_date(r, json_string_value(v)) : "—";
    default:
        return json_is_string(v) ? arena_strdup(r->arena, json_string_value(v)) : "—";
    }
}

/* GET /api/v1/:entity/:id/documents/:key — a document the entity declares. */
static void get_entity_document(http_req_t *r) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    const char *key = http_param(r, "key"), *format = http_query(r, "format");
    if (!e || !e->documents) return http_error(r, 404, "not_found", "该业务没有文书");
    const entity_document_t *d = e->documents;
    while (d->key && strcmp(d->key, key) != 0)
        d++;
    if (!d->key) return http_error(r, 404, "not_found", "没有这种文书");
    if (format && strcmp(format, "html") && strcmp(format, "docx"))
        return http_invalid(r, "format", "format 只能是 html 或 docx");
    int64_t id = http_param_id(r, "id");
    if (id < 0) return http_error(r, 404, "not_found", "记录不存在");
    /* the one access path: read permission, scope, protected records */
    buf_t sql = BUF_INIT;
    db_stmt_t *s = engine_load_record(r, e, id, &sql);
    buf_free(&sql);
    if (!s) return;
    db_reset(s);
    json_t *rec = engine_record_snapshot(r, e, id);
    if (!rec) return;
    json_t *ready = d->ready ? json_object_get(rec, d->ready) : NULL;
    if (d->ready && (!ready || json_is_null(ready) || (json_is_string(ready) && !*json_string_value(ready)))) {
        json_decref(rec);
        return http_error(r, 409, "document_not_ready", d->not_ready ? d->not_ready : "文书尚不能生成");
    }
    /* the file is named by the record's number (案件编号), not its internal id */
    const char *number = NULL;
    if (e->number) {
        const char *n = json_string_value(json_object_get(rec, e->number->field));
        if (n && *n) number = arena_strdup(r->arena, n);
    }
    doc_t o;
    doc_begin(&o, format && strcmp(format, "docx") == 0, d->title);
    int rc = d->render(r, &o, e, rec);
    json_decref(rec);
    if (rc != 0) {
        if (!r->answered) http_store_error(r);
        buf_free(&o.html);
        if (o.docx) docx_free(&o.d);
        return;
    }
    doc_send(r, &o, e->name, id, d->key, d->title, number);
}

static const route_t routes[] = {
    {"GET", "/api/v1/:entity/:id/documents/:key", get_entity_document},
    {0},
};

void documents_routes_register(void) { router_add(routes); }
