/* calendar.h — the working-day calendar (工作日历; issue 4 point 4): which
 * dates are working days in mainland China, for deadlines counted in
 * working days.
 *
 * A date is a working day when it is Monday–Friday and not a holiday, or
 * when it is a make-up working day (调休上班) on a weekend.  The exceptions
 * live in the holidays table (migration 0005, seeded from the State
 * Council's yearly notices; administrators edit it through the API below).
 *
 * Dates are "YYYY-MM-DD" text, years 1900–2999 (timeutil date_valid), with
 * day arithmetic on the proleptic Gregorian calendar in integers: no
 * time zones, no mktime.
 *
 * All calls are synchronous and use the caller's connection.  The calendar
 * is cached per process (engine/gencache.h): the hot path reads memory,
 * never the store.
 *
 *   GET    /api/v1/calendar?year=2024              the year's exceptions (org.read)
 *   GET    /api/v1/calendar/workdays?from=&days=   {"date"}: from + days working days (signed in)
 *   PUT    /api/v1/calendar/:date {kind,name[,source]}   set a day (calendar.manage, audited)
 *   DELETE /api/v1/calendar/:date                   back to the weekday rule (calendar.manage, audited) */
#ifndef SFS_CALENDAR_H
#define SFS_CALENDAR_H
#include <limits.h>
#include <stdbool.h>

#include "store/db.h"

/* cal_workdays_between's error value (a count can be negative). */
#define CAL_ERR INT_MIN
/* The most working days cal_add_workdays moves (about 40 years). */
#define CAL_MAX_DAYS 10000

/* 1 when date is a working day, 0 when not, -1 when date is malformed or
 * the calendar cannot be read. */
int cal_day_kind(db_t *db, const char *date);
/* True when date is a working day; false also for a malformed date or a
 * store failure (use cal_day_kind to tell them apart). */
bool cal_is_workday(db_t *db, const char *date);
/* Writes into out the date n (0 … CAL_MAX_DAYS) working days after date; the
 * start day itself is never counted, so n = 0 gives date unchanged.
 * Returns 0, or -1 (out set to "") for a malformed date, n out of range, a
 * result past 2999-12-31, or a store failure. */
int cal_add_workdays(db_t *db, const char *date, int n, char out[11]);
/* The number of working days in (from, to]; when to is before from, minus
 * the number in (to, from].  So cal_add_workdays(d, n) = t implies
 * cal_workdays_between(d, t) = n.  CAL_ERR for a malformed date or a store
 * failure. */
int cal_workdays_between(db_t *db, const char *from, const char *to);

/* Drops this process's cached calendar: after an edit outside the API
 * below, or after switching the process to another store (tests). */
void cal_invalidate(void);

/* Routes and the calendar.manage permission (modules.c). */
void calendar_perms_register(void);
void calendar_register(void);
#endif
