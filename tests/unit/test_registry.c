/* test_registry.c — the check of the entity declarations at start
 * (engine/registry.c entity_verify_all; issue 15).  Wiring by strings went
 * unchecked: a misspelt hook name silently skipped an age check, and states,
 * requires fields, code lists and ref targets were never verified.  Each
 * broken declaration below is registered in a child process (the registry
 * cannot forget an entity) and refused with one line naming the entity and
 * the item, exit 2; a command that opens the store (migrate here; serve and
 * init alike, through cli_open_store) stops before touching it.
 *
 * Also pinned: a field may not take a key every record carries (id,
 * org_name, wf_state, ..., or x_name for a person field x) — mediation-
 * parties' unit was declared as org_name and shadowed the office's name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/auth.h"
#include "cmd/cli.h"
#include "engine/engine.h"
#include "modules/modules.h"
#include "test.h"
#include "util/validate.h"

/* Runs fn(e) in a child with stderr captured into msg; its exit status, or
 * -1 when it did not exit. */
static int in_child(void (*fn)(const entity_t *e), const entity_t *e, char *msg, size_t msglen) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        fn(e);
        _exit(99);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t n;
    while (len < msglen - 1 && (n = read(fds[0], msg + len, msglen - 1 - len)) > 0) len += (size_t)n;
    msg[len] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void register_and_verify(const entity_t *e) {
    entity_register(e);
    _exit(entity_verify_all() ? 2 : 0);
}

/* True when e is refused: exit 2 and the line "声明错误: <name>: <want…". */
static bool refused(const entity_t *e, const char *want) {
    char msg[1024], line[512];
    int rc = in_child(register_and_verify, e, msg, sizeof(msg));
    snprintf(line, sizeof(line), "声明错误: %s: %s", e->name, want);
    bool ok = rc == 2 && strstr(msg, line) != NULL;
    if (!ok) fprintf(stderr, "  exit %d, stderr: %s  want: %s\n", rc, msg, line);
    return ok;
}

/* True when e passes the check: exit 0 and nothing said. */
static bool accepted(const entity_t *e) {
    char msg[1024];
    int rc = in_child(register_and_verify, e, msg, sizeof(msg));
    if (rc != 0 || msg[0]) fprintf(stderr, "  exit %d, stderr: %s\n", rc, msg);
    return rc == 0 && !msg[0];
}

/* ---- one declaration that uses every checked item correctly ---- */

static int noop_hook(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) { return 0; }

static const field_t good_fields[] = {
    {"title", "标题", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"year", "年度", F_INT, FF_FILTER | FF_SORT, .min = 2000, .max = 2100},
    {"gender", "性别", F_CODE, FF_FILTER, .code_list = "gender"},
    {"unit_id", "单位", F_REF, FF_FILTER, .ref = "org_units"},
    {"phone", "电话", F_TEXT, FF_PI, .mask = "phone"},
    {"person_id", "当事人", F_PERSON, 0},
    {"note", "意见", F_TEXT, FF_READONLY, .max = 500},
    {"unit_name", "单位名称", F_TEXT, 0, .was = "org_name"},
    {0},
};
static const wf_state_t good_states[] = {
    {"draft", "草稿", 0}, {"checked", "已校核", 3}, {"approved", "已审核", 0}, {"closed", "已关闭", 0, true}, {0},
};
static const wf_transition_t good_transitions[] = {
    {"check", "校核", "draft", "checked", .hook = noop_hook},
    {"approve", "审核", "checked", "approved", .perm = "good.entry.approve", .distinct_from = "check"},
    {"return", "退回", "checked approved", "draft", .requires = "note"},
    {"close", "关闭", "*", "closed"},
    {0},
};
static const workflow_t good_v1 = {1, "draft", good_states, good_transitions, .reopen_from = "checked approved",
                                   .reopen_to = "draft"};
static const workflow_t good_v2 = {2, "draft", good_states, good_transitions};
static const workflow_t *const good_flows[] = {&good_v1, &good_v2, NULL};
static const entity_t good = {.name = "good-entries", .label = "测试", .table = "good_entry", .perm = "good.entry",
                              .fields = good_fields, .flows = good_flows, .default_sort = "-year",
                              .unique = "org_id year"};

