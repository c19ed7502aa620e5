/* lease.c — a lease row held by one process at a time (lease.h). */
#include "engine/lease.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char self[320];
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void make_self(void) {
    char host[256];
    if (gethostname(host, sizeof(host)) != 0 || !host[0]) snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    for (char *c = host; *c; c++)
        if (*c == ' ') *c = '_';
    struct timeval tv;
    gettimeofday(&tv, NULL);
    snprintf(self, sizeof(self), "%s %ld %lld", host, (long)getpid(), (long long)tv.tv_sec * 1000000 + tv.tv_usec);
}

const char *lease_self(void) {
    pthread_once(&self_once, make_self);
    return self;
}

/* The UPDATE that takes or renews name: free, run out, ours, or (when
 * dead_holder) held by that dead process.  1 taken, 0 not, negative error. */
static int take(db_t *db, const char *name, int ttl_s, const char *dead_holder) {
    int64_t now = (int64_t)time(NULL);
    db_stmt_t *s =
        db_prepare(db, "UPDATE leases SET acquired_at = CASE WHEN holder = $2 THEN acquired_at ELSE $3 END, "
                       "holder = $2, expires_at = $4, passes = passes + 1 "
                       "WHERE name = $1 AND (holder IS NULL OR holder = $2 OR expires_at < $3 OR holder = $5)");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, name, -1);
    db_bind_text(s, 2, lease_self(), -1);
    db_bind_int(s, 3, now);
    db_bind_int(s, 4, now + ttl_s);
    db_bind_text(s, 5, dead_holder, -1); /* NULL: matches nothing */
    int rc = db_step(s);
    int64_t n = rc == DB_DONE ? db_changes(s) : 0;
    db_reset(s);
    if (rc != DB_DONE) return rc < 0 ? rc : DB_ERR;
    return n == 1;
}

/* True when holder is a process of this host that no longer exists (a
 * crash, then a restart on the same machine): its lease need not run out. */
static bool dead_here(const char *holder) {
    char host[256];
    long pid = 0;
    long long start = 0;
    if (sscanf(holder, "%255s %ld %lld", host, &pid, &start) != 3 || pid <= 0) return false;
    const char *me = lease_self();
    size_t hl = strlen(host);
    if (strncmp(me, host, hl) != 0 || me[hl] != ' ') return false;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int lease_hold(db_t *db, const char *name, int ttl_s) {
    int rc = take(db, name, ttl_s, NULL);
    if (rc != 0) return rc;
    db_stmt_t *s = db_prepare(db, "SELECT holder FROM leases WHERE name = $1");
    if (!s) return DB_ERR;
    db_bind_text(s, 1, name, -1);
    char holder[320] = "";
    rc = db_step(s);
    if (rc == DB_ROW && db_col_text(s, 0)) snprintf(holder, sizeof(holder), "%s", db_col_text(s, 0));
    db_reset(s);
    if (rc < 0) return rc;
    /* only the holder read here is replaced: a live process that took the
     * row meanwhile keeps it */
    return holder[0] && dead_here(holder) ? take(db, name, ttl_s, holder) : 0;
}

void lease_release(db_t *db, const char *name) {
    db_stmt_t *s = db_prepare(db, "UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2");
    if (!s) return;
    db_bind_text(s, 1, name, -1);
    db_bind_text(s, 2, lease_self(), -1);
    db_step(s);
    db_reset(s);
}
