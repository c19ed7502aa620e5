/* values.h — field values between JSON and the store (engine-internal). */
#ifndef SFS_VALUES_H
#define SFS_VALUES_H
#include "engine/engine.h"

typedef struct value {
    bool null, is_int;
    int64_t i;
    const char *text;
} value_t;

/* Validates j for field f into v; -1 with a Chinese reason in *why. */
int value_parse(http_req_t *r, const field_t *f, json_t *j, value_t *v, const char **why);
/* A reference must name a live record in the caller's scope. */
int value_check_ref(http_req_t *r, const field_t *f, const value_t *v, const char **why);
bool decimal_parse(const char *s, int scale, int64_t *out);
void decimal_format(int64_t v, int scale, char *out, size_t n);
/* Provided by the code-list service (engine/codes.c); true when code is an
 * active value of list. */
bool engine_code_valid(db_t *db, const char *list, const char *code);
bool engine_scope_covers(http_req_t *r, const char *path);
#endif
