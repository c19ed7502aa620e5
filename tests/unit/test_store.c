/* test_store.c — the store interface (db.h) behaves the same on both drivers.
 * Every engine test runs on a fresh SQLite file, then again on a fresh
 * PostgreSQL database when SIFASUO_TEST_PG_URL is set (created here, dropped
 * afterwards).  Engine-specific behaviour is pinned by tests named _pg. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/db.h"
#include "store/migrations.h"
#include "test.h"
#include "util/buf.h"

static db_t *db;   /* the engine under test */
static bool is_pg; /* db is PostgreSQL */
static char tmpdir[64];
static char pg_base[512]; /* SIFASUO_TEST_PG_URL */
static char pg_db_name[64];

/* Runs a script written with the migration tokens (@PK@, @TS@, …) on db. */
static int exec_tokens(db_t *d, const char *sql) {
    buf_t b = BUF_INIT;
    migration_render(sql, db_kind(d), &b);
    int rc = db_exec(d, b.data);
    if (rc != 0) fprintf(stderr, "  exec failed: %s\n", db_errmsg(d));
    buf_free(&b);
    return rc;
}

static int64_t count_rows(const char *sql) { return db_query_int(db, sql, -1); }

/* Inserts (id, code) into a table with a unique code; returns db_step's code. */
static int insert_code(const char *table_sql, int64_t id, const char *code) {
    db_stmt_t *s = db_prepare(db, table_sql);
    if (!s) return DB_ERR;
    db_bind_int(s, 1, id);
    db_bind_text(s, 2, code, -1);
    int rc = db_step(s);
    db_reset(s);
    return rc;
}

/* --- engine-independent ---------------------------------------------------- */

TEST(test_redact_url_hides_passwords) {
    char out[256];
    db_redact_url("postgresql://u:secret@db.example:5432/x", out, sizeof(out));
    CHECK_EQ_STR(out, "postgresql://u:***@db.example:5432/x");
    db_redact_url("postgresql://u@h/x", out, sizeof(out));
    CHECK_EQ_STR(out, "postgresql://u@h/x");
    db_redact_url("postgres://h/x?sslmode=require&password=secret&connect_timeout=3", out, sizeof(out));
    CHECK(strstr(out, "secret") == NULL);
    CHECK(strstr(out, "connect_timeout=3") != NULL);
    db_redact_url("sqlite:var/sifasuo.db", out, sizeof(out));
    CHECK_EQ_STR(out, "sqlite:var/sifasuo.db");
}

TEST(test_pg_open_failure_names_host_and_hides_password) {
    db_t *d = NULL;
    char err[512] = "";
    int rc = db_open("postgresql://u:secret@127.0.0.1:1/x", &d, err, sizeof(err));
    CHECK(rc != 0);
    CHECK(d == NULL);
    CHECK(strstr(err, "无法连接数据库") != NULL);
    CHECK(strstr(err, "127.0.0.1") != NULL);
    CHECK(strstr(err, "secret") == NULL);
    CHECK(strchr(err, '\n') == NULL);
    if (d) db_close(d);
}

TEST(test_sqlite_open_of_directory_fails_with_one_line) {
    db_t *d = NULL;
    char url[128], err[512] = "";
    snprintf(url, sizeof(url), "sqlite:%s", tmpdir);
    int rc = db_open(url, &d, err, sizeof(err));
    CHECK(rc != 0);
    CHECK(d == NULL);
    CHECK(*err != '\0');
    CHECK(strstr(err, tmpdir) != NULL);
    CHECK(strchr(err, '\n') == NULL);
    if (d) db_close(d);
}

TEST(test_unknown_url_scheme_is_refused) {
    db_t *d = NULL;
    char err[512] = "";
    CHECK(db_open("mysql://u:secret@h/x", &d, err, sizeof(err)) != 0);
    CHECK(strstr(err, "secret") == NULL);
}

/* --- on each engine -------------------------------------------------------- */

TEST(test_ints_text_and_null_round_trip) {
    CHECK_EQ_INT(exec_tokens(db, "CREATE TABLE st_values (id @PK@, n BIGINT, t TEXT, u TEXT)"), 0);
    db_stmt_t *s = db_prepare(db, "INSERT INTO st_values (n, t, u) VALUES ($1, $2, $3)");
    CHECK(s != NULL);
    if (!s) return;
    const int64_t nums[] = {0, -1, 42, INT64_MAX, INT64_MIN};
    const char *texts[] = {"", "plain", "人民调解委员会 · 纠纷", "it's \"quoted\" \\ $1", "x"};
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(db_bind_int(s, 1, nums[i]), DB_OK);
        CHECK_EQ_INT(db_bind_text(s, 2, texts[i], -1), DB_OK);
        if (i % 2)
            CHECK_EQ_INT(db_bind_null(s, 3), DB_OK);
        else
            CHECK_EQ_INT(db_bind_text(s, 3, NULL, -1), DB_OK); /* NULL text is SQL NULL */
        CHECK_EQ_INT(db_step(s), DB_DONE);
        CHECK_EQ_INT(db_changes(s), 1);
        db_reset(s);
    }
    s = db_prepare(db, "SELECT id, n, t, u FROM st_values ORDER BY id");
    CHECK(s != NULL);
    if (!s) return;
    CHECK_EQ_INT(db_column_count(s), 4);
    CHECK_EQ_STR(db_column_name(s, 2), "t");
    for (int i = 0; i < 5; i++) {
        CHECK_EQ_INT(db_step(s), DB_ROW);
        CHECK_EQ_INT(db_col_int(s, 0), i + 1);
        CHECK_EQ_INT(db_col_int(s, 1), nums[i]);
        CHECK(!db_col_null(s, 2));
        CHECK_EQ_STR(db_col_text(s, 2), texts[i]);
        CHECK_EQ_INT(db_col_len(s, 2), strlen(texts[i]));
        CHECK(db_col_null(s, 3));
        CHECK(db_col_text(s, 3) == NULL);
    }
    CHECK_EQ_INT(db_step(s), DB_DONE);
    CHECK_EQ_INT(db_column_count(s), 4);
    db_reset(s);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_values"), 0);
}

