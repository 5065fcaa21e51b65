/*
 * store.c: the session store (format and guarantees in include/cade/store.h).
 *
 * Each event is one line written with a single write(2) on an O_APPEND fd,
 * so a crash can only ever leave the last line short; replay detects that
 * and skips it.  Secrets are masked before events get here: the bus masks
 * every event it emits (event.h), once, for every sink.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/safe.h"
#include "cade/sha256.h"
#include "cade/store.h"
#include "cade/tool.h"
#include "cade/util.h"

#define STORE_LINE_MAX (64 * 1024 * 1024)

struct store {
	char	*dir;
	char	*id;
	int	 fd;
	int	 failed;
	void	(*on_error)(const char *, void *);
	void	*on_error_arg;
};

/* The sessions directory. */
char *
store_dir(const struct config *cfg)
{
	const char *d = conf_str(cfg, "session_dir");
	char *base, *path;

	if (*d != '\0')
		return util_expand_home(d);
	base = util_xdg_dir("XDG_STATE_HOME", ".local/state");
	path = xasprintf("%s/sessions", base);
	free(base);
	return path;
}

/* A sortable, unique id: UTC time plus random hex. */
static char *
store_new_id(void)
{
	unsigned char r[3] = { 0, 0, 0 };
	struct tm tm;
	time_t t = time(NULL);
	char ts[32];
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, r, sizeof r) != (ssize_t)sizeof r)
			r[0] = (unsigned char)getpid();
		close(fd);
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s-%02x%02x%02x", ts, r[0], r[1], r[2]);
}

/* Open events.jsonl of a session directory. */
static struct store *
store_open_file(const char *dir, const char *id, int flags, char **cause)
{
	struct store *st;
	char *path = xasprintf("%s/%s/events.jsonl", dir, id);
	int fd;

	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | flags, 0600);
	if (fd == -1) {
		*cause = xasprintf("cannot open '%s': %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	free(path);
	st = xcalloc(1, sizeof *st);
	st->dir = xstrdup(dir);
	st->id = xstrdup(id);
	st->fd = fd;
	return st;
}

/* Create a new session: directory 0700, events file 0600. */
struct store *
store_create(const char *dir, char **id_out, char **cause)
{
	struct store *st;
	char *id, *sdir;
	int tries;

	if (util_mkdir_p(dir, 0700) == -1) {
		*cause = xasprintf("cannot create '%s': %s", dir, strerror(errno));
		return NULL;
	}
	for (tries = 0; ; tries++) {
		id = store_new_id();
		sdir = xasprintf("%s/%s", dir, id);
		if (mkdir(sdir, 0700) == 0)
			break;
		free(sdir);
		free(id);
		if (errno != EEXIST || tries > 10) {
			*cause = xasprintf("cannot create a session in '%s': %s",
			    dir, strerror(errno));
			return NULL;
		}
	}
	free(sdir);
	st = store_open_file(dir, id, O_CREAT | O_EXCL, cause);
	if (st != NULL && id_out != NULL)
		*id_out = xstrdup(id);
	free(id);
	return st;
}

/* Reopen a session to append after a resume. */
struct store *
store_open(const char *dir, const char *id, char **cause)
{
	return store_open_file(dir, id, 0, cause);
}

/* Close (events are already on disk). */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	close(st->fd);
	free(st->dir);
	free(st->id);
	free(st);
}

/* This session's id. */
const char *
store_id(const struct store *st)
{
	return st->id;
}

/*
 * Events that must be on disk before cade acts on them: the decision before
 * an action that changes anything runs, its start (a resume must know it
 * had started), its observation before the model
 * hears of it, what the person said, the end.  fdatasync flushes every
 * earlier line too, so the events in between (tool_call, state, usage, and
 * the decisions and observations of read-only tools, which are harmless to
 * run again) ride on the next sync: the written lines survive a crash of
 * cade anyway, only a crash of the machine could lose them.  A tool cade
 * does not know (MCP) counts as changing things.
 */
