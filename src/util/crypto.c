/* crypto.c — SM3/SM4/HMAC/CSPRNG on OpenSSL 3 EVP, argon2id passwords, TOTP,
 * and the key file.  Contracts are in crypto.h. */
#include "util/crypto.h"

#include <argon2.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

/* ---- algorithms, fetched once ------------------------------------------- */

/* Explicit fetches (OpenSSL 3 "fetching" model) done once per process: the
 * implicit EVP_sm3() style looks the algorithm up again on every call. */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sm3, *md_sha256;
static EVP_MAC *mac_hmac;
static EVP_CIPHER *cipher_sm4_ctr;

static void fetch_algorithms(void) {
    md_sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    cipher_sm4_ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    if (!md_sm3 || !md_sha256 || !mac_hmac || !cipher_sm4_ctr)
        log_error("OpenSSL lacks an algorithm the platform needs (SM3, SHA256, HMAC or SM4-CTR)");
}

static void fetch(void) { pthread_once(&fetch_once, fetch_algorithms); }

/* ---- randomness --------------------------------------------------------- */

int crypto_random(void *buf, size_t n) {
    unsigned char *p = buf;
    while (n) {
        int chunk = n > INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1) {
            log_error("CSPRNG failure (RAND_bytes)");
            return -1;
        }
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

/* ---- base64 (RFC 4648) -------------------------------------------------- */

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes in[0..n) into out (room for 4*ceil(n/3)+1) and returns the length. */
static size_t b64_encode(const uint8_t *in, size_t n, char *out, const char *alphabet, bool pad) {
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        if (pad) out[o++] = '=', out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        if (pad) out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int b64_std_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Strict decoding of padded standard base64 (length a multiple of 4, '='
 * only at the end, unused bits zero) into out (room for len/4*3).  Returns
 * the byte count or -1. */
static long b64_decode_strict(const char *s, size_t len, uint8_t *out) {
    if (len % 4) return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int pad = 0;
        if (i + 4 == len) pad = (s[len - 1] == '=') + (s[len - 2] == '=' && s[len - 1] == '=');
        uint32_t v = 0;
        for (int j = 0; j < 4; j++) {
            int d = j >= 4 - pad ? 0 : b64_std_value(s[i + j]);
            if (d < 0) return -1;
            v = v << 6 | (uint32_t)d;
        }
        if ((pad == 1 && (v & 0xFF)) || (pad == 2 && (v & 0xFFFF))) return -1;
        out[o++] = (uint8_t)(v >> 16);
        if (pad < 2) out[o++] = (uint8_t)(v >> 8);
        if (pad < 1) out[o++] = (uint8_t)v;
    }
    return (long)o;
}

int crypto_token(char *out, size_t bytes) {
    uint8_t raw[256];
    if (!out || bytes < 16 || bytes > sizeof(raw)) return -1;
    if (crypto_random(raw, bytes) != 0) return -1;
    b64_encode(raw, bytes, out, b64_url, false);
    OPENSSL_cleanse(raw, bytes);
    return 0;
}

/* ---- digests and MACs --------------------------------------------------- */

void hex_encode(const void *p, size_t n, char *out) {
    static const char hx[] = "0123456789abcdef";
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[b[i] >> 4];
        out[2 * i + 1] = hx[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int digest_hex(const EVP_MD *md, const void *p, size_t n, char out[65]) {
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    out[0] = '\0';
    if (!md || EVP_Digest(p, n, d, &len, md, NULL) != 1 || len != 32) return -1;
    hex_encode(d, len, out);
    return 0;
}

int sm3_hex(const void *p, size_t n, char out[65]) {
    fetch();
    return digest_hex(md_sm3, p, n, out);
}

int sha256_hex(const void *p, size_t n, char out[65]) {
    fetch();
    return digest_hex(md_sha256, p, n, out);
}

typedef struct span {
    const void *p;
    size_t n;
} span_t;

/* HMAC with the named digest over the concatenation of the spans; exactly
 * outsize bytes of tag are written. */
static int hmac_spans(const char *digest, const void *key, size_t keylen, const span_t *spans, int nspans,
                      uint8_t *out, size_t outsize) {
    fetch();
    if (!mac_hmac || !key || !keylen) return -1;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac_hmac);
    if (!ctx) return -1;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
                           OSSL_PARAM_construct_end()};
    size_t len = 0;
    int ok = EVP_MAC_init(ctx, key, keylen, params) == 1;
    for (int i = 0; ok && i < nspans; i++)
        if (spans[i].n) ok = EVP_MAC_update(ctx, spans[i].p, spans[i].n) == 1;
    ok = ok && EVP_MAC_final(ctx, out, &len, outsize) == 1 && len == outsize;
    EVP_MAC_CTX_free(ctx);
    return ok ? 0 : -1;
}

int hmac_sm3(const void *key, size_t keylen, const void *msg, size_t msglen, uint8_t out[32]) {
    span_t s = {msg, msglen};
    return hmac_spans("SM3", key, keylen, &s, 1, out, 32);
}

/* ---- SM4-CTR ------------------------------------------------------------ */

/* Encrypts or decrypts (the same in CTR mode) in[0..n) into out with the
 * 16-byte key and initial counter block. */
static int sm4_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, size_t n, uint8_t *out) {
    fetch();
    if (!cipher_sm4_ctr || n > INT_MAX) return -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return -1;
    int len = 0, fin = 0;
    int ok = EVP_CipherInit_ex2(ctx, cipher_sm4_ctr, key, iv, 1, NULL) == 1 &&
             (n == 0 || EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1) &&
             EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 && (size_t)(len + fin) == n;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -1;
}

