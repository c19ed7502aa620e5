/* validate.c — GB 11643 / GB 32100 checks, mobile numbers, UTF-8, masks. */
#include "util/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/timeutil.h"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool all_digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i])) return false;
    return true;
}

static bool fail(const char **why, const char *reason) {
    if (why) *why = reason;
    return false;
}

/* ---- 居民身份证号码 (GB 11643-1999) ---------------------------------------- */

/* Province-level codes of GB/T 2260 that appear as the first two digits;
 * 71 台湾, 81 香港, 82 澳门 and 83 (台湾居民居住证) included. */
static const uint8_t province_codes[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                                         43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83};

static bool province_known(int code) {
    for (size_t i = 0; i < sizeof(province_codes); i++)
        if (province_codes[i] == code) return true;
    return false;
}

/* ISO 7064 MOD 11-2 over the first 17 digits: weight of position i is
 * 2^(17-i) mod 11. */
char idcard_check_char(const char *s) {
    static const uint8_t weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    unsigned sum = 0;
    for (int i = 0; i < 17; i++) sum += (unsigned)(s[i] - '0') * weight[i];
    return "10X98765432"[sum % 11];
}

/* Today in China Standard Time as "YYYY-MM-DD" (the birth-date bound is a
 * Shanghai calendar day whatever the server's TZ). */
static void today_cst(char out[11]) {
    time_t t = (time_t)(now_unix() + 8 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

bool idcard_valid(const char *s, const char *today, const char **why) {
    if (why) *why = NULL;
    if (!s || !*s) return fail(why, "身份证号码为空");
    if (strlen(s) != 18) return fail(why, "身份证号码应为18位");
    if (!all_digits(s, 17)) return fail(why, "身份证号码前17位应为数字");
    char last = s[17] == 'x' ? 'X' : s[17];
    if (!is_digit(last) && last != 'X') return fail(why, "身份证号码末位应为数字或X");
    if (s[0] < '1' || s[0] > '8' || !province_known((s[0] - '0') * 10 + (s[1] - '0')))
        return fail(why, "行政区划代码无效");

    char birth[11], now[11];
    idcard_birth(s, birth);
    if (!date_valid(birth)) {
        /* a real calendar date before 1900: no resident alive holds it (the
         * oldest person on record lived 122 years); said as such, not as an
         * impossible date, so the clerk checks the digits (issue 19 point 5) */
        char same[11]; /* the date in a year of the same leap-ness that date_valid takes */
        int y = atoi(birth);
        memcpy(same, birth, 11);
        memcpy(same, y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? "1904" : "1905", 4);
        if (y < 1900 && date_valid(same))
            return fail(why, "出生年份早于1900年, 不是在世居民的号码, 请核对");
        return fail(why, "出生日期无效");
    }
    if (today) {
        if (!date_valid(today)) return fail(why, "参照日期无效");
        memcpy(now, today, 11);
    } else {
        today_cst(now);
    }
    if (strcmp(birth, now) > 0) return fail(why, "出生日期晚于今天");

    if (idcard_check_char(s) != last) return fail(why, "校验码错误");
    return true;
}

/* Reads one character of user input and returns its ASCII fold for the
 * characters an identity number may hold (' ' for any space to drop, 0 for
 * anything else); *len gets the bytes consumed. */
static char idcard_fold(const unsigned char *p, size_t *len) {
    *len = 1;
    if (p[0] == ' ' || p[0] == '\t') return ' ';
    if (is_digit((char)p[0])) return (char)p[0];
    if (p[0] == 'x' || p[0] == 'X') return 'X';
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 全角空格 */
        *len = 3;
        return ' ';
    }
    if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) { /* ０-９ */
        *len = 3;
        return (char)('0' + (p[2] - 0x90));
    }
    if ((p[0] == 0xEF && p[1] == 0xBC && p[2] == 0xB8) || (p[0] == 0xEF && p[1] == 0xBD && p[2] == 0x98)) {
        *len = 3; /* Ｘ ｘ */
        return 'X';
    }
    return 0;
}