static const field_t child_fields[] = {
    {"entry_id", "所属", F_REF, FF_REQUIRED | FF_FILTER, .ref = "good-entries"},
    {0},
};
static const entity_t child = {.name = "good-children", .label = "测试", .table = "good_child", .perm = "good.child",
                               .fields = child_fields, .default_sort = "-created_at"};

static void register_both(const entity_t *e) {
    entity_register(&child); /* the ref target registers after: the check runs when all have */
    entity_register(e);
    _exit(entity_verify_all() ? 2 : 0);
}

TEST(test_a_declaration_using_every_item_rightly_passes) {
    CHECK(accepted(&good));
    char msg[512];
    CHECK_EQ_INT(in_child(register_both, &good, msg, sizeof(msg)), 0);
    CHECK_EQ_STR(msg, "");
}

/* ---- broken declarations, one of each kind ---- */

/* a declaration that differs from a plain one in the members given (which
 * override the defaults: that is the point) */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif
#define BROKEN(var, nm, ...)                                                                                           \
    static const entity_t var = {.name = nm, .label = "测试", .table = "broken", .perm = "broken",                     \
                                 .fields = good_fields, __VA_ARGS__}

/* names */
BROKEN(bad_name, "Bad Name");
BROKEN(bad_table, "bad-table", .table = "bad-table");
BROKEN(bad_perm, "bad-perm", .perm = "broken..read");
static const field_t dup_fields[] = {{"title", "标题", F_TEXT, 0}, {"title", "题目", F_TEXT, 0}, {0}};
BROKEN(dup_field, "dup-field", .fields = dup_fields);
static const field_t bad_was_fields[] = {{"unit_name", "单位名称", F_TEXT, 0, .was = "org name"}, {0}};
BROKEN(bad_was, "bad-was", .fields = bad_was_fields);

TEST(test_names_that_are_not_identifiers_are_refused) {
    CHECK(refused(&bad_name, ".name: \"Bad Name\" 不是标识符"));
    CHECK(refused(&bad_table, ".table: \"bad-table\" 不是标识符"));
    CHECK(refused(&bad_perm, ".perm: \"broken..read\" 不是权限名"));
    CHECK(refused(&dup_field, "字段 title: 重复声明"));
    CHECK(refused(&bad_was, "字段 unit_name: .was \"org name\" 不是标识符"));
}

/* fields */
static const field_t spine_clash[] = {{"title", "标题", F_TEXT, FF_LIST}, {"org_name", "单位名称", F_TEXT, 0}, {0}};
BROKEN(with_spine_clash, "clash-spine", .fields = spine_clash);
static const field_t person_clash[] = {
    {"person_id", "当事人", F_PERSON, 0}, {"person_id_name", "当事人姓名", F_TEXT, 0}, {0}};
BROKEN(with_person_clash, "clash-person", .fields = person_clash);
static const field_t ref_clash[] = {
    {"unit_id", "单位", F_REF, 0, .ref = "org_units"}, {"unit_id_name", "单位名称", F_TEXT, 0}, {0}};
BROKEN(with_ref_clash, "clash-ref", .fields = ref_clash);
static const field_t unknown_list[] = {{"category", "纠纷类型", F_CODE, 0, .code_list = "dispute_categry"}, {0}};
BROKEN(bad_code_list, "bad-code-list", .fields = unknown_list);
static const field_t no_list[] = {{"category", "纠纷类型", F_CODE, 0}, {0}};
BROKEN(missing_code_list, "missing-code-list", .fields = no_list);
static const field_t unknown_ref[] = {{"case_id", "案件", F_REF, 0, .ref = "mediation-case"}, {0}};
BROKEN(bad_ref, "bad-ref", .fields = unknown_ref);
static const field_t unknown_mask[] = {{"phone", "电话", F_TEXT, FF_PI, .mask = "mobile"}, {0}};
BROKEN(bad_mask, "bad-mask", .fields = unknown_mask);
static const field_t plain_mask[] = {{"phone", "电话", F_TEXT, 0, .mask = "phone"}, {0}};
BROKEN(mask_not_pi, "mask-not-pi", .fields = plain_mask);

