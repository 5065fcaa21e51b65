/*
 * conf.c: configuration from defaults, file, environment and flags.
 *
 * Every key is declared once in conf_table[] (tmux's options-table.c is the
 * model): name, type, choices, range, default, environment variable and
 * help in one row.  A value from any source is validated against that row
 * before it is stored,
 * so a typo in the config file is an error with file:line rather than a
 * silently ignored setting.  Per-model keys ("model.NAME.key") are stored
 * beside the globals and looked up first by the conf_model_* getters.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/secret.h"
#include "cade/util.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* a config file is a few lines */

static const char *const conf_max_tokens_param_choices[] = {
	"max_tokens", "max_completion_tokens", NULL
};
static const char *const conf_wire_api_choices[] = {
	"chat", "responses", NULL
};
static const char *const conf_tool_calling_choices[] = {
	"native", "prompt", "auto", NULL
};
static const char *const conf_confirm_choices[] = {
	"risky", "always", "never", NULL
};
static const char *const conf_risk_threshold_choices[] = {
	"MEDIUM", "LOW", "HIGH", NULL
};
static const char *const conf_on_ask_choices[] = {
	"deny", "abort", NULL
};
static const char *const conf_workspace_choices[] = {
	"local", "docker", NULL
};
static const char *const conf_network_choices[] = {
	"none", "bridge", NULL
};
static const char *const conf_notify_choices[] = {
	"auto", "osc9", "osc777", "off", NULL
};
static const char *const conf_images_choices[] = {
	"auto", "on", "off", NULL
};
static const char *const conf_sandbox_choices[] = {
	"auto", "namespaces", "landlock", "off", NULL
};
/*
 * One row per setting; keep rows grouped by area.  An INT row with no
 * maximum accepts 0 to CONF_INT_MAX.
 */
