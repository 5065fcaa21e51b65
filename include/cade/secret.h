/*
 * secret.h: secret masking.
 *
 * A process-wide set of secret values (the API key, config `secrets = NAME`,
 * and env vars named *_KEY, *_TOKEN, *_SECRET, *_PASSWORD).  secret_mask()
 * replaces every occurrence with "<secret-hidden>".  The event bus masks
 * every event as it is emitted (event.h), so every sink (the store,
 * --json, the TUI, the audit) and the agent's history (the next request to
 * the LLM) get masked text; the debug log masks its lines.  Values shorter than 4 bytes are not
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
/* Length of the longest tail of s that begins (and does not complete) a secret. */
size_t	secret_partial_tail(const char *s, size_t len);

#endif
