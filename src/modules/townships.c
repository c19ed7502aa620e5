/* townships.c — the register of the townships themselves (街道、镇、乡 and
 * the development zones with social-management duties), each with its own
 * dates and the office that serves it (issue 19 point 1; plan clause 14:
 * "各街道办事处、乡镇人民政府按规定均应当设置司法所; 具有社会管理、公共
 * 服务职能的开发区按规定应当设置司法所").
 *
 * Offices are org units; townships are records of their district.  The
 * district rule c14_townships fails, naming the township, where a township
 * existing on the date has no office existing on that date: after a revoke,
 * or a merge that left a township without its own office.  The demo loads
 * one township per office (data/shanghai-townships.csv made the offices). */
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"
#include "modules/modules.h"
#include "modules/standards.h"

static const code_seed_t kinds[] = {
    {"subdistrict", "街道"}, {"town", "镇"}, {"township", "乡"}, {"dev_zone", "开发区"}, {0},
};
static const code_list_decl_t township_lists[] = {
    {"township_kind", "街道乡镇类型", kinds},
    {0},
};

static const field_t township_fields[] = {
    {"name", "街道乡镇名称", F_TEXT, FF_REQUIRED | FF_SEARCH | FF_LIST | FF_SORT, .max = 50},
    {"kind", "类型", F_CODE, FF_REQUIRED | FF_FILTER | FF_LIST, .code_list = "township_kind"},
    {"division_code", "行政区划代码", F_TEXT, FF_SEARCH, .max = 12},
    {"social_duties", "具有社会管理、公共服务职能 (开发区)", F_BOOL, FF_FILTER},
    {"established_on", "设立日期", F_DATE, FF_REQUIRED | FF_FILTER | FF_SORT | FF_LIST},
    {"abolished_on", "撤销 (合并) 日期", F_DATE, FF_FILTER | FF_SORT | FF_LIST},
    {"office_id", "设置的司法所", F_REF, FF_FILTER | FF_LIST, .ref = "org_units"},
    {"note", "说明", F_TEXT, 0, .max = 500},
    {0},
};

/* The serving office is a 司法所 (an org unit of level office); a township
 * ends after it begins. */
static const char *township_rule(check_ctx_t *c, const char **field) {
    const char *from = json_string_value(json_object_get(c->after, "established_on")),
               *to = json_string_value(json_object_get(c->after, "abolished_on"));
    if (from && to && strcmp(to, from) <= 0) return *field = "abolished_on", "撤销日期应晚于设立日期";
    json_t *office = json_object_get(c->after, "office_id");
    if (json_is_integer(office) &&
        check_count(c, "SELECT COUNT(*) FROM org_units WHERE id = $1 AND level = 'office'", json_integer_value(office)) < 1)
        return *field = "office_id", "请选择司法所";
    return NULL;
}

static int townships_demo(const engine_demo_t *d, char *err, size_t errlen);
static const entity_t townships = {
    .name = "townships",
    .label = "街道乡镇",
    .table = "township",
    .perm = "township",
    .fields = township_fields,
    .default_sort = "name",
    .roles = "district_admin district_staff city_staff city_leader",
    .check = township_rule,
    .code_lists = township_lists,
    .demo = townships_demo,
    .line = "organisation",
    .line_label = "组织队伍",
};

