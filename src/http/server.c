/* server.c — listener, worker threads and the request path.
 *
 * Each worker thread owns an event base, an evhttp, a store connection and
 * an arena, and listens on its own SO_REUSEPORT socket, so the kernel spreads
 * connections and workers share nothing on the hot path.  Every connection's
 * bytes pass the framing gate (framing.c) before evhttp parses them. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/framing.h"
#include "http/http.h"
#include "http/replica.h"
#include "http/static.h"
#include "util/log.h"
#include "util/validate.h"

bool (*http_auth_hook)(http_req_t *r);
void (*http_done_hook)(http_req_t *r);

static atomic_int total_conns;

static const char *status_text(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 423: return "Locked";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* Security headers on every response (DESIGN.md, issue 2 point 3). */
static void add_common_headers(http_req_t *r) {
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                      "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
                      "frame-ancestors 'none'");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
    evhttp_add_header(h, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (r->w->cfg->tls_cert) evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
}

void http_send_evbuffer(http_req_t *r, int status, struct evbuffer *body) {
    if (r->answered) return;
    r->status = status;
    r->out_bytes = body ? evbuffer_get_length(body) : 0;
    add_common_headers(r);
    replica_note_write(r); /* (its cookie header goes in before the answer) */
    r->answered = true;
    if (strcmp(r->method, "HEAD") == 0 && body) {
        /* HEAD: the headers of the GET, no body */
        char cl[24];
        snprintf(cl, sizeof(cl), "%zu", r->out_bytes);
        evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Content-Length", cl);
        body = NULL;
    }
    evhttp_send_reply(r->ev, status, status_text(status), body);
    /* No "Connection: close" header: evhttp would close at once and lose the
     * queued reply (framing.h); the gate closes once the bytes are out. */
    if (r->conn) framing_response_started(r->conn, r->w->draining);
}

void http_set_header(http_req_t *r, const char *name, const char *value) {
    if (r->answered) return; /* after the reply, a header would outlive it (a leak) */
    evhttp_add_header(evhttp_request_get_output_headers(r->ev), name, value);
}

const char *http_header(http_req_t *r, const char *name) {
    return evhttp_find_header(evhttp_request_get_input_headers(r->ev), name);
}

const char *http_cookie(http_req_t *r, const char *name) {
    const char *c = http_header(r, "Cookie");
    size_t nl = strlen(name);
    while (c && *c) {
        while (*c == ' ' || *c == ';') c++;
        if (strncmp(c, name, nl) == 0 && c[nl] == '=') {
            const char *v = c + nl + 1, *e = strchr(v, ';');
            return arena_strndup(r->arena, v, e ? (size_t)(e - v) : strlen(v));
        }
        c = strchr(c, ';');
    }
    return NULL;
}

void http_send_bytes(http_req_t *r, int status, const char *content_type, const void *data, size_t len) {
    if (r->answered) return;
    if (content_type) http_set_header(r, "Content-Type", content_type);
    struct evbuffer *b = evbuffer_new();
    if (len) evbuffer_add(b, data, len);
    http_send_evbuffer(r, status, b);
    evbuffer_free(b);
}

void http_send_json(http_req_t *r, int status) {
    if (r->answered) return;
    http_set_header(r, "Cache-Control", "no-store");
    http_send_bytes(r, status, "application/json; charset=utf-8", r->out->data, r->out->len);
}

