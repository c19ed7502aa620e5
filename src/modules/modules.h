/* modules.h — every module registers its routes (and later its entities)
 * here; main calls modules_register() once before serving. */
#ifndef SFS_MODULES_H
#define SFS_MODULES_H
#include "http/http.h"
void modules_register(void);
void health_register(void);
void org_units_register(void);
/* After committing a change to org_units: this process reads the tree anew. */
void org_units_invalidate(void);
void persons_register(void);
/* The registry's person with this resident ID (normalised and valid),
 * registered for org_id when new (audited record.create), else the one
 * registered — shared with the caller's unit when outside its scope
 * (person.shared).  Never changes a registered person's details.  In the
 * caller's transaction; the id, or -1 on a store error (portal.c). */
struct http_req;
#include <stdint.h>
int64_t person_find_or_register(struct http_req *r, int64_t org_id, const char *name, const char *id_number,
                                const char *phone, const char *address);

/* Permission declarations alone (init seeds roles before any route exists). */
void persons_perms_register(void);
void modules_perms_register(void);
void test_entity_declare(void);
void test_line_declare(void); /* test_line.c: the throwaway business line */
void audit_register(void);
/* people's mediation (mediation.c, mediation_docs.c, mediation_stats.c) */
void mediation_declare(void);
void pufa_declare(void), legislation_declare(void), assessors_declare(void); /* issue 23 (docs/pufa.md) */
/* A rule's test that field names a 村(居)委会 (or is empty): NULL, else the reason (pufa.c). */
struct check_ctx;
const char *village_field_rule(struct check_ctx *c, const char *field);
/* public legal services and grassroots legal service supervision (clauses 10, 11; pls.c, pls_advisors.c) */
void pls_declare(void);
/* persons.c: a party's person found by document number or registered for org (referrals.c) */
int64_t person_for_party(http_req_t *r, int64_t org, json_t *party, const char **field, const char **why);
void referrals_declare(void);          /* referrals.c: 外部机构移送 (issue 25 point 4) */
void referrals_routes_register(void);
void stat_returns_declare(void);         /* stat_returns.c: 统计报表 (issue 25 point 5) */
void stat_returns_routes_register(void);
void townships_declare(void); /* issue 19 point 1 (docs/standards.md) */
void mediation_routes_register(void);
void mediation_stats_register(void);
/* scale data (generate.h): the cases' .generate (mediation_generate.c), and
 * the person registry's module registration (persons_generate.c) */
extern const struct engine_generator mediation_case_generator;
void persons_generator_register(void);
/* lawful administration (clause 5) and grassroots rule of law (clause 4) */
void lawful_admin_declare(void);
void rule_of_law_declare(void);
/* community corrections (clause 8; corrections.c, corrections_board.c) */
void corrections_declare(void);
void corrections_board_declare(void);
/* the public portal (issue 24; portal.c, docs/portal.md) */
void portal_declare(void);
void portal_routes_register(void);
#endif
