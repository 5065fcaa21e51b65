/* test_conf: precedence (default < file < env < flag), 0600 rule, errors. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cade/conf.h"
#include "cade/secret.h"
#include "cade/util.h"
#include "tap.h"

static char dir[] = "/tmp/cade-test-conf-XXXXXX";

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

int
main(void)
{
	struct config *cfg;
	char *cause = NULL, *path, *out;
	size_t len;
	FILE *mem;

	if (mkdtemp(dir) == NULL)
		return 1;
	unsetenv("LLM_API_KEY"); unsetenv("OPENAI_API_KEY");
	unsetenv("LLM_MODEL"); unsetenv("LLM_BASE_URL"); unsetenv("OPENAI_BASE_URL");

	cfg = conf_new();
	is_str(conf_str(cfg, "confirm"), "risky", "default confirm mode");
	is_int(conf_int(cfg, "max_steps"), 100, "default max_steps");
	path = write_file("config", "# comment\nmodel = file-model\nmax_steps = 7\n"
	    "base_url = \"http://127.0.0.1:1/v1\"\nfallback_models = a, b ,c\n", 0644);
	is_int(conf_load_file(cfg, path, &cause), 0, "config file loads");
	is_str(conf_str(cfg, "model"), "file-model", "file overrides default");
	is_str(conf_str(cfg, "base_url"), "http://127.0.0.1:1/v1", "quotes stripped");
	ok(conf_list(cfg, "fallback_models")[2] != NULL &&
	    strcmp(conf_list(cfg, "fallback_models")[1], "b") == 0, "list split and trimmed");
	setenv("LLM_MODEL", "env-model", 1);
	setenv("OPENAI_BASE_URL", "http://fallback/v1", 1);
	is_int(conf_load_env(cfg, &cause), 0, "env loads");
	is_str(conf_str(cfg, "model"), "env-model", "env overrides file");
	is_str(conf_str(cfg, "base_url"), "http://fallback/v1", "OPENAI_BASE_URL is a fallback");
	setenv("LLM_BASE_URL", "http://primary/v1", 1);
	conf_load_env(cfg, &cause);
	is_str(conf_str(cfg, "base_url"), "http://primary/v1", "LLM_BASE_URL wins over OPENAI_BASE_URL");
	is_int(conf_set(cfg, "model", "flag-model", CONF_FLAG, &cause), 0, "flag set");
	is_str(conf_str(cfg, "model"), "flag-model", "flag overrides env");
	is_int(conf_int(cfg, "max_steps"), 7, "untouched key keeps file value");

	ok(conf_set(cfg, "api_key", "sk-x", CONF_FLAG, &cause) == -1 &&
	    strstr(cause, "command line") != NULL, "api key refused as a flag");
	free(cause);
	ok(conf_set(cfg, "confirm", "sometimes", CONF_FLAG, &cause) == -1 &&
	    strstr(cause, "risky|always|never") != NULL, "bad enum names the choices");
	free(cause);
	ok(conf_set(cfg, "max_steps", "-3", CONF_FLAG, &cause) == -1, "negative int refused");
	free(cause);
	ok(conf_set(cfg, "no_such_key", "1", CONF_FILE, &cause) == -1 &&
	    strstr(cause, "unknown setting") != NULL, "unknown key refused");
	free(cause);
	is_int(conf_set(cfg, "model.small.context_window", "8192", CONF_FILE, &cause), 0, "per-model key");
	is_int(conf_model_int(cfg, "small", "context_window"), 8192, "per-model value wins for that model");
	is_int(conf_model_int(cfg, "other", "context_window"), 0, "other models fall back to global");
	conf_free(cfg);

	/* The 0600 rule. */
	cfg = conf_new();
	free(path);
	path = write_file("keyed", "api_key = sk-abcdefgh12345\n", 0644);
	ok(conf_load_file(cfg, path, &cause) == -1 && strstr(cause, "chmod 600") != NULL,
	    "key in a group/world-readable file refused");
	diag("%s", cause);
	free(cause);
	chmod(path, 0600);
	is_int(conf_load_file(cfg, path, &cause), 0, "same file at 0600 accepted");
	conf_load_env(cfg, &cause);
	is_str(conf_str(cfg, "api_key"), "sk-abcdefgh12345", "key loaded");
	mem = open_memstream(&out, &len);
	conf_print(cfg, mem);
	fclose(mem);
	ok(strstr(out, "sk-abcdefgh12345") == NULL && strstr(out, "api_key = ****") != NULL,
	    "print-config masks the key");
	ok(strstr(out, "model = env-model  # env") != NULL, "print-config shows origins");
	free(out);
	conf_free(cfg);
	free(path);

	cfg = conf_new();
	path = write_file("bad", "model = x\nthis line is wrong\n", 0644);
	ok(conf_load_file(cfg, path, &cause) == -1 && strstr(cause, ":2:") != NULL,
	    "syntax error names file:line");
	free(cause);
	free(path);
	is_int(conf_load_file(cfg, "/nonexistent/cade/config", &cause), 0, "missing file is fine");
	conf_free(cfg);

	/* The table holds together: every default passes its own row. */
	cfg = conf_new();
	{
		size_t i, bad = 0;

		for (i = 0; i < conf_table_size; i++) {
			const struct conf_entry *k = &conf_table[i];

			if (conf_find_entry(k->name) != k || k->text == NULL ||
			    (k->type == CONF_T_ENUM) != (k->choices != NULL) ||
			    k->minimum > conf_maximum(k) ||
			    conf_set(cfg, k->name, k->default_str, CONF_DEFAULT,
			    &cause) == -1) {
				diag("row %s is inconsistent", k->name);
				bad++;
			}
		}
		is_int(bad, 0, "every row is complete and its default valid");
	}
	ok(conf_set(cfg, "compact_at", "101", CONF_FLAG, &cause) == -1 &&
	    strstr(cause, "between 1 and 100") != NULL, "a range from the table");
	free(cause);
	ok(conf_set(cfg, "stuck_repeat", "9", CONF_FLAG, &cause) == -1,
	    "stuck_repeat is bounded by the stuck-detection ring");
	free(cause);
	ok(conf_set(cfg, "base_url", "ftp://x", CONF_FLAG, &cause) == -1 &&
	    strstr(cause, "http") != NULL, "a URL row takes http(s) only");
	free(cause);
	ok(conf_set(cfg, "model", "", CONF_FLAG, &cause) == -1,
	    "the model may not be empty");
	free(cause);
	ok(conf_set(cfg, "extra_header", "X-A: 1, 2", CONF_FLAG, &cause) == 0 &&
	    conf_list(cfg, "extra_header")[1] == NULL,
	    "a header list keeps its commas");
	conf_free(cfg);
	secret_clear();
	return tap_done();
}
