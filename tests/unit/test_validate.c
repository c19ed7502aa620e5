/* test_validate.c — GB 11643 identity numbers, GB 32100 credit codes, mobile
 * numbers, UTF-8 and display masks.  Check characters of the constructed
 * numbers below were computed independently of the code under test. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/validate.h"

#define TODAY "2024-06-15"

TEST(test_idcard_gb11643_example_is_valid) {
    const char *why = "unset";
    CHECK(idcard_valid("11010519491231002X", TODAY, &why));
    CHECK(why == NULL);
    CHECK(idcard_valid("11010519491231002X", NULL, NULL)); /* today = now */
    CHECK(idcard_valid("830000199001011234", TODAY, NULL)); /* 台湾居民居住证 */
}

TEST(test_idcard_changed_check_char_is_invalid) {
    const char *why = NULL;
    CHECK(!idcard_valid("110105194912310021", TODAY, &why));
    CHECK_EQ_STR(why, "校验码错误");
    CHECK(!idcard_valid("110105194912310029", TODAY, &why));
    CHECK_EQ_STR(why, "校验码错误");
    CHECK(idcard_valid("110105194912310011", TODAY, NULL)); /* same birth, other sequence */
}

TEST(test_idcard_lowercase_x_accepted_and_normalised) {
    CHECK(idcard_valid("11010519491231002x", TODAY, NULL));
    char out[19];
    CHECK(idcard_normalize(" 110105 19491231 002x\t", out));
    CHECK_EQ_STR(out, "11010519491231002X");
    /* full-width digits and Ｘ, full-width space, as pasted from a document */
    CHECK(idcard_normalize("１１０１０５１９４９１２３１００２Ｘ\xE3\x80\x80", out));
    CHECK_EQ_STR(out, "11010519491231002X");
    CHECK(!idcard_normalize("11010519491231002", out)); /* 17 */
    CHECK_EQ_STR(out, "");
    CHECK(!idcard_normalize("11010519491231002X1", out)); /* 19 */
    CHECK(!idcard_normalize("1101051949-231002X", out));   /* foreign character */
    CHECK(!idcard_normalize(NULL, out));
}

TEST(test_idcard_impossible_birth_dates_are_invalid) {
    const char *why = NULL;
    CHECK(!idcard_valid("110105194902290010", TODAY, &why)); /* 1949 is not a leap year */
    CHECK_EQ_STR(why, "出生日期无效");
    CHECK(!idcard_valid("110105190002290017", TODAY, &why)); /* nor is 1900 */
    CHECK_EQ_STR(why, "出生日期无效");
    CHECK(idcard_valid("110105200002290013", TODAY, &why)); /* 2000 is */
    CHECK(!idcard_valid("110105194913010010", TODAY, &why)); /* month 13 */
    CHECK_EQ_STR(why, "出生日期无效");
    CHECK(!idcard_valid("110105189912310015", TODAY, &why)); /* before 1900: a real date, no living resident */
    CHECK_EQ_STR(why, "出生年份早于1900年, 不是在世居民的号码, 请核对");
    CHECK(!idcard_valid("110105189602290011", TODAY, &why)); /* 1896-02-29 is a real date too */
    CHECK_EQ_STR(why, "出生年份早于1900年, 不是在世居民的号码, 请核对");
    CHECK(!idcard_valid("110105189902290013", TODAY, &why)); /* 1899 had no 29 February */
    CHECK_EQ_STR(why, "出生日期无效");
}

TEST(test_idcard_future_birth_is_invalid) {
    const char *why = NULL;
    CHECK(!idcard_valid("110105209901010012", TODAY, &why));
    CHECK_EQ_STR(why, "出生日期晚于今天");
    CHECK(!idcard_valid("110105209901010012", NULL, &why));
    CHECK(idcard_valid("310101202401010032", "2024-01-01", NULL)); /* born today */
    CHECK(!idcard_valid("310101202401020038", "2024-01-01", &why)); /* born tomorrow */
    CHECK_EQ_STR(why, "出生日期晚于今天");
    CHECK(!idcard_valid("310101202401010032", "2024-13-01", &why)); /* bad reference date */
}

TEST(test_idcard_region_code_must_be_a_province) {
    const char *why = NULL;
    CHECK(!idcard_valid("910105194912310029", TODAY, &why)); /* 91: first digit 9 */
    CHECK_EQ_STR(why, "行政区划代码无效");
    CHECK(!idcard_valid("190105194912310024", TODAY, &why)); /* 19: no such province */
    CHECK_EQ_STR(why, "行政区划代码无效");
}

