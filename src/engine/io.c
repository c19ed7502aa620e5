/* io.c — export (CSV/XLSX) and import submission for every entity (issue 4
 * points 9 and 11; docs/engine.md "Export, import and jobs").
 *
 *   GET  /api/v1/<entity>/export?format=csv|xlsx&<list filters>[&unmask=1]
 *   POST /api/v1/<entity>/import?mode=all_or_nothing|skip_invalid[&dry_run=1]   (text/csv body) → 202 {"job": id}
 *
 * Export runs on the request thread: the rows matching the list's filters
 * (engine_where: the same scope, protected-entity and filter rules), in id
 * order, fetched in keyset pages of EXPORT_PAGE rows and written to an
 * unlinked temporary file, which evhttp then sends from the descriptor —
 * memory stays flat whatever the row count.  The audit row (filters, row
 * count, whether personal information was unmasked) is written before a
 * byte is sent; if it cannot be, nothing is.
 *
 * Import stores the upload under the jobs folder and queues a job
 * (import.c does the work on the job worker). */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <openssl/crypto.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/jobs.h"
#include "engine/values.h"
#include "engine/workflow.h"
#include "http/static.h"
#include "util/crypto.h"
#include "util/csv.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/validate.h"

#define EXPORT_PAGE 1000
#define EXPORT_MAX_ROWS 300000      /* synchronous limit (~2 s of a worker for CSV); larger ones: a job (docs) */
#define XLSX_MAX_ROWS (1048576 - 1) /* Excel's sheet, less the header */
#define IMPORT_BODY_LIMIT (64u * 1024 * 1024)

void import_job_register(void);

static const entity_t *entity_of(http_req_t *r) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    if (!e) http_error(r, 404, "not_found", "接口不存在");
    return e;
}

static bool allowed(http_req_t *r, const entity_t *e, const char *action) {
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.%s", e->perm, action);
    if (auth_can(auth_principal(r), perm)) return true;
    http_error(r, 403, "forbidden", "您没有执行此操作的权限");
    return false;
}

/* ---- the output: CSV or XLSX behind one interface ---- */

typedef struct {
    bool xlsx;
    FILE *f;          /* csv */
    lxw_workbook *wb; /* xlsx */
    lxw_worksheet *ws;
    lxw_format *bold, *dec[19];
    int row, col, ncols;
    int head_row; /* the header's row: 1 under an xlsx title row, else 0 */
    bool mute;    /* a field the export's ?columns= leaves out: no cell, no column */
    int *width; /* xlsx: widest cell per column, in character cells */
} out_t;

/* Display width: CJK (3-byte UTF-8 and wider) counts two cells. */
static int disp_width(const char *s) {
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80) continue;
        w += *p >= 0xE0 ? 2 : 1;
    }
    return w;
}

static void xlsx_width(out_t *o, const char *s) {
    if (o->col < o->ncols && o->width[o->col] < 60) {
        int w = disp_width(s);
        if (w > o->width[o->col]) o->width[o->col] = w;
    }
}

/* Free text (guarded against formulas in CSV; a string cell in XLSX,
 * never evaluated there). */
static void out_text(out_t *o, const char *s) {
    if (o->mute) return;
    if (!o->xlsx) {
        csv_write_cell(o->f, s, o->col == 0, true);
    } else if (s && *s) {
        /* XML cannot carry most C0 controls; Excel's cell limit is 32767 */
        char *clean = NULL;
        size_t n = strlen(s);
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
                clean = strdup(s);
                break;
            }
        if (clean)
            for (char *p = clean; *p; p++)
                if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') *p = ' ';
        const char *v = clean ? clean : s;
        char *cut = NULL;
        if (n > 32000) {
            cut = strndup(v, 32000);
            while (cut && strlen(cut) && ((unsigned char)cut[strlen(cut) - 1] & 0xC0) == 0x80)
                cut[strlen(cut) - 1] = '\0';
            if (cut && strlen(cut) && (unsigned char)cut[strlen(cut) - 1] >= 0xC0) cut[strlen(cut) - 1] = '\0';
            v = cut ? cut : v;
        }
        worksheet_write_string(o->ws, (lxw_row_t)o->row, (lxw_col_t)o->col, v, o->row == o->head_row ? o->bold : NULL);
        xlsx_width(o, v);
        free(clean);
        free(cut);
    }
    o->col++;
}

/* A number the server formats (integers, fixed-point decimals): text in
 * CSV, a number cell in XLSX (exact below 2^53 units). */
static void out_number(out_t *o, int64_t v, int scale) {
    if (o->mute) return;
    char d[40];
    decimal_format(v, scale, d, sizeof(d));
    if (!o->xlsx) {
        csv_write_cell(o->f, d, o->col == 0, false);
    } else if (v > -(1LL << 53) && v < (1LL << 53)) {
        if (scale > 0 && scale <= 18 && !o->dec[scale]) {
            char fmt[24] = "0.";
            for (int i = 0; i < scale; i++)
                fmt[2 + i] = '0';
            fmt[2 + scale] = '\0';
            o->dec[scale] = workbook_add_format(o->wb);
            format_set_num_format(o->dec[scale], fmt);
        }
        double x = (double)v;
        for (int i = 0; i < scale; i++)
            x /= 10;
        worksheet_write_number(o->ws, (lxw_row_t)o->row, (lxw_col_t)o->col, x,
                               scale > 0 && scale <= 18 ? o->dec[scale] : NULL);
        xlsx_width(o, d);
    } else {
        worksheet_write_string(o->ws, (lxw_row_t)o->row, (lxw_col_t)o->col, d, NULL);
        xlsx_width(o, d);
    }
    o->col++;
}

