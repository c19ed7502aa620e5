/* test.h — a tiny unit-test runner whose closing line CI reads:
 *   "N passed, N failed".
 *   "N passed, N failed, N skipped".
 * Usage:
 *   TEST(name) { CHECK(expr); CHECK_EQ_STR(a, b); CHECK_EQ_INT(a, b); }
 *   int main(void) { RUN(name); ...; return test_summary(); }
 * Between test_skip_begin("reason") and test_skip_end() RUN does not run
 * the test but reports it skipped, with the reason (a PostgreSQL pass
 * without SIFASUO_TEST_PG_URL), so the count says what did not run. */
#ifndef SFS_TEST_H
#define SFS_TEST_H
#include <stdio.h>
#include <string.h>

static int test_passed, test_failed, test_skipped, test_cur_failed;
static const char *test_cur, *test_skip_reason;

#define TEST(name) static void name(void)
#define CHECK(expr)                                                                                                    \
    do {                                                                                                               \
        if (!(expr)) {                                                                                                 \
            fprintf(stderr, "  FAIL %s (%s:%d): %s\n", test_cur, __FILE__, __LINE__, #expr);                           \
            test_cur_failed = 1;                                                                                       \
        }                                                                                                              \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                                                             \
    do {                                                                                                               \
        long long _a = (long long)(a), _b = (long long)(b);                                                            \
        if (_a != _b) {                                                                                                \
            fprintf(stderr, "  FAIL %s (%s:%d): %s == %lld, want %lld\n", test_cur, __FILE__, __LINE__, #a, _a, _b);   \
            test_cur_failed = 1;                                                                                       \
        }                                                                                                              \
    } while (0)
#define CHECK_EQ_STR(a, b)                                                                                             \
    do {                                                                                                               \
        const char *_a = (a), *_b = (b);                                                                               \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                                                                       \
            fprintf(stderr, "  FAIL %s (%s:%d): %s == \"%s\", want \"%s\"\n", test_cur, __FILE__, __LINE__, #a,        \
                    _a ? _a : "(null)", _b ? _b : "(null)");                                                           \
            test_cur_failed = 1;                                                                                       \
        }                                                                                                              \
    } while (0)
#define RUN(name)                                                                                                      \
    do {                                                                                                               \
        if (test_skip_reason) {                                                                                        \
            test_skipped++;                                                                                            \
            printf("skip %s (%s)\n", #name, test_skip_reason);                                                         \
            break;                                                                                                     \
        }                                                                                                              \
        test_cur = #name;                                                                                              \
        test_cur_failed = 0;                                                                                           \
        name();                                                                                                        \
        if (test_cur_failed) test_failed++;                                                                            \
        else test_passed++;                                                                                            \
        printf("%s %s\n", test_cur_failed ? "FAIL" : "ok  ", #name);                                                   \
    } while (0)
static inline void test_skip_begin(const char *reason) { test_skip_reason = reason; }
static inline void test_skip_end(void) { test_skip_reason = NULL; }
#define TEST_NO_PG "SIFASUO_TEST_PG_URL 未设置: 不在 PostgreSQL 上运行"
static inline int test_summary(void) {
    printf("%d passed, %d failed, %d skipped\n", test_passed, test_failed, test_skipped);
    return test_failed ? 1 : 0;
}
#endif
