/*
 * checkpoint.c: snapshots of the workspace in a shadow git repository
 * (contract in include/cade/checkpoint.h, design in doc/CHECKPOINTS.md).
 *
 * Why git and not a store of our own: git's index already is the stat cache
 * that makes an unchanged tree cost one directory walk, it reads .gitignore
 * files exactly as the project's own git does, it stores only what changed
 * (content-addressed, compressed), and it restores trees with modes and
 * symlinks.  It runs against a repository of cade's own, in the session's
 * state directory, never against the project's .git.
 *
 * A snapshot runs `git ls-files -t -m -d -o --exclude-standard` (what
 * differs from the shadow index, untracked files included); when that is
 * empty the previous tree id stands and nothing else runs.  Otherwise the
 * listed paths are lstat'ed (files over checkpoint_max_file are noted and
 * left out), handed to `git add -A --pathspec-from-file`, and `git
 * write-tree` names the tree.  The project's git state is a handful of
 * small files read directly here, fingerprinted by their stat data so an
 * unchanged repository costs a few lstat calls.
 *
 * Every git process goes through spawn_run(), with the environment cleaned
 * of anything that could point git elsewhere (GIT_DIR and friends, global
 * and system config, hooks, fsmonitor).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/checkpoint.h"
#include "cade/conf.h"
#include "cade/log.h"
#include "cade/sha256.h"
#include "cade/spawn.h"
#include "cade/util.h"

#define CKPT_GIT_MS		60000		/* one git call, at most */
#define CKPT_OUT_MAX		(256u << 20)	/* what git may print to us */
#define CKPT_GITFILE_MAX	(512L << 20)	/* one file of the project's .git */
#define CKPT_GITSTATE_MAGIC	"cade-gitstate 1\n"

struct ckpt {
	char		*sdir;
	char		*shadow;	/* sdir/shadow.git */
	char		*root;		/* the workspace, host side */
	char		*disabled;
	long		 max_file, max_tree;
	const char *const *ignore;
	char		**env;		/* GIT_* for the shadow */
	int		 inited;
	int		 have_tree;
	char		 tree[65];	/* the last tree written */
	long		 tree_bytes;	/* what the checkpoints cover, roughly */
	struct buf	 noted;		/* "\0path\0..." big files already reported */
	char		*git_fp;	/* stat fingerprint of the project's git state */
	char		 git_id[65];
	long		 last_ms;
	uid_t		 uid;		/* owner of the workspace root */
	gid_t		 gid;
};

static const char *const ckpt_env_unset[] = {
	"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
	"GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES",
	"GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS",
	"GIT_PAGER", "PAGER", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS",
	"GIT_CONFIG_COUNT", "GIT_TRACE", "GIT_TRACE2", "GIT_TRACE2_EVENT",
	"GIT_TRACE_PERFORMANCE", "GIT_REPLACE_REF_BASE", "GIT_GRAFT_FILE",
	"GIT_SHALLOW_FILE", "GIT_QUARANTINE_PATH", "GIT_INDEX_VERSION",
	"GIT_ICASE_PATHSPECS", "GIT_GLOB_PATHSPECS", "GIT_NOGLOB_PATHSPECS",
	"GIT_WORK_TREE", "GIT_DIR", "GIT_INDEX_FILE", NULL
};

/* Settings given on every command line (protected config: safe.directory counts). */
static const char *const ckpt_git_opts[] = {
	"git", "--no-optional-locks",
	"-c", "core.fileMode=true", "-c", "core.symlinks=true",
	"-c", "core.autocrlf=false", "-c", "core.safecrlf=false",
	"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
	"-c", "core.quotePath=false", "-c", "core.untrackedCache=false",
	"-c", "gc.auto=0", "-c", "safe.directory=*", "-c", "core.bare=false",
	"-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
	"-c", "core.precomposeUnicode=false", "-c", "core.ignoreCase=false",
	NULL
};

/* Free a NULL-terminated vector of strings. */
static void
ckpt_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Run git in the shadow with args after the common options; 0 if it exited 0. */
static int
ckpt_git(struct ckpt *ck, const char *const *args, const char *in, size_t inlen,
    struct buf *out, char **cause)
{
	struct spawn_run_args ra;
	struct buf err;
	const char *argv[64];
	size_t n = 0, i;
	int st;

