/*
 * tap.h: a tiny TAP producer for test programs (automake's tap-driver.sh
 * reads it).  Header-only: each test program is one translation unit.
 */
#ifndef CADE_TAP_H
#define CADE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAP_UNUSED __attribute__((unused))
static int tap_n, tap_failed;

static TAP_UNUSED void
tap_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
}

static TAP_UNUSED int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define is_int(got, want, name) do {					\
	long long g_ = (got), w_ = (want);				\
	if (!ok(g_ == w_, "%s", name))					\
		diag("  got %lld, want %lld", g_, w_);			\
} while (0)

#define is_str(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int same_ = (g_ == NULL && w_ == NULL) ||			\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);		\
	if (!ok(same_, "%s", name))					\
		diag("  got '%s', want '%s'", g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
} while (0)

static TAP_UNUSED void
tap_skip(int n, const char *why)
{
	while (n-- > 0)
		printf("ok %d # SKIP %s\n", ++tap_n, why);
	fflush(stdout);
}

/* Plan at the end ("done_testing"); exit status reflects failures. */
static TAP_UNUSED int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