const struct conf_entry conf_table[] = {
	/* LLM endpoint */
	{ .name = "api_key",
	  .type = CONF_T_STR,
	  .default_str = "",
	  .flags = CONF_SECRET,
	  .env = "LLM_API_KEY",
	  .env_fallback = "OPENAI_API_KEY",
	  .text = "API key (a config file that holds it must be mode 0600)" },

	{ .name = "base_url",
	  .type = CONF_T_STR,
	  .default_str = "https://api.openai.com/v1",
	  .flags = CONF_HTTP_URL,
	  .env = "LLM_BASE_URL",
	  .env_fallback = "OPENAI_BASE_URL",
	  .text = "OpenAI-compatible base URL" },

	{ .name = "model",
	  .type = CONF_T_STR,
	  .default_str = "gpt-4o",
	  .flags = CONF_NOT_EMPTY,
	  .env = "LLM_MODEL",
	  .text = "model name" },

	{ .name = "fallback_models",
	  .type = CONF_T_LIST,
	  .default_str = "",
	  .text = "models tried after rate limits or server errors" },

	{ .name = "temperature",
	  .type = CONF_T_STR,
	  .default_str = "",
	  .flags = CONF_PER_MODEL,
	  .text = "sampling temperature (empty: server default)" },

	{ .name = "max_tokens",
	  .type = CONF_T_INT,
	  .default_str = "0",
	  .flags = CONF_PER_MODEL,
	  .text = "output token limit per reply (0: not sent)" },

	{ .name = "max_tokens_param",
	  .type = CONF_T_ENUM,
	  .choices = conf_max_tokens_param_choices,
	  .default_str = "max_tokens",
	  .flags = CONF_PER_MODEL,
	  .text = "the request field that carries max_tokens" },

	{ .name = "reasoning_effort",
	  .type = CONF_T_STR,
	  .default_str = "",
	  .flags = CONF_PER_MODEL,
	  .text = "reasoning_effort sent to the model (empty: not sent)" },

	{ .name = "extra_header",
	  .type = CONF_T_LIST,
	  .default_str = "",
	  .flags = CONF_NO_SPLIT,
	  .text = "extra HTTP header 'Name: value' (repeatable)" },

	{ .name = "stream",
	  .type = CONF_T_BOOL,
	  .default_str = "true",
	  .flags = CONF_PER_MODEL,
	  .text = "stream replies (false for servers that cannot)" },

	{ .name = "wire_api",
	  .type = CONF_T_ENUM,
	  .choices = conf_wire_api_choices,
	  .default_str = "chat",
	  .flags = CONF_PER_MODEL,
	  .text = "the API used: chat completions or responses" },

	{ .name = "tool_calling",
	  .type = CONF_T_ENUM,
	  .choices = conf_tool_calling_choices,
	  .default_str = "native",
	  .flags = CONF_PER_MODEL,
	  .text = "how tools are offered: native calls, described in the prompt, or auto" },

	{ .name = "connect_timeout",
	  .type = CONF_T_INT,
	  .default_str = "10",
	  .text = "seconds to connect" },

	{ .name = "first_byte_timeout",
	  .type = CONF_T_INT,
	  .default_str = "120",
	  .text = "seconds to the first byte of a reply" },

	{ .name = "idle_timeout",
	  .type = CONF_T_INT,
	  .default_str = "60",
	  .text = "seconds without a byte mid-stream" },

	{ .name = "retry_max",
	  .type = CONF_T_INT,
	  .minimum = 1,
	  .maximum = 100,
	  .default_str = "5",
	  .text = "attempts per model for retryable errors" },

	{ .name = "request_deadline",
	  .type = CONF_T_INT,
	  .default_str = "300",
	  .text = "seconds one model request may take in all, retries and waits included (0: none)" },

	{ .name = "retry_base_ms",
	  .type = CONF_T_INT,
	  .default_str = "1000",
	  .text = "first backoff delay" },

	{ .name = "retry_max_ms",
	  .type = CONF_T_INT,
	  .default_str = "30000",
	  .text = "longest backoff delay" },

	{ .name = "breaker_threshold",
	  .type = CONF_T_INT,
	  .default_str = "3",
	  .text = "consecutive failures that open a model's circuit" },

	{ .name = "breaker_cooldown",
	  .type = CONF_T_INT,
	  .default_str = "60",
	  .text = "seconds a broken model is skipped" },

	/* MCP servers (doc/MCP.md) */
	{ .name = "mcp_timeout",
	  .type = CONF_T_INT,
	  .minimum = 1,
	  .maximum = 3600,
	  .default_str = "30",
	  .text = "seconds an MCP server may take to start and list its tools" },

	{ .name = "mcp_call_timeout",
	  .type = CONF_T_INT,
	  .minimum = 1,
	  .maximum = 86400,
	  .default_str = "600",
	  .text = "seconds one MCP tool call may run" },

	{ .name = "mcp_trust_project",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "start the project's .cade/mcp.json servers without asking" },

	{ .name = "price_input",
	  .type = CONF_T_DOUBLE,
	  .default_str = "0",
	  .flags = CONF_PER_MODEL,
	  .text = "USD per million input tokens" },

	{ .name = "price_output",
	  .type = CONF_T_DOUBLE,
	  .default_str = "0",
	  .flags = CONF_PER_MODEL,
	  .text = "USD per million output tokens" },

	{ .name = "price_cached",
	  .type = CONF_T_DOUBLE,
	  .default_str = "0",
	  .flags = CONF_PER_MODEL,
	  .text = "USD per million cached input tokens" },

	{ .name = "models_cache_ttl",
	  .type = CONF_T_INT,
	  .minimum = 0,
	  .maximum = 2592000,
	  .default_str = "86400",
	  .text = "seconds the endpoint's model list (its prices) is cached "
	      "on disk; 0: fetched at every start" },

	/* policy */
	{ .name = "confirm",
	  .type = CONF_T_ENUM,
	  .choices = conf_confirm_choices,
	  .default_str = "risky",
	  .text = "when the person confirms actions" },

	{ .name = "risk_threshold",
	  .type = CONF_T_ENUM,
	  .choices = conf_risk_threshold_choices,
	  .default_str = "MEDIUM",
	  .text = "the lowest risk that asks when confirm is risky" },

	{ .name = "yes",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "headless: approve what policy would ask about" },

	{ .name = "on_ask",
	  .type = CONF_T_ENUM,
	  .choices = conf_on_ask_choices,
	  .default_str = "deny",
	  .text = "headless: what an action that needs a person does" },

	{ .name = "secrets",
	  .type = CONF_T_LIST,
	  .default_str = "",
	  .text = "env var names whose values are masked" },

	/* workspace */
	{ .name = "workspace",
	  .type = CONF_T_ENUM,
	  .choices = conf_workspace_choices,
	  .default_str = "local",
	  .text = "where commands run" },

	{ .name = "workspace_dir",
	  .type = CONF_T_STR,
	  .default_str = "",
	  .text = "workspace root (default: current directory)" },

	{ .name = "image",
	  .type = CONF_T_STR,
	  .default_str = "debian:bookworm-slim",
	  .text = "docker image for --workspace docker" },

	{ .name = "network",
	  .type = CONF_T_ENUM,
	  .choices = conf_network_choices,
	  .default_str = "none",
	  .text = "commands' network: none (loopback only) or bridge; docker and the local sandbox" },

	{ .name = "sandbox",
	  .type = CONF_T_ENUM,
	  .choices = conf_sandbox_choices,
	  .default_str = "auto",
	  .text = "containment of the local workspace's shell (SANDBOX.md)" },

	{ .name = "sandbox_writable",
	  .type = CONF_T_LIST,
	  .default_str = "~/.cache,~/.npm,~/.cargo/registry,~/.cargo/git,"
	      "~/go/pkg/mod,~/.m2/repository,~/.gradle/caches",
	  .text = "paths the local sandbox may write besides the workspace and /tmp" },

	{ .name = "sandbox_hidden",
	  .type = CONF_T_LIST,
	  .default_str = "",
	  .text = "paths the local sandbox hides, besides its built-in credential list" },

	{ .name = "keep_container",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "leave the container after exit" },

	{ .name = "pull",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "pull the image if missing" },

	{ .name = "container_memory",
	  .type = CONF_T_STR,
	  .default_str = "2g",
	  .text = "container memory limit" },

	{ .name = "container_pids",
	  .type = CONF_T_INT,
	  .default_str = "512",
	  .text = "container process limit" },

	{ .name = "docker_host",
	  .type = CONF_T_STR,
	  .default_str = "",
	  .text = "Docker daemon: unix:///path, or tcp://host:port (TLS if DOCKER_TLS_VERIFY) (default $DOCKER_HOST or unix:///var/run/docker.sock)" },

	/* agent and tools */
	{ .name = "max_steps",
	  .type = CONF_T_INT,
	  .minimum = 1,
	  .maximum = 1000000,
	  .default_str = "100",
	  .text = "steps per task (each message that starts one) before the agent stops" },

	{ .name = "max_budget",
	  .type = CONF_T_DOUBLE,
	  .default_str = "0",
	  .text = "USD before the agent stops (0: no limit)" },

	{ .name = "command_timeout",
	  .type = CONF_T_INT,
	  .minimum = 1,
	  .maximum = 86400,
	  .default_str = "120",
	  .text = "default terminal command timeout, seconds" },

	{ .name = "output_limit",
	  .type = CONF_T_INT,
	  .minimum = 1024,
	  .maximum = 100000000,
	  .default_str = "30000",
	  .text = "bytes of tool output shown to the model" },

	{ .name = "images",
	  .type = CONF_T_ENUM,
	  .choices = conf_images_choices,
	  .default_str = "auto",
	  .flags = CONF_PER_MODEL,
	  .text = "attach image files named by @path: auto (when the endpoint's model list says the model takes images), on, off" },

	{ .name = "image_max",
	  .type = CONF_T_INT,
	  .minimum = 1024,
	  .maximum = 50000000,
	  .default_str = "5000000",
	  .text = "bytes of one image file attached by @path (larger ones are refused)" },

	{ .name = "apply_patch_models",
	  .type = CONF_T_STR,
	  .default_str = "gpt-*,o[0-9]*,codex*",
	  .text = "models offered apply_patch instead of file_editor" },

	{ .name = "stuck_repeat",
	  .type = CONF_T_INT,
	  .minimum = 2,
	  .maximum = 4,
	  .default_str = "3",
	  .text = "identical action+observation repeats before pausing" },

	{ .name = "stuck_no_action",
	  .type = CONF_T_INT,
	  .default_str = "3",
	  .text = "replies without an action before pausing" },

	{ .name = "title_summarize",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "ask the LLM for a session title" },

	{ .name = "session_dir",
	  .type = CONF_T_STR,
	  .default_str = "",
	  .text = "sessions directory (default $XDG_STATE_HOME/cade/sessions)" },

	/* checkpoints (doc/CHECKPOINTS.md) */
	{ .name = "checkpoints",
	  .type = CONF_T_BOOL,
	  .default_str = "true",
	  .text = "record a checkpoint of the workspace before each step that may change it" },

	{ .name = "checkpoint_ignore",
	  .type = CONF_T_LIST,
	  .default_str = "node_modules,.venv,venv,__pycache__,.mypy_cache,"
	      ".pytest_cache,.tox,.gradle,.next,.cache,target",
	  .text = "gitignore patterns left out of checkpoints (on top of .gitignore)" },

	{ .name = "checkpoint_max_file",
	  .type = CONF_T_INT,
	  .default_str = "10485760",
	  .maximum = 1000000000000L,
	  .text = "bytes: larger files are noted in the checkpoint, not copied" },

	{ .name = "checkpoint_max_tree",
	  .type = CONF_T_INT,
	  .default_str = "1073741824",
	  .maximum = 1000000000000L,
	  .text = "bytes: a larger workspace is not checkpointed (with a notice)" },

	/* context */
	{ .name = "context_window",
	  .type = CONF_T_INT,
	  .default_str = "0",
	  .flags = CONF_PER_MODEL,
	  .text = "tokens (0: by model family)" },

	{ .name = "output_reserve",
	  .type = CONF_T_INT,
	  .default_str = "4096",
	  .flags = CONF_PER_MODEL,
	  .text = "tokens kept free for the reply" },

	{ .name = "compact_at",
	  .type = CONF_T_INT,
	  .minimum = 1,
	  .maximum = 100,
	  .default_str = "75",
	  .text = "condense at this % of the window" },

	{ .name = "keep_recent",
	  .type = CONF_T_INT,
	  .default_str = "10",
	  .text = "recent events kept verbatim when condensing" },

	/* interface */
	{ .name = "json",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "headless: JSON Lines events on stdout" },

	{ .name = "verbose",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "headless: progress on stderr" },

	{ .name = "raw",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "headless: print the answer with its control sequences (see --raw)" },

	{ .name = "theme",
	  .type = CONF_T_STR,
	  .default_str = "default",
	  .text = "colour theme name" },

	{ .name = "mouse",
	  .type = CONF_T_BOOL,
	  .default_str = "false",
	  .text = "capture the mouse" },

	{ .name = "bell",
	  .type = CONF_T_BOOL,
	  .default_str = "true",
	  .text = "ring the bell when a confirmation is pending" },

	{ .name = "notify",
	  .type = CONF_T_ENUM,
	  .choices = conf_notify_choices,
	  .default_str = "auto",
	  .text = "desktop notification when a confirmation is pending: OSC 9 (iTerm2, kitty, WezTerm, Ghostty, Windows Terminal), OSC 777 (VTE terminals, foot, urxvt), auto (OSC 777 when VTE_VERSION is set or TERM is foot or rxvt, else OSC 9); inside tmux sent through its passthrough (allow-passthrough on)" },

	{ .name = "confirm_delay",
	  .type = CONF_T_INT,
	  .maximum = 10000,
	  .default_str = "400",
	  .text = "milliseconds after a confirmation prompt takes the keyboard during which keys do not answer it (input protection)" },

	{ .name = "split_width",
	  .type = CONF_T_INT,
	  .default_str = "140",
	  .text = "below this width the panes stack" },

	{ .name = "split_ratio",
	  .type = CONF_T_INT,
	  .minimum = 10,
	  .maximum = 90,
	  .default_str = "50",
	  .text = "chat pane share of the width, %" },

	{ .name = "scrollback",
	  .type = CONF_T_INT,
	  .default_str = "5000",
	  .text = "terminal pane scrollback lines" },

	{ .name = "log",
	  .type = CONF_T_STR,
	  .default_str = "",
	  .env = "CADE_LOG",
	  .text = "debug log file (empty: none)" },
};
const size_t conf_table_size = nitems(conf_table);