TEST(test_blobs_round_trip_every_byte) {
    CHECK_EQ_INT(exec_tokens(db, "CREATE TABLE st_blobs (id INTEGER PRIMARY KEY, b @BLOB@)"), 0);
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)(255 - i); /* includes NUL bytes and \x5c */
    db_stmt_t *s = db_prepare(db, "INSERT INTO st_blobs (id, b) VALUES ($1, $2)");
    CHECK(s != NULL);
    if (!s) return;
    db_bind_int(s, 1, 1);
    CHECK_EQ_INT(db_bind_blob(s, 2, all, sizeof(all)), DB_OK);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    db_bind_int(s, 1, 2);
    CHECK_EQ_INT(db_bind_blob(s, 2, "", 0), DB_OK); /* empty, not NULL */
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    db_bind_int(s, 1, 3);
    db_bind_null(s, 2);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);

    s = db_prepare(db, "SELECT b FROM st_blobs ORDER BY id");
    CHECK(s != NULL);
    if (!s) return;
    size_t len = 99;
    CHECK_EQ_INT(db_step(s), DB_ROW);
    const void *b = db_col_blob(s, 0, &len);
    CHECK_EQ_INT(len, sizeof(all));
    CHECK(b && memcmp(b, all, sizeof(all)) == 0);
    CHECK_EQ_INT(db_col_len(s, 0), sizeof(all));
    CHECK(db_col_blob(s, 0, &len) == b); /* decoded once per row */
    CHECK_EQ_INT(db_step(s), DB_ROW);
    CHECK(!db_col_null(s, 0));
    db_col_blob(s, 0, &len);
    CHECK_EQ_INT(len, 0);
    CHECK_EQ_INT(db_step(s), DB_ROW);
    CHECK(db_col_null(s, 0));
    CHECK(db_col_blob(s, 0, &len) == NULL);
    CHECK_EQ_INT(len, 0);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_blobs"), 0);
}

TEST(test_parameter_two_before_parameter_one) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_order (a TEXT NOT NULL, b BIGINT NOT NULL)"), 0);
    db_stmt_t *s = db_prepare(db, "INSERT INTO st_order (a, b) VALUES ($2, $1)");
    CHECK(s != NULL);
    if (!s) return;
    db_bind_int(s, 1, 7);
    db_bind_text(s, 2, "七", -1);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    s = db_prepare(db, "SELECT b, a FROM st_order WHERE a = $2 AND b = $1");
    CHECK(s != NULL);
    if (!s) return;
    db_bind_int(s, 1, 7);
    db_bind_text(s, 2, "七", -1);
    CHECK_EQ_INT(db_step(s), DB_ROW);
    CHECK_EQ_INT(db_col_int(s, 0), 7);
    CHECK_EQ_STR(db_col_text(s, 1), "七");
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    /* the same parameter used twice */
    s = db_prepare(db, "SELECT COUNT(*) FROM st_order WHERE b = $1 OR b = $1 + 1");
    CHECK(s != NULL);
    if (!s) return;
    db_bind_int(s, 1, 6);
    CHECK_EQ_INT(db_step(s), DB_ROW);
    CHECK_EQ_INT(db_col_int(s, 0), 1);
    db_reset(s);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_order"), 0);
}

TEST(test_bind_out_of_range_is_an_error) {
    db_stmt_t *s = db_prepare(db, "SELECT CAST($1 AS TEXT)");
    CHECK(s != NULL);
    if (!s) return;
    CHECK(db_bind_int(s, 2, 1) < 0);
    CHECK(db_bind_int(s, 0, 1) < 0);
    CHECK(db_bind_text(s, 5, "x", -1) < 0);
    CHECK_EQ_INT(db_bind_text(s, 1, "x", -1), DB_OK);
    CHECK_EQ_INT(db_step(s), DB_ROW);
    CHECK_EQ_STR(db_col_text(s, 0), "x");
    db_reset(s);
}

/* db_prepare_custom: the same rows, and on PostgreSQL every execution is
 * planned with its values, never by the server's named statement (whose
 * plan counters stay 0) — the plain statement's count its executions. */
