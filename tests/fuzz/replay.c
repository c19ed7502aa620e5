/* replay.c — runs a fuzz target's LLVMFuzzerTestOneInput over the files
 * named on the command line, without libFuzzer: `make asan` links each
 * tests/fuzz/fuzz_*.c with this driver under gcc's AddressSanitizer and
 * replays the committed corpus (tests/fuzz/corpus/<target>/), so every input
 * that once crashed stays a regression test with no clang in CI.  An input
 * that trips a sanitizer aborts the process (no closing line: a failure). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The whole file in a malloc'd buffer of exactly its size (so a read past
 * the input is an ASan report, as under libFuzzer); NULL when unreadable. */
static uint8_t *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *data = NULL;
    size_t cap = 0;
    *n = 0;
    for (;;) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *grown = realloc(data, cap);
            if (!grown) break;
            data = grown;
        }
        size_t got = fread(data + *n, 1, cap - *n, f);
        if (got == 0) break;
        *n += got;
    }
    fclose(f);
    uint8_t *exact = malloc(*n ? *n : 1);
    if (exact && *n) memcpy(exact, data, *n);
    free(data);
    return exact;
}

int main(int argc, char **argv) {
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    int passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        size_t n;
        uint8_t *data = slurp(argv[i], &n);
        if (!data) {
            printf("FAIL %s: cannot read\n", argv[i]);
            failed++;
            continue;
        }
        LLVMFuzzerTestOneInput(data, n);
        free(data);
        passed++;
    }
    printf("%d passed, %d failed, 0 skipped\n", passed, failed);
    return failed ? 1 : 0;
}
