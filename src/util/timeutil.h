/* timeutil.h — instants as ISO-8601 UTC text, the form the store keeps. */
#ifndef SFS_TIMEUTIL_H
#define SFS_TIMEUTIL_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Seconds since the epoch now; tests may pin it with SIFASUO_NOW (an ISO instant). */
int64_t now_unix(void);
/* "YYYY-MM-DDTHH:MM:SSZ" for t (out has ≥ 21 bytes). */
void iso_from_unix(int64_t t, char out[21]);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff]Z" or "YYYY-MM-DD HH:MM:SS[+00]";
 * returns false when malformed. */
bool unix_from_iso(const char *s, int64_t *t);
/* True for a real calendar date "YYYY-MM-DD". */
bool date_valid(const char *s);
#endif
