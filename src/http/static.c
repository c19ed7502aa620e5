/* static.c — the built single-page app from web/dist. */
#include "http/static.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *ext, *type;
} mime[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"}, {".svg", "image/svg+xml"},
    {".png", "image/png"}, {".jpg", "image/jpeg"}, {".ico", "image/x-icon"},
    {".woff2", "font/woff2"}, {".woff", "font/woff"}, {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
};

static const char *content_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(mime) / sizeof(mime[0]); i++)
            if (strcasecmp(dot, mime[i].ext) == 0) return mime[i].type;
    return "application/octet-stream";
}

/* True when every segment of path is a plain name: no ".", "..", empty
 * segments or dot-files. */
static bool plain_path(const char *path) {
    const char *p = path;
    while (*p == '/') {
        p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 && !e) return true; /* trailing slash */
        if (n == 0 || p[0] == '.') return false;
        p += n;
    }
    return *p == '\0';
}

/* Opens root/rel if it is a regular file whose real path lies inside root's
 * real path (refusing symlinks out).  Returns the fd or -1. */
static int open_inside(const char *root_real, const char *root, const char *rel, struct stat *st) {
    char full[PATH_MAX], real[PATH_MAX];
    if (snprintf(full, sizeof(full), "%s%s", root, rel) >= (int)sizeof(full)) return -1;
    if (!realpath(full, real)) return -1;
    size_t rl = strlen(root_real);
    if (strncmp(real, root_real, rl) != 0 || real[rl] != '/') return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

static const char fallback_page[] =
    "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>司法所综合管理平台</title>"
    "<p>前端尚未构建: 请运行 <code>make</code> (需要 npm) 后刷新本页。</p></html>";

void static_serve(http_req_t *r, const char *root) {
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        http_set_header(r, "Allow", "GET, HEAD");
        http_error(r, 405, "method_not_allowed", "该地址只支持 GET 请求");
        return;
    }
    if (!plain_path(r->path)) {
        http_error(r, 404, "not_found", "文件不存在");
        return;
    }
    char root_real[PATH_MAX];
    if (!root || !realpath(root, root_real)) {
        http_send_bytes(r, 200, "text/html; charset=utf-8", fallback_page, sizeof(fallback_page) - 1);
        return;
    }
    /* two apps: the public portal's (its own bundle under /public/,
     * docs/portal.md) and the staff app's, each with its own index */
    bool portal = strncmp(r->path, "/public/", 8) == 0 || strcmp(r->path, "/public") == 0;
    const char *index = portal ? "/public/index.html" : "/index.html";
    const char *rel = r->path;
    size_t rlen = strlen(rel);
    if (rlen == 1 || rel[rlen - 1] == '/' || strcmp(rel, "/public") == 0) rel = index;
    struct stat st;
    int fd = open_inside(root_real, root, rel, &st);
    if (fd < 0) {
        const char *last = strrchr(r->path, '/');
        if (last && strchr(last, '.')) { /* a missing asset is a 404, not the app */
            http_error(r, 404, "not_found", "文件不存在");
            return;
        }
        rel = index; /* SPA fallback: the client router takes the path */
        fd = open_inside(root_real, root, rel, &st);
        if (fd < 0) {
            http_send_bytes(r, 200, "text/html; charset=utf-8", fallback_page, sizeof(fallback_page) - 1);
            return;
        }
    }
    /* a precompressed sibling when the client takes gzip */
    const char *ae = http_header(r, "Accept-Encoding");
    bool gz = false;
    if (ae && strstr(ae, "gzip")) {
        char gzrel[PATH_MAX];
        struct stat gst;
        snprintf(gzrel, sizeof(gzrel), "%s.gz", rel);
        int gfd = open_inside(root_real, root, gzrel, &gst);
        if (gfd >= 0) {
            close(fd);
            fd = gfd;
            st = gst;
            gz = true;
        }
    }
    char etag[64];
    snprintf(etag, sizeof(etag), "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec, gz ? "-gz" : "");
    http_set_header(r, "ETag", etag);
    http_set_header(r, "Vary", "Accept-Encoding");
    http_set_header(r, "Cache-Control",
                    strncmp(rel, portal ? "/public/assets/" : "/assets/", portal ? 15 : 8) == 0 ? "public, max-age=31536000, immutable" : "no-cache");
    http_set_header(r, "Content-Type", content_type(rel));
    if (gz) http_set_header(r, "Content-Encoding", "gzip");
    const char *inm = http_header(r, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        close(fd);
        http_send_evbuffer(r, 304, NULL);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (st.st_size > 0) evbuffer_add_file(b, fd, 0, st.st_size);
    else close(fd);
    http_send_evbuffer(r, 200, b);
    evbuffer_free(b);
}
