/* files.c — stored files for F_FILE fields (issue 5 point 5; docs/engine.md
 * "Files"):
 *
 *   POST /api/v1/files?name=…                       upload (the body is the file) → {sha256, size, mime}
 *   GET  /api/v1/<entity>/<id>/files/<field>        the file a record's field names (read scope, audited)
 *
 * A file is stored once by content under the files folder
 * (<folder>/<first 2 hex>/<sha256>, 0600), and a row of table files records
 * which unit uploaded it.  A field takes a hash only when a unit in the
 * caller's scope uploaded that file (values.c), and a download goes through
 * a record the caller may read — never by hash alone.  Only JPEG, PNG and PDF
 * are kept, recognised by their first bytes, not by the name or the
 * declared type.
 *
 * 附件 (issue 16 point 5) of an entity that declares .attachments — several
 * files per record, also Word (.docx) and Excel (.xlsx), recognised by their
 * zip parts (word/document.xml, xl/workbook.xml):
 *
 *   GET    /api/v1/<entity>/<id>/attachments            the list (read like the record)
 *   POST   /api/v1/<entity>/<id>/attachments?name=…     add one (the body is the file; <perm>.update,
 *                                                       not while the record is locked)
 *   GET    /api/v1/<entity>/<id>/attachments/<aid>      download (audited attachment.download)
 *   DELETE /api/v1/<entity>/<id>/attachments/<aid>      remove (soft; audited attachment.delete) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "util/crypto.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/timeutil.h"

#define FILE_MAX_BYTES (10 * 1024 * 1024) /* a scanned document or a photo */
#define ATTACH_MAX_PER_RECORD 50          /* a case's evidence, a certificate's scans */
#define MIME_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define MIME_XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* The kind of file from its first bytes, or NULL when not one we keep. */
static const char *sniff_mime(const unsigned char *p, size_t n) {
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return "image/jpeg";
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return "image/png";
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0) return "application/pdf";
    return NULL;
}

/* The files folder: SIFASUO_FILES_DIR, else "files" beside a SQLite file,
 * else var/files.  Created (0700) on first use; NULL when it cannot be. */
static const char *files_dir(http_req_t *r, char *out, size_t n) {
    const char *env = getenv("SIFASUO_FILES_DIR");
    const char *url = r->w && r->w->cfg ? r->w->cfg->db_url : NULL;
    if (env && *env)
        snprintf(out, n, "%s", env);
    else if (url && strncmp(url, "sqlite:", 7) == 0) {
        const char *path = url + 7, *slash = strrchr(path, '/');
        if (slash)
            snprintf(out, n, "%.*s/files", (int)(slash - path), path);
        else
            snprintf(out, n, "files");
    } else {
        mkdir("var", 0700);
        snprintf(out, n, "var/files");
    }
    if (mkdir(out, 0700) != 0 && errno != EEXIST) {
        log_error("files: cannot create %s: %s", out, strerror(errno));
        return NULL;
    }
    return out;
}

/* Writes the bytes to path through a private temporary name, synced, so a
 * stored hash always names a whole file.  0 or -1. */