/* ---- clause 14 (district): every township existing on D has an office on D ---- */
static int eval_c14_townships(std_eval_t *e) {
    int *total = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    int *lacking = arena_calloc(e->arena, sizeof(int) * ((size_t)e->n + 1));
    db_stmt_t *s = std_scoped(
        e, "SELECT t.org_path, t.id, t.name, o.name, o.level, o.valid_from, o.valid_to FROM township t "
           "LEFT JOIN org_units o ON o.id = t.office_id WHERE t.deleted_at IS NULL AND t.org_path >= $1 "
           "AND t.org_path < $2 AND t.established_on <= $3 AND (t.abolished_on IS NULL OR t.abolished_on > $3) "
           "AND (t.kind <> 'dev_zone' OR t.social_duties = 1) ORDER BY t.name, t.id");
    if (!s) return DB_ERR;
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int i = std_unit_of_path(e, db_col_text(s, 0));
        if (i < 0) continue;
        total[i]++;
        const char *office = db_col_text(s, 3), *from = db_col_text(s, 5), *to = db_col_text(s, 6);
        bool serves = office && strcmp(db_col_text(s, 4), "office") == 0 && strcmp(from, e->as_of) <= 0 &&
                      (!to || strcmp(to, e->as_of) > 0);
        if (serves) continue;
        lacking[i]++;
        std_record(&e->res[i], "townships", db_col_int(s, 1),
                   !office ? arena_printf(e->arena, "%s (未设司法所)", db_col_text(s, 2))
                   : strcmp(from, e->as_of) > 0
                       ? arena_printf(e->arena, "%s (%s %s 起设立)", db_col_text(s, 2), office, from)
                       : arena_printf(e->arena, "%s (%s 已于 %s 撤销或合并)", db_col_text(s, 2), office, to));
    }
    db_reset(s);
    if (rc != DB_DONE) return rc;
    for (int i = 0; i < e->n; i++) {
        if (!total[i])
            std_set(e, i, STD_FAIL, "0", "全部", "未登记辖区街道乡镇, 无法核实每个街道、乡镇均设有司法所");
        else
            std_set(e, i, lacking[i] ? STD_FAIL : STD_PASS, arena_printf(e->arena, "%d/%d", total[i] - lacking[i], total[i]),
                    "全部", "辖区街道乡镇 (含具有社会管理职能的开发区) %d 个, 设有司法所 %d 个%s", total[i],
                    total[i] - lacking[i], lacking[i] ? arena_printf(e->arena, ", 未设 %d 个", lacking[i]) : "");
    }
    return 0;
}

static const std_rule_t township_rules[] = {
    {"c14_townships", "14", "每个街道、乡镇均设有司法所",
     "各街道办事处、乡镇人民政府按规定均应当设置司法所; 具有社会管理、公共服务职能的开发区按规定应当设置司法所。",
     "district", NULL, NULL,
     "township (核查日存续: established_on ≤ D < abolished_on; 开发区须具有社会管理职能), office_id 所指司法所核查日存续",
     "townships", eval_c14_townships},
};

/* Demo: each office's township, named after it (XX街道司法所 → XX街道),
 * of the office's type, established with it, owned by its district. */
static int townships_demo(const engine_demo_t *d, char *err, size_t errlen) {
    db_stmt_t *s = db_prepare(
        d->db, "INSERT INTO township (org_id, org_path, version, created_at, updated_at, name, kind, established_on, "
               "office_id, social_duties) SELECT p.id, p.path, 1, '2026-11-30T09:00:00Z', '2026-11-30T09:00:00Z', "
               "CASE WHEN substr(o.name, length(o.name) - 2) = '司法所' THEN substr(o.name, 1, length(o.name) - 3) "
               "ELSE o.name END, CASE o.type WHEN '镇' THEN 'town' WHEN '乡' THEN 'township' WHEN '开发区' "
               "THEN 'dev_zone' ELSE 'subdistrict' END, o.valid_from, o.id, CASE o.type WHEN '开发区' THEN 1 ELSE 0 END "
               "FROM org_units o JOIN org_units p ON p.id = o.parent_id WHERE o.level = 'office' ORDER BY o.id");
    if (!s) goto fail;
    int rc = db_step(s);
    db_reset(s);
    if (rc != DB_DONE) goto fail;
    return 0;
fail:
    snprintf(err, errlen, "%s", db_errmsg(d->db));
    return -1;
}

void townships_declare(void) {
    entity_register(&townships);
    std_rules_register(township_rules, 1, NULL);
}
