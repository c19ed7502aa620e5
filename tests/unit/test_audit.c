/* test_audit.c — the hash-chained audit log (issue 3 point 8; GB/T 22239
 * 8.1.4): the chain holds after many writes, the database itself refuses
 * UPDATE and DELETE, verify names a row edited behind the database's back,
 * an audit row rolls back with its transaction, and purge keeps 180 days.
 * Runs on SQLite, and on PostgreSQL when SIFASUO_TEST_PG_URL is set (a fresh
 * database per test, dropped afterwards). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/audit.h"
#include "store/db.h"
#include "test.h"
#include "util/crypto.h"
#include "util/timeutil.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static char tmp_dir[64];
static keys_t keys;
static bool use_pg;
static const char *engine = "sqlite";
static int nstores;
static char store_path[256]; /* SQLite file of the current store */
static char store_url[512];  /* URL of the current store */
static char pg_dbs[32][64];  /* databases to drop at the end */
static int npg_dbs;

/* The URL of database `name` on the server of base: base with its last path
 * segment replaced (as tests/api/harness.py does). */
static void pg_url_for(const char *base, const char *name, char *out, size_t n) {
    const char *scheme = strstr(base, "://");
    const char *slash = strrchr(base, '/');
    if (!scheme || slash < scheme + 3) slash = base + strlen(base);
    const char *query = strchr(slash, '?');
    snprintf(out, n, "%.*s/%s%s", (int)(slash - base), base, name, query ? query : "");
}

/* A fresh, migrated store: a new SQLite file or a new PostgreSQL database. */
static db_t *fresh_store(void) {
    char url[512], err[512];
    int k = nstores++;
    if (use_pg) {
        const char *base = getenv("SIFASUO_TEST_PG_URL");
        snprintf(pg_dbs[npg_dbs], sizeof(pg_dbs[0]), "sifasuo_test_audit_%d_%d", (int)getpid(), k);
        db_t *admin = NULL;
        if (db_open(base, &admin, err, sizeof(err)) != 0) {
            fprintf(stderr, "  cannot open %s\n", err);
            return NULL;
        }
        char sql[160];
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", pg_dbs[npg_dbs]);
        int rc = db_exec(admin, sql);
        if (rc != 0) fprintf(stderr, "  %s: %s\n", sql, db_errmsg(admin));
        db_close(admin);
        if (rc != 0) return NULL;
        pg_url_for(base, pg_dbs[npg_dbs++], url, sizeof(url));
    } else {
        snprintf(store_path, sizeof(store_path), "%s/audit%d.db", tmp_dir, k);
        snprintf(url, sizeof(url), "sqlite:%s", store_path);
    }
    snprintf(store_url, sizeof(store_url), "%s", url);
    db_t *db = NULL;
    if (db_open(url, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "  cannot open store: %s\n", err);
        return NULL;
    }
    if (db_migrate(db, err, sizeof(err)) != 0) {
        fprintf(stderr, "  migrate: %s\n", err);
        db_close(db);
        return NULL;
    }
    return db;
}

static int64_t count_rows(db_t *db) { return db_query_int(db, "SELECT COUNT(*) FROM audit_log", -1); }

static int write_event(db_t *db, int i) {
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"n\":%d,\"name\":\"张*\",\"note\":\"line\\nbreak\"}", i);
    audit_event_t ev = {
        .action = i % 2 ? "users.update" : "login.success",
        .entity = "users",
        .entity_id = 100 + i,
        .result = i % 3 ? "ok" : "denied",
        .detail_json = i % 4 ? detail : NULL,
        .user_id = i % 5 ? 7 : 0,
        .username = i % 5 ? "zhang.san" : NULL,
        .org_id = i % 5 ? 3 : 0,
        .ip = "10.0.0.1",
        .user_agent = "Mozilla/5.0 (测试)",
    };
    return audit_write(db, &keys, &ev);
}

static int verify(db_t *db, int64_t *bad, int64_t *rows) {
    char err[512] = "";
    int rc = audit_verify(db, &keys, bad, rows, err, sizeof(err));
    if (rc < 0) fprintf(stderr, "  audit_verify: %s\n", err);
    return rc;
}

/* What someone with the database file or an owner's console could do:
 * SQLite through the sqlite3 command-line tool on the file (the guard
 * triggers dropped first), PostgreSQL as the owner over SQL. */
