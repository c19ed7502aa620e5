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

#include "engine/engine.h"
#include "test.h"

/* Registers e in a child; true when the child aborted with a message on
 * stderr containing want. */
static bool refused(const entity_t *e, const char *want) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        entity_register(e);
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
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(msg, want) != NULL;
}

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

int main(void) {
    RUN(test_a_field_named_like_a_spine_key_is_refused);
    RUN(test_a_field_named_like_a_person_fields_name_key_is_refused);
    RUN(test_a_former_name_must_be_an_identifier);
    RUN(test_a_renamed_field_and_names_near_the_spine_register);
    return test_summary();
}
