/*
 * check.c: `cade policy check`, how people test their rules.
 *
 * The command (words after "--", joined by spaces, or one per stdin line
 * with --batch) goes through the same assessment the agent uses, with
 * the same config and policy files, and each verdict is printed as text or
 * as one JSON object per line.  Exit status 0 whatever the decisions; 2 on
 * usage errors; 1 if the policy itself does not load.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/policy.h"
#include "cade/safe.h"
#include "cade/util.h"

#define CHECK_MAX_LINE	(1024 * 1024)

struct check_opts {
	int		 json;
	int		 batch;
	const char	*root;
	const char	*tool;
	policy_assess_fn assess;	/* a tool call -> an action (tools/) */
	int		 sandbox;	/* -1: what `auto` gives here, 0 off, 1 on */
};

/* Usage on stderr; returns the usage exit status. */
static int
check_usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "cade: policy check: %s\n", why);
	fprintf(stderr,
	    "usage: cade policy check [--json] [--root DIR] [--confirm MODE]\n"
	    "           [--threshold LEVEL] [--sandbox on|off] [--tool NAME]\n"
	    "           -- COMMAND...\n"
	    "       cade policy check --batch [--json] ... < commands\n"
	    "  COMMAND is shell text (words are joined by spaces); with --tool,\n"
	    "  the tool's JSON arguments instead.  --sandbox judges as if a\n"
	    "  sandbox did (on) or did not (off) contain the command.\n");
	return 2;
}

/* Print one verdict. */
static void
check_print(const struct check_opts *o, const char *command,
    const struct policy_verdict *v)
{
	cJSON *j;
	char *s, *line;

	if (o->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "command", command);
		cJSON_AddStringToObject(j, "risk", policy_risk_name(v->risk));
		cJSON_AddStringToObject(j, "decision",
		    policy_decision_name(v->decision));
		cJSON_AddStringToObject(j, "rule", v->rule);
		cJSON_AddStringToObject(j, "reason", v->reason);
		s = cJSON_PrintUnformatted(j);
		line = safe_json(s);
		printf("%s\n", line);
		free(line);
		cJSON_free(s);
		cJSON_Delete(j);
		return;
	}
	/* The command and the reason may come from anywhere: neutralise. */
	safe_fprintf(stdout, "%-5s %-7s %s\n", policy_decision_name(v->decision),
	    policy_risk_name(v->risk), command);
	safe_fprintf(stdout, "      %s: %s\n", v->rule, v->reason);
	if (v->suggest != NULL) {
		const char *l = v->suggest, *nl;

		do {
			nl = strchr(l, '\n');
			safe_fprintf(stdout, "      always allow? %.*s\n", nl != NULL ?
			    (int)(nl - l) : (int)strlen(l), l);
			l = nl + 1;
		} while (nl != NULL);
	}
}

/* Assess and print one command (or tool call). */
static int
check_one(struct policy *p, const struct check_opts *o, const char *text)
{
	struct policy_verdict v;
	cJSON *args;

	if (o->tool != NULL) {
		if ((args = cJSON_Parse(text)) == NULL || !cJSON_IsObject(args)) {
			cJSON_Delete(args);
			fprintf(stderr, "cade: policy check: --tool needs a JSON "
			    "object of arguments: %s\n", text);
			return 2;
		}
		o->assess(p, o->tool, args, o->root, &v);
		cJSON_Delete(args);
	} else
		policy_assess_command(p, text, o->root, &v);
	check_print(o, text, &v);
	policy_verdict_free(&v);
	return 0;
}

/* Commands from stdin, one per line; blank and # lines skipped. */
static int
check_batch(struct policy *p, const struct check_opts *o)
{
	char *line = NULL, *t;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		t = line;
		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '\0' || *t == '#')
			continue;
		if ((size_t)n > CHECK_MAX_LINE) {
			fprintf(stderr, "cade: policy check: line too long\n");
			rc = 2;
			continue;
		}
		if (check_one(p, o, line) == 2)
			rc = 2;
		fflush(stdout);
	}
	free(line);
	return rc;
}

/* `cade policy check ...` (argv[0] may be "check"). */
int
policy_check_main(int argc, char **argv, struct config *cfg,
    policy_assess_fn assess, int (*auto_contained)(const struct config *))
{
	struct check_opts o;
	struct policy *p;
	struct buf cmd;
	char *cause = NULL, *cwd = NULL;
	const char *a, *v;
	int i = 0, rc, words = 0;

	memset(&o, 0, sizeof o);
	o.assess = assess;
	o.sandbox = -1;
	if (argc > 0 && strcmp(argv[0], "check") == 0)
		i = 1;
	buf_init(&cmd, CHECK_MAX_LINE);
	for (; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "--json") == 0)
			o.json = 1;
		else if (strcmp(a, "--batch") == 0)
			o.batch = 1;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			buf_free(&cmd);
			check_usage(NULL);
			return 0;
		} else if (strcmp(a, "--sandbox") == 0 ||
		    strncmp(a, "--sandbox=", 10) == 0) {
			v = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : "";
			if (strcmp(v, "on") == 0)
				o.sandbox = 1;
			else if (strcmp(v, "off") == 0)
				o.sandbox = 0;
			else {
				buf_free(&cmd);
				return check_usage("--sandbox takes on or off");
			}
		} else if (strcmp(a, "--root") == 0 || strcmp(a, "--confirm") == 0 ||
		    strcmp(a, "--threshold") == 0 || strcmp(a, "--tool") == 0) {
			if (i + 1 >= argc) {
				buf_free(&cmd);
				return check_usage("option needs a value");
			}
			v = argv[++i];
			if (strcmp(a, "--root") == 0)
				o.root = v;
			else if (strcmp(a, "--tool") == 0)
				o.tool = v;
			else if (conf_set(cfg, strcmp(a, "--confirm") == 0 ?
			    "confirm" : "risk_threshold", v, CONF_FLAG,
			    &cause) == -1) {
				fprintf(stderr, "cade: policy check: %s\n", cause);
				free(cause);
				buf_free(&cmd);
				return 2;
			}
		} else {
			buf_free(&cmd);
			fprintf(stderr, "cade: policy check: unknown option '%s'\n",
			    a);
			return check_usage(NULL);
		}
	}
	for (; i < argc; i++, words++)
		if ((words > 0 && buf_putc(&cmd, ' ') == -1) ||
		    buf_puts(&cmd, argv[i]) == -1) {
			buf_free(&cmd);
			return check_usage("command too long");
		}
	if (o.batch == (words > 0)) {
		buf_free(&cmd);
		return check_usage(o.batch ? "--batch reads commands from stdin, "
		    "not arguments" : "no command to check");
	}
	/* The same loader, and the same project root, as a session. */
	if (o.root != NULL && (cwd = conf_workspace_root(cfg, o.root,
	    &cause)) == NULL) {
		safe_fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		buf_free(&cmd);
		return 1;
	}
	if ((p = policy_load(cfg, cwd, &cause)) == NULL) {
		safe_fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		free(cwd);
		buf_free(&cmd);
		return 1;
	}
	o.root = policy_project_root(p);
	/* without --sandbox: what a session here would have (sandbox = auto
	 * and a mechanism that starts, or the docker workspace) */
	policy_set_contained(p, o.sandbox != -1 ? o.sandbox :
	    auto_contained != NULL && auto_contained(cfg));
	if (o.batch)
		rc = check_batch(p, &o);
	else
		rc = check_one(p, &o, cmd.s);
	policy_free(p);
	free(cwd);
	buf_free(&cmd);
	return rc;
}