struct conf_value {
	char		 *name;
	char		 *value;		/* scalar text, or joined list */
	char		**list;			/* CONF_T_LIST: NULL-terminated */
	size_t		  nlist;
	enum conf_origin  origin;
	const struct conf_entry *key;
};

struct config {
	struct conf_value	*v;
	size_t			 n;
};

static const char *const conf_origin_names[] = {
	"default", "file", "env", "flag", "runtime"
};

/* Find a key row by name. */
const struct conf_entry *
conf_find_entry(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(conf_table); i++)
		if (strcmp(conf_table[i].name, name) == 0)
			return &conf_table[i];
	return NULL;
}

/* Find a stored value. */
static struct conf_value *
conf_find(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n; i++)
		if (strcmp(cfg->v[i].name, name) == 0)
			return &cfg->v[i];
	return NULL;
}

/* Free a value's list. */
static void
conf_list_free(struct conf_value *v)
{
	size_t i;

	for (i = 0; i < v->nlist; i++)
		free(v->list[i]);
	free(v->list);
	v->list = NULL;
	v->nlist = 0;
}

/* Split "a, b ,c" into the value's list (appending). */
static void
conf_list_add(struct conf_value *v, const char *text, int split)
{
	char *copy = xstrdup(text), *p = copy, *item, *comma;

	do {
		if (split && (comma = strchr(p, ',')) != NULL)
			*comma++ = '\0';
		else
			comma = NULL;
		item = util_trim(p);
		if (*item != '\0') {
			v->list = xreallocarray(v->list, v->nlist + 2, sizeof *v->list);
			v->list[v->nlist++] = xstrdup(item);
			v->list[v->nlist] = NULL;
		}
		p = comma;
	} while (p != NULL);
	free(copy);
}

