/*
 * conf.c: configuration from defaults, file, environment and flags.
 *
 * Every key is declared once in conf_keys[] with its type and default; a
 * value from any source is validated against that row before it is stored,
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

enum conf_type { CONF_T_STR, CONF_T_INT, CONF_T_DOUBLE, CONF_T_BOOL, CONF_T_ENUM,
    CONF_T_LIST };

struct conf_key {
	const char	*name;
	enum conf_type	 type;
	const char	*dflt;
	const char	*help;		/* for CONF_T_ENUM: "a|b|c" first */
	int		 per_model;	/* may be set as model.NAME.key */
	int		 secret;
};

/* One row per key; keep rows grouped by area. */
static const struct conf_key conf_keys[] = {
	/* LLM endpoint */
	{ "api_key", CONF_T_STR, "", "API key (env LLM_API_KEY; file must be 0600)", 0, 1 },
	{ "base_url", CONF_T_STR, "https://api.openai.com/v1", "OpenAI-compatible base URL", 0, 0 },
	{ "model", CONF_T_STR, "gpt-4o", "model name", 0, 0 },
	{ "fallback_models", CONF_T_LIST, "", "models tried after rate limits or server errors", 0, 0 },
	{ "temperature", CONF_T_STR, "", "sampling temperature (empty: server default)", 1, 0 },
	{ "max_tokens", CONF_T_INT, "0", "output token limit per reply (0: not sent)", 1, 0 },
	{ "max_tokens_param", CONF_T_ENUM, "max_tokens", "max_tokens|max_completion_tokens", 1, 0 },
	{ "reasoning_effort", CONF_T_STR, "", "reasoning_effort sent to the model (empty: not sent)", 1, 0 },
	{ "extra_header", CONF_T_LIST, "", "extra HTTP header 'Name: value' (repeatable)", 0, 0 },
	{ "stream", CONF_T_BOOL, "true", "stream replies (false for servers that cannot)", 1, 0 },
	{ "wire_api", CONF_T_ENUM, "chat", "chat|responses", 1, 0 },
	{ "tool_calling", CONF_T_ENUM, "native", "native|prompt|auto", 1, 0 },
	{ "connect_timeout", CONF_T_INT, "10", "seconds to connect", 0, 0 },
	{ "first_byte_timeout", CONF_T_INT, "120", "seconds to the first byte of a reply", 0, 0 },
	{ "idle_timeout", CONF_T_INT, "60", "seconds without a byte mid-stream", 0, 0 },
	{ "retry_max", CONF_T_INT, "5", "attempts per model for retryable errors", 0, 0 },
	{ "retry_base_ms", CONF_T_INT, "1000", "first backoff delay", 0, 0 },
	{ "retry_max_ms", CONF_T_INT, "30000", "longest backoff delay", 0, 0 },
	{ "breaker_threshold", CONF_T_INT, "3", "consecutive failures that open a model's circuit", 0, 0 },
	{ "breaker_cooldown", CONF_T_INT, "60", "seconds a broken model is skipped", 0, 0 },
	{ "price_input", CONF_T_DOUBLE, "0", "USD per million input tokens", 1, 0 },
	{ "price_output", CONF_T_DOUBLE, "0", "USD per million output tokens", 1, 0 },
	{ "price_cached", CONF_T_DOUBLE, "0", "USD per million cached input tokens", 1, 0 },
	/* policy */
	{ "confirm", CONF_T_ENUM, "risky", "risky|always|never", 0, 0 },
	{ "risk_threshold", CONF_T_ENUM, "MEDIUM", "MEDIUM|LOW|HIGH", 0, 0 },
	{ "yes", CONF_T_BOOL, "false", "headless: approve what policy would ask about", 0, 0 },
	{ "on_ask", CONF_T_ENUM, "deny", "deny|abort", 0, 0 },
	{ "secrets", CONF_T_LIST, "", "env var names whose values are masked", 0, 0 },
	/* workspace */
	{ "workspace", CONF_T_ENUM, "local", "local|docker", 0, 0 },
	{ "workspace_dir", CONF_T_STR, "", "workspace root (default: current directory)", 0, 0 },
	{ "image", CONF_T_STR, "debian:bookworm-slim", "docker image for --workspace docker", 0, 0 },
	{ "network", CONF_T_ENUM, "none", "none|bridge", 0, 0 },
	{ "keep_container", CONF_T_BOOL, "false", "leave the container after exit", 0, 0 },
	{ "pull", CONF_T_BOOL, "false", "pull the image if missing", 0, 0 },
	{ "container_memory", CONF_T_STR, "2g", "container memory limit", 0, 0 },
	{ "container_pids", CONF_T_INT, "512", "container process limit", 0, 0 },
	{ "docker_host", CONF_T_STR, "", "Docker socket (default $DOCKER_HOST or unix:///var/run/docker.sock)", 0, 0 },
	/* agent and tools */
	{ "max_steps", CONF_T_INT, "100", "steps before the agent stops", 0, 0 },
	{ "max_budget", CONF_T_DOUBLE, "0", "USD before the agent stops (0: no limit)", 0, 0 },
	{ "command_timeout", CONF_T_INT, "120", "default terminal command timeout, seconds", 0, 0 },
	{ "output_limit", CONF_T_INT, "30000", "bytes of tool output shown to the model", 0, 0 },
	{ "apply_patch_models", CONF_T_STR, "gpt-*,o[0-9]*,codex*", "models offered apply_patch instead of file_editor", 0, 0 },
	{ "stuck_repeat", CONF_T_INT, "3", "identical action+observation repeats before pausing", 0, 0 },
	{ "stuck_no_action", CONF_T_INT, "3", "replies without an action before pausing", 0, 0 },
	{ "title_summarize", CONF_T_BOOL, "false", "ask the LLM for a session title", 0, 0 },
	{ "session_dir", CONF_T_STR, "", "sessions directory (default $XDG_STATE_HOME/cade/sessions)", 0, 0 },
	/* checkpoints (doc/CHECKPOINTS.md) */
	{ "checkpoints", CONF_T_BOOL, "true", "record a checkpoint of the workspace before each step that may change it", 0, 0 },
	{ "checkpoint_ignore", CONF_T_LIST, "node_modules,.venv,venv,__pycache__,.mypy_cache,.pytest_cache,.tox,.gradle,.next,.cache,target", "gitignore patterns left out of checkpoints (on top of .gitignore)", 0, 0 },
	{ "checkpoint_max_file", CONF_T_INT, "10485760", "bytes: larger files are noted, not copied", 0, 0 },
	{ "checkpoint_max_tree", CONF_T_INT, "1073741824", "bytes: a larger workspace is not checkpointed (with a notice)", 0, 0 },
	/* context */
	{ "context_window", CONF_T_INT, "0", "tokens (0: by model family)", 1, 0 },
	{ "output_reserve", CONF_T_INT, "4096", "tokens kept free for the reply", 1, 0 },
	{ "compact_at", CONF_T_INT, "75", "condense at this % of the window", 0, 0 },
	{ "keep_recent", CONF_T_INT, "10", "recent events kept verbatim when condensing", 0, 0 },
	/* interface */
	{ "json", CONF_T_BOOL, "false", "headless: JSON Lines events on stdout", 0, 0 },
	{ "verbose", CONF_T_BOOL, "false", "headless: progress on stderr", 0, 0 },
	{ "theme", CONF_T_STR, "default", "colour theme name", 0, 0 },
	{ "mouse", CONF_T_BOOL, "false", "capture the mouse", 0, 0 },
	{ "bell", CONF_T_BOOL, "true", "ring the bell when a confirmation is pending", 0, 0 },
	{ "split_width", CONF_T_INT, "140", "below this width the panes stack", 0, 0 },
	{ "split_ratio", CONF_T_INT, "50", "chat pane share of the width, %", 0, 0 },
	{ "scrollback", CONF_T_INT, "5000", "terminal pane scrollback lines", 0, 0 },
	{ "log", CONF_T_STR, "", "debug log file (empty: none)", 0, 0 },
};

