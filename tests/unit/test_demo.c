/* test_demo.c — the demo organisation tree (`sifasuo init --demo`): the
 * shape DOMAIN.md describes for Shanghai, a consistent materialised path on
 * every row, unique codes, determinism, and the subtree prefix range the
 * scope checks rely on.  Runs on SQLite, and also on PostgreSQL when
 * SIFASUO_TEST_PG_URL is set (in a schema of its own, dropped afterwards). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/demo.h"
#include "store/db.h"
#include "test.h"
#include "util/buf.h"

#define PG_SCHEMA "sifasuo_test_demo"

static char sqlite_dir[64];
static int sqlite_files; /* demo0.db … in sqlite_dir */
static const char *engine = "sqlite";

/* Opens a fresh, migrated store: a new SQLite file, or a freshly created
 * schema on the PostgreSQL server in SIFASUO_TEST_PG_URL. */
static db_t *fresh_store(bool pg) {
    char url[512], err[512];
    if (pg) snprintf(url, sizeof(url), "%s", getenv("SIFASUO_TEST_PG_URL"));
    else snprintf(url, sizeof(url), "sqlite:%s/demo%d.db", sqlite_dir, sqlite_files++);
    db_t *db = NULL;
    if (db_open(url, &db, err, sizeof(err)) != 0) {
        fprintf(stderr, "  cannot open store: %s\n", err);
        return NULL;
    }
    if (pg && (db_exec(db, "SET client_min_messages TO warning") != 0 || /* no NOTICEs from DROP … CASCADE */
               db_exec(db, "DROP SCHEMA IF EXISTS " PG_SCHEMA " CASCADE") != 0 ||
               db_exec(db, "CREATE SCHEMA " PG_SCHEMA) != 0 || db_exec(db, "SET search_path TO " PG_SCHEMA) != 0)) {
        fprintf(stderr, "  cannot create schema: %s\n", db_errmsg(db));
        db_close(db);
        return NULL;
    }
    if (db_migrate(db, err, sizeof(err)) != 0) {
        fprintf(stderr, "  migrate: %s\n", err);
        db_close(db);
        return NULL;
    }
    return db;
}

static int64_t count_level(db_t *db, const char *level) {
    db_stmt_t *s = db_prepare(db, "SELECT COUNT(*) FROM org_units WHERE level = $1");
    if (!s) return -1;
    db_bind_text(s, 1, level, -1);
    int64_t n = db_step(s) == DB_ROW ? db_col_int(s, 0) : -1;
    db_reset(s);
    return n;
}

/* Every row as "name\tcode\tpath\n" in id order: equal snapshots mean the
 * same tree with the same ids. */
static char *snapshot(db_t *db) {
    buf_t b = BUF_INIT;
    db_stmt_t *s = db_prepare(db, "SELECT name, code, path FROM org_units ORDER BY id");
    if (!s) return NULL;
    while (db_step(s) == DB_ROW)
        buf_printf(&b, "%s\t%s\t%s\n", db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2));
    db_reset(s);
    return buf_detach(&b);
}

static db_t *seeded_store(bool pg) {
    db_t *db = fresh_store(pg);
    if (!db) return NULL;
    char err[512] = "";
    int rc = demo_seed_orgs(db, false, err, sizeof(err));
    if (rc != 0) fprintf(stderr, "  demo_seed_orgs: %s\n", err);
    CHECK_EQ_INT(rc, 0);
    return db;
}

static char *first_snapshot; /* of the first engine run, to compare across engines */
static bool use_pg;

TEST(test_demo_shanghai_has_the_shape_of_domain_md) {
    db_t *db = seeded_store(use_pg);
    CHECK(db != NULL);
    if (!db) return;
    CHECK_EQ_INT(count_level(db, "city"), 1);
    CHECK_EQ_INT(count_level(db, "district"), 16);
    CHECK_EQ_INT(count_level(db, "office"), 216); /* data/shanghai-townships.csv, mid-2024 */
    int64_t departments = count_level(db, "department");
    CHECK(departments >= 10 && departments <= 20);
    int64_t villages = count_level(db, "village");
    CHECK(villages >= 5500 && villages <= 6700);
    CHECK_EQ_INT(count_level(db, "nation") + count_level(db, "province"), 0);
    /* 108 街道 → 街道 offices, 106 镇 + 2 乡 → 乡镇 offices */
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE level = 'office' AND type = '街道'", -1), 108);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE level = 'office' AND type = '乡镇'", -1), 108);
    CHECK_EQ_INT(
        db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE level = 'village' AND type NOT IN ('村', '居')", -1), 0);
    /* real names and codes */
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units WHERE level = 'city' AND name = '上海市司法局' "
                              "AND code = '310000' AND parent_id IS NULL",
                              -1),
                 1);
    CHECK_EQ_INT(
        db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE level = 'department' AND name = '促进法治处'", -1), 1);
    CHECK_EQ_INT(
        db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE name = '浦东新区司法局' AND code = '310115'", -1), 1);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE name = '崇明区司法局' AND code = '310151'", -1),
                 1);
    CHECK_EQ_INT(
        db_query_int(db,
                     "SELECT COUNT(*) FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                     "WHERE o.name = '南京东路街道司法所' AND d.name = '黄浦区司法局' AND o.code = '310101001'",
                     -1),
        1);
    /* a village code is its office's code + 3 digits */
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units v JOIN org_units o ON o.id = v.parent_id "
                              "WHERE v.level = 'village' AND (o.level <> 'office' OR LENGTH(v.code) <> 12 "
                              "OR SUBSTR(v.code, 1, 9) <> o.code)",
                              -1),
                 0);
    /* every office has committees below it */
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units o WHERE o.level = 'office' AND NOT EXISTS "
                              "(SELECT 1 FROM org_units v WHERE v.parent_id = o.id)",
                              -1),
                 0);
    db_close(db);
}