TEST(test_custom_plan_statement_runs_unnamed) {
    const char *custom = "SELECT CAST($1 AS BIGINT) + 1, CAST($2 AS TEXT)";
    const char *plain = "SELECT CAST($1 AS BIGINT) + 2, CAST($2 AS TEXT)";
    for (int i = 0; i < 7; i++) {
        db_stmt_t *s = db_prepare_custom(db, custom);
        CHECK(s != NULL);
        if (!s) return;
        db_bind_int(s, 1, i);
        db_bind_text(s, 2, i % 2 ? "单" : NULL, -1);
        CHECK_EQ_INT(db_step(s), DB_ROW);
        CHECK_EQ_INT(db_col_int(s, 0), i + 1);
        CHECK(i % 2 ? db_col_text(s, 1) && strcmp(db_col_text(s, 1), "单") == 0 : db_col_null(s, 1));
        CHECK_EQ_INT(db_step(s), DB_DONE);
        db_reset(s);
        s = db_prepare(db, plain);
        db_bind_int(s, 1, i);
        db_bind_text(s, 2, "x", -1);
        CHECK_EQ_INT(db_step(s), DB_ROW);
        CHECK_EQ_INT(db_col_int(s, 0), i + 2);
        db_reset(s);
    }
    if (!is_pg) return;
    db_stmt_t *q =
        db_prepare(db, "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = $1");
    CHECK(q != NULL);
    if (!q) return;
    db_bind_text(q, 1, custom, -1);
    CHECK_EQ_INT(db_step(q), DB_ROW);
    CHECK_EQ_INT(db_col_int(q, 0), 0);
    db_reset(q);
    db_bind_text(q, 1, plain, -1);
    CHECK_EQ_INT(db_step(q), DB_ROW);
    CHECK_EQ_INT(db_col_int(q, 0), 7);
    db_reset(q);
}

TEST(test_statement_cache_reuses_and_rebinds) {
    const char *sql = "SELECT CAST($1 AS BIGINT) * 2";
    const char *count_sql = "SELECT COUNT(*) FROM pg_prepared_statements";
    if (is_pg) count_rows(count_sql); /* prepares the counting statement itself */
    int64_t before = is_pg ? count_rows(count_sql) : 0;
    db_stmt_t *a = db_prepare(db, sql);
    CHECK(a != NULL);
    if (!a) return;
    db_bind_int(a, 1, 21);
    CHECK_EQ_INT(db_step(a), DB_ROW);
    CHECK_EQ_INT(db_col_int(a, 0), 42);
    db_reset(a);
    db_stmt_t *b = db_prepare(db, sql);
    CHECK(a == b);
    db_bind_int(b, 1, 5);
    CHECK_EQ_INT(db_step(b), DB_ROW);
    CHECK_EQ_INT(db_col_int(b, 0), 10);
    /* preparing again while rows are pending hands it back reset */
    db_stmt_t *c = db_prepare(db, sql);
    CHECK(c == a);
    db_bind_int(c, 1, 1);
    CHECK_EQ_INT(db_step(c), DB_ROW);
    CHECK_EQ_INT(db_col_int(c, 0), 2);
    db_reset(c);
    /* a copy of the text (different pointer) finds the same statement */
    char copy[64];
    snprintf(copy, sizeof(copy), "%s", sql);
    CHECK(db_prepare(db, copy) == a);
    db_reset(a);
    if (is_pg) CHECK_EQ_INT(count_rows(count_sql), before + 1); /* one server-side statement */
}

/* issue 15: a statement held with rows still to read survives more than the
 * cache's size of other statements prepared meanwhile (it used to be evicted
 * and freed under its holder: a heap use-after-free under ASan). */
#define OTHERS 5000
static const char *const three_rows =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n";

TEST(test_held_statement_survives_5000_others) {
    db_stmt_t *held = db_prepare(db, three_rows);
    CHECK(held != NULL);
    if (!held) return;
    CHECK_EQ_INT(db_step(held), DB_ROW);
    CHECK_EQ_INT(db_col_int(held, 0), 1);
    char sql[64];
    int ok = 0;
    for (int i = 0; i < OTHERS; i++) {
        snprintf(sql, sizeof(sql), "SELECT %d + CAST($1 AS BIGINT)", i);
        db_stmt_t *s = db_prepare(db, sql);
        if (!s) continue;
        db_bind_int(s, 1, 1);
        if (db_step(s) == DB_ROW && db_col_int(s, 0) == i + 1) ok++;
        db_reset(s);
    }
    CHECK_EQ_INT(ok, OTHERS);
    CHECK_EQ_INT(db_step(held), DB_ROW);
    CHECK_EQ_INT(db_col_int(held, 0), 2);
    CHECK_EQ_INT(db_step(held), DB_ROW);
    CHECK_EQ_INT(db_col_int(held, 0), 3);
    CHECK_EQ_INT(db_step(held), DB_DONE);
    db_reset(held);
    CHECK(db_prepare(db, three_rows) == held); /* still the cached one */
    db_reset(held);
    if (is_pg) /* evicted statements are gone from the server too */
        CHECK(count_rows("SELECT COUNT(*) FROM pg_prepared_statements") <= 520); /* 512 slots */
}

/* More statements in use at once than the cache has slots: it grows, and
 * every one keeps its own binding and rows. */