/* ---- personal-information fields ---------------------------------------- */

#define PI_NONCE 16
#define PI_TAG 32

static int pi_tag(const key_generation_t *g, const char *header, size_t hlen, const uint8_t *body, size_t blen,
                  uint8_t tag[PI_TAG]) {
    span_t s[2] = {{header, hlen}, {body, blen}};
    return hmac_spans("SM3", g->mac, KEY_BYTES, s, 2, tag, PI_TAG);
}

static const key_generation_t *generation_of(const keys_t *k, uint32_t kid) {
    for (int i = 0; i < k->ngen; i++)
        if (k->gen[i].kid == kid) return &k->gen[i];
    return NULL;
}

char *pi_encrypt(const keys_t *k, const char *plain, size_t n) {
    if (!k || k->ngen < 1 || k->current < 0 || k->current >= k->ngen || (!plain && n) || n > INT_MAX - 64)
        return NULL;
    const key_generation_t *g = &k->gen[k->current];
    char header[24];
    int hlen = snprintf(header, sizeof(header), "v1.%u.", (unsigned)g->kid);
    size_t blen = PI_NONCE + n + PI_TAG;
    uint8_t *blob = malloc(blen);
    char *out = malloc((size_t)hlen + (blen + 2) / 3 * 4 + 1);
    if (!blob || !out || crypto_random(blob, PI_NONCE) != 0 ||
        sm4_ctr(g->enc, blob, (const uint8_t *)plain, n, blob + PI_NONCE) != 0 ||
        pi_tag(g, header, (size_t)hlen, blob, PI_NONCE + n, blob + PI_NONCE + n) != 0) {
        free(blob);
        free(out);
        return NULL;
    }
    memcpy(out, header, (size_t)hlen);
    b64_encode(blob, blen, out + hlen, b64_std, true);
    free(blob);
    return out;
}

/* Parses "v1.<kid>." (kid canonical decimal, 1…UINT32_MAX); returns the
 * header length or 0. */
static size_t pi_header(const char *token, uint32_t *kid) {
    if (!token || strncmp(token, "v1.", 3) != 0) return 0;
    const char *p = token + 3;
    uint64_t v = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX) return 0;
    }
    if (!digits || *p != '.' || token[3] == '0') return 0;
    *kid = (uint32_t)v;
    return (size_t)(p + 1 - token);
}

int64_t pi_token_kid(const char *token) {
    uint32_t kid;
    return pi_header(token, &kid) ? (int64_t)kid : -1;
}