TEST(test_demo_every_path_is_parent_path_plus_own_id) {
    db_t *db = seeded_store(use_pg);
    CHECK(db != NULL);
    if (!db) return;
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE parent_id IS NULL", -1), 1);
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units WHERE parent_id IS NULL "
                              "AND (path <> '/' || CAST(id AS TEXT) || '/' OR depth <> 0)",
                              -1),
                 0);
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units c JOIN org_units p ON p.id = c.parent_id "
                              "WHERE c.path <> p.path || CAST(c.id AS TEXT) || '/' OR c.depth <> p.depth + 1",
                              -1),
                 0);
    /* levels sit at their depth: city 0, department/district 1, office 2, village 3 */
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units WHERE NOT ("
                              "(level = 'city' AND depth = 0) OR (level IN ('department', 'district') AND depth = 1) "
                              "OR (level = 'office' AND depth = 2) OR (level = 'village' AND depth = 3))",
                              -1),
                 0);
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units c JOIN org_units p ON p.id = c.parent_id "
                              "WHERE (c.level = 'office' AND p.level <> 'district') "
                              "OR (c.level = 'village' AND p.level <> 'office')",
                              -1),
                 0);
    db_close(db);
}

TEST(test_demo_codes_are_unique) {
    db_t *db = seeded_store(use_pg);
    CHECK(db != NULL);
    if (!db) return;
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE code IS NULL OR code = ''", -1), 0);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) - COUNT(DISTINCT code) FROM org_units", -1), 0);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) - COUNT(DISTINCT path) FROM org_units", -1), 0);
    /* sibling names are distinct too, so a clerk can tell them apart */
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM (SELECT parent_id, name FROM org_units "
                              "GROUP BY parent_id, name HAVING COUNT(*) > 1) d",
                              -1),
                 0);
    db_close(db);
}

TEST(test_demo_two_runs_give_identical_rows) {
    db_t *a = seeded_store(use_pg);
    char *sa = a ? snapshot(a) : NULL;
    db_close(a);
    db_t *b = seeded_store(use_pg);
    char *sb = b ? snapshot(b) : NULL;
    db_close(b);
    CHECK(sa && sb && strlen(sa) > 100000);
    CHECK(sa && sb && strcmp(sa, sb) == 0);
    /* and the same on both engines (same ids on a fresh store) */
    if (sa && first_snapshot) CHECK(strcmp(sa, first_snapshot) == 0);
    if (sa && !first_snapshot) first_snapshot = sa;
    else free(sa);
    free(sb);
}

/* The scope check's range: prefix '/1/26/' covers [ '/1/26/', '/1/260' ). */
TEST(test_demo_subtree_range_covers_pudong_only) {
    db_t *db = seeded_store(use_pg);
    CHECK(db != NULL);
    if (!db) return;
    db_stmt_t *s = db_prepare(db, "SELECT path FROM org_units WHERE name = '浦东新区司法局'");
    char lo[64] = "", hi[64];
    if (s && db_step(s) == DB_ROW) snprintf(lo, sizeof(lo), "%s", db_col_text(s, 0));
    if (s) db_reset(s);
    CHECK(lo[0] == '/');
    snprintf(hi, sizeof(hi), "%s", lo);
    hi[strlen(hi) - 1] = '0';

    s = db_prepare(db, "SELECT level, code FROM org_units WHERE path >= $1 AND path < $2 ORDER BY path");
    CHECK(s != NULL);
    if (!s) {
        db_close(db);
        return;
    }
    db_bind_text(s, 1, lo, -1);
    db_bind_text(s, 2, hi, -1);
    int districts = 0, offices = 0, villages = 0, others = 0, foreign = 0;
    while (db_step(s) == DB_ROW) {
        const char *level = db_col_text(s, 0), *code = db_col_text(s, 1);
        if (strncmp(code, "310115", 6) != 0) foreign++;
        if (strcmp(level, "district") == 0) districts++;
        else if (strcmp(level, "office") == 0) offices++;
        else if (strcmp(level, "village") == 0) villages++;
        else others++;
    }
    db_reset(s);
    CHECK_EQ_INT(districts, 1);        /* the bureau itself */
    CHECK_EQ_INT(offices, 36);         /* 12 街道 + 24 镇 */
    CHECK_EQ_INT(villages, 910 + 365); /* shanghai-districts.csv: 910 居委会, 365 村委会 */
    CHECK_EQ_INT(others, 0);
    CHECK_EQ_INT(foreign, 0);
    /* nothing of Pudong lies outside the range */
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE code LIKE '310115%'", -1),
                 1 + offices + villages);
    db_close(db);
}

