/* pls.h — what the two files of the public legal services line share
 * (公共法律服务, plan clauses 10 and 11; docs/public-legal-services.md):
 *   pls.c           service points, consultations and their referrals,
 *                   代收行政复议申请, legal-aid pre-applications, the returns
 *                   and the map;
 *   pls_advisors.c  village legal advisors (选聘, service logs, evaluation,
 *                   exit), 基层法律服务所 supervision and the coverage rule. */
#ifndef SFS_PLS_H
#define SFS_PLS_H
#include "engine/engine.h"

#define PLS_ROLES "office_director office_staff district_admin district_staff city_staff city_leader"
#define PLS_LINE .line = "legal-services", .line_label = "公共法律服务"

/* The text value of field in rec, NULL when missing or empty. */
const char *pls_text(json_t *rec, const char *field);
/* An entity's .deadline: date_field plus the working days of the city's
 * setting `setting` (standard_settings) while done_field is empty, else
 * none.  0, or -1 on a store error. */
int pls_due_after(check_ctx_t *c, char due[11], const char *date_field, const char *done_field, const char *setting);

/* A person of the demo registry registered by office for the line's demo
 * data (born 1979, sequence 8xx of the office's district, so no other demo
 * resident shares the number): its id, or <= 0. */
struct engine_demo;
int64_t pls_demo_person(const struct engine_demo *d, int64_t office, const char *name, int k);

void pls_advisors_declare(void);
#endif