int pi_decrypt(const keys_t *k, const char *token, buf_t *out) {
    buf_clear(out);
    uint32_t kid = 0;
    size_t hlen = k ? pi_header(token, &kid) : 0;
    const key_generation_t *g = hlen ? generation_of(k, kid) : NULL;
    if (!g) return -1;
    const char *b64 = token + hlen;
    size_t b64len = strlen(b64);
    if (b64len < 4 || b64len / 4 * 3 > (size_t)INT_MAX) return -1;
    uint8_t *blob = malloc(b64len / 4 * 3);
    if (!blob) return -1;
    long blen = b64_decode_strict(b64, b64len, blob);
    uint8_t tag[PI_TAG];
    int rc = -1;
    if (blen >= PI_NONCE + PI_TAG) {
        size_t body = (size_t)blen - PI_TAG, n = body - PI_NONCE;
        if (pi_tag(g, token, hlen, blob, body, tag) == 0 && CRYPTO_memcmp(tag, blob + body, PI_TAG) == 0) {
            buf_reserve(out, n);
            if (sm4_ctr(g->enc, blob, blob + PI_NONCE, n, (uint8_t *)out->data) == 0) {
                out->len = n;
                out->data[n] = '\0';
                rc = 0;
            } else {
                OPENSSL_cleanse(out->data, n);
                buf_clear(out);
            }
        }
    }
    free(blob);
    return rc;
}

void pi_blind_index(const keys_t *k, const char *normalized, char out[65]) {
    uint8_t mac[32];
    out[0] = '\0';
    if (!k || !normalized || hmac_sm3(k->blind, KEY_BYTES, normalized, strlen(normalized), mac) != 0) return;
    hex_encode(mac, sizeof(mac), out);
}

/* ---- key file ----------------------------------------------------------- */

#define KEY_FILE_MAGIC "sifasuo-keys v1"
#define KEY_FILE_MAX (64 * 1024)

__attribute__((format(printf, 3, 4))) static int errf(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Exactly 2*KEY_BYTES hex digits, not all zero (a template left unfilled). */
static bool key_from_hex(const char *s, size_t len, uint8_t key[KEY_BYTES]) {
    if (len != 2 * KEY_BYTES) return false;
    uint8_t any = 0;
    for (size_t i = 0; i < KEY_BYTES; i++) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        key[i] = (uint8_t)(hi << 4 | lo);
        any |= key[i];
    }
    return any != 0;
}

/* Parses the text of a key file into *out; keys end up in ascending kid
 * order with current = the highest. */
