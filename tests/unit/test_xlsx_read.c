/* test_xlsx_read.c — the first worksheet of an .xlsx as the prisons' lists
 * come (util/xlsx_read.h): shared and inline strings, rich text, numbers
 * and date serials, sparse cells, the sheet found through the workbook's
 * relationships; and what a hostile or broken file gets. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/xlsx_read.h"
#include "util/zip.h"

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define RNS "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

/* A workbook whose first sheet is sheet_name (at target), with the given
 * shared strings part (NULL: none). */
static zip_t book(const char *target, const char *sheet_part, const char *sheet, const char *strings) {
    zip_t z;
    zip_init(&z);
    zip_add(&z, "[Content_Types].xml", "<Types/>", 8);
    const char *wb = "<workbook " NS " " RNS "><sheets><sheet name=\"名单\" sheetId=\"1\" r:id=\"rId3\"/>"
                     "<sheet name=\"其他\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>";
    zip_add(&z, "xl/workbook.xml", wb, strlen(wb));
    char rels[600];
    snprintf(rels, sizeof(rels),
             "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/other.xml\"/>"
             "<Relationship Id=\"rId3\" Target=\"%s\"/></Relationships>",
             target);
    zip_add(&z, "xl/_rels/workbook.xml.rels", rels, strlen(rels));
    if (strings) zip_add(&z, "xl/sharedStrings.xml", strings, strlen(strings));
    zip_add(&z, sheet_part, sheet, strlen(sheet));
    const char *other = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>错的表</t></is>"
                        "</c></row></sheetData></worksheet>";
    zip_add(&z, "xl/worksheets/other.xml", other, strlen(other));
    zip_finish(&z);
    return z;
}

static const char *at(const xlsx_sheet_t *s, int row, int col) {
    if (row >= s->nrows || col >= s->rows[row].ncells) return NULL;
    return s->rows[row].cells[col];
}

TEST(test_reads_the_first_sheet_through_the_relationships) {
    const char *strings = "<sst " NS "><si><t>姓名</t></si><si><t xml:space=\"preserve\">公民身份号码 </t></si>"
                          "<si><r><t>张</t></r><r><t>三</t></r><rPh><t>ちょう</t></rPh></si>"
                          "<si><t>A&amp;B &lt;监狱&gt;</t></si></sst>";
    const char *sheet = "<worksheet " NS "><sheetData>"
                        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
                        "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>2</v></c><c r=\"C3\" s=\"4\"><v>46357</v></c>"
                        "<c r=\"D3\" t=\"inlineStr\"><is><t>行内</t></is></c><c r=\"E3\" t=\"s\"><v>3</v></c>"
                        "<c r=\"F3\" t=\"str\"><f>A3</f><v>张三</v></c><c r=\"AA3\" t=\"b\"><v>1</v></c></row>"
                        "</sheetData></worksheet>";
    zip_t z = book("/xl/worksheets/list.xml", "xl/worksheets/list.xml", sheet, strings);
    xlsx_sheet_t s;
    const char *why = NULL;
    CHECK(xlsx_looks_like(z.out.data, z.out.len));
    CHECK_EQ_INT(xlsx_read(z.out.data, z.out.len, &s, &why), 0);
    CHECK_EQ_INT(s.nrows, 3);
    CHECK_EQ_STR(at(&s, 0, 0), "姓名");
    CHECK_EQ_STR(at(&s, 0, 1), "公民身份号码 ");
    CHECK_EQ_INT(s.rows[1].ncells, 0); /* an empty row is kept: row numbers stay the sheet's */
    CHECK_EQ_STR(at(&s, 2, 0), "张三"); /* runs joined, the phonetic guide left out */
    CHECK(at(&s, 2, 1) == NULL);
    CHECK_EQ_STR(at(&s, 2, 2), "46357");
    CHECK_EQ_STR(at(&s, 2, 3), "行内");
    CHECK_EQ_STR(at(&s, 2, 4), "A&B <监狱>");
    CHECK_EQ_STR(at(&s, 2, 5), "张三"); /* a formula by its cached value */
    CHECK_EQ_STR(at(&s, 2, 26), "1");
    xlsx_sheet_free(&s);
    zip_free(&z);
}

