/* stat_returns.c — statistical returns (统计报表; issue 25 point 5, clause 21:
 * 一次录入、多方共享 — the periodic forms the Ministry and the city collect,
 * made from the records instead of by hand).
 *
 *   POST /api/v1/stat-returns/generate {form, org_id, year, period}  a draft from the records
 *   POST /api/v1/stat-returns/:id/regenerate                        the numbers anew (draft only)
 *   GET  /api/v1/stat-returns/:id/xlsx                              the form as .xlsx
 *
 * A return is an engine entity (stat-returns): one per unit (an office or a
 * district), form and period (a quarter, a half-year, a year).  Its numbers
 * are a snapshot taken at generation (figures, JSON), so what was reviewed
 * is what is submitted; while it is a draft it may be generated again.
 * Workflow: 编制 → 审核 → 报送 → 接收 by the unit above (the district for an
 * office's return, the city bureau for a district's), with 退回 and a
 * reason from 审核 (the reviewer) or 报送 (the receiver).
 *
 * A form is a row of the forms table below: its code, title and a builder
 * that counts its tables over a unit's subtree and a period (returns.h's
 * helpers: $1/$2 the subtree range, $3/$4 the period).  The figures:
 *
 *   {"tables":[{"key","title","head","unit","money","cols":[{"key","label","group"}],
 *               "rows":[{"code","label","values":[…]}]}],
 *    "offices":[{"id","name","totals":{"table.col":n}}],   (a district's return)
 *    "problems":["…"]}                                     (the rules' findings at generation)
 *
 * Consistency rules (the forms' 表间/表内审核关系) run on the snapshot and
 * are shown on the page; 报送 runs them again and refuses (409
 * inconsistent) while one fails.  A district's return is counted from the
 * records of its whole subtree, and each of its offices' returns already
 * submitted for the period must agree with the district's count for that
 * office (a record changed after the office reported shows up there). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "auth/auth.h"
#include "auth/scope.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "engine/workflow.h"
#include "modules/modules.h"
#include "modules/returns.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/xlsx_tmp.h"

#define RETURN_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"

/* ---- the forms ---- */

typedef struct sr_col {
    const char *key, *label, *group; /* group: the merged heading above adjacent columns */
} sr_col_t;

/* One table of a form: rows from a code list (every code, zeros included,
 * as on the printed form) and one GROUP BY query returning the code and
 * one value per column. */
typedef struct sr_table {
    const char *key, *title, *head, *unit;
    bool money;            /* values in fen, shown as yuan */
    const char *code_list; /* the rows */
    const sr_col_t *cols;  /* {0}-terminated */
    const char *sql;       /* $1 lo, $2 hi (the subtree), $3 from, $4 to (the period) */
} sr_table_t;

struct sr_form;
typedef struct sr_ctx {
    http_req_t *r;
    const struct sr_form *f; /* the form checked */
    json_t *fig;             /* the figures being checked */
    const char *path;        /* the return's unit */
    int64_t id, org_id;      /* the return (0 while generating) */
    const char *form, *period;
    int year;
    json_t *problems; /* messages of failed rules */
} sr_ctx_t;

/* A rule: adds a Chinese message to c->problems per inconsistency; -1 on a store error. */
typedef int (*sr_rule_fn)(sr_ctx_t *c);

/* A column that counts part of another's, row by row (其中…): {table, part, whole}. */
typedef struct sr_part {
    const char *table, *part, *whole;
} sr_part_t;

typedef struct sr_form {
    const char *code, *title;
    const sr_table_t *tables;       /* {0}-terminated */
    const sr_rule_fn *rules;        /* the form's own rules, NULL-terminated (common_rules run for every form) */
    const char *const *same_totals; /* pairs of tables counting the same records (NULL-ended) */
    const sr_part_t *parts;         /* {0}-terminated */
} sr_form_t;

/* 人民调解: cases registered in the period, accepted (neither waiting for
 * acceptance nor refused), by their result as recorded now — the same
 * reading of a result as 调解统计 (mediation_stats.c). */
#define CASE_COLS                                                                                                      \
    "COUNT(*), SUM(CASE WHEN agreement_form IS NOT NULL THEN 1 ELSE 0 END), "                                          \
    "SUM(CASE WHEN agreement_form IS NULL AND referral IS NOT NULL THEN 1 ELSE 0 END), "                               \
    "SUM(CASE WHEN agreement_form IS NULL AND referral IS NULL THEN 1 ELSE 0 END), "                                   \
    "SUM(CASE WHEN major = 1 THEN 1 ELSE 0 END) FROM mediation_case WHERE org_path >= $1 AND org_path < $2 "           \
    "AND deleted_at IS NULL AND received_on >= $3 AND received_on <= $4 AND wf_state NOT IN ('registered', "           \
    "'rejected')"
static const sr_col_t case_cols[] = {
    {"accepted", "受理", NULL},          {"succeeded", "调解成功", "调解结果"}, {"failed", "调解不成功", "调解结果"},
    {"mediating", "调解中", "调解结果"}, {"major", "其中重大疑难复杂", NULL},   {0},
};
static const sr_col_t org_cols[] = {{"count", "调解组织数", NULL}, {"with_cases", "其中本期有案件的", NULL}, {0}};
static const sr_col_t mediator_cols[] = {
    {"count", "调解员人数", NULL}, {"with_cases", "其中本期承办案件的", NULL}, {0}};
static const sr_col_t funding_cols[] = {{"amount", "经费金额", NULL}, {"in_budget", "其中列入财政预算", NULL}, {0}};

static const sr_table_t mediation_tables[] = {
    {"orgs", "表一 人民调解组织", "组织类型", "个", false, "mediation_org_type", org_cols,
     "SELECT o.org_type, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM mediation_case c WHERE c.mediation_org_id = "
     "o.id "
     "AND c.deleted_at IS NULL AND c.received_on >= $3 AND c.received_on <= $4 "
     "AND c.wf_state NOT IN ('registered', 'rejected')) THEN 1 ELSE 0 END) FROM mediation_org o "
     "WHERE o.org_path >= $1 AND o.org_path < $2 AND o.deleted_at IS NULL AND COALESCE(o.status, 'active') = 'active' "
     "AND (o.established_on IS NULL OR o.established_on <= $4) GROUP BY o.org_type"},
    {"mediators", "表二 人民调解员", "类别", "人", false, "mediator_employment", mediator_cols,
     "SELECT m.employment, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM mediation_case c WHERE c.mediator_id = m.id "
     "AND c.deleted_at IS NULL AND c.received_on >= $3 AND c.received_on <= $4 "
     "AND c.wf_state NOT IN ('registered', 'rejected')) THEN 1 ELSE 0 END) FROM mediator m "
     "WHERE m.org_path >= $1 AND m.org_path < $2 AND m.deleted_at IS NULL AND COALESCE(m.status, 'active') = 'active' "
     "GROUP BY m.employment"},
    /* the offices' funding register of the period's year, approved rows (as the standards rules count them) */
    {"funding", "表三 经费保障", "经费类别", "元", true, "funding_category", funding_cols,
     "SELECT category, COALESCE(SUM(amount), 0), COALESCE(SUM(CASE WHEN in_budget = 1 THEN amount ELSE 0 END), 0) "
     "FROM funding WHERE org_path >= $1 AND org_path < $2 AND deleted_at IS NULL AND wf_state = 'approved' "
     "AND year = CAST(SUBSTR(CAST($3 AS TEXT), 1, 4) AS INTEGER) AND $3 <= $4 GROUP BY category"},
    {"by_type", "表四 人民调解案件 (按纠纷类型)", "纠纷类型", "件", false, "dispute_category", case_cols,
     "SELECT category, " CASE_COLS " GROUP BY category"},
    {"by_source", "表五 人民调解案件 (按案件来源)", "案件来源", "件", false, "mediation_source", case_cols,
     "SELECT source, " CASE_COLS " GROUP BY source"},
    {0},
};