	for (i = 0; ckpt_git_opts[i] != NULL; i++)
		argv[n++] = ckpt_git_opts[i];
	for (i = 0; args[i] != NULL && n + 1 < nitems(argv); i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	buf_init(&err, 64 * 1024);
	memset(&ra, 0, sizeof ra);
	ra.argv = argv;
	ra.env_set = (const char *const *)ck->env;
	ra.env_unset = ckpt_env_unset;
	ra.cwd = ck->root;
	ra.in = in;
	ra.inlen = inlen;
	ra.out = out;
	ra.err = &err;
	ra.timeout_ms = CKPT_GIT_MS;
	st = spawn_run(&ra, cause);
	if (st != -1 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		size_t len = strcspn(err.s, "\n");

		*cause = xasprintf("git %s failed: %.*s", args[0], (int)len,
		    len > 0 ? err.s : "no message");
		st = -1;
	}
	buf_free(&err);
	return st == -1 ? -1 : 0;
}

/* Open a checkpointer; a disabled one says why. */
struct ckpt *
ckpt_open(const struct config *cfg, const char *sdir, const char *root)
{
	struct ckpt *ck = xcalloc(1, sizeof *ck);
	struct stat sb;
	char *git = NULL;

	ck->sdir = xstrdup(sdir);
	ck->shadow = xasprintf("%s/shadow.git", sdir);
	ck->root = xstrdup(root);
	ck->max_file = conf_int(cfg, "checkpoint_max_file");
	ck->max_tree = conf_int(cfg, "checkpoint_max_tree");
	ck->ignore = conf_list(cfg, "checkpoint_ignore");
	buf_init(&ck->noted, 0);
	(void)buf_putc(&ck->noted, '\0');
	ck->env = xcalloc(9, sizeof *ck->env);
	ck->env[0] = xasprintf("GIT_DIR=%s", ck->shadow);
	ck->env[1] = xasprintf("GIT_WORK_TREE=%s", root);
	ck->env[2] = xasprintf("GIT_INDEX_FILE=%s/index", ck->shadow);
	ck->env[3] = xstrdup("GIT_CONFIG_NOSYSTEM=1");
	ck->env[4] = xstrdup("GIT_CONFIG_GLOBAL=/dev/null");
	ck->env[5] = xstrdup("GIT_LITERAL_PATHSPECS=1");
	ck->env[6] = xstrdup("GIT_OPTIONAL_LOCKS=0");
	ck->env[7] = xstrdup("GIT_TERMINAL_PROMPT=0");
	if (stat(root, &sb) == 0) {
		ck->uid = sb.st_uid;
		ck->gid = sb.st_gid;
	}
	if (!conf_bool(cfg, "checkpoints"))
		ck->disabled = xstrdup("checkpoints are off (checkpoints = false)");
	else if ((git = spawn_which("git")) == NULL)
		ck->disabled = xstrdup("git is not installed, so no checkpoints "
		    "are taken and undo is not possible (install git)");
	free(git);
	return ck;
}

/* Free a checkpointer. */
void
ckpt_free(struct ckpt *ck)
{
	if (ck == NULL)
		return;
	free(ck->sdir);
	free(ck->shadow);
	free(ck->root);
	free(ck->disabled);
	free(ck->git_fp);
	buf_free(&ck->noted);
	ckpt_strv_free(ck->env);
	free(ck);
}

/* Why checkpoints are not taken, or NULL. */
const char *
ckpt_disabled(const struct ckpt *ck)
{
	return ck->disabled;
}

/* Milliseconds of the last snapshot. */
long
ckpt_last_ms(const struct ckpt *ck)
{
	return ck->last_ms;
}

/* Write a whole file through a temporary and rename; 0 or -1 with errno. */
static int
ckpt_write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.cade-tmp", path);
	int fd, rc = -1, e;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) == -1)
		goto out;
	if (util_write_all(fd, data, len) != 0) {
		e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

/* Create the shadow repository on first use; write its ignore list. */
static int
ckpt_init(struct ckpt *ck, char **cause)
{
	struct spawn_run_args ra;
	struct buf ex;
	const char *argv[] = { "git", "init", "--bare", "-q", "--template=",
	    ck->shadow, NULL };
	const char *env[] = { "GIT_CONFIG_NOSYSTEM=1",
	    "GIT_CONFIG_GLOBAL=/dev/null", NULL };
	char *head, *info, *path;
	size_t i;
	int st;

	if (ck->inited)
		return 0;
	head = xasprintf("%s/HEAD", ck->shadow);
	if (access(head, F_OK) != 0) {
		memset(&ra, 0, sizeof ra);
		ra.argv = argv;
		ra.env_set = env;
		ra.env_unset = ckpt_env_unset;
		ra.timeout_ms = CKPT_GIT_MS;
		st = spawn_run(&ra, cause);
		if (st != -1 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
			*cause = xasprintf("cannot create '%s': git init failed",
			    ck->shadow);
			st = -1;
		}
		if (st == -1) {
			free(head);
			return -1;
		}
	}
	free(head);
	info = xasprintf("%s/info", ck->shadow);
	(void)mkdir(info, 0700);
	buf_init(&ex, 0);
	(void)buf_puts(&ex, "# written by cade from checkpoint_ignore\n");
	for (i = 0; ck->ignore != NULL && ck->ignore[i] != NULL; i++)
		(void)buf_printf(&ex, "%s\n", ck->ignore[i]);
	path = xasprintf("%s/exclude", info);
	if (ckpt_write_file(path, ex.s, ex.len, 0600) != 0) {
		*cause = xasprintf("cannot write '%s': %s", path, strerror(errno));
		free(path);
		free(info);
		buf_free(&ex);
		return -1;
	}
	free(path);
	free(info);
	buf_free(&ex);
	ck->inited = 1;
	return 0;
}

/* ---- the project's own git state ---------------------------------- */

/* The project's git directory (a .git directory, or where a .git file points). */
static char *
ckpt_gitdir(const struct ckpt *ck)
{
	char *dotgit = xasprintf("%s/.git", ck->root), *p, line[4096];
	struct stat sb;
	FILE *f;
	size_t n;

	if (lstat(dotgit, &sb) != 0) {
		free(dotgit);
		return NULL;
	}
	if (S_ISDIR(sb.st_mode))
		return dotgit;
	if (!S_ISREG(sb.st_mode) || (f = fopen(dotgit, "r")) == NULL) {
		free(dotgit);
		return NULL;
	}
	p = fgets(line, sizeof line, f);
	fclose(f);
	free(dotgit);
	if (p == NULL || strncmp(line, "gitdir: ", 8) != 0)
		return NULL;
	n = strcspn(line + 8, "\r\n");
	line[8 + n] = '\0';
	if (line[8] == '/')
		return xstrdup(line + 8);
	return xasprintf("%s/%s", ck->root, line + 8);
}

/* Loose refs under dir (relative name rel), recursively, into names. */
static void
ckpt_list_refs(const char *gitdir, const char *rel, char ***names, size_t *n)
{
	char *dir = xasprintf("%s/%s", gitdir, rel);
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		char *sub, *full;
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || (len > 5 &&
		    strcmp(de->d_name + len - 5, ".lock") == 0))
			continue;
		sub = xasprintf("%s/%s", rel, de->d_name);
		full = xasprintf("%s/%s", gitdir, sub);
		if (lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode))
			ckpt_list_refs(gitdir, sub, names, n);
		else if (S_ISREG(sb.st_mode)) {
			*names = xreallocarray(*names, *n + 2, sizeof **names);
			(*names)[(*n)++] = sub;
			sub = NULL;
		}
		free(sub);
		free(full);
	}
	closedir(d);
	free(dir);
}

