/* check_cmd.c — `sifasuo check [--org ID] [--as-of DATE] [--format table|json] [--rebuild]`
 * (issue 6 point 3): prints the scorecard of a unit (default the root: the
 * city bureau, or the ministry at national scale).  Exit 0 when every rule
 * passes (or is not yet due), 1 when any fails, 2 on a usage or store error.
 * --rebuild first recomputes every stored result (standards_rebuild). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "cmd/cli.h"
#include "engine/workflow.h"
#include "modules/standards.h"
#include "util/json.h"
#include "util/timeutil.h"

static const char *status_label(const char *s) {
    return !s ? "" : strcmp(s, "pass") == 0 ? "达标" : strcmp(s, "fail") == 0 ? "未达标" : "未到期";
}

static const char *rate_text(json_t *o, char *buf, size_t n) {
    json_t *r = json_object_get(o, "rate");
    if (json_is_number(r))
        snprintf(buf, n, "%.1f%%", json_number_value(r));
    else
        snprintf(buf, n, "—");
    return buf;
}

static void print_table(json_t *sc) {
    json_t *org = json_object_get(sc, "org"), *sum = json_object_get(sc, "summary"),
           *rank = json_object_get(sc, "rank");
    char rate[32];
    printf("%s 规范化指标核查 (截至 %s)\n", json_string_value(json_object_get(org, "name")),
           json_string_value(json_object_get(sc, "as_of")));
    printf("达标 %lld, 未达标 %lld, 未到期 %lld, 达标率 %s",
           (long long)json_integer_value(json_object_get(sum, "passed")),
           (long long)json_integer_value(json_object_get(sum, "failed")),
           (long long)json_integer_value(json_object_get(sum, "not_due")), rate_text(sum, rate, sizeof(rate)));
    if (json_is_object(rank))
        printf(", 同级排名 %lld/%lld", (long long)json_integer_value(json_object_get(rank, "position")),
               (long long)json_integer_value(json_object_get(rank, "of")));
    printf("\n\n");
    size_t i;
    json_t *x;
    json_t *results = json_object_get(sc, "results");
    if (json_array_size(results)) {
        printf("%-8s %-8s %-10s %-10s %s\n", "条款", "结果", "实际", "要求", "指标 / 依据");
        json_array_foreach(results, i, x) {
            json_t *ev = json_object_get(x, "evidence");
            printf("%-8s %-8s %-10s %-10s %s: %s\n", json_string_value(json_object_get(x, "clause")),
                   status_label(json_string_value(json_object_get(x, "status"))),
                   json_string_value(json_object_get(x, "actual")) ? json_string_value(json_object_get(x, "actual"))
                                                                   : "",
                   json_string_value(json_object_get(x, "required")) ? json_string_value(json_object_get(x, "required"))
                                                                     : "",
                   json_string_value(json_object_get(x, "title")), json_string_value(json_object_get(ev, "message")));
        }
        printf("\n");
    }
    if (strcmp(json_string_value(json_object_get(org, "level")), "office") != 0) {
        printf("%-8s %8s %8s %8s %8s  %s\n", "条款", "达标", "未达标", "未到期", "达标率", "指标");
        json_array_foreach(json_object_get(sc, "rules"), i, x) {
            printf("%-8s %8lld %8lld %8lld %8s  %s\n", json_string_value(json_object_get(x, "clause")),
                   (long long)json_integer_value(json_object_get(x, "passed")),
                   (long long)json_integer_value(json_object_get(x, "failed")),
                   (long long)json_integer_value(json_object_get(x, "not_due")), rate_text(x, rate, sizeof(rate)),
                   json_string_value(json_object_get(x, "title")));
        }
        printf("\n");
        json_array_foreach(json_object_get(sc, "units"), i, x) {
            printf("%-30s 达标 %4lld  未达标 %4lld  达标率 %s\n", json_string_value(json_object_get(x, "name")),
                   (long long)json_integer_value(json_object_get(x, "passed")),
                   (long long)json_integer_value(json_object_get(x, "failed")), rate_text(x, rate, sizeof(rate)));
        }
        printf("\n");
    }
    printf("历年 (12 月 31 日):");
    json_array_foreach(json_object_get(sc, "years"), i, x)
        printf("  %s %s", json_string_value(json_object_get(x, "as_of")), rate_text(x, rate, sizeof(rate)));
    printf("\n");
}

int cmd_check(cli_opts_t *o) {
    const char *org_arg = NULL, *as_of = NULL, *format = "table";
    bool rebuild = false;
    for (int i = 0; i < o->argc; i++) {
        const char *a = o->argv[i];
        if (strcmp(a, "--org") == 0 && i + 1 < o->argc)
            org_arg = o->argv[++i];
        else if (strcmp(a, "--as-of") == 0 && i + 1 < o->argc)
            as_of = o->argv[++i];
        else if (strcmp(a, "--format") == 0 && i + 1 < o->argc)
            format = o->argv[++i];
        else if (strcmp(a, "--rebuild") == 0)
            rebuild = true;
        else {
            fprintf(
                stderr,
                "未知参数: %s\n用法: sifasuo check [--org ID] [--as-of YYYY-MM-DD] [--format table|json] [--rebuild]\n",
                a);
            return 2;
        }
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "--format 只能是 table 或 json\n");
        return 2;
    }
    char today[11];
    wf_today(today);
    if (as_of && (!date_valid(as_of) || strcmp(as_of, "2022-01-01") < 0)) {
        fprintf(stderr, "--as-of 应为 2022-01-01 以后的日期 (YYYY-MM-DD)\n");
        return 2;
    }
    char *end = NULL;
    int64_t org = org_arg ? strtoll(org_arg, &end, 10) : 0;
    if (org_arg && (*end || org <= 0)) {
        fprintf(stderr, "--org 应为组织机构编号\n");
        return 2;
    }
    db_t *db = cli_open_store(o);
    if (!db) return 2;
    char err[512];
    int rc = 2;
    /* the keys sign the audit rows of problems a rebuild opens */
    if (auth_init(o->key_file, false, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    if (rebuild) {
        long long t0 = now_unix();
        if (standards_rebuild(db) != 0) {
            fprintf(stderr, "重新核算失败: %s\n", db_errmsg(db));
            goto out;
        }
        fprintf(stderr, "已重新核算全部规范化指标 (%lld 秒)\n", now_unix() - t0);
    }
    if (!org) org = db_query_int(db, "SELECT MIN(id) FROM org_units WHERE parent_id IS NULL", 0);
    buf_t out = BUF_INIT;
    jw_t w;
    jw_init(&w, &out);
    arena_t a;
    arena_init(&a);
    int failing = 0;
    int src = standards_scorecard(db, &a, org, as_of ? as_of : today, &w, &failing);
    if (src == 1)
        fprintf(stderr, "组织机构 %lld 不存在\n", (long long)org);
    else if (src != 0)
        fprintf(stderr, "核查失败: %s\n", db_errmsg(db));
    else {
        if (strcmp(format, "json") == 0)
            printf("%s\n", out.data);
        else {
            json_t *sc = json_loads(out.data, 0, NULL);
            if (sc) print_table(sc);
            json_decref(sc);
        }
        rc = failing ? 1 : 0;
    }
    arena_free(&a);
    buf_free(&out);
out:
    db_close(db);
    return rc;
}
