/*
 * fuzz_escmsg.c: libFuzzer target for the escalation door's message, the
 * bytes a contained shell (or anything else inside the sandbox) writes to
 * cade (src/workspace/escmsg.c).
 *
 *   make fuzz-escmsg && ./fuzz-escmsg -max_total_time=300
 *
 * Checks, under ASan/UBSan: a parsed message has an absolute cwd, every
 * environment entry lies inside the input, holds '=' after a non-empty
 * name, and none of the unset names survives.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escalate.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const unset[] = { "LLM_API_KEY", "OPENAI_API_KEY", NULL };
	const char *cwd, **env, *msg = (const char *)data;
	size_t i;

	if (esc_msg_parse(msg, size, unset, &cwd, &env) == -1)
		return 0;
	if (cwd != msg || cwd[0] != '/')
		abort();
	for (i = 0; env[i] != NULL; i++) {
		if (env[i] < msg || env[i] >= msg + size || env[i][0] == '=' ||
		    strchr(env[i], '=') == NULL ||
		    strncmp(env[i], "LLM_API_KEY=", 12) == 0 ||
		    strncmp(env[i], "OPENAI_API_KEY=", 15) == 0)
			abort();
	}
	free(env);
	return 0;
}
