/* test_entity.c — two entities that exercise every point of the resource
 * engine in the test suite (issue 4 point 12).  Declared only when the
 * environment sets SIFASUO_TEST_ENTITY=1, so production never has them. */
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "modules/modules.h"
#include "util/validate.h"

static const char *phone_check(const char *v) { return mobile_valid(v) ? NULL : "手机号码应为 11 位, 以 1 开头"; }

static const field_t item_fields[] = {
    {"title", "标题", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 100},
    {"summary", "概要", F_TEXT, FF_SEARCH, .max = 2000},
    {"category", "类别", F_CODE, FF_FILTER | FF_LIST, .code_list = "dispute_category"},
    {"amount", "金额 (元)", F_DECIMAL, FF_FILTER | FF_SORT, .scale = 2, .min = 0, .max = 10000000000},
    {"headcount", "人数", F_INT, FF_FILTER, .min = 0, .max = 10000},
    {"happened_on", "发生日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"urgent", "紧急", F_BOOL, FF_FILTER},
    {"village_id", "发生地", F_REF, FF_FILTER, .ref = "org_units"},
    {"party_id", "当事人", F_PERSON, 0},
    {"phone", "联系电话", F_TEXT, FF_PI | FF_FILTER, .mask = "phone", .check = phone_check},
    {"reject_reason", "不予受理理由", F_TEXT, FF_READONLY, .max = 500},
    {"result", "办理结果", F_TEXT, FF_READONLY, .max = 500},
    {0},
};

static const wf_state_t v1_states[] = {
    {"registered", "登记", 3},
    {"accepted", "受理", 0},
    {"closed", "办结", 0, true},
    {"rejected", "不予受理", 0, true},
    {0},
};
static const wf_transition_t v1_transitions[] = {
    {"accept", "受理", "registered", "accepted"},
    {"reject", "不予受理", "registered", "rejected", .requires = "reject_reason"},
    {"close", "办结", "accepted", "closed", .requires = "result"},
    {0},
};
static const workflow_t item_flow_v1 = {1, "registered", v1_states, v1_transitions, 30, 2};

/* v2 adds a director's review before closing; records begun under v1 finish under v1 */
static const wf_state_t v2_states[] = {
    {"registered", "登记", 3},
    {"accepted", "受理", 0},
    {"review", "所长审核", 2},
    {"closed", "办结", 0, true},
    {"rejected", "不予受理", 0, true},
    {0},
};
static const wf_transition_t v2_transitions[] = {
    {"accept", "受理", "registered", "accepted"},
    {"reject", "不予受理", "registered", "rejected", .requires = "reject_reason"},
    {"submit", "提交审核", "accepted", "review", .requires = "result"},
    {"approve", "审核通过", "review", "closed", .perm = "test.item.approve_director"},
    {"send_back", "退回", "review", "accepted"},
    /* out of a final state: a reopen (a reason required, audited); v1 has
     * none, so a record closed under v1 stays locked */
    {"reopen", "重新办理", "closed", "accepted", .perm = "test.item.reopen"},
    {0},
};
static const workflow_t item_flow_v2 = {2, "registered", v2_states, v2_transitions, 30, 2};
static const workflow_t *const item_flows[] = {&item_flow_v1, &item_flow_v2, NULL};

static const entity_t test_items = {
    .name = "test-items",
    .label = "测试记录",
    .table = "test_item",
    .perm = "test.item",
    .fields = item_fields,
    .flows = item_flows,
    .default_sort = "-id",
    .roles = "office_staff office_director district_admin district_staff city_staff",
};

/* protected (community corrections' shape): a workflow, a linked person
 * and personal information, so every access path can be driven through it
 * (tests/api/test_access.py) */
static const field_t secret_fields[] = {
    {"title", "标题", F_TEXT, FF_REQUIRED | FF_LIST | FF_SEARCH, .max = 100},
    {"subject_id", "对象", F_PERSON, 0},
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = phone_check},
    {"scan", "扫描件", F_FILE, 0},
    {0},
};
static const wf_state_t secret_states[] = {
    {"registered", "登记", 5},
    {"reviewed", "已审核", 0, true},
    {0},
};
static const wf_transition_t secret_transitions[] = {
    {"review", "审核", "registered", "reviewed"},
    {0},
};
static const workflow_t secret_flow_v1 = {1, "registered", secret_states, secret_transitions, 30, 0};
static const workflow_t *const secret_flows[] = {&secret_flow_v1, NULL};
static const entity_t test_secrets = {
    .name = "test-secrets",
    .label = "受保护测试记录",
    .table = "test_secret",
    .perm = "test.secret",
    .fields = secret_fields,
    .flows = secret_flows,
    .protected_ = true,
    .roles = "office_staff office_director district_admin district_staff city_staff",
};

/* an ordinary record linking a protected one: it may link only what its
 * author may read (engine/access.c) */
static const field_t secret_link_fields[] = {
    {"title", "标题", F_TEXT, FF_REQUIRED | FF_LIST, .max = 100},
    {"secret_id", "受保护测试记录", F_REF, FF_FILTER | FF_LIST, .ref = "test-secrets"},
    {0},
};
static const entity_t test_secret_links = {
    .name = "test-secret-links",
    .label = "测试关联记录",
    .table = "test_secret_link",
    .perm = "test.secret_link",
    .fields = secret_link_fields,
    .roles = "office_staff office_director district_admin district_staff city_staff",
};

/* a child of a test item: locked with it (entity_t.parent) */
static const field_t note_fields[] = {
    {"item_id", "所属测试记录", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "test-items"},
    {"note", "备注", F_TEXT, FF_REQUIRED | FF_LIST, .max = 200},
    {0},
};
static const entity_t test_notes = {
    .name = "test-notes",
    .label = "测试备注",
    .table = "test_note",
    .perm = "test.note",
    .fields = note_fields,
    .parent = "item_id",
    .roles = "office_staff office_director district_admin district_staff city_staff",
};

static const perm_def_t test_perms[] = {
    {"test.item.approve_director", "测试记录: 所长审核", "office_director"},
    {"test.item.reopen", "测试记录: 重新办理", "district_admin"},
    {0},
};

void test_entity_declare(void) {
    const char *on = getenv("SIFASUO_TEST_ENTITY");
    if (!on || strcmp(on, "1") != 0) return;
    perm_register(test_perms);
    entity_register(&test_items);
    entity_register(&test_secrets);
    entity_register(&test_secret_links);
    entity_register(&test_notes);
}