struct conf_value {
	char		 *name;
	char		 *value;		/* scalar text, or joined list */
	char		**list;			/* CONF_T_LIST: NULL-terminated */
	size_t		  nlist;
	enum conf_origin  origin;
	const struct conf_key *key;
};

struct config {
	struct conf_value	*v;
	size_t			 n;
};

static const char *const conf_origin_names[] = {
	"default", "file", "env", "flag", "runtime"
};

/* Find a key row by name. */
static const struct conf_key *
conf_find_key(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(conf_keys); i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
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

/* Integer keys whose meaningful range is narrower than "non-negative". */
static const struct {
	const char	*name;
	long		 min, max;
} conf_ranges[] = {
	{ "compact_at", 1, 100 },
	{ "split_ratio", 10, 90 },
	{ "max_steps", 1, 1000000 },
	{ "retry_max", 1, 100 },
	{ "output_limit", 1024, 100000000 },
	{ "command_timeout", 1, 86400 },
};

/* Checks beyond the type: ranges, URLs, names that must not be empty. */
static int
conf_validate_value(const char *name, const char *value, char **cause)
{
	size_t i;
	long l;

	for (i = 0; i < nitems(conf_ranges); i++) {
		if (strcmp(conf_ranges[i].name, name) != 0)
			continue;
		if (util_parse_long(value, conf_ranges[i].min, conf_ranges[i].max,
		    &l) == -1) {
			*cause = xasprintf("%s: '%s' is not between %ld and %ld",
			    name, value, conf_ranges[i].min, conf_ranges[i].max);
			return -1;
		}
	}
	if (strcmp(name, "base_url") == 0 && strncmp(value, "http://", 7) != 0 &&
	    strncmp(value, "https://", 8) != 0) {
		*cause = xasprintf("base_url: '%s' is not an http:// or https:// "
		    "URL", value);
		return -1;
	}
	if (strcmp(name, "model") == 0 && *value == '\0') {
		*cause = xstrdup("model: the name is empty");
		return -1;
	}
	return 0;
}

/* Check value against the key's type; -1 with *cause. */
static int
conf_validate(const struct conf_key *k, const char *name, const char *value,
    char **cause)
{
	const char *p, *bar;
	size_t n;
	long l;
	double d;

	switch (k->type) {
	case CONF_T_INT:
		if (util_parse_long(value, 0, 1000000000L, &l) == -1) {
			*cause = xasprintf("%s: '%s' is not a non-negative integer",
			    name, value);
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
		n = strlen(value);
		for (p = k->help; p != NULL; p = bar ? bar + 1 : NULL) {
			bar = strchr(p, '|');
			if ((size_t)((bar ? bar : p + strlen(p)) - p) == n &&
			    strncmp(p, value, n) == 0)
				return 0;
		}
		*cause = xasprintf("%s: '%s' is not one of %s", name, value,
		    k->help);
		return -1;
	case CONF_T_STR:
	case CONF_T_LIST:
		break;
	}
	return 0;
}

/* Store a validated value. */
static void
conf_store(struct config *cfg, const char *name, const struct conf_key *k,
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
			conf_list_add(v, value, strcmp(k->name, "extra_header") != 0);
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

	for (i = 0; i < nitems(conf_keys); i++)
		conf_store(cfg, conf_keys[i].name, &conf_keys[i], conf_keys[i].dflt,
		    CONF_DEFAULT);
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
	const struct conf_key *k;
	const char *dot;
	char *base;

	if (strncmp(name, "model.", 6) == 0) {
		dot = strrchr(name, '.');
		if (dot == name + 5 || dot[1] == '\0') {
			*cause = xasprintf("'%s': expected model.NAME.KEY", name);
			return -1;
		}
		base = xstrdup(dot + 1);
		k = conf_find_key(base);
		if (k == NULL || !k->per_model) {
			*cause = xasprintf("'%s': '%s' cannot be set per model",
			    name, base);
			free(base);
			return -1;
		}
		free(base);
	} else if ((k = conf_find_key(name)) == NULL) {
		*cause = xasprintf("unknown setting '%s' (see cade --print-config)",
		    name);
		return -1;
	}
	if (conf_validate(k, name, value, cause) == -1 ||
	    conf_validate_value(k->name, value, cause) == -1)
		return -1;
	if (k->secret && origin == CONF_FLAG) {
		*cause = xasprintf("%s cannot be given on the command line: use "
		    "the LLM_API_KEY environment variable or a 0600 config file",
		    name);
		return -1;
	}
	conf_store(cfg, name, k, value, origin);
	if (k->secret && *value != '\0')
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

/* Read "key = value" lines; # starts a comment line. */
int
conf_load_file(struct config *cfg, const char *path, char **cause)
{
	FILE *f;
	struct stat st;
	char *line = NULL, *key, *value, *eq, *why = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		*cause = xasprintf("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		*cause = xasprintf("'%s' is not a regular file", path);
		goto out;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (memchr(line, '\0', (size_t)n) != NULL) {
			*cause = xasprintf("%s:%d: binary data in config file",
			    path, lineno);
			goto out;
		}
		key = line;
		if (lineno == 1 && strncmp(key, "\xef\xbb\xbf", 3) == 0)
			key += 3;	/* a UTF-8 byte order mark */
		key = util_trim(key);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			*cause = xasprintf("%s:%d: expected 'key = value'", path,
			    lineno);
			goto out;
		}
		*eq = '\0';
		key = util_trim(key);
		value = conf_unquote(util_trim(eq + 1));
		if (strcmp(key, "api_key") == 0) {
			if ((st.st_mode & 077) != 0) {
				*cause = xasprintf("%s: holds api_key but is readable "
				    "by others (mode %03o): run chmod 600 '%s'", path,
				    (unsigned)(st.st_mode & 0777), path);
				goto out;
			}
		}
		if (conf_set(cfg, key, value, CONF_FILE, &why) == -1) {
			*cause = xasprintf("%s:%d: %s", path, lineno, why);
			free(why);
			goto out;
		}
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

/* Environment: LLM_* first, OPENAI_* as fallbacks. */
int
conf_load_env(struct config *cfg, char **cause)
{
	static const struct {
		const char *key, *env, *fallback;
	} map[] = {
		{ "api_key", "LLM_API_KEY", "OPENAI_API_KEY" },
		{ "base_url", "LLM_BASE_URL", "OPENAI_BASE_URL" },
		{ "model", "LLM_MODEL", NULL },
		{ "log", "CADE_LOG", NULL },
	};
	const char *v;
	char *why;
	size_t i;

	for (i = 0; i < nitems(map); i++) {
		v = getenv(map[i].env);
		if ((v == NULL || *v == '\0') && map[i].fallback != NULL)
			v = getenv(map[i].fallback);
		if (v == NULL || *v == '\0')
			continue;
		if (conf_set(cfg, map[i].key, v, CONF_ENV, &why) == -1) {
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

	(void)util_parse_long(conf_get(cfg, name)->value, 0, 1000000000L, &l);
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

	(void)util_parse_long(conf_model_str(cfg, model, name), 0, 1000000000L, &l);
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
		if (v->key->secret) {
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
