/*
 * main.c: command line, configuration merge, mode selection.
 *
 * Flags become config settings with origin "flag" so that every module
 * reads one merged config.  The API key is deliberately not a flag: command
 * lines leak through ps(1) and shell history.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/llm.h"
#include "cade/log.h"
#include "cade/batch.h"
#include "cade/mcp.h"
#include "cade/policy.h"
#include "cade/safe.h"
#include "cade/sandbox.h"
#include "cade/secret.h"
#include "cade/store.h"
#include "cade/tool.h"
#include "cade/undo.h"
#include "cade/util.h"

enum {
	OPT_BASE_URL = 256, OPT_CONFIRM, OPT_JSON, OPT_WORKSPACE, OPT_IMAGE,
	OPT_MAX_STEPS, OPT_RESUME, OPT_THEME, OPT_LOG, OPT_PRINT_CONFIG,
	OPT_ON_ASK, OPT_CONFIG, OPT_KEEP, OPT_PULL, OPT_NETWORK, OPT_COMPACT_AT,
	OPT_MOUSE, OPT_MAX_BUDGET, OPT_SANDBOX, OPT_RAW
};

/*
 * The command line's options, one row each, in --help's order: the long
 * name, the short one (or an OPT_ id), the argument's name (NULL: none),
 * the config key it sets (NULL: main() acts on it), the value a flag sets,
 * and its --help text ("\n" continues on the next line, indented).
 * getopt's tables and the options part of --help come from these rows;
 * tests/docs.sh checks cade(1) names each.
 */
struct main_option {
	const char	*name;
	int		 id;
	const char	*arg;
	const char	*key;
	const char	*fixed;
	const char	*help;
};

static const struct main_option main_options[] = {
	{ .name = "print", .id = 'p', .arg = "PROMPT",
	  .help = "run headless until the task ends, print the answer" },
	{ .name = "model", .id = 'm', .arg = "NAME", .key = "model",
	  .help = "model name (LLM_MODEL)" },
	{ .name = "base-url", .id = OPT_BASE_URL, .arg = "URL",
	  .key = "base_url",
	  .help = "OpenAI-compatible endpoint (LLM_BASE_URL)" },
	{ .name = "directory", .id = 'C', .arg = "DIR", .key = "workspace_dir",
	  .help = "workspace directory (default: current directory)" },
	{ .name = "confirm", .id = OPT_CONFIRM, .arg = "MODE", .key = "confirm",
	  .help = "always | risky | never (default: risky)" },
	{ .name = "yes", .id = 'y', .key = "yes", .fixed = "true",
	  .help = "headless: approve actions policy would ask about" },
	{ .name = "on-ask", .id = OPT_ON_ASK, .arg = "ACTION", .key = "on_ask",
	  .help = "headless: deny (default) or abort at the first ask" },
	{ .name = "json", .id = OPT_JSON, .key = "json", .fixed = "true",
	  .help = "headless: print events as JSON Lines on stdout" },
	{ .name = "verbose", .id = 'v', .key = "verbose", .fixed = "true",
	  .help = "headless: progress on stderr even without a TTY" },
	{ .name = "raw", .id = OPT_RAW, .key = "raw", .fixed = "true",
	  .help = "headless: print the answer with its control sequences" },
	{ .name = "workspace", .id = OPT_WORKSPACE, .arg = "KIND",
	  .key = "workspace", .help = "local | docker" },
	{ .name = "image", .id = OPT_IMAGE, .arg = "IMAGE", .key = "image",
	  .help = "docker image for --workspace docker" },
	{ .name = "network", .id = OPT_NETWORK, .arg = "MODE", .key = "network",
	  .help = "none (default: loopback only) | bridge" },
	{ .name = "sandbox", .id = OPT_SANDBOX, .arg = "MECH", .key = "sandbox",
	  .help = "local shell containment: auto (default) |\n"
	  "namespaces | landlock | off" },
	{ .name = "keep-container", .id = OPT_KEEP,
	  .key = "keep_container", .fixed = "true",
	  .help = "leave the docker container after exit" },
	{ .name = "pull", .id = OPT_PULL, .key = "pull", .fixed = "true",
	  .help = "pull the docker image if it is missing" },
	{ .name = "max-steps", .id = OPT_MAX_STEPS, .arg = "N",
	  .key = "max_steps",
	  .help = "stop after N steps (default 100)" },
	{ .name = "max-budget", .id = OPT_MAX_BUDGET, .arg = "USD",
	  .key = "max_budget",
	  .help = "stop when the cost estimate passes USD" },
	{ .name = "compact-at", .id = OPT_COMPACT_AT, .arg = "PCT",
	  .key = "compact_at",
	  .help = "condense the context at PCT% of the window" },
	{ .name = "resume", .id = OPT_RESUME, .arg = "ID|last",
	  .help = "continue a stored session (last: this directory's)" },
	{ .name = "continue", .id = 'c', .help = "the same as --resume last" },
	{ .name = "theme", .id = OPT_THEME, .arg = "NAME", .key = "theme",
	  .help = "colour theme (default, light, high-contrast, mono)" },
	{ .name = "mouse", .id = OPT_MOUSE, .key = "mouse", .fixed = "true",
	  .help = "capture the mouse in the TUI" },
	{ .name = "log", .id = OPT_LOG, .arg = "FILE", .key = "log",
	  .help = "write a debug log to FILE (CADE_LOG)" },
	{ .name = "config", .id = OPT_CONFIG, .arg = "FILE",
	  .help = "config file (default ~/.config/cade/config)" },
	{ .name = "print-config", .id = OPT_PRINT_CONFIG,
	  .help = "show the merged configuration (key masked) and exit" },
	{ .name = "help", .id = 'h', .help = "show this help" },
	{ .name = "version", .id = 'V', .help = "show the version" },
};

