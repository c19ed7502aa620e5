/* corrections.h — community corrections (社区矫正; clause 8, issue 20;
 * docs/corrections.md): what other lines use of it.
 *
 * The hand-over at the end of a correction (期满解除 or 终止): the
 * transition's hook calls corrections_release_handoff(), which gathers in
 * one place what the resettlement line (安置帮教) needs and gives it to the
 * receivers registered with corrections_handoff_register(), inside the
 * transition's transaction (a receiver's failure rolls the end back). */
#ifndef SFS_CORRECTIONS_H
#define SFS_CORRECTIONS_H
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

typedef struct corrections_handoff {
    int64_t subject_id;          /* the corrections-subjects record */
    int64_t person_id;           /* the person registry's id: nothing is typed again */
    int64_t office_id;           /* the responsible office (the record's org_id) */
    const char *office_path;     /* its org path */
    const char *corr_type;       /* control | probation | parole | medical_parole (corr_type) */
    const char *end_kind;        /* "released" (期满解除) or "terminated" (终止) */
    const char *end_reason;      /* NULL when released; else corr_end_reason: death | revoked | custody | other */
    const char *ended_on;        /* YYYY-MM-DD: released_on or ended_on */
    const char *end_on;          /* the end of the period as decided */
    const char *release_cert_no; /* 解除社区矫正证明书 number, NULL when terminated */
    bool from_prison;            /* parole (假释) or temporary service outside prison (暂予监外执行) */
    bool applicable;             /* hand on to 安置帮教: from prison, or marked applicable; never at death */
} corrections_handoff_t;

/* A receiver (the resettlement line): 0, or non-zero after answering (the
 * end is rolled back).  In r's transaction; strings valid for the request. */
typedef int (*corrections_handoff_fn)(http_req_t *r, const corrections_handoff_t *h);
/* Registers a receiver (at start; at most 4). */
void corrections_handoff_register(corrections_handoff_fn fn);
/* Gathers subject_id's hand-over (inside the end transition's transaction)
 * and calls the receivers.  0, or -1 after answering. */
int corrections_release_handoff(http_req_t *r, int64_t subject_id);
#endif