/* ---- reading the figures ---- */

static json_t *table_of(json_t *fig, const char *key) {
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(fig, "tables"), i,
                       t) if (strcmp(json_string_value(json_object_get(t, "key")), key) == 0) return t;
    return NULL;
}
static int col_of(json_t *t, const char *key) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(t, "cols"), i,
                       c) if (strcmp(json_string_value(json_object_get(c, "key")), key) == 0) return (int)i;
    return -1;
}
static int64_t value_at(json_t *row, int col) {
    return col < 0 ? 0 : (int64_t)json_integer_value(json_array_get(json_object_get(row, "values"), (size_t)col));
}
/* A column's sum over a table's rows. */
static int64_t col_sum(json_t *t, const char *key) {
    int k = col_of(t, key);
    int64_t n = 0;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(t, "rows"), i, row) n += value_at(row, k);
    return n;
}
static const char *table_short(http_req_t *r, json_t *t) {
    const char *title = json_string_value(json_object_get(t, "title"));
    const char *sp = title ? strchr(title, ' ') : NULL;
    return sp ? arena_printf(r->arena, "%.*s", (int)(sp - title), title) : title ? title : "";
}
static void problem(sr_ctx_t *c, const char *msg) { json_array_append_new(c->problems, json_string(msg)); }

/* ---- consistency rules ---- */

/* 调解成功 + 调解不成功 + 调解中 = 受理, in every row of the case tables. */
static int rule_outcomes(sr_ctx_t *c) {
    static const char *const keys[] = {"by_type", "by_source"};
    for (int k = 0; k < 2; k++) {
        json_t *t = table_of(c->fig, keys[k]);
        if (!t) continue;
        int acc = col_of(t, "accepted"), suc = col_of(t, "succeeded"), fai = col_of(t, "failed"),
            med = col_of(t, "mediating");
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(t, "rows"), i, row) {
            int64_t a = value_at(row, acc), s = value_at(row, suc), f = value_at(row, fai), m = value_at(row, med);
            if (s + f + m != a)
                problem(c,
                        arena_printf(c->r->arena, "%s「%s」: 调解成功 %lld + 调解不成功 %lld + 调解中 %lld ≠ 受理 %lld",
                                     table_short(c->r, t), json_string_value(json_object_get(row, "label")),
                                     (long long)s, (long long)f, (long long)m, (long long)a));
        }
    }
    return 0;
}

/* Tables that count the same records (cases by type and by source) agree
 * on every column's 合计. */
static int rule_same_totals(sr_ctx_t *c) {
    for (const char *const *pair = c->f->same_totals; pair && pair[0] && pair[1]; pair += 2) {
        json_t *a = table_of(c->fig, pair[0]), *b = table_of(c->fig, pair[1]);
        if (!a || !b) continue;
        size_t i;
        json_t *col;
        json_array_foreach(json_object_get(a, "cols"), i, col) {
            const char *key = json_string_value(json_object_get(col, "key"));
            int64_t x = col_sum(a, key), y = col_sum(b, key);
            if (x != y)
                problem(c, arena_printf(c->r->arena, "%s「%s」合计 %lld 与%s合计 %lld 不一致", table_short(c->r, a),
                                        json_string_value(json_object_get(col, "label")), (long long)x,
                                        table_short(c->r, b), (long long)y));
        }
    }
    return 0;
}

/* 其中: a part is no more than its whole, in every row (organisations with
 * cases ≤ organisations). */
static int rule_parts(sr_ctx_t *c) {
    for (const sr_part_t *pt = c->f->parts; pt && pt->table; pt++) {
        json_t *t = table_of(c->fig, pt->table);
        if (!t) continue;
        int part = col_of(t, pt->part), whole = col_of(t, pt->whole);
        json_t *cols = json_object_get(t, "cols");
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(t, "rows"), i, row) {
            if (value_at(row, part) <= value_at(row, whole)) continue;
            problem(c, arena_printf(c->r->arena, "%s「%s」: %s %lld 多于%s %lld", table_short(c->r, t),
                                    json_string_value(json_object_get(row, "label")),
                                    json_string_value(json_object_get(json_array_get(cols, (size_t)part), "label")),
                                    (long long)value_at(row, part),
                                    json_string_value(json_object_get(json_array_get(cols, (size_t)whole), "label")),
                                    (long long)value_at(row, whole)));
        }
    }
    return 0;
}

/* Every column's sum per table as {"table.col": n}: what an office's
 * return and its district's count for that office are compared by. */
static json_t *totals_of(json_t *fig) {
    json_t *out = json_object();
    size_t i, j;
    json_t *t, *col;
    json_array_foreach(json_object_get(fig, "tables"), i, t) json_array_foreach(json_object_get(t, "cols"), j, col) {
        const char *ck = json_string_value(json_object_get(col, "key"));
        char key[96];
        snprintf(key, sizeof(key), "%s.%s", json_string_value(json_object_get(t, "key")), ck);
        json_object_set_new(out, key, json_integer(col_sum(t, ck)));
    }
    return out;
}

/* A district's return: each office's return already submitted (or
 * received) for the form and period agrees with the district's count of
 * that office. */
static int rule_offices_agree(sr_ctx_t *c) {
    json_t *offices = json_object_get(c->fig, "offices");
    if (!json_array_size(offices)) return 0;
    char hi[512];
    scope_upper(c->path, hi, sizeof(hi));
    db_stmt_t *s = db_prepare(c->r->db, "SELECT org_id, figures FROM stat_return WHERE org_path > $1 AND org_path < $2 "
                                        "AND deleted_at IS NULL AND form = $3 AND year = $4 AND period = $5 "
                                        "AND wf_state IN ('submitted', 'received') ORDER BY org_path");
    if (!s) return -1;
    db_bind_text(s, 1, c->path, -1);
    db_bind_text(s, 2, hi, -1);
    db_bind_text(s, 3, c->form, -1);
    db_bind_int(s, 4, c->year);
    db_bind_text(s, 5, c->period, -1);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        int64_t office = db_col_int(s, 0);
        json_t *theirs = json_loads(db_col_text(s, 1), 0, NULL), *mine = NULL;
        const char *name = NULL;
        size_t i;
        json_t *o;
        json_array_foreach(offices, i, o) if (json_integer_value(json_object_get(o, "id")) == office) {
            mine = json_object_get(o, "totals");
            name = json_string_value(json_object_get(o, "name"));
        }
        json_t *tot = theirs ? totals_of(theirs) : json_object();
        const char *k;
        json_t *v;
        json_object_foreach(tot, k, v) {
            int64_t a = json_integer_value(v), b = mine ? json_integer_value(json_object_get(mine, k)) : 0;
            if (a == b) continue;
            /* name the table and column by their labels */
            const char *dot = strchr(k, '.');
            json_t *t = dot ? table_of(c->fig, arena_printf(c->r->arena, "%.*s", (int)(dot - k), k)) : NULL;
            int ci = t ? col_of(t, dot + 1) : -1;
            const char *label = ci >= 0 ? json_string_value(json_object_get(
                                              json_array_get(json_object_get(t, "cols"), (size_t)ci), "label"))
                                        : k;
            problem(c, arena_printf(c->r->arena,
                                    "%s已报送的报表与本表中该所数据不一致 (%s「%s」: 该所报 %lld, 本表 %lld), "
                                    "请重新生成本表或退回该所报表",
                                    name ? name : "下级单位", t ? table_short(c->r, t) : "", label, (long long)a,
                                    (long long)b));
            break;
        }
        json_decref(tot);
        json_decref(theirs);
    }
    db_reset(s);
    return rc == DB_DONE ? 0 : -1;
}

