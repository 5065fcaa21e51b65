/*
 * programs-env.c: variables that make later programs run code.
 *
 * Every NAME=value the shell would set (a command prefix, export,
 * declare/typeset/local/readonly, env, printf -v, read) comes here through
 * pol_prog_assign(), and prog_vars[] says what the variable does: load
 * code whatever its value (LD_PRELOAD, BASH_ENV ...), run the $(...) it
 * holds (PS4), search for programs or code (PATH, PYTHONPATH ...: each
 * element is placed), pass options that may load code (NODE_OPTIONS,
 * PERL5OPT ...: read token by token), name a command run later
 * (GIT_SSH_COMMAND, PAGER ...: parsed as code), or configure git or a
 * package index.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/util.h"
#include "policy-int.h"

/* ---- variables ---- */

enum prog_var {
	V_CODE,		/* always runs or loads code */
	V_PROMPT,	/* runs $(...) in its value */
	V_PATHS,	/* a search path for programs or code */
	V_OPTS,		/* options; some load code */
	V_CMD,		/* a command run later */
	V_GITCONF,	/* git configuration */
	V_INDEX,	/* where packages come from */
};

static const struct {
	const char	*name;		/* a trailing * is a prefix */
	enum prog_var	 kind;
} prog_vars[] = {
	{ "BASH_ENV", V_CODE }, { "BASH_FUNC_*", V_CODE },
	{ "BROWSER", V_CMD }, { "CLASSPATH", V_PATHS },
	{ "DYLD_INSERT_LIBRARIES", V_CODE }, { "DYLD_LIBRARY_PATH", V_PATHS },
	{ "EDITOR", V_CMD }, { "ENV", V_CODE }, { "GCONV_PATH", V_CODE },
	{ "GIT_ASKPASS", V_CMD }, { "GIT_CONFIG", V_GITCONF },
	{ "GIT_CONFIG_*", V_GITCONF }, { "GIT_EDITOR", V_CMD },
	{ "GIT_EXEC_PATH", V_PATHS }, { "GIT_EXTERNAL_DIFF", V_CMD },
	{ "GIT_PAGER", V_CMD }, { "GIT_PROXY_COMMAND", V_CMD },
	{ "GIT_SEQUENCE_EDITOR", V_CMD }, { "GIT_SSH", V_CMD },
	{ "GIT_SSH_COMMAND", V_CMD }, { "GIT_TEMPLATE_DIR", V_GITCONF },
	{ "GLIBC_TUNABLES", V_CODE }, { "JAVA_TOOL_OPTIONS", V_OPTS },
	{ "JDK_JAVA_OPTIONS", V_OPTS }, { "LD_AUDIT", V_CODE },
	{ "LD_LIBRARY_PATH", V_PATHS }, { "LD_PRELOAD", V_CODE },
	{ "LESSCLOSE", V_CMD }, { "LESSOPEN", V_CMD }, { "MANPAGER", V_CMD },
	{ "NODE_OPTIONS", V_OPTS }, { "NODE_PATH", V_PATHS },
	{ "NPM_CONFIG_REGISTRY", V_INDEX }, { "PAGER", V_CMD },
	{ "PATH", V_PATHS }, { "PERL5DB", V_CODE }, { "PERL5LIB", V_PATHS },
	{ "PERL5OPT", V_OPTS }, { "PERLLIB", V_PATHS },
	{ "PIP_EXTRA_INDEX_URL", V_INDEX }, { "PIP_INDEX_URL", V_INDEX },
	{ "PROMPT_COMMAND", V_CODE }, { "PS0", V_PROMPT }, { "PS1", V_PROMPT },
	{ "PS2", V_PROMPT }, { "PS3", V_PROMPT }, { "PS4", V_PROMPT },
	{ "PYTHONHOME", V_PATHS }, { "PYTHONPATH", V_PATHS },
	{ "PYTHONSTARTUP", V_CODE }, { "RUBYLIB", V_PATHS },
	{ "RUBYOPT", V_OPTS }, { "SSH_ASKPASS", V_CMD }, { "SUDO_ASKPASS", V_CMD },
	{ "VISUAL", V_CMD }, { "_JAVA_OPTIONS", V_OPTS },
	{ "npm_config_registry", V_INDEX },
};

/* One element of a search path: "" fine, 1 MEDIUM, 2 HIGH. */
static int
prog_path_elem(struct pol_ctx *x, const char *s, size_t n, unsigned flags)
{
	struct shp_word w;
	struct pol_path pp;
	char *t;
	int risk = 0, place;

	if (n == 0 || (s[0] == '$' && (strncmp(s, "$PATH", n) == 0 ||
	    memchr(s, '/', n) == NULL)) || strncmp(s, "${", 2) == 0)
		return 0;	/* the previous value, or unknown */
	t = xstrndup(s, n);
	w.s = t;
	w.len = n;
	w.flags = (flags & SHP_VAR) && strchr(t, '$') != NULL ? SHP_VAR : 0;
	if (t[0] == '~')
		w.flags |= SHP_TILDE;
	place = pol_prog_path_place(x, &w);
	if (place == 0) {
		pol_path_word(x, &w, 0, &pp);
		risk = pp.cls == PC_TMP || pp.cls == PC_DEVICE ||
		    (pp.abs != NULL && strncmp(pp.abs, "/dev/shm", 8) == 0) ? 2 :
		    pp.cls == PC_UNKNOWN ? 0 : 1;
		free(pp.abs);
	}
	free(t);
	return risk;
}