static int keys_parse(char *text, const char *path, keys_t *out, char *err, size_t errlen) {
    bool has_enc[KEYS_MAX_GENERATIONS] = {0}, has_mac[KEYS_MAX_GENERATIONS] = {0};
    bool has_blind = false, has_audit = false;
    memset(out, 0, sizeof(*out));
    int lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp(line, KEY_FILE_MAGIC) != 0)
                return errf(err, errlen, "密钥文件 %s 不是 \"%s\" 格式", path, KEY_FILE_MAGIC);
            continue;
        }
        if (!len || line[0] == '#') continue;
        char *eq = strchr(line, '=');
        if (!eq) return errf(err, errlen, "密钥文件 %s 第 %d 行格式错误 (应为 名称=十六进制)", path, lineno);
        *eq = '\0';
        const char *value = eq + 1;
        size_t vlen = strlen(value);
        uint8_t *key = NULL;
        bool *seen = NULL;
        if (strcmp(line, "blind") == 0) key = out->blind, seen = &has_blind;
        else if (strcmp(line, "audit") == 0) key = out->audit, seen = &has_audit;
        else if (strncmp(line, "enc.", 4) == 0 || strncmp(line, "mac.", 4) == 0) {
            char *end;
            errno = 0;
            unsigned long long kid = strtoull(line + 4, &end, 10);
            if (line[4] < '1' || line[4] > '9' || *end || errno || kid > UINT32_MAX)
                return errf(err, errlen, "密钥文件 %s 第 %d 行的密钥编号无效", path, lineno);
            int i = 0;
            while (i < out->ngen && out->gen[i].kid != kid) i++;
            if (i == out->ngen) {
                if (out->ngen == KEYS_MAX_GENERATIONS)
                    return errf(err, errlen, "密钥文件 %s 超过 %d 代密钥", path, KEYS_MAX_GENERATIONS);
                out->gen[out->ngen++].kid = (uint32_t)kid;
            }
            bool enc = line[0] == 'e';
            key = enc ? out->gen[i].enc : out->gen[i].mac;
            seen = enc ? &has_enc[i] : &has_mac[i];
        } else {
            return errf(err, errlen, "密钥文件 %s 第 %d 行: 未知的名称 \"%s\"", path, lineno, line);
        }
        if (*seen) return errf(err, errlen, "密钥文件 %s 第 %d 行: \"%s\" 重复", path, lineno, line);
        if (!key_from_hex(value, vlen, key))
            return errf(err, errlen, "密钥文件 %s 第 %d 行: 密钥应为 %d 位非全零的十六进制", path, lineno,
                        2 * KEY_BYTES);
        *seen = true;
    }
    if (lineno == 0) return errf(err, errlen, "密钥文件 %s 为空", path);
    if (!has_blind || !has_audit || out->ngen == 0)
        return errf(err, errlen, "密钥文件 %s 不完整 (需要 blind、audit 和至少一代 enc/mac)", path);
    for (int i = 0; i < out->ngen; i++)
        if (!has_enc[i] || !has_mac[i])
            return errf(err, errlen, "密钥文件 %s 中第 %u 代密钥缺少 %s", path, (unsigned)out->gen[i].kid,
                        has_enc[i] ? "mac" : "enc");
    /* Insertion sort by kid: a handful of generations. */
    for (int i = 1; i < out->ngen; i++) {
        key_generation_t g = out->gen[i];
        int j = i;
        for (; j > 0 && out->gen[j - 1].kid > g.kid; j--) out->gen[j] = out->gen[j - 1];
        out->gen[j] = g;
        OPENSSL_cleanse(&g, sizeof(g));
    }
    out->current = out->ngen - 1;
    return 0;
}

static void put_key_line(buf_t *b, const char *name, const uint8_t key[KEY_BYTES]) {
    char hex[2 * KEY_BYTES + 1];
    hex_encode(key, KEY_BYTES, hex);
    buf_printf(b, "%s=%s\n", name, hex);
    OPENSSL_cleanse(hex, sizeof(hex));
}

static void keys_format(const keys_t *k, buf_t *b) {
    char now[21];
    time_iso_utc(now, 0);
    buf_puts(b, KEY_FILE_MAGIC "\n"
                "# 司法所综合管理平台密钥文件: SM4 字段加密 (enc)、HMAC-SM3 密文校验 (mac)、盲索引 (blind)、审计链 (audit)。\n"
                "# 权限必须为 0600。丢失此文件则已加密的个人信息无法恢复: 请离线备份, 切勿提交到代码库。\n"
                "# kid 最大的一代用于加密; 旧的代用于解密, 数据全部重新加密后方可删除。\n");
    buf_printf(b, "# written %s\n", now);
    put_key_line(b, "blind", k->blind);
    put_key_line(b, "audit", k->audit);
    for (int i = 0; i < k->ngen; i++) {
        char name[16];
        snprintf(name, sizeof(name), "enc.%u", (unsigned)k->gen[i].kid);
        put_key_line(b, name, k->gen[i].enc);
        snprintf(name, sizeof(name), "mac.%u", (unsigned)k->gen[i].kid);
        put_key_line(b, name, k->gen[i].mac);
    }
}

static void wipe_buf(buf_t *b) {
    if (b->data) OPENSSL_cleanse(b->data, b->cap);
    buf_free(b);
}

/* fsync of the directory holding path, so a new name survives a crash. */
static void sync_parent_dir(const char *path) {
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof(dir), ".");
    else if (slash == path) snprintf(dir, sizeof(dir), "/");
    else snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    if (fsync(fd) != 0 && errno != EINVAL) log_warn("fsync %s: %s", dir, strerror(errno));
    close(fd);
}

/* Writes text to a fresh 0600 temporary file beside path, then moves it
 * into place: link() when creating (fails with EEXIST if someone else got
 * there first: returns 1), rename() when replacing.  0 on success, -1 on
 * error (err filled). */