/* Sort names (strcmp order). */
static int
ckpt_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files that make up the git state, existing ones only, sorted. */
static char **
ckpt_git_files(const char *gitdir, size_t *np)
{
	static const char *const fixed[] = { "HEAD", "index", "packed-refs",
	    "logs/refs/stash" };
	char **names = NULL;
	size_t n = 0, i;

	for (i = 0; i < nitems(fixed); i++) {
		char *full = xasprintf("%s/%s", gitdir, fixed[i]);

		if (access(full, F_OK) == 0) {
			names = xreallocarray(names, n + 2, sizeof *names);
			names[n++] = xstrdup(fixed[i]);
		}
		free(full);
	}
	ckpt_list_refs(gitdir, "refs", &names, &n);
	if (names == NULL)
		names = xcalloc(1, sizeof *names);
	qsort(names, n, sizeof *names, ckpt_cmp_str);
	names[n] = NULL;
	*np = n;
	return names;
}

/* Read a whole regular file (up to max); NULL with errno. */
static char *
ckpt_read_file(const char *path, long max, size_t *len)
{
	struct buf b;
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return NULL;
	buf_init(&b, (size_t)max);
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf_append(&b, chunk, (size_t)n) != 0) {
			if (n >= 0)
				errno = EFBIG;
			close(fd);
			buf_free(&b);
			return NULL;
		}
	}
	close(fd);
	return buf_detach(&b, len);
}