/* Checks beyond the type that a row's flags ask for. */
static int
conf_validate_flags(const struct conf_entry *k, const char *value, char **cause)
{
	if ((k->flags & CONF_HTTP_URL) && strncmp(value, "http://", 7) != 0 &&
	    strncmp(value, "https://", 8) != 0) {
		*cause = xasprintf("%s: '%s' is not an http:// or https:// "
		    "URL", k->name, value);
		return -1;
	}
	if ((k->flags & CONF_NOT_EMPTY) && *value == '\0') {
		*cause = xasprintf("%s: the value is empty", k->name);
		return -1;
	}
	return 0;
}

/* The choices of an enum row as "a|b|c"; caller frees. */
char *
conf_choices_text(const struct conf_entry *k, const char *sep)
{
	struct buf b;
	const char *const *c;

	buf_init(&b, 0);
	for (c = k->choices; c != NULL && *c != NULL; c++)
		buf_printf(&b, "%s%s", c == k->choices ? "" : sep, *c);
	return buf_detach(&b, NULL);
}

/* The largest value an INT row accepts. */
long
conf_maximum(const struct conf_entry *k)
{
	return k->maximum != 0 ? k->maximum : CONF_INT_MAX;
}

/* Check value against the key's type; -1 with *cause. */
static int
conf_validate(const struct conf_entry *k, const char *name, const char *value,
    char **cause)
{
	const char *const *c;
	char *all;
	long l;
	double d;

	switch (k->type) {
	case CONF_T_INT:
		if (util_parse_long(value, k->minimum, conf_maximum(k), &l) == -1) {
			if (k->minimum == 0 && k->maximum == 0)
				*cause = xasprintf("%s: '%s' is not a non-negative "
				    "integer", name, value);
			else
				*cause = xasprintf("%s: '%s' is not between %ld and "
				    "%ld", name, value, k->minimum, conf_maximum(k));
			return -1;
		}
		break;
	case CONF_T_DOUBLE:
		if (util_parse_double(value, &d) == -1 || d < 0) {
			*cause = xasprintf("%s: '%s' is not a non-negative number",
			    name, value);
			return -1;
		}
		break;
	case CONF_T_BOOL:
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0 &&
		    strcmp(value, "yes") != 0 && strcmp(value, "no") != 0 &&
		    strcmp(value, "1") != 0 && strcmp(value, "0") != 0) {
			*cause = xasprintf("%s: '%s' is not true or false", name,
			    value);
			return -1;
		}
		break;
	case CONF_T_ENUM:
		for (c = k->choices; *c != NULL; c++)
			if (strcmp(*c, value) == 0)
				return 0;
		all = conf_choices_text(k, "|");
		*cause = xasprintf("%s: '%s' is not one of %s", name, value, all);
		free(all);
		return -1;
	case CONF_T_STR:
	case CONF_T_LIST:
		break;
	}
	return conf_validate_flags(k, value, cause);
}