static int tamper(db_t *db, const char *sqlite_sql, const char *pg_sql) {
    if (use_pg) {
        int rc = db_exec(db, pg_sql);
        if (rc != 0) fprintf(stderr, "  tamper: %s\n", db_errmsg(db));
        return rc;
    }
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\"", store_path, sqlite_sql);
    return system(cmd);
}

TEST(test_audit_chain_is_intact_after_many_writes) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    int64_t bad = -1, rows = -1;
    CHECK_EQ_INT(verify(db, &bad, &rows), 0); /* an empty log is intact */
    CHECK_EQ_INT(rows, 0);
    for (int i = 0; i < 20; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    /* more than one verify batch, written inside one caller transaction */
    CHECK_EQ_INT(db_begin(db), 0);
    for (int i = 20; i < 1105; i++)
        if (write_event(db, i) != 0) {
            CHECK(!"audit_write in a transaction");
            break;
        }
    CHECK_EQ_INT(db_commit(db), 0);
    CHECK_EQ_INT(count_rows(db), 1105);
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(rows, 1105);
    /* the first row chains to zeros, every other row to its predecessor */
    CHECK_EQ_INT(
        db_query_int(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE id = (SELECT MIN(id) FROM audit_log) AND prev_hash = '" ZERO_HASH "'",
            -1),
        1);
    CHECK_EQ_INT(
        db_query_int(
            db, "SELECT COUNT(*) FROM audit_log a JOIN audit_log b ON b.id = a.id + 1 WHERE b.prev_hash <> a.hash", -1),
        0);
    /* NULLs stay NULL, ids are integers */
    CHECK_EQ_INT(
        db_query_int(db, "SELECT COUNT(*) FROM audit_log WHERE user_id IS NULL AND username IS NULL AND org_id IS NULL",
                     -1),
        221);
    CHECK_EQ_INT(db_query_int(db, "SELECT MAX(entity_id) FROM audit_log", -1), 1204);
    int64_t head_id = 0;
    char head[65];
    CHECK_EQ_INT(audit_head(db, &head_id, head), 0);
    CHECK_EQ_INT(strlen(head), 64);
    CHECK(strcmp(head, ZERO_HASH) != 0);
    db_close(db);
}

#define WRITERS 4
#define WRITES_EACH 40

/* One writer connection appending rows in transactions of its own. */
static void *writer(void *arg) {
    long failures = 0;
    db_t *db = NULL;
    char err[512];
    if (db_open(store_url, &db, err, sizeof(err)) != 0) return (void *)(long)WRITES_EACH;
    for (int i = 0; i < WRITES_EACH; i++)
        if (write_event(db, (int)(long)arg * 1000 + i) != 0) failures++;
    db_close(db);
    return (void *)failures;
}

/* Concurrent writers on separate connections still make one chain: the
 * chain lock (PostgreSQL) or the write lock (SQLite) keeps two rows from
 * linking to the same predecessor. */
TEST(test_audit_concurrent_writers_make_one_chain) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    pthread_t t[WRITERS];
    for (long i = 0; i < WRITERS; i++)
        pthread_create(&t[i], NULL, writer, (void *)i);
    long failures = 0;
    for (int i = 0; i < WRITERS; i++) {
        void *r;
        pthread_join(t[i], &r);
        failures += (long)r;
    }
    CHECK_EQ_INT(failures, 0);
    CHECK_EQ_INT(count_rows(db), WRITERS * WRITES_EACH);
    int64_t bad = -1, rows = 0;
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(rows, WRITERS * WRITES_EACH);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(DISTINCT prev_hash) FROM audit_log", -1), WRITERS * WRITES_EACH);
    db_close(db);
}

TEST(test_audit_a_different_key_fails_verification) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    keys_t other = keys;
    other.audit[0] ^= 1;
    int64_t bad = 0, rows = 0;
    char err[256];
    CHECK_EQ_INT(audit_verify(db, &other, &bad, &rows, err, sizeof(err)), 1);
    CHECK_EQ_INT(bad, db_query_int(db, "SELECT MIN(id) FROM audit_log", -1));
    db_close(db);
}

