/* returns.h — what the lines' returns endpoints share (GET
 * /api/v1/lawful/returns, /api/v1/pls/returns): the period and unit a
 * request asks for, and statements counted over a scope range [$1, $2) and
 * a period [$3, $4] of dates. */
#ifndef SFS_RETURNS_H
#define SFS_RETURNS_H
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "util/json.h"

typedef struct returns_period {
    int year, month; /* month 0: the whole year */
    const char *lo;  /* the unit's path: records with lo <= org_path < hi */
    char hi[512], from[11], to[11];
} returns_period_t;

/* Reads ?year= (default this year, Shanghai), ?month= (1–12, when months),
 * and ?org_id= (a unit in the caller's scope; default the whole scope) into
 * p: true, or false after answering 422 naming the parameter. */
bool returns_period(http_req_t *r, bool months, returns_period_t *p);
/* sql prepared and bound with lo, hi, from, to as $1..$4; NULL on a store error. */
db_stmt_t *returns_statement(http_req_t *r, const char *sql, const char *lo, const char *hi, const char *from,
                             const char *to);
/* "SELECT <code>, COUNT(*) … GROUP BY <code>" bound with lo, hi, from, to
 * into w as name: [{code, label, count}], labels from code list `list`
 * (未填写 for none).  0, or -1 on a store error. */
int returns_grouped(http_req_t *r, jw_t *w, const char *name, const char *list, const char *sql, const char *lo,
                    const char *hi, const char *from, const char *to);
/* The first column of sql's row bound so, or -1. */
int64_t returns_count(http_req_t *r, const char *sql, const char *lo, const char *hi, const char *from, const char *to);
#endif
