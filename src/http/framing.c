/* framing.c — byte-level request framing checks (see framing.h). */
#include "http/framing.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http/http.h"

enum { ST_HEAD, ST_BODY_CL, ST_BODY_CHUNKED, ST_DEAD };
enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER };

struct framing {
    int state;
    size_t scanned;   /* bytes of src already searched for the end of headers */
    uint64_t remaining;
    uint64_t body_total, limit;
    int chunk_state;
    size_t trailer_bytes;
    struct evbuffer *held; /* a chunked request, held back until it is complete */
    struct event *timer;
    struct bufferevent *bev, *under;
    int header_timeout_s, body_timeout_s;
    int pending_status; /* framing_reject_next */
    const char *pending_reason;
    void (*on_close)(void *);
    void *close_arg;
    /* closing: evhttp is never told to close (it would shut the socket with
     * the response still queued in the filter); the gate closes instead, once
     * the response to request number close_at has left the socket. */
    bool close_after;       /* the request being forwarded ends the connection */
    unsigned requests;      /* requests forwarded to evhttp */
    unsigned responses;     /* responses evhttp has started */
    unsigned close_at;      /* 0, or the request whose response ends the connection */
    bool shut;
    struct evbuffer_cb_entry *out_cb;
    framing_t *hnext;       /* per-thread bev → framing table */
    framing_t *unext;       /* per-thread underlying → framing table */
    /* the client's EOF, held back from evhttp while answers are owed (see
     * on_under_event): evhttp frees a connection on EOF at once, losing
     * answers it has not written yet */
    bufferevent_event_cb filter_eventcb;
    void *filter_arg;
    short eof_held;
    struct event *eof_ev;
};

/* ---- per-thread tables: filter bufferevent → its framing state, and
 * underlying (socket) bufferevent → its framing state ---- */
#define FT_BUCKETS 4096
static __thread framing_t *ft[FT_BUCKETS], *fu[FT_BUCKETS];
static size_t ft_hash(const void *p) { return ((uintptr_t)p >> 4) % FT_BUCKETS; }
/* by_under picks the second table: keyed by f->under, chained by unext */
static const void *ft_key(const framing_t *f, bool by_under) { return by_under ? (const void *)f->under : (const void *)f->bev; }
static framing_t **ft_next(framing_t *f, bool by_under) { return by_under ? &f->unext : &f->hnext; }
static void ft_put(framing_t *f, bool by_under) {
    framing_t **bucket = &(by_under ? fu : ft)[ft_hash(ft_key(f, by_under))];
    *ft_next(f, by_under) = *bucket;
    *bucket = f;
}
static void ft_del(framing_t *f, bool by_under) {
    for (framing_t **pp = &(by_under ? fu : ft)[ft_hash(ft_key(f, by_under))]; *pp; pp = ft_next(*pp, by_under))
        if (*pp == f) {
            *pp = *ft_next(f, by_under);
            return;
        }
}
static framing_t *ft_find(const void *key, bool by_under) {
    for (framing_t *f = (by_under ? fu : ft)[ft_hash(key)]; f; f = *ft_next(f, by_under))
        if (ft_key(f, by_under) == key) return f;
    return NULL;
}
framing_t *framing_of(struct bufferevent *bev) { return ft_find(bev, false); }

/* True while the connection owes the client an answer: a request handed
 * to evhttp is unanswered, or answer bytes have not left the socket. */
static bool answers_owed(framing_t *f) {
    return f->responses < f->requests || evbuffer_get_length(bufferevent_get_output(f->bev)) ||
           evbuffer_get_length(bufferevent_get_output(f->under));
}

/* Passes a held EOF on to evhttp (from the event loop, never from inside
 * a buffer callback: evhttp frees the connection in it). */
static void release_eof(evutil_socket_t fd, short what, void *arg) {
    framing_t *f = arg;
    short ev = f->eof_held;
    f->eof_held = 0;
    if (ev && f->filter_eventcb) f->filter_eventcb(f->under, ev, f->filter_arg);
}

static void maybe_release_eof(framing_t *f) {
    if (!f->eof_held || answers_owed(f) || !f->eof_ev) return;
    struct timeval now = {0, 0};
    event_add(f->eof_ev, &now);
}

