/* http.h — what a handler sees: the request, its arena, its worker's store
 * connection, and the verbs to answer it.
 *
 * Handlers are synchronous: each runs to completion on its worker's event
 * loop and answers exactly once (http_send_json / http_error / …).  All
 * memory a handler takes from r->arena is freed when the request ends. */
#ifndef SFS_HTTP_H
#define SFS_HTTP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/json.h"

struct evhttp_request;
struct worker;

#define HTTP_MAX_PARAMS 6
#define HTTP_DEFAULT_BODY_LIMIT (1024 * 1024)

typedef struct http_req http_req_t;
typedef void (*http_handler_fn)(http_req_t *r);

enum route_flags {
    ROUTE_PUBLIC = 1 << 0, /* no session needed (health, login, public portal) */
    ROUTE_NO_CSRF = 1 << 1,/* unsafe method without CSRF token (login itself) */
    ROUTE_PORTAL = 1 << 2, /* the public portal's (/public/api/…): the only routes the public
                              listener serves; no identity layer runs for them */
};

typedef struct route {
    const char *method;  /* "GET", "POST", "PATCH", "PUT", "DELETE" */
    const char *pattern; /* "/api/v1/org-units/:id" — ":name" captures one segment */
    http_handler_fn fn;
    unsigned flags;
    size_t body_limit; /* 0 → HTTP_DEFAULT_BODY_LIMIT */
    const char *perm;  /* permission the identity layer checks; NULL = any signed-in user */
} route_t;

struct http_req {
    struct evhttp_request *ev;
    struct worker *w;
    struct framing *conn; /* the connection's framing gate */
    arena_t *arena;
    db_t *db;
    db_t *read_db; /* chosen by http_read_db on first use; NULL until then */
    const route_t *route;
    const char *method; /* "GET" … */
    const char *path;   /* percent-decoded path */
    const char *raw_path; /* the path as sent (still percent-encoded), for the access log */
    const char *query;  /* raw query string, or NULL */
    int nparams;
    const char *param_names[HTTP_MAX_PARAMS];
    const char *params[HTTP_MAX_PARAMS];
    buf_t *out;  /* response body under construction */
    jw_t json;   /* writer over out, initialised for the handler */
    int status;  /* set when answered */
    bool answered;
    size_t out_bytes; /* body bytes sent, for the access log */
    const char *peer; /* client address */
    bool public_face; /* arrived on the public listener (serve --public-listen) */
    /* identity, filled by the auth hook */
    int64_t user_id;
    int64_t org_id;
    const char *username;
    void *auth;
    bool identity_changed; /* an account, role or session changed: drop cached principals */
    long long start_us;
    /* parsed query (lazily) */
    int nquery;
    const char **qkeys, **qvals;
};

/* Registers a route table ending in a {0} row.  Call before http_serve(). */
void router_add(const route_t *routes);
/* Finds the route for method+path; sets *allowed (comma list) when only the
 * method is wrong.  Returns NULL when nothing matches. */
const route_t *router_match(const char *method, const char *path, http_req_t *r, char *allowed, size_t allowed_len);
/* Calls fn for every registered route, in table order. */
void router_each(void (*fn)(const route_t *rt, void *arg), void *arg);
/* The body limit of the route for method+path (default when none). */
size_t router_body_limit(const char *method, const char *path);

/* Percent-decodes a request path into a; NULL for the forms that could
 * escape a folder or split a segment: encoded '/' or '\\', a '\\', NUL,
 * control characters, invalid UTF-8, or no leading '/'. */
const char *http_decode_path(arena_t *a, const char *raw, size_t n);
/* Path parameter by name, or NULL. */
const char *http_param(http_req_t *r, const char *name);
/* Path parameter as a positive id; -1 when absent or not a positive integer. */
int64_t http_param_id(http_req_t *r, const char *name);
/* Query parameter (decoded) by key, or NULL; the first when repeated. */
const char *http_query(http_req_t *r, const char *key);
/* Sets a query parameter (replacing its value, or adding it): a handler
 * that answers as if asked otherwise (records.c list_run). */
