/* test_calendar.c — the working-day calendar (engine/calendar.h; issue 4
 * point 4): the seeded State Council arrangements, adding and counting
 * working days across holidays and 调休 make-up days, strict dates, and the
 * cache noticing edits.  Runs on a fresh SQLite store, then on a fresh
 * PostgreSQL database when SIFASUO_TEST_PG_URL is set.  Ends with timings
 * of the cached calls against one query per day ("bench:" lines).
 *
 * Expected dates were worked out independently of the seed (a day-by-day
 * count over a published holiday data set). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/calendar.h"
#include "engine/gencache.h"
#include "store/db.h"
#include "test.h"

static db_t *db;
static const char *engine = "sqlite";
static char tmp_dir[64];
static char pg_db[64];

/* The next calendar day, by the C library's UTC arithmetic (independent of
 * the calendar's own). */
static void next_day(char *d) {
    struct tm tm = {.tm_year = atoi(d) - 1900, .tm_mon = atoi(d + 5) - 1, .tm_mday = atoi(d + 8) + 1, .tm_hour = 12};
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    strftime(d, 11, "%Y-%m-%d", &tm);
}

static bool weekend(const char *date) {
    struct tm tm = {.tm_year = atoi(date) - 1900, .tm_mon = atoi(date + 5) - 1, .tm_mday = atoi(date + 8), .tm_hour = 12};
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    return tm.tm_wday == 0 || tm.tm_wday == 6;
}

static const char *add(const char *date, int n) {
    static char out[11];
    if (cal_add_workdays(db, date, n, out) != 0) return "(error)";
    return out;
}

TEST(test_national_day_2024_and_its_make_up_days) {
    CHECK(cal_is_workday(db, "2024-09-29")); /* Sunday, 调休上班 */
    CHECK(cal_is_workday(db, "2024-10-12")); /* Saturday, 调休上班 */
    CHECK(!cal_is_workday(db, "2024-09-28")); /* an ordinary Saturday */
    char d[24];
    for (int day = 1; day <= 7; day++) {
        snprintf(d, sizeof(d), "2024-10-%02d", day);
        CHECK(!cal_is_workday(db, d));
        CHECK_EQ_INT(cal_day_kind(db, d), 0);
    }
    CHECK(cal_is_workday(db, "2024-10-08"));
    CHECK(cal_is_workday(db, "2024-09-30")); /* an ordinary Monday */
}

TEST(test_spring_festival_2024_holidays_and_make_up_days) {
    CHECK(cal_is_workday(db, "2024-02-04")); /* Sunday before */
    CHECK(cal_is_workday(db, "2024-02-18")); /* Sunday after */
    CHECK(cal_is_workday(db, "2024-02-09")); /* 除夕 was not a day off in 2024 */
    CHECK(!cal_is_workday(db, "2024-02-10"));
    CHECK(!cal_is_workday(db, "2024-02-15"));
    CHECK(!cal_is_workday(db, "2024-02-16"));
    CHECK(!cal_is_workday(db, "2024-02-17"));
    CHECK(cal_is_workday(db, "2024-02-19"));
}

TEST(test_add_workdays_skips_holidays_and_counts_make_up_days) {
    CHECK_EQ_STR(add("2024-09-27", 1), "2024-09-29"); /* Friday → the make-up Sunday */
    CHECK_EQ_STR(add("2024-09-30", 1), "2024-10-08");
    CHECK_EQ_STR(add("2024-09-30", 0), "2024-09-30"); /* the start day is not counted */
    CHECK_EQ_STR(add("2024-10-03", 0), "2024-10-03"); /* even when it is a holiday */
    CHECK_EQ_STR(add("2024-10-03", 1), "2024-10-08");
    CHECK_EQ_STR(add("2023-09-28", 1), "2023-10-07"); /* 中秋国庆 2023 → make-up Saturday */
    CHECK_EQ_STR(add("2025-01-27", 1), "2025-02-05"); /* 春节 2025 (with 除夕) */
    CHECK_EQ_STR(add("2025-12-31", 1), "2026-01-04"); /* 元旦 2026 → make-up Sunday */
    CHECK_EQ_STR(add("2022-12-30", 1), "2023-01-03"); /* 元旦 2023 began on 2022-12-31 */
}