/* getopt_long's tables from main_options (built once). */
static const struct option *
main_getopt(const char **shortopts)
{
	static struct option longopts[nitems(main_options) + 1];
	static char shorts[2 * nitems(main_options) + 1];
	const struct main_option *o;
	size_t i, n = 0;

	*shortopts = shorts;
	if (longopts[0].name != NULL)
		return longopts;
	for (i = 0; i < nitems(main_options); i++) {
		o = &main_options[i];
		longopts[i].name = o->name;
		longopts[i].has_arg = o->arg != NULL ? required_argument :
		    no_argument;
		longopts[i].val = o->id;
		if (o->id < 256) {
			shorts[n++] = (char)o->id;
			if (o->arg != NULL)
				shorts[n++] = ':';
		}
	}
	return longopts;
}

/* --help text. */
static void
main_usage(FILE *f)
{
	const struct main_option *o;
	const char *h, *nl;
	char *left;
	size_t i;

	fputs(
"usage: cade [options] [PROMPT]          open the TUI (PROMPT: first task)\n"
"       cade -p PROMPT [options]         run headless ('-' reads stdin)\n"
"       cade acp [options]               serve the Agent Client Protocol on stdio\n"
"       cade sessions [--audit ID]       list stored sessions\n"
"       cade sessions export ID [FILE]   a session as Markdown\n"
"       cade models                      list the endpoint's models\n"
"       cade undo [--session ID|last] [--steps N] [--yes] [--force] [--list]\n"
"       cade redo [--session ID|last] [--yes] [--force]\n"
"       cade diff [--session ID|last] [STEP]\n"
"       cade policy check [--json] [--batch] [--] COMMAND...\n"
"       cade sandbox check               what containment this machine offers\n"
"       cade mcp list|add|remove         MCP servers (doc: MCP.md)\n"
"       cade batch FILE [--jobs N] ...   run a JSON Lines task queue (doc: BATCH.md)\n"
"       cade batch merge REPORT...       combine shard reports\n"
"\n"
"options:\n", f);
	for (i = 0; i < nitems(main_options); i++) {
		o = &main_options[i];
		left = xasprintf("%c%c%c --%s%s%s", o->id < 256 ? '-' : ' ',
		    o->id < 256 ? o->id : ' ', o->id < 256 ? ',' : ' ', o->name,
		    o->arg != NULL ? " " : "", o->arg != NULL ? o->arg : "");
		fprintf(f, "  %-23s", left);
		free(left);
		for (h = o->help; (nl = strchr(h, '\n')) != NULL; h = nl + 1)
			fprintf(f, "%.*s\n%25s", (int)(nl - h), h, "");
		fprintf(f, "%s\n", h);
	}
	fputs(
"\n"
"The API key comes from LLM_API_KEY (or OPENAI_API_KEY) or api_key in a\n"
"0600 config file, never from the command line.  See cade(1).\n", f);
}