static const sr_rule_fn mediation_rules[] = {rule_outcomes, NULL};
static const char *const mediation_same[] = {"by_type", "by_source", NULL};
static const sr_part_t mediation_parts[] = {
    {"orgs", "with_cases", "count"},    {"mediators", "with_cases", "count"}, {"by_type", "major", "accepted"},
    {"by_source", "major", "accepted"}, {"funding", "in_budget", "amount"},   {0},
};

/* 公共法律服务: the consultations given in the period (consulted_on), of
 * them those referred (转介) and those referred to people's mediation — as
 * GET /pls/returns counts them (pls.c). */
#define CONSULT_COLS                                                                                                   \
    "COUNT(*), SUM(CASE WHEN referral IS NOT NULL THEN 1 ELSE 0 END), "                                                \
    "SUM(CASE WHEN mediation_case_id IS NOT NULL THEN 1 ELSE 0 END) FROM legal_consultation "                          \
    "WHERE org_path >= $1 AND org_path < $2 AND deleted_at IS NULL AND consulted_on >= $3 AND consulted_on <= $4"
static const sr_col_t consult_cols[] = {
    {"count", "咨询量", NULL},
    {"referred", "转介", "其中"},
    {"to_mediation", "转人民调解", "其中"},
    {0},
};
static const sr_table_t pls_tables[] = {
    {"by_channel", "表一 法律咨询 (按咨询渠道)", "咨询渠道", "件", false, "pls_channel", consult_cols,
     "SELECT channel, " CONSULT_COLS " GROUP BY channel"},
    {"by_category", "表二 法律咨询 (按咨询类别)", "咨询类别", "件", false, "pls_category", consult_cols,
     "SELECT category, " CONSULT_COLS " GROUP BY category"},
    {0},
};
static const char *const pls_same[] = {"by_channel", "by_category", NULL};
static const sr_part_t pls_parts[] = {
    {"by_channel", "referred", "count"},
    {"by_channel", "to_mediation", "referred"},
    {"by_category", "referred", "count"},
    {"by_category", "to_mediation", "referred"},
    {0},
};

/* 社区矫正: the subjects by class over the period — on the register at
 * its start, reported (报到) in it, left it (解除, 终止, 迁出: the first
 * of the three dates, as the monthly returns of corrections_board.c read
 * them), on the register at its end. */
#define CORR_LEFT "COALESCE(released_on, ended_on, moved_out_on)"
static const sr_col_t corr_cols[] = {
    {"begin", "期初在册", NULL},
    {"new", "本期入矫", NULL},
    {"released", "解除矫正", "本期减少"},
    {"terminated", "终止矫正", "本期减少"},
    {"moved", "迁出", "本期减少"},
    {"end", "期末在册", NULL},
    {0},
};
static const sr_table_t corrections_tables[] = {
    {"by_type", "表一 社区矫正对象 (按矫正类别)", "矫正类别", "人", false, "corr_type", corr_cols,
     "SELECT corr_type, SUM(CASE WHEN reported_on < $3 THEN 1 ELSE 0 END), "
     "SUM(CASE WHEN reported_on >= $3 THEN 1 ELSE 0 END), "
     "SUM(CASE WHEN released_on IS NOT NULL AND released_on <= $4 THEN 1 ELSE 0 END), "
     "SUM(CASE WHEN released_on IS NULL AND ended_on IS NOT NULL AND ended_on <= $4 THEN 1 ELSE 0 END), "
     "SUM(CASE WHEN released_on IS NULL AND ended_on IS NULL AND moved_out_on IS NOT NULL AND moved_out_on <= $4 "
     "THEN 1 ELSE 0 END), SUM(CASE WHEN " CORR_LEFT " IS NULL OR " CORR_LEFT " > $4 THEN 1 ELSE 0 END) "
     "FROM corr_subject WHERE org_path >= $1 AND org_path < $2 AND deleted_at IS NULL AND reported_on <= $4 "
     "AND (" CORR_LEFT " IS NULL OR " CORR_LEFT " >= $3) GROUP BY corr_type"},
    {0},
};

/* 期初在册 + 本期入矫 − 本期减少 = 期末在册, in every row. */
static int rule_corrections_balance(sr_ctx_t *c) {
    json_t *t = table_of(c->fig, "by_type");
    if (!t) return 0;
    int b = col_of(t, "begin"), n = col_of(t, "new"), r1 = col_of(t, "released"), r2 = col_of(t, "terminated"),
        r3 = col_of(t, "moved"), e = col_of(t, "end");
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(t, "rows"), i, row) {
        int64_t left = value_at(row, r1) + value_at(row, r2) + value_at(row, r3);
        if (value_at(row, b) + value_at(row, n) - left != value_at(row, e))
            problem(c,
                    arena_printf(c->r->arena, "%s「%s」: 期初在册 %lld + 本期入矫 %lld − 本期减少 %lld ≠ 期末在册 %lld",
                                 table_short(c->r, t), json_string_value(json_object_get(row, "label")),
                                 (long long)value_at(row, b), (long long)value_at(row, n), (long long)left,
                                 (long long)value_at(row, e)));
    }
    return 0;
}
static const sr_rule_fn corrections_rules[] = {rule_corrections_balance, NULL};

/* 安置帮教: the persons released in the period (release_date), by where
 * they came from, of them handed over (衔接), recorded 未衔接, and the key
 * subjects — the month figures of resettlement_stats.c over a period. */
#define RESETTLE_COLS                                                                                                  \
    "COUNT(*), SUM(CASE WHEN handover_on IS NOT NULL THEN 1 ELSE 0 END), "                                             \
    "SUM(CASE WHEN handover_on IS NULL AND unreached_reason IS NOT NULL THEN 1 ELSE 0 END), "                          \
    "SUM(CASE WHEN key_subject = 1 THEN 1 ELSE 0 END) FROM resettle_person WHERE org_path >= $1 AND org_path < $2 "    \
    "AND deleted_at IS NULL AND release_date >= $3 AND release_date <= $4"
static const sr_col_t resettle_cols[] = {
    {"released", "本期释放", NULL},
    {"handed", "已衔接", "其中"},
    {"unreached", "未衔接", "其中"},
    {"key", "重点帮教对象", "其中"},
    {0},
};
static const sr_table_t resettlement_tables[] = {
    {"by_source", "表一 刑满释放人员 (按来源)", "来源", "人", false, "resettle_source", resettle_cols,
     "SELECT source, " RESETTLE_COLS " GROUP BY source"},
    {"by_crime", "表二 刑满释放人员 (按罪名类别)", "罪名类别", "人", false, "resettle_crime_category", resettle_cols,
     "SELECT crime_category, " RESETTLE_COLS " GROUP BY crime_category"},
    {0},
};
static const char *const resettlement_same[] = {"by_source", "by_crime", NULL};
static const sr_part_t resettlement_parts[] = {
    {"by_source", "handed", "released"},
    {"by_source", "unreached", "released"},
    {"by_source", "key", "released"},
    {"by_crime", "handed", "released"},
    {"by_crime", "unreached", "released"},
    {"by_crime", "key", "released"},
    {0},
};