/* The socket's events, on their way to the filter (and so to evhttp).  A
 * client may send its requests and half-close at once (pipelining, or any
 * client that shuts its side after writing): the EOF waits until every
 * request forwarded so far is answered and the answers are written. */
static void on_under_event(struct bufferevent *under, short what, void *arg) {
    framing_t *f = ft_find(under, true);
    if (f && f->eof_ev && (what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && answers_owed(f)) {
        f->eof_held = what;
        return;
    }
    if (f && f->filter_eventcb) f->filter_eventcb(under, what, arg);
}

/* Half-closes the socket once the last response has fully left it. */
static void check_close(framing_t *f) {
    if (f->shut || !f->close_at || f->responses < f->close_at || !f->under) return;
    if (evbuffer_get_length(bufferevent_get_output(f->bev)) || evbuffer_get_length(bufferevent_get_output(f->under)))
        return;
    evutil_socket_t fd = bufferevent_getfd(f->under);
    if (fd >= 0) shutdown(fd, SHUT_WR);
    f->shut = true;
}

static void on_output_change(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg) {
    if (info->n_deleted) {
        check_close(arg);
        maybe_release_eof(arg);
    }
}

void framing_response_started(framing_t *f, bool close) {
    /* evhttp queues the reply before it enables writing, and enabling write
     * on a filter does not process what is queued: push it down now. */
    bufferevent_flush(f->bev, EV_WRITE, BEV_NORMAL);
    f->responses++;
    if (close && (!f->close_at || f->close_at > f->responses)) f->close_at = f->responses;
    check_close(f);
    maybe_release_eof(f);
}

bool framing_closing(framing_t *f) { return f->close_at && f->responses >= f->close_at; }

static const struct {
    const char *reason, *code, *message;
} reasons[] = {
    {"duplicate-content-length", "bad_framing", "请求格式错误: 重复的 Content-Length 头"},
    {"bad-content-length", "bad_framing", "请求格式错误: Content-Length 无效"},
    {"transfer-encoding", "bad_framing", "请求格式错误: 仅支持 Transfer-Encoding: chunked"},
    {"content-length-and-chunked", "bad_framing", "请求格式错误: 不能同时使用 Content-Length 与 chunked"},
    {"bad-chunk", "bad_framing", "请求格式错误: 分块编码无效"},
    {"bad-request-line", "bad_request", "请求格式错误: 请求行无效"},
    {"bad-header", "bad_request", "请求格式错误: 请求头无效"},
    {"duplicate-host", "bad_request", "请求格式错误: 重复的 Host 头"},
    {"missing-host", "bad_request", "请求格式错误: HTTP/1.1 请求必须带 Host 头"},
    {"bare-lf", "bad_request", "请求格式错误: 每行须以 CRLF 结束"},
    {"headers-too-large", "headers_too_large", "请求头过大 (上限 16 KiB)"},
    {"body-too-large", "body_too_large", "请求体过大, 超出该接口允许的大小"},
    {"too-many-connections", "too_many_connections", "服务器连接数已满, 请稍后再试"},
    {"unknown-method", "method_not_implemented", "不支持的请求方法"},
    {"body-not-allowed", "bad_framing", "请求格式错误: HEAD 请求不能带请求体"},
    {"expectation-failed", "expectation_failed", "不支持的 Expect 请求头 (仅支持 100-continue)"},
};

const char *framing_message(const char *reason, const char **code) {
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (strcmp(reasons[i].reason, reason) == 0) {
            if (code) *code = reasons[i].code;
            return reasons[i].message;
        }
    if (code) *code = "bad_request";
    return "请求格式错误";
}

static void on_timeout(evutil_socket_t fd, short what, void *arg) {
    framing_t *f = arg;
    /* A client that has not finished its request in time (slow loris) is cut
     * off: shutting the socket makes evhttp see EOF and free the connection. */
    evutil_socket_t s = f->bev ? bufferevent_getfd(f->bev) : -1;
    if (s >= 0) shutdown(s, SHUT_RDWR);
    f->state = ST_DEAD;
}

framing_t *framing_new(struct event_base *base, int header_timeout_s, int body_timeout_s) {
    framing_t *f = calloc(1, sizeof(*f));
    if (!f) abort();
    f->held = evbuffer_new();
    f->header_timeout_s = header_timeout_s;
    f->body_timeout_s = body_timeout_s;
    if (base) f->timer = evtimer_new(base, on_timeout, f);
    if (base) f->eof_ev = evtimer_new(base, release_eof, f);
    return f;
}

void framing_free(framing_t *f) {
    if (!f) return;
    if (f->timer) event_free(f->timer);
    if (f->eof_ev) event_free(f->eof_ev);
    evbuffer_free(f->held);
    free(f);
}

void framing_reject_next(framing_t *f, int status, const char *reason) {
    f->pending_status = status;
    f->pending_reason = reason;
}

static void arm(framing_t *f, int seconds) {
    if (!f->timer) return;
    struct timeval tv = {seconds, 0};
    evtimer_add(f->timer, &tv);
}

static void disarm(framing_t *f) {
    if (f->timer) evtimer_del(f->timer);
}

static int reject(framing_t *f, struct evbuffer *src, struct evbuffer *dst, int status, const char *reason) {
    evbuffer_drain(src, evbuffer_get_length(src));
    evbuffer_drain(f->held, evbuffer_get_length(f->held));
    evbuffer_add_printf(dst, "GET " FRAMING_REJECT_PREFIX "%d/%s HTTP/1.1\r\nHost: localhost\r\n\r\n", status, reason);
    f->requests++;
    f->close_at = f->requests;
    f->state = ST_DEAD;
    disarm(f);
    return status;
}

static bool is_tchar(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

/* Trims optional whitespace around [*s, *e). */
static void trim(const char **s, const char **e) {
    while (*s < *e && (**s == ' ' || **s == '\t')) (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t')) (*e)--;
}

typedef struct {
    int ncl, nte, nhost;
    uint64_t cl;
    bool cl_bad, te_chunked;
    bool http10, conn_close, conn_keepalive;
    bool expect, expect_continue, expect_bad; /* Expect lines: 100-continue, or another value */
    char method[16];
    char path[256];
} head_t;

/* Reads the comma-separated tokens of a Connection value: exact,
 * case-insensitive "close" and "keep-alive", as evhttp compares them (a
 * substring match once let "xkeep-alive" on HTTP/1.0 pass as keep-alive
 * while evhttp closed the connection itself and lost the response). */
static void connection_tokens(const char *vs, const char *ve, head_t *h) {
    while (vs < ve) {
        const char *comma = memchr(vs, ',', (size_t)(ve - vs)), *te = comma ? comma : ve, *ts = vs;
        trim(&ts, &te);
        if (te - ts == 5 && strncasecmp(ts, "close", 5) == 0) h->conn_close = true;
        if (te - ts == 10 && strncasecmp(ts, "keep-alive", 10) == 0) h->conn_keepalive = true;
        vs = comma ? comma + 1 : ve;
    }
}

/* Parses and checks the header block hdr[0..len) (which ends with an empty
 * line).  Returns NULL when fine, else the rejection reason. */
static const char *check_head(const char *hdr, size_t len, head_t *h) {
    memset(h, 0, sizeof(*h));
    const char *p = hdr, *end = hdr + len;
    bool first = true;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return "bad-header";
        /* RFC 9112 §2.2: every line of the head ends with CRLF; a bare LF
         * is refused, since a proxy in front may read it otherwise */
        if (nl == p || nl[-1] != '\r') return "bare-lf";
        const char *le = nl - 1;
        if (le == p) break; /* the empty line */
        for (const char *c = p; c < le; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t') return "bad-header";
            else if (*c == 0x7f) return "bad-header";
        if (first) {
            /* METHOD SP target SP HTTP/1.x */
            const char *sp1 = memchr(p, ' ', (size_t)(le - p));
            if (!sp1 || sp1 == p || (size_t)(sp1 - p) >= sizeof(h->method)) return "bad-request-line";
            for (const char *c = p; c < sp1; c++)
                if (!is_tchar((unsigned char)*c)) return "bad-request-line";
            const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(le - sp1 - 1));
            if (!sp2 || sp2 == sp1 + 1) return "bad-request-line";
            /* origin-form only ("/path?query", not "//…", which evhttp's URI
             * parser reads as an authority): it refuses other targets and then
             * closes the connection itself, which crashed libevent later
             * (fuzz_http) */
            if (sp1[1] != '/' || (sp2 - sp1 > 2 && sp1[2] == '/')) return "bad-request-line";
            size_t vl = (size_t)(le - sp2 - 1);
            if (!((vl == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0) || (vl == 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0)))
                return "bad-request-line";
            h->http10 = memcmp(sp2 + 1, "HTTP/1.0", 8) == 0;
            memcpy(h->method, p, (size_t)(sp1 - p));
            static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL};
            bool ok = false;
            for (int k = 0; known[k]; k++) ok = ok || strcmp(h->method, known[k]) == 0;
            if (!ok) return "unknown-method";
            const char *t = sp1 + 1;
            size_t tl = (size_t)(sp2 - t);
            const char *q = memchr(t, '?', tl);
            if (q) tl = (size_t)(q - t);
            if (tl >= sizeof(h->path)) tl = sizeof(h->path) - 1;
            memcpy(h->path, t, tl);
            first = false;
        } else {
            if (*p == ' ' || *p == '\t') return "bad-header"; /* obsolete line folding */
            const char *colon = memchr(p, ':', (size_t)(le - p));
            if (!colon || colon == p) return "bad-header";
            for (const char *c = p; c < colon; c++)
                if (!is_tchar((unsigned char)*c)) return "bad-header"; /* "Content-Length :" */
            size_t nl_ = (size_t)(colon - p);
            const char *vs = colon + 1, *ve = le;
            trim(&vs, &ve);
            if (nl_ == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
                h->ncl++;
                if (ve == vs || ve - vs > 18) h->cl_bad = true;
                uint64_t v = 0;
                for (const char *c = vs; c < ve; c++) {
                    if (*c < '0' || *c > '9') {
                        h->cl_bad = true;
                        break;
                    }
                    v = v * 10 + (uint64_t)(*c - '0');
                }
                h->cl = v;
            } else if (nl_ == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
                h->nte++;
                h->te_chunked = (ve - vs == 7 && strncasecmp(vs, "chunked", 7) == 0);
            } else if (nl_ == 4 && strncasecmp(p, "Host", 4) == 0) {
                h->nhost++;
            } else if (nl_ == 10 && strncasecmp(p, "Connection", 10) == 0) {
                connection_tokens(vs, ve, h);
            } else if (nl_ == 6 && strncasecmp(p, "Expect", 6) == 0) {
                /* evhttp answers Expect itself (417, or 100 Continue) and
                 * closes after its 417: the gate answers it instead and
                 * evhttp never sees the line (forward_head) */
                h->expect = true;
                h->expect_continue = ve - vs == 12 && strncasecmp(vs, "100-continue", 12) == 0;
                if (!h->expect_continue) h->expect_bad = true;
            }
        }
        p = nl + 1;
    }
    if (first) return "bad-request-line";
    if (h->nhost > 1) return "duplicate-host";
    if (h->nhost == 0 && !h->http10) return "missing-host"; /* RFC 9112 §3.2: 400 */
    if (h->nte && h->ncl) return "content-length-and-chunked";
    if (h->nte > 1 || (h->nte && !h->te_chunked)) return "transfer-encoding";
    if (h->ncl > 1) return "duplicate-content-length";
    if (h->ncl && h->cl_bad) return "bad-content-length";
    /* evhttp reads no body after HEAD: body bytes would be parsed as the
     * next request (smuggling), and its own error close of that "request"
     * under a filter crashed libevent (fuzz_http, docs/reliability.md) */
    if (strcmp(h->method, "HEAD") == 0 && (h->nte || (h->ncl && h->cl > 0))) return "body-not-allowed";
    /* RFC 9110 §10.1.1: an expectation the server cannot meet is 417; an
     * HTTP/1.0 server ignores Expect */
    if (h->expect_bad && !h->http10) return "expectation-failed";
    return NULL;
}

/* Finds the end of the header block in src (offset just past the empty
 * line), or 0 when it has not arrived yet.  Resumes from f->scanned. */
static size_t find_head_end(framing_t *f, struct evbuffer *src) {
    size_t len = evbuffer_get_length(src);
    size_t upto = len < FRAMING_MAX_HEADER + 2 ? len : FRAMING_MAX_HEADER + 2;
    const unsigned char *p = evbuffer_pullup(src, (ev_ssize_t)upto);
    size_t i = f->scanned > 2 ? f->scanned - 2 : 0;
    for (; i < upto; i++) {
        if (p[i] != '\n') continue;
        /* a line ending at i; is the next line empty? */
        if (i + 1 < upto && p[i + 1] == '\n') return i + 2;
        if (i + 2 < upto && p[i + 1] == '\r' && p[i + 2] == '\n') return i + 3;
    }
    f->scanned = upto;
    return 0;
}

/* Reads one CRLF-terminated line of at most max bytes from src without
 * consuming it: returns its length including the CRLF, 0 if not yet
 * complete, -1 if too long or ended by a bare LF (RFC 9112 §7.1: the chunk
 * lines end with CRLF). */
static long peek_line(struct evbuffer *src, size_t max, size_t *content_len) {
    size_t eol_len = 0;
    struct evbuffer_ptr ptr = evbuffer_search_eol(src, NULL, &eol_len, EVBUFFER_EOL_LF);
    if (ptr.pos < 0) return evbuffer_get_length(src) > max ? -1 : 0;
    if ((size_t)ptr.pos > max + 1 || ptr.pos == 0) return -1;
    char cr;
    struct evbuffer_ptr before;
    evbuffer_ptr_set(src, &before, (size_t)ptr.pos - 1, EVBUFFER_PTR_SET);
    if (evbuffer_copyout_from(src, &before, &cr, 1) != 1 || cr != '\r') return -1;
    *content_len = (size_t)ptr.pos - 1;
    return (long)((size_t)ptr.pos + eol_len);
}

/* Advances the chunked body parser; returns 0 while incomplete, 1 when the
 * request is complete, or a negative code (-400, -413) to reject. */
static int feed_chunked(framing_t *f, struct evbuffer *src) {
    for (;;) {
        size_t avail = evbuffer_get_length(src);
        if (avail == 0) return 0;
        switch (f->chunk_state) {
        case CH_SIZE: {
            size_t cl;
            long ll = peek_line(src, 64, &cl);
            if (ll < 0) return -400;
            if (ll == 0) return 0;
            char line[80];
            evbuffer_copyout(src, line, cl);
            if (cl == 0 || cl > 15) return -400;
            uint64_t size = 0;
            for (size_t i = 0; i < cl; i++) {
                char c = line[i];
                int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
                if (d < 0) return -400; /* no chunk extensions: evhttp rejects them too */
                size = size * 16 + (uint64_t)d;
            }
            evbuffer_remove_buffer(src, f->held, (size_t)ll);
            if (size == 0) {
                f->chunk_state = CH_TRAILER;
                f->trailer_bytes = 0;
                break;
            }
            if (f->body_total + size > f->limit) return -413;
            f->body_total += size;
            f->remaining = size;
            f->chunk_state = CH_DATA;
            break;
        }
        case CH_DATA: {
            size_t n = avail < f->remaining ? avail : (size_t)f->remaining;
            evbuffer_remove_buffer(src, f->held, n);
            f->remaining -= n;
            if (f->remaining == 0) f->chunk_state = CH_DATA_END;
            break;
        }
        case CH_DATA_END: {
            unsigned char two[2];
            size_t got = evbuffer_copyout(src, two, 2);
            if (two[0] == '\r') { /* CRLF only (RFC 9112 §7.1) */
                if (got < 2) return 0;
                if (two[1] != '\n') return -400;
                evbuffer_remove_buffer(src, f->held, 2);
            } else return -400;
            f->chunk_state = CH_SIZE;
            break;
        }
        case CH_TRAILER: {
            size_t cl;
            long ll = peek_line(src, 1024, &cl);
            if (ll < 0) return -400;
            if (ll == 0) return 0;
            /* no trailer fields: evhttp parses them with its own header
             * rules, and a trailer it refuses made it close the connection
             * itself, which crashed libevent later (fuzz_http) */
            if (cl != 0) return -400;
            f->trailer_bytes += (size_t)ll;
            if (f->trailer_bytes > FRAMING_MAX_HEADER) return -400;
            evbuffer_remove_buffer(src, f->held, (size_t)ll);
            if (cl == 0) {
                f->chunk_state = CH_SIZE;
                return 1;
            }
            break;
        }
        }
    }
}

/* Moves the header block (hl bytes) from src to out.  A request that ends the
 * connection (Connection: close, or HTTP/1.0 without keep-alive) is passed on
 * as keep-alive with its Connection lines dropped, and f->close_after set:
 * the gate, not evhttp, closes after the response (see struct framing).
 * HTTP/1.0 requests always get exactly "Connection: keep-alive", so evhttp's
 * own reading of their Connection lines can never make it close. */
static void forward_head(framing_t *f, struct evbuffer *src, struct evbuffer *out, size_t hl, const head_t *h) {
    f->close_after = h->conn_close || (h->http10 && !h->conn_keepalive);
    if (!f->close_after && !h->http10 && !h->expect) {
        evbuffer_remove_buffer(src, out, hl);
        return;
    }
    const char *p = (const char *)evbuffer_pullup(src, (ev_ssize_t)hl), *end = p + hl;
    struct evbuffer *tmp = evbuffer_new();
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
        bool blank = ll <= 2 && (p[0] == '\n' || p[0] == '\r');
        if (blank && h->http10) evbuffer_add(tmp, "Connection: keep-alive\r\n", 24);
        bool drop = (ll > 11 && strncasecmp(p, "Connection:", 11) == 0) || (ll > 7 && strncasecmp(p, "Expect:", 7) == 0);
        if (!drop) evbuffer_add(tmp, p, ll);
        p += ll;
    }
    evbuffer_drain(src, hl);
    evbuffer_add_buffer(out, tmp);
    evbuffer_free(tmp);
}