static int
store_needs_sync(const struct event *ev)
{
	const struct tool_entry *t;

	switch (ev->type) {
	case EV_USER_MESSAGE:
	case EV_CONDENSATION:
	case EV_FINISH:
		return 1;
	case EV_POLICY_DECISION:
		t = tool_find(event_str(ev, "tool", ""));
		return t == NULL || t->mutating;
	case EV_TOOL_RUNNING:	/* a resume must know the action had started */
	case EV_OBSERVATION:
		t = tool_find(event_str(ev, "name", ""));
		return t == NULL || t->mutating;
	default:
		return 0;
	}
}

/* Append one event as a line; fsync state-changing ones. */
int
store_append(struct store *st, const struct event *ev, char **cause)
{
	char *masked;
	size_t len;

	if (event_type_transient(ev->type))
		return 0;
	/* Secrets are already masked: the bus masks every event it emits. */
	masked = event_to_json(ev);
	len = strlen(masked);
	masked = xrealloc(masked, len + 2);
	masked[len++] = '\n';
	if (util_write_all(st->fd, masked, len) == -1) {
		*cause = xasprintf("cannot write session %s: %s", st->id,
		    strerror(errno));
		free(masked);
		return -1;
	}
	free(masked);
	if (store_needs_sync(ev))
		(void)fdatasync(st->fd);
	return 0;
}

/*
 * Before appending to a resumed session: a torn last line (kill -9 or a
 * full disk mid-write) is cut off, so the next event starts a line of its
 * own instead of being glued to the damage and lost on every replay.
 * Returns the number of bytes cut (0 if the file ended cleanly), or -1.
 */
long
store_repair_tail(struct store *st, char **cause)
{
	char chunk[4096];
	off_t size, pos, keep = 0;
	ssize_t n, i;

	if ((size = lseek(st->fd, 0, SEEK_END)) == -1)
		goto fail;
	if (size == 0)
		return 0;
	/* Find the last newline, reading backwards a chunk at a time. */
	for (pos = size; pos > 0 && keep == 0; ) {
		n = pos < (off_t)sizeof chunk ? (ssize_t)pos : (ssize_t)sizeof chunk;
		pos -= n;
		if (pread(st->fd, chunk, (size_t)n, pos) != n)
			goto fail;
		if (pos + n == size && chunk[n - 1] == '\n')
			return 0;
		for (i = n - 1; i >= 0; i--)
			if (chunk[i] == '\n') {
				keep = pos + i + 1;
				break;
			}
	}
	if (ftruncate(st->fd, keep) == -1 || fdatasync(st->fd) == -1)
		goto fail;
	return (long)(size - keep);
fail:
	*cause = xasprintf("cannot repair session %s: %s", st->id,
	    strerror(errno));
	return -1;
}

/* A session that never got going (its start failed): remove it whole. */
void
store_discard(struct store *st)
{
	char *path;

	if (st == NULL)
		return;
	path = xasprintf("%s/%s/events.jsonl", st->dir, st->id);
	(void)unlink(path);
	free(path);
	path = xasprintf("%s/%s", st->dir, st->id);
	(void)rmdir(path);
	free(path);
	store_close(st);
}

/* Who hears about a failed append. */
void
store_on_error(struct store *st, void (*fn)(const char *, void *), void *arg)
{
	st->on_error = fn;
	st->on_error_arg = arg;
}

/*
 * Bus sink.  After a failed append nothing more is written (the file would
 * only gain torn lines); the owner is told once so it can stop the run.
 */
void
store_sink(const struct event *ev, void *arg)
{
	struct store *st = arg;
	char *cause;

	if (st->failed)
		return;
	if (store_append(st, ev, &cause) == -1) {
		st->failed = 1;
		if (st->on_error != NULL)
			st->on_error(cause, st->on_error_arg);
		else
			safe_fprintf(stderr, "cade: %s\n", cause);
		free(cause);
	}
}

