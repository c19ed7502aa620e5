/* test_router.c — the route table (http/router.c): the first route in table
 * order that matches wins, whether it is found through the index of literal
 * keys or among the routes with a capture in their key; a path matched by
 * other methods only lists them (405 Allow); captures are filled. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "test.h"

static void h(http_req_t *r) { (void)r; }

/* Registered in two tables, as modules do; order across them counts. */
static const route_t first[] = {
    {"GET", "/healthz", h, 0, 0, NULL},
    {"GET", "/api/v1/org-units", h, 0, 0, NULL},
    {"GET", "/api/v1/org-units/:id", h, 0, 0, NULL},
    {"PATCH", "/api/v1/org-units/:id", h, 0, 0, NULL},
    {"GET", "/api/v1/:entity/special", h, 0, 0, NULL}, /* a capture in the key: tried for every path */
    {NULL, NULL, NULL, 0, 0, NULL},
};
static const route_t second[] = {
    {"GET", "/api/v1/mediation-cases/special", h, 0, 0, NULL}, /* after the wild one: never reached */
    {"GET", "/api/v1/mediation-cases/:id", h, 0, 0, NULL},
    {"DELETE", "/api/v1/mediation-cases/:id", h, 0, 0, NULL},
    {"GET", "/api/v1/:entity/:id/history", h, 0, 0, NULL},
    {"GET", "/api/v1/mediation-cases/:id/history", h, 0, 0, NULL}, /* shadowed by the wild one above */
    {NULL, NULL, NULL, 0, 0, NULL},
};

static const route_t *match(const char *method, const char *path, char *allowed, size_t n) {
    return router_match(method, path, NULL, allowed, n);
}

TEST(test_table_order_wins_across_the_index_and_the_wild_routes) {
    CHECK(match("GET", "/healthz", NULL, 0) == &first[0]);
    CHECK(match("GET", "/api/v1/org-units", NULL, 0) == &first[1]);
    CHECK(match("GET", "/api/v1/org-units/7", NULL, 0) == &first[2]);
    CHECK(match("GET", "/api/v1/mediation-cases/special", NULL, 0) == &first[4]);
    CHECK(match("GET", "/api/v1/org-units/special", NULL, 0) == &first[2]);
    CHECK(match("GET", "/api/v1/mediation-cases/12", NULL, 0) == &second[1]);
    CHECK(match("GET", "/api/v1/mediation-cases/12/history", NULL, 0) == &second[3]);
    CHECK(match("HEAD", "/api/v1/mediation-cases/12", NULL, 0) == &second[1]);
}

TEST(test_unmatched_paths_and_other_methods) {
    char allowed[64];
    CHECK(match("GET", "/api/v1/nothing-here", allowed, sizeof(allowed)) == NULL);
    CHECK_EQ_STR(allowed, "");
    CHECK(match("GET", "/api/v1/org-units/7/extra", allowed, sizeof(allowed)) == NULL);
    CHECK(match("GET", "/", allowed, sizeof(allowed)) == NULL);
    CHECK(match("GET", "", allowed, sizeof(allowed)) == NULL);
    CHECK(match("GET", "/api/v1/org-units/", allowed, sizeof(allowed)) == NULL);
    CHECK(match("POST", "/api/v1/mediation-cases/12", allowed, sizeof(allowed)) == NULL);
    CHECK_EQ_STR(allowed, "GET, DELETE");
    CHECK(match("POST", "/api/v1/org-units/3", allowed, sizeof(allowed)) == NULL);
    CHECK_EQ_STR(allowed, "GET, PATCH");
}

TEST(test_captures_are_filled) {
    http_req_t r;
    memset(&r, 0, sizeof(r));
    arena_t a;
    arena_init(&a);
    r.arena = &a;
    CHECK(router_match("GET", "/api/v1/persons/55/history", &r, NULL, 0) == &second[3]);
    CHECK_EQ_INT(r.nparams, 2);
    CHECK_EQ_STR(r.param_names[0], "entity");
    CHECK_EQ_STR(r.params[0], "persons");
    CHECK_EQ_STR(r.params[1], "55");
    arena_free(&a);
}

TEST(test_many_keys_grow_the_index) {
    static route_t many[301];
    static char pats[300][48];
    for (int i = 0; i < 300; i++) {
        snprintf(pats[i], sizeof(pats[i]), "/api/v1/kind-%d/:id", i);
        many[i] = (route_t){"GET", pats[i], h, 0, 0, NULL};
    }
    router_add(many);
    for (int i = 0; i < 300; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/kind-%d/9", i);
        CHECK(match("GET", path, NULL, 0) == &many[i]);
    }
    CHECK(match("GET", "/api/v1/org-units/7", NULL, 0) == &first[2]);
}

int main(void) {
    router_add(first);
    router_add(second);
    RUN(test_table_order_wins_across_the_index_and_the_wild_routes);
    RUN(test_unmatched_paths_and_other_methods);
    RUN(test_captures_are_filled);
    RUN(test_many_keys_grow_the_index);
    return test_summary();
}