static int write_whole(const char *path, const void *data, size_t len) {
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%.4200s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    bool ok = fd_write_all(fd, data, len) == 0;
    ok = ok && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* A file name fit for the table and a header: no control characters, quotes
 * or path separators, at most 100 bytes of whole UTF-8 characters. */
static const char *clean_name(http_req_t *r, const char *name) {
    if (!name || !*name) return NULL;
    size_t n = strlen(name);
    if (n > 100) {
        n = 100;
        while (n && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    char *out = arena_alloc(r->arena, n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        out[i] = (c < 0x20 || c == '"' || c == '\\' || c == '/' || c == 0x7F) ? '_' : (char)c;
    }
    out[n] = '\0';
    return out;
}

/* Keeps the bytes under their hash (once) and, for a file field's upload
 * (field_use), inside the caller's transaction the row of table files that
 * lets the caller's unit put the hash in a field.  An attachment needs no
 * such row: its own row names the hash.  0, or -1 after answering (503). */
static int store_bytes(http_req_t *r, const char *body, size_t n, const char *mime, const char *name, bool field_use,
                       char hash[65]) {
    const principal_t *p = auth_principal(r);
    char dir[4096], path[4200];
    if (sha256_hex(body, n, hash) != 0) return http_error(r, 500, "hash_failed", "文件校验失败"), -1;
    if (!files_dir(r, dir, sizeof(dir))) return http_error(r, 503, "files_unavailable", "文件存储暂不可用"), -1;
    snprintf(path, sizeof(path), "%s/%.2s", dir, hash);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return http_error(r, 503, "files_unavailable", "文件存储暂不可用"), -1;
    snprintf(path, sizeof(path), "%s/%.2s/%s", dir, hash, hash);
    struct stat st;
    if ((stat(path, &st) != 0 || (size_t)st.st_size != n) && write_whole(path, body, n) != 0) {
        log_error("files: writing %s: %s", path, strerror(errno));
        return http_error(r, 503, "files_unavailable", "无法保存上传的文件 (磁盘已满?)"), -1;
    }
    if (!field_use) return 0;
    db_stmt_t *s = db_prepare(r->db, "INSERT INTO files (sha256, org_id, org_path, size, mime, name, created_by) "
                                     "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256, org_id) DO NOTHING");
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, hash, -1);
    db_bind_int(s, 2, p->org_id);
    db_bind_text(s, 3, p->org_path, -1);
    db_bind_int(s, 4, (int64_t)n);
    db_bind_text(s, 5, mime, -1);
    db_bind_text(s, 6, name, -1);
    if (p->user_id)
        db_bind_int(s, 7, p->user_id);
    else
        db_bind_null(s, 7);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) log_error("files: %s", db_errmsg(r->db));
    return rc == DB_DONE ? 0 : (http_store_error(r), -1);
}

static void upload_file(http_req_t *r) {
    size_t n;
    const char *body = http_body(r, &n);
    if (n == 0) return http_invalid(r, "file", "上传的文件为空");
    if (n > FILE_MAX_BYTES) return http_error(r, 413, "body_too_large", "文件过大: 单个文件不超过 10 MiB");
    const char *mime = sniff_mime((const unsigned char *)body, n);
    if (!mime) return http_error(r, 415, "unsupported_file_type", "只能上传 JPEG、PNG 图片或 PDF 文件");
    const char *name = clean_name(r, http_query(r, "name"));
    char hash[65];
    if (db_begin(r->db) != 0) return http_store_error(r);
    if (store_bytes(r, body, n, mime, name, true, hash) != 0) return;
    json_t *d = json_pack("{s:s,s:I,s:s,s:s?}", "sha256", hash, "size", (json_int_t)n, "mime", mime, "name", name);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    int arc = auth_audit(r, "file.upload", "files", 0, "ok", dt);
    free(dt);
    if (arc != 0 || db_commit(r->db) != 0) return http_store_error(r);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_kstr(w, "sha256", hash);
    jw_kint(w, "size", (int64_t)n);
    jw_kstr(w, "mime", mime);
    jw_kstr(w, "name", name);
    jw_obj_end(w);
    http_send_json(r, 201);
}

/* Reads the stored file of hash (size bytes), checks it against its hash and
 * returns the bytes in the request's arena; NULL after answering 404/500. */
static char *read_stored(http_req_t *r, const char *hash, int64_t size) {
    char dir[4096], path[4200];
    if (!files_dir(r, dir, sizeof(dir))) return http_error(r, 404, "not_found", "文件不存在"), NULL;
    snprintf(path, sizeof(path), "%s/%.2s/%s", dir, hash, hash);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        log_error("files: %s is recorded but missing: %s", path, strerror(errno));
        return http_error(r, 404, "not_found", "文件已丢失, 请联系管理员"), NULL;
    }
    char *data = size > 0 && size <= FILE_MAX_BYTES ? arena_alloc(r->arena, (size_t)size) : NULL;
    size_t got = 0;
    while (data && got < (size_t)size) {
        ssize_t k = read(fd, data + got, (size_t)size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    char check[65];
    if (!data || got != (size_t)size || sha256_hex(data, got, check) != 0 || strcmp(check, hash) != 0) {
        log_error("files: %s does not match its hash", path);
        return http_error(r, 500, "file_corrupt", "文件校验失败, 已记录"), NULL;
    }
    return data;
}

/* The file extension of a kept type, for a download's plain-ASCII name. */
static const char *mime_ext(const char *mime) {
    static const char *const map[][2] = {{"application/pdf", "pdf"},
                                         {"image/png", "png"},
                                         {"image/jpeg", "jpg"},
                                         {MIME_DOCX, "docx"},
                                         {MIME_XLSX, "xlsx"},
                                         {NULL, NULL}};
    for (int i = 0; map[i][0]; i++)
        if (strcmp(mime, map[i][0]) == 0) return map[i][1];
    return "bin";
}

/* Sends stored bytes: the stored type, the uploaded name (RFC 5987) beside a
 * plain fallback, never cached, never sniffed. */
static void send_stored(http_req_t *r, const char *mime, const char *data, size_t n, const char *name,
                        const char *fallback_base, bool inline_) {
    char fallback[160];
    snprintf(fallback, sizeof(fallback), "%s.%s", fallback_base, mime_ext(mime));
    http_set_header(r, "Content-Disposition",
                    arena_printf(r->arena, "%s; filename=\"%s\"%s%s", inline_ ? "inline" : "attachment", fallback,
                                 name ? "; filename*=UTF-8''" : "", name ? engine_rfc5987(r, name) : ""));
    http_set_header(r, "Cache-Control", "private, no-store");
    http_set_header(r, "X-Content-Type-Options", "nosniff");
    http_send_bytes(r, 200, mime, data, n);
}

static void download_file(http_req_t *r) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    if (!e) return http_error(r, 404, "not_found", "接口不存在");
    char perm[128];
    snprintf(perm, sizeof(perm), "%s.read", e->perm);
    if (!auth_can(auth_principal(r), perm)) return http_error(r, 403, "forbidden", "您没有执行此操作的权限");
    const field_t *f = entity_field(e, http_param(r, "field"));
    if (!f || f->type != F_FILE) return http_error(r, 404, "not_found", "该记录没有这个文件字段");
    int64_t id = http_param_id(r, "id");
    buf_t sql = BUF_INIT;
    db_stmt_t *s = engine_load_record(r, e, id, &sql);
    buf_free(&sql);
    if (!s) return;
    int col = engine_field_col(e, f);
    const char *hash = db_col_null(s, col) ? NULL : arena_strdup(r->arena, db_col_text(s, col));
    const char *owner = arena_strdup(r->arena, db_col_text(s, 2)); /* the record's org_path */
    db_reset(s);
    if (!hash) return http_error(r, 404, "not_found", "该记录尚未上传此文件");
    if (engine_read_audit(r, e, id, "file") != 0) return http_error(r, 503, "audit_failed", "审计记录写入失败, 未提供文件");
    /* the name the record's own unit gave the file, not another unit's */
    s = db_prepare(r->db, "SELECT mime, size, name FROM files WHERE sha256 = $1 "
                          "ORDER BY CASE WHEN org_path = $2 THEN 0 ELSE 1 END, id LIMIT 1");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, hash, -1);
    db_bind_text(s, 2, owner, -1);
    int rc = db_step(s);
    const char *mime = rc == DB_ROW ? arena_strdup(r->arena, db_col_text(s, 0)) : NULL;
    int64_t size = rc == DB_ROW ? db_col_int(s, 1) : 0;
    const char *name = rc == DB_ROW && !db_col_null(s, 2) ? arena_strdup(r->arena, db_col_text(s, 2)) : NULL;
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    if (!mime) return http_error(r, 404, "not_found", "文件不存在");
    char *data = read_stored(r, hash, size);
    if (!data) return;
    json_t *d = json_pack("{s:s,s:s}", "field", f->name, "sha256", hash);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    int arc = auth_audit(r, "file.download", e->name, id, "ok", dt);
    free(dt);
    if (arc != 0) return http_error(r, 503, "audit_failed", "审计记录写入失败, 未提供文件");
    send_stored(r, mime, data, (size_t)size, name, arena_printf(r->arena, "%s-%lld-%s", e->name, (long long)id, f->name),
                true);
}