static const sr_form_t forms[] = {
    {"mediation", "人民调解工作统计表", mediation_tables, mediation_rules, mediation_same, mediation_parts},
    {"pls", "公共法律服务工作统计表", pls_tables, NULL, pls_same, pls_parts},
    {"corrections", "社区矫正工作统计表", corrections_tables, corrections_rules, NULL, NULL},
    {"resettlement", "安置帮教工作统计表", resettlement_tables, NULL, resettlement_same, resettlement_parts},
    {0},
};

/* The rules every form has: its declared totals and parts, and a
 * district's agreement with its offices' submitted returns. */
static const sr_rule_fn common_rules[] = {rule_same_totals, rule_parts, rule_offices_agree, NULL};

static const sr_form_t *form_find(const char *code) {
    for (const sr_form_t *f = forms; code && f->code; f++)
        if (strcmp(f->code, code) == 0) return f;
    return NULL;
}

/* ---- periods ---- */

static const struct period {
    const char *code, *label, *from, *to; /* from/to: MM-DD */
} periods[] = {
    {"q1", "第一季度", "01-01", "03-31"}, {"q2", "第二季度", "04-01", "06-30"},
    {"q3", "第三季度", "07-01", "09-30"}, {"q4", "第四季度", "10-01", "12-31"},
    {"h1", "上半年", "01-01", "06-30"},   {"h2", "下半年", "07-01", "12-31"},
    {"year", "全年", "01-01", "12-31"},   {0},
};
static const struct period *period_find(const char *code) {
    for (const struct period *p = periods; code && p->code; p++)
        if (strcmp(p->code, code) == 0) return p;
    return NULL;
}

/* ---- the entity ---- */

static const code_seed_t form_codes[] = {{"mediation", "人民调解工作统计表"},
                                         {"pls", "公共法律服务工作统计表"},
                                         {"corrections", "社区矫正工作统计表"},
                                         {"resettlement", "安置帮教工作统计表"},
                                         {0}};
static const code_seed_t period_codes[] = {
    {"q1", "第一季度"}, {"q2", "第二季度"}, {"q3", "第三季度"}, {"q4", "第四季度"},
    {"h1", "上半年"},   {"h2", "下半年"},   {"year", "全年"},   {0}};
static const code_list_decl_t return_lists[] = {
    {"stat_return_form", "统计报表表式", form_codes, true},
    {"stat_return_period", "统计报表期别", period_codes, true},
    {0},
};

#define FIXED .readonly_why = "由生成报表确定; 请用「重新生成」"
static const field_t return_fields[] = {
    {"title", "报表名称", F_TEXT, FF_READONLY | FF_SEARCH | FF_LIST, .max = 200, FIXED},
    {"form", "表式", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "stat_return_form", FIXED},
    {"year", "年度", F_INT, FF_READONLY | FF_FILTER | FF_SORT | FF_LIST, .min = 2000, .max = 2999, FIXED},
    {"period", "期别", F_CODE, FF_READONLY | FF_FILTER | FF_LIST, .code_list = "stat_return_period", FIXED},
    {"period_from", "统计起始日期", F_DATE, FF_READONLY, FIXED},
    {"period_to", "统计截止日期", F_DATE, FF_READONLY | FF_SORT, FIXED},
    {"generated_at", "生成时间", F_DATETIME, FF_READONLY, FIXED},
    {"preparer", "填报人", F_TEXT, FF_READONLY | FF_LIST, .max = 100, FIXED},
    {"reviewer", "审核人", F_TEXT, FF_READONLY, .max = 100, .readonly_why = "审核时由系统填写"},
    {"submitted_on", "报送日期", F_DATE, FF_READONLY | FF_FILTER | FF_LIST, .readonly_why = "报送时由系统填写"},
    {"received_on", "接收日期", F_DATE, FF_READONLY, .readonly_why = "上级接收时由系统填写"},
    {"return_reason", "退回原因", F_TEXT, FF_READONLY, .max = 1000, .readonly_why = "退回时填写"},
    {"note", "填报说明", F_TEXT, 0, .max = 2000},
    {"figures", "报表数据 (生成时快照)", F_TEXT, FF_READONLY, .max = 1000000, FIXED},
    {0},
};

