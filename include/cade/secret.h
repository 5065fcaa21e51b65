/*
 * secret.h: secret masking.
 *
 * A process-wide set of secret values (the API key, config `secrets = NAME`,
 * and env vars named *_KEY, *_TOKEN, *_SECRET, *_PASSWORD).  secret_mask()
 * replaces every occurrence with "<secret-hidden>" before text reaches the
 * LLM, the store, the log or the screen.  Values shorter than 4 bytes are not
 * registered (they would mask ordinary text).
 */
#ifndef CADE_SECRET_H
#define CADE_SECRET_H

#include <stddef.h>

#define SECRET_HIDDEN "<secret-hidden>"

void	secret_add(const char *value);
/* Register values of env vars by the suffix rule plus the named ones. */
void	secret_add_env(const char *const *names, size_t n);
void	secret_clear(void);
size_t	secret_count(void);
/* Masked copy (always a new allocation); outlen may be NULL. */
char	*secret_mask(const char *s, size_t len, size_t *outlen);
/* 1 if s contains a registered secret. */
int	secret_present(const char *s, size_t len);

#endif
