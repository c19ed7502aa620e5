/* xlsx_read.h — the first worksheet of an .xlsx file as a grid of text
 * cells, for imports of lists that other agencies send as spreadsheets
 * (a prison's pre-release list, issue 20 point 8).
 *
 * The file is read from memory: the ZIP central directory (PKWARE APPNOTE
 * 6.3; stored or deflated entries, no ZIP64, no encryption), then
 * xl/workbook.xml and its relationships for the first sheet's part, the
 * shared strings and that sheet, parsed with expat.  Cells are as Excel
 * stores them: shared and inline strings as text, numbers as written
 * ("42", "45627" — a date is a serial number; xlsx_serial_date converts),
 * booleans "1"/"0", formulas by their cached value.  Limits guard against
 * hostile files: every part at most XLSX_PART_MAX bytes inflated, the
 * sheet at most XLSX_ROWS_MAX rows and XLSX_COLS_MAX columns. */
#ifndef SFS_XLSX_READ_H
#define SFS_XLSX_READ_H
#include <stddef.h>

#define XLSX_PART_MAX (64u * 1024 * 1024)
#define XLSX_ROWS_MAX 200000
#define XLSX_COLS_MAX 256

typedef struct xlsx_row {
    int ncells;   /* cells[0..ncells): NULL for an empty cell */
    char **cells; /* malloc'd UTF-8 strings */
} xlsx_row_t;

typedef struct xlsx_sheet {
    int nrows; /* rows[0..nrows): the sheet's rows 1..nrows, empty rows kept */
    xlsx_row_t *rows;
} xlsx_sheet_t;

/* True when data starts like a ZIP archive (PK\3\4): an .xlsx rather than CSV. */
int xlsx_looks_like(const void *data, size_t len);
/* Reads the first worksheet into *out.  0, or -1 with *why the Chinese
 * reason (static) — not a ZIP, not a workbook, too large, malformed. */
int xlsx_read(const void *data, size_t len, xlsx_sheet_t *out, const char **why);
void xlsx_sheet_free(xlsx_sheet_t *s);
/* A spreadsheet date serial ("45627", "45627.5") to "YYYY-MM-DD" in out[11]
 * (1900 date system, as Excel and WPS write by default); 0, or -1 when text
 * is not a serial of a date between 1900 and 2199. */
int xlsx_serial_date(const char *text, char out[11]);
#endif