static const wf_state_t return_states[] = {
    {"draft", "编制中", 0}, {"reviewed", "已审核", 0}, {"submitted", "已报送", 0}, {"received", "已接收", 0, true}, {0},
};
static int hook_reviewed(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int hook_submitted(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int hook_received(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static int hook_returned(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body);
static const wf_transition_t return_transitions[] = {
    {"review", "审核", "draft", "reviewed", .hook = hook_reviewed},
    {"submit", "报送", "reviewed", "submitted", .hook = hook_submitted},
    {"receive", "接收", "submitted", "received", .hook = hook_received},
    /* 退回: by the reviewer before it leaves the unit, by the unit above after */
    {"send_back", "退回", "reviewed", "draft", .perm = "stat_return.review", .requires = "return_reason",
     .hook = hook_returned},
    {"send_back", "退回", "submitted", "draft", .perm = "stat_return.receive", .requires = "return_reason",
     .hook = hook_returned},
    {0},
};
static const workflow_t return_flow_v1 = {1, "draft", return_states, return_transitions};
static const workflow_t *const return_flows[] = {&return_flow_v1, NULL};

static const perm_def_t return_perms[] = {
    {"stat_return.generate", "统计报表: 从业务数据生成、重新生成",
     "office_director office_staff district_admin district_staff"},
    {0},
};

static const entity_t stat_returns = {
    .name = "stat-returns",
    .label = "报表管理",
    .table = "stat_return",
    .perm = "stat_return",
    .fields = return_fields,
    .flows = return_flows,
    .default_sort = "-period_to",
    .roles = RETURN_ROLES,
    .unique = "org_id form year period",
    .create_via = "统计报表须从业务数据生成: 请使用「生成报表」(POST /api/v1/stat-returns/generate)",
    .code_lists = return_lists,
    .title = "title",
    .line = "returns",
    .line_label = "统计报表",
    .cockpit = "",
    .cockpit_by_state = true,
    .panels = "stat-return",
    .detail_hide = "figures",
    .list_panels = "stat-return-generate",
};

/* The workflow's default grants: the entity's roles get every action; the
 * actions of the unit above are narrowed here. */
static const perm_def_t action_perms[] = {
    {"stat_return.review", "统计报表: 审核 (本单位)、审核退回", "office_director district_admin"},
    {"stat_return.submit", "统计报表: 报送上级 (本单位)", "office_director district_admin"},
    {"stat_return.receive", "统计报表: 接收下级报表、退回", "district_admin district_staff city_staff city_leader"},
    {0},
};

void stat_returns_declare(void) {
    perm_register(return_perms);
    perm_register(action_perms); /* before the entity: these defaults, not the entity's roles */
    entity_register(&stat_returns);
}

/* ---- generation ---- */

/* Counts one table over [lo, hi) and the period into a JSON table. */
static json_t *table_build(http_req_t *r, const sr_table_t *t, const char *lo, const char *hi, const char *from,
                           const char *to) {
    json_t *jt = json_pack("{s:s,s:s,s:s,s:s,s:b}", "key", t->key, "title", t->title, "head", t->head, "unit", t->unit,
                           "money", t->money);
    json_t *cols = json_array(), *rows = json_array();
    int ncols = 0;
    for (const sr_col_t *c = t->cols; c->key; c++, ncols++) {
        json_t *jc = json_pack("{s:s,s:s}", "key", c->key, "label", c->label);
        if (c->group) json_object_set_new(jc, "group", json_string(c->group));
        json_array_append_new(cols, jc);
    }
    json_object_set_new(jt, "cols", cols);
    json_object_set_new(jt, "rows", rows);
    /* every code of the list, in its order, as a zero row */
    db_stmt_t *s = db_prepare(r->db, "SELECT code, label FROM code_items WHERE list_key = $1 ORDER BY sort, code");
    if (!s) return json_decref(jt), NULL;
    db_bind_text(s, 1, t->code_list, -1);
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        json_t *v = json_array();
        for (int k = 0; k < ncols; k++)
            json_array_append_new(v, json_integer(0));
        json_array_append_new(
            rows, json_pack("{s:s,s:s,s:o}", "code", db_col_text(s, 0), "label", db_col_text(s, 1), "values", v));
    }
    db_reset(s);
    if (rc != DB_DONE) return json_decref(jt), NULL;
    s = returns_statement(r, t->sql, lo, hi, from, to);
    if (!s) return json_decref(jt), NULL;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *code = db_col_null(s, 0) ? "" : db_col_text(s, 0);
        json_t *row = NULL;
        size_t i;
        json_t *x;
        json_array_foreach(rows, i, x) if (strcmp(json_string_value(json_object_get(x, "code")), code) == 0) row = x;
        if (!row) { /* a code no longer in the list, or none: a row of its own */
            json_t *v = json_array();
            for (int k = 0; k < ncols; k++)
                json_array_append_new(v, json_integer(0));
            const char *label = *code ? code_label(r->db, t->code_list, code) : NULL;
            row = json_pack("{s:s,s:s,s:o}", "code", code, "label",
                            label   ? label
                            : *code ? code
                                    : "未填写",
                            "values", v);
            json_array_append_new(rows, row);
        }
        json_t *v = json_object_get(row, "values");
        for (int k = 0; k < ncols; k++)
            json_array_set_new(v, (size_t)k,
                               json_integer(json_integer_value(json_array_get(v, (size_t)k)) + db_col_int(s, 1 + k)));
    }
    db_reset(s);
    if (rc != DB_DONE) return json_decref(jt), NULL;
    return jt;
}

static json_t *form_build(http_req_t *r, const sr_form_t *f, const char *path, const char *from, const char *to) {
    char hi[512];
    scope_upper(path, hi, sizeof(hi));
    json_t *fig = json_object(), *tables = json_array();
    json_object_set_new(fig, "tables", tables);
    for (const sr_table_t *t = f->tables; t->key; t++) {
        json_t *jt = table_build(r, t, path, hi, from, to);
        if (!jt) return json_decref(fig), NULL;
        json_array_append_new(tables, jt);
    }
    return fig;
}

/* Runs the form's rules on fig; the messages as a JSON array (owned), NULL on a store error. */
static json_t *form_check(sr_ctx_t *c, const sr_form_t *f) {
    c->problems = json_array();
    c->f = f;
    for (const sr_rule_fn *rule = f->rules; rule && *rule; rule++)
        if ((*rule)(c) != 0) return json_decref(c->problems), NULL;
    for (const sr_rule_fn *rule = common_rules; *rule; rule++)
        if ((*rule)(c) != 0) return json_decref(c->problems), NULL;
    return c->problems;
}

/* The figures of a unit's return: the form's tables; for a district, each
 * office's totals too; and the rules' findings at generation. */
static json_t *figures_make(http_req_t *r, const sr_form_t *f, int64_t org, const char *path, const char *level,
                            const struct period *p, int year) {
    char from[11], to[11];
    snprintf(from, sizeof(from), "%04d-%s", year, p->from);
    snprintf(to, sizeof(to), "%04d-%s", year, p->to);
    json_t *fig = form_build(r, f, path, from, to);
    if (!fig) return NULL;
    if (strcmp(level, "district") == 0) {
        json_t *offices = json_array();
        json_object_set_new(fig, "offices", offices);
        db_stmt_t *s =
            db_prepare(r->db, "SELECT id, name, path FROM org_units WHERE parent_id = $1 AND level = 'office' "
                              "AND (valid_to IS NULL OR valid_to >= $2) ORDER BY path");
        if (!s) return json_decref(fig), NULL;
        db_bind_int(s, 1, org);
        db_bind_text(s, 2, to, -1);
        int rc;
        while ((rc = db_step(s)) == DB_ROW)
            json_array_append_new(offices, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_col_int(s, 0), "name",
                                                     db_col_text(s, 1), "path", db_col_text(s, 2)));
        db_reset(s);
        if (rc != DB_DONE) return json_decref(fig), NULL;
        size_t i;
        json_t *o;
        json_array_foreach(offices, i, o) {
            json_t *one = form_build(r, f, json_string_value(json_object_get(o, "path")), from, to);
            if (!one) return json_decref(fig), NULL;
            json_object_set_new(o, "totals", totals_of(one));
            json_object_del(o, "path");
            json_decref(one);
        }
    }
    sr_ctx_t c = {.r = r, .fig = fig, .path = path, .org_id = org, .form = f->code, .period = p->code, .year = year};
    json_t *problems = form_check(&c, f);
    if (!problems) return json_decref(fig), NULL;
    json_object_set_new(fig, "problems", problems);
    return fig;
}

static const char *return_title(http_req_t *r, const char *unit, int year, const struct period *p, const sr_form_t *f) {
    return arena_printf(r->arena, "%s %d年%s %s", unit, year, p->label, f->title);
}

static void send_record(http_req_t *r, int64_t id, int status) {
    buf_t sql = BUF_INIT;
    db_stmt_t *s = engine_load_record(r, &stat_returns, id, &sql);
    if (s) {
        engine_write_record(r, &stat_returns, s);
        db_reset(s);
        http_send_json(r, status);
    }
    buf_free(&sql);
}

/* 409 naming the return that already exists for the unit, form and period. */
static void return_exists(http_req_t *r, int64_t id) {
    jw_obj(&r->json);
    jw_key(&r->json, "error");
    jw_obj(&r->json);
    jw_kstr(&r->json, "code", "return_exists");
    jw_kstr(&r->json, "message", "该单位本期的报表已存在, 可打开查看; 编制中的报表可重新生成");
    jw_kint(&r->json, "id", id);
    jw_obj_end(&r->json);
    jw_obj_end(&r->json);
    http_send_json(r, 409);
}

static int64_t existing_return(db_t *db, int64_t org, const char *form, int year, const char *period) {
    db_stmt_t *s = db_prepare(db, "SELECT id FROM stat_return WHERE org_id = $1 AND form = $2 AND year = $3 "
                                  "AND period = $4 AND deleted_at IS NULL");
    if (!s) return -1;
    db_bind_int(s, 1, org);
    db_bind_text(s, 2, form, -1);
    db_bind_int(s, 3, year);
    db_bind_text(s, 4, period, -1);
    int rc = db_step(s);
    int64_t id = rc == DB_ROW ? db_col_int(s, 0) : rc == DB_DONE ? 0 : -1;
    db_reset(s);
    return id;
}