TEST(test_a_field_named_like_a_key_every_record_carries_is_refused) {
    CHECK(refused(&with_spine_clash, "字段 org_name: 与每条记录都有的键重名"));
    CHECK(refused(&with_person_clash, "字段 person_id_name: 与每条记录都有的键重名"));
    CHECK(refused(&with_ref_clash, "字段 unit_id_name: 与每条记录都有的键重名"));
}

TEST(test_a_code_field_needs_a_list_a_migration_seeds) {
    CHECK(refused(&bad_code_list, "字段 category: 字典 \"dispute_categry\" 不存在"));
    CHECK(refused(&missing_code_list, "字段 category: 代码字段缺少 .code_list"));
}

TEST(test_a_ref_field_needs_an_org_unit_or_a_registered_entity) {
    CHECK(refused(&bad_ref, "字段 case_id: .ref \"mediation-case\" 既不是 org_units 也不是已注册的实体"));
}

/* ---- the record-title rule (issue 15 point 7: names, not ids) ---- */

static const field_t numbers_only[] = {{"year", "年度", F_INT, FF_LIST}, {"amount", "金额", F_DECIMAL, 0, .scale = 2}, {0}};
static const entity_t untitled = {.name = "untitled-rows", .label = "无名称", .table = "untitled_row",
                                  .perm = "untitled.row", .fields = numbers_only};
static const field_t ref_untitled[] = {{"row_id", "所属", F_REF, 0, .ref = "untitled-rows"}, {0}};
BROKEN(refs_untitled, "refs-untitled", .fields = ref_untitled);

static void register_after_untitled(const entity_t *e) {
    entity_register(&untitled);
    entity_register(e);
    _exit(entity_verify_all() ? 2 : 0);
}

TEST(test_a_ref_target_must_have_a_field_that_names_its_records) {
    char msg[1024];
    CHECK_EQ_INT(in_child(register_after_untitled, &refs_untitled, msg, sizeof(msg)), 2);
    CHECK(strstr(msg, "声明错误: refs-untitled: 字段 row_id: .ref \"untitled-rows\" 没有可作名称的字段") != NULL);
}

static const field_t name_after_title[] = {
    {"case_no", "编号", F_TEXT, FF_LIST}, {"title", "案由", F_TEXT, FF_LIST}, {"name", "名称", F_TEXT, 0}, {0}};
static const field_t listed_person[] = {
    {"note", "备注", F_TEXT, 0}, {"person_id", "调解员", F_PERSON, FF_LIST}, {0}};
static const field_t unlisted_text[] = {{"year", "年度", F_INT, FF_LIST}, {"note", "备注", F_TEXT, 0}, {0}};

TEST(test_the_title_is_name_then_title_then_the_first_listed_text_or_person) {
    const entity_t a = {.fields = name_after_title}, b = {.fields = listed_person}, c = {.fields = unlisted_text};
    CHECK(strcmp(entity_title_field(&a)->name, "name") == 0);
    CHECK(strcmp(entity_title_field(&good)->name, "title") == 0);
    CHECK(strcmp(entity_title_field(&b)->name, "person_id") == 0);
    CHECK(strcmp(entity_title_field(&c)->name, "note") == 0);
    CHECK(entity_title_field(&untitled) == NULL);
    CHECK(entity_title_field(NULL) == NULL);
}

TEST(test_a_mask_must_be_known_and_on_personal_information) {
    CHECK(refused(&bad_mask, "字段 phone: .mask \"mobile\" 未知"));
    CHECK(refused(&mask_not_pi, "字段 phone: .mask 只用于个人信息字段"));
}

/* .countdown (issue 20): "<name>_days" beside a plain date, computed at each read */
static const field_t countdown_date[] = {
    {"end_on", "期限止", F_DATE, FF_LIST, .countdown = "剩余天数"}, {"title", "标题", F_TEXT, 0}, {0}};