bool idcard_normalize(const char *in, char out[19]) {
    size_t n = 0;
    out[0] = '\0';
    if (!in) return false;
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        size_t len;
        char c = idcard_fold(p, &len);
        if (!c) return false;
        p += len;
        if (c == ' ') continue;
        if (n == 18) {
            out[0] = '\0';
            return false;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    if (n != 18) {
        out[0] = '\0';
        return false;
    }
    return true;
}

bool idcard_birth(const char *s, char out[11]) {
    out[0] = '\0';
    if (!s || strnlen(s, 18) < 14 || !all_digits(s + 6, 8)) return false;
    memcpy(out, s + 6, 4);
    out[4] = '-';
    memcpy(out + 5, s + 10, 2);
    out[7] = '-';
    memcpy(out + 8, s + 12, 2);
    out[10] = '\0';
    return true;
}

char idcard_gender(const char *s) {
    if (!s || strnlen(s, 19) != 18 || !all_digits(s, 17)) return '\0';
    return (s[16] - '0') % 2 ? 'M' : 'F';
}

/* ---- 统一社会信用代码 (GB 32100-2015) -------------------------------------- */

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY"; /* 31 characters */

static int uscc_value(char c) {
    if (!c) return -1;
    const char *p = strchr(uscc_charset, c);
    return p ? (int)(p - uscc_charset) : -1;
}

/* 登记管理部门代码 and the 机构类别代码 each allocates (GB 32100-2015 table 1
 * and the allocations published by 全国组织机构统一社会信用代码数据服务中心). */
static const struct {
    char authority;
    const char *types;
} uscc_authorities[] = {
    {'1', "1239"},   /* 机构编制: 机关, 事业单位, 群众团体, 其他 */
    {'2', "19"},     /* 外交: 外国常驻新闻机构, 其他 */
    {'3', "123459"}, /* 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他 */
    {'4', "19"},     /* 文化: 外国在华文化中心, 其他 */
    {'5', "1239"},   /* 民政: 社会团体, 民办非企业单位, 基金会, 其他 */
    {'6', "129"},    /* 旅游: 外国/港澳台旅游部门常驻代表机构, 其他 */
    {'7', "129"},    /* 宗教: 宗教活动场所, 宗教院校, 其他 */
    {'8', "19"},     /* 工会: 基层工会, 其他 */
    {'9', "123"},    /* 工商: 企业, 个体工商户, 农民专业合作社 */
    {'A', "19"},     /* 中央军委改革和编制办公室: 军队事业单位, 其他 */
    {'N', "12349"},  /* 农业: 组级/村级/乡镇级集体经济组织, 其他 */
    {'Y', "1"},      /* 其他 */
};

static bool uscc_type_known(char authority, char type) {
    for (size_t i = 0; i < sizeof(uscc_authorities) / sizeof(uscc_authorities[0]); i++)
        if (uscc_authorities[i].authority == authority) return type && strchr(uscc_authorities[i].types, type);
    return false;
}

static const uint8_t uscc_weight[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

bool uscc_valid(const char *s, const char **why) {
    if (why) *why = NULL;
    if (!s || !*s) return fail(why, "统一社会信用代码为空");
    if (strlen(s) != 18) return fail(why, "统一社会信用代码应为18位");
    int v[18];
    for (int i = 0; i < 18; i++)
        if ((v[i] = uscc_value(s[i])) < 0) return fail(why, "统一社会信用代码含有无效字符");
    if (!uscc_type_known(s[0], s[1])) return fail(why, "登记管理部门或机构类别代码无效");
    if (!all_digits(s + 2, 6)) return fail(why, "登记管理机关行政区划码无效");
    unsigned sum = 0;
    for (int i = 0; i < 17; i++) sum += (unsigned)v[i] * uscc_weight[i];
    if ((int)((31 - sum % 31) % 31) != v[17]) return fail(why, "校验码错误");
    return true;
}

const char *uscc_check(const char *s) {
    const char *why = NULL;
    return uscc_valid(s, &why) ? NULL : why ? why : "统一社会信用代码无效";
}

bool uscc_complete(char s[19]) {
    unsigned sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(s[i]);
        if (v < 0) return false;
        sum += (unsigned)v * uscc_weight[i];
    }
    s[17] = uscc_charset[(31 - sum % 31) % 31];
    s[18] = '\0';
    return true;
}

/* ---- 手机号码 ------------------------------------------------------------- */

bool mobile_valid(const char *s) {
    return s && strnlen(s, 12) == 11 && all_digits(s, 11) && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
}

const char *mobile_check(const char *s) { return mobile_valid(s) ? NULL : "手机号码应为 11 位, 以 1 开头"; }

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), or 0. */
size_t utf8_seq_len(const unsigned char *p, size_t n) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;                  /* no overlongs */
    else if (c == 0xED) len = 3, hi = 0x9F;                  /* no surrogates */
    else if (c >= 0xE1 && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;                  /* no overlongs */
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;                  /* ≤ U+10FFFF */
    else return 0;
    if (n < len || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return len;
}

bool utf8_valid(const char *s, size_t n) {
    if (!s) return n == 0;
    const unsigned char *p = (const unsigned char *)s;
    while (n) {
        size_t len = utf8_seq_len(p, n);
        if (!len) return false;
        p += len;
        n -= len;
    }
    return true;
}

/* ---- 脱敏 ----------------------------------------------------------------- */

/* Bytes of the character at p: a well-formed sequence, else one byte (so a
 * malformed input is still masked byte by byte, never passed through whole). */
static size_t char_len(const char *p) {
    size_t len = utf8_seq_len((const unsigned char *)p, strnlen(p, 4));
    return len ? len : 1;
}

static size_t count_chars(const char *s) {
    size_t n = 0;
    for (const char *p = s; *p; p += char_len(p)) n++;
    return n;
}

char *mask_generic(const char *s, size_t head, size_t tail, char *out, size_t outlen) {
    if (!out || !outlen) return out;
    out[0] = '\0';
    if (!s) return out;
    size_t total = count_chars(s);
    if (total <= head + tail) head = tail = 0; /* too short: mask it all */
    size_t o = 0, i = 0;
    for (const char *p = s; *p; i++) {
        size_t len = char_len(p);
        bool keep = i < head || i >= total - tail;
        size_t need = keep ? len : 1;
        if (o + need >= outlen) break; /* whole characters only */
        if (keep) memcpy(out + o, p, len);
        else out[o] = '*';
        o += need;
        p += len;
    }
    out[o] = '\0';
    return out;
}

char *mask_idcard(const char *s, char *out, size_t outlen) { return mask_generic(s, 3, 4, out, outlen); }

char *mask_phone(const char *s, char *out, size_t outlen) { return mask_generic(s, 3, 4, out, outlen); }

/* 复姓 common enough to meet in a registry; a name that starts with one keeps
 * both characters of the surname. */
static const char *const compound_surnames[] = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
    "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "澹台", "公冶", "太史", "申屠", "钟离", "闻人", "万俟",
    "拓跋", "赫连", "东郭", "单于", "濮阳", "淳于", "仲孙", "司空", "司寇", "左丘", "第五", "鲜于", "完颜",
};

char *mask_name(const char *s, char *out, size_t outlen) {
    size_t head = 1;
    if (s && count_chars(s) >= 3)
        for (size_t i = 0; i < sizeof(compound_surnames) / sizeof(compound_surnames[0]); i++)
            if (strncmp(s, compound_surnames[i], strlen(compound_surnames[i])) == 0) {
                head = 2;
                break;
            }
    /* A one-character name is masked entirely (mask_generic's rule), a
     * two-character one keeps the surname: "张*". */
    return mask_generic(s, head, 0, out, outlen);
}

bool text_valid(const char *s, size_t max_chars) {
    if (!s || !*s) return false;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) return false;
        chars += (*p & 0xC0) != 0x80;
    }
    return chars <= max_chars;
}
