/* test_framing.c — the framing gate's filter bufferevent on a real event
 * base and a socketpair, with a stand-in for evhttp (callbacks on the filter
 * that read the request, write an answer and free the connection the way
 * evhttp does).
 *
 * The second test is the regression of docs/reliability.md finding 4: when
 * evhttp frees a connection from inside the filter's write callback (after
 * an answer of its own with "Connection: close"), libevent 2.1.12 re-arms
 * the freed filter's write timeout, which later fired on freed memory and
 * crashed the worker.  framing's filter_free deletes the timers. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/framing.h"
#include "test.h"

static int warnings; /* libevent messages about reference counts */
static void on_libevent_log(int severity, const char *msg) {
    if (strstr(msg, "references")) warnings++;
    fprintf(stderr, "  libevent: %s\n", msg);
}

struct conn {
    struct event_base *base;
    int client; /* the test's end of the socketpair */
    struct bufferevent *bev, *under;
    framing_t *f;
    size_t request_bytes; /* what "evhttp" has read */
    short events;         /* what "evhttp" was told */
    int closed;           /* on_close calls */
};

static void evhttp_read(struct bufferevent *bev, void *arg) {
    struct conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    c->request_bytes += evbuffer_get_length(in);
    evbuffer_drain(in, evbuffer_get_length(in));
}
static void evhttp_event(struct bufferevent *bev, short what, void *arg) { ((struct conn *)arg)->events |= what; }
static void on_close(void *arg) { ((struct conn *)arg)->closed++; }

/* One pass of the loop: what is ready now, run once. */
static void pass(struct conn *c) { event_base_loop(c->base, EVLOOP_ONCE | EVLOOP_NONBLOCK); }

/* A connection whose client sent one request and half-closed, read by
 * "evhttp" (its EOF is held: the answer is owed). */
static void open_conn(struct conn *c) {
    memset(c, 0, sizeof(*c));
    c->base = event_base_new();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    evutil_make_socket_nonblocking(sv[0]);
    c->client = sv[1];
    struct bufferevent *u = bufferevent_socket_new(c->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    c->f = framing_new(c->base, 30, 30);
    c->under = u;
    c->bev = framing_bufferevent(u, c->f, on_close, c);
    bufferevent_setcb(c->bev, evhttp_read, NULL, evhttp_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    CHECK(write(c->client, req, strlen(req)) == (ssize_t)strlen(req));
    CHECK(shutdown(c->client, SHUT_WR) == 0);
    for (int i = 0; i < 20; i++)
        pass(c);
    CHECK_EQ_INT(c->request_bytes, strlen(req));
    CHECK_EQ_INT(c->events, 0); /* the EOF is held back */
}

/* "evhttp" answers; passes until the client has the answer (the held EOF
 * is then due, in the next pass). */
static void answer(struct conn *c) {
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    evbuffer_add(bufferevent_get_output(c->bev), resp, strlen(resp));
    framing_response_started(c->f, false);
    char got[128];
    ssize_t n = -1;
    for (int i = 0; i < 20 && n <= 0; i++) {
        pass(c);
        n = recv(c->client, got, sizeof(got), MSG_DONTWAIT);
    }
    CHECK_EQ_INT(n, (ssize_t)strlen(resp));
}

static void close_conn(struct conn *c) {
    for (int i = 0; i < 20; i++)
        pass(c);
    close(c->client);
    event_base_free(c->base);
}

TEST(held_eof_reaches_evhttp_once_the_answer_has_left) {
    struct conn c;
    open_conn(&c);
    answer(&c);
    CHECK_EQ_INT(c.events, 0);
    pass(&c);
    CHECK(c.events & BEV_EVENT_EOF);
    bufferevent_free(c.bev); /* what evhttp does on EOF */
    close_conn(&c);
    CHECK_EQ_INT(c.closed, 1);
}

static void evhttp_frees_when_written(struct bufferevent *bev, void *arg) {
    ((struct conn *)arg)->events |= BEV_EVENT_WRITING;
    bufferevent_free(bev); /* evhttp_send_done after an answer with "Connection: close" */
}

TEST(freeing_the_filter_from_its_write_callback_leaves_no_timer_behind) {
    struct conn c;
    open_conn(&c);
    /* evhttp's idle timeout on the connection */
    struct timeval idle = {30, 0};
    bufferevent_set_timeouts(c.bev, &idle, &idle);
    bufferevent_setcb(c.bev, evhttp_read, evhttp_frees_when_written, evhttp_event, &c);
    /* evhttp queues its own error answer (417, 400...) while writing is off,
     * then turns writing on: the answer waits in the filter, the write
     * timeout is armed */
    bufferevent_disable(c.bev, EV_WRITE);
    static const char resp[] = "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    evbuffer_add(bufferevent_get_output(c.bev), resp, strlen(resp));
    bufferevent_enable(c.bev, EV_WRITE);
    /* the socket drains something (here one byte): libevent's
     * be_filter_writecb pushes the answer and calls "evhttp", which frees the
     * connection from inside that callback */
    evbuffer_add(bufferevent_get_output(c.under), "x", 1);
    for (int i = 0; i < 20 && !c.closed; i++)
        pass(&c);
    CHECK(c.events & BEV_EVENT_WRITING);
    CHECK_EQ_INT(c.closed, 1);
    for (int i = 0; i < 20; i++)
        pass(&c);
    /* nothing may stay queued for the freed filter (the re-armed write
     * timeout fired on freed memory 30 s later and crashed the worker) */
    int left = event_base_get_num_events(c.base, EVENT_BASE_COUNT_ADDED);
    CHECK_EQ_INT(left, 0);
    CHECK_EQ_INT(warnings, 0);
    close(c.client);
    if (left == 0) event_base_free(c.base); /* else it would touch the freed filter */
}

int main(void) {
    event_set_log_callback(on_libevent_log);
    RUN(held_eof_reaches_evhttp_once_the_answer_has_left);
    RUN(freeing_the_filter_from_its_write_callback_leaves_no_timer_behind);
    return test_summary();
}