static int write_key_file(const char *path, const buf_t *text, bool replace, char *err, size_t errlen) {
    char tmp[PATH_MAX], suffix[CRYPTO_TOKEN_LEN(16)];
    if (crypto_token(suffix, 16) != 0) return errf(err, errlen, "无法生成随机数");
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%s", path, suffix) >= sizeof(tmp))
        return errf(err, errlen, "密钥文件路径过长: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return errf(err, errlen, "无法创建密钥文件 %s: %s", tmp, strerror(errno));
    int rc = 0;
    if (fchmod(fd, 0600) != 0) rc = errf(err, errlen, "无法设置密钥文件 %s 的权限: %s", tmp, strerror(errno));
    for (size_t off = 0; rc == 0 && off < text->len;) {
        ssize_t w = write(fd, text->data + off, text->len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) rc = errf(err, errlen, "写入密钥文件 %s 失败: %s", tmp, strerror(errno));
        else off += (size_t)w;
    }
    if (rc == 0 && fsync(fd) != 0) rc = errf(err, errlen, "写入密钥文件 %s 失败: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0) rc = errf(err, errlen, "写入密钥文件 %s 失败: %s", tmp, strerror(errno));
    if (rc == 0) {
        if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
            if (!replace && errno == EEXIST) rc = 1;
            else rc = errf(err, errlen, "无法放置密钥文件 %s: %s", path, strerror(errno));
        }
    }
    if (rc != 0 || !replace) unlink(tmp);
    if (rc == 0) sync_parent_dir(path);
    return rc;
}

static int generate_generation(key_generation_t *g, uint32_t kid) {
    g->kid = kid;
    return crypto_random(g->enc, KEY_BYTES) == 0 && crypto_random(g->mac, KEY_BYTES) == 0 ? 0 : -1;
}

/* Creates the key file with fresh keys unless it already exists. */
static int keys_create(const char *path, char *err, size_t errlen) {
    keys_t k;
    memset(&k, 0, sizeof(k));
    k.ngen = 1;
    if (crypto_random(k.blind, KEY_BYTES) != 0 || crypto_random(k.audit, KEY_BYTES) != 0 ||
        generate_generation(&k.gen[0], 1) != 0) {
        keys_wipe(&k);
        return errf(err, errlen, "无法生成随机密钥");
    }
    buf_t text = BUF_INIT;
    keys_format(&k, &text);
    keys_wipe(&k);
    int rc = write_key_file(path, &text, false, err, errlen);
    wipe_buf(&text);
    if (rc == 0) log_info("created key file %s (mode 0600) — back it up offline", path);
    return rc < 0 ? -1 : 0; /* 1: another process created it first — load theirs */
}

int keys_load_or_create(const char *path, keys_t *out, bool create, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    if (!path || !*path) return errf(err, errlen, "未指定密钥文件");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        if (keys_create(path, err, errlen) != 0) return -1;
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        if (errno == ENOENT) return errf(err, errlen, "密钥文件 %s 不存在", path);
        return errf(err, errlen, "无法打开密钥文件 %s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return errf(err, errlen, "无法读取密钥文件 %s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return errf(err, errlen, "密钥文件 %s 不是普通文件", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return errf(err, errlen, "密钥文件 %s 的权限为 %04o, 组用户或其他用户可以访问; 请检查是否泄露, 再执行 chmod 600 %s",
                    path, (unsigned)(st.st_mode & 07777), path);
    }
    if (st.st_size > KEY_FILE_MAX) {
        close(fd);
        return errf(err, errlen, "密钥文件 %s 过大", path);
    }
    buf_t text = BUF_INIT;
    buf_reserve(&text, (size_t)st.st_size + 1);
    int rc = 0;
    for (;;) {
        buf_reserve(&text, 4096);
        ssize_t r = read(fd, text.data + text.len, text.cap - text.len - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = errf(err, errlen, "无法读取密钥文件 %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        text.len += (size_t)r;
        if (text.len > KEY_FILE_MAX) {
            rc = errf(err, errlen, "密钥文件 %s 过大", path);
            break;
        }
    }
    close(fd);
    if (rc == 0) {
        text.data[text.len] = '\0';
        if (strlen(text.data) != text.len) rc = errf(err, errlen, "密钥文件 %s 含有 NUL 字节", path);
        else rc = keys_parse(text.data, path, out, err, errlen);
    }
    wipe_buf(&text);
    if (rc != 0) keys_wipe(out);
    return rc;
}

int keys_rotate(const char *path, keys_t *out, char *err, size_t errlen) {
    keys_t k;
    if (keys_load_or_create(path, &k, false, err, errlen) != 0) return -1;
    int rc = 0;
    uint32_t newest = k.gen[k.ngen - 1].kid;
    if (k.ngen == KEYS_MAX_GENERATIONS)
        rc = errf(err, errlen, "密钥文件 %s 已有 %d 代密钥: 请先重新加密并删除最旧的一代", path, k.ngen);
    else if (newest == UINT32_MAX)
        rc = errf(err, errlen, "密钥文件 %s 的密钥编号已用尽", path);
    else if (generate_generation(&k.gen[k.ngen], newest + 1) != 0)
        rc = errf(err, errlen, "无法生成随机密钥");
    if (rc == 0) {
        k.ngen++;
        k.current = k.ngen - 1;
        buf_t text = BUF_INIT;
        keys_format(&k, &text);
        rc = write_key_file(path, &text, true, err, errlen);
        wipe_buf(&text);
    }
    keys_wipe(&k);
    if (rc != 0) return -1;
    log_info("key file %s: added generation %u", path, (unsigned)(newest + 1));
    return keys_load_or_create(path, out, false, err, errlen);
}

void keys_wipe(keys_t *k) {
    if (k) OPENSSL_cleanse(k, sizeof(*k));
}

/* ---- passwords ---------------------------------------------------------- */

/* OWASP Password Storage Cheat Sheet, argon2id minimum configuration. */
#define PW_T_COST 2
#define PW_M_COST 19456 /* KiB */
#define PW_PARALLELISM 1
#define PW_SALT 16
#define PW_HASH 32
#define PW_PREFIX "$argon2id$v=19$m=19456,t=2,p=1$"

int password_hash(const char *pw, char *out, size_t outlen) {
    if (!pw || !out) return -1;
    if (outlen < argon2_encodedlen(PW_T_COST, PW_M_COST, PW_PARALLELISM, PW_SALT, PW_HASH, Argon2_id)) return -1;
    uint8_t salt[PW_SALT];
    if (crypto_random(salt, sizeof(salt)) != 0) return -1;
    int rc = argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_PARALLELISM, pw, strlen(pw), salt, sizeof(salt), PW_HASH,
                                   out, outlen);
    if (rc != ARGON2_OK) {
        log_error("argon2id: %s", argon2_error_message(rc));
        out[0] = '\0';
        return -1;
    }
    return 0;
}

bool password_verify(const char *hash, const char *pw) {
    if (!hash || !pw || strncmp(hash, "$argon2id$", 10) != 0) return false;
    return argon2id_verify(hash, pw, strlen(pw)) == ARGON2_OK;
}

bool password_needs_rehash(const char *hash) { return !hash || strncmp(hash, PW_PREFIX, strlen(PW_PREFIX)) != 0; }

/* ---- TOTP --------------------------------------------------------------- */

#define TOTP_STEP 30
#define TOTP_DIGITS 6

/* RFC 4226 HOTP: HMAC-SHA1 of the big-endian counter, dynamic truncation. */
static int hotp(const uint8_t *secret, size_t n, uint64_t counter, char out[7]) {
    uint8_t msg[8], h[20];
    for (int i = 7; i >= 0; i--, counter >>= 8) msg[i] = (uint8_t)counter;
    span_t s = {msg, sizeof(msg)};
    if (hmac_spans("SHA1", secret, n, &s, 1, h, sizeof(h)) != 0) return -1;
    int off = h[19] & 15;
    uint32_t bin = (uint32_t)(h[off] & 0x7f) << 24 | (uint32_t)h[off + 1] << 16 | (uint32_t)h[off + 2] << 8 | h[off + 3];
    snprintf(out, 7, "%06u", (unsigned)(bin % 1000000));
    OPENSSL_cleanse(h, sizeof(h));
    return 0;
}

int totp_code(const uint8_t *secret, size_t n, int64_t unix_time, char out[7]) {
    out[0] = '\0';
    if (!secret || !n || unix_time < 0) return -1;
    return hotp(secret, n, (uint64_t)(unix_time / TOTP_STEP), out);
}

int64_t totp_match(const uint8_t *secret, size_t n, const char *code, int64_t now, int window) {
    if (!secret || !n || !code || now < 0 || strnlen(code, TOTP_DIGITS + 1) != TOTP_DIGITS) return -1;
    for (int i = 0; i < TOTP_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9') return -1;
    if (window < 0) window = 0;
    if (window > 10) window = 10;
    int64_t step = now / TOTP_STEP, found = -1;
    /* Every candidate is computed and compared, match or not. */
    for (int64_t s = step - window; s <= step + window; s++) {
        char c[7];
        if (s < 0 || hotp(secret, n, (uint64_t)s, c) != 0) continue;
        if (CRYPTO_memcmp(c, code, TOTP_DIGITS) == 0 && found < 0) found = s;
        OPENSSL_cleanse(c, sizeof(c));
    }
    return found;
}

bool totp_verify(const uint8_t *secret, size_t n, const char *code, int64_t now, int window) {
    return totp_match(secret, n, code, now, window) >= 0;
}

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int base32_encode(const uint8_t *in, size_t n, char *out, size_t outlen) {
    size_t need = (n * 8 + 4) / 5;
    if (!out || outlen < need + 1 || need > INT_MAX) return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        acc = acc << 8 | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = b32_alphabet[(acc >> bits) & 31];
        }
    }
    if (bits) out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return (int)o;
}

int base32_decode(const char *s, uint8_t *out, size_t outlen) {
    if (!s || !out) return -1;
    size_t o = 0, nchars = 0;
    uint32_t acc = 0;
    int bits = 0;
    bool padding = false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-') continue;
        if (c == '=') {
            padding = true;
            continue;
        }
        int v;
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= '2' && c <= '7') v = c - '2' + 26;
        else return -1;
        if (padding) return -1; /* data after '=' */
        nchars++;
        acc = (acc << 5 | (uint32_t)v) & 0xFFFF;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (o == outlen) return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* A final group of 8 characters ends after 0, 2, 4, 5 or 7 of them. */
    switch (nchars % 8) {
    case 1: case 3: case 6: return -1;
    default: break;
    }
    return o > INT_MAX ? -1 : (int)o;
}

typedef struct writer {
    char *out;
    size_t cap, len;
    bool overflow;
} writer_t;

static void w_raw(writer_t *w, const char *s) {
    size_t n = strlen(s);
    if (w->len + n >= w->cap) {
        w->overflow = true;
        return;
    }
    memcpy(w->out + w->len, s, n);
    w->len += n;
    w->out[w->len] = '\0';
}

/* Percent-encodes every byte outside RFC 3986's unreserved set. */
static void w_pct(writer_t *w, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char one[4];
        bool unreserved = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                          *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (unreserved) one[0] = (char)*p, one[1] = '\0';
        else snprintf(one, sizeof(one), "%%%02X", *p);
        w_raw(w, one);
    }
}

int totp_uri(char *out, size_t outlen, const char *issuer, const char *account, const char *secret_b32) {
    if (!out || !outlen) return -1;
    out[0] = '\0';
    if (!issuer || !account || !secret_b32) return -1;
    writer_t w = {out, outlen, 0, false};
    w_raw(&w, "otpauth://totp/");
    w_pct(&w, issuer);
    w_raw(&w, ":");
    w_pct(&w, account);
    w_raw(&w, "?secret=");
    w_pct(&w, secret_b32);
    w_raw(&w, "&issuer=");
    w_pct(&w, issuer);
    w_raw(&w, "&algorithm=SHA1&digits=6&period=30");
    if (w.overflow || w.len > INT_MAX) {
        out[0] = '\0';
        return -1;
    }
    return (int)w.len;
}
