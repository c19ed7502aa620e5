/* resettlement.h — 安置帮教 (plan clause 9, issue 20 points 8–11;
 * docs/resettlement.md): the one way a released person enters the line.
 *
 * Both sources call resettlement_intake(): the prisons' pre-release lists
 * (resettlement_import.c) and community corrections' hand-over at the end
 * of a subject's term (corrections_release_handoff(), on the corrections
 * branch): a person who reaches the office this way is never typed again. */
#ifndef SFS_RESETTLEMENT_H
#define SFS_RESETTLEMENT_H
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

/* What a source knows of a released person.  Strings may be NULL (not
 * known); dates are "YYYY-MM-DD". */
typedef struct resettle_intake {
    int64_t person_id;          /* required: the person registry's id */
    int64_t office_id;          /* required: the office that receives the person (owns the record) */
    const char *source;         /* code of resettle_source: "prison", "detention", "corrections", "other" */
    const char *release_date;   /* required: 释放 (or 矫正期满) date */
    const char *prison;         /* 原服刑 (执行) 单位 */
    const char *crime;          /* 罪名 */
    const char *crime_category; /* code of resettle_crime_category */
    const char *sentence;       /* 原判刑期 ("有期徒刑三年") */
    const char *residence;      /* 释放后居住地 (personal information: stored encrypted) */
    const char *note;
    bool key_subject; /* 重点帮教对象 (必接必送) */
    /* Handed over at intake, on the release date, this way (a code of
     * resettle_handover_way: "corrections" — the office that supervised the
     * subject receives them itself); NULL: 待衔接 until the office does. */
    const char *handover_way;
    const char *key_reason; /* code of resettle_key_reason */
    int64_t batch_id;       /* the pre-release list it came with; 0 none */
    int64_t corrections_id; /* the corrections subject it was; 0 none */
} resettle_intake_t;

/* Registers the released person with the office, inside the caller's open
 * transaction on r->db: a record of released-persons in 待衔接, its
 * hand-over deadline (release date + the city's resettle_handover_days)
 * and the end of its aid period (release date + resettle_aid_years), the
 * person shared with the office when the registry holds them elsewhere
 * (一次录入、多方共享: audit person.shared for the office), and the audit
 * row record.create {"intake": source}.  No permission is checked here:
 * the caller decided the write (an import, a corrections transition).
 * Returns the new record's id; 0 when the office already holds a live
 * record of the person released that day (*existing its id: a list sent
 * twice, a hand-over repeated); -1 on a store error or bad input (*why,
 * when set, the Chinese reason). */
int64_t resettlement_intake(http_req_t *r, const resettle_intake_t *in, int64_t *existing, const char **why);

/* A setting of the line (resettle_handover_days, resettle_aid_years,
 * resettle_visit_days): the city's value, else (no row) the declared
 * default; -1 when the store cannot say (every declared minimum is 1). */
int64_t resettle_setting(db_t *db, const char *key);

void resettlement_declare(void);         /* the entities, permissions and settings (resettlement.c) */
void resettlement_routes_register(void); /* import and statistics, below */
void resettlement_import_register(void); /* resettlement_import.c */
void resettlement_stats_register(void);  /* resettlement_stats.c */
#endif
