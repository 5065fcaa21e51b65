/*
 * escmsg.c: the message a contained shell sends through the escalation
 * door (escalate.c), parsed with no I/O so it can be fuzzed
 * (tests/fuzz_escmsg.c).  The bytes come from inside the sandbox: they are
 * untrusted.
 *
 * Format: the shell's $PWD, NUL, then `env -0` (NAME=value NUL ...), then
 * "cade-end" NUL.  The cwd must be absolute; entries without '=' or with an
 * empty name are dropped, as are the names the caller lists (API keys).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/util.h"

#include "escalate.h"

#define ESC_END		"cade-end"

/* 1 once msg holds a whole message (it ends with the end entry). */
int
esc_msg_complete(const char *msg, size_t len)
{
	size_t tail = sizeof ESC_END;	/* with its NUL */

	return len > tail && memcmp(msg + len - tail, ESC_END, tail) == 0 &&
	    msg[len - tail - 1] == '\0';
}

/* 1 if the NAME=value entry's name is listed. */
static int
esc_msg_listed(const char *entry, const char *const *names)
{
	size_t len;

	for (; names != NULL && *names != NULL; names++) {
		len = strlen(*names);
		if (strncmp(entry, *names, len) == 0 && entry[len] == '=')
			return 1;
	}
	return 0;
}

/* See escalate.h. */
int
esc_msg_parse(const char *msg, size_t len, const char *const *unset,
    const char **cwd, const char ***envp)
{
	const char *p, *end = msg + len, **env;
	size_t n = 0;

	*cwd = NULL;
	*envp = NULL;
	if (!esc_msg_complete(msg, len) || msg[0] != '/')
		return -1;
	env = xcalloc(len / 2 + 2, sizeof *env);
	/* Every entry is NUL-terminated: the message ends with one. */
	for (p = msg + strlen(msg) + 1; p < end; p += strlen(p) + 1) {
		if (strcmp(p, ESC_END) == 0)
			break;
		if (p[0] != '=' && strchr(p, '=') != NULL &&
		    !esc_msg_listed(p, unset))
			env[n++] = p;
	}
	env[n] = NULL;
	*cwd = msg;
	*envp = env;
	return 0;
}
