/* test_docx.c — the ZIP writer (util/zip.h) and the Word writer
 * (util/docx.h): the archive's own structure read back byte by byte and the
 * entries inflated with zlib; the document XML escaped, with its fonts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test.h"
#include "util/docx.h"
#include "util/zip.h"

static uint32_t rd32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static unsigned rd16(const unsigned char *p) { return p[0] | p[1] << 8; }

/* Finds name through the central directory and inflates it into out
 * (capacity cap); returns its length or -1. */
static long unzip_entry(const buf_t *z, const char *name, char *out, size_t cap) {
    const unsigned char *b = (const unsigned char *)z->data;
    if (z->len < 22 || rd32(b + z->len - 22) != 0x06054b50u) return -1;
    const unsigned char *end = b + z->len - 22;
    unsigned n = rd16(end + 10);
    const unsigned char *d = b + rd32(end + 16);
    for (unsigned i = 0; i < n; i++) {
        if (rd32(d) != 0x02014b50u) return -1;
        unsigned nlen = rd16(d + 28), xlen = rd16(d + 30), clen = rd16(d + 32);
        uint32_t crc = rd32(d + 16), csize = rd32(d + 20), usize = rd32(d + 24), off = rd32(d + 42);
        if (nlen == strlen(name) && memcmp(d + 46, name, nlen) == 0) {
            const unsigned char *l = b + off;
            if (rd32(l) != 0x04034b50u || rd16(l + 8) != 8 || usize > cap) return -1;
            z_stream s = {0};
            if (inflateInit2(&s, -15) != Z_OK) return -1;
            s.next_in = (Bytef *)(l + 30 + rd16(l + 26) + rd16(l + 28));
            s.avail_in = csize;
            s.next_out = (Bytef *)out;
            s.avail_out = (uInt)cap;
            int rc = inflate(&s, Z_FINISH);
            inflateEnd(&s);
            if (rc != Z_STREAM_END || s.total_out != usize) return -1;
            if ((uint32_t)crc32(0, (const Bytef *)out, (uInt)usize) != crc) return -1;
            return (long)usize;
        }
        d += 46 + nlen + xlen + clen;
    }
    return -1;
}

TEST(test_zip_entries_read_back_with_crc) {
    zip_t z;
    zip_init(&z);
    char big[20000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)('a' + i % 7);
    CHECK_EQ_INT(zip_add(&z, "a.txt", "hello", 5), 0);
    CHECK_EQ_INT(zip_add(&z, "目录/大.txt", big, sizeof(big)), 0);
    CHECK_EQ_INT(zip_add(&z, "empty", "", 0), 0);
    CHECK_EQ_INT(zip_finish(&z), 0);
    char out[32768];
    CHECK_EQ_INT(unzip_entry(&z.out, "a.txt", out, sizeof(out)), 5);
    CHECK(memcmp(out, "hello", 5) == 0);
    CHECK_EQ_INT(unzip_entry(&z.out, "目录/大.txt", out, sizeof(out)), (long)sizeof(big));
    CHECK(memcmp(out, big, sizeof(big)) == 0);
    CHECK_EQ_INT(unzip_entry(&z.out, "empty", out, sizeof(out)), 0);
    CHECK_EQ_INT(unzip_entry(&z.out, "missing", out, sizeof(out)), -1);
    CHECK(z.out.len < sizeof(big) / 4); /* deflated */
    zip_free(&z);
}

TEST(test_docx_package_and_escaped_text) {
    docx_t d;
    docx_init(&d);
    docx_title(&d, "人民调解协议书");
    docx_para(&d, "甲方 <张三> & 乙方 \"李四\"\n第二行", DOCX_INDENT);
    static const int widths[] = {2000, 7026};
    docx_table_begin(&d, 2, widths);
    docx_row(&d, (const char *const[]){"案由", "邻里纠纷"});
    docx_row(&d, (const char *const[]){"金额", NULL});
    docx_table_end(&d);
    buf_t file = BUF_INIT;
    CHECK_EQ_INT(docx_finish(&d, &file), 0);
    char xml[65536];
    long n = unzip_entry(&file, "word/document.xml", xml, sizeof(xml) - 1);
    CHECK(n > 0);
    xml[n > 0 ? n : 0] = '\0';
    CHECK(strstr(xml, "人民调解协议书") != NULL);
    CHECK(strstr(xml, "甲方 &lt;张三&gt; &amp; 乙方 &quot;李四&quot;</w:t><w:br/>") != NULL);
    CHECK(strstr(xml, "<w:gridCol w:w=\"2000\"/>") != NULL);
    CHECK(strstr(xml, "w:eastAsia=\"宋体\"") != NULL && strstr(xml, "w:eastAsia=\"仿宋\"") != NULL);
    CHECK(strstr(xml, "<w:tc>") != NULL && strstr(xml, "<w:sectPr>") != NULL);
    CHECK(unzip_entry(&file, "[Content_Types].xml", xml, sizeof(xml)) > 0);
    CHECK(unzip_entry(&file, "_rels/.rels", xml, sizeof(xml)) > 0);
    buf_t again = BUF_INIT;
    CHECK_EQ_INT(docx_finish(&d, &again), 0);
    CHECK(again.len == file.len && memcmp(again.data, file.data, file.len) == 0); /* reproducible */
    buf_free(&again);
    buf_free(&file);
    docx_free(&d);
}

int main(void) {
    RUN(test_zip_entries_read_back_with_crc);
    RUN(test_docx_package_and_escaped_text);
    return test_summary();
}