/* "Expect: 100-continue": the client waits a while for a go-ahead before it
 * sends the body.  The gate gives it when the body has not started to
 * arrive and nothing else is owed on the connection (an interim answer must
 * not land inside an earlier answer); otherwise the client goes ahead after
 * its own timeout (RFC 9110 §10.1.1). */
static void send_continue(framing_t *f, struct evbuffer *src, const head_t *h) {
    if (!h->expect_continue || h->http10 || !f->under || !f->bev || evbuffer_get_length(src) || answers_owed(f)) return;
    evbuffer_add(bufferevent_get_output(f->under), "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

/* A request has been handed to evhttp whole. */
static void request_forwarded(framing_t *f) {
    f->requests++;
    f->state = ST_HEAD;
    if (f->close_after) {
        f->close_at = f->requests;
        f->state = ST_DEAD; /* nothing after it is read */
    }
}

int framing_feed(framing_t *f, struct evbuffer *src, struct evbuffer *dst) {
    for (;;) {
        size_t avail = evbuffer_get_length(src);
        switch (f->state) {
        case ST_DEAD:
            evbuffer_drain(src, avail);
            return 0;
        case ST_HEAD: {
            if (avail == 0) return 0;
            if (f->pending_status) return reject(f, src, dst, f->pending_status, f->pending_reason);
            /* leading empty lines before a request line are ignored (RFC 9112 §2.2) */
            unsigned char c0;
            evbuffer_copyout(src, &c0, 1);
            if (c0 == '\r' || c0 == '\n') {
                unsigned char two[2];
                size_t got = evbuffer_copyout(src, two, 2);
                if (two[0] == '\n') evbuffer_drain(src, 1);
                else if (got == 2 && two[1] == '\n') evbuffer_drain(src, 2);
                else if (got == 2) return reject(f, src, dst, 400, "bad-request-line");
                else return 0;
                continue;
            }
            if (f->scanned == 0) arm(f, f->header_timeout_s);
            size_t hl = find_head_end(f, src);
            if (hl == 0) {
                if (evbuffer_get_length(src) > FRAMING_MAX_HEADER) return reject(f, src, dst, 431, "headers-too-large");
                return 0;
            }
            f->scanned = 0;
            if (hl > FRAMING_MAX_HEADER) return reject(f, src, dst, 431, "headers-too-large");
            head_t h;
            const char *why = check_head((const char *)evbuffer_pullup(src, (ev_ssize_t)hl), hl, &h);
            if (why)
                return reject(f, src, dst,
                              strcmp(why, "unknown-method") == 0       ? 501
                              : strcmp(why, "expectation-failed") == 0 ? 417
                                                                       : 400,
                              why);
            /* the route's body limit matters only to a request with a body:
             * most requests skip this walk of the route table */
            f->limit = (h.ncl && h.cl > 0) || h.te_chunked ? router_body_limit(h.method, h.path) : 0;
            if (h.ncl && h.cl > f->limit) return reject(f, src, dst, 413, "body-too-large");
            disarm(f);
            if (h.te_chunked) {
                forward_head(f, src, f->held, hl, &h);
                send_continue(f, src, &h);
                f->state = ST_BODY_CHUNKED;
                f->chunk_state = CH_SIZE;
                f->body_total = 0;
                arm(f, f->body_timeout_s);
            } else {
                forward_head(f, src, dst, hl, &h);
                if (h.ncl && h.cl > 0) {
                    send_continue(f, src, &h);
                    f->state = ST_BODY_CL;
                    f->remaining = h.cl;
                    arm(f, f->body_timeout_s);
                } else {
                    request_forwarded(f);
                }
            }
            break;
        }
        case ST_BODY_CL: {
            if (avail == 0) return 0;
            size_t n = avail < f->remaining ? avail : (size_t)f->remaining;
            evbuffer_remove_buffer(src, dst, n);
            f->remaining -= n;
            if (f->remaining == 0) {
                disarm(f);
                request_forwarded(f);
            }
            break;
        }
        case ST_BODY_CHUNKED: {
            int rc = feed_chunked(f, src);
            if (rc == 0) return 0;
            if (rc == -413) return reject(f, src, dst, 413, "body-too-large");
            if (rc < 0) return reject(f, src, dst, 400, "bad-chunk");
            evbuffer_add_buffer(dst, f->held);
            disarm(f);
            request_forwarded(f);
            break;
        }
        }
    }
}

static enum bufferevent_filter_result in_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
                                                enum bufferevent_flush_mode mode, void *ctx) {
    size_t before = evbuffer_get_length(dst);
    framing_feed(ctx, src, dst);
    return evbuffer_get_length(dst) > before ? BEV_OK : BEV_NEED_MORE;
}

/* libevent calls this when it finalizes the filter, just before freeing it.
 *
 * The filter's generic timeouts are deleted here, whatever libevent thinks
 * of them (docs/reliability.md finding 4, the crash in libevent).  When
 * evhttp frees a connection from inside the filter's write callback — it
 * does after an answer it sent with "Connection: close", i.e. its own error
 * answers (417, 400, ...) — libevent 2.1.12's be_filter_writecb holds no
 * reference: the filter is unlinked at once, its write-timeout event
 * cancelled, and then be_filter_process_output, returning into the freed
 * filter, re-arms that timeout (BEV_RESET_GENERIC_WRITE_TIMEOUT).  The
 * memory is freed with the timer still queued; when the idle timeout
 * expires it fires on freed memory and the worker crashes.  Deleting the
 * timers here, after every callback has returned and before the memory
 * goes, closes that window for any path that re-arms them. */
static void filter_free(void *ctx) {
    framing_t *f = ctx;
    bufferevent_set_timeouts(f->bev, NULL, NULL);
    ft_del(f, false);
    ft_del(f, true);
    if (f->out_cb) evbuffer_remove_cb_entry(bufferevent_get_output(f->under), f->out_cb);
    if (f->on_close) f->on_close(f->close_arg);
    framing_free(f);
}

struct bufferevent *framing_bufferevent(struct bufferevent *underlying, framing_t *f, void (*on_close)(void *),
                                        void *arg) {
    f->on_close = on_close;
    f->close_arg = arg;
    struct bufferevent *bev = bufferevent_filter_new(underlying, in_filter, NULL, BEV_OPT_CLOSE_ON_FREE, filter_free, f);
    f->bev = bev;
    f->under = underlying;
    f->out_cb = evbuffer_add_cb(bufferevent_get_output(underlying), on_output_change, f);
    ft_put(f, false);
    ft_put(f, true);
    /* route the socket's events through on_under_event (EOF held while answers are owed) */
    bufferevent_data_cb rcb, wcb;
    bufferevent_getcb(underlying, &rcb, &wcb, &f->filter_eventcb, &f->filter_arg);
    bufferevent_setcb(underlying, rcb, wcb, on_under_event, f->filter_arg);
    return bev;
}
