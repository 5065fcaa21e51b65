/*
 * test_condense: context accounting and the condensation request: token
 * estimates follow the server's usage, windows come from the config or the
 * model family, the request holds the transcript of exactly the range asked
 * for within its byte budget, and the summary message carries the plan.
 * (The agent's use of it, end to end, is tests/context.sh.)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/condense.h"
#include "cade/conf.h"
#include "cade/util.h"
#include "tap.h"

static cJSON *
msg(const char *role, const char *content)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddStringToObject(m, "content", content);
	return m;
}

int
main(void)
{
	struct condense_est est;
	struct config *cfg = conf_new();
	cJSON *msgs[6], *req, *plan;
	const char *text;
	char *cause = NULL, *s, *big;
	size_t i;

	condense_est_init(&est);
	is_int(condense_est_tokens(&est, 4000), 1000, "4 bytes a token to start");
	condense_est_update(&est, 4000, 2000);
	ok(condense_est_tokens(&est, 4000) > 1000 &&
	    condense_est_tokens(&est, 4000) <= 2000,
	    "the estimate follows the server's count");

	ok(condense_window(cfg, "gpt-4o-mini") == 128000, "gpt-4o: 128k");
	ok(condense_window(cfg, "claude-sonnet-4") == 200000, "claude: 200k");
	ok(conf_set(cfg, "model.local.context_window", "4096", CONF_FLAG,
	    &cause) == 0 && condense_window(cfg, "local") == 4096,
	    "a per-model window wins");

	msgs[0] = msg("user", "fix the build");
	msgs[1] = msg("assistant", "MSG-ONE looking");
	msgs[2] = msg("tool", "MSG-TWO output");
	msgs[3] = msg("assistant", "MSG-THREE done");
	big = malloc(100000);
	memset(big, 'x', 99999);
	big[99999] = '\0';
	msgs[4] = msg("tool", big);
	msgs[5] = msg("user", "MSG-LAST");
	plan = cJSON_Parse("[{\"title\":\"build\",\"status\":\"doing\"}]");

	req = condense_request(msgs, 1, 5, plan, 20000);
	ok(cJSON_GetArraySize(req) == 2, "an instruction and a transcript");
	text = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(req,
	    1), "content"));
	ok(text != NULL && strstr(text, "MSG-ONE") && strstr(text, "MSG-TWO") &&
	    strstr(text, "MSG-THREE"), "the range is in the transcript");
	ok(text != NULL && strstr(text, "fix the build") == NULL &&
	    strstr(text, "MSG-LAST") == NULL, "nothing outside the range");
	ok(text != NULL && strlen(text) < 20000, "a huge message is capped to the "
	    "budget (%zu bytes)", text != NULL ? strlen(text) : 0);
	ok(text != NULL && strstr(text, "Current plan") != NULL &&
	    strstr(text, "build") != NULL, "the plan goes along");
	cJSON_Delete(req);

	s = condense_summary_text("we fixed it", plan);
	ok(strstr(s, "we fixed it") != NULL && strstr(s, "Current plan") != NULL,
	    "the summary message carries the summary and the plan");
	free(s);
	s = condense_summary_text("no plan", NULL);
	ok(strstr(s, "Current plan") == NULL, "no plan, no plan line");
	free(s);

	for (i = 0; i < 6; i++)
		cJSON_Delete(msgs[i]);
	cJSON_Delete(plan);
	free(big);
	conf_free(cfg);
	return tap_done();
}