/* Capture the project's git state into out (a sha256, "" without .git). */
static int
ckpt_git_snapshot(struct ckpt *ck, char out[65], char **cause)
{
	char *gitdir = ckpt_gitdir(ck), **names, *path = NULL, *dir;
	struct buf fp, ser;
	size_t n, i;
	int rc = -1;

	out[0] = '\0';
	if (gitdir == NULL)
		return 0;
	names = ckpt_git_files(gitdir, &n);
	buf_init(&fp, 0);
	for (i = 0; i < n; i++) {
		struct stat sb;
		char *full = xasprintf("%s/%s", gitdir, names[i]);

		if (lstat(full, &sb) == 0)
			(void)buf_printf(&fp, "%s\t%lld\t%lld.%09ld\t%llu\n",
			    names[i], (long long)sb.st_size,
			    (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
			    (unsigned long long)sb.st_ino);
		free(full);
	}
	if (ck->git_fp != NULL && strcmp(ck->git_fp, fp.s) == 0) {
		memcpy(out, ck->git_id, 65);
		rc = 0;
		goto out;
	}
	buf_init(&ser, 0);
	(void)buf_puts(&ser, CKPT_GITSTATE_MAGIC);
	for (i = 0; i < n; i++) {
		char *full = xasprintf("%s/%s", gitdir, names[i]), *data;
		size_t len;

		data = ckpt_read_file(full, CKPT_GITFILE_MAX, &len);
		free(full);
		if (data == NULL)
			continue;	/* gone since the listing: not part of it */
		(void)buf_printf(&ser, "%s\n%zu\n", names[i], len);
		(void)buf_append(&ser, data, len);
		(void)buf_putc(&ser, '\n');
		free(data);
	}
	sha256_hex(ser.s, ser.len, out);
	dir = xasprintf("%s/gitstate", ck->sdir);
	(void)mkdir(dir, 0700);
	path = xasprintf("%s/%s", dir, out);
	free(dir);
	if (access(path, F_OK) != 0 &&
	    ckpt_write_file(path, ser.s, ser.len, 0600) != 0) {
		*cause = xasprintf("cannot write '%s': %s", path, strerror(errno));
		buf_free(&ser);
		goto out;
	}
	buf_free(&ser);
	free(ck->git_fp);
	ck->git_fp = buf_detach(&fp, NULL);
	memcpy(ck->git_id, out, 65);
	rc = 0;
out:
	buf_free(&fp);
	free(path);
	ckpt_strv_free(names);
	free(gitdir);
	return rc;
}

struct ckpt_gitfile {
	char	*name;
	char	*data;
	size_t	 len;
};

/* Load a stored git state; *n files (NULL array for id ""). -1 with *cause. */
static int
ckpt_git_load(struct ckpt *ck, const char *id, struct ckpt_gitfile **out,
    size_t *n, char **cause)
{
	char *path, *data, *p, *end;
	size_t len, k = 0;
	struct ckpt_gitfile *f = NULL;

	*out = NULL;
	*n = 0;
	if (id[0] == '\0')
		return 0;
	path = xasprintf("%s/gitstate/%s", ck->sdir, id);
	data = ckpt_read_file(path, LONG_MAX, &len);
	if (data == NULL || len < strlen(CKPT_GITSTATE_MAGIC) ||
	    memcmp(data, CKPT_GITSTATE_MAGIC, strlen(CKPT_GITSTATE_MAGIC)) != 0) {
		*cause = xasprintf("cannot read the git state '%s'", path);
		free(path);
		free(data);
		return -1;
	}
	free(path);
	p = data + strlen(CKPT_GITSTATE_MAGIC);
	end = data + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *nl2;
		long sz;

		if (nl == NULL)
			break;
		nl2 = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
		if (nl2 == NULL)
			break;
		*nl2 = '\0';
		if (util_parse_long(nl + 1, 0, end - nl2 - 1, &sz) != 0)
			break;
		f = xreallocarray(f, k + 1, sizeof *f);
		f[k].name = xstrndup(p, (size_t)(nl - p));
		f[k].data = xmalloc((size_t)sz + 1);
		memcpy(f[k].data, nl2 + 1, (size_t)sz);
		f[k].data[sz] = '\0';
		f[k].len = (size_t)sz;
		k++;
		p = nl2 + 1 + sz + 1;
	}
	free(data);
	*out = f;
	*n = k;
	return 0;
}

/* Free what ckpt_git_load returned. */
static void
ckpt_git_free(struct ckpt_gitfile *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].data);
	}
	free(f);
}

