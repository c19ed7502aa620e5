/* docx.h — a small writer of Word documents (.docx, ECMA-376 WordprocessingML)
 * for the documents the platform prints: paragraphs (title, body text,
 * signatures) and bordered tables, A4 portrait, Chinese fonts (宋体 for
 * titles, 仿宋 for body text, as official documents use) through
 * w:rFonts w:eastAsia.  Used by the mediation documents and the annual
 * report.  Text is UTF-8 and escaped here; '\n' in a text becomes a line
 * break.
 *
 *   docx_t d; docx_init(&d);
 *   docx_title(&d, "人民调解协议书");
 *   docx_para(&d, "甲方: 张三", 0);
 *   docx_table_begin(&d, 2, NULL); docx_row(&d, (const char *[]){"案由", "邻里纠纷"}); docx_table_end(&d);
 *   buf_t file = BUF_INIT; docx_finish(&d, &file);  // the .docx bytes
 *   docx_free(&d); buf_free(&file); */
#ifndef SFS_DOCX_H
#define SFS_DOCX_H
#include <stdbool.h>

#include "util/buf.h"

enum docx_para_flags {
    DOCX_BOLD = 1 << 0,
    DOCX_CENTER = 1 << 1,
    DOCX_RIGHT = 1 << 2,
    DOCX_INDENT = 1 << 3, /* first line indented two characters (公文正文) */
};

typedef struct docx {
    buf_t body; /* w:body content so far */
    int cols;   /* columns of the open table, 0 outside one */
    const int *widths;
    bool landscape; /* the last section (from docx_landscape_section on) is A4 landscape */
    int cell_sz;    /* table text size in half-points (0: 12 pt) */
} docx_t;

void docx_init(docx_t *d);
/* A centred bold title in 宋体 小二 (18 pt). */
void docx_title(docx_t *d, const char *text);
/* A body paragraph in 仿宋 四号 (14 pt). */
void docx_para(docx_t *d, const char *text, unsigned flags);
/* A bordered table of cols columns; widths in twentieths of a point (NULL: equal). */
void docx_table_begin(docx_t *d, int cols, const int *widths);
/* One row of cols cells (NULL cell → empty). */
void docx_row(docx_t *d, const char *const *cells);
/* A heading row repeated at the top of every page the table runs over
 * (w:tblHeader), bold. */
void docx_header_row(docx_t *d, const char *const *cells);
/* Ends the portrait section so far on a new page; what follows (an
 * appendix table) is an A4 landscape section to the end. */
void docx_landscape_section(docx_t *d);
/* The text width of the current section in twips (portrait 9026, landscape 13958). */
int docx_text_width(const docx_t *d);
void docx_table_end(docx_t *d);
/* Writes the whole .docx (a ZIP package) into out.  0 or -1. */
int docx_finish(docx_t *d, buf_t *out);
void docx_free(docx_t *d);
/* XML text escaping (&, <, >, "), shared with the HTML documents. */
void xml_escape(buf_t *b, const char *s);
#endif
