/* test_csv.c — the CSV reader and writer (util/csv.h) and the charset
 * detection of uploads: what Excel, WPS and hand-edited files produce. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/csv.h"

TEST(test_reads_quotes_separators_and_line_breaks) {
    char data[] = "a,\"b,1\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",,x\n\"\"\rlast";
    csv_reader_t c;
    csv_reader_init(&c, data, strlen(data));
    CHECK_EQ_INT(csv_next(&c), 3);
    CHECK_EQ_STR(c.cells[0], "a");
    CHECK_EQ_STR(c.cells[1], "b,1");
    CHECK_EQ_STR(c.cells[2], "say \"hi\"");
    CHECK_EQ_INT(csv_next(&c), 3);
    CHECK_EQ_STR(c.cells[0], "two\r\nlines");
    CHECK_EQ_STR(c.cells[1], "");
    CHECK_EQ_STR(c.cells[2], "x");
    CHECK_EQ_INT(csv_next(&c), 1); /* a lone CR ends a record too (old Mac Excel) */
    CHECK_EQ_STR(c.cells[0], "");
    CHECK_EQ_INT(csv_next(&c), 1);
    CHECK_EQ_STR(c.cells[0], "last");
    CHECK_EQ_INT(csv_next(&c), 0);
    CHECK_EQ_INT(c.records, 4);
    csv_reader_free(&c);
}

TEST(test_unterminated_quote_is_an_error) {
    char data[] = "ok\r\n\"never closed,1\r\n";
    csv_reader_t c;
    csv_reader_init(&c, data, strlen(data));
    CHECK_EQ_INT(csv_next(&c), 1);
    CHECK_EQ_INT(csv_next(&c), -1);
    csv_reader_free(&c);
}

TEST(test_trailing_newline_adds_no_record) {
    char data[] = "标题,金额\r\n张三,1\r\n";
    csv_reader_t c;
    csv_reader_init(&c, data, strlen(data));
    CHECK_EQ_INT(csv_next(&c), 2);
    CHECK_EQ_INT(csv_next(&c), 2);
    CHECK_EQ_STR(c.cells[0], "张三");
    CHECK_EQ_INT(csv_next(&c), 0);
    csv_reader_free(&c);
}

TEST(test_utf8_kept_bom_dropped) {
    char data[] = "\xEF\xBB\xBF标题\r\n";
    char *out;
    const char *cs;
    long long n = text_to_utf8(data, strlen(data), &out, &cs);
    CHECK_EQ_INT(n, (long long)strlen("标题\r\n"));
    CHECK(out == data + 3);
    CHECK_EQ_STR(cs, "UTF-8");
}

TEST(test_gbk_converted) {
    /* "标题,纠纷" in GBK */
    char data[] = "\xB1\xEA\xCC\xE2,\xBE\xC0\xB7\xD7\r\n";
    char *out;
    const char *cs;
    long long n = text_to_utf8(data, strlen(data), &out, &cs);
    CHECK(n > 0);
    CHECK_EQ_STR(cs, "GB18030");
    CHECK_EQ_STR(out, "标题,纠纷\r\n");
    if (out != data) free(out);
}

TEST(test_utf16_and_binary_refused) {
    char u16[] = "\xFF\xFEx\0y\0";
    char *out;
    const char *cs;
    CHECK_EQ_INT(text_to_utf8(u16, 6, &out, &cs), -1);
    CHECK(strstr(cs, "UTF-16") != NULL);
    char bin[] = "a\0b";
    CHECK_EQ_INT(text_to_utf8(bin, 3, &out, &cs), -1);
    char bad[] = "\x81\x20"; /* a GBK lead byte with no valid trail */
    CHECK_EQ_INT(text_to_utf8(bad, 2, &out, &cs), -1);
}

/* Issue 19 point 4: GBK bytes that are valid UTF-8 by accident (叶卓伟 →
 * "Ҷ\u05ffΰ") are flagged, with the reason; the user's choice decodes them. */
TEST(test_valid_utf8_that_reads_as_improbable_text_is_flagged_as_likely_gbk) {
    char data[] = "name\r\n\xD2\xB6\xD7\xBF\xCE\xB0\r\n"; /* 叶卓伟 in GBK */
    char *out;
    text_decoding_t d;
    CHECK(text_decode(data, strlen(data), NULL, &out, &d) > 0);
    CHECK_EQ_STR(d.charset, "UTF-8");
    CHECK(d.suspect && strstr(d.note, "很可能是 GBK") != NULL);
    CHECK(text_decode(data, strlen(data), "gbk", &out, &d) > 0);
    CHECK_EQ_STR(d.charset, "GB18030");
    CHECK_EQ_STR(out, "name\r\n叶卓伟\r\n");
    CHECK(!d.suspect && strstr(d.why, "您的选择") != NULL);
    if (out != data) free(out);
    char chinese[] = "姓名\r\n叶卓伟\r\n";
    CHECK(text_decode(chinese, strlen(chinese), NULL, &out, &d) > 0);
    CHECK(!d.suspect && strstr(d.why, "有效的 UTF-8") != NULL);
    char gbk[] = "\xB1\xEA\xCC\xE2\r\n";
    CHECK_EQ_INT(text_decode(gbk, strlen(gbk), "utf-8", &out, &d), -1);
    CHECK(strstr(d.error, "不是有效的 UTF-8") != NULL);
}

TEST(test_writer_quotes_and_guards) {
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    csv_write_cell(f, "=1+2", true, true);
    csv_write_cell(f, "-5", false, false); /* a number the server formats: unguarded */
    csv_write_cell(f, "@x,\"y\"", false, true);
    csv_write_cell(f, NULL, false, true);
    csv_write_cell(f, "二\n行", false, true);
    fclose(f);
    CHECK_EQ_STR(mem, "'=1+2,-5,\"'@x,\"\"y\"\"\",,\"二\n行\"");
    free(mem);
    CHECK(csv_formula_like("+86"));
    CHECK(csv_formula_like("\tx"));
    CHECK(!csv_formula_like("正常"));
}

int main(void) {
    RUN(test_reads_quotes_separators_and_line_breaks);
    RUN(test_unterminated_quote_is_an_error);
    RUN(test_trailing_newline_adds_no_record);
    RUN(test_utf8_kept_bom_dropped);
    RUN(test_gbk_converted);
    RUN(test_utf16_and_binary_refused);
    RUN(test_valid_utf8_that_reads_as_improbable_text_is_flagged_as_likely_gbk);
    RUN(test_writer_quotes_and_guards);
    return test_summary();
}