static void out_end_row(out_t *o) {
    if (!o->xlsx) fputs("\r\n", o->f);
    o->row++;
    o->col = 0;
}

/* A sheet name Excel accepts: at most 31 characters, none of []:*?/\ . */
static void sheet_name(const char *label, char *out, size_t n) {
    size_t o = 0;
    int chars = 0;
    for (const unsigned char *p = (const unsigned char *)label; *p && o + 5 < n;) {
        size_t len = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 1;
        if ((*p & 0xC0) == 0x80) {
            p++;
            continue;
        }
        if (chars == 31) break;
        if (len == 1 && strchr("[]:*?/\\", *p))
            out[o++] = '_', p++;
        else
            for (size_t i = 0; i < len && *p; i++)
                out[o++] = (char)*p++;
        chars++;
    }
    out[o] = '\0';
    if (!o) snprintf(out, n, "Sheet1");
}

#define TEMPLATE_ROWS 5000    /* rows of an .xlsx template that carry the drop-downs */
#define TEMPLATE_CODES_MAX 60 /* labels a drop-down may list inline */

/* The .xlsx template: the header (bold, frozen; a required field's label
 * kept exact, shaded), each code field's active labels and 是/否 as a
 * drop-down list (a list longer than Excel's 255 characters is prompted to
 * the hidden sheet 代码表, which lists them all), a prompt per date column. */
static void import_template_xlsx(http_req_t *r, const entity_t *e) {
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096], path[4200];
    snprintf(dir, sizeof(dir), "%s/sifasuo-template-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) return http_error(r, 503, "export_failed", "无法生成模板");
    snprintf(path, sizeof(path), "%s/template.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "导入") : NULL;
    lxw_worksheet *codes = wb ? workbook_add_worksheet(wb, "代码表") : NULL;
    if (!ws || !codes) {
        if (wb) workbook_close(wb);
        rmdir(dir);
        return http_error(r, 503, "export_failed", "无法生成模板");
    }
    lxw_format *head = workbook_add_format(wb), *req = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xDCE6F1);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_bold(req);
    format_set_bg_color(req, 0xFCE4D6);
    format_set_border(req, LXW_BORDER_THIN);
    worksheet_hide(codes);
    int col = 0, ccol = 0;
    for (const field_t *fl = e->fields; fl->name; fl++) {
        if (fl->flags & FF_READONLY) continue;
        worksheet_write_string(ws, 0, (lxw_col_t)col, fl->label, (fl->flags & FF_REQUIRED) ? req : head);
        worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col, 16, NULL);
        int n = 0;
        const char *labels[TEMPLATE_CODES_MAX + 1];
        if (fl->type == F_CODE && fl->code_list) {
            db_stmt_t *s = db_prepare(r->db, "SELECT label FROM code_items WHERE list_key = $1 AND active = 1 ORDER BY sort, code");
            int rc = s ? DB_DONE : DB_ERR;
            if (s) {
                db_bind_text(s, 1, fl->code_list, -1);
                while ((rc = db_step(s)) == DB_ROW) {
                    if (n < TEMPLATE_CODES_MAX) labels[n] = arena_strdup(r->arena, db_col_text(s, 0));
                    worksheet_write_string(codes, (lxw_row_t)n++, (lxw_col_t)ccol, db_col_text(s, 0), NULL);
                }
                db_reset(s);
            }
            if (rc != DB_DONE) { /* not a drop-down missing labels: no template */
                workbook_close(wb);
                unlink(path);
                rmdir(dir);
                return http_store_error(r);
            }
        } else if (fl->type == F_BOOL) {
            labels[0] = "是";
            labels[1] = "否";
            worksheet_write_string(codes, 0, (lxw_col_t)ccol, "是", NULL);
            worksheet_write_string(codes, 1, (lxw_col_t)ccol, "否", NULL);
            n = 2;
        }
        if (n > 0) {
            /* the labels inline, as a drop-down, when they fit Excel's 255
             * characters (counted here in bytes, to be safe); a longer list
             * is prompted to the sheet 代码表 instead — a list read from a
             * range (LXW_VALIDATION_TYPE_LIST_FORMULA) would do, but
             * libxlsxwriter 1.1.5 leaks its copy of the formula, which
             * make asan refuses */
            size_t bytes = 0;
            for (int i = 0; i < n && i < TEMPLATE_CODES_MAX; i++)
                bytes += strlen(labels[i]) + 1;
            bool inline_ = n <= TEMPLATE_CODES_MAX && bytes <= 256;
            labels[inline_ ? n : 0] = NULL;
            lxw_data_validation v = {.input_title = (char *)(uintptr_t)fl->label}; /* the library's fields are not const */
            if (inline_) {
                v.validate = LXW_VALIDATION_TYPE_LIST;
                v.value_list = (char **)(uintptr_t)labels;
                v.error_title = "不在代码表中";
                v.error_message = "请从下拉列表中选择";
                v.input_message = "请从下拉列表中选择";
            } else {
                v.validate = LXW_VALIDATION_TYPE_ANY;
                v.input_message = "可填写的值见「代码表」工作表";
            }
            lxw_error ve = worksheet_data_validation_range(ws, 1, (lxw_col_t)col, TEMPLATE_ROWS, (lxw_col_t)col, &v);
            if (ve != LXW_NO_ERROR) log_error("import template: %s: %s", fl->name, lxw_strerror(ve));
            ccol++;
        } else if (fl->type == F_DATE) {
            lxw_data_validation v = {.validate = LXW_VALIDATION_TYPE_ANY, .input_title = (char *)(uintptr_t)fl->label,
                                     .input_message = "日期, 如 2026-12-07"};
            worksheet_data_validation_range(ws, 1, (lxw_col_t)col, TEMPLATE_ROWS, (lxw_col_t)col, &v);
        }
        col++;
    }
    worksheet_write_string(ws, 0, (lxw_col_t)col, "所属机构", head);
    worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col, 20, NULL);
    worksheet_freeze_panes(ws, 1, 0);
    lxw_error xe = workbook_close(wb);
    char *data = NULL;
    size_t len = 0;
    if (xe == LXW_NO_ERROR) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 && (data = arena_alloc(r->arena, (size_t)st.st_size))) {
            len = (size_t)st.st_size;
            size_t got = 0;
            while (got < len) {
                ssize_t k = read(fd, data + got, len - got);
                if (k < 0 && errno == EINTR) continue;
                if (k <= 0) break;
                got += (size_t)k;
            }
            if (got != len) data = NULL;
        }
        if (fd >= 0) close(fd);
    }
    unlink(path);
    rmdir(dir);
    if (!data) return http_error(r, 503, "export_failed", "无法生成模板");
    http_set_header(r, "Content-Disposition",
                    arena_printf(r->arena, "attachment; filename=\"%s-template.xlsx\"; filename*=UTF-8''%s", e->name,
                                 engine_rfc5987(r, arena_printf(r->arena, "%s-导入模板.xlsx", e->label))));
    http_set_header(r, "Cache-Control", "no-store");
    http_send_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data, len);
}

