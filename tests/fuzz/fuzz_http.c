/* fuzz_http.c — whole HTTP requests through a loopback connection into the
 * real server: `sifasuo serve` (framing gate, evhttp, path decoding,
 * routing, sessions, CSRF, handlers, the engine, SQLite) runs in a thread
 * of this process on a demo store in a temporary folder.
 *
 * Each input is sent as the bytes of one connection, which is then
 * half-closed; the answer is read until the server closes.  The token
 * "@AUTH@" in an input is replaced by the Cookie and X-CSRF-Token headers of
 * a signed-in office clerk (ljz), so mutations reach the handlers behind
 * the sign-in too.  A crash, sanitizer report or hang anywhere in the
 * server is a finding. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "modules/modules.h"

static int port;
static char auth_headers[512];

static void *serve_thread(void *arg) {
    cmd_serve(arg);
    return NULL;
}

static int connect_once(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Connects, waiting out an interrupted connect (a signal of libFuzzer or
 * the sanitizers) and a shortage of local ports: thousands of
 * connections a second leave them in TIME_WAIT (EADDRNOTAVAIL) — the
 * harness's limit, not the server's.  -1 with errno otherwise. */
static int connect_server(void) {
    for (int i = 0; i < 200; i++) {
        int fd = connect_once();
        if (fd >= 0 || (errno != EADDRNOTAVAIL && errno != EAGAIN && errno != EINTR)) return fd;
        usleep(50000);
    }
    return -1;
}

/* Sends data on a new connection, half-closes, reads the answer into out
 * (truncated to cap).  Returns the bytes read, or -1 when no connection. */
static ssize_t exchange(const void *data, size_t n, char *out, size_t cap) {
    int fd = connect_server();
    if (fd < 0) return -1;
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, (const char *)data + off, n - off, MSG_NOSIGNAL);
        if (w <= 0) break; /* the server may close early (a rejection) */
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    char sink[4096];
    for (;;) {
        ssize_t r = got < cap ? recv(fd, out + got, cap - got, 0) : recv(fd, sink, sizeof(sink), 0);
        if (r <= 0) break;
        if (got < cap) got += (size_t)r;
    }
    close(fd);
    if (got < cap) out[got] = '\0';
    return (ssize_t)got;
}

static char dir[] = "/tmp/sifasuo-fuzz-XXXXXX";

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) { return remove(path); }

/* The temporary store goes when libFuzzer exits. */
static void remove_dir(void) { nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) abort();
    close(fd);
    return ntohs(sa.sin_port);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static char url[128], keys[128], listen[64];
    if (!mkdtemp(dir)) abort();
    atexit(remove_dir);
    snprintf(url, sizeof(url), "sqlite:%s/fuzz.db", dir);
    snprintf(keys, sizeof(keys), "%s/keys", dir);
    setenv("SIFASUO_TEST_ENTITY", "1", 1);
    /* FUZZ_HTTP_EVDEBUG=1: libevent checks every event's lifetime (slower) */
    if (getenv("FUZZ_HTTP_EVDEBUG")) event_enable_debug_mode();
    modules_perms_register();
    static cli_opts_t o;
    o.db_url = url;
    o.key_file = keys;
    o.demo = true;
    o.web_root = dir;
    o.max_conns = 4096;
    o.header_timeout = 2;
    o.idle_timeout = 5;
    o.workers = 1;
    o.quiet = true;
    int saved = dup(1); /* init's listing of demo accounts is not libFuzzer output */
    if (!freopen("/dev/null", "w", stdout)) abort();
    if (cmd_init(&o) != 0) abort();
    port = free_port();
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
    o.listen = listen;
    pthread_t t;
    pthread_create(&t, NULL, serve_thread, &o);
    pthread_detach(t);
    int fd = -1;
    for (int i = 0; i < 300 && (fd = connect_server()) < 0; i++)
        usleep(100000);
    if (fd < 0) abort();
    close(fd);
    dup2(saved, 1);
    close(saved);
    static const char login_body[] = "{\"username\":\"ljz\",\"password\":\"Sfs@demo2026\"}";
    char req[512], resp[16384];
    snprintf(req, sizeof(req),
             "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
             strlen(login_body), login_body);
    if (exchange(req, strlen(req), resp, sizeof(resp) - 1) <= 0) abort();
    char *cookie = strstr(resp, "Set-Cookie: "), *csrf = strstr(resp, "\"csrf_token\":\"");
    if (!cookie || !csrf) {
        fprintf(stderr, "fuzz_http: sign-in failed:\n%s\n", resp);
        abort();
    }
    cookie += 12;
    csrf += 14;
    snprintf(auth_headers, sizeof(auth_headers), "Cookie: %.*s\r\nX-CSRF-Token: %.*s", (int)strcspn(cookie, ";\r"),
             cookie, (int)strcspn(csrf, "\""), csrf);
    fprintf(stderr, "fuzz_http: server on 127.0.0.1:%d, store %s\n", port, url);
    return 0;
}

/* FUZZ_HTTP_TRACE=DIR keeps the last 20,000 inputs (well over the idle
 * timeout's worth) as DIR/NNNNNNNN: a crash that depends on earlier
 * connections replays from them in order. */
#define TRACE_KEEP 20000
static void trace(const uint8_t *data, size_t size) {
    static const char *trace_dir;
    static unsigned long n;
    if (!trace_dir && !(trace_dir = getenv("FUZZ_HTTP_TRACE"))) trace_dir = "";
    if (!*trace_dir) return;
    char path[4096];
    if (n >= TRACE_KEEP) {
        snprintf(path, sizeof(path), "%s/%08lu", trace_dir, n - TRACE_KEEP);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/%08lu", trace_dir, n++);
    FILE *f = fopen(path, "wb");
    if (f) fwrite(data, 1, size, f), fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char token[] = "@AUTH@";
    trace(data, size);
    size_t tl = sizeof(token) - 1, al = strlen(auth_headers);
    char *req = malloc(size * (al / tl + 1) + 1);
    size_t n = 0;
    for (size_t i = 0; i < size;) {
        if (i + tl <= size && memcmp(data + i, token, tl) == 0) {
            memcpy(req + n, auth_headers, al);
            n += al;
            i += tl;
        } else {
            req[n++] = (char)data[i++];
        }
    }
    static char resp[65536];
    if (exchange(req, n, resp, sizeof(resp) - 1) < 0) {
        fprintf(stderr, "fuzz_http: the server stopped accepting connections: %s\n", strerror(errno));
        abort();
    }
    free(req);
    return 0;
}