/* The file named name in f, or NULL. */
static const struct ckpt_gitfile *
ckpt_git_find(const struct ckpt_gitfile *f, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

/* ---- snapshots ------------------------------------------------------- */

/* 1 if path was reported as too big before; else remember it and 0. */
static int
ckpt_noted(struct ckpt *ck, const char *path)
{
	char *key = xasprintf("%c%s%c", '\001', path, '\001');
	size_t i, klen = strlen(key);

	/* Entries are kept as "\0path\0": compare with the markers swapped. */
	key[0] = key[klen - 1] = '\0';
	for (i = 0; i + klen <= ck->noted.len; i++) {
		if (memcmp(ck->noted.s + i, key, klen) == 0) {
			free(key);
			return 1;
		}
	}
	(void)buf_append(&ck->noted, key + 1, klen - 1);
	free(key);
	return 0;
}

/* Snapshot the workspace; see checkpoint.h. */
int
ckpt_snapshot(struct ckpt *ck, struct ckpt_state *st, cJSON **big, char **cause)
{
	const char *lsargs[] = { "ls-files", "-z", "-t", "-m", "-d", "-o",
	    "--exclude-standard", NULL };
	const char *addargs[] = { "update-index", "--add", "--remove", "-z",
	    "--stdin", NULL };
	const char *addall[] = { "add", "-A", NULL };
	const char *rmargs[] = { "update-index", "--force-remove", "-z", "--stdin",
	    NULL };
	const char *wtargs[] = { "write-tree", NULL };
	struct buf out, add, rm;
	uint64_t t0 = util_now_ms();
	char *p, *end;
	int rc = -1;

	memset(st, 0, sizeof *st);
	if (big != NULL)
		*big = NULL;
	if (ck->disabled != NULL) {
		*cause = xstrdup(ck->disabled);
		return -1;
	}
	if (ckpt_init(ck, cause) == -1)
		return -1;
	buf_init(&out, CKPT_OUT_MAX);
	buf_init(&add, 0);
	buf_init(&rm, 0);
	if (ckpt_git(ck, lsargs, NULL, 0, &out, cause) == -1)
		goto out;
	for (p = out.s, end = out.s + out.len; p < end; p += strlen(p) + 1) {
		struct stat sb;
		const char *path;
		char *full;
		int tracked;

		if (strlen(p) < 3)
			continue;
		tracked = p[0] != '?';
		path = p + 2;
		full = xasprintf("%s/%s", ck->root, path);
		if (lstat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			/* An untracked nested repository: not recorded. */
			free(full);
			continue;
		}
		if (lstat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (ck->max_file > 0 && sb.st_size > ck->max_file) {
				if (big != NULL && !ckpt_noted(ck, path)) {
					if (*big == NULL)
						*big = cJSON_CreateArray();
					cJSON_AddItemToArray(*big,
					    cJSON_CreateString(path));
				}
				if (tracked)
					(void)buf_append(&rm, path, strlen(path) + 1);
				free(full);
				continue;
			}
			if (!tracked)
				ck->tree_bytes += (long)sb.st_size;
		}
		free(full);
		(void)buf_append(&add, path, strlen(path) + 1);
	}
	if (ck->max_tree > 0 && ck->tree_bytes > ck->max_tree) {
		free(ck->disabled);
		ck->disabled = xasprintf("the workspace holds over %ld bytes "
		    "(checkpoint_max_tree is %ld), so no checkpoints are "
		    "taken and undo is not possible; add large directories to "
		    "checkpoint_ignore", ck->tree_bytes, ck->max_tree);
		*cause = xstrdup(ck->disabled);
		goto out;
	}
	if (add.len > 0 && ckpt_git(ck, addargs, add.s, add.len, NULL, cause) == -1) {
		/* A file vanished between the listing and the update, or a
		 * nested repository: let git add sort the whole tree out. */
		free(*cause);
		*cause = NULL;
		if (ckpt_git(ck, addall, NULL, 0, NULL, cause) == -1)
			goto out;
	}
	if (rm.len > 0 && ckpt_git(ck, rmargs, rm.s, rm.len, NULL, cause) == -1)
		goto out;
	if (add.len > 0 || rm.len > 0 || !ck->have_tree) {
		buf_reset(&out);
		if (ckpt_git(ck, wtargs, NULL, 0, &out, cause) == -1)
			goto out;
		out.s[strcspn(out.s, "\n")] = '\0';
		if (out.len < 40 || out.len > 65 || strlen(out.s) >= sizeof ck->tree) {
			*cause = xstrdup("git write-tree printed no tree id");
			goto out;
		}
		memcpy(ck->tree, out.s, strlen(out.s) + 1);
		ck->have_tree = 1;
	}
	memcpy(st->tree, ck->tree, sizeof st->tree);
	if (ckpt_git_snapshot(ck, st->git, cause) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&out);
	buf_free(&add);
	buf_free(&rm);
	ck->last_ms = (long)(util_now_ms() - t0);
	if (rc == -1 && big != NULL) {
		cJSON_Delete(*big);
		*big = NULL;
	}
	log_debug("snapshot %s in %ld ms", rc == 0 ? st->tree : "failed",
	    ck->last_ms);
	return rc;
}

/* Same files and same git state. */
int
ckpt_same(const struct ckpt_state *a, const struct ckpt_state *b)
{
	return strcmp(a->tree, b->tree) == 0 && strcmp(a->git, b->git) == 0;
}

/* {"tree":..,"git":..} */
cJSON *
ckpt_state_json(const struct ckpt_state *st)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "tree", st->tree);
	cJSON_AddStringToObject(o, "git", st->git);
	return o;
}