TEST(test_a_workbook_without_shared_strings_and_a_relative_target) {
    const char *sheet = "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                        "<x:sheetData><x:row><x:c t=\"inlineStr\"><x:is><x:t>甲</x:t></x:is></x:c><x:c><x:v>2</x:v>"
                        "</x:c></x:row></x:sheetData></x:worksheet>";
    zip_t z = book("worksheets/sheet9.xml", "xl/worksheets/sheet9.xml", sheet, NULL);
    xlsx_sheet_t s;
    const char *why = NULL;
    CHECK_EQ_INT(xlsx_read(z.out.data, z.out.len, &s, &why), 0);
    CHECK_EQ_STR(at(&s, 0, 0), "甲"); /* prefixed names; cells without r follow one another */
    CHECK_EQ_STR(at(&s, 0, 1), "2");
    xlsx_sheet_free(&s);
    zip_free(&z);
}

TEST(test_broken_and_hostile_files_are_refused_with_a_reason) {
    xlsx_sheet_t s;
    const char *why = NULL;
    CHECK_EQ_INT(xlsx_read("姓名,身份证号\r\n", 17, &s, &why), -1);
    CHECK(why && strstr(why, "xlsx"));
    /* a DTD (the "billion laughs" expansion) */
    const char *bomb = "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
                       "<worksheet " NS "><sheetData><row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row>"
                       "</sheetData></worksheet>";
    zip_t z = book("worksheets/sheet1.xml", "xl/worksheets/sheet1.xml", bomb, NULL);
    CHECK_EQ_INT(xlsx_read(z.out.data, z.out.len, &s, &why), -1);
    CHECK(why && strstr(why, "DTD"));
    /* truncated: the central directory is gone */
    CHECK_EQ_INT(xlsx_read(z.out.data, z.out.len / 2, &s, &why), -1);
    zip_free(&z);
    /* a shared string index past the table; a row number going back */
    const char *bad = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c></row></sheetData>"
                      "</worksheet>";
    z = book("worksheets/sheet1.xml", "xl/worksheets/sheet1.xml", bad, "<sst " NS "><si><t>x</t></si></sst>");
    CHECK_EQ_INT(xlsx_read(z.out.data, z.out.len, &s, &why), -1);
    CHECK(why && strstr(why, "共享字符串"));
    zip_free(&z);
    const char *back = "<worksheet " NS "><sheetData><row r=\"5\"/><row r=\"2\"/></sheetData></worksheet>";
    z = book("worksheets/sheet1.xml", "xl/worksheets/sheet1.xml", back, NULL);
    CHECK_EQ_INT(xlsx_read(z.out.data, z.out.len, &s, &why), -1);
    zip_free(&z);
    const char *wide = "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"ZZZ1\"><v>1</v></c></row></sheetData>"
                       "</worksheet>";
    z = book("worksheets/sheet1.xml", "xl/worksheets/sheet1.xml", wide, NULL);
    CHECK_EQ_INT(xlsx_read(z.out.data, z.out.len, &s, &why), -1);
    CHECK(why && strstr(why, "列数"));
    zip_free(&z);
}

TEST(test_date_serials_as_excel_counts_them) {
    char d[11];
    CHECK_EQ_INT(xlsx_serial_date("1", d), 0);
    CHECK_EQ_STR(d, "1900-01-01");
    CHECK_EQ_INT(xlsx_serial_date("59", d), 0);
    CHECK_EQ_STR(d, "1900-02-28");
    CHECK_EQ_INT(xlsx_serial_date("61", d), 0); /* after Excel's 1900-02-29 */
    CHECK_EQ_STR(d, "1900-03-01");
    CHECK_EQ_INT(xlsx_serial_date("25569", d), 0);
    CHECK_EQ_STR(d, "1970-01-01");
    CHECK_EQ_INT(xlsx_serial_date("46357", d), 0);
    CHECK_EQ_STR(d, "2026-12-01");
    CHECK_EQ_INT(xlsx_serial_date("46357.75", d), 0);
    CHECK_EQ_STR(d, "2026-12-01");
    CHECK_EQ_INT(xlsx_serial_date("2026-12-01", d), -1);
    CHECK_EQ_INT(xlsx_serial_date("0", d), -1);
    CHECK_EQ_INT(xlsx_serial_date("abc", d), -1);
}

int main(void) {
    RUN(test_reads_the_first_sheet_through_the_relationships);
    RUN(test_a_workbook_without_shared_strings_and_a_relative_target);
    RUN(test_broken_and_hostile_files_are_refused_with_a_reason);
    RUN(test_date_serials_as_excel_counts_them);
    return test_summary();
}
