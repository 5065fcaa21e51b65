/*
 * util.h: allocation that never fails silently, time, small fd helpers.
 *
 * The x* allocators abort through fatal() on out-of-memory; fatal() first runs
 * the hook registered with util_set_fatal_hook() so the TUI can restore the
 * terminal before the message is printed.
 */
#ifndef CADE_UTIL_H
#define CADE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CADE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CADE_NORETURN __attribute__((noreturn))
#define CADE_WUR __attribute__((warn_unused_result))
#define nitems(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
char *xasprintf(const char *, ...) CADE_PRINTF(1, 2);
char *xvasprintf(const char *, va_list) CADE_PRINTF(1, 0);
/* Free the n strings of v (NULLs allowed), then v. */
void util_free_strings(char **v, size_t n);

/* Print "cade: <msg>" to stderr after running the fatal hook; exit(1). */
void fatal(const char *, ...) CADE_PRINTF(1, 2) CADE_NORETURN;
void util_set_fatal_hook(void (*)(void));

/* Milliseconds on the monotonic clock, and since the epoch. */
uint64_t util_now_ms(void);
int64_t util_wall_ms(void);
/* ISO 8601 UTC with milliseconds ("2026-11-22T23:30:00.123Z"); caller frees. */
char *util_iso_time(int64_t wall_ms);

/* Parse a whole decimal string in [min, max]; 0 ok, -1 on junk or range. */
int util_parse_long(const char *, long min, long max, long *out);
int util_parse_double(const char *, double *out);

int util_set_nonblock(int fd);
int util_set_cloexec(int fd);
/* Write every byte, retrying on EINTR/EAGAIN (polls); 0 or -1 with errno. */
int util_write_all(int fd, const void *, size_t);
/* Write path whole or not at all (a temporary file, synced, renamed over
 * it), created with mode; 0 or -1 with errno. */
int util_write_atomic(const char *path, const void *, size_t, mode_t mode);

/*
 * The one reader for small files (config, policy rules, themes, AGENTS.md,
 * skills): regular files only, never blocking (a FIFO or a device is refused
 * before any read), at most max bytes.  Returns the NUL-terminated contents
 * (caller frees) with *len, or NULL with errno set (ENOENT for a missing
 * file, EINVAL for a non-regular one, EFBIG past max) and *cause describing
 * it if cause is not NULL.
 */
char *util_read_small(const char *path, size_t max, size_t *len, char **cause);

/* mkdir -p with the given mode for created directories; 0 or -1 with errno. */
int util_mkdir_p(const char *path, mode_t mode);
/*
 * Replace path with text and a newline, atomically (a temporary file
 * beside it, synced, renamed over it) with mode; -1 with *cause.
 */
int util_write_text_atomic(const char *path, const char *text, mode_t mode,
    char **cause);
/* Expand a leading "~/" using $HOME; caller frees. */
char *util_expand_home(const char *path);
/* $XDG_<kind>_HOME or ~/<fallback>, joined with "cade"; caller frees. */
char *util_xdg_dir(const char *xdg_var, const char *fallback);

/* Trim ASCII whitespace in place; returns s moved past leading space. */
char *util_trim(char *s);
/* 1 if s is valid UTF-8 (no overlongs, no surrogates). */
int util_utf8_valid(const char *s, size_t len);
/* Copy replacing invalid UTF-8 sequences with U+FFFD; caller frees. */
char *util_utf8_sanitize(const char *s, size_t len, size_t *outlen);

#endif