static const field_t countdown_text[] = {{"title", "标题", F_TEXT, FF_LIST, .countdown = "剩余天数"}, {0}};
static const field_t countdown_pi[] = {{"birth", "出生日期", F_DATE, FF_PI, .countdown = "剩余天数"}, {0}};
static const field_t countdown_clash[] = {
    {"end_on", "期限止", F_DATE, 0, .countdown = "剩余天数"}, {"end_on_days", "天数", F_INT, 0}, {0}};
BROKEN(countdown_ok, "countdown-ok", .fields = countdown_date);
BROKEN(countdown_on_text, "countdown-on-text", .fields = countdown_text);
BROKEN(countdown_on_pi, "countdown-on-pi", .fields = countdown_pi);
BROKEN(countdown_clashes, "countdown-clashes", .fields = countdown_clash);

TEST(test_a_countdown_is_on_a_plain_date_whose_days_key_is_free) {
    CHECK(accepted(&countdown_ok));
    CHECK(refused(&countdown_on_text, "字段 title: .countdown 只用于非个人信息、未脱敏的日期字段"));
    CHECK(refused(&countdown_on_pi, "字段 birth: .countdown 只用于非个人信息、未脱敏的日期字段"));
    CHECK(refused(&countdown_clashes, "字段 end_on: .countdown 输出的 end_on_days 与同名字段冲突"));
}

/* workflows */
#define FLOW(var, init, tr, ...)                                                                                       \
    static const workflow_t var##_v1 = {1, init, good_states, tr, __VA_ARGS__};                                        \
    static const workflow_t *const var##_flows[] = {&var##_v1, NULL}

FLOW(no_initial, "new", good_transitions);
BROKEN(bad_initial, "bad-initial", .flows = no_initial_flows);

static const wf_transition_t from_unknown[] = {{"check", "校核", "draft drafted", "checked"}, {0}};
FLOW(from_flow, "draft", from_unknown);
BROKEN(bad_from, "bad-from", .flows = from_flow_flows);

static const wf_transition_t to_unknown[] = {{"approve", "审核", "checked", "aproved"}, {0}};
FLOW(to_flow, "draft", to_unknown);
BROKEN(bad_to, "bad-to", .flows = to_flow_flows);

static const wf_transition_t perm_bad[] = {{"approve", "审核", "checked", "approved", .perm = "good entry approve"}, {0}};
FLOW(perm_flow, "draft", perm_bad);
BROKEN(bad_transition_perm, "bad-transition-perm", .flows = perm_flow_flows);

static const wf_transition_t requires_unknown[] = {{"return", "退回", "checked", "draft", .requires = "note reason"}, {0}};
FLOW(requires_flow, "draft", requires_unknown);
BROKEN(bad_requires, "bad-requires", .flows = requires_flow_flows);

static const wf_transition_t distinct_unknown[] = {
    {"check", "校核", "draft", "checked"}, {"approve", "审核", "checked", "approved", .distinct_from = "chek"}, {0}};
FLOW(distinct_flow, "draft", distinct_unknown);
BROKEN(bad_distinct, "bad-distinct", .flows = distinct_flow_flows);

static const wf_transition_t stamp_unknown[] = {{"approve", "审核", "checked", "approved", .stamp = "note"}, {0}};
FLOW(stamp_flow, "draft", stamp_unknown);
BROKEN(bad_stamp, "bad-stamp", .flows = stamp_flow_flows);

FLOW(reopen_from_flow, "draft", good_transitions, .reopen_from = "checked aproved", .reopen_to = "draft");
BROKEN(bad_reopen_from, "bad-reopen-from", .flows = reopen_from_flow_flows);
FLOW(reopen_to_flow, "draft", good_transitions, .reopen_from = "approved", .reopen_to = "entered");
BROKEN(bad_reopen_to, "bad-reopen-to", .flows = reopen_to_flow_flows);
FLOW(reopen_half_flow, "draft", good_transitions, .reopen_from = "approved");
BROKEN(half_reopen, "half-reopen", .flows = reopen_half_flow_flows);

static const workflow_t *const versions_backwards[] = {&good_v2, &good_v1, NULL};
BROKEN(bad_versions, "bad-versions", .flows = versions_backwards);