TEST(test_audit_update_and_delete_are_refused_by_the_database) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    db_stmt_t *s = db_prepare(db, "UPDATE audit_log SET detail = $1 WHERE id = $2");
    CHECK(s);
    if (s) {
        db_bind_text(s, 1, "{}", -1);
        db_bind_int(s, 2, 2);
        CHECK(db_step(s) < 0);
        CHECK(strstr(db_errmsg(db), "审计日志只能追加") != NULL);
        db_reset(s);
    }
    s = db_prepare(db, "DELETE FROM audit_log WHERE id = $1");
    CHECK(s);
    if (s) {
        db_bind_int(s, 1, 2);
        CHECK(db_step(s) < 0);
        CHECK(strstr(db_errmsg(db), "审计日志只能追加") != NULL);
        db_reset(s);
    }
    CHECK(db_exec(db, "DELETE FROM audit_log") != 0);
    if (use_pg) CHECK(db_exec(db, "TRUNCATE audit_log") != 0);
    CHECK_EQ_INT(count_rows(db), 3);
    int64_t bad = -1, rows = 0;
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(rows, 3);
    db_close(db);
}

TEST(test_audit_verify_names_a_row_edited_with_the_trigger_dropped) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    CHECK_EQ_INT(
        tamper(
            db, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = '{\\\"n\\\":99}' WHERE id = 3;",
            "DROP TRIGGER audit_log_append_only ON audit_log; UPDATE audit_log SET detail = '{\"n\":99}' WHERE id = 3"),
        0);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM audit_log WHERE detail = '{\"n\":99}'", -1), 1);
    int64_t bad = 0, rows = 0;
    CHECK_EQ_INT(verify(db, &bad, &rows), 1);
    CHECK_EQ_INT(bad, 3);
    CHECK_EQ_INT(rows, 6);
    db_close(db);
}

TEST(test_audit_verify_names_the_row_after_a_deleted_one) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    CHECK_EQ_INT(tamper(db, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 4;",
                        "DROP TRIGGER audit_log_append_only ON audit_log; DELETE FROM audit_log WHERE id = 4"),
                 0);
    int64_t bad = 0, rows = 0;
    CHECK_EQ_INT(verify(db, &bad, &rows), 1);
    CHECK_EQ_INT(bad, 5);
    db_close(db);
}

TEST(test_audit_verify_names_the_first_row_when_the_head_is_cut_off) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    /* no purge row records this start: rows were cut off, not purged */
    CHECK_EQ_INT(tamper(db, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id <= 2;",
                        "DROP TRIGGER audit_log_append_only ON audit_log; DELETE FROM audit_log WHERE id <= 2"),
                 0);
    int64_t bad = 0, rows = 0;
    CHECK_EQ_INT(verify(db, &bad, &rows), 1);
    CHECK_EQ_INT(bad, 3);
    CHECK_EQ_INT(rows, 4);
    db_close(db);
}

TEST(test_audit_write_in_a_rolled_back_transaction_leaves_no_row) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    CHECK_EQ_INT(write_event(db, 1), 0);
    CHECK_EQ_INT(db_begin(db), 0);
    CHECK_EQ_INT(write_event(db, 2), 0);
    CHECK_EQ_INT(write_event(db, 3), 0);
    CHECK(db_in_tx(db)); /* audit_write left the caller's transaction open */
    CHECK_EQ_INT(db_rollback(db), 0);
    CHECK_EQ_INT(count_rows(db), 1);
    /* the chain continues from the surviving head */
    CHECK_EQ_INT(write_event(db, 4), 0);
    int64_t bad = -1, rows = 0;
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(rows, 2);
    db_close(db);
}

TEST(test_audit_write_refuses_a_detail_that_is_not_a_json_object) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    audit_event_t ev = {.action = "users.update", .result = "ok", .detail_json = "[1,2]"};
    CHECK(audit_write(db, &keys, &ev) < 0);
    ev.detail_json = "{\"a\":";
    CHECK(audit_write(db, &keys, &ev) < 0);
    ev.detail_json = "{}";
    ev.result = NULL;
    CHECK(audit_write(db, &keys, &ev) < 0);
    CHECK(!db_in_tx(db));
    CHECK_EQ_INT(count_rows(db), 0);
    db_close(db);
}

/* A username typed at sign-in and the User-Agent come from the client:
 * invalid UTF-8, control characters or a huge header must not make the
 * audit write fail (PostgreSQL rejects invalid UTF-8). */
