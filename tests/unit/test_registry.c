/* test_registry.c — entity declarations the registry refuses at start
 * (engine/registry.c): a field may not take a key every record carries
 * (id, org_name, wf_state, ..., or x_name for a person field x), since the
 * record's JSON would then carry that key twice — mediation-parties' unit was
 * declared as org_name and shadowed the office's name.  A refused
 * declaration aborts the process, so each case runs in a child. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "test.h"

/* Runs fn(arg) in a child; true when the child aborted (exit_code 0) or
 * exited with exit_code, with a message on stderr containing want. */
static bool refused_by(void (*fn)(const void *), const void *arg, const char *want, int exit_code) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    fflush(stdout); /* a child that exits must not print the parent's buffered lines again */
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    char msg[512] = "";
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(msg) - 1 && (n = read(fds[0], msg + len, sizeof(msg) - 1 - len)) > 0) len += (size_t)n;
    msg[len] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    bool how = exit_code ? WIFEXITED(status) && WEXITSTATUS(status) == exit_code
                         : WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    if (!strstr(msg, want)) fprintf(stderr, "  child said: %s", msg);
    return how && strstr(msg, want) != NULL;
}

static void register_entity(const void *e) { entity_register(e); }
static void add_routes(const void *t) { router_add(t); }

/* Registers e in a child; true when the child aborted with a message on
 * stderr containing want. */
static bool refused(const entity_t *e, const char *want) { return refused_by(register_entity, e, want, 0); }

static const field_t spine_clash[] = {
    {"title", "标题", F_TEXT, FF_LIST},
    {"org_name", "单位名称", F_TEXT, FF_SEARCH},
    {0},
};
static const entity_t with_spine_clash = {
    .name = "clash-spine", .label = "测试", .table = "clash_spine", .perm = "clash.spine", .fields = spine_clash};

static const field_t person_clash[] = {
    {"person_id", "当事人", F_PERSON, 0},
    {"person_id_name", "当事人姓名", F_TEXT, 0},
    {0},
};
static const entity_t with_person_clash = {
    .name = "clash-person", .label = "测试", .table = "clash_person", .perm = "clash.person", .fields = person_clash};

static const field_t renamed[] = {
    {"unit_name", "单位名称", F_TEXT, FF_SEARCH, .was = "org_name"},
    {"wf_note", "备注", F_TEXT, 0},
    {0},
};
static const entity_t with_renamed = {
    .name = "renamed-ok", .label = "测试", .table = "renamed_ok", .perm = "renamed.ok", .fields = renamed};

static const field_t bad_was[] = {
    {"unit_name", "单位名称", F_TEXT, 0, .was = "org name"},
    {0},
};
static const entity_t with_bad_was = {
    .name = "bad-was", .label = "测试", .table = "bad_was", .perm = "bad.was", .fields = bad_was};

TEST(test_a_field_named_like_a_spine_key_is_refused) {
    CHECK(refused(&with_spine_clash, "field \"org_name\" clashes with a key every record carries"));
}

TEST(test_a_field_named_like_a_person_fields_name_key_is_refused) {
    CHECK(refused(&with_person_clash, "field \"person_id_name\" clashes"));
}

TEST(test_a_former_name_must_be_an_identifier) {
    CHECK(refused(&with_bad_was, "bad identifier \"org name\""));
}

TEST(test_a_renamed_field_and_names_near_the_spine_register) {
    entity_register(&with_renamed);
    CHECK(entity_find("renamed-ok") == &with_renamed);
    CHECK(entity_field(&with_renamed, "unit_name") != NULL);
}

/* ---- issue 15: no silent limits ---- */

/* n fields named f0…, with flags each (allocated; the test process ends). */
static const field_t *many_fields(int n, unsigned flags) {
    field_t *f = calloc((size_t)n + 1, sizeof(*f));
    for (int i = 0; i < n; i++) {
        char *name = malloc(16);
        snprintf(name, 16, "f%d", i);
        f[i] = (field_t){.name = name, .label = "字段", .type = F_TEXT, .flags = flags};
    }
    return f;
}