TEST(test_a_workflows_initial_state_must_be_declared) {
    CHECK(refused(&bad_initial, "流程 v1: .initial \"new\" 不是该流程的状态"));
}

TEST(test_every_transitions_from_and_to_must_be_states) {
    CHECK(refused(&bad_from, "流程 v1 动作 check: .from \"drafted\" 不是该流程的状态"));
    CHECK(refused(&bad_to, "流程 v1 动作 approve: .to \"aproved\" 不是该流程的状态"));
}

TEST(test_a_transitions_permission_must_be_well_formed) {
    CHECK(refused(&bad_transition_perm, "流程 v1 动作 approve: .perm \"good entry approve\" 不是权限名"));
}

TEST(test_requires_must_name_declared_fields) {
    CHECK(refused(&bad_requires, "流程 v1 动作 return: .requires \"reason\" 不是已声明的字段"));
}

TEST(test_distinct_from_must_name_actions_of_the_workflow) {
    CHECK(refused(&bad_distinct, "流程 v1 动作 approve: .distinct_from \"chek\" 不是该流程的动作"));
}

TEST(test_a_stamp_must_be_a_date_field) {
    CHECK(refused(&bad_stamp, "流程 v1 动作 approve: .stamp \"note\" 不是该业务的日期字段"));
}

TEST(test_reopen_states_must_be_declared_and_come_as_a_pair) {
    CHECK(refused(&bad_reopen_from, "流程 v1: .reopen_from \"aproved\" 不是该流程的状态"));
    CHECK(refused(&bad_reopen_to, "流程 v1: .reopen_to \"entered\" 不是该流程的状态"));
    CHECK(refused(&half_reopen, "流程 v1: .reopen_from 与 .reopen_to 须同时声明"));
}

TEST(test_workflow_versions_must_rise) {
    CHECK(refused(&bad_versions, "流程 v1: 版本号须为正且逐版递增"));
}

/* list and key */
BROKEN(sort_unknown, "sort-unknown", .default_sort = "-received_on");
BROKEN(sort_not_sortable, "sort-not-sortable", .default_sort = "note");
BROKEN(sort_pi, "sort-pi", .default_sort = "phone");
BROKEN(unique_unknown, "unique-unknown", .unique = "org_id yaer");
BROKEN(unique_pi, "unique-pi", .unique = "phone");

TEST(test_the_default_sort_must_be_a_key_lists_accept) {
    CHECK(refused(&sort_unknown, ".default_sort: \"-received_on\" 不能排序"));
    CHECK(refused(&sort_not_sortable, ".default_sort: \"note\" 不能排序"));
    CHECK(refused(&sort_pi, ".default_sort: \"phone\" 不能排序"));
}

TEST(test_unique_key_columns_must_be_org_id_or_plain_fields) {
    CHECK(refused(&unique_unknown, ".unique: \"yaer\" 既不是 org_id 也不是非个人信息的字段"));
    CHECK(refused(&unique_pi, ".unique: \"phone\" 既不是 org_id 也不是非个人信息的字段"));
}

/* children, numbers and date defaults (issue 15 point 8) */
static const field_t kid_fields[] = {
    {"folder_id", "所属", F_REF, FF_REQUIRED | FF_FILTER, .ref = "kid-parents"},
    {0},
};
static const entity_t kids = {.name = "good-kids", .label = "子记录", .table = "good_kid", .perm = "good.kid",
                              .fields = kid_fields, .parent = "folder_id"};
static const field_t numbered_fields[] = {
    {"no", "编号", F_TEXT, FF_READONLY, .max = 60},
    {"title", "标题", F_TEXT, 0, .max = 60},
    {"opened_on", "立卷日期", F_DATE, FF_REQUIRED | FF_TODAY},
    {"note", "意见", F_TEXT, FF_READONLY, .max = 500}, /* the workflow's return requires it */
    {0},
};
static const entity_child_t good_kids[] = {{"kids", "good-kids", CHILD_DELETE_REFUSE}, {0}};
static const entity_number_t good_number = {"no", "({year})沪{district}字第{office}-{seq:4}号", "close"};
#define PARENT(var, ...)                                                                                               \
    static const entity_t var = {.name = "kid-parents", .label = "测试", .table = "kid_parent", .perm = "kid.parent", \
                                 .fields = numbered_fields, .flows = good_flows, .children = good_kids,                \
                                 .number = &good_number, __VA_ARGS__}
