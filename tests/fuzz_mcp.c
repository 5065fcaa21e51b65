/*
 * fuzz_mcp.c: libFuzzer target for what the MCP client reads from servers:
 * line framing, JSON-RPC classification, ids, error objects and tool
 * results (src/mcp/rpc.c).  Build: make fuzz-mcp.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mcp-int.h"

/* One line: parse it and run everything that reads a message. */
static int
fuzz_line(const char *s, size_t n, void *arg)
{
	cJSON *m = cJSON_ParseWithLength(s, n);
	const char *why;
	int64_t id;
	int err;
	char *t;

	(void)arg;
	if (m == NULL)
		return 0;
	(void)mcp_msg_kind(m, &why);
	(void)mcp_msg_id(m, &id);
	t = mcp_error_text(cJSON_GetObjectItemCaseSensitive(m, "error"));
	free(t);
	t = mcp_result_text(cJSON_GetObjectItemCaseSensitive(m, "result"), &err);
	free(t);
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "method"))) {
		t = mcp_tool_name("srv", cJSON_GetObjectItemCaseSensitive(m,
		    "method")->valuestring);
		free(t);
	}
	cJSON_Delete(m);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcp_lines l;
	size_t half = size / 2;

	mcp_lines_init(&l, 4096);
	/* Two feeds: a line split anywhere must read the same. */
	(void)mcp_lines_feed(&l, (const char *)data, half, fuzz_line, NULL);
	(void)mcp_lines_feed(&l, (const char *)data + half, size - half,
	    fuzz_line, NULL);
	mcp_lines_free(&l);
	return 0;
}