TEST(test_audit_write_cleans_client_supplied_text) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    char agent[4096];
    memset(agent, 'A', sizeof(agent) - 1);
    agent[sizeof(agent) - 1] = '\0';
    audit_event_t ev = {.action = "login.failure",
                        .result = "denied",
                        .username = "bad\xff\xc0\x80name\r\n张",
                        .ip = "10.0.0.1",
                        .user_agent = agent};
    CHECK_EQ_INT(audit_write(db, &keys, &ev), 0);
    db_stmt_t *s = db_prepare(db, "SELECT username, LENGTH(user_agent) FROM audit_log");
    CHECK(s && db_step(s) == DB_ROW);
    if (s) {
        CHECK_EQ_STR(db_col_text(s, 0), "bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDname\xEF\xBF\xBD\xEF\xBF\xBD张");
        CHECK_EQ_INT(db_col_int(s, 1), 512);
        db_reset(s);
    }
    int64_t bad = -1, rows = 0;
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(rows, 1);
    db_close(db);
}

TEST(test_audit_purge_refuses_dates_within_180_days) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    char day[21], err[512] = "";
    int64_t deleted = -1;
    iso_from_unix(now_unix() - 179 * 86400LL, day);
    day[10] = '\0';
    CHECK_EQ_INT(audit_purge(db, &keys, day, &deleted, err, sizeof(err)), -1);
    CHECK(strstr(err, "180") != NULL);
    CHECK_EQ_INT(deleted, 0);
    iso_from_unix(now_unix() + 86400, day);
    day[10] = '\0';
    CHECK_EQ_INT(audit_purge(db, &keys, day, &deleted, err, sizeof(err)), -1);
    CHECK_EQ_INT(audit_purge(db, &keys, "2020-02-30", &deleted, err, sizeof(err)), -1);
    CHECK_EQ_INT(audit_purge(db, &keys, "yesterday", &deleted, err, sizeof(err)), -1);
    CHECK_EQ_INT(count_rows(db), 3);
    CHECK(!db_in_tx(db));
    db_close(db);
}

TEST(test_audit_purge_deletes_old_rows_and_the_chain_still_verifies) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    char then[21], day[21], err[512] = "";
    iso_from_unix(now_unix() - 200 * 86400LL, then);
    setenv("SIFASUO_NOW", then, 1); /* rows written 200 days ago */
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    unsetenv("SIFASUO_NOW");
    for (int i = 5; i < 8; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    /* the database lets old rows go, and only those */
    CHECK(db_exec(db, "DELETE FROM audit_log WHERE id = 8") != 0);
    iso_from_unix(now_unix() - 190 * 86400LL, day);
    day[10] = '\0';
    int64_t deleted = -1;
    CHECK_EQ_INT(audit_purge(db, &keys, day, &deleted, err, sizeof(err)), 0);
    if (*err) fprintf(stderr, "  audit_purge: %s\n", err);
    CHECK_EQ_INT(deleted, 5);
    CHECK_EQ_INT(count_rows(db), 4);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'audit.purge' AND result = 'ok'", -1),
                 1);
    int64_t bad = -1, rows = 0;
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(rows, 4);
    /* purging again with nothing to delete keeps it intact */
    CHECK_EQ_INT(audit_purge(db, &keys, day, &deleted, err, sizeof(err)), 0);
    CHECK_EQ_INT(deleted, 0);
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(rows, 5);
    /* cutting one more row off the new head is still caught */
    CHECK_EQ_INT(tamper(db, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 6;",
                        "DROP TRIGGER audit_log_append_only ON audit_log; DELETE FROM audit_log WHERE id = 6"),
                 0);
    CHECK_EQ_INT(verify(db, &bad, &rows), 1);
    CHECK_EQ_INT(bad, 7);
    /* and purge will not run over the broken chain to bless the cut */
    int64_t before_purge = count_rows(db);
    CHECK_EQ_INT(audit_purge(db, &keys, day, &deleted, err, sizeof(err)), -1);
    CHECK(strstr(err, "第 7 条") != NULL);
    CHECK_EQ_INT(count_rows(db), before_purge);
    CHECK_EQ_INT(verify(db, &bad, &rows), 1);
    db_close(db);
}