PARENT(kid_parent);
static const entity_child_t kids_bad_key[] = {{"Kids", "good-kids", CHILD_DELETE_REFUSE}, {0}};
PARENT(child_bad_key, .children = kids_bad_key);
static const entity_child_t kids_field_key[] = {{"title", "good-kids", CHILD_DELETE_CASCADE}, {0}};
PARENT(child_field_key, .children = kids_field_key);
static const entity_child_t kids_unknown[] = {{"kids", "good-kidz", CHILD_DELETE_REFUSE}, {0}};
PARENT(child_unknown, .children = kids_unknown);
static const entity_child_t kids_not_ours[] = {{"kids", "good-children", CHILD_DELETE_REFUSE}, {0}};
PARENT(child_not_ours, .children = kids_not_ours);
static const entity_child_t kids_no_rule[] = {{"kids", "good-kids"}, {0}};
PARENT(child_no_rule, .children = kids_no_rule);
static const entity_number_t number_writable = {"title", "({year})第{office}-{seq}号"};
PARENT(number_bad_field, .number = &number_writable);
static const entity_number_t number_bad_word = {"no", "({yr})第{office}-{seq}号"};
PARENT(number_bad_word_p, .number = &number_bad_word);
static const entity_number_t number_no_office = {"no", "({year})沪{district}调字第{seq}号"};
PARENT(number_no_office_p, .number = &number_no_office);
static const entity_number_t number_bad_at = {"no", "({year})第{office}-{seq:4}号", "acept"};
PARENT(number_bad_at_p, .number = &number_bad_at);
static const field_t today_text[] = {{"no", "编号", F_TEXT, FF_TODAY}, {0}};
PARENT(today_on_text, .fields = today_text, .number = NULL);

static void register_with_kids(const entity_t *e) {
    entity_register(&kids);
    entity_register(&good);
    entity_register(&child); /* a child of good-entries, not of kid-parents */
    entity_register(e);
    _exit(entity_verify_all() ? 2 : 0);
}
/* As refused(), with the kids registered too. */
static bool refused_with_kids(const entity_t *e, const char *want) {
    char msg[1024], line[512];
    int rc = in_child(register_with_kids, e, msg, sizeof(msg));
    snprintf(line, sizeof(line), "声明错误: %s: %s", e->name, want);
    bool ok = rc == 2 && strstr(msg, line) != NULL;
    if (!ok) fprintf(stderr, "  exit %d, stderr: %s  want: %s\n", rc, msg, line);
    return ok;
}

TEST(test_children_numbers_and_today_declared_rightly_pass) {
    char msg[1024];
    CHECK_EQ_INT(in_child(register_with_kids, &kid_parent, msg, sizeof(msg)), 0);
    CHECK_EQ_STR(msg, "");
}

TEST(test_children_must_be_entities_whose_parent_is_this_one) {
    CHECK(refused_with_kids(&child_bad_key, "子记录 Kids: 键不是标识符"));
    CHECK(refused_with_kids(&child_field_key, "子记录 title: 键与字段重名"));
    CHECK(refused_with_kids(&child_unknown, "子记录 kids: .entity \"good-kidz\" 不是已注册的实体"));
    CHECK(refused_with_kids(&child_not_ours, "子记录 kids: 实体 good-children 的 .parent 不是指向 kid-parents 的引用字段"));
    CHECK(refused_with_kids(&child_no_rule, "子记录 kids: .on_delete 须为"));
}