/* Store a validated value. */
static void
conf_store(struct config *cfg, const char *name, const struct conf_entry *k,
    const char *value, enum conf_origin origin)
{
	struct conf_value *v = conf_find(cfg, name);

	if (v == NULL) {
		cfg->v = xreallocarray(cfg->v, cfg->n + 1, sizeof *cfg->v);
		v = &cfg->v[cfg->n++];
		memset(v, 0, sizeof *v);
		v->name = xstrdup(name);
		v->key = k;
	}
	if (k->type == CONF_T_LIST) {
		/* A later source replaces an earlier one; the same source appends. */
		if (*value == '\0' || v->origin != origin)
			conf_list_free(v);
		if (*value != '\0')
			conf_list_add(v, value, !(k->flags & CONF_NO_SPLIT));
	}
	free(v->value);
	v->value = xstrdup(value);
	v->origin = origin;
}

/* Build a config holding every default. */
struct config *
conf_new(void)
{
	struct config *cfg = xcalloc(1, sizeof *cfg);
	size_t i;

	for (i = 0; i < nitems(conf_table); i++)
		conf_store(cfg, conf_table[i].name, &conf_table[i],
		    conf_table[i].default_str, CONF_DEFAULT);
	return cfg;
}

/* A copy with every value and origin (a batch task's own settings). */
struct config *
conf_clone(const struct config *src)
{
	struct config *cfg = xcalloc(1, sizeof *cfg);
	size_t i, j;

	cfg->v = xcalloc(src->n + 1, sizeof *cfg->v);
	cfg->n = src->n;
	for (i = 0; i < src->n; i++) {
		const struct conf_value *a = &src->v[i];
		struct conf_value *b = &cfg->v[i];

		b->name = xstrdup(a->name);
		b->value = a->value != NULL ? xstrdup(a->value) : NULL;
		b->origin = a->origin;
		b->key = a->key;
		b->nlist = a->nlist;
		if (a->list != NULL) {
			b->list = xcalloc(a->nlist + 1, sizeof *b->list);
			for (j = 0; j < a->nlist; j++)
				b->list[j] = xstrdup(a->list[j]);
		}
	}
	return cfg;
}

