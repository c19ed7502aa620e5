/* framing.h — the framing gate in front of evhttp.
 *
 * evhttp alone honours a duplicate Content-Length (and serves the request
 * smuggled behind it), accepts "Transfer-Encoding: gzip, chunked" and reads
 * headers of any size.  Every connection's bytes therefore pass through this
 * filter first: it checks each request's framing at the byte level and hands
 * evhttp only well-framed requests.  A bad request is replaced by a synthetic
 *   GET /__reject/<status>/<reason> HTTP/1.1  (Connection: close)
 * which the server answers with the JSON error shape; everything after it on
 * the connection is discarded, so nothing smuggled is ever served.
 *
 * The gate also owns connection close: evhttp closes a socket as soon as the
 * response is handed to the filter, before it has been written, so requests
 * that end the connection reach evhttp as keep-alive and the gate half-closes
 * the socket once the response has left it. */
#ifndef SFS_FRAMING_H
#define SFS_FRAMING_H
#include <stdbool.h>
#include <stddef.h>

struct evbuffer;
struct event_base;
struct bufferevent;

#define FRAMING_MAX_HEADER (16 * 1024)
#define FRAMING_REJECT_PREFIX "/__reject/"

typedef struct framing framing_t;

/* base may be NULL (tests, fuzzing): then no timers are armed. */
framing_t *framing_new(struct event_base *base, int header_timeout_s, int body_timeout_s);
void framing_free(framing_t *f);
/* Moves validated bytes from src to dst.  Returns 0, or the HTTP status of a
 * rejection made during this call (dst then ends with the synthetic request). */
int framing_feed(framing_t *f, struct evbuffer *src, struct evbuffer *dst);
/* Makes the next request on the connection a rejection (e.g. over the
 * connection cap). */
void framing_reject_next(framing_t *f, int status, const char *reason);
/* Wraps underlying in a filter bufferevent driven by f; f is freed with it
 * and on_close(arg) is called then. */
struct bufferevent *framing_bufferevent(struct bufferevent *underlying, framing_t *f, void (*on_close)(void *),
                                        void *arg);
/* The framing state of a connection's filter bufferevent, or NULL. */
framing_t *framing_of(struct bufferevent *bev);
/* The server calls this before each response; close asks for the connection
 * to end after this response (shutdown draining, rejections). */
void framing_response_started(framing_t *f, bool close);
/* True when the response being sent is the connection's last. */
bool framing_closing(framing_t *f);
/* The Chinese message and stable code for a rejection reason. */
const char *framing_message(const char *reason, const char **code);
#endif
