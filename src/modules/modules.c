#include "modules/modules.h"

#include "auth/auth.h"
#include "engine/calendar.h"
#include "engine/codes.h"
#include "engine/engine.h"
#include "modules/registers.h"
#include "modules/resettlement.h"
#include "modules/standards.h"

/* The module table: adding a business line adds one line here. */
void modules_register(void) {
    health_register();
    session_routes_register();
    admin_routes_register();
    grant_routes_register();
    org_units_register();
    persons_register();
    mediation_routes_register();
    audit_register();
    calendar_register();
    codes_register();
    standards_routes_register();
    resettlement_routes_register(); /* 安置帮教 (issue 20): prerelease import, statistics */
    portal_routes_register();       /* 公众门户 (issue 24): /public/api/v1/… and the staff replies */
    referrals_routes_register();    /* 外部机构移送 (issue 25 point 4) */
    stat_returns_routes_register(); /* 统计报表 (issue 25 point 5): generate, regenerate, xlsx */
    engine_routes_register(); /* last: its /api/v1/:entity patterns yield to every explicit route */
}

/* Every module's permissions, so roles_seed can grant their defaults from
 * commands that serve no routes (init, user). */
void modules_perms_register(void) {
    persons_perms_register();
    persons_generator_register(); /* persons are no entity: their demo and generate data by registration */
    calendar_perms_register();
    codes_perms_register();
    mediation_declare();
    test_entity_declare();
    test_line_declare();
    files_perms_register();
    registers_declare();
    standards_declare();
    pufa_declare(); legislation_declare(); assessors_declare(); /* issue 23: pufa.c, legislation.c, assessors.c */
    lawful_admin_declare(); /* 依法行政 (clause 5): after the staff register its reviewers come from */
    rule_of_law_declare();  /* 基层法治 (clause 4) */
    townships_declare();    /* 街道乡镇 register and clause 14's district rule (issue 19 point 1) */
    corrections_declare();  /* 社区矫正 (clause 8; issue 20) */
    resettlement_declare(); /* 安置帮教 (clause 9, issue 20): resettlement.c; receives corrections' hand-over */
    pls_declare();          /* 公共法律服务 (clauses 10, 11): after mediation, whose cases a referral registers */
    referrals_declare();    /* 外部机构移送 (issue 25 point 4): after mediation, whose cases it registers */
    stat_returns_declare(); /* 统计报表 (issue 25 point 5): the lines' periodic returns */
}
