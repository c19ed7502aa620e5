/* health.c — liveness and readiness (issue 2 point 8). */
#include "http/http.h"
#include "modules/modules.h"

static void healthz(http_req_t *r) {
    jw_obj(&r->json);
    jw_kstr(&r->json, "status", "ok");
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

/* 200 only when this worker's store connection answers a query that reads
 * the schema (a bare SELECT 1 would not touch the database file). */
static void readyz(http_req_t *r) {
    if (!db_ping(r->db) || db_query_int(r->db, "SELECT COUNT(*) FROM schema_migrations", -1) < 0) {
        http_error(r, 503, "store_unavailable", "数据库不可用");
        return;
    }
    jw_obj(&r->json);
    jw_kstr(&r->json, "status", "ready");
    jw_obj_end(&r->json);
    http_send_json(r, 200);
}

static const route_t routes[] = {
    {"GET", "/healthz", healthz, ROUTE_PUBLIC},
    {"GET", "/readyz", readyz, ROUTE_PUBLIC},
    {0},
};

void health_register(void) { router_add(routes); }