void http_query_set(http_req_t *r, const char *key, const char *val);
/* Parses an id-like query value: -1 absent, -2 malformed, else the value. */
int64_t http_query_id(http_req_t *r, const char *key);
const char *http_header(http_req_t *r, const char *name);
/* The value of cookie name (a copy in the arena), or NULL. */
const char *http_cookie(http_req_t *r, const char *name);
void http_set_header(http_req_t *r, const char *name, const char *value);

/* Sends r->out (built with r->json) as application/json. */
void http_send_json(http_req_t *r, int status);
/* Sends the error shape {"error":{"code","message","fields"}}; fields may be NULL. */
void http_error(http_req_t *r, int status, const char *code, const char *message);
void http_error_fields(http_req_t *r, int status, const char *code, const char *message, json_t *fields);
/* 503 store_unavailable, after rolling back any transaction the handler
 * left open: the one answer to a failed store call.  503 commit_unknown
 * ("结果未知") when the COMMIT's answer was lost (db_commit_unknown): the
 * client must read the data again before resubmitting. */
void http_store_error(http_req_t *r);
/* 422 validation_failed with one field's Chinese reason (also the message). */
void http_invalid(http_req_t *r, const char *field, const char *message);
/* 422 validation_failed with a reason per field; the message is the first. */
void http_invalid_fields(http_req_t *r, json_t *fields);
/* Sends raw bytes with a content type. */
void http_send_bytes(http_req_t *r, int status, const char *content_type, const void *data, size_t len);
/* Parses the body as a JSON object.  On failure answers 415/400/413 itself and
 * returns NULL.  The caller json_decref()s the result. */
json_t *http_json_body(http_req_t *r);
/* The raw body (NUL-terminated copy in the arena) and its length. */
const char *http_body(http_req_t *r, size_t *len);

/* The store connection a list, a statistic or a scorecard reads from
 * (replica.c; issue 26 point 3): the worker's hot-standby connection
 * (serve --db-replica) for a GET outside a transaction once the standby has
 * replayed this session's last write (waited for, bounded), else r->db.
 * Only for reads that may be a moment behind another session's writes:
 * never for a record just written, never for anything that then writes. */
db_t *http_read_db(http_req_t *r);

/* Identity hook: the auth layer installs it; it runs after routing and before
 * the handler.  Returns true to proceed; false when it has answered. */
extern bool (*http_auth_hook)(http_req_t *r);
/* Called for every request after the answer (access log user, audit flush). */
extern void (*http_done_hook)(http_req_t *r);

typedef struct server_config {
    const char *listen; /* "ADDR:PORT" */
    int workers;        /* 0 → cores */
    const char *db_url;
    const char *db_replica_url; /* a hot standby for http_read_db, or NULL */
    const char *web_root; /* folder of the built SPA (web/dist) */
    int max_conns;        /* per process */
    int idle_timeout_s;
    int header_timeout_s;
    int body_timeout_s;
    const char *tls_cert, *tls_key;
    const char *trusted_proxy; /* peer address whose X-Real-IP names the client */
    const char *public_listen; /* "ADDR:PORT" of the public portal's listener, or NULL */
    bool quiet;                /* no access log */
} server_config_t;

/* Runs the server until SIGTERM/SIGINT; returns the process exit status. */
int http_serve(const server_config_t *cfg);

/* Per-worker open hook: lets modules prepare per-connection state (e.g. keys). */
struct worker {
    int id;
    struct event_base *base;
    struct evhttp *http;
    db_t *db;
    arena_t arena;
    buf_t out;
    const server_config_t *cfg;
    int conns;
    bool draining;
    struct evhttp_bound_socket *bound;
    int listen_fd;
    struct evhttp *pub_http; /* the public listener's (NULL without --public-listen) */
    struct evhttp_bound_socket *pub_bound;
    int pub_fd;
    void *ssl_ctx;
    db_t *replica;                /* the standby connection (replica.c), NULL when none or down */
    long long replica_retry_us;   /* a failed standby is tried again after this */
    long long replica_checked_us; /* when the standby last answered */
};
#endif
