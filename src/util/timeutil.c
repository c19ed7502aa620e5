#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t now_unix(void) {
    const char *pin = getenv("SIFASUO_NOW");
    int64_t t;
    if (pin && unix_from_iso(pin, &t)) return t;
    return (int64_t)time(NULL);
}

void iso_from_unix(int64_t t, char out[21]) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int days_in_month(int y, int m) {
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return d[m - 1];
}

static bool digits(const char *s, int n) {
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

bool date_valid(const char *s) {
    if (!s || strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
        return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool unix_from_iso(const char *s, int64_t *t) {
    if (!s || strlen(s) < 10) return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!date_valid(date)) return false;
    struct tm tm = {0};
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (strlen(p) < 8 || !digits(p, 2) || p[2] != ':' || !digits(p + 3, 2) || p[5] != ':' || !digits(p + 6, 2))
            return false;
        tm.tm_hour = atoi(p);
        tm.tm_min = atoi(p + 3);
        tm.tm_sec = atoi(p + 6);
        p += 8;
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++) {
            }
        if (*p == 'Z') p++;
        else if (strncmp(p, "+00", 3) == 0) p += strncmp(p, "+00:00", 6) == 0 ? 6 : 3;
    }
    if (*p) return false;
    *t = (int64_t)timegm(&tm);
    return true;
}