/* GET /api/v1/<entity>/import/template[?format=xlsx]: the header row an
 * import takes (every field a create may set, by label, and 所属机构), as
 * UTF-8 CSV with a BOM, or as .xlsx with the code lists as drop-downs. */
static void import_template(http_req_t *r) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    if (!e) return http_error(r, 404, "not_found", "接口不存在");
    if (!allowed(r, e, "import")) return;
    const char *fmt = http_query(r, "format");
    if (fmt && !strcmp(fmt, "xlsx")) return import_template_xlsx(r, e);
    if (fmt && strcmp(fmt, "csv") != 0) return http_invalid(r, "format", "模板格式只能是 csv 或 xlsx");
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f) return http_error(r, 503, "export_failed", "无法生成模板");
    fputs("\xEF\xBB\xBF", f);
    bool first = true;
    for (const field_t *fl = e->fields; fl->name; fl++) {
        if (fl->flags & FF_READONLY) continue;
        csv_write_cell(f, fl->label, first, true);
        first = false;
    }
    csv_write_cell(f, "所属机构", first, true);
    fputs("\r\n", f);
    fclose(f);
    http_set_header(r, "Content-Disposition",
                    arena_printf(r->arena, "attachment; filename=\"%s-template.csv\"; filename*=UTF-8''%s", e->name,
                                 engine_rfc5987(r, arena_printf(r->arena, "%s-导入模板.csv", e->label))));
    http_set_header(r, "Cache-Control", "no-store");
    http_send_bytes(r, 200, "text/csv; charset=utf-8", mem, len);
    free(mem);
}

/* An instant as Beijing wall-clock time, "2026-11-28 20:00:00". */
static void beijing(const char *iso, char out[24]) {
    int64_t t;
    if (!iso || !unix_from_iso(iso, &t)) {
        snprintf(out, 24, "%s", iso ? iso : "");
        return;
    }
    char b[21];
    iso_from_unix(t + 8 * 3600, b);
    snprintf(out, 24, "%.10s %.8s", b, b + 11);
}