/* Replay every complete line; a damaged line is skipped with a warning. */
long
store_replay(const char *dir, const char *id, store_replay_fn fn, void *arg,
    char **warning, char **cause)
{
	char *path = xasprintf("%s/%s/events.jsonl", dir, id), *line = NULL, *why;
	size_t cap = 0;
	ssize_t n;
	long count = 0, lineno = 0;
	struct event *ev;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("cannot open '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		ev = NULL;
		if (n > STORE_LINE_MAX || line[n - 1] != '\n')
			why = xstrdup("line is not terminated (cut short)");
		else {
			line[n - 1] = '\0';
			ev = event_from_json(line, &why);
		}
		if (ev == NULL) {
			if (warning != NULL) {
				free(*warning);
				*warning = xasprintf("%s:%ld: skipped a damaged "
				    "event (%s)", path, lineno, why);
			}
			free(why);
			continue;
		}
		fn(ev, arg);
		count++;
	}
	free(line);
	fclose(f);
	free(path);
	return count;
}

/*
 * mtime of a session's events file in nanoseconds, 0 if missing or empty
 * (an empty file is a start that failed: never a session to resume).
 */
static int64_t
store_mtime(const char *dir, const char *id)
{
	char *path = xasprintf("%s/%s/events.jsonl", dir, id);
	struct stat st;
	int64_t t = 0;

	if (stat(path, &st) == 0 && st.st_size > 0)
		t = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	free(path);
	return t;
}

/* Session ids in dir, oldest first (ids sort by creation time). */
static char **
store_ids(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **ids = NULL;
	size_t i, j;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || store_mtime(dir, de->d_name) == 0)
			continue;
		ids = xreallocarray(ids, *n + 1, sizeof *ids);
		ids[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	for (i = 1; i < *n; i++)	/* insertion sort: a few hundred at most */
		for (j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
			char *t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	return ids;
}

/* Free an id list. */
static void
store_ids_free(char **ids, size_t n)
{
	while (n > 0)
		free(ids[--n]);
	free(ids);
}

/* See store.h. */
char *
store_resolve(const char *dir, const char *want, char **cause)
{
	return store_resolve_except(dir, want, NULL, NULL, cause);
}

/* See store.h. */
char *
store_root(const char *dir, const char *id)
{
	char *path = xasprintf("%s/%s/events.jsonl", dir, id), line[16384];
	char *root = NULL;
	cJSON *ev;
	const cJSON *r;
	FILE *f;

	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof line, f) != NULL &&
	    (ev = cJSON_Parse(line)) != NULL) {
		r = cJSON_GetObjectItem(ev, "root");
		if (cJSON_IsString(r))
			root = xstrdup(r->valuestring);
		cJSON_Delete(ev);
	}
	fclose(f);
	return root;
}

/* See store.h. */
char *
store_elsewhere(const char *dir, const char *id_or_last, const char *here,
    char **root)
{
	char *id, *cause = NULL;

	*root = NULL;
	if ((id = store_resolve_except(dir, id_or_last, NULL, here,
	    &cause)) == NULL) {
		free(cause);
		return NULL;
	}
	if ((*root = store_root(dir, id)) != NULL && strcmp(*root, here) != 0)
		return id;
	free(*root);
	*root = NULL;
	free(id);
	return NULL;
}

/* 1 if the session was started in the workspace root (its first event says). */
static int
store_in_root(const char *dir, const char *id, const char *root)
{
	char *r = store_root(dir, id);
	int in = r != NULL && strcmp(r, root) == 0;

	free(r);
	return in;
}

/*
 * "last" (most recently written, not `except`, and when root is given,
 * started in that workspace root) or a unique id prefix.
 */
