/* test_fts_scope.c — the search index's tokenizer (store/fts_scope.h): a
 * phrase of two or more characters finds exactly the rows whose text holds
 * it, as instr() does, in the whole city or under one district or office. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store/fts_scope.h"
#include "test.h"

static const char *const texts[][2] = {
    {"/1/22/38/", "张三与李四物业费纠纷"},
    {"/1/22/39/", "物业费纠纷 (二次)"},
    {"/1/23/40/", "李四与王五邻里纠纷"},
    {"/1/23/40/7/", "村里的物业费"},
    {"/1/", "市局 ab 纠纷"},
    {"/1/22/38/", "ab"},
    {"/1/22/38/", "a"},
    {"/1/23/41/", "Case-Sensitive ABC abc"},
};
#define NTEXTS (int)(sizeof(texts) / sizeof(texts[0]))

static sqlite3 *db_with_texts(void) {
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || fts_scope_register(db) != SQLITE_OK) return NULL;
    if (sqlite3_exec(db, "CREATE VIRTUAL TABLE x USING fts5(a, tokenize='" FTS_SCOPE_TOKENIZER "')", NULL, NULL, NULL))
        return NULL;
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO x (rowid, a) VALUES (?1, char(1) || ?2 || char(1) || ?3)", -1, &st, NULL);
    for (int i = 0; i < NTEXTS; i++) {
        sqlite3_bind_int(st, 1, i + 1);
        sqlite3_bind_text(st, 2, texts[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, texts[i][1], -1, SQLITE_STATIC);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return db;
}

/* The rows (a bit each) a phrase finds, asked under path (NULL: the city). */
static unsigned found(sqlite3 *db, const char *path, const char *q) {
    char phrase[256];
    if (path)
        snprintf(phrase, sizeof(phrase), "\"\1%s\1%s\"", path, q);
    else
        snprintf(phrase, sizeof(phrase), "\"%s\"", q);
    sqlite3_stmt *st = NULL;
    unsigned bits = 0;
    sqlite3_prepare_v2(db, "SELECT rowid FROM x WHERE x MATCH ?1", -1, &st, NULL);
    sqlite3_bind_text(st, 1, phrase, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) bits |= 1u << (sqlite3_column_int(st, 0) - 1);
    sqlite3_finalize(st);
    return bits;
}

/* What instr() finds: the texts under path holding q. */
static unsigned truth(const char *path, const char *q) {
    unsigned bits = 0;
    for (int i = 0; i < NTEXTS; i++)
        if ((!path || strncmp(texts[i][0], path, strlen(path)) == 0) && strstr(texts[i][1], q)) bits |= 1u << i;
    return bits;
}

/* Every substring of every text of 2 to 5 characters (UTF-8 aware). */
TEST(test_every_substring_of_two_characters_or_more_finds_what_instr_finds_in_every_scope) {
    sqlite3 *db = db_with_texts();
    CHECK(db != NULL);
    if (!db) return;
    static const char *const scopes[] = {NULL, "/1/22/", "/1/23/", "/1/22/38/", "/1/23/40/", "/1/23/41/"};
    int checked = 0;
    for (int i = 0; i < NTEXTS; i++) {
        const char *t = texts[i][1];
        int starts[64], n = 0;
        for (int b = 0; t[b] && n < 63; b++)
            if (((unsigned char)t[b] & 0xC0) != 0x80) starts[n++] = b;
        starts[n] = (int)strlen(t);
        for (int a = 0; a < n; a++)
            for (int len = 2; len <= 5 && a + len <= n; len++) {
                char q[64];
                snprintf(q, sizeof(q), "%.*s", starts[a + len] - starts[a], t + starts[a]);
                for (size_t s = 0; s < sizeof(scopes) / sizeof(scopes[0]); s++) {
                    unsigned got = found(db, scopes[s], q), want = truth(scopes[s], q);
                    if (got != want) fprintf(stderr, "  q=%s scope=%s: got %#x, want %#x\n", q, scopes[s], got, want);
                    CHECK(got == want);
                    checked++;
                }
            }
    }
    CHECK(checked > 500);
    /* case-sensitive, and never a text that lacks it */
    CHECK_EQ_INT(found(db, NULL, "ABC"), 1u << 7);
    CHECK_EQ_INT(found(db, NULL, "物业费用"), 0);
    /* an office's path asks the office's and its villages' rows, never a sibling's */
    CHECK_EQ_INT(found(db, "/1/23/40/", "纠纷"), 1u << 2);
    CHECK_EQ_INT(found(db, "/1/23/40/", "物业费"), 1u << 3);
    CHECK_EQ_INT(found(db, "/1/22/", "纠纷"), (1u << 0) | (1u << 1));
    sqlite3_close(db);
}

TEST(test_a_unit_path_names_its_level) {
    CHECK_EQ_INT(fts_scope_depth("/1/22/38/", 9, 1), 6);
    CHECK_EQ_INT(fts_scope_depth("/1/22/38/", 9, 2), 9);
    CHECK_EQ_INT(fts_scope_depth("/1/22/", 6, 2), 0);
    CHECK_EQ_INT(fts_scope_depth("/1/", 3, 1), 0);
}

int main(void) {
    RUN(test_every_substring_of_two_characters_or_more_finds_what_instr_finds_in_every_scope);
    RUN(test_a_unit_path_names_its_level);
    return test_summary();
}
