/* test_crypto.c — SM3/HMAC vectors, the key file (mode, format, rotation),
 * personal-information encryption (round trip, tamper rejection, key ids),
 * the blind index, argon2id passwords and RFC 6238 TOTP.  Key files live in
 * a fresh temporary directory, removed at the end. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util/buf.h"
#include "engine/webhooks.h"
#include "util/crypto.h"

static char tmpdir[64];

static const char *tmp_path(const char *name) {
    static char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

static void write_file(const char *path, const char *text, mode_t mode) {
    unlink(path);
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* Files named "*.tmp-*" (write_key_file's temporaries) in tmpdir. */
static int count_temporary_files(void) {
    DIR *d = opendir(tmpdir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp-") != NULL;
    if (d) closedir(d);
    return n;
}

static void remove_tmpdir(void) {
    DIR *d = opendir(tmpdir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) unlink(tmp_path(e->d_name));
    if (d) closedir(d);
    if (rmdir(tmpdir) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
}

static const char *hex_key(char c) { /* 64 hex digits of one repeated character */
    static char k[8][65]; /* one per argument of a snprintf */
    static int slot;
    char *p = k[slot++ % 8];
    memset(p, c, 64);
    p[64] = '\0';
    return p;
}

/* Loads a key file written from text (mode 0600); returns the load result. */
static int load_text(const char *text, keys_t *k, char *err, size_t errlen) {
    const char *path = tmp_path("handmade");
    write_file(path, text, 0600);
    return keys_load_or_create(path, k, false, err, errlen);
}

TEST(test_sm3_abc_vector) {
    char hex[65];
    CHECK_EQ_INT(sm3_hex("abc", 3, hex), 0);
    CHECK_EQ_STR(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    CHECK_EQ_INT(sha256_hex("abc", 3, hex), 0);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(test_hmac_sm3_matches_openssl_cli) {
    /* `openssl mac -digest SM3 -macopt key:key HMAC` of the same message */
    const char *msg = "The quick brown fox jumps over the lazy dog";
    uint8_t mac[32];
    char hex[65];
    CHECK_EQ_INT(hmac_sm3("key", 3, msg, strlen(msg), mac), 0);
    hex_encode(mac, sizeof(mac), hex);
    CHECK_EQ_STR(hex, "bd4a34077888162b210645b8ebf74b9af357303789357a27c7fc457244ebd398");
}

TEST(test_random_and_tokens) {
    uint8_t a[32], b[32];
    CHECK_EQ_INT(crypto_random(a, sizeof(a)), 0);
    CHECK_EQ_INT(crypto_random(b, sizeof(b)), 0);
    CHECK(memcmp(a, b, sizeof(a)) != 0);
    char t1[CRYPTO_TOKEN_LEN(32)], t2[CRYPTO_TOKEN_LEN(32)];
    CHECK_EQ_INT(crypto_token(t1, 32), 0);
    CHECK_EQ_INT(crypto_token(t2, 32), 0);
    CHECK_EQ_INT(strlen(t1), 43);
    CHECK(strcmp(t1, t2) != 0);
    CHECK(strspn(t1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43);
    char small[CRYPTO_TOKEN_LEN(8)];
    CHECK_EQ_INT(crypto_token(small, 8), -1); /* fewer than 16 bytes refused */
}

TEST(test_key_file_created_with_mode_0600_and_reloads_same_keys) {
    const char *path = tmp_path("keys");
    char err[512] = "";
    keys_t k1, k2;
    mode_t old = umask(0); /* a permissive umask must not widen the mode */
    int rc = keys_load_or_create(path, &k1, true, err, sizeof(err));
    umask(old);
    CHECK_EQ_INT(rc, 0);
    struct stat st;
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
    CHECK_EQ_INT(k1.ngen, 1);
    CHECK_EQ_INT(k1.gen[k1.current].kid, 1);
    CHECK(memcmp(k1.gen[0].enc, k1.gen[0].mac, KEY_BYTES) != 0); /* separate keys */
    CHECK(memcmp(k1.blind, k1.audit, KEY_BYTES) != 0);
    CHECK_EQ_INT(keys_load_or_create(path, &k2, true, err, sizeof(err)), 0); /* exists: loaded, not replaced */
    CHECK(memcmp(&k1, &k2, sizeof(k1)) == 0);
    FILE *f = fopen(path, "r");
    char first[64] = "";
    if (f) {
        if (!fgets(first, sizeof(first), f)) first[0] = '\0';
        fclose(f);
    }
    CHECK_EQ_STR(first, "sifasuo-keys v1\n");
    keys_wipe(&k1);
    keys_wipe(&k2);
}

TEST(test_key_file_readable_by_others_is_refused) {
    const char *path = tmp_path("keys");
    char err[512] = "";
    keys_t k;
    CHECK_EQ_INT(chmod(path, 0644), 0);
    CHECK_EQ_INT(keys_load_or_create(path, &k, true, err, sizeof(err)), -1);
    CHECK(strstr(err, path) != NULL);
    CHECK(strstr(err, "0644") != NULL);
    CHECK_EQ_INT(chmod(path, 0640), 0);
    CHECK_EQ_INT(keys_load_or_create(path, &k, false, err, sizeof(err)), -1);
    CHECK_EQ_INT(chmod(path, 0400), 0); /* owner-only read is fine */
    CHECK_EQ_INT(keys_load_or_create(path, &k, false, err, sizeof(err)), 0);
    CHECK_EQ_INT(chmod(path, 0600), 0);
}

TEST(test_missing_key_file_without_create_is_an_error) {
    char err[512] = "";
    keys_t k;
    CHECK_EQ_INT(keys_load_or_create(tmp_path("absent"), &k, false, err, sizeof(err)), -1);
    CHECK(strstr(err, "不存在") != NULL);
    CHECK(access(tmp_path("absent"), F_OK) != 0);
}

TEST(test_malformed_key_files_are_refused) {
    char err[512], text[1024];
    keys_t k;
    snprintf(text, sizeof(text), "sifasuo-keys v1\nblind=%s\naudit=%s\nenc.1=%s\nmac.1=%s\n", hex_key('1'),
             hex_key('2'), hex_key('3'), hex_key('4'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), 0); /* the well-formed baseline */
    CHECK_EQ_INT(k.blind[0], 0x11);
    CHECK_EQ_INT(k.gen[0].mac[31], 0x44);

    snprintf(text, sizeof(text), "sifasuo-keys v2\nblind=%s\naudit=%s\nenc.1=%s\nmac.1=%s\n", hex_key('1'),
             hex_key('2'), hex_key('3'), hex_key('4'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), -1); /* unknown version */
    snprintf(text, sizeof(text), "sifasuo-keys v1\nblind=%s\naudit=%s\nenc.1=%s\n", hex_key('1'), hex_key('2'),
             hex_key('3'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), -1); /* generation without mac */
    snprintf(text, sizeof(text), "sifasuo-keys v1\nblind=%s\nblind=%s\naudit=%s\nenc.1=%s\nmac.1=%s\n", hex_key('1'),
             hex_key('1'), hex_key('2'), hex_key('3'), hex_key('4'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), -1); /* duplicate */
    snprintf(text, sizeof(text), "sifasuo-keys v1\nblind=%s\naudit=%s\nenc.1=%s\nmac.1=%.62s\n", hex_key('1'),
             hex_key('2'), hex_key('3'), hex_key('4'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), -1); /* short key */
    snprintf(text, sizeof(text), "sifasuo-keys v1\nblind=%s\naudit=%s\nenc.1=%s\nmac.1=%s\n", hex_key('0'),
             hex_key('2'), hex_key('3'), hex_key('4'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), -1); /* all-zero template key */
    snprintf(text, sizeof(text), "sifasuo-keys v1\nblind=%s\naudit=%s\nenc.0=%s\nmac.0=%s\n", hex_key('1'),
             hex_key('2'), hex_key('3'), hex_key('4'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), -1); /* kid 0 */
    snprintf(text, sizeof(text), "sifasuo-keys v1\nblind=%s\naudit=%s\nenc.1=%s\nmac.1=%s\nextra=%s\n",
             hex_key('1'), hex_key('2'), hex_key('3'), hex_key('4'), hex_key('5'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), -1); /* unknown name */
    CHECK(strstr(err, "extra") != NULL);
}

TEST(test_generations_sorted_newest_encrypts) {
    char err[512], text[1024];
    keys_t k;
    snprintf(text, sizeof(text),
             "sifasuo-keys v1\n# comment\n\nblind=%s\naudit=%s\nenc.7=%s\nmac.7=%s\nenc.3=%s\nmac.3=%s\n",
             hex_key('1'), hex_key('2'), hex_key('a'), hex_key('b'), hex_key('c'), hex_key('d'));
    CHECK_EQ_INT(load_text(text, &k, err, sizeof(err)), 0);
    CHECK_EQ_INT(k.ngen, 2);
    CHECK_EQ_INT(k.gen[0].kid, 3);
    CHECK_EQ_INT(k.gen[0].enc[0], 0xcc);
    CHECK_EQ_INT(k.gen[k.current].kid, 7);
    CHECK_EQ_INT(k.gen[k.current].enc[0], 0xaa);
    char *t = pi_encrypt(&k, "x", 1);
    CHECK(t && strncmp(t, "v1.7.", 5) == 0);
    CHECK_EQ_INT(pi_token_kid(t), 7);
    free(t);
}

TEST(test_pi_round_trip) {
    char err[512];
    keys_t k;
    CHECK_EQ_INT(keys_load_or_create(tmp_path("keys"), &k, true, err, sizeof(err)), 0);
    const char *id = "11010519491231002X";
    char *t = pi_encrypt(&k, id, strlen(id));
    CHECK(t != NULL);
    CHECK(t && strncmp(t, "v1.1.", 5) == 0);
    CHECK(t && strlen(t) == 5 + (16 + 18 + 32 + 2) / 3 * 4);
    buf_t out = BUF_INIT;
    CHECK_EQ_INT(pi_decrypt(&k, t, &out), 0);
    CHECK_EQ_STR(out.data, id);
    CHECK_EQ_INT(out.len, 18);
    free(t);

    t = pi_encrypt(&k, "", 0); /* empty */
    CHECK_EQ_INT(pi_decrypt(&k, t, &out), 0);
    CHECK_EQ_INT(out.len, 0);
    CHECK_EQ_STR(out.data, "");
    free(t);

    char big[10000]; /* binary, with NULs, many blocks */
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)(i * 7);
    t = pi_encrypt(&k, big, sizeof(big));
    CHECK_EQ_INT(pi_decrypt(&k, t, &out), 0);
    CHECK(out.len == sizeof(big) && memcmp(out.data, big, sizeof(big)) == 0);
    free(t);
    buf_free(&out);
    keys_wipe(&k);
}

TEST(test_pi_same_text_encrypts_differently) {
    char err[512];
    keys_t k;
    CHECK_EQ_INT(keys_load_or_create(tmp_path("keys"), &k, false, err, sizeof(err)), 0);
    char *a = pi_encrypt(&k, "张三", strlen("张三"));
    char *b = pi_encrypt(&k, "张三", strlen("张三"));
    CHECK(a && b && strcmp(a, b) != 0);
    free(a);
    free(b);
}

TEST(test_pi_any_altered_character_is_rejected) {
    char err[512];
    keys_t k;
    CHECK_EQ_INT(keys_load_or_create(tmp_path("keys"), &k, false, err, sizeof(err)), 0);
    char *t = pi_encrypt(&k, "13812345678", 11);
    if (!t) {
        CHECK(t != NULL);
        return;
    }
    buf_t out = BUF_INIT;
    size_t n = strlen(t);
    int accepted = 0;
    for (size_t i = 0; i < n; i++) {
        char saved = t[i];
        t[i] = saved == 'A' ? 'B' : 'A'; /* flips bits of one byte (or breaks the framing) */
        if (pi_decrypt(&k, t, &out) == 0) accepted++;
        CHECK_EQ_INT(out.len, 0); /* nothing leaks out of a failed decryption */
        t[i] = saved;
    }
    CHECK_EQ_INT(accepted, 0);
    CHECK_EQ_INT(pi_decrypt(&k, t, &out), 0); /* the original still decrypts */

    char *cut = strndup(t, n - 4); /* truncated */
    CHECK_EQ_INT(pi_decrypt(&k, cut, &out), -1);
    free(cut);
    buf_t longer = BUF_INIT;
    buf_printf(&longer, "%sAAAA", t); /* appended block */
    CHECK_EQ_INT(pi_decrypt(&k, longer.data, &out), -1);
    buf_free(&longer);
    CHECK_EQ_INT(pi_decrypt(&k, "v1.1.", &out), -1);
    CHECK_EQ_INT(pi_decrypt(&k, "13812345678", &out), -1); /* a plaintext is not a token */
    CHECK_EQ_INT(pi_decrypt(&k, NULL, &out), -1);
    CHECK_EQ_INT(pi_token_kid("v1.01.AAAA"), -1); /* non-canonical kid */
    buf_free(&out);
    free(t);
}

TEST(test_pi_changed_kid_and_foreign_keys_are_rejected) {
    char err[512];
    keys_t k, other;
    CHECK_EQ_INT(keys_load_or_create(tmp_path("keys"), &k, false, err, sizeof(err)), 0);
    CHECK_EQ_INT(keys_load_or_create(tmp_path("other-keys"), &other, true, err, sizeof(err)), 0);
    /* A key set where generation 2 holds generation 1's keys: only the kid
     * inside the authenticated header differs. */
    keys_t twin = k;
    twin.gen[1] = twin.gen[0];
    twin.gen[1].kid = 2;
    twin.ngen = 2;
    char *t = pi_encrypt(&k, "secret", 6);
    buf_t out = BUF_INIT;
    if (t) {
        CHECK_EQ_INT(pi_decrypt(&twin, t, &out), 0);
        t[3] = '2'; /* v1.1. → v1.2. */
        CHECK_EQ_INT(pi_decrypt(&twin, t, &out), -1);
        CHECK_EQ_INT(pi_decrypt(&k, t, &out), -1); /* unknown kid */
        t[3] = '1';
        CHECK_EQ_INT(pi_decrypt(&other, t, &out), -1); /* another installation's keys */
        t[1] = '2';                                     /* v2 */
        CHECK_EQ_INT(pi_decrypt(&k, t, &out), -1);
    }
    CHECK(t != NULL);
    free(t);
    buf_free(&out);
    keys_wipe(&twin);
}

TEST(test_key_rotation_keeps_old_ciphertexts_readable) {
    const char *path = tmp_path("rotating");
    char err[512];
    keys_t k1, k2;
    CHECK_EQ_INT(keys_load_or_create(path, &k1, true, err, sizeof(err)), 0);
    char *old = pi_encrypt(&k1, "旧数据", strlen("旧数据"));
    CHECK_EQ_INT(keys_rotate(path, &k2, err, sizeof(err)), 0);
    CHECK_EQ_INT(k2.ngen, 2);
    CHECK_EQ_INT(k2.gen[k2.current].kid, 2);
    CHECK(memcmp(k1.blind, k2.blind, KEY_BYTES) == 0); /* blind index survives rotation */
    CHECK(memcmp(k1.audit, k2.audit, KEY_BYTES) == 0);
    struct stat st;
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
    buf_t out = BUF_INIT;
    CHECK_EQ_INT(pi_decrypt(&k2, old, &out), 0);
    CHECK_EQ_STR(out.data, "旧数据");
    char *fresh = pi_encrypt(&k2, "新数据", strlen("新数据"));
    CHECK_EQ_INT(pi_token_kid(fresh), 2);
    CHECK_EQ_INT(pi_token_kid(old), 1);
    CHECK_EQ_INT(pi_decrypt(&k1, fresh, &out), -1); /* old key set cannot read new data */
    free(old);
    free(fresh);
    buf_free(&out);
    CHECK_EQ_INT(count_temporary_files(), 0); /* nothing left beside the key file */
}

TEST(test_blind_index_stable_and_keyed) {
    char err[512], a[65], b[65], c[65], d[65];
    keys_t k, again, other;
    CHECK_EQ_INT(keys_load_or_create(tmp_path("keys"), &k, false, err, sizeof(err)), 0);
    CHECK_EQ_INT(keys_load_or_create(tmp_path("keys"), &again, false, err, sizeof(err)), 0);
    CHECK_EQ_INT(keys_load_or_create(tmp_path("other-keys"), &other, false, err, sizeof(err)), 0);
    pi_blind_index(&k, "11010519491231002X", a);
    pi_blind_index(&again, "11010519491231002X", b);
    pi_blind_index(&k, "110105194912310011", c);
    pi_blind_index(&other, "11010519491231002X", d);
    CHECK_EQ_INT(strlen(a), 64);
    CHECK_EQ_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    CHECK(strcmp(a, d) != 0);
    /* it is HMAC-SM3 under the blind key, nothing else */
    uint8_t mac[32];
    char hex[65];
    hmac_sm3(k.blind, KEY_BYTES, "11010519491231002X", 18, mac);
    hex_encode(mac, sizeof(mac), hex);
    CHECK_EQ_STR(a, hex);
}

TEST(test_argon2id_password_verify) {
    char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
    CHECK_EQ_INT(password_hash("正确的密码 Correct-Horse-1", h1, sizeof(h1)), 0);
    CHECK(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    CHECK(password_verify(h1, "正确的密码 Correct-Horse-1"));
    CHECK(!password_verify(h1, "正确的密码 Correct-Horse-2"));
    CHECK(!password_verify(h1, ""));
    CHECK_EQ_INT(password_hash("正确的密码 Correct-Horse-1", h2, sizeof(h2)), 0);
    CHECK(strcmp(h1, h2) != 0); /* random salt */
    CHECK(!password_needs_rehash(h1));
    CHECK(password_needs_rehash("$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$aGFzaA"));
    CHECK(!password_verify(NULL, "x"));
    CHECK(!password_verify("plain", "plain"));
    CHECK(!password_verify("$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaA", "x"));
    char tiny[16];
    CHECK_EQ_INT(password_hash("pw", tiny, sizeof(tiny)), -1);
}

static const uint8_t rfc6238_secret[] = "12345678901234567890"; /* RFC 6238 appendix B, SHA1 */

TEST(test_totp_rfc6238_vectors) {
    static const struct {
        int64_t t;
        const char *code; /* last 6 of the RFC's 8 digits */
    } v[] = {{59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
             {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char code[7];
        CHECK_EQ_INT(totp_code(rfc6238_secret, 20, v[i].t, code), 0);
        CHECK_EQ_STR(code, v[i].code);
    }
}

TEST(test_totp_verify_window) {
    CHECK(totp_verify(rfc6238_secret, 20, "287082", 59, 1));
    CHECK(totp_verify(rfc6238_secret, 20, "287082", 59 + 30, 1)); /* one step late */
    CHECK(!totp_verify(rfc6238_secret, 20, "287082", 59 + 30, 0));
    CHECK(!totp_verify(rfc6238_secret, 20, "287082", 59 + 90, 1));
    CHECK_EQ_INT(totp_match(rfc6238_secret, 20, "287082", 59 + 30, 1), 1); /* the step, for replay checks */
    CHECK(!totp_verify(rfc6238_secret, 20, "28708", 59, 1));
    CHECK(!totp_verify(rfc6238_secret, 20, "2870820", 59, 1));
    CHECK(!totp_verify(rfc6238_secret, 20, "28708a", 59, 1));
    CHECK(!totp_verify(rfc6238_secret, 20, NULL, 59, 1));
    CHECK(!totp_verify(rfc6238_secret, 0, "287082", 59, 1));
}

TEST(test_base32_rfc4648_and_round_trip) {
    static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *enc[] = {"", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI"};
    for (int i = 0; i < 7; i++) {
        char out[32];
        uint8_t back[32];
        CHECK_EQ_INT(base32_encode((const uint8_t *)plain[i], strlen(plain[i]), out, sizeof(out)),
                     strlen(enc[i]));
        CHECK_EQ_STR(out, enc[i]);
        int n = base32_decode(enc[i], back, sizeof(back));
        CHECK(n == (int)strlen(plain[i]) && memcmp(back, plain[i], (size_t)n) == 0);
    }
    uint8_t back[32];
    CHECK_EQ_INT(base32_decode("MZXW6YTBOI======", back, sizeof(back)), 6); /* padded form */
    CHECK_EQ_INT(base32_decode("mzxw 6ytb-oi", back, sizeof(back)), 6);      /* as typed */
    CHECK(memcmp(back, "foobar", 6) == 0);
    CHECK_EQ_INT(base32_decode("MZXW1YTB", back, sizeof(back)), -1); /* 1 is not base32 */
    CHECK_EQ_INT(base32_decode("M", back, sizeof(back)), -1);        /* impossible length */
    CHECK_EQ_INT(base32_decode("MZ=XW", back, sizeof(back)), -1);    /* data after padding */
    CHECK_EQ_INT(base32_decode("MZXW6YTBOI", back, 5), -1);          /* no room */

    char b32[64];
    CHECK_EQ_INT(base32_encode(rfc6238_secret, 20, b32, sizeof(b32)), 32);
    CHECK_EQ_STR(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    uint8_t raw[20], again[64];
    crypto_random(raw, sizeof(raw));
    base32_encode(raw, sizeof(raw), b32, sizeof(b32));
    CHECK_EQ_INT(base32_decode(b32, again, sizeof(again)), 20);
    CHECK(memcmp(raw, again, 20) == 0);
    CHECK_EQ_INT(base32_encode(raw, sizeof(raw), b32, 32), -1); /* 32 chars need 33 bytes */
}

TEST(test_totp_uri_percent_encodes) {
    char uri[512];
    int n = totp_uri(uri, sizeof(uri), "司法所", "zhang san@x", "GEZDGNBVGY3TQOJQ");
    CHECK_EQ_STR(uri, "otpauth://totp/%E5%8F%B8%E6%B3%95%E6%89%80:zhang%20san%40x?secret=GEZDGNBVGY3TQOJQ"
                      "&issuer=%E5%8F%B8%E6%B3%95%E6%89%80&algorithm=SHA1&digits=6&period=30");
    CHECK_EQ_INT(n, strlen(uri));
    char small[40];
    CHECK_EQ_INT(totp_uri(small, sizeof(small), "司法所", "zhang", "GEZDGNBVGY3TQOJQ"), -1);
    CHECK_EQ_STR(small, "");
}

/* A webhook delivery's X-Sifasuo-Signature (docs/api.md "Webhooks"):
 * HMAC-SM3 over "<timestamp>.<body>", as `openssl dgst -sm3 -hmac` and a
 * receiver compute it (the answer below is openssl's). */
TEST(test_webhook_signature_is_hmac_sm3_of_timestamp_dot_body) {
    char sig[69];
    const char body[] = "{\"a\":1}";
    CHECK(webhook_signature("k3y", 1796000000, body, sizeof(body) - 1, sig) == 0);
    CHECK_EQ_STR(sig, "sm3=740fb49ab44a09c66267e6d47a2272dce27f46514109ec801153595902b93836");
    CHECK(webhook_signature("k3y", 1796000001, body, sizeof(body) - 1, sig) == 0);
    CHECK(strcmp(sig, "sm3=740fb49ab44a09c66267e6d47a2272dce27f46514109ec801153595902b93836") != 0);
}

int main(void) {
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sifasuo-test-crypto-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_sm3_abc_vector);
    RUN(test_hmac_sm3_matches_openssl_cli);
    RUN(test_random_and_tokens);
    RUN(test_key_file_created_with_mode_0600_and_reloads_same_keys);
    RUN(test_key_file_readable_by_others_is_refused);
    RUN(test_missing_key_file_without_create_is_an_error);
    RUN(test_malformed_key_files_are_refused);
    RUN(test_generations_sorted_newest_encrypts);
    RUN(test_pi_round_trip);
    RUN(test_pi_same_text_encrypts_differently);
    RUN(test_pi_any_altered_character_is_rejected);
    RUN(test_pi_changed_kid_and_foreign_keys_are_rejected);
    RUN(test_key_rotation_keeps_old_ciphertexts_readable);
    RUN(test_blind_index_stable_and_keyed);
    RUN(test_argon2id_password_verify);
    RUN(test_totp_rfc6238_vectors);
    RUN(test_totp_verify_window);
    RUN(test_base32_rfc4648_and_round_trip);
    RUN(test_totp_uri_percent_encodes);
    RUN(test_webhook_signature_is_hmac_sm3_of_timestamp_dot_body);
    remove_tmpdir();
    return test_summary();
}
