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
 * declared type. */
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
#include "util/crypto.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/timeutil.h"

#define FILE_MAX_BYTES (10 * 1024 * 1024) /* a scanned document or a photo */

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

static void upload_file(http_req_t *r) {
    const principal_t *p = auth_principal(r);
    size_t n;
    const char *body = http_body(r, &n);
    if (n == 0) return http_invalid(r, "file", "上传的文件为空");
    if (n > FILE_MAX_BYTES) return http_error(r, 413, "body_too_large", "文件过大: 单个文件不超过 10 MiB");
    const char *mime = sniff_mime((const unsigned char *)body, n);
    if (!mime) return http_error(r, 415, "unsupported_file_type", "只能上传 JPEG、PNG 图片或 PDF 文件");
    const char *name = clean_name(r, http_query(r, "name"));
    char hash[65], dir[4096], path[4200];
    if (sha256_hex(body, n, hash) != 0) return http_error(r, 500, "hash_failed", "文件校验失败");
    if (!files_dir(r, dir, sizeof(dir))) return http_error(r, 503, "files_unavailable", "文件存储暂不可用");
    snprintf(path, sizeof(path), "%s/%.2s", dir, hash);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) return http_error(r, 503, "files_unavailable", "文件存储暂不可用");
    snprintf(path, sizeof(path), "%s/%.2s/%s", dir, hash, hash);
    struct stat st;
    if ((stat(path, &st) != 0 || (size_t)st.st_size != n) && write_whole(path, body, n) != 0) {
        log_error("files: writing %s: %s", path, strerror(errno));
        return http_error(r, 503, "files_unavailable", "无法保存上传的文件 (磁盘已满?)");
    }
    if (db_begin(r->db) != 0) return http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "INSERT INTO files (sha256, org_id, org_path, size, mime, name, created_by) "
                                     "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256, org_id) DO NOTHING");
    if (!s) return http_store_error(r);
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
    json_t *d = json_pack("{s:s,s:I,s:s,s:s?}", "sha256", hash, "size", (json_int_t)n, "mime", mime, "name", name);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    int arc = rc == DB_DONE ? auth_audit(r, "file.upload", "files", 0, "ok", dt) : -1;
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
    char dir[4096], path[4200];
    if (!mime || !files_dir(r, dir, sizeof(dir))) return http_error(r, 404, "not_found", "文件不存在");
    snprintf(path, sizeof(path), "%s/%.2s/%s", dir, hash, hash);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        log_error("files: %s is recorded but missing: %s", path, strerror(errno));
        return http_error(r, 404, "not_found", "文件已丢失, 请联系管理员");
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
        return http_error(r, 500, "file_corrupt", "文件校验失败, 已记录");
    }
    json_t *d = json_pack("{s:s,s:s}", "field", f->name, "sha256", hash);
    char *dt = json_dumps(d, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(d);
    int arc = auth_audit(r, "file.download", e->name, id, "ok", dt);
    free(dt);
    if (arc != 0) return http_error(r, 503, "audit_failed", "审计记录写入失败, 未提供文件");
    const char *ext = strcmp(mime, "application/pdf") == 0 ? "pdf" : strcmp(mime, "image/png") == 0 ? "png" : "jpg";
    char fallback[96];
    snprintf(fallback, sizeof(fallback), "%s-%lld-%s.%s", e->name, (long long)id, f->name, ext);
    http_set_header(r, "Content-Disposition",
                    arena_printf(r->arena, "inline; filename=\"%s\"%s%s", fallback, name ? "; filename*=UTF-8''" : "",
                                 name ? engine_rfc5987(r, name) : ""));
    http_set_header(r, "Cache-Control", "private, no-store");
    http_set_header(r, "X-Content-Type-Options", "nosniff");
    http_send_bytes(r, 200, mime, data, got);
}

static const perm_def_t file_perms[] = {
    {"file.upload", "上传文件 (照片、扫描件)",
     "office_director office_staff district_admin district_staff city_staff mediator"},
    {0},
};

static const route_t file_routes[] = {
    {"POST", "/api/v1/files", upload_file, .perm = "file.upload", .body_limit = FILE_MAX_BYTES},
    {"GET", "/api/v1/:entity/:id/files/:field", download_file},
    {0},
};

void files_perms_register(void) { perm_register(file_perms); }
void files_routes_register(void) { router_add(file_routes); }