TEST(test_idcard_shape_errors_have_reasons) {
    const char *why = NULL;
    CHECK(!idcard_valid(NULL, TODAY, &why));
    CHECK(why != NULL);
    CHECK(!idcard_valid("", TODAY, &why));
    CHECK(!idcard_valid("11010519491231002", TODAY, &why));
    CHECK_EQ_STR(why, "身份证号码应为18位");
    CHECK(!idcard_valid("1101051949123100XX", TODAY, &why));
    CHECK_EQ_STR(why, "身份证号码前17位应为数字");
    CHECK(!idcard_valid("11010519491231002Y", TODAY, &why));
    CHECK_EQ_STR(why, "身份证号码末位应为数字或X");
    CHECK(!idcard_valid(" 11010519491231002X", TODAY, &why)); /* normalise first */
}

TEST(test_idcard_birth_and_gender) {
    char birth[11];
    CHECK(idcard_birth("11010519491231002X", birth));
    CHECK_EQ_STR(birth, "1949-12-31");
    CHECK(!idcard_birth("110105", birth));
    CHECK_EQ_STR(birth, "");
    CHECK_EQ_INT(idcard_gender("11010519491231002X"), 'F'); /* 17th digit 2 */
    CHECK_EQ_INT(idcard_gender("110105194912310011"), 'M'); /* 17th digit 1 */
    CHECK_EQ_INT(idcard_gender("1101051949"), '\0');
    CHECK_EQ_INT(idcard_gender(NULL), '\0');
}

TEST(test_uscc_gb32100_example_is_valid) {
    const char *why = "unset";
    CHECK(uscc_valid("91350100M000100Y43", &why));
    CHECK(why == NULL);
    CHECK(uscc_valid("31310000MD0123456H", NULL)); /* 31: 律师事务所 (司法行政) */
    CHECK(uscc_valid("52310000MJ12345678", NULL)); /* 52: 民办非企业单位 */
}

TEST(test_uscc_wrong_check_char_is_invalid) {
    const char *why = NULL;
    CHECK(!uscc_valid("91350100M000100Y44", &why));
    CHECK_EQ_STR(why, "校验码错误");
    CHECK(!uscc_valid("91350100M000100Y4A", &why));
    CHECK_EQ_STR(why, "校验码错误");
}

TEST(test_uscc_bad_characters_and_codes) {
    const char *why = NULL;
    CHECK(!uscc_valid("91350100M000100I43", &why)); /* I is not in the set */
    CHECK_EQ_STR(why, "统一社会信用代码含有无效字符");
    CHECK(!uscc_valid("91350100M000100Z43", &why));
    CHECK(!uscc_valid("91350100M000100S43", &why));
    CHECK(!uscc_valid("91350100M000100V43", &why));
    CHECK(!uscc_valid("91350100M000100O43", &why));
    CHECK(!uscc_valid("91350100m000100y43", &why)); /* lowercase */
    CHECK(!uscc_valid("B1350100M000100Y41", &why)); /* B: no such authority, check char right */
    CHECK_EQ_STR(why, "登记管理部门或机构类别代码无效");
    CHECK(!uscc_valid("94350100M000100Y4R", &why)); /* 工商 has no type 4 */
    CHECK_EQ_STR(why, "登记管理部门或机构类别代码无效");
    CHECK(!uscc_valid("9135010M000100Y43", &why));
    CHECK_EQ_STR(why, "统一社会信用代码应为18位");
    CHECK(!uscc_valid(NULL, &why));
}

TEST(test_uscc_complete_makes_valid_codes_and_the_field_check_names_the_fault) {
    char s[19] = "91350100M000100Y4";
    CHECK(uscc_complete(s));
    CHECK_EQ_STR(s, "91350100M000100Y43"); /* GB 32100's own example */
    char t[19] = "33310115MA0000500";    /* 33: 基层法律服务所 */
    CHECK(uscc_complete(t));
    CHECK(uscc_valid(t, NULL));
    char bad[19] = "3331011SMA0000500"; /* S is not in the set */
    CHECK(!uscc_complete(bad));
    CHECK(uscc_check("91350100M000100Y43") == NULL);
    CHECK_EQ_STR(uscc_check("91350100M000100Y44"), "校验码错误");
    CHECK_EQ_STR(uscc_check("9135"), "统一社会信用代码应为18位");
}

