/*
 * prompt.c: system prompt assembly and skills (see include/cade/prompt.h).
 *
 * The built-in prompt is deliberately short: every byte of it is paid for
 * on every request.  Project instructions come from AGENTS.md and
 * .cade/AGENTS.md in the workspace root, capped so a huge file cannot eat
 * the context window.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cade/buf.h"
#include "cade/prompt.h"
#include "cade/util.h"
#include "cade/workspace.h"

#define PROMPT_FILE_MAX (64 * 1024)
#define PROMPT_READ_MAX (1024 * 1024)	/* longer files are refused */

static const char prompt_builtin[] =
"You are cade, a coding agent working in a software project through tools.\n"
"- Work in the workspace; inspect before you change things; keep changes small and\n"
"  focused on the task.  Prefer the file tools for reading and editing files.\n"
"- Every mutating tool call needs security_risk: LOW (read-only or local, easily\n"
"  undone), MEDIUM (changes project files or state), HIGH (destructive, system-wide,\n"
"  network, secrets).  Rate honestly: a person may be asked to confirm.\n"
"- A refused action is final: do not retry it in another form; choose another way\n"
"  or explain what the person must do.\n"
"- Run tests or builds to check your work when the project has them.\n"
"- For long tasks keep a plan with task_tracker.\n"
"- When the task is done, call finish with a short summary for the person.\n";

/*
 * Read a small text file into b under a heading; missing files are fine and
 * so is anything that is not a regular file (a FIFO must not hang start-up).
 * A long file is cut at PROMPT_FILE_MAX on a character boundary.
 */
static void
prompt_add_file(struct buf *b, const char *root, const char *rel)
{
	char *path = xasprintf("%s/%s", root, rel), *text;
	size_t len;

	text = util_read_small(path, PROMPT_READ_MAX, &len, NULL);
	free(path);
	if (text == NULL)
		return;
	if (len > PROMPT_FILE_MAX) {
		len = PROMPT_FILE_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
		text[len] = '\0';
	}
	if (len > 0 && util_utf8_valid(text, len)) {
		(void)buf_printf(b, "\n# Project instructions (%s)\n%s", rel, text);
		if (text[len - 1] != '\n')
			(void)buf_putc(b, '\n');
	}
	free(text);
}

/* The whole system prompt. */
char *
prompt_system(const struct workspace *ws, size_t *builtin_len)
{
	struct buf b;

	buf_init(&b, 0);
	(void)buf_puts(&b, prompt_builtin);
	if (builtin_len != NULL)
		*builtin_len = sizeof prompt_builtin - 1;
	(void)buf_printf(&b, "\nWorkspace root: %s (shell: %s)\n", ws->model_root,
	    ws->shell_name != NULL ? ws->shell_name : "bash");
	prompt_add_file(&b, ws->root, "AGENTS.md");
	prompt_add_file(&b, ws->root, ".cade/AGENTS.md");
	return buf_detach(&b, NULL);
}

struct prompt_skill {
	char	 *name;
	char	**triggers;
	size_t	  ntriggers;
	char	 *body;
	int	  used;
};

struct prompt_skills {
	struct prompt_skill	*v;
	size_t			 n;
};

/* Parse "triggers: a, b" or "triggers: [a, b]" into the skill. */
static void
prompt_parse_triggers(struct prompt_skill *sk, char *list)
{
	char *p, *save = NULL, *t;

	for (p = list; *p; p++)
		if (*p == '[' || *p == ']' || *p == '"' || *p == '\'')
			*p = ' ';
	for (t = strtok_r(list, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		t = util_trim(t);
		if (*t == '\0')
			continue;
		sk->triggers = xreallocarray(sk->triggers, sk->ntriggers + 1,
		    sizeof *sk->triggers);
		sk->triggers[sk->ntriggers++] = xstrdup(t);
	}
}

/* Load one skill file: front matter between --- lines, then the body. */
static void
prompt_load_skill(struct prompt_skills *s, const char *path, const char *name)
{
	struct prompt_skill sk;
	char *text, *p, *end, *line, *nl;

	if ((text = util_read_small(path, PROMPT_FILE_MAX, NULL, NULL)) == NULL)
		return;		/* missing, too big or not a regular file */
	memset(&sk, 0, sizeof sk);
	p = text;
	if (strncmp(p, "---\n", 4) == 0 && (end = strstr(p + 4, "\n---")) != NULL) {
		*end = '\0';
		for (line = p + 4; line != NULL; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			if (strncmp(line, "triggers:", 9) == 0)
				prompt_parse_triggers(&sk, line + 9);
		}
		p = end + 4;
		if (*p == '\n')
			p++;
	}
	if (sk.ntriggers == 0) {
		free(text);
		return;
	}
	sk.name = xstrdup(name);
	sk.body = xstrdup(p);
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = sk;
	free(text);
}

/* All skills in <root>/.cade/skills/ *.md. */
struct prompt_skills *
prompt_skills_load(const char *root)
{
	struct prompt_skills *s = xcalloc(1, sizeof *s);
	char *dir = xasprintf("%s/.cade/skills", root), *path;
	struct dirent *de;
	size_t len;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len < 4 || strcmp(de->d_name + len - 3, ".md") != 0)
				continue;
			path = xasprintf("%s/%s", dir, de->d_name);
			prompt_load_skill(s, path, de->d_name);
			free(path);
		}
		closedir(d);
	}
	free(dir);
	return s;
}

/* Free skills. */
void
prompt_skills_free(struct prompt_skills *s)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->v[i].ntriggers; j++)
			free(s->v[i].triggers[j]);
		free(s->v[i].triggers);
		free(s->v[i].name);
		free(s->v[i].body);
	}
	free(s->v);
	free(s);
}

/* 1 if word occurs in msg as a whole word, ignoring case. */
static int
prompt_has_word(const char *msg, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = msg; *p != '\0'; p++) {
		if (strncasecmp(p, word, n) != 0)
			continue;
		if ((p == msg || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]))
			return 1;
	}
	return 0;
}

/* Skills newly triggered by msg, as one text block. */
char *
prompt_skills_match(struct prompt_skills *s, const char *msg)
{
	struct buf b;
	size_t i, j;

	buf_init(&b, 0);
	for (i = 0; s != NULL && i < s->n; i++) {
		if (s->v[i].used)
			continue;
		for (j = 0; j < s->v[i].ntriggers; j++) {
			if (prompt_has_word(msg, s->v[i].triggers[j])) {
				s->v[i].used = 1;
				(void)buf_printf(&b, "[skill %s, triggered by '%s']\n%s\n",
				    s->v[i].name, s->v[i].triggers[j], s->v[i].body);
				break;
			}
		}
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}