/* Free everything. */
void
conf_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n; i++) {
		free(cfg->v[i].name);
		free(cfg->v[i].value);
		conf_list_free(&cfg->v[i]);
	}
	free(cfg->v);
	free(cfg);
}

/* Set a key from any source after validation. */
int
conf_set(struct config *cfg, const char *name, const char *value,
    enum conf_origin origin, char **cause)
{
	const struct conf_entry *k;
	const char *dot;
	char *base;

	if (strncmp(name, "model.", 6) == 0) {
		dot = strrchr(name, '.');
		if (dot == name + 5 || dot[1] == '\0') {
			*cause = xasprintf("'%s': expected model.NAME.KEY", name);
			return -1;
		}
		base = xstrdup(dot + 1);
		k = conf_find_entry(base);
		if (k == NULL || !(k->flags & CONF_PER_MODEL)) {
			*cause = xasprintf("'%s': '%s' cannot be set per model",
			    name, base);
			free(base);
			return -1;
		}
		free(base);
	} else if ((k = conf_find_entry(name)) == NULL) {
		*cause = xasprintf("unknown setting '%s' (see cade --print-config)",
		    name);
		return -1;
	}
	if (conf_validate(k, name, value, cause) == -1)
		return -1;
	if ((k->flags & CONF_SECRET) && origin == CONF_FLAG) {
		*cause = xasprintf("%s cannot be given on the command line: use "
		    "the LLM_API_KEY environment variable or a 0600 config file",
		    name);
		return -1;
	}
	conf_store(cfg, name, k, value, origin);
	if ((k->flags & CONF_SECRET) && *value != '\0')
		secret_add(value);
	return 0;
}