TEST(test_mobile_numbers) {
    CHECK(mobile_valid("13812345678"));
    CHECK(mobile_valid("19912345678"));
    CHECK(!mobile_valid("12812345678"));
    CHECK(!mobile_valid("23812345678"));
    CHECK(!mobile_valid("1381234567"));
    /* the field check every line's phone field uses */
    CHECK(mobile_check("13812345678") == NULL);
    CHECK(mobile_check("1381234567") && strstr(mobile_check("1381234567"), "11 位"));
    CHECK(!mobile_valid("138123456789"));
    CHECK(!mobile_valid("1381234567a"));
    CHECK(!mobile_valid(""));
    CHECK(!mobile_valid(NULL));
}

TEST(test_utf8_strict) {
    CHECK(utf8_valid("张三 abc", strlen("张三 abc")));
    CHECK(utf8_valid("\xF0\x9F\x98\x80", 4)); /* U+1F600 */
    CHECK(utf8_valid("", 0));
    CHECK(!utf8_valid("\xC0\x80", 2));         /* overlong NUL */
    CHECK(!utf8_valid("\xE0\x80\xAF", 3));     /* overlong '/' */
    CHECK(!utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
    CHECK(!utf8_valid("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!utf8_valid("\xE5\xBC", 2));         /* truncated */
    CHECK(!utf8_valid("\x80", 1));             /* stray continuation */
    CHECK(!utf8_valid("\xFF", 1));
    CHECK(!utf8_valid("张三", 4)); /* cut inside a character */
}

TEST(test_masks_keep_head_and_tail) {
    char out[64];
    CHECK_EQ_STR(mask_idcard("31010119800101123X", out, sizeof(out)), "310***********123X");
    CHECK_EQ_STR(mask_phone("13812345678", out, sizeof(out)), "138****5678");
    CHECK_EQ_STR(mask_idcard("1234567", out, sizeof(out)), "*******"); /* too short: all masked */
    CHECK_EQ_STR(mask_generic("上海市徐汇区", 2, 1, out, sizeof(out)), "上海***区");
    CHECK_EQ_STR(mask_generic(NULL, 1, 1, out, sizeof(out)), "");
}

TEST(test_mask_name_keeps_the_surname) {
    char out[64];
    CHECK_EQ_STR(mask_name("张三", out, sizeof(out)), "张*");
    CHECK_EQ_STR(mask_name("李小明", out, sizeof(out)), "李**");
    CHECK_EQ_STR(mask_name("欧阳娜娜", out, sizeof(out)), "欧阳**");
    CHECK_EQ_STR(mask_name("欧阳修", out, sizeof(out)), "欧阳*");
    CHECK_EQ_STR(mask_name("欧阳", out, sizeof(out)), "欧*"); /* too short to keep both */
    CHECK_EQ_STR(mask_name("张", out, sizeof(out)), "*");
    CHECK_EQ_STR(mask_name("John", out, sizeof(out)), "J***");
}

TEST(test_masks_truncate_at_character_boundaries) {
    char out[5];
    CHECK_EQ_STR(mask_name("张三丰", out, sizeof(out)), "张*"); /* 3+1 bytes + NUL */
    char tiny[3];
    CHECK_EQ_STR(mask_name("张三", tiny, sizeof(tiny)), ""); /* 张 does not fit whole */
    /* Malformed input is masked byte by byte, never copied whole. */
    CHECK_EQ_STR(mask_phone("\xFF\xFE\xFD", out, sizeof(out)), "***");
}

int main(void) {
    RUN(test_idcard_gb11643_example_is_valid);
    RUN(test_idcard_changed_check_char_is_invalid);
    RUN(test_idcard_lowercase_x_accepted_and_normalised);
    RUN(test_idcard_impossible_birth_dates_are_invalid);
    RUN(test_idcard_future_birth_is_invalid);
    RUN(test_idcard_region_code_must_be_a_province);
    RUN(test_idcard_shape_errors_have_reasons);
    RUN(test_idcard_birth_and_gender);
    RUN(test_uscc_gb32100_example_is_valid);
    RUN(test_uscc_wrong_check_char_is_invalid);
    RUN(test_uscc_bad_characters_and_codes);
    RUN(test_uscc_complete_makes_valid_codes_and_the_field_check_names_the_fault);
    RUN(test_mobile_numbers);
    RUN(test_utf8_strict);
    RUN(test_masks_keep_head_and_tail);
    RUN(test_mask_name_keeps_the_surname);
    RUN(test_masks_truncate_at_character_boundaries);
    return test_summary();
}