/* ---- 附件 ---- */

/* An attachment's type: the file fields' kinds, or a Word / Excel document
 * (a zip holding word/document.xml or xl/workbook.xml: part names are stored
 * uncompressed in the zip's headers). */
static const char *sniff_attachment(const unsigned char *p, size_t n) {
    const char *m = sniff_mime(p, n);
    if (m || n < 4 || memcmp(p, "PK\x03\x04", 4) != 0) return m;
    if (!memmem(p, n, "[Content_Types].xml", 19)) return NULL;
    if (memmem(p, n, "word/document.xml", 17)) return MIME_DOCX;
    if (memmem(p, n, "xl/workbook.xml", 15)) return MIME_XLSX;
    return NULL;
}

/* The record the attachments hang on: e must declare them, the caller read
 * the record (one access path, engine_load_record); for a change also
 * <perm>.update and a record that is not locked.  0, or -1 after answering. */
static int attachment_record(http_req_t *r, const entity_t **e_out, int64_t *id_out, bool change) {
    const entity_t *e = entity_find(http_param(r, "entity"));
    if (!e || !e->attachments) return http_error(r, 404, "not_found", "该业务没有附件"), -1;
    int64_t id = http_param_id(r, "id");
    buf_t sql = BUF_INIT;
    db_stmt_t *s = engine_load_record(r, e, id, &sql);
    buf_free(&sql);
    if (!s) return -1;
    const char *state = db_col_null(s, 9) ? NULL : arena_strdup(r->arena, db_col_text(s, 9));
    int wfv = (int)db_col_int(s, 10);
    db_reset(s);
    if (change) {
        char perm[128];
        snprintf(perm, sizeof(perm), "%s.update", e->perm);
        if (!auth_can(auth_principal(r), perm)) return http_error(r, 403, "forbidden", "您没有修改该记录附件的权限"), -1;
        const workflow_t *wf = state ? entity_flow(e, wfv) : NULL;
        const wf_state_t *lk = wf ? wf_locked(wf, state) : NULL;
        if (lk) return wf_locked_error(r, e, wf, lk, wf_locked_message(r, wf, lk, "添加或删除附件")), -1;
    }
    *e_out = e;
    *id_out = id;
    return 0;
}

