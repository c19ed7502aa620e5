/* openapi.h — the OpenAPI 3.1 document of this server, generated from the
 * route table and the entity declarations (issue 25 point 1). */
#ifndef SFS_OPENAPI_H
#define SFS_OPENAPI_H
#include <stddef.h>

/* The document (JSON text, built on first call, kept for the process's
 * life); NULL when it could not be built.  Call after every route and
 * entity is registered. */
const char *openapi_document(size_t *len);

/* GET /api/v1/openapi.json */
void openapi_routes_register(void);
#endif