/* RFC 5987 value: UTF-8 bytes outside attr-char percent-encoded. */
const char *engine_rfc5987(http_req_t *r, const char *s) {
    static const char ok[] = "!#$&+-.^_`|~";
    char *out = arena_alloc(r->arena, strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr(ok, *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

/* The audit detail: format, rows, unmask and the filters (personal
 * information in a filter masked). */
static char *export_detail(http_req_t *r, const entity_t *e, const char *fmt, int64_t rows, bool unmask) {
    json_t *filters = json_object();
    http_query(r, "q");
    for (int i = 0; i < r->nquery; i++) {
        const char *k = r->qkeys[i], *v = r->qvals[i];
        if (!strcmp(k, "format") || !strcmp(k, "unmask")) continue;
        char name[96];
        snprintf(name, sizeof(name), "%s", k);
        char *dot = strchr(name, '.');
        if (dot) *dot = '\0';
        const field_t *f = entity_field(e, name);
        char masked[160];
        if (f && (f->flags & FF_PI)) {
            if (f->mask && !strcmp(f->mask, "idcard"))
                mask_idcard(v, masked, sizeof(masked));
            else if (f->mask && !strcmp(f->mask, "phone"))
                mask_phone(v, masked, sizeof(masked));
            else if (f->mask && !strcmp(f->mask, "name"))
                mask_name(v, masked, sizeof(masked));
            else
                mask_generic(v, 1, 1, masked, sizeof(masked));
            v = masked;
        }
        json_object_set_new(filters, k, json_string(v));
    }
    json_t *d =
        json_pack("{s:s,s:I,s:b,s:o}", "format", fmt, "rows", (json_int_t)rows, "unmask", unmask, "filters", filters);
    char *s = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    return s;
}

static void export_records(http_req_t *r) {
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, "export")) return;
    const char *fmt = http_query(r, "format");
    if (!fmt || !*fmt) fmt = "csv";
    bool xlsx = !strcmp(fmt, "xlsx");
    if (!xlsx && strcmp(fmt, "csv") != 0) return http_invalid(r, "format", "导出格式只能是 csv 或 xlsx");
    const char *um = http_query(r, "unmask");
    bool unmask = um && (!strcmp(um, "1") || !strcmp(um, "true"));
    if (um && !unmask && strcmp(um, "0") && strcmp(um, "false"))
        return http_invalid(r, "unmask", "unmask 只能是 1 或 0");
    if (unmask && !auth_can(auth_principal(r), "pi.unmask"))
        return http_error(r, 403, "forbidden", "您没有导出完整个人信息的权限");
    bool with_deleted = http_query(r, "deleted") && !strcmp(http_query(r, "deleted"), "1");
    /* ?columns=a,b: only those fields (what the list shows), 编号 and the
     * spine always; else every field */
    int nfields = 0;
    for (const field_t *f = e->fields; f->name; f++)
        nfields++;
    bool *in_export = arena_calloc(r->arena, sizeof(bool) * (size_t)(nfields + 1));
    const char *want = http_query(r, "columns");
    for (int i = 0; i < nfields; i++)
        in_export[i] = !want || !*want;
    if (want && *want) {
        char *list = arena_strdup(r->arena, want), *save = NULL;
        for (char *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
            const field_t *f = entity_field(e, k);
            if (!f) return http_invalid(r, "columns", arena_printf(r->arena, "没有字段「%s」", k));
            in_export[f - e->fields] = true;
        }
    }
    const field_t *pi_filter = engine_pi_lookup_field(r, e); /* audited and limited as a list's (access.c) */
    if (pi_filter && !engine_pi_lookup_allowed(r)) return;

    buf_t where = BUF_INIT, sql = BUF_INIT;
    sql_binds_t b = {0};
    out_t o = {.xlsx = xlsx};
    char path[4096] = "", xdir[4096] = "";
    int fd = -1;
    int64_t *ids = NULL;
    if (engine_where(r, e, &where, &b) != 0) goto out;
    /* in the list's order (issue 16 point 9): the ids are collected sorted,
     * and each page of them read back in that same order */
    buf_t order = BUF_INIT;
    if (engine_order_by(r, e, &order) != 0) {
        buf_free(&order);
        goto out;
    }
    const char *order_by = arena_strdup(r->arena, order.data);
    buf_free(&order);
    /* the matching ids first (the planner's best plan for the filters, one
     * pass; 8 bytes a row), then the rows in pages of EXPORT_PAGE looked up
     * by id — each page costs its own size, whatever the filters, where a
     * LIMIT/keyset page over a range index would re-sort the whole match */
    int64_t limit = xlsx ? XLSX_MAX_ROWS : EXPORT_MAX_ROWS;
    buf_printf(&sql, "SELECT t.id%s%s", where.data, order_by);
    db_stmt_t *s = db_prepare(r->db, sql.data);
    if (!s) {
        http_store_error(r);
        goto out;
    }
    engine_bind_all(s, &b);
    int64_t total = 0, capids = 1024;
    ids = malloc(sizeof(int64_t) * (size_t)capids);
    if (!ids) abort();
    int rc;
    while ((rc = db_step(s)) == DB_ROW && total <= limit) {
        if (total == capids) {
            capids *= 2;
            int64_t *nids = realloc(ids, sizeof(int64_t) * (size_t)capids);
            if (!nids) abort();
            ids = nids;
        }
        ids[total++] = db_col_int(s, 0);
    }
    db_reset(s);
    if (rc < 0) {
        http_store_error(r);
        goto out;
    }
    if (pi_filter && engine_pi_lookup_audit(r, e->name, pi_filter->name, total > 0) != 0) goto out;
    if (total > limit) {
        http_invalid(r, "format",
                     arena_printf(r->arena, "符合条件的记录超过%s单次导出上限 %lld 条, 请缩小筛选范围",
                                  xlsx ? " Excel " : "", (long long)limit));
        goto out;
    }
    /* the page query: the list's columns, the ciphertexts when unmasking,
     * the names of referenced org units; EXPORT_PAGE id placeholders (a
     * short last page repeats its last id, so the text — and the prepared
     * statement — stays the same) */
    buf_clear(&sql);
    buf_puts(&sql, "SELECT ");
    engine_select_cols(e, &sql);
    /* engine_select_cols ends with one name column per person field (an
     * entity ref's title comes from the titles cache): where each person
     * field's name is (field index → column) */
    int nf = 0, nnames = 0, nid_cols = 0;
    for (const field_t *f = e->fields; f->name; f++) nf++, nnames += f->type == F_PERSON;
    int *extra = arena_alloc(r->arena, sizeof(int) * (size_t)(nf + 1)); /* field index → extra column, or -1 */
    int *name_col = arena_alloc(r->arena, sizeof(int) * (size_t)(nf + 1));
    int ncol_base = ENGINE_SPINE_COLS + nf + nnames, nextra = 0, fi = 0, nc = ENGINE_SPINE_COLS + nf;
    for (const field_t *f = e->fields; f->name; f++, fi++) {
        name_col[fi] = f->type == F_PERSON ? nc++ : -1;
        nid_cols += f->type == F_PERSON || engine_entity_ref(f);
    }
    fi = 0;
    for (const field_t *f = e->fields; f->name; f++, fi++) {
        extra[fi] = -1;
        if ((f->flags & FF_PI) && unmask) {
            buf_printf(&sql, ", t.%s_enc", f->name);
            extra[fi] = ncol_base + nextra++;
        } else if (f->masked_with && unmask) { /* the full date, with the number it narrows */
            buf_printf(&sql, ", t.%s", f->name);
            extra[fi] = ncol_base + nextra++;
        } else if (f->type == F_PERSON && unmask) { /* the person's unit: is the name the exporter's to see? */
            buf_printf(&sql, ", (SELECT x.path FROM persons pn JOIN org_units x ON x.id = pn.org_id WHERE pn.id = t.%s)",
                       f->name);
            extra[fi] = ncol_base + nextra++;
        } else if (f->type == F_REF && (!f->ref || !strcmp(f->ref, "org_units"))) {
            buf_printf(&sql, ", (SELECT x.name FROM org_units x WHERE x.id = t.%s)", f->name);
            extra[fi] = ncol_base + nextra++;
        }
    }
    buf_printf(&sql, " FROM %s t WHERE t.id IN (", e->table);
    for (int i = 1; i <= EXPORT_PAGE; i++)
        buf_printf(&sql, i > 1 ? ", $%d" : "$%d", i);
    buf_printf(&sql, ") AND t.deleted_at IS %s%s", with_deleted ? "NOT NULL" : "NULL", order_by);

    /* the file: created private, unlinked once open */
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
    if (xlsx) {
        /* libxlsxwriter opens by name: give it a private folder, not a
         * guessable name in a shared /tmp */
        snprintf(xdir, sizeof(xdir), "%s/sifasuo-export-XXXXXX", tmpdir);
        if (!mkdtemp(xdir))
            xdir[0] = '\0';
        else
            snprintf(path, sizeof(path), "%s/export.xlsx", xdir);
    } else {
        snprintf(path, sizeof(path), "%s/sifasuo-export-XXXXXX", tmpdir);
        fd = mkstemp(path);
        if (fd < 0) path[0] = '\0';
    }
    if (!path[0]) {
        log_error("export: cannot create a file in %s: %s", tmpdir, strerror(errno));
        http_error(r, 503, "export_failed", "导出失败: 无法创建临时文件");
        goto out;
    }
    /* the columns: 编号, the fields, then the spine */
    const workflow_t *flow = entity_flow(e, 0);
    int nshown = 0;
    fi = 0;
    for (const field_t *f = e->fields; f->name; f++, fi++)
        if (in_export[fi]) nshown += 1 + (f->type == F_PERSON || engine_entity_ref(f)); /* a ref: its name, its 编号 */
    o.ncols = 1 + nshown + 1 + (flow ? 2 : 0) + 2 + (with_deleted ? 1 : 0);
    o.width = arena_calloc(r->arena, sizeof(int) * (size_t)o.ncols);
    if (xlsx) {
        lxw_workbook_options wopt = {.constant_memory = LXW_TRUE, .tmpdir = xdir};
        o.wb = workbook_new_opt(path, &wopt);
        char sheet[128];
        sheet_name(e->label, sheet, sizeof(sheet));
        o.ws = o.wb ? workbook_add_worksheet(o.wb, sheet) : NULL;
        if (!o.ws) {
            http_error(r, 503, "export_failed", "导出失败: 无法创建 Excel 文件");
            goto out;
        }
        /* the header: bold on a light fill, bordered; the title above it */
        o.bold = workbook_add_format(o.wb);
        format_set_bold(o.bold);
        format_set_bg_color(o.bold, 0xDCE6F1);
        format_set_border(o.bold, LXW_BORDER_THIN);
        format_set_text_wrap(o.bold);
        lxw_format *title = workbook_add_format(o.wb);
        format_set_bold(title);
        format_set_font_size(title, 14);
        char now_bj[24], now_iso[21];
        iso_from_unix(now_unix(), now_iso);
        beijing(now_iso, now_bj);
        const char *unit = scope_unit_name(r, auth_principal(r)->org_id);
        const char *head = arena_printf(r->arena, "%s%s%s (导出时间 %s)", unit ? unit : "", unit ? " · " : "", e->label, now_bj);
        worksheet_merge_range(o.ws, 0, 0, 0, (lxw_col_t)(o.ncols - 1), head, title);
        worksheet_set_row(o.ws, 0, 24, NULL);
        o.row = o.head_row = 1;
        /* print: A4 landscape, one page wide, the header row on every page, the unit at the top */
        worksheet_set_landscape(o.ws);
        worksheet_set_paper(o.ws, 9);
        worksheet_fit_to_pages(o.ws, 1, 0);
        worksheet_repeat_rows(o.ws, 1, 1);
        worksheet_set_margins(o.ws, 0.4, 0.4, 0.6, 0.6);
        worksheet_set_footer(o.ws, "&C第 &P 页 / 共 &N 页");
    } else {
        o.f = fdopen(fd, "w+");
        if (!o.f) {
            http_error(r, 503, "export_failed", "导出失败: 无法写入临时文件");
            goto out;
        }
        fd = -1;
        unlink(path);
        path[0] = '\0';
        setvbuf(o.f, NULL, _IOFBF, 1 << 16);
        fputs("\xEF\xBB\xBF", o.f); /* BOM: Excel then reads UTF-8 */
    }
    out_text(&o, "编号");
    /* a person or record ref by its name, then its number (编号) so the
     * file imports back unchanged (import.c takes either) */
    fi = 0;
    for (const field_t *f = e->fields; f->name; f++, fi++) {
        o.mute = !in_export[fi];
        out_text(&o, f->label);
        if (f->type == F_PERSON || engine_entity_ref(f)) out_text(&o, arena_printf(r->arena, "%s编号", f->label));
    }
    o.mute = false;
    out_text(&o, "所属机构");
    if (flow) {
        out_text(&o, "状态");
        out_text(&o, "办理期限");
    }
    out_text(&o, "创建时间");
    out_text(&o, "更新时间");
    if (with_deleted) out_text(&o, "删除时间");
    out_end_row(&o);

    int64_t rows = 0;
    for (int64_t page = 0; page < total; page += EXPORT_PAGE) {
        s = db_prepare(r->db, sql.data);
        if (!s) {
            http_store_error(r);
            goto out;
        }
        for (int i = 0; i < EXPORT_PAGE; i++)
            db_bind_int(s, i + 1, ids[page + i < total ? page + i : total - 1]);
        while ((rc = db_step(s)) == DB_ROW) {
            out_number(&o, db_col_int(s, 0), 0);
            int c = ENGINE_SPINE_COLS;
            fi = 0;
            for (const field_t *f = e->fields; f->name; f++, c++, fi++) {
                o.mute = !in_export[fi];
                if (name_col[fi] >= 0 || engine_entity_ref(f)) {
                    char shown[256];
                    const char *nm = name_col[fi] < 0 ? (db_col_null(s, c) ? NULL
                                                                            : engine_ref_title(r, entity_find(f->ref),
                                                                                               db_col_int(s, c)))
                                     : db_col_null(s, name_col[fi]) ? NULL
                                                                    : db_col_text(s, name_col[fi]);
                    /* unmasked: a linked person's full name only when the
                     * exporter may read the person (issue 18 point 2) */
                    bool full = f->type == F_PERSON && unmask && nm &&
                                engine_person_readable(r, db_col_int(s, c), db_col_text(s, extra[fi])) == 1;
                    out_text(&o, full ? nm : engine_ref_display(r, f, nm, shown, sizeof(shown)));
                    if (db_col_null(s, c)) out_text(&o, NULL);
                    else out_number(&o, db_col_int(s, c), 0);
                    continue;
                }
                if (f->masked_with && unmask) {
                    out_text(&o, db_col_null(s, extra[fi]) ? NULL : db_col_text(s, extra[fi]));
                    continue;
                }
                if (db_col_null(s, c) && !((f->flags & FF_PI) && unmask)) {
                    out_text(&o, NULL);
                    continue;
                }
                if (f->flags & FF_PI) {
                    if (!unmask) {
                        out_text(&o, db_col_text(s, c));
                        continue;
                    }
                    buf_t plain = BUF_INIT;
                    if (!db_col_null(s, extra[fi]) && pi_decrypt(auth_keys(), db_col_text(s, extra[fi]), &plain) == 0)
                        out_text(&o, plain.data);
                    else
                        out_text(&o, NULL);
                    if (plain.data) OPENSSL_cleanse(plain.data, plain.len);
                    buf_free(&plain);
                    continue;
                }
                switch (f->type) {
                case F_INT:
                case F_PERSON:
                    out_number(&o, db_col_int(s, c), 0);
                    break;
                case F_REF:
                    if (extra[fi] >= 0 && !db_col_null(s, extra[fi]))
                        out_text(&o, db_col_text(s, extra[fi]));
                    else
                        out_number(&o, db_col_int(s, c), 0);
                    break;
                case F_DECIMAL:
                    out_number(&o, db_col_int(s, c), f->scale);
                    break;
                case F_BOOL:
                    out_text(&o, db_col_int(s, c) ? "是" : "否");
                    break;
                case F_CODE: {
                    const char *label = code_label(r->db, f->code_list, db_col_text(s, c));
                    out_text(&o, label ? label : db_col_text(s, c));
                    break;
                }
                case F_DATETIME: {
                    char bj[24];
                    beijing(db_col_text(s, c), bj);
                    out_text(&o, bj);
                    break;
                }
                default:
                    out_text(&o, db_col_text(s, c));
                }
            }
            o.mute = false;
            out_text(&o, scope_unit_name(r, db_col_int(s, 1)));
            if (flow) {
                const workflow_t *wf = entity_flow(e, (int)db_col_int(s, 10));
                const char *st = db_col_text(s, 9);
                out_text(&o, st && wf ? wf_state_label(wf, st) : st);
                out_text(&o, db_col_text(s, 11));
            }
            char bj[24];
            beijing(db_col_text(s, 4), bj);
            out_text(&o, bj);
            beijing(db_col_text(s, 6), bj);
            out_text(&o, bj);
            if (with_deleted) {
                beijing(db_col_text(s, 8), bj);
                out_text(&o, bj);
            }
            out_end_row(&o);
            rows++;
        }
        db_reset(s);
        if (rc < 0) {
            http_store_error(r);
            goto out;
        }
    }

    /* finish the file and take a descriptor for it */
    if (xlsx) {
        for (int c = 0; c < o.ncols; c++) {
            double w = o.width[c] + 2;
            worksheet_set_column(o.ws, (lxw_col_t)c, (lxw_col_t)c, w < 8 ? 8 : w > 50 ? 50 : w, NULL);
        }
        worksheet_freeze_panes(o.ws, 2, 0); /* the title and the header stay */
        worksheet_autofilter(o.ws, 1, 0, (lxw_row_t)(o.row > 2 ? o.row - 1 : 2), (lxw_col_t)(o.ncols - 1));
        lxw_error xe = workbook_close(o.wb);
        o.wb = NULL;
        if (xe != LXW_NO_ERROR) {
            log_error("export: xlsx: %s", lxw_strerror(xe));
            http_error(r, 503, "export_failed", "导出失败: 无法生成 Excel 文件");
            goto out;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        unlink(path);
        path[0] = '\0';
    } else {
        if (fflush(o.f) != 0 || ferror(o.f)) {
            http_error(r, 503, "export_failed", "导出失败: 临时文件写入出错 (磁盘已满?)");
            goto out;
        }
        fd = dup(fileno(o.f));
        fclose(o.f);
        o.f = NULL;
    }
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        http_error(r, 503, "export_failed", "导出失败: 无法读取临时文件");
        goto out;
    }
    /* the audit row before a byte leaves */
    char *detail = export_detail(r, e, fmt, rows, unmask);
    int arc = auth_audit(r, "record.export", e->name, 0, "ok", detail);
    free(detail);
    if (arc != 0) {
        http_error(r, 503, "audit_failed", "审计记录写入失败, 未导出");
        goto out;
    }
    char today[11];
    wf_today(today);
    char ymd[9];
    snprintf(ymd, sizeof(ymd), "%.4s%.2s%.2s", today, today + 5, today + 8);
    const char *ext = xlsx ? "xlsx" : "csv";
    char *disp = arena_printf(r->arena, "attachment; filename=\"%s-%s.%s\"; filename*=UTF-8''%s", e->name, ymd, ext,
                              engine_rfc5987(r, arena_printf(r->arena, "%s-%s.%s", e->label, ymd, ext)));
    http_set_header(r, "Content-Type",
                    xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                         : "text/csv; charset=utf-8");
    http_set_header(r, "Content-Disposition", disp);
    http_set_header(r, "Cache-Control", "no-store");
    http_set_header(r, "X-Export-Rows", arena_printf(r->arena, "%lld", (long long)rows));
    struct evbuffer *body = evbuffer_new();
    if (!body) {
        http_error(r, 503, "export_failed", "导出失败");
        goto out;
    }
    if (st.st_size > 0) {
        if (evbuffer_add_file(body, fd, 0, st.st_size) != 0) {
            evbuffer_free(body);
            http_error(r, 503, "export_failed", "导出失败");
            goto out;
        }
        fd = -1; /* the buffer owns it now */
    }
    http_send_evbuffer(r, 200, body);
    evbuffer_free(body);
out:
    if (o.f) fclose(o.f);
    if (o.wb) workbook_close(o.wb);
    if (fd >= 0) close(fd);
    if (path[0]) unlink(path);
    if (xdir[0]) rmdir(xdir);
    free(ids);
    buf_free(&where);
    buf_free(&sql);
}

/* ---- import ---- */

static bool csv_type(const char *ct) {
    if (!ct) return false;
    static const char *const ok[] = {"text/csv", "application/csv", "text/comma-separated-values",
                                     "application/vnd.ms-excel", NULL};
    for (int i = 0; ok[i]; i++) {
        size_t l = strlen(ok[i]);
        if (!strncasecmp(ct, ok[i], l) && (!ct[l] || ct[l] == ';' || ct[l] == ' ')) return true;
    }
    return false;
}

static void import_records(http_req_t *r) {
    const entity_t *e = entity_of(r);
    if (!e || !allowed(r, e, "import")) return;
    if (e->create_via) {
        http_set_header(r, "Allow", "GET, HEAD"); /* the collection is still listed */
        return http_error(r, 405, "create_elsewhere", e->create_via);
    }
    if (!csv_type(http_header(r, "Content-Type")))
        return http_error(r, 415, "unsupported_media_type", "请上传 CSV 文件 (Content-Type: text/csv)");
    const char *mode = http_query(r, "mode");
    if (!mode || !*mode) mode = "all_or_nothing";
    if (strcmp(mode, "all_or_nothing") && strcmp(mode, "skip_invalid"))
        return http_invalid(r, "mode", "mode 只能是 all_or_nothing (全部正确才导入) 或 skip_invalid (只导入正确的行)");
    const char *dr = http_query(r, "dry_run");
    bool dry = dr && (!strcmp(dr, "1") || !strcmp(dr, "true"));
    if (dr && !dry && strcmp(dr, "0") && strcmp(dr, "false"))
        return http_invalid(r, "dry_run", "dry_run 只能是 1 或 0");
    /* the file's encoding as the user chose it; auto: decided from the bytes (csv.h text_decode) */
    const char *cs = http_query(r, "charset");
    if (cs && !*cs) cs = NULL;
    if (cs && !strcmp(cs, "auto")) cs = NULL;
    if (cs && strcmp(cs, "utf-8") && strcmp(cs, "gb18030") && strcmp(cs, "gbk"))
        return http_invalid(r, "charset", "charset 只能是 auto (自动识别)、utf-8 或 gbk (gb18030)");
    /* the state the records start in (entity_t.import_states): the initial one unless chosen */
    const char *state = http_query(r, "state");
    if (state && !*state) state = NULL;
    if (state && !wf_import_state_allowed(e, auth_principal(r), state))
        return http_invalid(r, "state",
                            arena_printf(r->arena, "不能导入为「%s」状态: %s只能导入为流程声明的状态, 且您须有办理到该状态的权限",
                                         entity_flow(e, 0) ? wf_state_label(entity_flow(e, 0), state) : state, e->label));
    for (int i = 0; i < r->nquery; i++)
        if (strcmp(r->qkeys[i], "mode") && strcmp(r->qkeys[i], "dry_run") && strcmp(r->qkeys[i], "charset") &&
            strcmp(r->qkeys[i], "state"))
            return http_invalid(r, r->qkeys[i], "未知的参数");
    const char *dir = jobs_dir();
    if (!dir) return http_error(r, 503, "jobs_unavailable", "后台任务服务未启动, 暂时不能导入");
    const principal_t *p = auth_principal(r);
    /* the records land in the importer's own unit: they must be able to
     * read them (access.c; a protected entity above the office: a grant) */
    engine_read_t ra = engine_may_read(r, e, p->org_path);
    if (!ENGINE_READABLE(ra)) return engine_read_refuse(r, ra);
    if (p->user_id) {
        db_stmt_t *s =
            db_prepare(r->db, "SELECT COUNT(*) FROM jobs WHERE created_by = $1 AND status IN ('queued', 'running')");
        if (!s) return http_store_error(r);
        db_bind_int(s, 1, p->user_id);
        int64_t active = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
        db_reset(s);
        if (active < 0) return http_store_error(r);
        if (active >= JOB_MAX_ACTIVE)
            return http_error(
                r, 429, "too_many_jobs",
                arena_printf(r->arena, "您已有 %d 个任务在排队或进行中, 请等其完成后再导入", JOB_MAX_ACTIVE));
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
    size_t n = evbuffer_get_length(in);
    if (n == 0) return http_invalid(r, "file", "上传的文件为空");
    if (n > IMPORT_BODY_LIMIT) return http_error(r, 413, "body_too_large", "文件过大: 单次导入不超过 64 MiB");
    /* the upload: a private file under the jobs folder, synced before the
     * job that names it is committed */
    char token[33], name[48], path[4200];
    random_hex(token, 16);
    snprintf(name, sizeof(name), "in-%s.csv", token);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error("import: cannot create %s: %s", path, strerror(errno));
        return http_error(r, 503, "jobs_unavailable", "无法保存上传的文件");
    }
    bool ok = true;
    int nvec = evbuffer_peek(in, -1, NULL, NULL, 0);
    struct evbuffer_iovec *vec = arena_alloc(r->arena, sizeof(*vec) * (size_t)(nvec > 0 ? nvec : 1));
    nvec = evbuffer_peek(in, -1, NULL, vec, nvec);
    for (int i = 0; i < nvec && ok; i++) ok = fd_write_all(fd, vec[i].iov_base, vec[i].iov_len) == 0;
    ok = ok && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        log_error("import: writing %s: %s", path, strerror(errno));
        return http_error(r, 503, "jobs_unavailable", "无法保存上传的文件 (磁盘已满?)");
    }
    json_t *opt = json_pack("{s:s,s:b,s:I,s:s?,s:s?}", "mode", mode, "dry_run", dry, "bytes", (json_int_t)n, "ip",
                            r->peer, "user_agent", http_header(r, "User-Agent"));
    /* what the importer may read (access.c), for the job thread's check of
     * the records the rows link: the read permissions and the unit's level
     * as they were when the import was accepted */
    json_t *acc = json_pack("{s:s?,s:[]}", "org_level", p->org_level, "read");
    for (int i = 0; i < p->nperms; i++) {
        size_t l = strlen(p->perms[i]);
        if (l > 5 && strcmp(p->perms[i] + l - 5, ".read") == 0)
            json_array_append_new(json_object_get(acc, "read"), json_string(p->perms[i]));
    }
    json_object_set_new(opt, "access", acc);
    if (cs) json_object_set_new(opt, "charset", json_string(cs));
    if (state) json_object_set_new(opt, "state", json_string(state));
    int64_t id = job_submit(r, "import", e, opt, name);
    json_decref(opt);
    if (id < 0) {
        unlink(path);
        return;
    }
    http_set_header(r, "Location", arena_printf(r->arena, "/api/v1/jobs/%lld", (long long)id));
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kint(w, "job", id);
    jw_kstr(w, "status", "queued");
    jw_kstr(w, "url", arena_printf(r->arena, "/api/v1/jobs/%lld", (long long)id));
    jw_obj_end(w);
    http_send_json(r, 202);
}

static const route_t io_routes[] = {
    {"GET", "/api/v1/:entity/export", export_records},
    {"GET", "/api/v1/:entity/import/template", import_template},
    {"POST", "/api/v1/:entity/import", import_records, .body_limit = IMPORT_BODY_LIMIT},
    {0},
};

void engine_io_routes_register(void) {
    jobs_routes_register(); /* /api/v1/jobs/:id before /api/v1/:entity/:id */
    router_add(io_routes);
    import_job_register();
}
