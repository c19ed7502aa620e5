/* crypto.h — the platform's cryptography, on OpenSSL 3 EVP and libargon2.
 *
 * 国密 algorithms where the 密评 asks for them: SM3 (hashes, HMAC for the
 * blind index, ciphertext tags and the audit chain) and SM4 (personal
 * information at rest).  Debian 12's OpenSSL 3.0 has no SM4-GCM, so field
 * encryption is SM4-CTR then HMAC-SM3 with a separate key (encrypt-then-MAC).
 * SHA-256 digests bearer/session tokens, HMAC-SHA1 is TOTP's (RFC 6238) — the
 * authenticator apps know nothing else.
 *
 * Functions returning int give 0 (or a length, where said) on success and -1
 * on failure; OpenSSL failures are rare (a provider lacking SM3/SM4, a
 * CSPRNG that cannot seed) and always reported, never ignored.  All
 * functions are thread-safe.  Secrets on the stack are wiped
 * (OPENSSL_cleanse) before return. */
#ifndef SFS_CRYPTO_H
#define SFS_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* ---- randomness --------------------------------------------------------- */

/* n bytes from OpenSSL's CSPRNG (RAND_bytes).  -1 when it cannot deliver:
 * the buffer must then not be used. */
int crypto_random(void *buf, size_t n);

/* Characters (with NUL) crypto_token() writes for `bytes` random bytes. */
#define CRYPTO_TOKEN_LEN(bytes) (((bytes) * 4 + 2) / 3 + 1)
/* A fresh secret token: `bytes` (16…256) random bytes as unpadded URL-safe
 * base64 (RFC 4648 §5) into out, which holds CRYPTO_TOKEN_LEN(bytes). */
int crypto_token(char *out, size_t bytes);

/* ---- digests and MACs --------------------------------------------------- */

/* Lowercase hex of n bytes into out[2n+1]. */
void hex_encode(const void *p, size_t n, char *out);
/* SM3 (GB/T 32905) / SHA-256 of p[0..n) as 64 lowercase hex digits + NUL. */
int sm3_hex(const void *p, size_t n, char out[65]);
int sha256_hex(const void *p, size_t n, char out[65]);
/* HMAC-SM3 of msg under key: 32 raw bytes. */
int hmac_sm3(const void *key, size_t keylen, const void *msg, size_t msglen, uint8_t out[32]);

/* ---- keys --------------------------------------------------------------- */

#define KEY_BYTES 32
#define KEYS_MAX_GENERATIONS 16

/* One generation of the field-encryption keys.  Rotation adds a generation;
 * older ones stay for decryption until every ciphertext naming them has been
 * re-encrypted (pi_token_kid() finds those). */
typedef struct key_generation {
    uint32_t kid;           /* key id written into each ciphertext: 1, 2, … */
    uint8_t enc[KEY_BYTES]; /* SM4 key: its first 16 bytes */
    uint8_t mac[KEY_BYTES]; /* HMAC-SM3 key of the ciphertext tag */
} key_generation_t;

typedef struct keys {
    key_generation_t gen[KEYS_MAX_GENERATIONS]; /* in ascending kid order */
    int ngen;
    int current;            /* index into gen of the newest (highest kid): encrypts */
    uint8_t blind[KEY_BYTES]; /* HMAC-SM3 key of the blind index (not rotated: the index would change) */
    uint8_t audit[KEY_BYTES]; /* HMAC-SM3 key of the audit hash chain (not rotated: old links must verify) */
} keys_t;

/* Loads the key file at path into *out.  When it does not exist and create
 * is set, makes one with fresh random keys (generation 1): written to a
 * temporary file opened O_CREAT|O_EXCL with mode 0600 (fchmod, whatever the
 * umask), fsync'd, then linked into place — so a concurrent starter either
 * wins or loads the winner's file, and no reader ever sees half a file.
 * Refuses a file that is not a regular file or whose mode grants group or
 * other any access (the message names the path and the mode), and any file
 * not in the exact format:
 *
 *     sifasuo-keys v1
 *     # comments and blank lines are ignored
 *     blind=<64 hex>
 *     audit=<64 hex>
 *     enc.<kid>=<64 hex>        one enc and one mac line per generation,
 *     mac.<kid>=<64 hex>        kid a decimal 1…4294967295
 *
 * On failure returns -1 with a Chinese message for the operator in err. */