/* POST /stat-returns/generate {form, org_id, year, period} */
static void generate(http_req_t *r) {
    json_t *body = http_json_body(r);
    if (!body) return;
    const char *fc = json_string_value(json_object_get(body, "form")),
               *pc = json_string_value(json_object_get(body, "period"));
    json_t *oj = json_object_get(body, "org_id"), *yj = json_object_get(body, "year");
    const sr_form_t *f = form_find(fc);
    const struct period *p = period_find(pc);
    char today[11];
    wf_today(today);
    int this_year = atoi(today), year = json_is_integer(yj) ? (int)json_integer_value(yj) : 0;
    int64_t org = json_is_integer(oj) ? json_integer_value(oj) : 0;
    json_t *errs = json_object();
    if (!f) json_object_set_new(errs, "form", json_string("请选择报表表式"));
    if (!p) json_object_set_new(errs, "period", json_string("请选择期别 (季度、半年或全年)"));
    if (year < 2022 || year > this_year)
        json_object_set_new(errs, "year",
                            json_string(arena_printf(r->arena, "年度应为 2022 到 %d 之间的整数", this_year)));
    else if (p && strcmp(arena_printf(r->arena, "%04d-%s", year, p->from), today) > 0)
        json_object_set_new(errs, "period", json_string("统计期尚未开始, 不能生成报表"));
    char *path = NULL, *unit = NULL, *level = NULL;
    db_stmt_t *s = db_prepare(r->db, "SELECT path, name, level FROM org_units WHERE id = $1");
    if (!s) goto store;
    db_bind_int(s, 1, org);
    int urc = db_step(s);
    if (urc == DB_ROW) {
        path = arena_strdup(r->arena, db_col_text(s, 0));
        unit = arena_strdup(r->arena, db_col_text(s, 1));
        level = arena_strdup(r->arena, db_col_text(s, 2));
    }
    db_reset(s);
    if (urc < 0) goto store; /* not "填报单位不存在" */
    if (!path || !scope_covers(r, path))
        json_object_set_new(errs, "org_id", json_string("填报单位不存在或不在您的管辖范围内"));
    else if (strcmp(level, "office") && strcmp(level, "district"))
        json_object_set_new(errs, "org_id", json_string("填报单位应为司法所或区司法局"));
    if (json_object_size(errs)) {
        http_invalid_fields(r, errs);
        goto out;
    }
    int64_t existing = existing_return(r->db, org, f->code, year, p->code);
    if (existing < 0) goto store;
    if (existing) {
        return_exists(r, existing);
        goto out;
    }
    json_t *fig = figures_make(r, f, org, path, level, p, year);
    if (!fig) goto store;
    char *figtext = json_dumps(fig, JSON_COMPACT);
    json_decref(fig);
    char now[21];
    iso_from_unix(now_unix(), now);
    const principal_t *pr = auth_principal(r);
    json_t *fields = json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "title",
                               return_title(r, unit, year, p, f), "form", f->code, "year", year, "period", p->code,
                               "period_from", arena_printf(r->arena, "%04d-%s", year, p->from), "period_to",
                               arena_printf(r->arena, "%04d-%s", year, p->to), "generated_at", now, "preparer",
                               pr->display_name ? pr->display_name : pr->username, "figures", figtext ? figtext : "{}",
                               "created_at", now, "updated_at", now, "created_by", (json_int_t)pr->user_id,
                               "updated_by", (json_int_t)pr->user_id, "state_since", today);
    free(figtext);
    if (db_begin(r->db) != 0) {
        json_decref(fields);
        goto store;
    }
    int64_t id = engine_insert_raw(r->db, &stat_returns, org, path, "draft", fields);
    json_decref(fields);
    if (id <= 0) {
        db_rollback(r->db);
        /* PostgreSQL: a simultaneous generate of the same key committed first */
        int64_t won = existing_return(r->db, org, f->code, year, p->code);
        if (won > 0)
            return_exists(r, won);
        else
            http_store_error(r);
        goto out;
    }
    char *detail = arena_printf(r->arena, "{\"form\":\"%s\",\"year\":%d,\"period\":\"%s\"}", f->code, year, p->code);
    if (engine_notify_write(r->db, &stat_returns, path, pr->user_id) != 0 ||
        auth_audit(r, "record.create", stat_returns.name, id, "ok", detail) != 0 || db_commit(r->db) != 0) {
        db_rollback(r->db);
        goto store;
    }
    send_record(r, id, 201);
    goto out;
store:
    http_store_error(r);
out:
    json_decref(errs);
    json_decref(body);
}

/* The return's key columns, for regenerate, the rules and the download. */
typedef struct sr_row {
    int64_t id, org_id;
    int year;
    const char *form, *period, *state, *path, *unit, *level, *title, *figures, *preparer, *reviewer, *submitted_on,
        *note;
} sr_row_t;

static int row_load(http_req_t *r, int64_t id, sr_row_t *w) {
    db_stmt_t *s = db_prepare(r->db, "SELECT t.id, t.org_id, t.year, t.form, t.period, t.wf_state, t.org_path, o.name, "
                                     "o.level, t.title, t.figures, t.preparer, t.reviewer, t.submitted_on, t.note "
                                     "FROM stat_return t JOIN org_units o ON o.id = t.org_id WHERE t.id = $1");
    if (!s) return -1;
    db_bind_int(s, 1, id);
    int rc = db_step(s);
    if (rc == DB_ROW) {
        w->id = db_col_int(s, 0);
        w->org_id = db_col_int(s, 1);
        w->year = (int)db_col_int(s, 2);
        const char **dst[] = {&w->form,  &w->period,  &w->state,    &w->path,     &w->unit,         &w->level,
                              &w->title, &w->figures, &w->preparer, &w->reviewer, &w->submitted_on, &w->note};
        for (int i = 0; i < 12; i++)
            *dst[i] = db_col_null(s, 3 + i) ? NULL : arena_strdup(r->arena, db_col_text(s, 3 + i));
    }
    db_reset(s);
    return rc == DB_ROW ? 0 : -1;
}

/* Reads the return as the caller may (the one access path): 0, or -1 having answered. */
static int row_readable(http_req_t *r, int64_t id, sr_row_t *w) {
    buf_t sql = BUF_INIT;
    db_stmt_t *s = engine_load_record(r, &stat_returns, id, &sql);
    buf_free(&sql);
    if (!s) return -1;
    db_reset(s);
    if (row_load(r, id, w) != 0) return http_store_error(r), -1;
    return 0;
}

