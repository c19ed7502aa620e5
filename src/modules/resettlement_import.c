/* resettlement_import.c — the prisons' monthly pre-release lists (预释放
 *人员名单; issue 20 point 8; docs/resettlement.md):
 *
 *   POST /api/v1/resettlement/prerelease/import?month=YYYY-MM&prison=…
 *        [&file_name=…][&dry_run=1][&mode=skip_invalid]
 *   body: the file as the prison sent it — .xlsx (first sheet) or CSV
 *   (UTF-8 or GB18030) — at most 10 MiB and RESETTLE_IMPORT_ROWS rows.
 *
 * The columns are found by the names prisons use (姓名, 公民身份号码 /
 * 身份证号, 刑满日期 / 释放日期 …; others are ignored and listed).  Each
 * row is matched to the person registry by the ID number's blind index
 * (the name must agree with the registry's), or registered there; the
 * receiving office is the 接收司法所 column, else the office whose
 * street/town the residence (else the household address) names, else —
 * for an office's own import — that office.  Every row is checked before
 * anything is written; one bad row rejects the file (422, every row's
 * reason) unless mode=skip_invalid.  Then, in one transaction: the list
 * (prerelease-lists), each person through resettlement_intake() (a person
 * the office already holds for that release date is counted, not
 * doubled), the audit row resettle.prerelease.import.  The answer gives
 * counts — per office too — and row numbers with reasons, never more of
 * the registry than the file held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "cmd/demo.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/resettlement.h"
#include "util/crypto.h"
#include "util/csv.h"
#include "util/json.h"
#include "util/timeutil.h"
#include "util/validate.h"
#include "util/xlsx_read.h"

#define RESETTLE_IMPORT_ROWS 5000
#define RESETTLE_IMPORT_BYTES (10u * 1024 * 1024)

enum {
    C_NAME,
    C_ID,
    C_RELEASE,
    C_PRISON,
    C_CRIME,
    C_SENTENCE,
    C_RESIDENCE,
    C_HOUSEHOLD,
    C_OFFICE,
    C_KEY,
    C_NOTE,
    NCOLS
};
/* The headings each column goes by in the lists prisons send (after spaces
 * and full-width brackets are dropped). */
static const char *const headings[NCOLS][8] = {
    [C_NAME] = {"姓名", "服刑人员姓名", "罪犯姓名"},
    [C_ID] = {"公民身份号码", "身份证号", "身份证号码", "身份证", "居民身份证号码", "证件号码"},
    [C_RELEASE] = {"释放日期", "刑满日期", "刑满释放日期", "预计释放日期", "刑期止日", "刑期截止日期", "出监日期"},
    [C_PRISON] = {"服刑单位", "原服刑单位", "监狱", "执行机关", "羁押单位"},
    [C_CRIME] = {"罪名"},
    [C_SENTENCE] = {"原判刑期", "刑期", "原判刑罚"},
    [C_RESIDENCE] = {"释放后居住地", "居住地", "居住地址", "拟居住地", "现住址", "家庭住址"},
    [C_HOUSEHOLD] = {"户籍地", "户籍所在地", "户籍地址", "户籍"},
    [C_OFFICE] = {"接收司法所", "所属司法所", "司法所", "街道乡镇"},
    [C_KEY] = {"重点帮教对象", "是否重点帮教对象", "是否重点", "必接必送"},
    [C_NOTE] = {"备注", "其他情况"},
};

/* A heading without spaces (also U+3000) and brackets of either width. */
static void heading_norm(const char *in, char *out, size_t n) {
    size_t k = 0;
    while (*in && k + 4 < n) {
        if (*in == ' ' || *in == '\t' || *in == '(' || *in == ')' || *in == '*')
            in++;
        else if (!strncmp(in, "\xe3\x80\x80", 3) || !strncmp(in, "\xef\xbc\x88", 3) || !strncmp(in, "\xef\xbc\x89", 3))
            in += 3; /* U+3000, （, ） */
        else
            out[k++] = *in++;
    }
    out[k] = '\0';
}

