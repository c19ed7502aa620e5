/* validate.h — checks and masks for the identifiers the registry holds.
 *
 *   idcard_*   居民身份证号码, GB 11643-1999 (18 characters, ISO 7064 MOD 11-2)
 *   uscc_*     统一社会信用代码, GB 32100-2015 (18 characters, mod 31)
 *   mobile_*   mainland mobile numbers
 *   utf8_*     strict UTF-8
 *   mask_*     display masks for personal information in lists (脱敏)
 *
 * Every check is pure (no allocation, no I/O) and safe on any NUL-terminated
 * input.  Where a check takes `why`, a failure stores a short Chinese reason a
 * clerk understands ("校验码错误", "出生日期无效", …) — a static string — and a
 * success stores NULL; `why` may be NULL. */
#ifndef SFS_VALIDATE_H
#define SFS_VALIDATE_H
#include <stdbool.h>
#include <stddef.h>

/* True for a valid 18-character citizen identity number: 17 digits and a
 * check character (0-9, 'X'; lowercase 'x' is accepted too), the first two
 * digits a real province-level code (11–15, 21–23, 31–37, 41–46, 50–54,
 * 61–65, 71, 81, 82, 83), a birth date that is a real calendar date, not
 * before 1900-01-01 and not after `today` ("YYYY-MM-DD"; NULL = today in
 * China Standard Time, UTC+8, taken from now_unix() so tests can pin it).
 * Leading/trailing or inner spaces are NOT accepted: pass the result of
 * idcard_normalize() for user input.  Store, compare and blind-index only the
 * normalised form (uppercase 'X'). */
bool idcard_valid(const char *s, const char *today, const char **why);
/* The GB 11643 check character (ISO 7064 MOD 11-2) of s's first 17 digits. */
char idcard_check_char(const char *s);

/* Canonical form of user-typed input into out[19]: ASCII and full-width
 * (U+3000) spaces removed anywhere, full-width digits and Ｘ/ｘ folded to
 * ASCII, 'x' uppercased.  Returns true when the result has exactly 18
 * characters (it is not checked further: call idcard_valid next); on false,
 * out holds "" . */
bool idcard_normalize(const char *in, char out[19]);

/* Birth date of an 18-character number as "YYYY-MM-DD" into out[11].
 * Returns false (out = "") when characters 7–14 are not 8 digits; the date is
 * not checked for reality — validate first. */
bool idcard_birth(const char *s, char out[11]);

/* 'M' when the 17th digit is odd, 'F' when even, '\0' when s is not an
 * 18-character number shape. */
char idcard_gender(const char *s);

/* True for a valid unified social credit code: 18 characters from the 31-char
 * set 0-9 A-H J-N P-R T U W-Y (no I O S V Z, uppercase only), a registration
 * authority and organisation type pair that GB 32100 allocates (e.g. 91 企业,
 * 31 律师事务所, 32 公证处, 51 社会团体), 6 region digits, and the mod-31
 * check character. */
bool uscc_valid(const char *s, const char **why);
/* The same as a field's check (field_t.check): NULL when valid, else the
 * Chinese reason.  Every field that holds an organisation's 统一社会信用代码
 * uses it (tests/unit/test_registry.c checks each field so labelled). */
const char *uscc_check(const char *s);
/* Writes the GB 32100 check character after the 17 characters in s[0..17)
 * (of the code's character set), making s an 18-character code; demo data
 * and tests.  False when a character is outside the set. */
bool uscc_complete(char s[19]);

/* True for a mainland mobile number: exactly 11 ASCII digits, "1[3-9]…". */
bool mobile_valid(const char *s);
/* The same as a field's check (field_t.check): NULL when valid, else the
 * Chinese reason. */
const char *mobile_check(const char *s);

/* True when s[0..n) is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).  NUL bytes are valid UTF-8 and pass;
 * callers that store C strings reject them separately. */
bool utf8_valid(const char *s, size_t n);
/* Bytes of the well-formed UTF-8 sequence at p (at most n): 1 for ASCII;
 * 0 when malformed (overlong, surrogate, above U+10FFFF, cut short). */
size_t utf8_seq_len(const unsigned char *p, size_t n);
/* Text of 1..max characters (not bytes) with no control characters. */
bool text_valid(const char *s, size_t max_chars);

/* Masks.  Each writes a NUL-terminated string into out (capacity outlen ≥ 1,
 * truncating at a character boundary if it must) and returns out.  Lengths
 * are counted in UTF-8 characters, each replaced by one '*'; an input too
 * short to keep head and tail is masked entirely, so a mask never reveals
 * the whole value.  NULL input gives "". */

/* Keeps the first `head` and the last `tail` characters. */
char *mask_generic(const char *s, size_t head, size_t tail, char *out, size_t outlen);
/* "310***********123X": first 3, last 4. */
char *mask_idcard(const char *s, char *out, size_t outlen);
/* "138****5678": first 3, last 4. */
char *mask_phone(const char *s, char *out, size_t outlen);
/* "张*", "李**": the first character (the surname) is kept.  A common
 * two-character compound surname (复姓: 欧阳, 司马, 诸葛, …) is kept whole when
 * the name has at least three characters: "欧阳**" for 欧阳娜娜. */
char *mask_name(const char *s, char *out, size_t outlen);
#endif