void http_error_fields(http_req_t *r, int status, const char *code, const char *message, json_t *fields) {
    /* the first answer is the one sent: a look-up that met a store error
     * answered 503, and its caller's "not found" comes after */
    if (r->answered) return;
    buf_clear(r->out);
    jw_t *w = &r->json;
    jw_init(w, r->out);
    jw_obj(w);
    jw_key(w, "error");
    jw_obj(w);
    jw_kstr(w, "code", code);
    jw_kstr(w, "message", message);
    if (fields) {
        char *f = json_dumps(fields, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (f) {
            jw_key(w, "fields");
            jw_raw(w, f);
            free(f);
        }
    }
    jw_obj_end(w);
    jw_obj_end(w);
    http_send_json(r, status);
}

void http_store_error(http_req_t *r) {
    if (db_in_tx(r->db)) db_rollback(r->db);
    replica_store_error(r);
    /* the COMMIT's answer was lost in a failover: saved or not, no one knows yet */
    if (db_commit_unknown(r->db))
        http_error(r, 503, "commit_unknown", "数据库连接在提交时中断, 结果未知: 请刷新核对是否已保存, 再决定是否重新提交");
    else
        http_error(r, 503, "store_unavailable", "数据库暂时不可用, 请稍后再试");
}

void http_invalid_fields(http_req_t *r, json_t *fields) {
    const char *first = json_string_value(json_object_iter_value(json_object_iter(fields)));
    http_error_fields(r, 422, "validation_failed", first ? first : "提交的数据有误", fields);
}

void http_invalid(http_req_t *r, const char *field, const char *message) {
    json_t *f = json_pack("{s:s}", field, message);
    http_error_fields(r, 422, "validation_failed", message, f);
    json_decref(f);
}

void http_error(http_req_t *r, int status, const char *code, const char *message) {
    http_error_fields(r, status, code, message, NULL);
}

const char *http_param(http_req_t *r, const char *name) {
    for (int i = 0; i < r->nparams; i++)
        if (strcmp(r->param_names[i], name) == 0) return r->params[i];
    return NULL;
}

/* Parses a positive decimal id of at most 18 digits; -1 otherwise. */
static int64_t parse_id(const char *s) {
    if (!s || !*s || strlen(s) > 18) return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    return v > 0 ? v : -1;
}

int64_t http_param_id(http_req_t *r, const char *name) { return parse_id(http_param(r, name)); }

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into the arena; '+' → ' ' when plus is set.
 * Returns NULL for bad escapes or a decoded NUL. */
static char *pct_decode(arena_t *a, const char *s, size_t n, bool plus) {
    char *out = arena_alloc(a, n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) return NULL;
            char c = (char)(hi * 16 + lo);
            if (c == '\0') return NULL;
            *o++ = c;
            i += 2;
        } else if (plus && s[i] == '+') {
            *o++ = ' ';
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

static void parse_query(http_req_t *r) {
    if (r->qkeys) return;
    int n = 0;
    const char *q = r->query ? r->query : "";
    for (const char *p = q; *p; p++)
        if (*p == '&') n++;
    n++;
    r->qkeys = arena_calloc(r->arena, sizeof(char *) * (size_t)n);
    r->qvals = arena_calloc(r->arena, sizeof(char *) * (size_t)n);
    r->nquery = 0;
    const char *p = q;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t kl = eq ? (size_t)(eq - p) : len;
        char *k = pct_decode(r->arena, p, kl, true);
        char *v = eq ? pct_decode(r->arena, eq + 1, len - kl - 1, true) : arena_strdup(r->arena, "");
        if (k && v && *k) {
            r->qkeys[r->nquery] = k;
            r->qvals[r->nquery] = v;
            r->nquery++;
        }
        p += len;
        if (*p == '&') p++;
    }
}

const char *http_query(http_req_t *r, const char *key) {
    parse_query(r);
    for (int i = 0; i < r->nquery; i++)
        if (strcmp(r->qkeys[i], key) == 0) return r->qvals[i];
    return NULL;
}

void http_query_set(http_req_t *r, const char *key, const char *val) {
    parse_query(r);
    for (int i = 0; i < r->nquery; i++)
        if (strcmp(r->qkeys[i], key) == 0) {
            r->qvals[i] = val;
            return;
        }
    const char **k = arena_calloc(r->arena, sizeof(char *) * (size_t)(r->nquery + 1));
    const char **v = arena_calloc(r->arena, sizeof(char *) * (size_t)(r->nquery + 1));
    for (int i = 0; i < r->nquery; i++)
        k[i] = r->qkeys[i], v[i] = r->qvals[i];
    k[r->nquery] = key;
    v[r->nquery] = val;
    r->qkeys = k;
    r->qvals = v;
    r->nquery++;
}

int64_t http_query_id(http_req_t *r, const char *key) {
    const char *v = http_query(r, key);
    if (!v) return -1;
    int64_t id = parse_id(v);
    return id > 0 ? id : -2;
}

const char *http_body(http_req_t *r, size_t *len) {
    struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
    size_t n = evbuffer_get_length(in);
    char *p = arena_alloc(r->arena, n + 1);
    evbuffer_copyout(in, p, n);
    p[n] = '\0';
    if (len) *len = n;
    return p;
}

json_t *http_json_body(http_req_t *r) {
    const char *ct = http_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
        http_error(r, 415, "unsupported_media_type", "请求体必须是 JSON (Content-Type: application/json)");
        return NULL;
    }
    size_t n;
    const char *body = http_body(r, &n);
    size_t limit = r->route && r->route->body_limit ? r->route->body_limit : HTTP_DEFAULT_BODY_LIMIT;
    if (n > limit) {
        http_error(r, 413, "body_too_large", "请求体过大, 超出该接口允许的大小");
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(body, n, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        char msg[256];
        snprintf(msg, sizeof(msg), "JSON 格式错误 (第 %d 行第 %d 列)", err.line, err.column);
        http_error(r, 400, "malformed_json", msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        http_error(r, 400, "malformed_json", "请求体必须是 JSON 对象");
        return NULL;
    }
    return j;
}

static const char *method_name(enum evhttp_cmd_type t) {
    switch (t) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "OTHER";
    }
}

/* Answers a request the framing gate replaced (see framing.h). */
static void answer_rejection(http_req_t *r, const char *rest) {
    int status = atoi(rest);
    const char *slash = strchr(rest, '/');
    const char *code = "bad_request";
    const char *msg = framing_message(slash ? slash + 1 : "", &code);
    if (status < 400 || status > 599) status = 400;
    http_error(r, status, code, msg);
}

const char *http_decode_path(arena_t *a, const char *raw, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (raw[i] == '%' && i + 2 < n) {
            int hi = hexval(raw[i + 1]), lo = hexval(raw[i + 2]);
            if (hi >= 0 && lo >= 0 && (hi * 16 + lo == '/' || hi * 16 + lo == '\\')) return NULL;
        }
        if (raw[i] == '\\') return NULL;
    }
    char *p = pct_decode(a, raw, n, false);
    if (!p || p[0] != '/') return NULL;
    /* strict UTF-8 (no overlongs, no surrogates) and no control characters */
    for (const char *c = p; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) return NULL;
    return utf8_valid(p, strlen(p)) ? p : NULL;
}

