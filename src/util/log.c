#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void time_iso_utc(char *out, int ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 21, "%Y-%m-%dT%H:%M:%S", &tm);
    if (ms) {
        int m = (int)(ts.tv_nsec / 1000000) % 1000;
        out[n++] = '.';
        out[n++] = (char)('0' + m / 100);
        out[n++] = (char)('0' + m / 10 % 10);
        out[n++] = (char)('0' + m % 10);
    }
    out[n++] = 'Z';
    out[n] = '\0';
}

long long time_mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

__attribute__((format(printf, 2, 0))) static void vlog(const char *level, const char *fmt, va_list ap) {
    char line[2048], now[25];
    time_iso_utc(now, 0);
    int n = snprintf(line, sizeof(line), "%s %s ", now, level);
    if (n < 0) return;
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    /* one fputs per line: stdio locks the stream, so lines never interleave */
    fprintf(stderr, "%s\n", line);
}

#define LOGFN(name, level)                                                                                             \
    void name(const char *fmt, ...) {                                                                                  \
        va_list ap;                                                                                                    \
        va_start(ap, fmt);                                                                                             \
        vlog(level, fmt, ap);                                                                                          \
        va_end(ap);                                                                                                    \
    }
LOGFN(log_info, "INFO")
LOGFN(log_warn, "WARN")
LOGFN(log_error, "ERROR")