/* A cell with surrounding spaces (also U+3000) trimmed, in the arena; NULL when blank. */
static const char *cell(http_req_t *r, const xlsx_row_t *row, int col) {
    if (col < 0 || col >= row->ncells || !row->cells[col]) return NULL;
    const char *s = row->cells[col], *e = s + strlen(s);
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        else if (!strncmp(s, "\xe3\x80\x80", 3))
            s += 3;
        else
            break;
    }
    for (;;) {
        if (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            e--;
        else if (e - s >= 3 && !strncmp(e - 3, "\xe3\x80\x80", 3))
            e -= 3;
        else
            break;
    }
    return e > s ? arena_strndup(r->arena, s, (size_t)(e - s)) : NULL;
}

/* A date as prisons write it — 2026-12-05, 2026/12/5, 2026.12.5,
 * 2026年12月5日, 20261205, or a spreadsheet date serial — into out. */
static bool parse_date(const char *s, char out[11]) {
    int y = 0, m = 0, d = 0, used = 0;
    if (strlen(s) == 8 && strspn(s, "0123456789") == 8) {
        sscanf(s, "%4d%2d%2d", &y, &m, &d);
    } else if (sscanf(s, "%d-%d-%d%n", &y, &m, &d, &used) == 3 || sscanf(s, "%d/%d/%d%n", &y, &m, &d, &used) == 3 ||
               sscanf(s, "%d.%d.%d%n", &y, &m, &d, &used) == 3 ||
               sscanf(s, "%d\xe5\xb9\xb4%d\xe6\x9c\x88%d\xe6\x97\xa5%n", &y, &m, &d, &used) == 3) {
        /* 年 月 日 */
    } else if (xlsx_serial_date(s, out) == 0) {
        return date_valid(out);
    } else
        return false;
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31) return false;
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    return date_valid(out);
}

static int yes_no(const char *s) {
    if (!s) return 0;
    static const char *const yes[] = {"是", "Y", "y", "1", "√", "重点", "TRUE", "true", NULL};
    static const char *const no[] = {"否", "N", "n", "0", "×", "一般", "FALSE", "false", NULL};
    for (int i = 0; yes[i]; i++)
        if (strcmp(s, yes[i]) == 0) return 1;
    for (int i = 0; no[i]; i++)
        if (strcmp(s, no[i]) == 0) return 0;
    return -1;
}

typedef struct office {
    int64_t id;
    const char *name, *town, *path; /* town: the name without 司法所 (陆家嘴街道) */
    int n;
} office_t;

typedef struct item {
    int row; /* spreadsheet row (header = its own row number) */
    const char *name, *id, *release, *prison, *crime, *sentence, *residence, *household, *note;
    bool key;
    office_t *office;
    int64_t person; /* 0: to be registered */
    const char *error;
} item_t;

/* The office a text names: exactly (by name or town), or, when loose, the
 * office whose town the text contains (an address). */
static office_t *office_named(office_t *o, int n, const char *text, bool loose) {
    if (!text) return NULL;
    for (int i = 0; i < n; i++)
        if (strcmp(text, o[i].name) == 0 || strcmp(text, o[i].town) == 0) return &o[i];
    if (!loose) return NULL;
    office_t *best = NULL;
    for (int i = 0; i < n; i++) /* the longest town named wins (新桥镇 within 新桥镇村 …) */
        if (strlen(o[i].town) >= 6 && strstr(text, o[i].town) && (!best || strlen(o[i].town) > strlen(best->town)))
            best = &o[i];
    return best;
}