/* A field of the access log as it can be read back: bytes that could end
 * or split a field (space, controls) percent-encoded, and for the path every
 * non-ASCII byte too (a path as sent is already encoded).  Into the arena. */
static const char *log_field(arena_t *a, const char *s, size_t n, bool ascii) {
    if (!s) return "-";
    char *out = arena_alloc(a, n * 3 + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || (ascii && c >= 0x80)) o += sprintf(o, "%%%02X", c);
        else *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

static void access_log(http_req_t *r) {
    if (r->w->cfg->quiet) return;
    char now[25];
    time_iso_utc(now, 1);
    /* One line per request.  Never the query string or headers: they may
     * carry secrets.  The path as the client sent it (still percent-encoded),
     * never decoded: "/x%20200%2095%20user=admin" must not read as fields. */
    const char *path = "-";
    if (r->raw_path) path = r->raw_path;
    else if (r->path) path = log_field(r->arena, r->path, strlen(r->path), true);
    fprintf(stdout, "%s %s %s %s %d %zu %lldus user=%s\n", now, r->peer ? r->peer : "-", r->method, path, r->status,
            r->out_bytes, time_mono_us() - r->start_us,
            r->username ? log_field(r->arena, r->username, strlen(r->username), false) : "-");
}

/* The public face (serve --public-listen; docs/portal.md): only /public/…
 * exists there — the portal's pages and the routes flagged ROUTE_PORTAL —
 * and no identity layer runs, so no staff cookie or token means anything.
 * Everything else, staff routes included, is 404 as if it did not exist. */
static bool public_path(const char *path) { return strncmp(path, "/public/", 8) == 0 || strcmp(path, "/public") == 0; }

static void handle_request(struct evhttp_request *ev, struct worker *w, bool public_face) {
    http_req_t req;
    memset(&req, 0, sizeof(req));
    http_req_t *r = &req;
    r->ev = ev;
    r->w = w;
    r->arena = &w->arena;
    r->db = w->db;
    r->start_us = time_mono_us();
    buf_clear(&w->out);
    r->out = &w->out;
    jw_init(&r->json, r->out);
    r->method = method_name(evhttp_request_get_command(ev));
    r->public_face = public_face;
    struct evhttp_connection *con = evhttp_request_get_connection(ev);
    if (con) r->conn = framing_of(evhttp_connection_get_bufferevent(con));
    if (con) {
        char *addr = NULL;
        ev_uint16_t port = 0;
        evhttp_connection_get_peer(con, &addr, &port);
        r->peer = addr;
        /* behind a reverse proxy we trust, the client is what it says */
        const char *real = w->cfg->trusted_proxy && addr && strcmp(addr, w->cfg->trusted_proxy) == 0
                               ? evhttp_find_header(evhttp_request_get_input_headers(ev), "X-Real-IP")
                               : NULL;
        /* a copy: the header goes with the request, which evhttp may free
         * once the reply is written, before the access log reads it */
        if (real && strlen(real) < 64 && strspn(real, "0123456789abcdefABCDEF.:") == strlen(real))
            r->peer = arena_strdup(r->arena, real);
    }
    const char *uri = evhttp_request_get_uri(ev);
    const char *q = strchr(uri, '?');
    size_t plen = q ? (size_t)(q - uri) : strlen(uri);
    if (q) r->query = q + 1;
    r->raw_path = log_field(r->arena, uri, plen, true);

    if (strncmp(uri, FRAMING_REJECT_PREFIX, strlen(FRAMING_REJECT_PREFIX)) == 0) {
        r->path = arena_strndup(r->arena, uri, plen);
        answer_rejection(r, uri + strlen(FRAMING_REJECT_PREFIX));
        goto done;
    }
    r->path = http_decode_path(r->arena, uri, plen);
    if (!r->path) {
        r->path = "(invalid)";
        http_error(r, 400, "bad_path", "请求路径无效");
        goto done;
    }
    if (public_face && !public_path(r->path)) {
        if (strcmp(r->path, "/") == 0) {
            http_set_header(r, "Location", "/public/");
            http_send_bytes(r, 302, "text/plain; charset=utf-8", "", 0);
        } else {
            http_error(r, 404, "not_found", "页面不存在");
        }
        goto done;
    }
    if (strncmp(r->path, "/api/", 5) == 0 || strncmp(r->path, "/public/api/", 12) == 0 ||
        strcmp(r->path, "/healthz") == 0 || strcmp(r->path, "/readyz") == 0) {
        char allowed[128];
        const route_t *rt = router_match(r->method, r->path, r, allowed, sizeof(allowed));
        if (public_face && (!rt || !(rt->flags & ROUTE_PORTAL))) rt = NULL, allowed[0] = '\0'; /* not even a 405 */
        if (!rt) {
            if (allowed[0]) {
                http_set_header(r, "Allow", allowed);
                http_error(r, 405, "method_not_allowed", "该接口不支持此请求方法");
            } else {
                http_error(r, 404, "not_found", "接口不存在");
            }
            goto done;
        }
        r->route = rt;
        bool read_only = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
        if (read_only) db_read_begin(r->db);
        /* fail closed: without an identity layer only public routes answer */
        if (!(rt->flags & ROUTE_PUBLIC) && !http_auth_hook) {
            http_error(r, 401, "unauthenticated", "未登录或登录已过期, 请重新登录");
            goto done;
        }
        if (http_auth_hook && !(rt->flags & ROUTE_PORTAL) && !http_auth_hook(r)) goto done;
        rt->fn(r);
        if (!r->answered) {
            log_error("handler for %s %s did not answer", rt->method, rt->pattern);
            http_error(r, 500, "internal", "服务器内部错误");
        }
    } else {
        static_serve(r, w->cfg->web_root);
    }
done:
    db_read_end(r->db);
    if (db_in_tx(r->db)) {
        log_error("transaction left open by %s; rolled back", r->path);
        db_rollback(r->db);
    }
    if (http_done_hook) http_done_hook(r);
    access_log(r);
    arena_reset(&w->arena);
}

static void on_request(struct evhttp_request *ev, void *arg) { handle_request(ev, arg, false); }
static void on_public_request(struct evhttp_request *ev, void *arg) { handle_request(ev, arg, true); }

/* ---- connections ---- */

static void on_conn_close(void *arg) {
    struct worker *w = arg;
    w->conns--;
    atomic_fetch_sub(&total_conns, 1);
    if (w->draining && w->conns == 0) event_base_loopbreak(w->base);
}

static struct bufferevent *make_bev(struct event_base *base, void *arg) {
    struct worker *w = arg;
    struct bufferevent *u;
    if (w->ssl_ctx) {
        SSL *ssl = SSL_new(w->ssl_ctx);
        u = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    } else {
        u = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    framing_t *f = framing_new(base, w->cfg->header_timeout_s, w->cfg->body_timeout_s);
    w->conns++;
    if (atomic_fetch_add(&total_conns, 1) >= w->cfg->max_conns) framing_reject_next(f, 503, "too-many-connections");
    return framing_bufferevent(u, f, on_conn_close, w);
}

/* ---- workers ---- */

static void *worker_main(void *arg) {
    struct worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

static void drain_hard_stop(evutil_socket_t fd, short what, void *arg) {
    struct worker *w = arg;
    event_base_loopbreak(w->base);
}

/* Runs in the worker: stop accepting, finish what is in flight, then stop. */
static void drain(evutil_socket_t fd, short what, void *arg) {
    struct worker *w = arg;
    w->draining = true;
    if (w->bound) {
        evhttp_del_accept_socket(w->http, w->bound);
        w->bound = NULL;
    }
    if (w->pub_bound) {
        evhttp_del_accept_socket(w->pub_http, w->pub_bound);
        w->pub_bound = NULL;
    }
    if (w->conns == 0) {
        event_base_loopbreak(w->base);
        return;
    }
    struct timeval tv = {3, 0};
    event_base_once(w->base, -1, EV_TIMEOUT, drain_hard_stop, w, &tv);
}

static int parse_listen(const char *listen, struct sockaddr_in *sa) {
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof(host)) return -1;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) return -1;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1) return -1;
    return 0;
}

