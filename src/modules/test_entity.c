/* test_entity.c — two entities that exercise every point of the resource
 * engine in the test suite (issue 4 point 12).  Declared only when the
 * environment sets SIFASUO_TEST_ENTITY=1, so production never has them. */
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "engine/engine.h"
#include "modules/modules.h"
#include "util/validate.h"


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
    {"phone", "联系电话", F_TEXT, FF_PI | FF_FILTER, .mask = "phone", .check = mobile_check},
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
    {"phone", "联系电话", F_TEXT, FF_PI, .mask = "phone", .check = mobile_check},
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
    /* a sortable timestamp: its sort key must be a timestamp on PostgreSQL
     * (issue 27: COALESCE(x, '') failed the schema), empties last */
    {"noted_at", "记录时间", F_DATETIME, FF_SORT | FF_LIST},
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

/* A folder with two kinds of children and a number (issue 15 point 8):
 * entries go with it when it is deleted, a hold keeps it from deletion. */
static const field_t folder_fields[] = {
    {"folder_no", "卷宗编号", F_TEXT, FF_READONLY | FF_LIST | FF_SEARCH, .max = 60, .readonly_why = "由系统按年度顺序编号"},
    {"title", "标题", F_TEXT, FF_REQUIRED | FF_LIST, .max = 100},
    {"opened_on", "立卷日期", F_DATE, FF_REQUIRED | FF_TODAY | FF_LIST | FF_SORT},
    {"remind_on", "提醒日期", F_DATE, FF_TODAY}, /* not required: an explicit null stays null */
    {0},
};
/* a rule that fails after the number was taken: the number is given back */
static const char *folder_check(check_ctx_t *c, const char **field) {
    const char *t = json_string_value(json_object_get(c->after, "title"));
    if (t && strcmp(t, "作废") == 0) return *field = "title", "标题不能为「作废」";
    return NULL;
}
static const entity_child_t folder_children[] = {
    {"entries", "test-entries", CHILD_DELETE_CASCADE},
    {"holds", "test-holds", CHILD_DELETE_REFUSE},
    {0},
};
static const entity_number_t folder_number = {"folder_no", "({year})沪{district}测字第{office}-{seq:3}号"};
static const entity_t test_folders = {
    .name = "test-folders",
    .label = "测试卷宗",
    .table = "test_folder",
    .perm = "test.folder",
    .fields = folder_fields,
    .default_sort = "-id",
    .check = folder_check,
    .children = folder_children,
    .number = &folder_number,
    .roles = "office_staff office_director district_admin district_staff city_staff",
};
static const field_t entry_fields[] = {
    {"folder_id", "所属卷宗", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "test-folders"},
    {"text", "内容", F_TEXT, FF_REQUIRED | FF_LIST, .max = 200},
    {"party_id", "当事人", F_PERSON, FF_LIST},
    {"note", "备注 (不列出)", F_TEXT, 0, .max = 200},
    {0},
};
static const entity_t test_entries = {
    .name = "test-entries",
    .label = "测试卷内文件",
    .table = "test_entry",
    .perm = "test.entry",
    .fields = entry_fields,
    .default_sort = "id",
    .parent = "folder_id",
    .roles = "office_staff office_director district_admin district_staff city_staff",
};
static const field_t hold_fields[] = {
    {"folder_id", "所属卷宗", F_REF, FF_REQUIRED | FF_FILTER | FF_LIST, .ref = "test-folders"},
    {"reason", "保全理由", F_TEXT, FF_REQUIRED | FF_LIST, .max = 200},
    {0},
};
static const entity_t test_holds = {
    .name = "test-holds",
    .label = "测试保全",
    .table = "test_hold",
    .perm = "test.hold",
    .fields = hold_fields,
    .default_sort = "id",
    .parent = "folder_id",
    .roles = "office_staff office_director district_admin district_staff city_staff",
};

/* ---- a record whose rule uses its context (entity_t.check; issue 15 point 4) ---- */

static const field_t checked_fields[] = {
    {"title", "标题", F_TEXT, FF_REQUIRED | FF_LIST | FF_SEARCH, .max = 100},
    {"party_id", "当事人", F_PERSON, 0},
    {"item_id", "所属测试记录", F_REF, FF_FILTER, .ref = "test-items"},
    {"amount", "金额 (元)", F_DECIMAL, 0, .scale = 2, .min = 0, .max = 10000000000},
    {"headcount", "人数", F_INT, 0, .min = 0, .max = 10000},
    {"result", "办理结果", F_TEXT, FF_READONLY, .max = 500},
    {0},
};
static const wf_state_t checked_states[] = {
    {"open", "办理中", 0},
    {"closed", "办结", 0, true},
    {0},
};
static const wf_transition_t checked_transitions[] = {
    {"close", "办结", "open", "closed", .requires = "result"},
    {0},
};
static const workflow_t checked_flow = {1, "open", checked_states, checked_transitions, 0, 0};
static const workflow_t *const checked_flows[] = {&checked_flow, NULL};

/* Cents of a decimal as GET shows it ("1200.50"); -1 when empty. */
static long long cents(json_t *v) {
    const char *t = json_string_value(v);
    if (!t || !*t) return -1;
    double d = strtod(t, NULL);
    return (long long)(d * 100 + 0.5);
}

/* Every kind of context a rule may use: a person's birth date, a linked
 * record's fields, the record before an update, the action. */
static const char *checked_rule(check_ctx_t *c, const char **field) {
    json_t *party = check_linked(c, "party_id");
    const char *birth = party ? json_string_value(json_object_get(party, "birth_date")) : NULL;
    if (birth && check_age(birth, NULL) < 18) return *field = "party_id", "当事人须年满 18 周岁";
    long long amount = cents(json_object_get(c->after, "amount"));
    if (amount >= 0 && json_is_integer(json_object_get(c->after, "item_id"))) {
        json_t *item = check_linked(c, "item_id");
        long long cap = item ? cents(json_object_get(item, "amount")) : -1;
        if (cap >= 0 && amount > cap)
            return *field = "amount", arena_printf(c->r->arena, "金额不能超过所属测试记录的金额 (%s 元)",
                                                   json_string_value(json_object_get(item, "amount")));
    }
    json_t *was = c->before ? json_object_get(c->before, "headcount") : NULL;
    json_t *now = json_object_get(c->after, "headcount");
    if (c->op == CHECK_UPDATE && json_is_integer(was) &&
        (!json_is_integer(now) || json_integer_value(now) < json_integer_value(was)))
        return *field = "headcount",
               arena_printf(c->r->arena, "人数不能减少 (原为 %lld 人)", (long long)json_integer_value(was));
    if (c->op == CHECK_ACTION && !strcmp(c->action, "close") && amount < 0)
        return *field = "amount", "办结前须填写金额";
    return NULL;
}

static const entity_t test_checked = {
    .name = "test-checked",
    .label = "规则测试记录",
    .table = "test_checked",
    .perm = "test.checked",
    .fields = checked_fields,
    .flows = checked_flows,
    .default_sort = "-id",
    .check = checked_rule,
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
    entity_register(&test_folders);
    entity_register(&test_entries);
    entity_register(&test_holds);
    entity_register(&test_checked);
}