TEST(test_demo_refuses_a_second_seed_and_leaves_no_partial_rows) {
    db_t *db = seeded_store(use_pg);
    CHECK(db != NULL);
    if (!db) return;
    int64_t before = db_query_int(db, "SELECT COUNT(*) FROM org_units", -1);
    char err[512] = "";
    CHECK(demo_seed_orgs(db, false, err, sizeof(err)) == -1); /* the codes already exist */
    CHECK(err[0] != '\0');
    CHECK(!db_in_tx(db));
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM org_units", -1), before);
    db_close(db);
}

/* The national tree for scale tests: DOMAIN.md's ~40,000 offices. */
TEST(test_demo_nation_has_40000_offices_under_31_provinces) {
    db_t *db = fresh_store(use_pg);
    CHECK(db != NULL);
    if (!db) return;
    char err[512] = "";
    int rc = demo_seed_orgs(db, true, err, sizeof(err));
    if (rc != 0) fprintf(stderr, "  demo_seed_orgs(nation): %s\n", err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(count_level(db, "nation"), 1);
    CHECK_EQ_INT(count_level(db, "province"), 31);
    int64_t districts = count_level(db, "district");
    CHECK(districts >= 2800 && districts <= 2900);
    CHECK_EQ_INT(count_level(db, "office"), 40000);
    CHECK_EQ_INT(count_level(db, "village"), 3 * 40000);
    CHECK_EQ_INT(count_level(db, "city") + count_level(db, "department"), 0);
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units c JOIN org_units p ON p.id = c.parent_id "
                              "WHERE c.path <> p.path || CAST(c.id AS TEXT) || '/' OR c.depth <> p.depth + 1",
                              -1),
                 0);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) - COUNT(DISTINCT code) FROM org_units", -1), 0);
    /* Shanghai keeps its real offices inside the national tree */
    CHECK_EQ_INT(db_query_int(db,
                              "SELECT COUNT(*) FROM org_units o JOIN org_units d ON d.id = o.parent_id "
                              "JOIN org_units p ON p.id = d.parent_id JOIN org_units n ON n.id = p.parent_id "
                              "WHERE o.name = '南京东路街道司法所' AND d.name = '黄浦区司法局' "
                              "AND p.name = '上海市司法局' AND p.level = 'province' AND n.name = '司法部'",
                              -1),
                 1);
    CHECK_EQ_INT(db_query_int(db, "SELECT COUNT(*) FROM org_units WHERE level = 'office' AND code LIKE '31%'", -1),
                 216);
    db_close(db);
}

static void run_all(void) {
    printf("-- %s\n", engine);
    RUN(test_demo_shanghai_has_the_shape_of_domain_md);
    RUN(test_demo_every_path_is_parent_path_plus_own_id);
    RUN(test_demo_codes_are_unique);
    RUN(test_demo_two_runs_give_identical_rows);
    RUN(test_demo_subtree_range_covers_pudong_only);
    RUN(test_demo_refuses_a_second_seed_and_leaves_no_partial_rows);
    RUN(test_demo_nation_has_40000_offices_under_31_provinces);
}

int main(void) {
    snprintf(sqlite_dir, sizeof(sqlite_dir), "/tmp/sifasuo-test-demo-XXXXXX");
    if (!mkdtemp(sqlite_dir)) {
        perror("mkdtemp");
        return 1;
    }
    run_all();
    const char *pg = getenv("SIFASUO_TEST_PG_URL");
    if (pg && *pg) {
        use_pg = true;
        engine = "postgresql";
        run_all();
        db_t *db = NULL;
        char err[512];
        if (db_open(pg, &db, err, sizeof(err)) == 0) {
            db_exec(db, "SET client_min_messages TO warning");
            db_exec(db, "DROP SCHEMA IF EXISTS " PG_SCHEMA " CASCADE");
            db_close(db);
        }
    } else {
        use_pg = true;
        engine = "postgresql";
        test_skip_begin(TEST_NO_PG);
        run_all();
        test_skip_end();
    }
    free(first_snapshot);
    for (int i = 0; i < sqlite_files; i++)
        for (int j = 0; j < 3; j++) {
            static const char *const suffix[] = {"", "-wal", "-shm"};
            char f[128];
            snprintf(f, sizeof(f), "%s/demo%d.db%s", sqlite_dir, i, suffix[j]);
            unlink(f);
        }
    rmdir(sqlite_dir);
    return test_summary();
}