#define HELD 700
TEST(test_more_statements_held_than_cache_slots_all_stay_valid) {
    static db_stmt_t *s[HELD];
    char sql[64];
    int prepared = 0;
    for (int i = 0; i < HELD; i++) {
        snprintf(sql, sizeof(sql), "SELECT %d * CAST($1 AS BIGINT) UNION ALL SELECT -1", i);
        s[i] = db_prepare(db, sql);
        if (!s[i]) break;
        prepared++;
        db_bind_int(s[i], 1, 2);
        CHECK_EQ_INT(db_step(s[i]), DB_ROW);
    }
    CHECK_EQ_INT(prepared, HELD);
    int ok = 0;
    for (int i = 0; i < prepared; i++) {
        if (db_col_int(s[i], 0) == 2 * i && db_step(s[i]) == DB_ROW && db_col_int(s[i], 0) == -1 &&
            db_step(s[i]) == DB_DONE)
            ok++;
        db_reset(s[i]);
    }
    CHECK_EQ_INT(ok, HELD);
}

TEST(test_bad_sql_fails_to_prepare_with_message) {
    CHECK(db_prepare(db, "SELEKT nonsense") == NULL);
    CHECK(*db_errmsg(db) != '\0');
    CHECK(db_ping(db));
}

static const char *unique_insert = "INSERT INTO st_unique (id, code) VALUES ($1, $2)";

/* A unique violation is its own code (the engine answers it 409), other
 * constraints stay DB_CONSTRAINT. */
TEST(test_unique_violation_is_db_unique_and_connection_survives) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_unique (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)"), 0);
    CHECK_EQ_INT(insert_code(unique_insert, 1, "A-1"), DB_DONE);
    CHECK_EQ_INT(insert_code(unique_insert, 2, "A-1"), DB_UNIQUE);
    CHECK(*db_errmsg(db) != '\0');
    CHECK_EQ_INT(insert_code(unique_insert, 1, "A-2"), DB_UNIQUE);    /* primary key */
    CHECK_EQ_INT(insert_code(unique_insert, 3, NULL), DB_CONSTRAINT); /* NOT NULL */
    CHECK(db_is_constraint(DB_UNIQUE) && db_is_constraint(DB_CONSTRAINT) && !db_is_constraint(DB_ERR));
    CHECK_EQ_INT(db_exec(db, "INSERT INTO st_unique (id, code) VALUES (4, 'A-1')"), DB_UNIQUE);
    CHECK_EQ_INT(insert_code(unique_insert, 2, "A-2"), DB_DONE);
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_unique"), 2);
    CHECK(db_ping(db));
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_unique"), 0);
}

TEST(test_changes_counts_updated_and_deleted_rows) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_changes (id INTEGER PRIMARY KEY, k INTEGER NOT NULL);"
                             "INSERT INTO st_changes VALUES (1, 1), (2, 1), (3, 2)"),
                 0);
    db_stmt_t *s = db_prepare(db, "UPDATE st_changes SET k = k + 10 WHERE k = $1");
    CHECK(s != NULL);
    if (!s) return;
    db_bind_int(s, 1, 1);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    CHECK_EQ_INT(db_changes(s), 2);
    db_reset(s);
    db_bind_int(s, 1, 99);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    CHECK_EQ_INT(db_changes(s), 0);
    db_reset(s);
    s = db_prepare(db, "DELETE FROM st_changes WHERE k > $1");
    CHECK(s != NULL);
    if (!s) return;
    db_bind_int(s, 1, 0);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    CHECK_EQ_INT(db_changes(s), 3);
    db_reset(s);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_changes"), 0);
}

/* A budget stops a long statement (SQLite), counts that statement's steps
 * only while set, and leaves the connection as it was; PostgreSQL has none. */
TEST(test_budget_stops_a_long_statement_and_then_lifts) {
    const char *count = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) "
                        "SELECT COUNT(*) FROM n";
    db_stmt_t *s = db_prepare(db, count);
    CHECK(s != NULL);
    if (!s) return;
    db_bind_int(s, 1, 1000000);
    db_set_budget(db, 20000);
    int rc = db_step(s);
    int64_t spent = db_budget_spent(db);
    db_set_budget(db, 0);
    db_reset(s);
    CHECK_EQ_INT(rc, is_pg ? DB_ROW : DB_OVER_BUDGET);
    CHECK(is_pg ? spent == 0 : spent >= 20000 && spent <= 22000);
    s = db_prepare(db, count); /* lifted: the same statement runs to its end */
    db_bind_int(s, 1, 1000000);
    CHECK_EQ_INT(db_step(s), DB_ROW);
    CHECK_EQ_INT(db_col_int(s, 0), 1000000);
    db_reset(s);
    db_bind_int(s, 1, 10); /* a short one within a budget */
    db_set_budget(db, 1000000);
    CHECK_EQ_INT(db_step(s), DB_ROW);
    db_set_budget(db, 0);
    CHECK_EQ_INT(db_col_int(s, 0), 10);
    db_reset(s);
}