/* $XDG_CONFIG_HOME/cade/config. */
char *
conf_default_path(void)
{
	char *dir = util_xdg_dir("XDG_CONFIG_HOME", ".config"), *path;

	path = xasprintf("%s/config", dir);
	free(dir);
	return path;
}

/* Strip matching quotes around a value. */
static char *
conf_unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

/*
 * Parse config text: "key = value" lines, # starts a comment line.  name
 * is for messages; mode holds the file's permission bits (a secret must
 * come from a file only its owner can read).  No I/O: fuzzed as is.
 */
int
conf_load_text(struct config *cfg, const char *name, const char *text,
    size_t len, unsigned mode, char **cause)
{
	const struct conf_entry *k;
	const char *p = text, *end = text + len, *nl;
	char *line, *key, *value, *eq, *why = NULL;
	int lineno = 0;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lineno++;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			*cause = xasprintf("%s:%d: binary data in config file",
			    name, lineno);
			return -1;
		}
		line = xstrndup(p, (size_t)(nl - p));
		key = line;
		if (lineno == 1 && strncmp(key, "\xef\xbb\xbf", 3) == 0)
			key += 3;	/* a UTF-8 byte order mark */
		key = util_trim(key);
		if (*key == '\0' || *key == '#') {
			free(line);
			continue;
		}
		if ((eq = strchr(key, '=')) == NULL) {
			*cause = xasprintf("%s:%d: expected 'key = value'", name,
			    lineno);
			free(line);
			return -1;
		}
		*eq = '\0';
		key = util_trim(key);
		value = conf_unquote(util_trim(eq + 1));
		if ((k = conf_find_entry(key)) != NULL && (k->flags & CONF_SECRET) &&
		    (mode & 077) != 0) {
			*cause = xasprintf("%s: holds %s but is readable by others "
			    "(mode %03o): run chmod 600 '%s'", name, key,
			    mode & 0777, name);
			free(line);
			return -1;
		}
		if (conf_set(cfg, key, value, CONF_FILE, &why) == -1) {
			*cause = xasprintf("%s:%d: %s", name, lineno, why);
			free(why);
			free(line);
			return -1;
		}
		free(line);
	}
	return 0;
}

/* Read a config file (missing: nothing loaded) and parse it. */
int
conf_load_file(struct config *cfg, const char *path, char **cause)
{
	struct stat st;
	char *text;
	size_t len;
	int rc;

	/* Through the one small-file reader: a FIFO is refused, never waited on. */
	if ((text = util_read_small(path, CONF_FILE_MAX, &len, cause)) == NULL) {
		if (errno != ENOENT)
			return -1;
		free(*cause);
		*cause = NULL;
		return 0;
	}
	if (len == 0) {
		free(text);
		return 0;
	}
	if (stat(path, &st) == -1) {
		*cause = xasprintf("cannot read '%s': %s", path, strerror(errno));
		free(text);
		return -1;
	}
	rc = conf_load_text(cfg, path, text, len, (unsigned)st.st_mode, cause);
	free(text);
	return rc;
}

/* Environment: LLM_* first, OPENAI_* as fallbacks. */
int
conf_load_env(struct config *cfg, char **cause)
{
	const struct conf_entry *k;
	const char *v;
	char *why;
	size_t i;

	for (i = 0; i < nitems(conf_table); i++) {
		k = &conf_table[i];
		if (k->env == NULL)
			continue;
		v = getenv(k->env);
		if ((v == NULL || *v == '\0') && k->env_fallback != NULL)
			v = getenv(k->env_fallback);
		if (v == NULL || *v == '\0')
			continue;
		if (conf_set(cfg, k->name, v, CONF_ENV, &why) == -1) {
			*cause = xasprintf("environment: %s", why);
			free(why);
			return -1;
		}
	}
	return 0;
}