TEST(test_thirty_working_days_across_spring_festival) {
    CHECK_EQ_STR(add("2024-02-01", 30), "2024-03-19");
    CHECK_EQ_INT(cal_workdays_between(db, "2024-02-01", "2024-03-19"), 30);
    CHECK_EQ_STR(add("2026-02-10", 30), "2026-03-30"); /* the nine-day 春节 of 2026 */
    CHECK_EQ_INT(cal_workdays_between(db, "2026-02-10", "2026-03-30"), 30);
}

TEST(test_working_days_per_year_match_the_notices) {
    const struct {
        int year, days;
    } want[] = {{2022, 249}, {2023, 249}, {2024, 251}, {2025, 248}, {2026, 248}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char from[24], to[24];
        snprintf(from, sizeof(from), "%04d-12-31", want[i].year - 1);
        snprintf(to, sizeof(to), "%04d-12-31", want[i].year);
        CHECK_EQ_INT(cal_workdays_between(db, from, to), want[i].days);
    }
}

/* Each notice gives the statutory days off: weekday holidays minus make-up
 * days equal 11 a year until 2024 and 13 from 2025; make-up days are always
 * weekends; 2027 is provisional and says so. */
TEST(test_seed_is_consistent_with_the_statutory_days) {
    const int statutory[] = {11, 11, 11, 13, 13};
    for (int y = 2022; y <= 2026; y++) {
        char from[24], to[24];
        snprintf(from, sizeof(from), "%04d-12-31", y - 1);
        snprintf(to, sizeof(to), "%04d-12-31", y);
        db_stmt_t *s = db_prepare(db, "SELECT date, kind FROM holidays WHERE date > $1 AND date <= $2");
        CHECK(s != NULL);
        if (!s) return;
        db_bind_text(s, 1, from, -1);
        db_bind_text(s, 2, to, -1);
        int net = 0;
        while (db_step(s) == DB_ROW) {
            const char *date = db_col_text(s, 0), *kind = db_col_text(s, 1);
            bool we = weekend(date);
            if (!strcmp(kind, "workday")) {
                CHECK(we);
                if (!we) fprintf(stderr, "  make-up day on a weekday: %s\n", date);
                net--;
            } else if (!we) {
                net++;
            }
        }
        db_reset(s);
        CHECK_EQ_INT(net, statutory[y - 2022]);
    }
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM holidays WHERE date >= '2027-01-01' AND source NOT LIKE '暂定%'", -1), 0);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM holidays WHERE date >= '2027-01-01'", -1), 13);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM holidays WHERE date < '2027-01-01' AND source NOT LIKE "
                                  "'国务院办公厅关于20__年部分节假日安排的通知'", -1),
                 0);
}

