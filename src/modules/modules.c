#include "modules/modules.h"

#include "auth/auth.h"

/* The module table: adding a business line adds one line here. */
void modules_register(void) {
    health_register();
    session_routes_register();
    admin_routes_register();
    org_units_register();
    audit_register();
}