/* Back from JSON; -1 if malformed. */
int
ckpt_state_from_json(const cJSON *o, struct ckpt_state *st)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "tree");
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(o, "git");
	size_t i;

	memset(st, 0, sizeof *st);
	if (!cJSON_IsString(t) || !cJSON_IsString(g) ||
	    strlen(t->valuestring) < 40 || strlen(t->valuestring) > 64 ||
	    strlen(g->valuestring) > 64)
		return -1;
	/* Ids become git arguments and file names: hex only. */
	for (i = 0; t->valuestring[i] != '\0'; i++)
		if (strchr("0123456789abcdef", t->valuestring[i]) == NULL)
			return -1;
	for (i = 0; g->valuestring[i] != '\0'; i++)
		if (strchr("0123456789abcdef", g->valuestring[i]) == NULL)
			return -1;
	memcpy(st->tree, t->valuestring, strlen(t->valuestring) + 1);
	memcpy(st->git, g->valuestring, strlen(g->valuestring) + 1);
	return 0;
}

/*
 * Load two stored git states: 1 if they are the same state (nothing
 * loaded), 0 with both loaded, -1 with *cause.
 */
static int
ckpt_git_pair(struct ckpt *ck, const char *a, const char *b,
    struct ckpt_gitfile **fa, size_t *na, struct ckpt_gitfile **fb, size_t *nb,
    char **cause)
{
	if (strcmp(a, b) == 0)
		return 1;
	if (ckpt_git_load(ck, a, fa, na, cause) == -1)
		return -1;
	if (ckpt_git_load(ck, b, fb, nb, cause) == -1) {
		ckpt_git_free(*fa, *na);
		return -1;
	}
	return 0;
}

/* Add {"path","status"} for each git file that differs between two states. */
static int
ckpt_git_changes(struct ckpt *ck, const char *a, const char *b, cJSON *arr,
    char **cause)
{
	struct ckpt_gitfile *fa, *fb;
	size_t na, nb, i;
	int r;

	if ((r = ckpt_git_pair(ck, a, b, &fa, &na, &fb, &nb, cause)) != 0)
		return r == 1 ? 0 : -1;
	for (i = 0; i < na; i++) {
		const struct ckpt_gitfile *o = ckpt_git_find(fb, nb, fa[i].name);
		const char *s = o == NULL ? "D" : (o->len != fa[i].len ||
		    memcmp(o->data, fa[i].data, o->len) != 0) ? "M" : NULL;
		cJSON *e;
		char *path;

		if (s == NULL)
			continue;
		e = cJSON_CreateObject();
		path = xasprintf(".git/%s", fa[i].name);
		cJSON_AddStringToObject(e, "path", path);
		cJSON_AddStringToObject(e, "status", s);
		cJSON_AddItemToArray(arr, e);
		free(path);
	}
	for (i = 0; i < nb; i++) {
		cJSON *e;
		char *path;

		if (ckpt_git_find(fa, na, fb[i].name) != NULL)
			continue;
		e = cJSON_CreateObject();
		path = xasprintf(".git/%s", fb[i].name);
		cJSON_AddStringToObject(e, "path", path);
		cJSON_AddStringToObject(e, "status", "A");
		cJSON_AddItemToArray(arr, e);
		free(path);
	}
	ckpt_git_free(fa, na);
	ckpt_git_free(fb, nb);
	return 0;
}