TEST(test_insert_returning_gives_new_id) {
    CHECK_EQ_INT(exec_tokens(db, "CREATE TABLE st_ret (id @PK@, name TEXT NOT NULL)"), 0);
    for (int i = 1; i <= 2; i++) {
        db_stmt_t *s = db_prepare(db, "INSERT INTO st_ret (name) VALUES ($1) RETURNING id");
        CHECK(s != NULL);
        if (!s) return;
        db_bind_text(s, 1, "司法所", -1);
        CHECK_EQ_INT(db_step(s), DB_ROW);
        CHECK_EQ_INT(db_col_int(s, 0), i);
        CHECK_EQ_INT(db_step(s), DB_DONE);
        CHECK_EQ_INT(db_changes(s), 1);
        db_reset(s);
    }
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_ret"), 0);
}

TEST(test_rollback_discards_and_commit_keeps) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_tx (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)"), 0);
    const char *ins = "INSERT INTO st_tx (id, code) VALUES ($1, $2)";
    CHECK(!db_in_tx(db));
    CHECK_EQ_INT(db_begin(db), 0);
    CHECK(db_in_tx(db));
    CHECK_EQ_INT(insert_code(ins, 1, "rolled-back"), DB_DONE);
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_tx"), 1); /* visible inside */
    CHECK_EQ_INT(db_rollback(db), 0);
    CHECK(!db_in_tx(db));
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_tx"), 0);

    CHECK_EQ_INT(db_begin(db), 0);
    CHECK_EQ_INT(insert_code(ins, 1, "kept"), DB_DONE);
    CHECK_EQ_INT(insert_code(ins, 2, "kept-too"), DB_DONE);
    CHECK_EQ_INT(db_commit(db), 0);
    CHECK(!db_in_tx(db));
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_tx"), 2);
    CHECK_EQ_INT(db_rollback(db), 0); /* outside a transaction: nothing to do */
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_tx"), 0);
}

/* PostgreSQL aborts the whole transaction on an error; COMMIT then answers
 * "ROLLBACK", which must not be reported as a durable commit. */
TEST(test_commit_after_failed_statement_is_not_success_pg) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_abort (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE)"), 0);
    const char *ins = "INSERT INTO st_abort (id, code) VALUES ($1, $2)";
    CHECK_EQ_INT(db_begin(db), 0);
    CHECK_EQ_INT(insert_code(ins, 1, "a"), DB_DONE);
    CHECK_EQ_INT(insert_code(ins, 2, "a"), DB_UNIQUE);
    CHECK(insert_code(ins, 3, "c") < 0); /* transaction is aborted */
    CHECK(db_commit(db) != 0);
    CHECK(!db_in_tx(db));
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_abort"), 0);
    CHECK_EQ_INT(insert_code(ins, 1, "a"), DB_DONE);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_abort"), 0);
}

/* Reads column col of the single row of sql (no parameters) into out. */
static void read_text(const char *sql, int col, char *out, size_t n) {
    *out = '\0';
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return;
    if (db_step(s) == DB_ROW && db_col_text(s, col)) snprintf(out, n, "%s", db_col_text(s, col));
    db_reset(s);
}

/* v is "YYYY-MM-DDTHH:MM:SSZ" (d in the pattern: any digit). */
static bool looks_iso_utc_seconds(const char *v) {
    const char *pattern = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(v) != strlen(pattern)) return false;
    for (size_t i = 0; pattern[i]; i++)
        if (pattern[i] == 'd' ? v[i] < '0' || v[i] > '9' : v[i] != pattern[i]) return false;
    return true;
}

TEST(test_instants_read_back_as_iso_utc) {
    CHECK_EQ_INT(
        exec_tokens(db, "CREATE TABLE st_ts (id INTEGER PRIMARY KEY, at @TS@ NOT NULL DEFAULT @NOW@, t2 @TS@)"), 0);
    db_stmt_t *s = db_prepare(db, "INSERT INTO st_ts (id, t2) VALUES ($1, $2)");
    CHECK(s != NULL);
    if (!s) return;
    db_bind_int(s, 1, 1);
    db_bind_text(s, 2, "2026-11-28T12:00:00Z", -1);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    db_bind_int(s, 1, 2);
    db_bind_text(s, 2, "2026-11-28T12:00:00.250Z", -1);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);

    s = db_prepare(db, "SELECT at, t2 FROM st_ts ORDER BY id");
    CHECK(s != NULL);
    if (!s) return;
    CHECK_EQ_INT(db_step(s), DB_ROW);
    const char *at = db_col_text(s, 0);
    CHECK(at && looks_iso_utc_seconds(at));
    CHECK_EQ_STR(db_col_text(s, 1), "2026-11-28T12:00:00Z");
    CHECK_EQ_STR(db_col_text(s, 0), at); /* both columns readable at once */
    CHECK_EQ_INT(db_col_len(s, 1), 20);
    CHECK_EQ_INT(db_step(s), DB_ROW);
    CHECK_EQ_STR(db_col_text(s, 1), "2026-11-28T12:00:00.250Z");
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    /* a bound instant compares with stored ones (same precision: on SQLite
     * they are text, and "…00Z" sorts after "…00.100Z") */
    s = db_prepare(db, "SELECT COUNT(*) FROM st_ts WHERE t2 > $1");
    CHECK(s != NULL);
    if (!s) return;
    db_bind_text(s, 1, "2026-11-28T11:59:59Z", -1);
    CHECK_EQ_INT(db_step(s), DB_ROW);
    CHECK_EQ_INT(db_col_int(s, 0), 2);
    db_reset(s);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_ts"), 0);
}