TEST(test_audit_purge_of_everything_leaves_a_verifiable_checkpoint) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    char then[21], day[21], err[512] = "";
    iso_from_unix(now_unix() - 400 * 86400LL, then);
    setenv("SIFASUO_NOW", then, 1);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(write_event(db, i), 0);
    unsetenv("SIFASUO_NOW");
    iso_from_unix(now_unix() - 200 * 86400LL, day);
    day[10] = '\0';
    int64_t deleted = -1, bad = -1, rows = 0;
    CHECK_EQ_INT(audit_purge(db, &keys, day, &deleted, err, sizeof(err)), 0);
    CHECK_EQ_INT(deleted, 4);
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(rows, 1);
    CHECK_EQ_INT(write_event(db, 9), 0);
    CHECK_EQ_INT(verify(db, &bad, &rows), 0);
    CHECK_EQ_INT(rows, 2);
    db_close(db);
}

/* PostgreSQL in production: the application connects as a role that does
 * not own audit_log (docs/audit.md); that role can append and read but can
 * neither delete, truncate nor switch the guard off. */
TEST(test_audit_pg_application_role_cannot_remove_the_guard) {
    db_t *db = fresh_store();
    CHECK(db);
    if (!db) return;
    char role[64], sql[512];
    snprintf(role, sizeof(role), "sifasuo_test_app_%d", (int)getpid());
    snprintf(sql, sizeof(sql),
             "DROP ROLE IF EXISTS %s; CREATE ROLE %s NOLOGIN; GRANT SELECT, INSERT ON audit_log TO %s", role, role,
             role);
    CHECK_EQ_INT(db_exec(db, sql), 0);
    snprintf(sql, sizeof(sql), "SET ROLE %s", role);
    CHECK_EQ_INT(db_exec(db, sql), 0);
    CHECK_EQ_INT(write_event(db, 1), 0);
    CHECK(db_exec(db, "DELETE FROM audit_log") != 0);
    CHECK(db_exec(db, "TRUNCATE audit_log") != 0);
    CHECK(db_exec(db, "ALTER TABLE audit_log DISABLE TRIGGER USER") != 0);
    CHECK(db_exec(db, "DROP TRIGGER audit_log_append_only ON audit_log") != 0);
    CHECK_EQ_INT(db_exec(db, "RESET ROLE"), 0);
    CHECK_EQ_INT(count_rows(db), 1);
    snprintf(sql, sizeof(sql), "DROP OWNED BY %s; DROP ROLE %s", role, role);
    CHECK_EQ_INT(db_exec(db, sql), 0);
    db_close(db);
}

static void run_all(void) {
    printf("-- %s\n", engine);
    RUN(test_audit_chain_is_intact_after_many_writes);
    RUN(test_audit_concurrent_writers_make_one_chain);
    RUN(test_audit_a_different_key_fails_verification);
    RUN(test_audit_update_and_delete_are_refused_by_the_database);
    RUN(test_audit_verify_names_a_row_edited_with_the_trigger_dropped);
    RUN(test_audit_verify_names_the_row_after_a_deleted_one);
    RUN(test_audit_verify_names_the_first_row_when_the_head_is_cut_off);
    RUN(test_audit_write_in_a_rolled_back_transaction_leaves_no_row);
    RUN(test_audit_write_refuses_a_detail_that_is_not_a_json_object);
    RUN(test_audit_write_cleans_client_supplied_text);
    RUN(test_audit_purge_refuses_dates_within_180_days);
    RUN(test_audit_purge_deletes_old_rows_and_the_chain_still_verifies);
    RUN(test_audit_purge_of_everything_leaves_a_verifiable_checkpoint);
    if (use_pg) RUN(test_audit_pg_application_role_cannot_remove_the_guard);
}

int main(void) {
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/sifasuo-test-audit-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    unsetenv("SIFASUO_NOW");
    char key_path[128], err[512];
    snprintf(key_path, sizeof(key_path), "%s/keys", tmp_dir);
    if (keys_load_or_create(key_path, &keys, true, err, sizeof(err)) != 0) {
        fprintf(stderr, "keys: %s\n", err);
        return 1;
    }
    run_all();
    const char *pg = getenv("SIFASUO_TEST_PG_URL");
    if (pg && *pg) {
        use_pg = true;
        engine = "postgresql";
        run_all();
        db_t *admin = NULL;
        if (db_open(pg, &admin, err, sizeof(err)) == 0) {
            for (int i = 0; i < npg_dbs; i++) {
                char sql[160];
                snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %.64s", pg_dbs[i]);
                db_exec(admin, sql);
            }
            db_close(admin);
        }
    } else {
        use_pg = true;
        engine = "postgresql";
        test_skip_begin(TEST_NO_PG);
        run_all();
        test_skip_end();
    }
    keys_wipe(&keys);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
    return test_summary();
}