TEST(test_a_number_fills_a_readonly_text_by_a_pattern_that_cannot_repeat) {
    CHECK(refused_with_kids(&number_bad_field, ".number.field: \"title\" 不是只读"));
    CHECK(refused_with_kids(&number_bad_word_p, ".number.pattern: \"({yr})第{office}-{seq}号\" 有未知的 {…}"));
    CHECK(refused_with_kids(&number_no_office_p, ".number.pattern: \"({year})沪{district}调字第{seq}号\" 须含"));
    CHECK(refused_with_kids(&number_bad_at_p, ".number.at: \"acept\" 不是该实体流程的动作"));
}

TEST(test_today_is_a_default_of_dates_only) {
    CHECK(refused_with_kids(&today_on_text, "字段 no: FF_TODAY 只用于日期字段"));
}

TEST(test_the_number_pattern_formats_year_office_district_and_padded_seq) {
    char *s = engine_number_format("({year})沪{district}调字第{office}-{seq:4}号", 2026, 57, "浦", 12);
    CHECK_EQ_STR(s, "(2026)沪浦调字第57-0012号");
    free(s);
    s = engine_number_format("{year}-{seq}", 2027, 1, NULL, 12345);
    CHECK_EQ_STR(s, "2027-12345");
    free(s);
    CHECK(engine_number_format("{seq:0}", 2026, 1, NULL, 1) == NULL);
    CHECK(engine_number_format("{seq", 2026, 1, NULL, 1) == NULL);
}

/* two entities on one table */
static const entity_t same_table = {.name = "same-table", .label = "测试", .table = "good_entry", .perm = "same.table",
                                    .fields = good_fields};
static void register_after_good(const entity_t *e) {
    entity_register(&good);
    entity_register(e);
    _exit(entity_verify_all() ? 2 : 0);
}

TEST(test_two_entities_may_not_share_a_table) {
    char msg[1024];
    CHECK_EQ_INT(in_child(register_after_good, &same_table, msg, sizeof(msg)), 2);
    CHECK(strstr(msg, "声明错误: same-table: .table: 表 good_entry 已由实体 good-entries 使用") != NULL);
}

/* ---- the commands refuse before touching the store ---- */

static char store_path[64];

static void migrate_with(const entity_t *e) {
    entity_register(e);
    char url[96];
    snprintf(url, sizeof(url), "sqlite:%s", store_path);
    cli_opts_t o = {.db_url = url};
    _exit(cmd_migrate(&o));
}

TEST(test_migrate_stops_with_exit_2_and_creates_no_store) {
    snprintf(store_path, sizeof(store_path), "/tmp/test_registry_%d.db", (int)getpid());
    unlink(store_path);
    char msg[1024];
    CHECK_EQ_INT(in_child(migrate_with, &bad_to, msg, sizeof(msg)), 2);
    CHECK(strstr(msg, "声明错误: bad-to: 流程 v1 动作 approve: .to \"aproved\"") != NULL);
    /* one line: nothing else was said */
    CHECK(strchr(msg, '\n') == msg + strlen(msg) - 1);
    struct stat st;
    CHECK(stat(store_path, &st) != 0);
    unlink(store_path);
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
    CHECK(refused(&wide, ".fields: 一条语句要绑定"));
    /* personal information binds three values a field */
    static entity_t wide_pi = {.name = "too-wide-pi", .label = "测试", .table = "too_wide_pi", .perm = "too.wide_pi"};
    wide_pi.fields = many_fields(SQL_BINDS_MAX / 3, FF_PI | FF_FILTER);
    CHECK(refused(&wide_pi, ".fields: 一条语句要绑定 142 个值, 超过 SQL_BINDS_MAX (128)"));
}

