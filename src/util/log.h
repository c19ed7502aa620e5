/* log.h — one-line logs on stderr: "2026-11-28T12:00:00Z LEVEL message". */
#ifndef SFS_LOG_H
#define SFS_LOG_H
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with NUL) — with
 * milliseconds when ms is set ("…SS.mmmZ", 25 bytes). */
void time_iso_utc(char *out, int ms);
/* Monotonic microseconds. */
long long time_mono_us(void);
#endif
