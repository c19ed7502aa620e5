/* static.h — serving the built web app (web/dist). */
#ifndef SFS_STATIC_H
#define SFS_STATIC_H
#include "http/http.h"
struct evbuffer;
/* Serves r->path from root: ETag/304, Cache-Control, precompressed .gz, SPA
 * fallback to index.html for paths without an extension; never a file outside
 * root (no "..", no symlink escapes). */
void static_serve(http_req_t *r, const char *root);
/* Sends body (which the caller still frees) with the common headers. */
void http_send_evbuffer(http_req_t *r, int status, struct evbuffer *body);
#endif