/* The upload as a grid of cells: xlsx, or CSV in any charset Excel writes. */
static int read_grid(http_req_t *r, const char *body, size_t len, xlsx_sheet_t *g, const char **why) {
    if (xlsx_looks_like(body, len)) return xlsx_read(body, len, g, why);
    if (len >= 8 && memcmp(body, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0) /* OLE2: Excel 97–2003 */
        return *why = "旧版 Excel (.xls) 文件不能直接导入, 请在 Excel 或 WPS 中另存为 .xlsx 工作簿或 CSV 后上传", -1;
    memset(g, 0, sizeof(*g));
    char *copy = arena_strndup(r->arena, body, len), *text = NULL;
    const char *charset = NULL;
    long long n = text_to_utf8(copy, len, &text, &charset);
    if (n < 0) return *why = charset, -1;
    csv_reader_t c;
    csv_reader_init(&c, text, (size_t)n);
    int k, rc = 0;
    while ((k = csv_next(&c)) > 0) {
        if (g->nrows >= RESETTLE_IMPORT_ROWS + 1) {
            *why = "名单行数过多 (每个文件至多 5000 行)";
            rc = -1;
            break;
        }
        xlsx_row_t *grown = realloc(g->rows, sizeof(xlsx_row_t) * (size_t)(g->nrows + 1));
        if (!grown) {
            rc = -1;
            *why = "内存不足";
            break;
        }
        g->rows = grown;
        xlsx_row_t *row = &g->rows[g->nrows++];
        row->ncells = k > XLSX_COLS_MAX ? XLSX_COLS_MAX : k;
        row->cells = calloc((size_t)row->ncells, sizeof(char *));
        for (int i = 0; row->cells && i < row->ncells; i++)
            row->cells[i] = *c.cells[i] ? strdup(c.cells[i]) : NULL;
    }
    if (k < 0) rc = -1, *why = "CSV 格式有误: 引号未闭合";
    csv_reader_free(&c);
    if (text != copy) free(text);
    if (rc) xlsx_sheet_free(g);
    return rc;
}

static void write_errors(jw_t *w, item_t *items, int n) {
    jw_key(w, "errors");
    jw_arr(w);
    int shown = 0;
    for (int i = 0; i < n && shown < 1000; i++) {
        if (!items[i].error) continue;
        shown++;
        jw_obj(w);
        jw_kint(w, "row", items[i].row);
        jw_kstr(w, "message", items[i].error);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void prerelease_import(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    const char *month = http_query(r, "month"), *prison = http_query(r, "prison"), *fname = http_query(r, "file_name");
    const char *mode = http_query(r, "mode"), *dry = http_query(r, "dry_run");
    bool skip = mode && strcmp(mode, "skip_invalid") == 0, dry_run = dry && strcmp(dry, "1") == 0;
    json_t *errs = json_object();
    if (!month || strlen(month) != 7 || month[4] != '-' || !date_valid(arena_printf(r->arena, "%s-01", month)))
        json_object_set_new(errs, "month", json_string("名单月份应为 YYYY-MM"));
    if (!prison || !*prison || strlen(prison) > 300)
        json_object_set_new(errs, "prison", json_string("请填写发送名单的监狱或看守所"));
    if (mode && strcmp(mode, "skip_invalid") && strcmp(mode, "all_or_nothing"))
        json_object_set_new(errs, "mode", json_string("mode 只能是 all_or_nothing 或 skip_invalid"));
    if (fname && strlen(fname) > 200) json_object_set_new(errs, "file_name", json_string("文件名过长"));
    if (json_object_size(errs)) {
        http_invalid_fields(r, errs);
        json_decref(errs);
        return;
    }
    json_decref(errs);
    const char *scope = scope_path(r);
    if (!scope) return http_error(r, 403, "forbidden", "您没有执行此操作的权限");
    size_t len = 0;
    const char *body = http_body(r, &len);
    if (!body || !len) return http_invalid(r, "file", "请上传名单文件 (Excel 或 CSV)");

    xlsx_sheet_t g;
    const char *why = NULL;
    if (read_grid(r, body, len, &g, &why) != 0) return http_invalid(r, "file", why ? why : "无法读取名单文件");
    /* the header: the first row naming a 姓名 column */
    int head = -1, col[NCOLS];
    json_t *ignored = json_array();
    for (int i = 0; i < g.nrows && i < 10 && head < 0; i++) {
        for (int k = 0; k < NCOLS; k++)
            col[k] = -1;
        for (int c = 0; c < g.rows[i].ncells; c++) {
            const char *h = g.rows[i].cells[c];
            if (!h) continue;
            char norm[200];
            heading_norm(h, norm, sizeof(norm));
            for (int k = 0; k < NCOLS; k++)
                for (int a = 0; headings[k][a]; a++)
                    if (col[k] < 0 && strcmp(norm, headings[k][a]) == 0) col[k] = c;
        }
        if (col[C_NAME] >= 0) head = i;
    }
    if (head < 0 || col[C_ID] < 0 || col[C_RELEASE] < 0) {
        xlsx_sheet_free(&g);
        json_decref(ignored);
        return http_invalid(r, "file",
                            head < 0 ? "找不到表头: 名单须有「姓名」「公民身份号码」「释放日期」(或「刑满日期」) 列"
                            : col[C_ID] < 0 ? "名单缺少「公民身份号码」(或「身份证号」) 列"
                                            : "名单缺少「释放日期」(或「刑满日期」「刑期止日」) 列");
    }
    for (int c = 0; c < g.rows[head].ncells; c++) {
        bool used = false;
        for (int k = 0; k < NCOLS; k++)
            used = used || col[k] == c;
        if (!used && g.rows[head].cells[c]) json_array_append_new(ignored, json_string(g.rows[head].cells[c]));
    }

    /* the offices that may receive: in the importer's scope, not revoked */
    char hi[512];
    scope_upper(scope, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(r->db, "SELECT id, name, path FROM org_units WHERE level = 'office' AND valid_to IS NULL "
                                     "AND path >= $1 AND path < $2 ORDER BY id");
    if (!s) goto store;
    db_bind_text(s, 1, scope, -1);
    db_bind_text(s, 2, hi, -1);
    office_t *offices = NULL;
    int noffices = 0, cap = 0, step;
    while ((step = db_step(s)) == DB_ROW) {
        if (noffices == cap) {
            cap = cap ? cap * 2 : 16;
            office_t *grown = arena_alloc(r->arena, sizeof(office_t) * (size_t)cap);
            if (noffices) memcpy(grown, offices, sizeof(office_t) * (size_t)noffices);
            offices = grown;
        }
        office_t *o = &offices[noffices++];
        o->id = db_col_int(s, 0);
        o->name = arena_strdup(r->arena, db_col_text(s, 1));
        o->path = arena_strdup(r->arena, db_col_text(s, 2));
        const char *suffix = strstr(o->name, "司法所");
        o->town = suffix ? arena_strndup(r->arena, o->name, (size_t)(suffix - o->name)) : o->name;
        o->n = 0;
    }
    db_reset(s);
    if (step != DB_DONE) goto store; /* not rows sent to "another office" or refused */
    office_t *own = NULL;
    for (int i = 0; i < noffices; i++)
        if (offices[i].id == p->org_id) own = &offices[i];
    if (!noffices) {
        xlsx_sheet_free(&g);
        json_decref(ignored);
        return http_error(r, 403, "forbidden", "只有司法所或区司法局可以导入预释放名单");
    }

    /* every row checked and matched before anything is written */
    int nitems = 0, rejected = 0, matched = 0;
    item_t *items = arena_alloc(r->arena, sizeof(item_t) * (size_t)(g.nrows + 1));
    for (int i = head + 1; i < g.nrows; i++) {
        const xlsx_row_t *row = &g.rows[i];
        item_t *it = &items[nitems];
        memset(it, 0, sizeof(*it));
        it->row = i + 1;
        it->name = cell(r, row, col[C_NAME]);
        const char *idn = cell(r, row, col[C_ID]), *rel = cell(r, row, col[C_RELEASE]);
        it->prison = cell(r, row, col[C_PRISON]);
        it->crime = cell(r, row, col[C_CRIME]);
        it->sentence = cell(r, row, col[C_SENTENCE]);
        it->residence = cell(r, row, col[C_RESIDENCE]);
        it->household = cell(r, row, col[C_HOUSEHOLD]);
        it->note = cell(r, row, col[C_NOTE]);
        const char *office = cell(r, row, col[C_OFFICE]), *key = cell(r, row, col[C_KEY]);
        if (!it->name && !idn && !rel) continue; /* a blank row */
        nitems++;
        if (nitems > RESETTLE_IMPORT_ROWS) {
            xlsx_sheet_free(&g);
            json_decref(ignored);
            return http_invalid(r, "file", "名单行数过多 (每个文件至多 5000 行)");
        }
        char norm[19], date[11];
        const char *idwhy = NULL;
        if (!it->name || strlen(it->name) > 100)
            it->error = "请填写姓名";
        else if (!idn || !idcard_normalize(idn, norm) || !idcard_valid(norm, NULL, &idwhy))
            it->error = arena_printf(r->arena, "公民身份号码有误%s%s", idwhy ? ": " : "", idwhy ? idwhy : "");
        else if (!rel || !parse_date(rel, date))
            it->error = "释放日期有误 (应为 2026-12-05、2026/12/5 或 2026年12月5日)";
        else if (key && yes_no(key) < 0)
            it->error = "「重点帮教对象」应填 是 或 否";
        else if ((it->crime && strlen(it->crime) > 300) || (it->sentence && strlen(it->sentence) > 180) ||
                 (it->residence && strlen(it->residence) > 600) || (it->household && strlen(it->household) > 600) ||
                 (it->prison && strlen(it->prison) > 300) || (it->note && strlen(it->note) > 3000))
            it->error = "有内容过长的单元格";
        if (!it->error) {
            it->id = arena_strdup(r->arena, norm);
            it->release = arena_strdup(r->arena, date);
            it->key = yes_no(key) == 1;
            /* the receiving office */
            if (office) {
                it->office = office_named(offices, noffices, office, false);
                if (!it->office)
                    it->error = arena_printf(r->arena, "接收司法所「%s」不存在或不在您的管辖范围内", office);
            } else {
                it->office = office_named(offices, noffices, it->residence, true);
                if (!it->office) it->office = office_named(offices, noffices, it->household, true);
                if (!it->office && own) it->office = own;
                if (!it->office) it->error = "无法根据居住地、户籍地确定接收司法所, 请在「接收司法所」列填写";
            }
            if (it->office && own && it->office != own)
                it->error = arena_printf(r->arena, "该人员应由「%s」接收, 请交区司法局分送", it->office->name);
        }
        for (int k = 0; !it->error && k < nitems - 1; k++)
            if (items[k].id && strcmp(items[k].id, it->id) == 0 && strcmp(items[k].release, it->release) == 0)
                it->error = arena_printf(r->arena, "与第 %d 行重复", items[k].row);
        if (!it->error) {
            /* the registry: one person per ID number, the name as registered */
            char index[65];
            pi_blind_index(auth_keys(), it->id, index);
            s = db_prepare(r->db, "SELECT COALESCE(p.merged_into, p.id), COALESCE(m.name, p.name) FROM persons p "
                                  "LEFT JOIN persons m ON m.id = p.merged_into WHERE p.id_index = $1");
            if (!s) goto store_free;
            db_bind_text(s, 1, index, -1);
            int prc = db_step(s);
            if (prc == DB_ROW) {
                it->person = db_col_int(s, 0);
                if (strcmp(db_col_text(s, 1), it->name) != 0)
                    it->error = "姓名与人员库中该公民身份号码登记的姓名不一致, 请与监狱核对";
                else
                    matched++;
            }
            db_reset(s);
            if (prc < 0) goto store_free; /* not "not in the registry": it would be registered twice */
        }
        if (it->error) rejected++;
    }
    xlsx_sheet_free(&g);
    if (!nitems) {
        json_decref(ignored);
        return http_invalid(r, "file", "名单中没有人员");
    }
    if (rejected && !skip) {
        jw_t *w = &r->json;
        jw_obj(w);
        jw_key(w, "error");
        jw_obj(w);
        jw_kstr(w, "code", "import_rejected");
        jw_kstr(w, "message",
                arena_printf(r->arena,
                             "名单有 %d 行不能导入, 未写入任何数据; 请修改后重新上传, "
                             "或选择「跳过有误的行」",
                             rejected));
        jw_kint(w, "rows", nitems);
        jw_kint(w, "rejected", rejected);
        write_errors(w, items, nitems);
        jw_obj_end(w);
        jw_obj_end(w);
        json_decref(ignored);
        return http_send_json(r, 422);
    }

    int created = 0, registered = 0, duplicates = 0;
    int64_t batch = 0;
    if (!dry_run) {
        if (db_begin(r->db) != 0) goto store_free;
        const entity_t *be = entity_find("prerelease-lists");
        json_t *bf = json_object();
        char now[21], today[11];
        iso_from_unix(now_unix(), now);
        wf_today(today);
        json_object_set_new(bf, "created_at", json_string(now));
        json_object_set_new(bf, "updated_at", json_string(now));
        if (p->user_id) json_object_set_new(bf, "created_by", json_integer(p->user_id));
        json_object_set_new(bf, "month", json_string(month));
        json_object_set_new(bf, "prison", json_string(prison));
        json_object_set_new(bf, "received_on", json_string(today));
        if (fname) json_object_set_new(bf, "file_name", json_string(fname));
        json_object_set_new(bf, "rows", json_integer(nitems - rejected));
        batch = engine_insert_raw(r->db, be, p->org_id, p->org_path, NULL, bf);
        json_decref(bf);
        if (batch <= 0) goto rollback;
        for (int i = 0; i < nitems; i++) {
            item_t *it = &items[i];
            if (it->error) continue;
            if (!it->person) {
                it->person = person_insert(r->db, auth_keys(), it->office->id, it->name, it->id, NULL,
                                           it->residence ? it->residence : it->household, p->user_id);
                if (it->person <= 0) goto rollback;
                char masked[64], detail[160];
                mask_idcard(it->id, masked, sizeof(masked));
                snprintf(detail, sizeof(detail), "{\"id_type\":\"resident_id\",\"id_number\":\"%s\",\"import\":%lld}",
                         masked, (long long)batch);
                if (auth_audit(r, "record.create", "persons", it->person, "ok", detail) != 0) goto rollback;
                registered++;
            }
            resettle_intake_t in = {.person_id = it->person,
                                    .office_id = it->office->id,
                                    .source =
                                        strstr(it->prison ? it->prison : prison, "看守所") ? "detention" : "prison",
                                    .release_date = it->release,
                                    .prison = it->prison ? it->prison : prison,
                                    .crime = it->crime,
                                    .sentence = it->sentence,
                                    .residence = it->residence ? it->residence : it->household,
                                    .note = it->note,
                                    .key_subject = it->key,
                                    .batch_id = batch};
            int64_t existing = 0;
            int64_t id = resettlement_intake(r, &in, &existing, NULL);
            if (id < 0) goto rollback;
            if (id == 0)
                duplicates++;
            else
                created++, it->office->n++;
        }
        db_stmt_t *u = db_prepare(r->db, "UPDATE resettle_batch SET matched = $1, registered = $2, duplicates = $3 "
                                         "WHERE id = $4");
        if (!u) goto rollback;
        db_bind_int(u, 1, matched);
        db_bind_int(u, 2, registered);
        db_bind_int(u, 3, duplicates);
        db_bind_int(u, 4, batch);
        int rc = db_step(u);
        db_reset(u);
        if (rc != DB_DONE) goto rollback;
        char detail[300];
        snprintf(detail, sizeof(detail),
                 "{\"month\":\"%s\",\"rows\":%d,\"created\":%d,\"matched\":%d,\"registered\":%d,\"duplicates\":%d,"
                 "\"rejected\":%d}",
                 month, nitems, created, matched, registered, duplicates, rejected);
        if (auth_audit(r, "resettle.prerelease.import", "prerelease-lists", batch, "ok", detail) != 0 ||
            db_commit(r->db) != 0)
            goto rollback;
    } else {
        for (int i = 0; i < nitems; i++)
            if (!items[i].error) {
                items[i].office->n++;
                if (!items[i].person) registered++;
            }
    }
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "batch");
    if (batch)
        jw_int(w, batch);
    else
        jw_null(w);
    jw_kbool(w, "dry_run", dry_run);
    jw_kint(w, "rows", nitems);
    jw_kint(w, "created", dry_run ? nitems - rejected : created);
    jw_kint(w, "matched", matched);
    jw_kint(w, "registered", registered);
    jw_kint(w, "duplicates", duplicates);
    jw_kint(w, "rejected", rejected);
    jw_key(w, "offices");
    jw_arr(w);
    for (int i = 0; i < noffices; i++) {
        if (!offices[i].n) continue;
        jw_obj(w);
        jw_kint(w, "id", offices[i].id);
        jw_kstr(w, "name", offices[i].name);
        jw_kint(w, "n", offices[i].n);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "ignored_columns");
    jw_arr(w);
    for (size_t i = 0; i < json_array_size(ignored); i++)
        jw_str(w, json_string_value(json_array_get(ignored, i)));
    jw_arr_end(w);
    write_errors(w, items, nitems);
    jw_obj_end(w);
    json_decref(ignored);
    return http_send_json(r, dry_run ? 200 : 201);
rollback:
    db_rollback(r->db);
store_free:
store:
    xlsx_sheet_free(&g);
    json_decref(ignored);
    http_store_error(r);
}

static const route_t routes[] = {
    {"POST", "/api/v1/resettlement/prerelease/import", prerelease_import, .perm = "resettle.prerelease.import",
     .body_limit = RESETTLE_IMPORT_BYTES},
    {0},
};

void resettlement_import_register(void) { router_add(routes); }