/* Do the options in an *_OPTIONS / *OPT variable load code?  2 if so. */
static int
prog_opts_load(const char *var, const char *v)
{
	static const struct {
		const char	*var;		/* prefix of the variable's name */
		const char	*opts;		/* " a b ": options (prefixes) */
	} loaders[] = {
		{ "NODE_OPTIONS", " -r --require --import --loader "
		    "--experimental-loader -e --eval -p --print " },
		{ "PERL5OPT", " -M -m -d -I -e -E " },
		{ "RUBYOPT", " -r -I -e " },
		{ "JAVA_TOOL_OPTIONS", " -javaagent -agentpath -agentlib "
		    "-XX:OnError -XX:OnOutOfMemoryError " },
		{ "JDK_JAVA_OPTIONS", " -javaagent -agentpath -agentlib "
		    "-XX:OnError -XX:OnOutOfMemoryError " },
		{ "_JAVA_OPTIONS", " -javaagent -agentpath -agentlib "
		    "-XX:OnError -XX:OnOutOfMemoryError " },
	};
	const char *opts = NULL, *t, *o, *e;
	size_t i, n, on;

	for (i = 0; i < nitems(loaders) && opts == NULL; i++)
		if (strncmp(var, loaders[i].var, strlen(loaders[i].var)) == 0)
			opts = loaders[i].opts;
	if (opts == NULL)
		return 0;
	for (t = v; *t != '\0'; t += n) {
		t += strspn(t, " \t\"'");
		n = strcspn(t, " \t\"'");
		if (n == 0)
			break;
		/* a token matching an option, alone or with its value glued on
		 * (-r./x, --require=x, -javaagent:x) */
		for (o = opts; (o = strchr(o, ' ')) != NULL && o[1] != '\0'; o = e) {
			o++;
			e = strchr(o, ' ');
			on = (size_t)(e - o);
			if (n >= on && strncmp(t, o, on) == 0 && (n == on ||
			    strchr("=:", t[on]) != NULL || (on == 2 &&
			    t[1] != '-')))
				return 2;
		}
	}
	return 0;
}

/* NAME=value from a prefix, export, declare, env, printf -v or read. */
void
pol_prog_assign(struct pol_ctx *x, const char *word, unsigned flags)
{
	const char *eq = strchr(word, '='), *v, *p, *e;
	size_t n, i, len;
	int risk = 0, dyn = (flags & (SHP_VAR | SHP_CMDSUB)) != 0;

	if (eq == NULL || eq == word)
		return;
	n = (size_t)(eq - word) - (eq[-1] == '+');
	v = eq + 1;
	for (i = 0; i < nitems(prog_vars); i++) {
		len = strlen(prog_vars[i].name);
		if (prog_vars[i].name[len - 1] == '*' ? strncmp(word,
		    prog_vars[i].name, len - 1) == 0 : (len == n &&
		    strncmp(word, prog_vars[i].name, n) == 0))
			break;
	}
	if (i == nitems(prog_vars))
		return;
	switch (prog_vars[i].kind) {
	case V_CODE:
		if (v[0] != '\0')
			risk = 2;
		break;
	case V_PROMPT:
		if (strstr(v, "$(") != NULL || strchr(v, '`') != NULL) {
			risk = 2;
			pol_analyze_text(x, v, strlen(v), "prompt");
		}
		break;
	case V_PATHS:
		for (p = v; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
			e = p + strcspn(p, ":");
			if (strcmp(v, "<input>") == 0)
				risk = 1;
			else if (prog_path_elem(x, p, (size_t)(e - p), flags) > risk)
				risk = prog_path_elem(x, p, (size_t)(e - p), flags);
		}
		break;
	case V_OPTS:
		risk = strcmp(v, "<input>") == 0 ? 2 : prog_opts_load(word, v);
		break;
	case V_CMD:
		p = v;
		if (strncmp(word, "LESS", 4) == 0)
			p += strspn(p, "|-");
		if (dyn && strchr(p, '$') != NULL)
			risk = 1;
		else {
			if (!pol_prog_benign_text(p, strlen(p)))
				risk = 1;
			pol_analyze_text(x, p, strlen(p), "a command in a variable");
		}
		break;
	case V_GITCONF:
		risk = 1;
		if (strncmp(word, "GIT_CONFIG_VALUE_", 17) == 0)
			pol_analyze_text(x, v, strlen(v), "git configuration");
		break;
	case V_INDEX:
		risk = 1;
		break;
	}
	if (dyn && strcmp(v, "<input>") == 0 && risk == 0 &&
	    prog_vars[i].kind != V_PROMPT)
		risk = 1;
	if (risk == 0)
		return;
	pol_prog_not_readonly(x);
	FIND(x, risk == 2 ? RISK_HIGH : RISK_MEDIUM, 0, "env-code", "sets "
	    "%.*s, which makes later programs run or load code: %.60s", (int)n,
	    word, v);
}
