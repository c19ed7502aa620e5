/* document.h — documents (文书) generated from a record, as printable HTML
 * or Word (.docx): one model of blocks (title, paragraph, table rows) that
 * both renderers walk, so the two always say the same.
 *
 * An entity declares its documents (entity_t.documents): the engine serves
 *
 *   GET /api/v1/<entity>/:id/documents/:key?format=html|docx
 *
 * to whoever may read the record (the one access path), answers 409 while
 * the document's .ready field is empty, audits each generation
 * (document.generate, so the history reads 生成文书「<title>」) and lists
 * the documents in the metadata ("documents": [{key, title, ready}]) for
 * the web app's generic documents panel.  A module with documents of its
 * own shape (mediation_docs.c) uses the same model and doc_send. */
#ifndef SFS_DOCUMENT_H
#define SFS_DOCUMENT_H
#include <jansson.h>
#include <stdbool.h>

#include "engine/engine.h"
#include "util/buf.h"
#include "util/docx.h"

typedef struct doc {
    bool docx;
    docx_t d;   /* docx */
    buf_t html; /* html */
    int cols;
} doc_t;

/* Starts a document titled title (the HTML page's <title>). */
void doc_begin(doc_t *o, bool docx, const char *title);
void doc_title(doc_t *o, const char *t);
/* A paragraph; flags DOCX_BOLD, DOCX_CENTER, DOCX_RIGHT, DOCX_INDENT; '\n' breaks the line.
 * Paragraphs and cells are written with Chinese punctuation (doc_fullwidth). */
void doc_para(doc_t *o, const char *t, unsigned flags);
/* A bordered table of cols (at most 16) columns (widths in twentieths of a point, NULL: equal). */
void doc_table(doc_t *o, int cols, const int *widths);
/* A row: in a table of several columns the even cells are headings. */
void doc_row(doc_t *o, const char *const *cells);
void doc_table_end(doc_t *o);
/* Finishes o and answers with it: the audit row document.generate on
 * entity/id {document: key, title, format} first (503 when it cannot be
 * written), then the .docx as an attachment (<title>-<number>.docx with the
 * record's number, e.g. its 案件编号, else <title>-<id>.docx) or the HTML
 * inline.  Frees o. */
void doc_send(http_req_t *r, doc_t *o, const char *entity, int64_t id, const char *key, const char *title,
              const char *number);

/* A record's field as a reader sees it, for a document: a code's label, a
 * ref's or person's name (x_name), 是/否, a decimal as text; "—" when empty.
 * In r's arena. */
const char *doc_value(http_req_t *r, const entity_t *e, json_t *rec, const char *field);
/* A date as a document writes it: "2026-12-07" → "2026年12月7日" (the
 * form of official documents, GB/T 9704); anything else unchanged; NULL or
 * empty → NULL.  In r's arena. */
const char *doc_date(http_req_t *r, const char *ymd);
/* Chinese punctuation for a document's text made elsewhere (a rule's
 * message, a template written with ASCII punctuation): a comma, semicolon or
 * colon after a Chinese character becomes ，；： (the space after it
 * dropped), and parentheses next to one become （）, the spaces around them
 * dropped; numbers (1,200.50, 10:30) and a record number's year
 * ((2026)沪调字第57-0012号) stay as they are.  In r's arena. */
const char *doc_fullwidth(http_req_t *r, const char *t);
/* A blank to fill in by hand on a document to sign: an underline. */
#define DOC_BLANK "＿＿＿＿＿＿"

/* GET /api/v1/:entity/:id/documents/:key (engine_routes_register). */
void documents_routes_register(void);
#endif
