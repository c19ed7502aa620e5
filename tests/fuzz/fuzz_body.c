/* fuzz_body.c — a JSON request body validated against an entity: the
 * parse http_json_body does (jansson, duplicate keys refused), then
 * value_parse for every key that names a field of the engine's test entity
 * (every field type: text with a check, code list, decimal, int, date, bool,
 * reference, person, personal information), on a real SQLite store with the
 * migrations and code lists applied. */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/values.h"
#include "http/http.h"
#include "modules/modules.h"
#include "store/db.h"

static db_t *db;
static const entity_t *entity;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    setenv("SIFASUO_TEST_ENTITY", "1", 1);
    modules_perms_register();
    char err[640];
    if (db_open("sqlite::memory:", &db, err, sizeof(err)) != 0 || db_migrate(db, err, sizeof(err)) != 0 ||
        engine_migrate(db, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_body: %s\n", err);
        abort();
    }
    entity = entity_find("test-items");
    assert(entity);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static arena_t arena;
    static int ready;
    if (!ready) arena_init(&arena), ready = 1;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) return 0;
    if (json_is_object(j)) {
        http_req_t r;
        memset(&r, 0, sizeof(r));
        r.arena = &arena;
        r.db = db;
        const char *key;
        json_t *val;
        json_object_foreach(j, key, val) {
            const field_t *f = entity_field(entity, key);
            if (!f) continue;
            value_t v;
            const char *why = NULL;
            if (value_parse(&r, f, val, &v, &why) != 0) {
                assert(why && *why);
            } else if (v.text) {
                assert(strlen(v.text) < 64 * 1024);
            }
        }
        /* the error answer's encoder sees the same text */
        buf_t b = {0};
        json_object_foreach(j, key, val) if (json_is_string(val))
            json_escape(&b, json_string_value(val), json_string_length(val));
        buf_free(&b);
    }
    json_decref(j);
    arena_reset(&arena);
    return 0;
}