static void write_attachment(jw_t *w, db_stmt_t *s) {
    jw_obj(w);
    jw_kint(w, "id", db_col_int(s, 0));
    jw_kstr(w, "name", db_col_null(s, 1) ? NULL : db_col_text(s, 1));
    jw_kint(w, "size", db_col_int(s, 2));
    jw_kstr(w, "mime", db_col_text(s, 3));
    jw_kstr(w, "created_at", db_col_text(s, 4));
    jw_kstr(w, "created_by", db_col_null(s, 5) ? NULL : db_col_text(s, 5));
    jw_obj_end(w);
}

#define ATTACH_COLS                                                                                                   \
    "a.id, a.name, a.size, a.mime, a.created_at, (SELECT u.display_name FROM users u WHERE u.id = a.created_by) "

static void list_attachments(http_req_t *r) {
    const entity_t *e;
    int64_t id;
    if (attachment_record(r, &e, &id, false) != 0) return;
    if (engine_read_audit(r, e, id, "attachments") != 0) return http_error(r, 503, "audit_failed", "审计记录写入失败");
    db_stmt_t *s = db_prepare(r->db, "SELECT " ATTACH_COLS "FROM attachments a WHERE a.entity = $1 AND a.record_id = $2 "
                                     "AND a.deleted_at IS NULL ORDER BY a.id");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    jw_t *w = &r->json;
    jw_obj(w);
    jw_key(w, "items");
    jw_arr(w);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) write_attachment(w, s);
    db_reset(s);
    if (rc < 0) return http_store_error(r);
    jw_arr_end(w);
    jw_kint(w, "max", ATTACH_MAX_PER_RECORD);
    jw_kint(w, "max_bytes", FILE_MAX_BYTES);
    jw_obj_end(w);
    http_send_json(r, 200);
}

const char *engine_attachment_mime(const void *p, size_t n) { return sniff_attachment(p, n); }