/* Set a flag's config key or exit 2 with the reason. */
static void
main_flag(struct config *cfg, const char *key, const char *value)
{
	char *cause;

	if (conf_set(cfg, key, value, CONF_FLAG, &cause) == -1) {
		safe_fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		exit(CADE_EXIT_USAGE);
	}
}

/* Read all of stdin as the prompt (for -p -). */
static char *
main_read_stdin(void)
{
	char *s = NULL;
	size_t cap = 0, len = 0;
	ssize_t n;
	char chunk[8192];

	while ((n = read(STDIN_FILENO, chunk, sizeof chunk)) > 0) {
		if (len + (size_t)n + 1 > cap) {
			cap = (len + (size_t)n + 1) * 2;
			s = xrealloc(s, cap);
		}
		memcpy(s + len, chunk, (size_t)n);
		len += (size_t)n;
		if (len > 16 * 1024 * 1024) {
			fprintf(stderr, "cade: prompt on stdin is over 16 MiB\n");
			exit(CADE_EXIT_USAGE);
		}
	}
	if (s == NULL)
		return xstrdup("");
	s[len] = '\0';
	return s;
}

/* Load file and environment layers; exit 1 on a bad config. */
static void
main_load(struct config *cfg, const char *config_path)
{
	char *path, *cause = NULL;

	path = config_path != NULL ? xstrdup(config_path) : conf_default_path();
	/* A config file named on the command line must exist. */
	if (config_path != NULL && access(path, F_OK) == -1)
		cause = xasprintf("cannot open '%s': %s", path, strerror(errno));
	if (cause != NULL || conf_load_file(cfg, path, &cause) == -1 ||
	    conf_load_env(cfg, &cause) == -1) {
		safe_fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		free(path);
		conf_free(cfg);
		exit(CADE_EXIT_ERROR);
	}
	free(path);
}

/* Register secret values: suffix rule plus config "secrets" names. */
static void
main_secrets(const struct config *cfg)
{
	const char *const *names = conf_list(cfg, "secrets");
	size_t n = 0;

	while (names[n] != NULL)
		n++;
	secret_add_env(names, n);
}

/*
 * Hold back (1) or let through (0) the stop signals.  They are held from
 * the first instruction of a run until the loop catches them, so a SIGTERM
 * while the session is being built (a container being created) waits and
 * then stops the run through the normal path: finish event, container
 * removed, exit 128+N.
 */
static void
main_hold_signals(int hold)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	(void)sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