int keys_load_or_create(const char *path, keys_t *out, bool create, char *err, size_t errlen);

/* Adds a generation (kid = highest + 1) with fresh enc and mac keys to the
 * key file, replacing it atomically (new file 0600, fsync, rename, fsync of
 * the directory), and loads the result into *out.  Re-encrypting existing
 * ciphertexts and dropping a retired generation from the file are separate,
 * deliberate operator steps. */
int keys_rotate(const char *path, keys_t *out, char *err, size_t errlen);

/* Overwrites every key in *k (OPENSSL_cleanse). */
void keys_wipe(keys_t *k);

/* ---- personal-information fields ---------------------------------------- */

/* Encrypts plain[0..n) under the newest generation.  Returns malloc'd text
 * (caller frees) or NULL when keys hold no generation or OpenSSL fails:
 *
 *     "v1." <kid> "." base64(nonce[16] || ciphertext[n] || tag[32])
 *
 * kid decimal; base64 standard alphabet with padding (RFC 4648 §4); nonce
 * random, the SM4-CTR initial counter block; tag = HMAC-SM3 under the mac key
 * of the ASCII header "v1.<kid>." followed by nonce || ciphertext, so the
 * version and key id are authenticated too.  Encrypting the same text twice
 * gives different tokens. */
char *pi_encrypt(const keys_t *k, const char *plain, size_t n);

/* Verifies and decrypts a pi_encrypt() token into out (its old content is
 * replaced; NUL-terminated).  The tag is checked in constant time
 * (CRYPTO_memcmp) before anything is decrypted; an unknown version or kid,
 * bad base64, a short token or any altered byte gives -1 and an empty out. */
int pi_decrypt(const keys_t *k, const char *token, buf_t *out);

/* The kid a token names, or -1 when it is not a "v1.<kid>." token (not
 * verified: for finding tokens to re-encrypt after a rotation). */
int64_t pi_token_kid(const char *token);

/* Blind index for exact lookup and duplicate detection of an encrypted
 * field: HMAC-SM3 under the blind key of the normalised value (e.g.
 * idcard_normalize()'s output), 64 hex digits.  Stable across restarts and
 * key rotations.  out = "" on OpenSSL failure. */
void pi_blind_index(const keys_t *k, const char *normalized, char out[65]);

/* ---- passwords (argon2id, OWASP parameters) ----------------------------- */

/* Room for password_hash()'s output. */
#define PASSWORD_HASH_MAX 128
/* argon2id, t=2, m=19456 KiB, p=1, 16-byte random salt, 32-byte tag, in the
 * PHC encoded form "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>". */
int password_hash(const char *pw, char *out, size_t outlen);
/* True when pw matches an encoded argon2id hash; false for anything else,
 * including NULL or malformed hashes. */
bool password_verify(const char *hash, const char *pw);
/* True when hash was not made with the current parameters (rehash it at the
 * next successful login). */
bool password_needs_rehash(const char *hash);

/* ---- TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) --------------- */

/* The 6-digit code for unix_time into out[7]. */
int totp_code(const uint8_t *secret, size_t n, int64_t unix_time, char out[7]);
/* The time step (unix_time / 30) within ±window steps of now whose code is
 * `code`, or -1.  Callers remember the last step accepted for a user and
 * refuse a step not greater than it: RFC 6238 §5.2 forbids accepting one code
 * twice.  window is clamped to 0…10. */
int64_t totp_match(const uint8_t *secret, size_t n, const char *code, int64_t now, int window);
/* totp_match() >= 0. */
bool totp_verify(const uint8_t *secret, size_t n, const char *code, int64_t now, int window);

/* RFC 4648 base32, as authenticator apps take secrets.  Encoding writes no
 * '=' padding (the otpauth convention) and returns the length, or -1 when
 * out (outlen bytes with NUL) is too small.  Decoding is case-insensitive,
 * ignores spaces and hyphens and trailing '=', and returns the byte count, or
 * -1 on a bad character, impossible length or lack of room. */
int base32_encode(const uint8_t *in, size_t n, char *out, size_t outlen);
int base32_decode(const char *s, uint8_t *out, size_t outlen);

/* "otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30"
 * with issuer and account percent-encoded (UTF-8 bytes outside the RFC 3986
 * unreserved set).  Returns the length, or -1 (out = "") when it does not fit. */
int totp_uri(char *out, size_t outlen, const char *issuer, const char *account, const char *secret_b32);
#endif