TEST(test_an_entity_whose_write_outgrows_the_bind_table_is_refused_with_exit_2) {
    static entity_t wide = {.name = "too-wide", .label = "测试", .table = "too_wide", .perm = "too.wide"};
    wide.fields = many_fields(SQL_BINDS_MAX, 0);
    CHECK(refused_by(register_entity, &wide, "entity too-wide: its fields need", 2));
    /* personal information binds three values a field */
    static entity_t wide_pi = {.name = "too-wide-pi", .label = "测试", .table = "too_wide_pi", .perm = "too.wide_pi"};
    wide_pi.fields = many_fields(SQL_BINDS_MAX / 3, FF_PI | FF_FILTER);
    CHECK(refused_by(register_entity, &wide_pi, "SQL_BINDS_MAX (128)", 2));
}

TEST(test_the_widest_entity_the_bind_table_holds_registers) {
    static entity_t wide = {.name = "widest-ok", .label = "测试", .table = "widest_ok", .perm = "widest.ok"};
    wide.fields = many_fields(SQL_BINDS_MAX - 16, 0); /* WRITE_SPINE_BINDS */
    entity_register(&wide);
    CHECK(entity_find("widest-ok") == &wide);
}

/* The entity table stopped at 128 (abort) and the permission tables at 64,
 * one per entity: the 65th entity's permissions were silently missing. */
TEST(test_300_entities_register_with_their_permissions) {
    static entity_t e[300];
    static char names[300][3][32];
    static const field_t one[] = {{"title", "标题", F_TEXT, FF_LIST}, {0}};
    for (int i = 0; i < 300; i++) {
        snprintf(names[i][0], 32, "grow-%d", i);
        snprintf(names[i][1], 32, "grow_%d", i);
        snprintf(names[i][2], 32, "grow.e%d", i);
        e[i] = (entity_t){.name = names[i][0],
                          .label = "测试",
                          .table = names[i][1],
                          .perm = names[i][2],
                          .fields = one,
                          .roles = "office_staff"};
        entity_register(&e[i]);
    }
    int found = 0, perms = 0;
    char key[64];
    for (int i = 0; i < 300; i++) {
        found += entity_find(names[i][0]) == &e[i];
        snprintf(key, sizeof(key), "grow.e%d.read", i);
        perms += perm_find(key) != NULL;
    }
    CHECK_EQ_INT(found, 300);
    CHECK_EQ_INT(perms, 300);
}

static int observed;
static int observer(db_t *db, const entity_t *e, const char *org_path, int64_t user_id) {
    observed++;
    return 0;
}

/* engine_on_write kept 8 observers and dropped the rest without a word. */
TEST(test_every_write_observer_is_called) {
    for (int i = 0; i < 20; i++)
        engine_on_write(observer);
    observed = 0;
    CHECK_EQ_INT(engine_notify_write(NULL, NULL, "/", 0), 0);
    CHECK_EQ_INT(observed, 20);
}

static void ok_handler(http_req_t *r) {}

/* The route table stopped at 512 ("too many routes" and the rest dropped). */
TEST(test_600_routes_all_match) {
    static route_t t[601];
    static char pat[600][40];
    for (int i = 0; i < 600; i++) {
        snprintf(pat[i], sizeof(pat[i]), "/api/v1/grow/r%d", i);
        t[i] = (route_t){.method = "GET", .pattern = pat[i], .fn = ok_handler};
    }
    router_add(t);
    int matched = 0;
    for (int i = 0; i < 600; i++)
        matched += router_match("GET", pat[i], NULL, NULL, 0) == &t[i];
    CHECK_EQ_INT(matched, 600);
}

/* A pattern with more captures than a request holds never matched. */
TEST(test_a_route_with_more_captures_than_a_request_holds_is_refused_with_exit_2) {
    static const route_t t[] = {{"GET", "/a/:p1/:p2/:p3/:p4/:p5/:p6/:p7", ok_handler}, {0}};
    CHECK(refused_by(add_routes, t, "has 7 captures, more than HTTP_MAX_PARAMS (6)", 2));
}

int main(void) {
    RUN(test_a_field_named_like_a_spine_key_is_refused);
    RUN(test_a_field_named_like_a_person_fields_name_key_is_refused);
    RUN(test_a_former_name_must_be_an_identifier);
    RUN(test_a_renamed_field_and_names_near_the_spine_register);
    RUN(test_an_entity_whose_write_outgrows_the_bind_table_is_refused_with_exit_2);
    RUN(test_the_widest_entity_the_bind_table_holds_registers);
    RUN(test_300_entities_register_with_their_permissions);
    RUN(test_every_write_observer_is_called);
    RUN(test_600_routes_all_match);
    RUN(test_a_route_with_more_captures_than_a_request_holds_is_refused_with_exit_2);
    return test_summary();
}
