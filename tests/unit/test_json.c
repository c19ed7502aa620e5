/* test_json.c — the JSON writer's string escaping (util/json.c): every
 * answer's text goes through it, so it must pass valid UTF-8 through
 * untouched, escape what JSON and an HTML page need, and never let an
 * invalid byte out. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/buf.h"
#include "util/json.h"

static char *esc(const char *s, size_t n) {
    static buf_t b;
    buf_clear(&b);
    json_escape(&b, s, n);
    return b.data;
}
#define ESC(lit) esc(lit, sizeof(lit) - 1)

TEST(test_plain_text_and_chinese_pass_through) {
    CHECK_EQ_STR(ESC(""), "\"\"");
    CHECK_EQ_STR(ESC("mediation-cases"), "\"mediation-cases\"");
    CHECK_EQ_STR(ESC("邻里纠纷 GEN-0000000001 😀"), "\"邻里纠纷 GEN-0000000001 😀\"");
}

TEST(test_json_and_html_specials_are_escaped) {
    CHECK_EQ_STR(ESC("a\"b\\c"), "\"a\\\"b\\\\c\"");
    CHECK_EQ_STR(ESC("行1\n行2\r\t"), "\"行1\\n行2\\r\\t\"");
    CHECK_EQ_STR(ESC("</script>"), "\"\\u003c/script>\"");
    CHECK_EQ_STR(ESC("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
    CHECK_EQ_STR(esc("a\0b", 3), "\"a\\u0000b\"");
}

TEST(test_invalid_utf8_becomes_replacement_characters) {
    CHECK_EQ_STR(ESC("a\xff" "b"), "\"a\xEF\xBF\xBD" "b\"");
    CHECK_EQ_STR(ESC("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");           /* overlong '/' */
    CHECK_EQ_STR(ESC("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""); /* a surrogate */
    CHECK_EQ_STR(ESC("中\xE6\x96"), "\"中\xEF\xBF\xBD\xEF\xBF\xBD\"");         /* cut short */
    CHECK_EQ_STR(ESC("\xF4\x90\x80\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""); /* > U+10FFFF */
}

TEST(test_long_strings_grow_the_buffer) {
    size_t n = 100000;
    char *s = malloc(n);
    for (size_t i = 0; i < n; i++) s[i] = i % 100 == 99 ? '"' : 'x';
    const char *out = esc(s, n);
    CHECK_EQ_INT(strlen(out), n + 2 + n / 100);
    CHECK(out[0] == '"' && out[strlen(out) - 1] == '"');
    CHECK(strncmp(out + 1 + 99, "\\\"x", 3) == 0);
    free(s);
}

TEST(test_object_keys_plain_and_escaped) {
    buf_t b = BUF_INIT;
    jw_t w;
    jw_init(&w, &b);
    jw_obj(&w);
    jw_kint(&w, "id", 7);
    jw_kstr(&w, "org_name", "陆家嘴");
    jw_kbool(&w, "a\"<b", true);
    jw_kstr(&w, "名称", NULL);
    jw_obj_end(&w);
    CHECK_EQ_STR(b.data, "{\"id\":7,\"org_name\":\"陆家嘴\",\"a\\\"\\u003cb\":true,\"名称\":null}");
    buf_free(&b);
}

int main(void) {
    RUN(test_plain_text_and_chinese_pass_through);
    RUN(test_json_and_html_specials_are_escaped);
    RUN(test_invalid_utf8_becomes_replacement_characters);
    RUN(test_long_strings_grow_the_buffer);
    RUN(test_object_keys_plain_and_escaped);
    return test_summary();
}