int64_t engine_attach(http_req_t *r, const entity_t *e, int64_t id, const char *body, size_t n, const char *name) {
    if (n == 0) return http_invalid(r, "file", "上传的文件为空"), -1;
    if (n > FILE_MAX_BYTES) return http_error(r, 413, "body_too_large", "文件过大: 单个附件不超过 10 MiB"), -1;
    const char *mime = sniff_attachment((const unsigned char *)body, n);
    if (!mime)
        return http_error(r, 415, "unsupported_file_type", "附件只能是 PDF、JPEG、PNG、Word (.docx) 或 Excel (.xlsx) 文件"),
               -1;
    name = clean_name(r, name);
    char hash[65], now[21];
    iso_from_unix(now_unix(), now);
    db_stmt_t *s = db_prepare(r->db, "SELECT COUNT(*) FROM attachments WHERE entity = $1 AND record_id = $2 "
                                     "AND deleted_at IS NULL");
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    int64_t have = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    if (have < 0) return http_store_error(r), -1;
    if (have >= ATTACH_MAX_PER_RECORD) {
        db_rollback(r->db);
        return http_invalid(r, "file", arena_printf(r->arena, "每条记录最多 %d 个附件", ATTACH_MAX_PER_RECORD)), -1;
    }
    if (store_bytes(r, body, n, mime, name, false, hash) != 0) return -1;
    s = db_prepare(r->db, "INSERT INTO attachments (entity, record_id, sha256, name, size, mime, created_at, created_by) "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id");
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, e->name, -1);
    db_bind_int(s, 2, id);
    db_bind_text(s, 3, hash, -1);
    db_bind_text(s, 4, name, -1);
    db_bind_int(s, 5, (int64_t)n);
    db_bind_text(s, 6, mime, -1);
    db_bind_text(s, 7, now, -1);
    db_bind_int(s, 8, auth_principal(r)->user_id);
    int64_t aid = db_step(s) == DB_ROW ? db_col_int(s, 0) : 0;
    db_reset(s);
    if (!aid) {
        log_error("attachments: %s", db_errmsg(r->db));
        return http_store_error(r), -1;
    }
    json_t *d = json_pack("{s:I,s:s,s:s?,s:I,s:s}", "attachment", (json_int_t)aid, "sha256", hash, "name", name, "size",
                          (json_int_t)n, "mime", mime);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    int arc = auth_audit(r, "attachment.add", e->name, id, "ok", dt);
    free(dt);
    return arc == 0 ? aid : (http_store_error(r), -1);
}

