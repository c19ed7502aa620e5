/* docx.c — see docx.h.  The smallest package Word, WPS and LibreOffice open:
 * [Content_Types].xml, _rels/.rels, word/document.xml (and its empty
 * relationships part). */
#include "util/docx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/zip.h"

#define PAGE_TEXT_WIDTH 9026 /* A4 (11906) minus 2 × 1440 margins, twips */
#define LANDSCAPE_TEXT_WIDTH 13958 /* A4 landscape (16838) minus 2 × 1440 */
#define SECT_PORTRAIT                                                                                                 \
    "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/>"                                                                \
    "<w:pgMar w:top=\"1440\" w:right=\"1440\" w:bottom=\"1440\" w:left=\"1440\" w:header=\"851\" "                 \
    "w:footer=\"992\" w:gutter=\"0\"/></w:sectPr>"
#define SECT_LANDSCAPE                                                                                                \
    "<w:sectPr><w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>"                                        \
    "<w:pgMar w:top=\"1440\" w:right=\"1440\" w:bottom=\"1440\" w:left=\"1440\" w:header=\"851\" "                 \
    "w:footer=\"992\" w:gutter=\"0\"/></w:sectPr>"

void xml_escape(buf_t *b, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        default:
            /* XML 1.0 forbids most control characters: drop them */
            if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n') buf_putc(b, *s);
        }
    }
}

void docx_init(docx_t *d) { memset(d, 0, sizeof(*d)); }

/* One run of text in font at half-point size sz; '\n' → w:br. */
static void run(buf_t *b, const char *text, const char *font, int sz, bool bold) {
    buf_printf(b, "<w:r><w:rPr><w:rFonts w:ascii=\"%s\" w:eastAsia=\"%s\" w:hAnsi=\"%s\"/>%s<w:sz w:val=\"%d\"/>"
                  "<w:szCs w:val=\"%d\"/></w:rPr><w:t xml:space=\"preserve\">",
               font, font, font, bold ? "<w:b/>" : "", sz, sz);
    for (const char *p = text ? text : ""; *p; p++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *piece = strndup(p, n);
        xml_escape(b, piece);
        free(piece);
        if (!nl) break;
        buf_puts(b, "</w:t><w:br/><w:t xml:space=\"preserve\">");
        p = nl;
    }
    buf_puts(b, "</w:t></w:r>");
}

static void para(buf_t *b, const char *text, unsigned flags, const char *font, int sz) {
    buf_puts(b, "<w:p><w:pPr><w:spacing w:line=\"360\" w:lineRule=\"auto\"/>");
    if (flags & DOCX_INDENT) buf_puts(b, "<w:ind w:firstLineChars=\"200\" w:firstLine=\"560\"/>");
    if (flags & DOCX_CENTER) buf_puts(b, "<w:jc w:val=\"center\"/>");
    else if (flags & DOCX_RIGHT) buf_puts(b, "<w:jc w:val=\"right\"/>");
    buf_puts(b, "</w:pPr>");
    run(b, text, font, sz, flags & DOCX_BOLD);
    buf_puts(b, "</w:p>");
}

void docx_title(docx_t *d, const char *text) { para(&d->body, text, DOCX_BOLD | DOCX_CENTER, "宋体", 36); }
void docx_para(docx_t *d, const char *text, unsigned flags) { para(&d->body, text, flags, "仿宋", 28); }

int docx_text_width(const docx_t *d) { return d->landscape ? LANDSCAPE_TEXT_WIDTH : PAGE_TEXT_WIDTH; }

static int col_width(const docx_t *d, int i) { return d->widths ? d->widths[i] : docx_text_width(d) / d->cols; }

void docx_landscape_section(docx_t *d) {
    /* a section's properties sit in the last paragraph of the section */
    buf_puts(&d->body, "<w:p><w:pPr>" SECT_PORTRAIT "</w:pPr></w:p>");
    d->landscape = true;
}

void docx_table_begin(docx_t *d, int cols, const int *widths) {
    d->cols = cols;
    d->widths = widths;
    buf_t *b = &d->body;
    buf_puts(b, "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>");
    static const char *const sides[] = {"top", "left", "bottom", "right", "insideH", "insideV"};
    for (int i = 0; i < 6; i++) buf_printf(b, "<w:%s w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>", sides[i]);
    buf_puts(b, "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>");
    for (int i = 0; i < cols; i++) buf_printf(b, "<w:gridCol w:w=\"%d\"/>", col_width(d, i));
    buf_puts(b, "</w:tblGrid>");
}

static void row(docx_t *d, const char *const *cells, bool header) {
    buf_t *b = &d->body;
    buf_puts(b, header ? "<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>" : "<w:tr><w:trPr><w:cantSplit/></w:trPr>");
    for (int i = 0; i < d->cols; i++) {
        buf_printf(b, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr>",
                   col_width(d, i));
        para(b, cells[i], header ? DOCX_BOLD : 0, "仿宋", d->cell_sz ? d->cell_sz : 24);
        buf_puts(b, "</w:tc>");
    }
    buf_puts(b, "</w:tr>");
}
void docx_row(docx_t *d, const char *const *cells) { row(d, cells, false); }
void docx_header_row(docx_t *d, const char *const *cells) { row(d, cells, true); }

void docx_table_end(docx_t *d) {
    buf_puts(&d->body, "</w:tbl>");
    /* Word needs a paragraph between two tables and after the last one */
    buf_puts(&d->body, "<w:p/>");
    d->cols = 0;
}

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "</Types>";
static const char package_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"word/document.xml\"/></Relationships>";
static const char document_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"></Relationships>";

int docx_finish(docx_t *d, buf_t *out) {
    buf_t doc = BUF_INIT;
    buf_puts(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                   "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>");
    buf_add(&doc, d->body.data ? d->body.data : "", d->body.len);
    buf_puts(&doc, d->landscape ? SECT_LANDSCAPE : SECT_PORTRAIT);
    buf_puts(&doc, "</w:body></w:document>");
    zip_t z;
    zip_init(&z);
    int rc = zip_add(&z, "[Content_Types].xml", content_types, sizeof(content_types) - 1) |
             zip_add(&z, "_rels/.rels", package_rels, sizeof(package_rels) - 1) |
             zip_add(&z, "word/document.xml", doc.data, doc.len) |
             zip_add(&z, "word/_rels/document.xml.rels", document_rels, sizeof(document_rels) - 1) | zip_finish(&z);
    if (rc == 0) buf_add(out, z.out.data, z.out.len);
    zip_free(&z);
    buf_free(&doc);
    return rc ? -1 : 0;
}

void docx_free(docx_t *d) { buf_free(&d->body); }