/* What differs from a to b; see checkpoint.h. */
cJSON *
ckpt_changes(struct ckpt *ck, const struct ckpt_state *a,
    const struct ckpt_state *b, char **cause)
{
	const char *args[] = { "diff-tree", "-r", "-z", "--name-status",
	    "--no-renames", a->tree, b->tree, NULL };
	cJSON *arr = cJSON_CreateArray();
	struct buf out;
	char *p, *end;

	if (ckpt_init(ck, cause) == -1) {
		cJSON_Delete(arr);
		return NULL;
	}
	if (strcmp(a->tree, b->tree) != 0) {
		buf_init(&out, CKPT_OUT_MAX);
		if (ckpt_git(ck, args, NULL, 0, &out, cause) == -1) {
			buf_free(&out);
			cJSON_Delete(arr);
			return NULL;
		}
		for (p = out.s, end = out.s + out.len; p < end; ) {
			char *status = p, *path;
			cJSON *e;

			p += strlen(p) + 1;
			if (p >= end)
				break;
			path = p;
			p += strlen(p) + 1;
			e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "path", path);
			cJSON_AddStringToObject(e, "status", (char[2]){ status[0], 0 });
			cJSON_AddItemToArray(arr, e);
		}
		buf_free(&out);
	}
	if (ckpt_git_changes(ck, a->git, b->git, arr, cause) == -1) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

/* One line of a small git file (HEAD, a ref) for the diff summary. */
static char *
ckpt_git_line(const struct ckpt_gitfile *f)
{
	size_t n;

	if (f == NULL)
		return xstrdup("(none)");
	n = strcspn(f->data, "\n");
	return xstrndup(f->data, n > 100 ? 100 : n);
}

/* Lines of a file (stash reflog entries). */
static size_t
ckpt_count_lines(const struct ckpt_gitfile *f)
{
	size_t i, n = 0;

	for (i = 0; f != NULL && i < f->len; i++)
		n += f->data[i] == '\n';
	return n;
}

/* The git state part of a diff: one line per changed git file. */
static int
ckpt_git_diff(struct ckpt *ck, const char *a, const char *b, struct buf *out,
    char **cause)
{
	struct ckpt_gitfile *fa, *fb;
	size_t na, nb, i, j;
	int r;

	if ((r = ckpt_git_pair(ck, a, b, &fa, &na, &fb, &nb, cause)) != 0)
		return r == 1 ? 0 : -1;
	for (j = 0; j < 2; j++) {
		struct ckpt_gitfile *f = j == 0 ? fa : fb;
		size_t n = j == 0 ? na : nb;

		for (i = 0; i < n; i++) {
			const struct ckpt_gitfile *x = ckpt_git_find(fa, na, f[i].name);
			const struct ckpt_gitfile *y = ckpt_git_find(fb, nb, f[i].name);
			char *l1, *l2;

			if ((j == 1 && x != NULL) || (x != NULL && y != NULL &&
			    x->len == y->len && memcmp(x->data, y->data, x->len) == 0))
				continue;
			if (strcmp(f[i].name, "index") == 0) {
				(void)buf_puts(out, "git: the index (staged changes) differs\n");
				continue;
			}
			if (strcmp(f[i].name, "logs/refs/stash") == 0) {
				(void)buf_printf(out, "git: stash list: %zu -> %zu entries\n",
				    ckpt_count_lines(x), ckpt_count_lines(y));
				continue;
			}
			if (strcmp(f[i].name, "packed-refs") == 0) {
				(void)buf_puts(out, "git: packed refs differ\n");
				continue;
			}
			l1 = ckpt_git_line(x);
			l2 = ckpt_git_line(y);
			(void)buf_printf(out, "git: %s: %s -> %s\n", f[i].name, l1, l2);
			free(l1);
			free(l2);
		}
	}
	ckpt_git_free(fa, na);
	ckpt_git_free(fb, nb);
	return 0;
}