/* Value row for a declared key; undeclared keys are a programming error. */
static const struct conf_value *
conf_get(const struct config *cfg, const char *name)
{
	const struct conf_value *v = conf_find(cfg, name);

	if (v == NULL)
		fatal("internal error: undeclared setting '%s'", name);
	return v;
}

/* String value ("" when unset). */
const char *
conf_str(const struct config *cfg, const char *name)
{
	return conf_get(cfg, name)->value;
}

/* Integer value. */
long
conf_int(const struct config *cfg, const char *name)
{
	long l = 0;

	(void)util_parse_long(conf_get(cfg, name)->value, 0, CONF_INT_MAX, &l);
	return l;
}

/* Floating-point value. */
double
conf_double(const struct config *cfg, const char *name)
{
	double d = 0;

	(void)util_parse_double(conf_get(cfg, name)->value, &d);
	return d;
}

/* Boolean value. */
int
conf_bool(const struct config *cfg, const char *name)
{
	const char *v = conf_get(cfg, name)->value;

	return strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "1") == 0;
}

/* List value: NULL-terminated, never NULL itself. */
const char *const *
conf_list(const struct config *cfg, const char *name)
{
	static const char *const empty[] = { NULL };
	const struct conf_value *v = conf_get(cfg, name);

	return v->list != NULL ? (const char *const *)v->list : empty;
}

/* model.<model>.<key> if set, else the global key. */
const char *
conf_model_str(const struct config *cfg, const char *model, const char *name)
{
	const struct conf_value *v;
	char *full;

	if (model != NULL) {
		full = xasprintf("model.%s.%s", model, name);
		v = conf_find(cfg, full);
		free(full);
		if (v != NULL)
			return v->value;
	}
	return conf_str(cfg, name);
}

/* Per-model number. */
double
conf_model_double(const struct config *cfg, const char *model, const char *name)
{
	double d = 0;

	(void)util_parse_double(conf_model_str(cfg, model, name), &d);
	return d;
}

/* Per-model integer. */
long
conf_model_int(const struct config *cfg, const char *model, const char *name)
{
	long l = 0;

	(void)util_parse_long(conf_model_str(cfg, model, name), 0, CONF_INT_MAX, &l);
	return l;
}

/* Where the current value came from. */
enum conf_origin
conf_origin_of(const struct config *cfg, const char *name)
{
	return conf_get(cfg, name)->origin;
}

/* Print every value with its origin; secrets masked. */
void
conf_print(const struct config *cfg, FILE *f)
{
	const struct conf_value *v;
	size_t i, len;

	for (i = 0; i < cfg->n; i++) {
		v = &cfg->v[i];
		if (v->key->flags & CONF_SECRET) {
			len = strlen(v->value);
			if (len == 0)
				fprintf(f, "%s = ", v->name);
			else
				fprintf(f, "%s = **** (set, %zu chars)", v->name, len);
		} else
			fprintf(f, "%s = %s", v->name, v->value);
		fprintf(f, "  # %s\n", conf_origin_names[v->origin]);
	}
}

/*
 * The workspace root: root if given, else workspace_dir, else cwd;
 * realpath'd.  The workspace and the policy (the project's .cade/policy)
 * both start from here, so a session and `cade policy check` agree.
 */
char *
conf_workspace_root(const struct config *cfg, const char *root, char **cause)
{
	const char *want = root;
	char *expanded, *real;
	struct stat sb;

	if ((want == NULL || *want == '\0') && cfg != NULL)
		want = conf_str(cfg, "workspace_dir");
	if (want == NULL || *want == '\0')
		want = ".";
	expanded = util_expand_home(want);
	if ((real = realpath(expanded, NULL)) == NULL) {
		*cause = xasprintf("cannot use workspace '%s': %s", expanded,
		    strerror(errno));
		free(expanded);
		return NULL;
	}
	free(expanded);
	if (stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		*cause = xasprintf("cannot use workspace '%s': not a directory",
		    real);
		free(real);
		return NULL;
	}
	return real;
}