/* POST /stat-returns/:id/regenerate — the numbers from the records again, while a draft. */
static void regenerate(http_req_t *r) {
    sr_row_t w;
    if (row_readable(r, http_param_id(r, "id"), &w) != 0) return;
    const sr_form_t *f = form_find(w.form);
    const struct period *p = period_find(w.period);
    if (!f || !p) return http_error(r, 409, "unknown_form", "该报表的表式已不再使用, 不能重新生成");
    if (strcmp(w.state, "draft") != 0)
        return http_error(r, 409, "return_not_draft", "报表已审核或报送, 不能重新生成; 如需修改请先退回");
    json_t *fig = figures_make(r, f, w.org_id, w.path, w.level, p, w.year);
    if (!fig) return http_store_error(r);
    char *figtext = json_dumps(fig, JSON_COMPACT);
    json_decref(fig);
    char now[21];
    iso_from_unix(now_unix(), now);
    const principal_t *pr = auth_principal(r);
    if (db_begin(r->db) != 0) return free(figtext), http_store_error(r);
    db_stmt_t *s = db_prepare(r->db, "UPDATE stat_return SET figures = $1, generated_at = $2, preparer = $3, "
                                     "return_reason = NULL, version = version + 1, updated_at = $2, updated_by = $4 "
                                     "WHERE id = $5 AND wf_state = 'draft'");
    int64_t n = -1;
    if (s) {
        db_bind_text(s, 1, figtext, -1);
        db_bind_text(s, 2, now, -1);
        db_bind_text(s, 3, pr->display_name ? pr->display_name : pr->username, -1);
        db_bind_int(s, 4, pr->user_id);
        db_bind_int(s, 5, w.id);
        n = db_step(s) == DB_DONE ? db_changes(s) : -1;
        db_reset(s);
    }
    free(figtext);
    if (n == 0) {
        db_rollback(r->db);
        return http_error(r, 409, "return_not_draft", "报表已审核或报送, 不能重新生成; 如需修改请先退回");
    }
    if (n < 0 || engine_notify_write(r->db, &stat_returns, w.path, pr->user_id) != 0 ||
        auth_audit(r, "stat_return.regenerate", stat_returns.name, w.id, "ok", NULL) != 0 || db_commit(r->db) != 0) {
        db_rollback(r->db);
        return http_store_error(r);
    }
    send_record(r, w.id, 200);
}

/* ---- workflow hooks (inside the transition's transaction) ---- */

static int hook_update(http_req_t *r, const char *sql, const char *value, int64_t id) {
    db_stmt_t *s = db_prepare(r->db, sql);
    if (!s) return http_store_error(r), -1;
    db_bind_text(s, 1, value, -1);
    db_bind_int(s, 2, id);
    int rc = db_step(s);
    db_reset(s);
    return rc == DB_DONE ? 0 : (http_store_error(r), -1);
}

/* 审核 and 报送 are the unit's own: the caller's unit is the return's (the
 * unit above receives or sends back, from_above). */
static int own_unit(http_req_t *r, int64_t id, const char *what) {
    sr_row_t w;
    if (row_load(r, id, &w) != 0) return http_store_error(r), -1;
    const char *mine = scope_path(r);
    if (!mine || strcmp(mine, w.path) != 0)
        return http_error(r, 403, "not_own_unit",
                          arena_printf(r->arena, "报表由填报单位%s, 上级单位可接收或退回", what)),
               -1;
    return 0;
}

static int hook_reviewed(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    if (own_unit(r, id, "审核") != 0) return -1;
    const principal_t *p = auth_principal(r);
    return hook_update(r, "UPDATE stat_return SET reviewer = $1, return_reason = NULL WHERE id = $2",
                       p->display_name ? p->display_name : p->username, id);
}

/* 报送: every consistency rule of the form holds (409 inconsistent, the first
 * reason in the message, all of them in `problems`). */
static int hook_submitted(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    if (own_unit(r, id, "报送") != 0) return -1;
    sr_row_t w;
    if (row_load(r, id, &w) != 0) return http_store_error(r), -1;
    const sr_form_t *f = form_find(w.form);
    json_t *fig = w.figures ? json_loads(w.figures, 0, NULL) : NULL;
    if (!f || !fig) {
        json_decref(fig);
        return http_error(r, 409, "inconsistent", "报表数据无法读取, 请重新生成"), -1;
    }
    sr_ctx_t c = {.r = r,
                  .fig = fig,
                  .path = w.path,
                  .id = id,
                  .org_id = w.org_id,
                  .form = w.form,
                  .period = w.period,
                  .year = w.year};
    json_t *problems = form_check(&c, f);
    json_decref(fig);
    if (!problems) return http_store_error(r), -1;
    if (json_array_size(problems)) {
        jw_obj(&r->json);
        jw_key(&r->json, "error");
        jw_obj(&r->json);
        jw_kstr(&r->json, "code", "inconsistent");
        jw_kstr(&r->json, "message",
                arena_printf(r->arena, "报表未通过审核关系校验 (%zu 项), 不能报送: %s", json_array_size(problems),
                             json_string_value(json_array_get(problems, 0))));
        jw_key(&r->json, "problems");
        jw_arr(&r->json);
        size_t i;
        json_t *m;
        json_array_foreach(problems, i, m) jw_str(&r->json, json_string_value(m));
        jw_arr_end(&r->json);
        jw_obj_end(&r->json);
        jw_obj_end(&r->json);
        json_decref(problems);
        http_send_json(r, 409);
        return -1;
    }
    json_decref(problems);
    char today[11];
    wf_today(today);
    return hook_update(r, "UPDATE stat_return SET submitted_on = $1 WHERE id = $2", today, id);
}

/* The unit above receives, and sends back, what a unit submitted: the
 * caller's scope holds the return's unit without being it. */
static int from_above(http_req_t *r, int64_t id) {
    sr_row_t w;
    if (row_load(r, id, &w) != 0) return http_store_error(r), -1;
    const char *mine = scope_path(r);
    if (!mine || strcmp(mine, w.path) == 0 || !scope_covers(r, w.path))
        return http_error(r, 403, "not_superior", "报表由上级单位接收或退回, 本单位不能办理"), -1;
    return 0;
}

static int hook_received(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    if (from_above(r, id) != 0) return -1;
    char today[11];
    wf_today(today);
    return hook_update(r, "UPDATE stat_return SET received_on = $1 WHERE id = $2", today, id);
}

static int hook_returned(http_req_t *r, const entity_t *e, int64_t id, const char *action, json_t *body) {
    (void)e, (void)action, (void)body;
    sr_row_t w;
    if (row_load(r, id, &w) != 0) return http_store_error(r), -1;
    /* the transition has run: the state is draft now; submitted_on tells which */
    if (w.submitted_on && from_above(r, id) != 0) return -1;
    return hook_update(r, "UPDATE stat_return SET submitted_on = $1, reviewer = NULL WHERE id = $2", NULL, id);
}

/* ---- the .xlsx: one sheet per table, in the printed forms' layout ---- */

typedef struct xfmt {
    lxw_format *title, *sub, *head, *cell, *label, *total, *money, *money_total, *foot;
} xfmt_t;