/* A unified diff from a to b, the git state summarised after it. */
char *
ckpt_diff(struct ckpt *ck, const struct ckpt_state *a, const struct ckpt_state *b,
    int color, char **cause)
{
	const char *args[] = { "diff-tree", "-r", "-p", "--no-renames",
	    "--no-ext-diff", "--no-textconv", color ? "--color=always" :
	    "--no-color", a->tree, b->tree, NULL };
	struct buf out;

	if (ckpt_init(ck, cause) == -1)
		return NULL;
	buf_init(&out, CKPT_OUT_MAX);
	if (strcmp(a->tree, b->tree) != 0 &&
	    ckpt_git(ck, args, NULL, 0, &out, cause) == -1) {
		buf_free(&out);
		return NULL;
	}
	if (ckpt_git_diff(ck, a->git, b->git, &out, cause) == -1) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* Give path and its parents up to the root the workspace owner (cade as root). */
static void
ckpt_chown_path(const struct ckpt *ck, const char *rel)
{
	char *full = xasprintf("%s/%s", ck->root, rel), *slash;
	size_t rootlen = strlen(ck->root);
	struct stat sb;

	for (;;) {
		if (lstat(full, &sb) == 0 && (sb.st_uid != ck->uid ||
		    sb.st_gid != ck->gid))
			(void)lchown(full, ck->uid, ck->gid);
		if ((slash = strrchr(full, '/')) == NULL ||
		    (size_t)(slash - full) <= rootlen)
			break;
		*slash = '\0';
	}
	free(full);
}

/* Write the project's git state `to` back over the current one. */
static int
ckpt_git_restore(struct ckpt *ck, const char *to, char **cause)
{
	struct ckpt_gitfile *f;
	char *gitdir, **now;
	size_t n, nnow, i;
	int rc = -1;

	if (to[0] == '\0' || (gitdir = ckpt_gitdir(ck)) == NULL)
		return 0;	/* no git state then, or no .git to write to now */
	if (ckpt_git_load(ck, to, &f, &n, cause) == -1) {
		free(gitdir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char *full, *cur, *slash;
		size_t len;

		if (strstr(f[i].name, "..") != NULL || f[i].name[0] == '/')
			continue;
		full = xasprintf("%s/%s", gitdir, f[i].name);
		cur = ckpt_read_file(full, CKPT_GITFILE_MAX, &len);
		if (cur != NULL && len == f[i].len &&
		    memcmp(cur, f[i].data, len) == 0) {
			free(cur);
			free(full);
			continue;
		}
		free(cur);
		slash = strrchr(full, '/');
		*slash = '\0';
		(void)util_mkdir_p(full, 0755);
		*slash = '/';
		if (ckpt_write_file(full, f[i].data, f[i].len, 0644) != 0) {
			*cause = xasprintf("cannot write '%s': %s", full,
			    strerror(errno));
			free(full);
			goto out;
		}
		if (geteuid() == 0)
			(void)lchown(full, ck->uid, ck->gid);
		free(full);
	}
	/* Refs (and the stash) made since are removed. */
	now = ckpt_git_files(gitdir, &nnow);
	for (i = 0; i < nnow; i++) {
		if (ckpt_git_find(f, n, now[i]) == NULL &&
		    strcmp(now[i], "HEAD") != 0 && strcmp(now[i], "index") != 0) {
			char *full = xasprintf("%s/%s", gitdir, now[i]);

			(void)unlink(full);
			free(full);
		}
	}
	ckpt_strv_free(now);
	rc = 0;
out:
	free(ck->git_fp);
	ck->git_fp = NULL;
	ckpt_git_free(f, n);
	free(gitdir);
	return rc;
}

/* Restore the workspace to `to`; see checkpoint.h. */
int
ckpt_restore(struct ckpt *ck, const struct ckpt_state *cur,
    const struct ckpt_state *to, char **cause)
{
	const char *rtargs[] = { "read-tree", "--reset", "-u", to->tree, NULL };
	cJSON *changed = NULL, *e;

	if (ck->disabled != NULL) {
		*cause = xstrdup(ck->disabled);
		return -1;
	}
	if (ckpt_init(ck, cause) == -1)
		return -1;
	if (strcmp(cur->tree, to->tree) != 0) {
		if (geteuid() == 0 && ck->uid != 0) {
			struct ckpt_state a = *cur, b = *to;

			a.git[0] = b.git[0] = '\0';
			changed = ckpt_changes(ck, &a, &b, cause);
			if (changed == NULL)
				return -1;
		}
		if (ckpt_git(ck, rtargs, NULL, 0, NULL, cause) == -1) {
			cJSON_Delete(changed);
			return -1;
		}
		memcpy(ck->tree, to->tree, sizeof ck->tree);
		ck->have_tree = 1;
		cJSON_ArrayForEach(e, changed) {
			const char *p = cJSON_GetStringValue(
			    cJSON_GetObjectItem(e, "path"));

			if (p != NULL)
				ckpt_chown_path(ck, p);
		}
		cJSON_Delete(changed);
	}
	if (strcmp(cur->git, to->git) != 0 &&
	    ckpt_git_restore(ck, to->git, cause) == -1)
		return -1;
	return 0;
}