TEST(test_the_widest_entity_the_bind_table_holds_registers) {
    static entity_t wide = {.name = "widest-ok", .label = "测试", .table = "widest_ok", .perm = "widest.ok"};
    wide.fields = many_fields(SQL_BINDS_MAX - 16, 0); /* WRITE_SPINE_BINDS */
    char msg[1024];
    CHECK_EQ_INT(in_child(register_and_verify, &wide, msg, sizeof(msg)), 0);
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
static void add_seven_captures(const entity_t *unused) {
    static const route_t t[] = {{"GET", "/a/:p1/:p2/:p3/:p4/:p5/:p6/:p7", ok_handler}, {0}};
    router_add(t);
}
TEST(test_a_route_with_more_captures_than_a_request_holds_is_refused_with_exit_2) {
    char msg[1024];
    CHECK_EQ_INT(in_child(add_seven_captures, NULL, msg, sizeof(msg)), 2);
    CHECK(strstr(msg, "has 7 captures, more than HTTP_MAX_PARAMS (6)") != NULL);
}

/* Issue 19 point 5: every field that holds an organisation's 统一社会信用代码
 * (by its label) is checked by the one GB 32100 validator; before it, no
 * field took the code but the counsel contracts', with a check of their own. */
static int uscc_fields, uscc_unchecked;
static void count_uscc(const entity_t *e, void *arg) {
    for (const field_t *f = e->fields; f->name; f++)
        if (f->label && strstr(f->label, "统一社会信用代码")) {
            uscc_fields++;
            if (f->check != uscc_check) {
                uscc_unchecked++;
                fprintf(stderr, "  %s.%s: not checked by uscc_check\n", e->name, f->name);
            }
        }
}
static void every_module_counts_uscc(const entity_t *unused) {
    modules_perms_register();
    entity_each(count_uscc, NULL);
    _exit(uscc_unchecked ? 1 : uscc_fields >= 4 ? 0 : 3);
}
TEST(test_every_field_holding_an_organisations_credit_code_uses_the_gb32100_check) {
    char msg[2048];
    int rc = in_child(every_module_counts_uscc, NULL, msg, sizeof(msg));
    if (rc != 0) fprintf(stderr, "  exit %d: %s\n", rc, msg);
    CHECK_EQ_INT(rc, 0);
}

int main(void) {
    RUN(test_a_declaration_using_every_item_rightly_passes);
    RUN(test_every_field_holding_an_organisations_credit_code_uses_the_gb32100_check);
    RUN(test_names_that_are_not_identifiers_are_refused);
    RUN(test_a_field_named_like_a_key_every_record_carries_is_refused);
    RUN(test_a_code_field_needs_a_list_a_migration_seeds);
    RUN(test_a_ref_field_needs_an_org_unit_or_a_registered_entity);
    RUN(test_a_ref_target_must_have_a_field_that_names_its_records);
    RUN(test_the_title_is_name_then_title_then_the_first_listed_text_or_person);
    RUN(test_a_mask_must_be_known_and_on_personal_information);
    RUN(test_a_countdown_is_on_a_plain_date_whose_days_key_is_free);
    RUN(test_a_workflows_initial_state_must_be_declared);
    RUN(test_every_transitions_from_and_to_must_be_states);
    RUN(test_a_transitions_permission_must_be_well_formed);
    RUN(test_requires_must_name_declared_fields);
    RUN(test_distinct_from_must_name_actions_of_the_workflow);
    RUN(test_a_stamp_must_be_a_date_field);
    RUN(test_reopen_states_must_be_declared_and_come_as_a_pair);
    RUN(test_workflow_versions_must_rise);
    RUN(test_the_default_sort_must_be_a_key_lists_accept);
    RUN(test_unique_key_columns_must_be_org_id_or_plain_fields);
    RUN(test_children_numbers_and_today_declared_rightly_pass);
    RUN(test_children_must_be_entities_whose_parent_is_this_one);
    RUN(test_a_number_fills_a_readonly_text_by_a_pattern_that_cannot_repeat);
    RUN(test_today_is_a_default_of_dates_only);
    RUN(test_the_number_pattern_formats_year_office_district_and_padded_seq);
    RUN(test_two_entities_may_not_share_a_table);
    RUN(test_migrate_stops_with_exit_2_and_creates_no_store);
    RUN(test_an_entity_whose_write_outgrows_the_bind_table_is_refused_with_exit_2);
    RUN(test_the_widest_entity_the_bind_table_holds_registers);
    RUN(test_300_entities_register_with_their_permissions);
    RUN(test_every_write_observer_is_called);
    RUN(test_600_routes_all_match);
    RUN(test_a_route_with_more_captures_than_a_request_holds_is_refused_with_exit_2);
    return test_summary();
}
