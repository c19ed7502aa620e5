/* csv.h — CSV as spreadsheets write it (RFC 4180), for export and import.
 *
 * Reading parses a buffer in place: each record's cells become
 * NUL-terminated strings inside it (quotes removed, "" unescaped), so a
 * 64 MiB upload needs no second copy.  Records end at CRLF, LF or CR;
 * quoted cells may hold separators and line breaks.
 *
 * Writing follows RFC 4180 (quotes when a cell holds , " CR or LF; CRLF
 * line ends) and guards against formula injection (CWE-1236): a text cell
 * starting with = + - @ (or a tab / CR) gets a leading apostrophe, so Excel
 * and WPS show it as text instead of evaluating it. */
#ifndef SFS_CSV_H
#define SFS_CSV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct csv_reader {
    char *p, *end;
    int64_t records; /* records returned so far */
    char **cells;    /* the current record's cells (malloc'd array) */
    int cap;
} csv_reader_t;

void csv_reader_init(csv_reader_t *c, char *data, size_t n);
void csv_reader_free(csv_reader_t *c);
/* The next record: the cell count (c->cells[0..n)), 0 at the end of input,
 * -1 when a quoted cell is never closed. */
int csv_next(csv_reader_t *c);

/* Text of unknown encoding to UTF-8: a UTF-8 BOM is dropped; valid UTF-8 is
 * kept as is (*out = in); anything else is taken as GB18030 (a superset of
 * GBK, which Excel on Chinese Windows writes) and converted into a malloc'd
 * buffer (*out, caller frees when != in).  *charset names what was found.
 * Returns the length, or -1 (with *charset the Chinese reason) when the
 * bytes are neither, or are UTF-16 (Excel's "Unicode text"). */
long long text_to_utf8(char *in, size_t n, char **out, const char **charset);

/* How a text was decoded (text_decode): the charset chosen and why, in
 * Chinese; suspect when the bytes are valid UTF-8 but read as improbable
 * text for a Chinese register (Cyrillic, Hebrew … and few Chinese
 * characters) while GBK gives Chinese: note says so with the counts. */
typedef struct text_decoding {
    const char *charset; /* "UTF-8" or "GB18030" */
    const char *why;     /* 文件以 UTF-8 标记 (BOM) 开头 / 文件的全部字节都是有效的 UTF-8 / … */
    const char *error;   /* the Chinese reason when the result is -1 */
    bool suspect;
    char note[320];
} text_decoding_t;
/* Decodes as text_to_utf8 does when want is NULL or "auto" (and says why,
 * and whether the choice is suspect); want "utf-8" or "gb18030" ("gbk")
 * decodes as the user chose, or fails (-1, d->error) when the bytes are not
 * that encoding.  *out as text_to_utf8's (caller frees when it is neither in
 * nor in + 3). */
long long text_decode(char *in, size_t n, const char *want, char **out, text_decoding_t *d);

/* One cell; sep is written before it unless first.  guard: apply the
 * formula-injection guard (free text; not numbers the server formats). */
void csv_write_cell(FILE *f, const char *s, bool first, bool guard);
/* True when s would be changed by the formula guard. */
bool csv_formula_like(const char *s);
#endif