char *
store_resolve_except(const char *dir, const char *want, const char *except,
    const char *root, char **cause)
{
	char **ids, *found = NULL;
	size_t n, i, matches = 0;
	int64_t best = 0, t;

	ids = store_ids(dir, &n);
	if (n == 0) {
		*cause = xasprintf("no sessions in '%s'", dir);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(want, "last") == 0) {
			if (except != NULL && strcmp(ids[i], except) == 0)
				continue;
			if (root != NULL && !store_in_root(dir, ids[i], root))
				continue;
			if ((t = store_mtime(dir, ids[i])) >= best) {
				best = t;
				free(found);
				found = xstrdup(ids[i]);
			}
		} else if (strncmp(ids[i], want, strlen(want)) == 0) {
			matches++;
			free(found);
			found = xstrdup(ids[i]);
		}
	}
	store_ids_free(ids, n);
	if (found == NULL && strcmp(want, "last") == 0) {
		*cause = root != NULL ? xasprintf("no %ssession started in '%s' "
		    "(cade sessions lists them all)", except != NULL ? "earlier " :
		    "", root) : xasprintf("no earlier session in '%s'", dir);
		return NULL;
	}
	if (strcmp(want, "last") != 0 && matches != 1) {
		*cause = matches == 0 ?
		    xasprintf("no session '%s' (see cade sessions)", want) :
		    xasprintf("'%s' matches %zu sessions: give more of the id",
		    want, matches);
		free(found);
		return NULL;
	}
	return found;
}

struct store_summary {
	char	*title;
	char	*state;
	char	*started;
	long	 steps;
	double	 cost;
};

/* Collect what `cade sessions` shows from one event. */
static void
store_summarize(struct event *ev, void *arg)
{
	struct store_summary *s = arg;
	const char *text;
	char *t, *nl;

	if (s->started == NULL)
		s->started = util_iso_time(ev->ts_ms);
	switch (ev->type) {
	case EV_USER_MESSAGE:
		if (s->title == NULL && (text = event_str(ev, "text", NULL)) != NULL) {
			t = xstrndup(text, 60);
			if ((nl = strchr(t, '\n')) != NULL)
				*nl = '\0';
			s->title = t;
		}
		break;
	case EV_ASSISTANT_MESSAGE:
		s->steps++;
		break;
	case EV_USAGE:
		s->cost = event_num(ev, "total_cost", s->cost);
		break;
	case EV_NOTICE:
		if ((text = event_str(ev, "title", NULL)) != NULL) {
			free(s->title);
			s->title = xstrdup(text);
		}
		break;
	case EV_STATE:
		free(s->state);
		s->state = xstrdup(event_str(ev, "to", "?"));
		break;
	default:
		break;
	}
	event_free(ev);
}

struct store_audit {
	FILE	*out;
	cJSON	*calls;		/* call_id -> {tool, action} */
};

/* The files a diff touches ("+++ b/x" lines), comma separated; caller frees. */
static char *
store_audit_files(const char *diff)
{
	struct buf b;
	const char *p, *e;

	buf_init(&b, 0);
	for (p = diff; p != NULL && *p != '\0'; p = e != NULL ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (strncmp(p, "+++ ", 4) != 0)
			continue;
		p += 4;
		if (strncmp(p, "b/", 2) == 0)
			p += 2;
		if (strncmp(p, "/dev/null", 9) == 0)
			continue;
		if (b.len > 0)
			buf_putc(&b, ',');
		buf_append(&b, p, e != NULL ? (size_t)(e - p) : strlen(p));
	}
	return buf_detach(&b, NULL);
}

/*
 * What became of a decision, in words: "refused by person", "refused by
 * rule", "always allow saved (scope): RULE", or the rule that matched.
 */
static char *
store_audit_verdict(struct event *ev)
{
	const char *dec = event_str(ev, "decision", "?");
	const char *by = event_str(ev, "by", "?");
	const char *scope = event_str(ev, "scope", "");
	char *s, *p;

	if (strcmp(dec, "deny") == 0 && strcmp(by, "person") == 0)
		return xasprintf("refused by person: %s", event_str(ev, "reason", ""));
	if (strcmp(dec, "deny") == 0)
		return xasprintf("refused by rule %s", event_str(ev, "rule", ""));
	if (strcmp(dec, "allow") == 0 && *scope != '\0' &&
	    *event_str(ev, "suggest", "") != '\0') {
		/* One rule a line in the policy file; "; " on the row. */
		s = xasprintf("always allow saved (%s): %s", scope,
		    event_str(ev, "suggest", ""));
		for (p = s; *p != '\0'; p++)
			if (*p == '\n')
				*p = ';';
		return s;
	}
	return xstrdup(event_str(ev, "rule", ""));
}