int
main(int argc, char **argv)
{
	struct config *cfg;
	struct cade_run run = { NULL, NULL };
	const char *config_path = NULL, *prompt = NULL, *shortopts;
	const struct option *longopts;
	char *stdin_prompt = NULL, *cause = NULL;
	int opt, print_config = 0, headless = 0, acp = 0, rc;
	size_t i;

	/* A write to a child or peer that went away is an error, not death. */
	signal(SIGPIPE, SIG_IGN);

	main_hold_signals(1);
	/* Subcommands come first so their own flags are theirs to parse. */
	if (argc >= 2 && (strcmp(argv[1], "sessions") == 0 ||
	    strcmp(argv[1], "policy") == 0 || strcmp(argv[1], "sandbox") == 0 ||
	    strcmp(argv[1], "mcp") == 0 || strcmp(argv[1], "models") == 0 ||
	    strcmp(argv[1], "batch") == 0 || strcmp(argv[1], "undo") == 0 ||
	    strcmp(argv[1], "redo") == 0 || strcmp(argv[1], "diff") == 0)) {
		main_hold_signals(0);	/* nothing to clean up: default actions */
		cfg = conf_new();
		main_load(cfg, getenv("CADE_CONFIG"));
		main_secrets(cfg);
		if (strcmp(argv[1], "sessions") == 0)
			rc = store_list_main(cfg, stdout, argc - 1, argv + 1);
		else if (strcmp(argv[1], "models") == 0)
			rc = llm_models_main(cfg, stdout);
		else if (strcmp(argv[1], "mcp") == 0)
			rc = mcp_main(argc - 1, argv + 1, cfg);
		else if (strcmp(argv[1], "batch") == 0)
			rc = batch_main(argc - 1, argv + 1, cfg);
		else if (strcmp(argv[1], "sandbox") == 0)
			rc = sandbox_check_main(argc - 1, argv + 1, cfg);
		else if (strcmp(argv[1], "policy") != 0)
			rc = undo_main(cfg, argc - 1, argv + 1);
		else if (argc >= 3 && strcmp(argv[2], "check") == 0)
			rc = policy_check_main(argc - 2, argv + 2, cfg,
			    tool_assess, sandbox_auto_contained);
		else {
			fprintf(stderr, "cade: usage: cade policy check [--json] "
			    "[--batch] [--] COMMAND...\n");
			rc = CADE_EXIT_USAGE;
		}
		conf_free(cfg);
		secret_clear();
		return rc;
	}

	/* cade acp takes the usual options; drop the word and parse the rest. */
	if (argc >= 2 && strcmp(argv[1], "acp") == 0) {
		acp = 1;
		argv[1] = argv[0];
		argv++;
		argc--;
	}

	/* First pass: --config and --help/--version only. */
	opterr = 0;
	longopts = main_getopt(&shortopts);
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == OPT_CONFIG)
			config_path = optarg;
		else if (opt == 'h') {
			main_usage(stdout);
			return CADE_EXIT_OK;
		} else if (opt == 'V') {
			printf("cade %s\n", PACKAGE_VERSION);
			return CADE_EXIT_OK;
		}
	}

	cfg = conf_new();
	main_load(cfg, config_path);

	/* Second pass: flags override file and environment. */
	opterr = 1;
	optind = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			headless = 1;
			prompt = optarg;
			continue;
		case OPT_RESUME:
			run.resume = optarg;
			continue;
		case 'c':
			run.resume = "last";
			continue;
		case OPT_PRINT_CONFIG:
			print_config = 1;
			continue;
		case OPT_CONFIG:
			continue;
		case '?':
			fprintf(stderr, "cade: try 'cade --help'\n");
			conf_free(cfg);
			return CADE_EXIT_USAGE;
		}
		for (i = 0; i < nitems(main_options); i++) {
			if (main_options[i].id == opt &&
			    main_options[i].key != NULL) {
				main_flag(cfg, main_options[i].key,
				    main_options[i].fixed != NULL ?
				    main_options[i].fixed : optarg);
				break;
			}
		}
	}
	if (acp && (headless || run.resume != NULL)) {
		fprintf(stderr, "cade: cade acp takes neither -p nor --resume "
		    "(clients use session/load)\n");
		conf_free(cfg);
		return CADE_EXIT_USAGE;
	}
	if (optind < argc) {
		if (acp) {
			fprintf(stderr, "cade: unexpected argument '%s': cade acp "
			    "takes its prompts from the client\n", argv[optind]);
			conf_free(cfg);
			return CADE_EXIT_USAGE;
		}
		if (headless || optind + 1 < argc) {
			fprintf(stderr, "cade: unexpected argument '%s' (quote the "
			    "prompt as one argument)\n", argv[headless ? optind :
			    optind + 1]);
			conf_free(cfg);
			return CADE_EXIT_USAGE;
		}
		prompt = argv[optind];
	}

	if (print_config) {
		conf_print(cfg, stdout);
		conf_free(cfg);
		secret_clear();
		return CADE_EXIT_OK;
	}
	if (*conf_str(cfg, "log") != '\0' &&
	    log_open(conf_str(cfg, "log"), &cause) == -1) {
		safe_fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		conf_free(cfg);
		return CADE_EXIT_ERROR;
	}
	main_secrets(cfg);

	if (headless && prompt != NULL && strcmp(prompt, "-") == 0) {
		main_hold_signals(0);	/* a stop while reading stdin just ends */
		prompt = stdin_prompt = main_read_stdin();
		main_hold_signals(1);
	}
	run.prompt = prompt;
	if (acp)
		rc = acp_main(cfg, &run);
	else if (headless)
		rc = headless_main(cfg, &run);
	else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "cade: the TUI needs a terminal on stdin and "
		    "stdout; use 'cade -p PROMPT' to run headless\n");
		rc = CADE_EXIT_USAGE;
	} else
		rc = tui_main(cfg, &run);

	free(stdin_prompt);
	conf_free(cfg);
	secret_clear();
	log_close();
	return rc;
}
