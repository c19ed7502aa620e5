/* fuzz_framing.c — the byte-level framing gate (http/framing.c) on
 * arbitrary connection bytes, delivered in pieces whose sizes come from the
 * input's first byte.  After a rejection nothing more is forwarded. */
#include <assert.h>
#include <event2/buffer.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    size_t piece = (size_t)data[0] % 64 + 1;
    data++, size--;
    framing_t *f = framing_new(NULL, 10, 60);
    struct evbuffer *src = evbuffer_new(), *dst = evbuffer_new();
    bool rejected = false;
    for (size_t off = 0; off < size; off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        evbuffer_add(src, data + off, n);
        size_t before = evbuffer_get_length(dst);
        int st = framing_feed(f, src, dst);
        if (rejected) assert(evbuffer_get_length(dst) == before); /* nothing after a rejection */
        if (st) {
            assert(st >= 400 && st <= 599);
            rejected = true;
        }
    }
    evbuffer_free(src);
    evbuffer_free(dst);
    framing_free(f);
    return 0;
}