static int open_listener(struct sockaddr_in *sa) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    /* Accepted sockets inherit it (Linux): a response that leaves in two
     * writes (headers, then a large body) must not wait for the client's
     * delayed ACK (~40 ms) before its last segment (docs/performance.md). */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 1024) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static SSL_CTX *tls_context(const server_config_t *cfg) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* TLS 1.2: forward-secret AEAD suites only (no static RSA, no CBC-SHA1) */
    SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL:!eNULL:!MD5:!DSS");
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* An evhttp of the worker's own on the public address, same event base,
 * same limits, dispatching to on_public_request.  Port 0: the first worker
 * takes a port and the others follow it (*sa is updated). */
static int public_listener(struct worker *w, struct sockaddr_in *sa, bool first) {
    w->pub_fd = open_listener(sa);
    if (w->pub_fd < 0) return -1;
    if (first && sa->sin_port == 0) {
        socklen_t sl = sizeof(*sa);
        getsockname(w->pub_fd, (struct sockaddr *)sa, &sl);
    }
    w->pub_http = evhttp_new(w->base);
    /* every method reaches handle_request, which answers 404 off the portal */
    evhttp_set_allowed_methods(w->pub_http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                                EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(w->pub_http, FRAMING_MAX_HEADER + 4096);
    evhttp_set_max_body_size(w->pub_http, 16 * 1024 * 1024);
    evhttp_set_timeout(w->pub_http, w->cfg->idle_timeout_s);
    evhttp_set_bevcb(w->pub_http, make_bev, w);
    evhttp_set_gencb(w->pub_http, on_public_request, w);
    w->pub_bound = evhttp_accept_socket_with_handle(w->pub_http, w->pub_fd);
    return w->pub_bound ? 0 : -1;
}

int http_serve(const server_config_t *cfg) {
    evthread_use_pthreads();
    struct sockaddr_in sa;
    if (parse_listen(cfg->listen, &sa) != 0) {
        fprintf(stderr, "无效的监听地址: %s (应为 地址:端口, 如 127.0.0.1:8080)\n", cfg->listen);
        return 2;
    }
    /* SO_REUSEPORT would let a second server silently share the port with a
     * running one (perhaps on another database): probe without it first */
    if (sa.sin_port != 0) {
        int probe = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (probe >= 0 && bind(probe, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            fprintf(stderr, "无法监听 %s: %s (是否已有服务在运行?)\n", cfg->listen, strerror(errno));
            close(probe);
            return 2;
        }
        if (probe >= 0) close(probe);
    }
    SSL_CTX *ssl_ctx = NULL;
    if (cfg->tls_cert || cfg->tls_key) {
        if (!cfg->tls_cert || !cfg->tls_key || !(ssl_ctx = tls_context(cfg))) {
            fprintf(stderr, "无法加载 TLS 证书或私钥 (--tls-cert %s --tls-key %s)\n", cfg->tls_cert ? cfg->tls_cert : "?",
                    cfg->tls_key ? cfg->tls_key : "?");
            return 2;
        }
    }
    struct sockaddr_in pub_sa;
    if (cfg->public_listen && parse_listen(cfg->public_listen, &pub_sa) != 0) {
        fprintf(stderr, "无效的公众门户监听地址: %s (应为 地址:端口)\n", cfg->public_listen);
        return 2;
    }
    int nworkers = cfg->workers > 0 ? cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nworkers < 1) nworkers = 1;
    if (nworkers > 256) nworkers = 256;
    struct worker *ws = calloc((size_t)nworkers, sizeof(*ws));
    if (!ws) abort();

    /* Block the stop signals in every thread; the main thread waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status = 0;
    for (int i = 0; i < nworkers; i++) {
        struct worker *w = &ws[i];
        w->id = i;
        w->cfg = cfg;
        w->ssl_ctx = ssl_ctx;
        arena_init(&w->arena);
        char err[640];
        if (db_open(cfg->db_url, &w->db, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        w->listen_fd = open_listener(&sa);
        if (w->listen_fd < 0) {
            fprintf(stderr, "无法监听 %s: %s\n", cfg->listen, strerror(errno));
            return 2;
        }
        if (i == 0 && sa.sin_port == 0) { /* port 0: every worker takes the port the first one got */
            socklen_t sl = sizeof(sa);
            getsockname(w->listen_fd, (struct sockaddr *)&sa, &sl);
        }
        struct event_config *ec = event_config_new();
        /* batch epoll_ctl changes: two fewer system calls per request */
        event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        w->base = event_base_new_with_config(ec);
        event_config_free(ec);
        w->http = evhttp_new(w->base);
        evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                                EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
        /* The framing gate enforces 16 KiB; this is evhttp's backstop. */
        evhttp_set_max_headers_size(w->http, FRAMING_MAX_HEADER + 4096);
        evhttp_set_max_body_size(w->http, 64 * 1024 * 1024);
        evhttp_set_timeout(w->http, cfg->idle_timeout_s);
        evhttp_set_bevcb(w->http, make_bev, w);
        evhttp_set_gencb(w->http, on_request, w);
        w->bound = evhttp_accept_socket_with_handle(w->http, w->listen_fd);
        if (!w->bound) {
            fprintf(stderr, "无法监听 %s\n", cfg->listen);
            return 2;
        }
        if (cfg->public_listen && public_listener(w, &pub_sa, i == 0) != 0) {
            fprintf(stderr, "无法监听公众门户地址 %s: %s\n", cfg->public_listen, strerror(errno));
            return 2;
        }
    }
    char addr[64];
    inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof(addr));
    printf("sifasuo 已启动: %s://%s:%d/ (工作线程 %d)\n", ssl_ctx ? "https" : "http", addr, ntohs(sa.sin_port), nworkers);
    if (cfg->public_listen) {
        inet_ntop(AF_INET, &pub_sa.sin_addr, addr, sizeof(addr));
        printf("公众门户已启动: %s://%s:%d/public/\n", ssl_ctx ? "https" : "http", addr, ntohs(pub_sa.sin_port));
    }
    fflush(stdout);

    pthread_t *th = calloc((size_t)nworkers, sizeof(*th));
    if (!th) abort();
    for (int i = 0; i < nworkers; i++) pthread_create(&th[i], NULL, worker_main, &ws[i]);

    int sig = 0;
    sigwait(&stop, &sig);
    log_info("received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    struct timeval now = {0, 0};
    for (int i = 0; i < nworkers; i++) event_base_once(ws[i].base, -1, EV_TIMEOUT, drain, &ws[i], &now);
    for (int i = 0; i < nworkers; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < nworkers; i++) {
        evhttp_free(ws[i].http);
        if (ws[i].pub_http) evhttp_free(ws[i].pub_http);
        event_base_free(ws[i].base);
        db_close(ws[i].db);
        db_close(ws[i].replica);
        arena_free(&ws[i].arena);
        buf_free(&ws[i].out);
    }
    free(th);
    free(ws);
    if (ssl_ctx) SSL_CTX_free(ssl_ctx);
    log_info("stopped");
    return status;
}