TEST(test_workdays_between_agrees_with_add_and_a_day_by_day_count) {
    /* walk 2021-12-31 … 2028-01-10 a day at a time: cal_add_workdays(start, n)
     * must land on the n-th working day seen, and the counts must agree */
    const char *start = "2021-12-31";
    char day[11], want[11];
    snprintf(day, sizeof(day), "%s", start);
    int n = 0, mismatches = 0;
    while (strcmp(day, "2028-01-10") < 0) {
        next_day(day);
        if (!cal_is_workday(db, day)) continue;
        n++;
        if (cal_add_workdays(db, start, n, want) != 0 || strcmp(want, day) != 0) mismatches++;
        if (cal_workdays_between(db, start, day) != n || cal_workdays_between(db, day, start) != -n) mismatches++;
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(n > 1500);
    /* from many starts, short hops: between(d, add(d, k)) = k */
    const char *starts[] = {"2022-01-28", "2023-04-20", "2023-09-25", "2024-02-02", "2024-09-28",
                            "2025-01-20", "2025-09-26", "2026-02-12", "2027-04-30", "2027-09-30"};
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
        for (int k = 0; k <= 40; k++) {
            char to[11];
            CHECK_EQ_INT(cal_add_workdays(db, starts[i], k, to), 0);
            CHECK_EQ_INT(cal_workdays_between(db, starts[i], to), k);
            if (k > 0) CHECK(cal_is_workday(db, to));
        }
    CHECK_EQ_INT(cal_workdays_between(db, "2024-10-01", "2024-10-01"), 0);
    CHECK_EQ_INT(cal_workdays_between(db, "2024-09-30", "2024-10-08"), 1);
    CHECK_EQ_INT(cal_workdays_between(db, "2024-09-28", "2024-09-29"), 1);
}

TEST(test_leap_years_and_centuries_follow_the_gregorian_calendar) {
    /* no rows so far out: the weekday rule alone */
    CHECK_EQ_STR(add("2000-02-25", 2), "2000-02-29"); /* 2000 was a leap year */
    CHECK_EQ_STR(add("2100-02-26", 1), "2100-03-01"); /* 2100 will not be */
    CHECK_EQ_STR(add("2100-02-26", 3), "2100-03-03");
    CHECK(cal_is_workday(db, "1900-01-01"));  /* a Monday */
    CHECK(!cal_is_workday(db, "1970-01-03")); /* a Saturday before and after the epoch */
    CHECK(cal_is_workday(db, "1969-12-31"));
    CHECK(cal_is_workday(db, "2999-12-31")); /* a Tuesday */
    CHECK_EQ_STR(add("2999-12-28", 2), "2999-12-31");
    char out[11] = "x";
    CHECK_EQ_INT(cal_add_workdays(db, "2999-12-28", 3, out), -1); /* past the last supported day */
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(cal_workdays_between(db, "1900-01-01", "2999-12-31") > 280000, 1);
}

TEST(test_bad_dates_are_refused) {
    const char *bad[] = {"2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "2024-01-1",
                         "", "abcd-ef-gh", "2024-10-01x", "2024/10/01", " 2024-10-01", "1899-12-31",
                         "3000-01-01", "+024-10-01", "2024-10-0\xe4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char out[11] = "x";
        CHECK_EQ_INT(cal_day_kind(db, bad[i]), -1);
        CHECK(!cal_is_workday(db, bad[i]));
        CHECK_EQ_INT(cal_add_workdays(db, bad[i], 1, out), -1);
        CHECK_EQ_STR(out, "");
        CHECK_EQ_INT(cal_workdays_between(db, bad[i], "2024-10-08"), CAL_ERR);
        CHECK_EQ_INT(cal_workdays_between(db, "2024-10-08", bad[i]), CAL_ERR);
    }
    char out[11];
    CHECK_EQ_INT(cal_day_kind(db, NULL), -1);
    CHECK_EQ_INT(cal_add_workdays(db, "2024-10-08", -1, out), -1);
    CHECK_EQ_INT(cal_add_workdays(db, "2024-10-08", CAL_MAX_DAYS + 1, out), -1);
    CHECK_EQ_INT(cal_add_workdays(db, "2024-10-08", CAL_MAX_DAYS, out), 0);
}

/* An edit the API makes is seen at once (cal_invalidate); one made behind
 * the process's back (another server, an SQL console) within the check
 * interval, through the generation the triggers bump. */
static double now_s(void);

TEST(test_cache_sees_edits) {
    CHECK(cal_is_workday(db, "2024-11-05"));
    CHECK_EQ_INT(db_exec(db, "INSERT INTO holidays (date, kind, name, source) VALUES ('2024-11-05', 'holiday', '测试', 't')"), 0);
    cal_invalidate();
    double loaded = now_s(); /* the next call reloads: its check is no older than this */
    CHECK(!cal_is_workday(db, "2024-11-05"));
    CHECK_EQ_INT(cal_workdays_between(db, "2024-11-04", "2024-11-06"), 1);
    CHECK_EQ_INT(db_exec(db, "DELETE FROM holidays WHERE date = '2024-11-05'"), 0);
    bool stale = !cal_is_workday(db, "2024-11-05");
    /* cached: no query per call — asserted only when the check interval
     * has not passed since the reload (a stalled machine may pass it) */
    if ((now_s() - loaded) * 1000 < GENCACHE_CHECK_MS - 50) CHECK(stale); /* (its clock is coarse) */
    usleep((GENCACHE_CHECK_MS + 100) * 1000);
    CHECK(cal_is_workday(db, "2024-11-05")); /* the generation moved */
    CHECK_EQ_INT(cal_workdays_between(db, "2024-11-04", "2024-11-06"), 2);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Not a pass/fail test: the numbers for the report. */
TEST(test_bench_cached_calls_against_a_query_per_day) {
    const int N = 1000000;
    char d[24];
    double t = now_s();
    int hits = 0;
    for (int i = 0; i < N; i++) hits += cal_is_workday(db, i & 1 ? "2024-10-03" : "2024-10-08");
    double is_ns = (now_s() - t) / N * 1e9;
    CHECK_EQ_INT(hits, N / 2);
    t = now_s();
    for (int i = 0; i < 100000; i++) cal_add_workdays(db, "2024-09-20", 30, d);
    double add_us = (now_s() - t) / 100000 * 1e6;
    t = now_s();
    for (int i = 0; i < 100000; i++) cal_workdays_between(db, "2022-01-01", "2027-12-31");
    double between_ns = (now_s() - t) / 100000 * 1e9;
    /* the uncached way: one query per calendar day, 30 working days ≈ 44 days */
    db_stmt_t *s = db_prepare(db, "SELECT kind FROM holidays WHERE date = $1");
    CHECK(s != NULL);
    if (!s) return;
    const int Q = 2000;
    t = now_s();
    for (int i = 0; i < Q; i++) {
        snprintf(d, sizeof(d), "2024-10-%02d", 1 + i % 28);
        db_bind_text(s, 1, d, -1);
        db_step(s);
        db_reset(s);
    }
    double query_us = (now_s() - t) / Q * 1e6;
    printf("bench: %s: cal_is_workday %.0f ns; cal_add_workdays(30) %.2f us; cal_workdays_between(6 years) %.0f ns; "
           "one SELECT per day %.1f us, so add(30) uncached ~%.0f us\n",
           engine, is_ns, add_us, between_ns, query_us, query_us * 44);
}

static void run_all(void) {
    cal_invalidate(); /* a new store: drop the previous one's calendar */
    RUN(test_national_day_2024_and_its_make_up_days);
    RUN(test_spring_festival_2024_holidays_and_make_up_days);
    RUN(test_add_workdays_skips_holidays_and_counts_make_up_days);
    RUN(test_thirty_working_days_across_spring_festival);
    RUN(test_working_days_per_year_match_the_notices);
    RUN(test_seed_is_consistent_with_the_statutory_days);
    RUN(test_workdays_between_agrees_with_add_and_a_day_by_day_count);
    RUN(test_leap_years_and_centuries_follow_the_gregorian_calendar);
    RUN(test_bad_dates_are_refused);
    RUN(test_cache_sees_edits);
    RUN(test_bench_cached_calls_against_a_query_per_day);
}

/* Opens and migrates url into db; false with the reason on stderr. */
static bool open_store(const char *url) {
    char err[512];
    if (db_open(url, &db, err, sizeof(err)) != 0 || db_migrate(db, err, sizeof(err)) != 0) {
        fprintf(stderr, "  store %s: %s\n", url, err);
        if (db) db_close(db);
        db = NULL;
        test_failed++;
        return false;
    }
    return true;
}

int main(void) {
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/sifasuo-test-cal-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    char url[600];
    snprintf(url, sizeof(url), "sqlite:%s/cal.db", tmp_dir);
    if (open_store(url)) {
        run_all();
        db_close(db);
    }
    const char *pg = getenv("SIFASUO_TEST_PG_URL");
    if (pg && *pg) {
        engine = "postgresql";
        char err[512], sql[160];
        db_t *admin = NULL;
        snprintf(pg_db, sizeof(pg_db), "sifasuo_test_cal_%d", (int)getpid());
        const char *slash = strrchr(pg, '/');
        if (db_open(pg, &admin, err, sizeof(err)) != 0 || !slash) {
            fprintf(stderr, "  %s\n", err);
            test_failed++;
        } else {
            snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_db);
            if (db_exec(admin, sql) != 0) {
                fprintf(stderr, "  %s: %s\n", sql, db_errmsg(admin));
                test_failed++;
            } else {
                snprintf(url, sizeof(url), "%.*s/%s", (int)(slash - pg), pg, pg_db);
                if (open_store(url)) {
                    run_all();
                    db_close(db);
                }
                snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", pg_db);
                db_exec(admin, sql);
            }
            db_close(admin);
        }
    } else {
        engine = "postgresql";
        test_skip_begin(TEST_NO_PG);
        run_all();
        test_skip_end();
    }
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
    return test_summary();
}