static void add_attachment(http_req_t *r) {
    const entity_t *e;
    int64_t id;
    if (attachment_record(r, &e, &id, true) != 0) return;
    size_t n;
    const char *body = http_body(r, &n);
    if (db_begin(r->db) != 0) return http_store_error(r);
    int64_t aid = engine_attach(r, e, id, body, n, http_query(r, "name"));
    if (aid < 0) {
        if (db_in_tx(r->db)) db_rollback(r->db);
        return;
    }
    if (db_commit(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "SELECT " ATTACH_COLS "FROM attachments a WHERE a.id = $1");
    if (!s) return http_store_error(r);
    db_bind_int(s, 1, aid);
    int rc = db_step(s);
    if (rc == DB_ROW) write_attachment(&r->json, s);
    db_reset(s);
    if (rc != DB_ROW) return http_store_error(r);
    http_send_json(r, 201);
}

/* The live attachment aid of the record: its hash, type, size and name in
 * the request's arena.  0; 1 when there is none (answered 404); -1 (503). */
static int find_attachment(http_req_t *r, const entity_t *e, int64_t id, int64_t aid, const char **hash,
                           const char **mime, int64_t *size, const char **name) {
    db_stmt_t *s = db_prepare(r->db, "SELECT sha256, mime, size, name FROM attachments WHERE id = $1 AND entity = $2 "
                                     "AND record_id = $3 AND deleted_at IS NULL");
    if (!s) return http_store_error(r), -1;
    db_bind_int(s, 1, aid);
    db_bind_text(s, 2, e->name, -1);
    db_bind_int(s, 3, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *hash = arena_strdup(r->arena, db_col_text(s, 0));
        *mime = arena_strdup(r->arena, db_col_text(s, 1));
        *size = db_col_int(s, 2);
        *name = db_col_null(s, 3) ? NULL : arena_strdup(r->arena, db_col_text(s, 3));
    }
    db_reset(s);
    if (rc == DB_ROW) return 0;
    if (rc < 0) return http_store_error(r), -1;
    return http_error(r, 404, "not_found", "附件不存在或已删除"), 1;
}

static void download_attachment(http_req_t *r) {
    const entity_t *e;
    int64_t id, size;
    const char *hash, *mime, *name;
    if (attachment_record(r, &e, &id, false) != 0) return;
    int64_t aid = http_param_id(r, "aid");
    if (find_attachment(r, e, id, aid, &hash, &mime, &size, &name) != 0) return;
    if (engine_read_audit(r, e, id, "file") != 0) return http_error(r, 503, "audit_failed", "审计记录写入失败, 未提供文件");
    char *data = read_stored(r, hash, size);
    if (!data) return;
    json_t *d = json_pack("{s:I,s:s}", "attachment", (json_int_t)aid, "sha256", hash);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    int arc = auth_audit(r, "attachment.download", e->name, id, "ok", dt);
    free(dt);
    if (arc != 0) return http_error(r, 503, "audit_failed", "审计记录写入失败, 未提供文件");
    /* a Word or Excel file is saved, a picture or a PDF opens in the browser */
    bool office = strcmp(mime, MIME_DOCX) == 0 || strcmp(mime, MIME_XLSX) == 0;
    send_stored(r, mime, data, (size_t)size, name,
                arena_printf(r->arena, "%s-%lld-attachment-%lld", e->name, (long long)id, (long long)aid), !office);
}

static void delete_attachment(http_req_t *r) {
    const entity_t *e;
    int64_t id, size;
    const char *hash, *mime, *name;
    if (attachment_record(r, &e, &id, true) != 0) return;
    int64_t aid = http_param_id(r, "aid");
    if (db_begin(r->db) != 0) return http_store_error(r);
    int found = find_attachment(r, e, id, aid, &hash, &mime, &size, &name);
    if (found != 0) {
        if (db_in_tx(r->db)) db_rollback(r->db);
        return;
    }
    char now[21];
    iso_from_unix(now_unix(), now);
    db_stmt_t *s = db_prepare(r->db, "UPDATE attachments SET deleted_at = $1, deleted_by = $2 WHERE id = $3 "
                                     "AND deleted_at IS NULL");
    if (!s) return http_store_error(r);
    db_bind_text(s, 1, now, -1);
    db_bind_int(s, 2, auth_principal(r)->user_id);
    db_bind_int(s, 3, aid);
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) return http_store_error(r);
    json_t *d = json_pack("{s:I,s:s,s:s?}", "attachment", (json_int_t)aid, "sha256", hash, "name", name);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    int arc = auth_audit(r, "attachment.delete", e->name, id, "ok", dt);
    free(dt);
    if (arc != 0 || db_commit(r->db) != 0) return http_store_error(r);
    jw_obj(&r->json);
    jw_kbool(&r->json, "ok", true);
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static const perm_def_t file_perms[] = {
    {"file.upload", "上传文件 (照片、扫描件)",
     "office_director office_staff district_admin district_staff city_staff mediator"},
    {0},
};

static const route_t file_routes[] = {
    {"POST", "/api/v1/files", upload_file, .perm = "file.upload", .body_limit = FILE_MAX_BYTES},
    {"GET", "/api/v1/:entity/:id/files/:field", download_file},
    {"GET", "/api/v1/:entity/:id/attachments", list_attachments},
    {"POST", "/api/v1/:entity/:id/attachments", add_attachment, .body_limit = FILE_MAX_BYTES},
    {"GET", "/api/v1/:entity/:id/attachments/:aid", download_attachment},
    {"DELETE", "/api/v1/:entity/:id/attachments/:aid", delete_attachment},
    {0},
};

void files_perms_register(void) { perm_register(file_perms); }
void files_routes_register(void) { router_add(file_routes); }