static void xlsx_formats(lxw_workbook *wb, xfmt_t *x) {
    x->title = workbook_add_format(wb);
    format_set_bold(x->title);
    format_set_font_size(x->title, 16);
    format_set_align(x->title, LXW_ALIGN_CENTER);
    format_set_align(x->title, LXW_ALIGN_VERTICAL_CENTER);
    x->sub = workbook_add_format(wb);
    format_set_font_size(x->sub, 10);
    x->foot = workbook_add_format(wb);
    format_set_font_size(x->foot, 10);
    x->head = workbook_add_format(wb);
    format_set_bold(x->head);
    format_set_border(x->head, LXW_BORDER_THIN);
    format_set_align(x->head, LXW_ALIGN_CENTER);
    format_set_align(x->head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(x->head);
    format_set_bg_color(x->head, 0xF2F2F2);
    x->cell = workbook_add_format(wb);
    format_set_border(x->cell, LXW_BORDER_THIN);
    x->label = workbook_add_format(wb);
    format_set_border(x->label, LXW_BORDER_THIN);
    x->total = workbook_add_format(wb);
    format_set_border(x->total, LXW_BORDER_THIN);
    format_set_bold(x->total);
    x->money = workbook_add_format(wb);
    format_set_border(x->money, LXW_BORDER_THIN);
    format_set_num_format(x->money, "#,##0.00");
    x->money_total = workbook_add_format(wb);
    format_set_border(x->money_total, LXW_BORDER_THIN);
    format_set_bold(x->money_total);
    format_set_num_format(x->money_total, "#,##0.00");
}

static void sheet_write(http_req_t *r, lxw_workbook *wb, const xfmt_t *x, const sr_row_t *w, const char *form_title,
                        const char *period_label, json_t *t) {
    json_t *cols = json_object_get(t, "cols"), *rows = json_object_get(t, "rows");
    bool money = json_is_true(json_object_get(t, "money"));
    int ncols = (int)json_array_size(cols), last = ncols; /* columns 0 (the row heading) .. ncols */
    lxw_worksheet *ws = workbook_add_worksheet(wb, table_short(r, t));
    worksheet_set_column(ws, 0, 0, 22, NULL);
    worksheet_set_column(ws, 1, (lxw_col_t)last, 13, NULL);
    worksheet_set_row(ws, 0, 30, NULL);
    worksheet_merge_range(ws, 0, 0, 0, (lxw_col_t)last,
                          arena_printf(r->arena, "%s  %s", form_title, json_string_value(json_object_get(t, "title"))),
                          x->title);
    worksheet_merge_range(ws, 1, 0, 1, (lxw_col_t)last,
                          arena_printf(r->arena, "填报单位: %s    统计期间: %d年%s    单位: %s", w->unit, w->year,
                                       period_label, json_string_value(json_object_get(t, "unit"))),
                          x->sub);
    /* the heading: two rows; a column without a group spans both, a group
     * spans its columns on the first row */
    worksheet_merge_range(ws, 2, 0, 3, 0, json_string_value(json_object_get(t, "head")), x->head);
    for (int k = 0; k < ncols;) {
        json_t *c = json_array_get(cols, (size_t)k);
        const char *group = json_string_value(json_object_get(c, "group"));
        if (!group) {
            worksheet_merge_range(ws, 2, (lxw_col_t)(k + 1), 3, (lxw_col_t)(k + 1),
                                  json_string_value(json_object_get(c, "label")), x->head);
            k++;
            continue;
        }
        int end = k;
        while (end + 1 < ncols) {
            const char *g = json_string_value(json_object_get(json_array_get(cols, (size_t)end + 1), "group"));
            if (!g || strcmp(g, group)) break;
            end++;
        }
        if (end > k)
            worksheet_merge_range(ws, 2, (lxw_col_t)(k + 1), 2, (lxw_col_t)(end + 1), group, x->head);
        else
            worksheet_write_string(ws, 2, (lxw_col_t)(k + 1), group, x->head);
        for (int j = k; j <= end; j++)
            worksheet_write_string(ws, 3, (lxw_col_t)(j + 1),
                                   json_string_value(json_object_get(json_array_get(cols, (size_t)j), "label")),
                                   x->head);
        k = end + 1;
    }
    worksheet_freeze_panes(ws, 4, 1);
    lxw_row_t row = 4;
    size_t i;
    json_t *jr;
    json_array_foreach(rows, i, jr) {
        worksheet_write_string(ws, row, 0, json_string_value(json_object_get(jr, "label")), x->label);
        for (int k = 0; k < ncols; k++) {
            double v = (double)value_at(jr, k);
            worksheet_write_number(ws, row, (lxw_col_t)(k + 1), money ? v / 100.0 : v, money ? x->money : x->cell);
        }
        row++;
    }
    worksheet_write_string(ws, row, 0, "合计", x->total);
    for (int k = 0; k < ncols; k++) {
        double v = (double)col_sum(t, json_string_value(json_object_get(json_array_get(cols, (size_t)k), "key")));
        worksheet_write_number(ws, row, (lxw_col_t)(k + 1), money ? v / 100.0 : v, money ? x->money_total : x->total);
    }
    row += 2;
    worksheet_write_string(ws, row, 0, arena_printf(r->arena, "填报人: %s", w->preparer ? w->preparer : ""), x->foot);
    worksheet_write_string(ws, row, 2, arena_printf(r->arena, "审核人: %s", w->reviewer ? w->reviewer : ""), x->foot);
    worksheet_write_string(ws, row, 4, arena_printf(r->arena, "报送日期: %s", w->submitted_on ? w->submitted_on : ""),
                           x->foot);
    if (w->note && *w->note)
        worksheet_write_string(ws, row + 1, 0, arena_printf(r->arena, "填报说明: %s", w->note), x->foot);
    /* print: A4 landscape, one page wide, the heading repeated on every page */
    worksheet_set_paper(ws, 9);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, 2, 3);
    worksheet_center_horizontally(ws);
    worksheet_set_margins(ws, 0.5, 0.5, 0.6, 0.6);
    worksheet_set_footer(ws, "&C第 &P 页 共 &N 页");
}

static void download_xlsx(http_req_t *r) {
    sr_row_t w;
    if (row_readable(r, http_param_id(r, "id"), &w) != 0) return;
    const sr_form_t *f = form_find(w.form);
    const struct period *p = period_find(w.period);
    json_t *fig = w.figures ? json_loads(w.figures, 0, NULL) : NULL;
    if (!fig) return http_error(r, 409, "unknown_form", "报表数据无法读取, 请重新生成");
    xlsx_tmp_t tmp;
    lxw_workbook *wb = xlsx_tmp_open(&tmp);
    buf_t file = BUF_INIT;
    int rc = -1;
    if (wb) {
        xfmt_t x;
        xlsx_formats(wb, &x);
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(fig, "tables"), i, t)
            sheet_write(r, wb, &x, &w, f ? f->title : w.form, p ? p->label : w.period, t);
        rc = xlsx_tmp_finish(&tmp, wb, &file);
    } else {
        xlsx_tmp_finish(&tmp, NULL, NULL);
    }
    json_decref(fig);
    if (rc != 0) {
        buf_free(&file);
        log_error("stat return %lld: xlsx failed", (long long)w.id);
        return http_error(r, 500, "export_failed", "报表生成失败");
    }
    char *detail = arena_printf(r->arena, "{\"format\":\"xlsx\",\"form\":\"%s\",\"year\":%d,\"period\":\"%s\"}", w.form,
                                w.year, w.period);
    if (auth_audit(r, "record.export", stat_returns.name, w.id, "ok", detail) != 0) {
        buf_free(&file);
        return http_error(r, 503, "audit_failed", "审计记录写入失败, 未导出");
    }
    http_set_header(r, "Cache-Control", "no-store");
    http_set_header(r, "Content-Disposition",
                    arena_printf(r->arena, "attachment; filename=\"stat-return-%lld.xlsx\"; filename*=UTF-8''%s",
                                 (long long)w.id, engine_rfc5987(r, arena_printf(r->arena, "%s.xlsx", w.title))));
    http_send_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file.data, file.len);
    buf_free(&file);
}

static const route_t routes[] = {
    {"POST", "/api/v1/stat-returns/generate", generate, .perm = "stat_return.generate"},
    {"POST", "/api/v1/stat-returns/:id/regenerate", regenerate, .perm = "stat_return.generate"},
    {"GET", "/api/v1/stat-returns/:id/xlsx", download_xlsx, .perm = "stat_return.read"},
    {0},
};

void stat_returns_routes_register(void) { router_add(routes); }