TEST(test_instants_normalised_whatever_the_session_zone_pg) {
    char v[64];
    read_text("SELECT CAST('2026-11-28 20:00:00+08' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "2026-11-28T12:00:00Z");
    CHECK_EQ_INT(db_exec(db, "SET TimeZone TO 'Asia/Kolkata'"), 0);
    read_text("SELECT CAST('2026-01-01T00:10:00Z' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "2026-01-01T00:10:00Z");
    CHECK_EQ_INT(db_exec(db, "SET TimeZone TO 'America/St_Johns'"), 0); /* -03:30 */
    read_text("SELECT CAST('2026-01-01T01:00:00.5Z' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "2026-01-01T01:00:00.500Z");
    CHECK_EQ_INT(db_exec(db, "SET TimeZone TO 'UTC'"), 0);
    /* microseconds kept, so a value read back binds equal */
    read_text("SELECT CAST('2026-02-28T23:59:59.123456Z' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "2026-02-28T23:59:59.123456Z");
    read_text("SELECT CAST('2026-03-01T00:00:00.12Z' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "2026-03-01T00:00:00.120Z");
    read_text("SELECT CAST('0042-01-01T00:00:00Z' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "0042-01-01T00:00:00Z");
    read_text("SELECT CAST('12000-06-01T00:00:00Z' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "12000-06-01T00:00:00Z");
    read_text("SELECT CAST('2024-02-29 23:30:00' AS TIMESTAMP)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "2024-02-29T23:30:00Z");
    read_text("SELECT CAST('infinity' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "infinity");
    /* the LMT offset with seconds: Asia/Shanghai before 1901 is +08:05:43 */
    CHECK_EQ_INT(db_exec(db, "SET TimeZone TO 'Asia/Shanghai'"), 0);
    read_text("SELECT CAST('1900-01-01T00:00:00Z' AS TIMESTAMPTZ)", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "1900-01-01T00:00:00Z");
    CHECK_EQ_INT(db_exec(db, "SET TimeZone TO 'UTC'"), 0);
}

TEST(test_migrate_fresh_then_again_is_a_no_op) {
    int n = 0;
    while (migrations[n].version)
        n++;
    char err[512] = "";
    CHECK_EQ_INT(db_migrate(db, err, sizeof(err)), 0);
    if (*err) fprintf(stderr, "  migrate: %s\n", err);
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM schema_migrations"), n);
    CHECK_EQ_INT(count_rows("SELECT MAX(version) FROM schema_migrations"), migrations[n - 1].version);
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM org_units"), 0);
    CHECK(!db_in_tx(db));
    CHECK_EQ_INT(db_migrate(db, err, sizeof(err)), 0);
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM schema_migrations"), n);
    /* org_units.created_at is @TS@ DEFAULT @NOW@ */
    CHECK_EQ_INT(
        db_exec(db, "INSERT INTO org_units (path, depth, level, name) VALUES ('/1/', 0, 'city', '上海市司法局')"), 0);
    char v[64];
    read_text("SELECT created_at FROM org_units", 0, v, sizeof(v));
    CHECK(looks_iso_utc_seconds(v));
    CHECK_EQ_INT(db_exec(db, "DELETE FROM org_units"), 0);
}

TEST(test_exec_runs_scripts_and_reports_errors) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_script (id INTEGER PRIMARY KEY);"
                             "INSERT INTO st_script VALUES (1);"
                             "INSERT INTO st_script VALUES (2);"),
                 0);
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_script"), 2);
    CHECK_EQ_INT(db_exec(db, "INSERT INTO st_script VALUES (1)"), DB_UNIQUE);
    CHECK_EQ_INT(db_exec(db, "SELECT * FROM st_no_such_table"), DB_ERR);
    CHECK(strstr(db_errmsg(db), "st_no_such_table") != NULL);
    CHECK_EQ_INT(db_query_int(db, "SELECT id FROM st_script WHERE id > 100", -7), -7);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_script"), 0);
}

/* Ends our own session from another connection, as a restart or a failover
 * (issue 26) would. */
static bool kill_own_backend(void) {
    int64_t pid = db_query_int(db, "SELECT pg_backend_pid()", -1);
    char url[600], err[512];
    snprintf(url, sizeof(url), "%.*s%s", (int)(strrchr(pg_base, '/') - pg_base + 1), pg_base, pg_db_name);
    db_t *other = NULL;
    if (db_open(url, &other, err, sizeof(err)) != 0) return false;
    db_stmt_t *s = db_prepare(other, "SELECT pg_terminate_backend(CAST($1 AS INTEGER))");
    bool ok = s && db_bind_int(s, 1, pid) == DB_OK && db_step(s) == DB_ROW && db_col_int(s, 0) == 1;
    if (s) db_reset(s);
    db_close(other);
    usleep(100 * 1000);
    return ok;
}

TEST(test_lost_connection_read_is_retried_on_a_new_connection_pg) {
    const char *sql = "SELECT CAST($1 AS BIGINT) + 1";
    db_stmt_t *s = db_prepare(db, sql);
    CHECK(s != NULL);
    if (!s) return;
    db_reset(s);
    CHECK(kill_own_backend());
    s = db_prepare(db, sql); /* cached: no round trip */
    db_bind_int(s, 1, 1);
    CHECK_EQ_INT(db_step(s), DB_ROW); /* failed, reconnected, prepared again, sent again */
    CHECK_EQ_INT(db_col_int(s, 0), 2);
    db_reset(s);
    CHECK(db_ping(db));
    char v[32];
    read_text("SHOW TimeZone", 0, v, sizeof(v));
    CHECK_EQ_STR(v, "UTC");
    /* a statement never prepared before: its prepare is retried too */
    CHECK(kill_own_backend());
    CHECK_EQ_INT(count_rows("SELECT 40 + 2"), 42);
}

/* A write outside a transaction is not sent twice: it may have happened. */
TEST(test_lost_connection_write_fails_then_recovers_pg) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_once (id INTEGER PRIMARY KEY)"), 0);
    const char *ins = "INSERT INTO st_once (id) VALUES ($1)";
    db_stmt_t *s = db_prepare(db, ins);
    db_bind_int(s, 1, 1);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    CHECK(kill_own_backend());
    s = db_prepare(db, ins);
    db_bind_int(s, 1, 2);
    CHECK_EQ_INT(db_step(s), DB_UNAVAILABLE);
    db_reset(s);
    s = db_prepare(db, ins);
    db_bind_int(s, 1, 3);
    CHECK_EQ_INT(db_step(s), DB_DONE); /* reconnected */
    db_reset(s);
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_once"), 2);
    /* BEGIN on a dead connection changes nothing: retried, the transaction works */
    CHECK(kill_own_backend());
    CHECK_EQ_INT(db_begin(db), 0);
    s = db_prepare(db, ins);
    db_bind_int(s, 1, 4);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    CHECK_EQ_INT(db_commit(db), 0);
    CHECK(!db_commit_unknown(db));
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_once"), 3);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_once"), 0);
}

/* The connection dies while the COMMIT runs (here a deferred trigger ends its
 * own session): the client cannot know whether it committed, and says so. */
TEST(test_connection_lost_in_commit_is_commit_unknown_pg) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_commit (id INTEGER PRIMARY KEY);"
                             "CREATE FUNCTION st_die() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;"
                             "CREATE CONSTRAINT TRIGGER st_die AFTER INSERT ON st_commit "
                             "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION st_die()"),
                 0);
    CHECK_EQ_INT(db_begin(db), 0);
    db_stmt_t *s = db_prepare(db, "INSERT INTO st_commit (id) VALUES ($1)");
    db_bind_int(s, 1, 1);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    CHECK(db_commit(db) != 0);
    CHECK(db_commit_unknown(db));
    CHECK(!db_in_tx(db));
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_commit"), 0); /* here it had not */
    CHECK_EQ_INT(db_begin(db), 0);
    CHECK(!db_commit_unknown(db)); /* a new transaction starts knowing nothing */
    CHECK_EQ_INT(db_rollback(db), 0);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_commit; DROP FUNCTION st_die()"), 0);
}

