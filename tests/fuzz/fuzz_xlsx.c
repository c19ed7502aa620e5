/* fuzz_xlsx.c — the .xlsx reader (util/xlsx_read.c) on arbitrary bytes:
 * the prisons' lists arrive as uploads, so the ZIP directory, the inflate
 * and the XML parts are all hostile input.  Beyond "no crash": a read
 * grid keeps its limits, and a failure gives a reason. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/xlsx_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    xlsx_sheet_t s;
    const char *why = NULL;
    if (xlsx_read(data, size, &s, &why) == 0) {
        assert(s.nrows <= XLSX_ROWS_MAX);
        for (int i = 0; i < s.nrows; i++) {
            assert(s.rows[i].ncells <= XLSX_COLS_MAX);
            for (int k = 0; k < s.rows[i].ncells; k++) assert(!s.rows[i].cells[k] || strlen(s.rows[i].cells[k]) > 0);
        }
        xlsx_sheet_free(&s);
    } else {
        assert(why && *why);
        assert(s.nrows == 0 && s.rows == NULL);
    }
    char d[11];
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    if (xlsx_serial_date(text, d) == 0) assert(strlen(d) == 10 && d[4] == '-' && d[7] == '-');
    free(text);
    return 0;
}
