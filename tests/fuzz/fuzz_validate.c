/* fuzz_validate.c — the ID-number, credit-code, phone, UTF-8 and mask
 * functions of util/validate.c on arbitrary bytes.  Beyond "no crash" it
 * checks the contracts callers rely on: a valid ID normalises to itself,
 * its birth date and gender exist, masks fit their buffer. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/values.h"
#include "util/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    const char *why = NULL;
    bool utf8 = utf8_valid(s, size);
    if (idcard_valid(s, "2026-12-01", &why)) {
        char norm[19], birth[11];
        assert(strlen(s) == 18);
        assert(idcard_normalize(s, norm) && strcasecmp(norm, s) == 0);
        assert(idcard_birth(s, birth) && strlen(birth) == 10);
        char g = idcard_gender(s);
        assert(g == 'M' || g == 'F');
    } else {
        assert(why && *why);
    }
    char norm[19];
    if (idcard_normalize(s, norm)) {
        assert(strlen(norm) == 18);
        why = NULL;
        (void)idcard_valid(norm, NULL, &why);
    }
    char birth[11];
    (void)idcard_birth(s, birth);
    why = NULL;
    if (!uscc_valid(s, &why))
        assert(why && *why);
    else
        assert(strlen(s) == 18);
    (void)mobile_valid(s);
    (void)text_valid(s, 50);
    char out[64];
    for (size_t cap = 1; cap < sizeof(out); cap += 13) {
        if (!utf8) break; /* masks are applied to stored, valid text */
        mask_idcard(s, out, cap);
        assert(strlen(out) < cap);
        mask_phone(s, out, cap);
        assert(strlen(out) < cap);
        mask_name(s, out, cap);
        assert(strlen(out) < cap);
    }
    int64_t v;
    for (int scale = 0; scale <= 4; scale++)
        if (decimal_parse(s, scale, &v)) {
            char back[48];
            decimal_format(v, scale, back, sizeof(back));
            int64_t again;
            assert(decimal_parse(back, scale, &again) && again == v);
        }
    free(s);
    return 0;
}