/* A session on a node that takes no writes (a demoted primary, SQLSTATE
 * 25006): the write fails as unavailable and the next call connects again. */
TEST(test_read_only_server_is_left_for_a_new_connection_pg) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_ro (id INTEGER PRIMARY KEY)"), 0);
    CHECK_EQ_INT(db_exec(db, "SET default_transaction_read_only = on"), 0);
    const char *ins = "INSERT INTO st_ro (id) VALUES ($1)";
    db_stmt_t *s = db_prepare(db, ins);
    db_bind_int(s, 1, 1);
    CHECK_EQ_INT(db_step(s), DB_UNAVAILABLE);
    db_reset(s);
    s = db_prepare(db, ins);
    db_bind_int(s, 1, 2);
    CHECK_EQ_INT(db_step(s), DB_DONE); /* a new session: read-write again */
    db_reset(s);
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_ro"), 1);
    /* inside a transaction: the rest of it is never sent on a new connection */
    CHECK_EQ_INT(db_exec(db, "SET default_transaction_read_only = on"), 0);
    CHECK_EQ_INT(db_begin(db), 0);
    s = db_prepare(db, ins);
    db_bind_int(s, 1, 3);
    CHECK_EQ_INT(db_step(s), DB_UNAVAILABLE);
    db_reset(s);
    s = db_prepare(db, ins);
    db_bind_int(s, 1, 4);
    CHECK_EQ_INT(db_step(s), DB_UNAVAILABLE);
    db_reset(s);
    CHECK(db_commit(db) != 0);
    CHECK(!db_commit_unknown(db));
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_ro"), 1);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_ro"), 0);
}

