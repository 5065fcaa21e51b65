/*
 * secret.c: the set of secret values and masking.
 *
 * Masking is a plain substring replace over a handful of values: cheap
 * enough for every observation.  Values are kept only in this process's
 * memory, never written anywhere.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/secret.h"
#include "cade/util.h"

#define SECRET_MIN 4

static char	**secret_values;
static size_t	  secret_n;

/* Register a value (duplicates and short values ignored). */
void
secret_add(const char *value)
{
	size_t i;

	if (value == NULL || strlen(value) < SECRET_MIN)
		return;
	for (i = 0; i < secret_n; i++)
		if (strcmp(secret_values[i], value) == 0)
			return;
	secret_values = xreallocarray(secret_values, secret_n + 1,
	    sizeof *secret_values);
	secret_values[secret_n++] = xstrdup(value);
}

/* 1 if an env var name looks like it holds a secret. */
static int
secret_name_matches(const char *name, size_t len)
{
	static const char *const suffixes[] = {
		"_KEY", "_TOKEN", "_SECRET", "_PASSWORD"
	};
	size_t i, n;

	for (i = 0; i < nitems(suffixes); i++) {
		n = strlen(suffixes[i]);
		if (len >= n && strncmp(name + len - n, suffixes[i], n) == 0)
			return 1;
	}
	return 0;
}

extern char **environ;

/* Register env values by the suffix rule and by explicit names. */
void
secret_add_env(const char *const *names, size_t n)
{
	char **e, *eq;
	const char *v;
	size_t i;

	for (e = environ; e != NULL && *e != NULL; e++) {
		if ((eq = strchr(*e, '=')) == NULL)
			continue;
		if (secret_name_matches(*e, (size_t)(eq - *e)))
			secret_add(eq + 1);
	}
	for (i = 0; i < n; i++)
		if (names[i] != NULL && (v = getenv(names[i])) != NULL)
			secret_add(v);
}

/* Forget every value. */
void
secret_clear(void)
{
	size_t i;

	for (i = 0; i < secret_n; i++)
		free(secret_values[i]);
	free(secret_values);
	secret_values = NULL;
	secret_n = 0;
}

/* How many values are registered. */
size_t
secret_count(void)
{
	return secret_n;
}

/* First occurrence of any secret at or after s; sets *which. */
static const char *
secret_next(const char *s, size_t len, size_t *which)
{
	const char *best = NULL, *p;
	size_t i;

	for (i = 0; i < secret_n; i++) {
		p = memmem(s, len, secret_values[i], strlen(secret_values[i]));
		if (p != NULL && (best == NULL || p < best ||
		    (p == best && strlen(secret_values[i]) > strlen(secret_values[*which])))) {
			best = p;
			*which = i;
		}
	}
	return best;
}

/* Masked copy of s. */
char *
secret_mask(const char *s, size_t len, size_t *outlen)
{
	struct buf b;
	const char *p;
	size_t which = 0;

	if (secret_n == 0 || (p = secret_next(s, len, &which)) == NULL) {
		char *copy = xmalloc(len + 1);

		memcpy(copy, s, len);
		copy[len] = '\0';
		if (outlen != NULL)
			*outlen = len;
		return copy;
	}
	buf_init(&b, 0);
	while (p != NULL) {
		(void)buf_append(&b, s, (size_t)(p - s));
		(void)buf_puts(&b, SECRET_HIDDEN);
		len -= (size_t)(p - s) + strlen(secret_values[which]);
		s = p + strlen(secret_values[which]);
		p = secret_next(s, len, &which);
	}
	(void)buf_append(&b, s, len);
	return buf_detach(&b, outlen);
}

/* 1 if any secret occurs in s. */
int
secret_present(const char *s, size_t len)
{
	size_t which = 0;

	return secret_n > 0 && secret_next(s, len, &which) != NULL;
}

/*
 * Length of the longest tail of s that is the start (but not the whole) of
 * a secret: text streamed in pieces holds that much back, since the next
 * piece may complete the secret.
 */
size_t
secret_partial_tail(const char *s, size_t len)
{
	size_t i, k, n, best = 0;

	for (i = 0; i < secret_n; i++) {
		n = strlen(secret_values[i]);
		for (k = n - 1 < len ? n - 1 : len; k > best; k--)
			if (memcmp(s + len - k, secret_values[i], k) == 0) {
				best = k;
				break;
			}
	}
	return best;
}