/* One audit row per policy decision and per completed action. */
static void
store_audit_event(struct event *ev, void *arg)
{
	struct store_audit *a = arg;
	const char *id, *outcome;
	cJSON *c;
	char *ts, *action, *what, *files;

	if (ev->type != EV_POLICY_DECISION && ev->type != EV_OBSERVATION) {
		event_free(ev);
		return;
	}
	id = event_str(ev, "call_id", "");
	ts = util_iso_time(ev->ts_ms);
	if (ev->type == EV_POLICY_DECISION) {
		/* What the call does, as its tool summarised it. */
		cJSON_DeleteItemFromObjectCaseSensitive(a->calls, id);
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "tool", event_str(ev, "tool", "?"));
		cJSON_AddStringToObject(c, "action", event_str(ev, "action", ""));
		cJSON_AddItemToObject(a->calls, id, c);
	}
	c = cJSON_GetObjectItem(a->calls, id);
	action = xstrndup(c ? cJSON_GetObjectItem(c, "action")->valuestring : "", 40);
	for (char *p = action; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	if (ev->type == EV_POLICY_DECISION) {
		what = store_audit_verdict(ev);
		safe_fprintf(a->out, "%-24.24s %-14.14s %-12.12s %-40s %-7s %-6s %-8s %s\n",
		    ts, id, event_str(ev, "tool", "?"), action,
		    event_str(ev, "risk", "?"), event_str(ev, "decision", "?"),
		    event_str(ev, "by", "?"), what);
		free(what);
	} else if (!event_bool(ev, "refused")) {
		/* A refused call was already told by its decision row. */
		outcome = event_bool(ev, "error") || event_bool(ev, "timed_out") ||
		    event_num(ev, "exit_code", 0) != 0 ? "failed" : "ran";
		files = store_audit_files(event_str(ev, "diff", ""));
		safe_fprintf(a->out, "%-24.24s %-14.14s %-12.12s %-40s %-7s %-6s %-8s exit=%g sha256=%.16s%s%s\n",
		    ts, id, event_str(ev, "name", "?"), action, "", outcome, "",
		    event_num(ev, "exit_code", -1), event_str(ev, "digest", ""),
		    *files != '\0' ? " file=" : "", files);
		free(files);
	}
	free(action);
	free(ts);
	event_free(ev);
}