TEST(test_connection_lost_in_transaction_is_not_hidden_pg) {
    CHECK_EQ_INT(db_exec(db, "CREATE TABLE st_lost (id INTEGER PRIMARY KEY)"), 0);
    const char *ins = "INSERT INTO st_lost (id) VALUES ($1)";
    CHECK_EQ_INT(db_begin(db), 0);
    db_stmt_t *s = db_prepare(db, ins);
    db_bind_int(s, 1, 1);
    CHECK_EQ_INT(db_step(s), DB_DONE);
    db_reset(s);
    CHECK(kill_own_backend());
    s = db_prepare(db, ins);
    db_bind_int(s, 1, 2);
    CHECK_EQ_INT(db_step(s), DB_UNAVAILABLE);
    db_reset(s);
    /* no silent reconnect: the work of the transaction is gone */
    s = db_prepare(db, ins);
    db_bind_int(s, 1, 3);
    CHECK_EQ_INT(db_step(s), DB_UNAVAILABLE);
    db_reset(s);
    CHECK(db_commit(db) != 0);
    CHECK(!db_in_tx(db));
    CHECK(db_ping(db));
    CHECK_EQ_INT(count_rows("SELECT COUNT(*) FROM st_lost"), 0);
    CHECK_EQ_INT(db_exec(db, "DROP TABLE st_lost"), 0);
}

static void run_engine(void) {
    printf("== %s\n", is_pg ? "postgresql" : "sqlite");
    RUN(test_ints_text_and_null_round_trip);
    RUN(test_blobs_round_trip_every_byte);
    RUN(test_parameter_two_before_parameter_one);
    RUN(test_bind_out_of_range_is_an_error);
    RUN(test_statement_cache_reuses_and_rebinds);
    RUN(test_held_statement_survives_5000_others);
    RUN(test_more_statements_held_than_cache_slots_all_stay_valid);
    RUN(test_custom_plan_statement_runs_unnamed);
    RUN(test_bad_sql_fails_to_prepare_with_message);
    RUN(test_unique_violation_is_db_unique_and_connection_survives);
    RUN(test_changes_counts_updated_and_deleted_rows);
    RUN(test_insert_returning_gives_new_id);
    RUN(test_budget_stops_a_long_statement_and_then_lifts);
    RUN(test_rollback_discards_and_commit_keeps);
    RUN(test_instants_read_back_as_iso_utc);
    RUN(test_migrate_fresh_then_again_is_a_no_op);
    RUN(test_exec_runs_scripts_and_reports_errors);
    if (!is_pg) return;
    RUN(test_commit_after_failed_statement_is_not_success_pg);
    RUN(test_instants_normalised_whatever_the_session_zone_pg);
    RUN(test_lost_connection_read_is_retried_on_a_new_connection_pg);
    RUN(test_lost_connection_write_fails_then_recovers_pg);
    RUN(test_connection_lost_in_commit_is_commit_unknown_pg);
    RUN(test_read_only_server_is_left_for_a_new_connection_pg);
    RUN(test_connection_lost_in_transaction_is_not_hidden_pg);
}

static void run_sqlite(void) {
    char url[128], err[512];
    snprintf(url, sizeof(url), "sqlite:%s/store.db", tmpdir);
    if (db_open(url, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "  cannot open %s: %s\n", url, err);
        test_failed++;
        return;
    }
    is_pg = false;
    run_engine();
    db_close(db);
    db = NULL;
}

/* A fresh database on the server of SIFASUO_TEST_PG_URL, dropped afterwards. */
static void run_postgres(const char *base) {
    snprintf(pg_base, sizeof(pg_base), "%s", base);
    snprintf(pg_db_name, sizeof(pg_db_name), "t_store_%d", (int)getpid());
    const char *slash = strrchr(pg_base, '/');
    if (!slash || strchr(slash, '?')) {
        fprintf(stderr, "  SIFASUO_TEST_PG_URL must end in /DATABASE: %s\n", base);
        test_failed++;
        return;
    }
    char url[600], err[512], sql[128];
    db_t *admin = NULL;
    if (db_open(base, &admin, err, sizeof(err)) != 0) {
        fprintf(stderr, "  %s\n", err);
        test_failed++;
        return;
    }
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_db_name);
    if (db_exec(admin, sql) != 0) {
        fprintf(stderr, "  %s: %s\n", sql, db_errmsg(admin));
        test_failed++;
        db_close(admin);
        return;
    }
    snprintf(url, sizeof(url), "%.*s%s", (int)(slash - pg_base + 1), pg_base, pg_db_name);
    if (db_open(url, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "  %s\n", err);
        test_failed++;
    } else {
        is_pg = true;
        run_engine();
        db_close(db);
        db = NULL;
    }
    snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", pg_db_name);
    if (db_exec(admin, sql) != 0) fprintf(stderr, "  %s: %s\n", sql, db_errmsg(admin));
    db_close(admin);
}

int main(void) {
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sifasuo-test-store.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_redact_url_hides_passwords);
    RUN(test_pg_open_failure_names_host_and_hides_password);
    RUN(test_sqlite_open_of_directory_fails_with_one_line);
    RUN(test_unknown_url_scheme_is_refused);
    run_sqlite();
    const char *pg = getenv("SIFASUO_TEST_PG_URL");
    if (pg && *pg) run_postgres(pg);
    else {
        test_skip_begin(TEST_NO_PG);
        is_pg = true;
        run_engine();
        test_skip_end();
    }
    char path[128];
    const char *files[] = {"store.db", "store.db-wal", "store.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    return test_summary();
}