/* `cade sessions [--audit ID]`. */
int
store_list_main(const struct config *cfg, FILE *out, int argc, char **argv)
{
	struct store_summary s;
	struct store_audit a;
	char *dir = store_dir(cfg), **ids, *cause = NULL, *warning = NULL, *id;
	size_t n, i;

	if (argc == 3 && strcmp(argv[1], "--audit") == 0) {
		if ((id = store_resolve(dir, argv[2], &cause)) == NULL) {
			safe_fprintf(stderr, "cade: %s\n", cause);
			free(cause);
			free(dir);
			return CADE_EXIT_ERROR;
		}
		a.out = out;
		a.calls = cJSON_CreateObject();
		fprintf(out, "%-24s %-14s %-12s %-40s %-7s %-6s %-8s %s\n", "TIME",
		    "CALL", "TOOL", "ACTION", "RISK", "DECIDE", "BY", "OUTCOME / RULE / RESULT");
		if (store_replay(dir, id, store_audit_event, &a, &warning, &cause) == -1) {
			safe_fprintf(stderr, "cade: %s\n", cause);
			free(cause);
		}
		if (warning != NULL)
			safe_fprintf(stderr, "cade: warning: %s\n", warning);
		free(warning);
		cJSON_Delete(a.calls);
		free(id);
		free(dir);
		return CADE_EXIT_OK;
	}
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "export") == 0) {
		/* cade sessions export ID|last [FILE]: Markdown, masked. */
		FILE *f = out;

		if ((id = store_resolve(dir, argv[2], &cause)) == NULL ||
		    (argc == 4 && (f = fopen(argv[3], "w")) == NULL)) {
			if (id != NULL)
				cause = xasprintf("cannot write '%s': %s", argv[3],
				    strerror(errno));
			safe_fprintf(stderr, "cade: %s\n", cause);
			free(cause);
			free(id);
			free(dir);
			return CADE_EXIT_ERROR;
		}
		n = store_export(dir, id, f, &cause) == 0;
		if (f != out)
			fclose(f);
		if (!n) {
			safe_fprintf(stderr, "cade: %s\n", cause);
			free(cause);
		}
		free(id);
		free(dir);
		return n ? CADE_EXIT_OK : CADE_EXIT_ERROR;
	}
	if (argc != 1) {
		fprintf(stderr, "cade: usage: cade sessions [--audit ID|last] [export ID [FILE]]\n");
		free(dir);
		return CADE_EXIT_USAGE;
	}
	ids = store_ids(dir, &n);
	fprintf(out, "%-22s %-24s %5s %9s %-9s %s\n", "ID", "STARTED", "STEPS",
	    "COST", "STATE", "TITLE");
	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof s);
		if (store_replay(dir, ids[i], store_summarize, &s, NULL, &cause) == -1) {
			free(cause);
			continue;
		}
		safe_fprintf(out, "%-22s %-24s %5ld %9.4f %-9s %s\n", ids[i],
		    s.started ? s.started : "?", s.steps, s.cost,
		    s.state ? s.state : "?", s.title ? s.title : "");
		free(s.title);
		free(s.state);
		free(s.started);
	}
	store_ids_free(ids, n);
	free(dir);
	return CADE_EXIT_OK;
}

/* ---- blobs: images attached to messages ----------------------------- */

/*
 * An attached image is kept once per content, as
 * <dir>/<id>/blobs/<sha256 hex>, written before the event that names it
 * (temporary file, fsync, rename: a crash leaves no half blob under the
 * name).  The events only carry the digest, so the events file, which
 * replay, `cade sessions`, export and recall read whole, stays small, and
 * the same image attached twice is stored once.
 */
int
store_blob_put(const char *dir, const char *id, const void *data, size_t len,
    char hex[65], char **cause)
{
	char *bdir = xasprintf("%s/%s/blobs", dir, id), *tmp = NULL, *path = NULL;
	struct stat st;
	int fd = -1, rc = -1;

	sha256_hex(data, len, hex);
	path = xasprintf("%s/%s", bdir, hex);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == len) {
		rc = 0;			/* stored already */
		goto out;
	}
	if (util_mkdir_p(bdir, 0700) == -1) {
		*cause = xasprintf("cannot create '%s': %s", bdir, strerror(errno));
		goto out;
	}
	tmp = xasprintf("%s/.tmp-XXXXXX", bdir);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1 || util_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1 || rename(tmp, path) == -1) {
		*cause = xasprintf("cannot write '%s': %s", path, strerror(errno));
		if (fd != -1)
			(void)unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(tmp);
	free(path);
	free(bdir);
	return rc;
}

/* A blob back (NUL-terminated; caller frees), checked against its digest. */
char *
store_blob_get(const char *dir, const char *id, const char *hex, size_t max,
    size_t *len, char **cause)
{
	char *path, *data, got[65];

	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64) {
		*cause = xstrdup("not a blob digest");
		return NULL;
	}
	path = xasprintf("%s/%s/blobs/%s", dir, id, hex);
	data = util_read_small(path, max, len, cause);
	free(path);
	if (data == NULL)
		return NULL;
	sha256_hex(data, *len, got);
	if (strcmp(got, hex) != 0) {
		*cause = xstrdup("the stored copy does not match its digest");
		free(data);
		return NULL;
	}
	return data;
}
