/*
 * sandbox.c: building the local workspace's sandbox from the config, and
 * `cade sandbox check` (doc/SANDBOX.md).
 *
 * Everything that needs memory or the host's view of the filesystem
 * happens here, in the parent, before the shell is forked: "~" is
 * expanded, each writable and hidden path is realpath'd (a path that does
 * not exist is skipped: there is nothing to bind or to hide), and for
 * Landlock the set of readable trees is computed (Landlock rules only
 * grant, so hiding ~/.ssh means granting every sibling of each of its
 * ancestors instead).  sandbox-child.c then only makes system calls.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/log.h"
#include "cade/spawn.h"
#include "cade/util.h"

#include "sandbox-int.h"

/*
 * Credentials hidden whatever the config says (sandbox_hidden adds more).
 * cade's own config and state directories are added at run time (XDG).
 */
static const char *const sandbox_builtin_hidden[] = {
	"~/.ssh", "~/.gnupg", "~/.aws", "~/.azure", "~/.config/gcloud",
	"~/.kube", "~/.docker/config.json", "~/.netrc", "~/.git-credentials",
	"~/.config/gh", "~/.npmrc", "~/.pypirc", "~/.cargo/credentials",
	"~/.cargo/credentials.toml", "~/.password-store",
	"~/.local/share/keyrings",
	/* Sockets that run things outside the sandbox on our behalf. */
	"/run/docker.sock", "/var/run/docker.sock",
};

static const char *const sandbox_mech_names[] = {
	[SANDBOX_OFF] = "off", [SANDBOX_NS] = "ns",
	[SANDBOX_LANDLOCK] = "landlock", [SANDBOX_AUTO] = "auto",
};

/* "ns", "landlock", "off", "auto". */
const char *
sandbox_mech_name(enum sandbox_mech m)
{
	return (unsigned)m < nitems(sandbox_mech_names) ? sandbox_mech_names[m] : "?";
}

/* Landlock ABI of this kernel (landlock_create_ruleset with the VERSION flag). */
int
sandbox_landlock_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);

	return v > 0 && v < 1000 ? (int)v : 0;
#else
	return 0;
#endif
}

/* 1 if path is dir itself or beneath it. */
static int
sandbox_under(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Add "~/x" or "/x" to a path list if it exists; 0, or -1 with *cause on a relative path. */
static int
sandbox_add(struct sandbox_path *list, size_t *n, const char *spec,
    const char *what, char **cause)
{
	char *exp, *real;
	struct stat sb;
	size_t i;

	exp = util_expand_home(spec);
	if (exp[0] != '/') {
		*cause = xasprintf("%s: '%s' is not an absolute path or ~/...",
		    what, spec);
		free(exp);
		return -1;
	}
	real = realpath(exp, NULL);
	free(exp);
	if (real == NULL || stat(real, &sb) == -1) {
		free(real);
		return 0;			/* nothing there to bind or hide */
	}
	for (i = 0; i < *n; i++) {
		if (strcmp(list[i].path, real) == 0) {
			free(real);
			return 0;
		}
	}
	if (*n == SANDBOX_MAX_PATHS) {
		*cause = xasprintf("%s: more than %d paths", what,
		    SANDBOX_MAX_PATHS);
		free(real);
		return -1;
	}
	list[*n].path = real;
	list[*n].is_dir = S_ISDIR(sb.st_mode);
	(*n)++;
	return 0;
}

/* Append a readable tree (Landlock). */
static void
sandbox_add_readable(struct sandbox *sb, const char *path, int is_dir)
{
	sb->readable = xreallocarray(sb->readable, sb->nreadable + 1,
	    sizeof *sb->readable);
	sb->readable[sb->nreadable].path = xstrdup(path);
	sb->readable[sb->nreadable].is_dir = is_dir;
	sb->nreadable++;
}

/* 1 if path is a strict ancestor of a hidden path. */
static int
sandbox_is_ancestor(const struct sandbox *sb, const char *path)
{
	size_t i;

	for (i = 0; i < sb->nhidden; i++) {
		if (strcmp(sb->hidden[i].path, path) != 0 &&
		    sandbox_under(path, sb->hidden[i].path))
			return 1;
	}
	return 0;
}

/*
 * Landlock grants, never subtracts: readable = every entry of every
 * ancestor of a hidden path, except hidden paths and other ancestors
 * (which are expanded in turn).  Symbolic links are left out: a link
 * resolves to its target, which its own place in the tree governs.
 */
static void
sandbox_build_readable(struct sandbox *sb)
{
	size_t i;

	for (i = 0; i < sb->nhidden; i++) {
		char *dir = xstrdup(sb->hidden[i].path), *slash;

		/* Each ancestor of hidden[i], from its parent up to "/". */
		while ((slash = strrchr(dir, '/')) != NULL) {
			DIR *d;
			struct dirent *de;
			const char *base;

			if (slash == dir)
				slash[1] = '\0';
			else
				*slash = '\0';
			base = dir;
			if ((d = opendir(base)) != NULL) {
				while ((de = readdir(d)) != NULL) {
					struct stat st;
					char *p;
					size_t k;
					int skip = 0;

					if (strcmp(de->d_name, ".") == 0 ||
					    strcmp(de->d_name, "..") == 0)
						continue;
					p = strcmp(base, "/") == 0 ?
					    xasprintf("/%s", de->d_name) :
					    xasprintf("%s/%s", base, de->d_name);
					if (lstat(p, &st) == -1 || S_ISLNK(st.st_mode))
						skip = 1;
					for (k = 0; !skip && k < sb->nhidden; k++)
						skip = strcmp(sb->hidden[k].path, p) == 0;
					if (!skip && sandbox_is_ancestor(sb, p))
						skip = 1;
					for (k = 0; !skip && k < sb->nreadable; k++)
						skip = strcmp(sb->readable[k].path, p) == 0;
					if (!skip)
						sandbox_add_readable(sb, p,
						    S_ISDIR(st.st_mode));
					free(p);
				}
				closedir(d);
			}
			if (strcmp(dir, "/") == 0)
				break;
		}
		free(dir);
	}
}

/* Parse the "sandbox" setting. */
static enum sandbox_mech
sandbox_parse_mech(const char *v)
{
	if (strcmp(v, "namespaces") == 0 || strcmp(v, "ns") == 0)
		return SANDBOX_NS;
	if (strcmp(v, "landlock") == 0)
		return SANDBOX_LANDLOCK;
	if (strcmp(v, "off") == 0)
		return SANDBOX_OFF;
	return SANDBOX_AUTO;
}

/* Resolve every path the sandbox needs; see sandbox.h. */
struct sandbox *
sandbox_new(const struct config *cfg, const char *root, char **cause)
{
	struct sandbox *sb = xcalloc(1, sizeof *sb);
	const char *const *l;
	char *dir;
	size_t i;

	sb->want = sandbox_parse_mech(conf_str(cfg, "sandbox"));
	sb->mech = SANDBOX_OFF;
	sb->net = strcmp(conf_str(cfg, "network"), "none") != 0;
	(void)snprintf(sb->uid_map, sizeof sb->uid_map, "%lu %lu 1\n",
	    (unsigned long)getuid(), (unsigned long)getuid());
	(void)snprintf(sb->gid_map, sizeof sb->gid_map, "%lu %lu 1\n",
	    (unsigned long)getgid(), (unsigned long)getgid());
	if (sandbox_add(sb->writable, &sb->nwritable, root, "workspace",
	    cause) == -1)
		goto fail;
	for (l = conf_list(cfg, "sandbox_writable"); *l != NULL; l++)
		if (sandbox_add(sb->writable, &sb->nwritable, *l,
		    "sandbox_writable", cause) == -1)
			goto fail;
	for (i = 0; i < nitems(sandbox_builtin_hidden); i++)
		if (sandbox_add(sb->hidden, &sb->nhidden, sandbox_builtin_hidden[i],
		    "hidden", cause) == -1)
			goto fail;
	dir = util_xdg_dir("XDG_CONFIG_HOME", ".config");
	i = (size_t)sandbox_add(sb->hidden, &sb->nhidden, dir, "hidden", cause);
	free(dir);
	dir = util_xdg_dir("XDG_STATE_HOME", ".local/state");
	if (i == 0)
		i = (size_t)sandbox_add(sb->hidden, &sb->nhidden, dir, "hidden",
		    cause);
	free(dir);
	if (i != 0)
		goto fail;
	for (l = conf_list(cfg, "sandbox_hidden"); *l != NULL; l++)
		if (sandbox_add(sb->hidden, &sb->nhidden, *l, "sandbox_hidden",
		    cause) == -1)
			goto fail;
	/* The workspace itself is never hidden from itself. */
	for (i = 0; i < sb->nhidden; i++) {
		if (sandbox_under(sb->hidden[i].path, sb->writable[0].path)) {
			*cause = xasprintf("the workspace '%s' lies in the hidden "
			    "path '%s'", sb->writable[0].path, sb->hidden[i].path);
			goto fail;
		}
	}
	return sb;
fail:
	sandbox_free(sb);
	return NULL;
}

/* nftw callback: remove one entry (depth first). */
static int
sandbox_rm_cb(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

/* Free everything; the private TMPDIR (Landlock) goes with it. */
void
sandbox_free(struct sandbox *sb)
{
	size_t i;

	if (sb == NULL)
		return;
	for (i = 0; i < sb->nwritable; i++)
		free(sb->writable[i].path);
	for (i = 0; i < sb->nhidden; i++)
		free(sb->hidden[i].path);
	for (i = 0; i < sb->nreadable; i++)
		free(sb->readable[i].path);
	free(sb->readable);
	if (sb->tmpdir != NULL)
		(void)nftw(sb->tmpdir, sandbox_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(sb->tmpdir);
	free(sb->env[0]);
	free(sb->why_off);
	free(sb);
}

enum sandbox_mech
sandbox_wanted(const struct sandbox *sb)
{
	return sb->want;
}

enum sandbox_mech
sandbox_mech(const struct sandbox *sb)
{
	return sb->mech;
}

/* Record what the shell started under. */
void
sandbox_set_mech(struct sandbox *sb, enum sandbox_mech m, const char *why)
{
	sb->mech = m;
	free(sb->why_off);
	sb->why_off = m == SANDBOX_OFF && why != NULL ? xstrdup(why) : NULL;
}

int
sandbox_net(const struct sandbox *sb)
{
	return sb->net;
}

const char *
sandbox_why_off(const struct sandbox *sb)
{
	return sb->why_off;
}

/*
 * Get ready to start a shell under m, and its TMPDIR: /tmp is private under
 * namespaces; Landlock cannot give a private /tmp, so it gets a fresh 0700
 * directory (removed with the sandbox) and /tmp itself stays read-only.
 * Landlock's readable trees are computed here, the first time only, so
 * that auto pays nothing for them when namespaces work.
 */
const char *const *
sandbox_prepare(struct sandbox *sb, enum sandbox_mech m)
{
	char tmpl[] = "/tmp/cade-sandbox-XXXXXX";

	if (m == SANDBOX_LANDLOCK && sb->readable == NULL && sb->nhidden > 0)
		sandbox_build_readable(sb);

	free(sb->env[0]);
	sb->env[0] = NULL;
	if (m == SANDBOX_NS)
		sb->env[0] = xstrdup("TMPDIR=/tmp");
	else if (m == SANDBOX_LANDLOCK) {
		if (sb->tmpdir == NULL && mkdtemp(tmpl) != NULL)
			sb->tmpdir = xstrdup(tmpl);
		if (sb->tmpdir != NULL)
			sb->env[0] = xasprintf("TMPDIR=%s", sb->tmpdir);
	}
	sb->env[1] = NULL;
	return (const char *const *)sb->env;
}

/* Agent sockets would let a contained command act outside (ssh-agent, gpg-agent). */
const char *const *
sandbox_env_unset(void)
{
	static const char *const names[] = {
		"SSH_AUTH_SOCK", "GPG_AGENT_INFO", "DBUS_SESSION_BUS_ADDRESS",
		"DOCKER_HOST", NULL
	};

	return names;
}

/* Hidden path test for the file tools. */
int
sandbox_is_hidden(const struct sandbox *sb, const char *host_path)
{
	size_t i;

	if (sb == NULL || host_path == NULL)
		return 0;
	for (i = 0; i < sb->nhidden; i++)
		if (sandbox_under(sb->hidden[i].path, host_path))
			return 1;
	return 0;
}

/* The session_start record. */
cJSON *
sandbox_json(const struct sandbox *sb)
{
	cJSON *o = cJSON_CreateObject(), *w, *h;
	size_t i;

	cJSON_AddStringToObject(o, "mechanism", sandbox_mech_name(sb->mech));
	cJSON_AddStringToObject(o, "wanted", sandbox_mech_name(sb->want));
	cJSON_AddStringToObject(o, "network", sb->net ? "on" : "off");
	w = cJSON_AddArrayToObject(o, "writable");
	for (i = 0; i < sb->nwritable; i++)
		cJSON_AddItemToArray(w, cJSON_CreateString(sb->writable[i].path));
	if (sb->mech == SANDBOX_NS)
		cJSON_AddItemToArray(w, cJSON_CreateString("/tmp (private)"));
	else if (sb->mech == SANDBOX_LANDLOCK && sb->tmpdir != NULL)
		cJSON_AddItemToArray(w, cJSON_CreateString(sb->tmpdir));
	h = cJSON_AddArrayToObject(o, "hidden");
	for (i = 0; i < sb->nhidden; i++)
		cJSON_AddItemToArray(h, cJSON_CreateString(sb->hidden[i].path));
	if (sb->why_off != NULL)
		cJSON_AddStringToObject(o, "why_off", sb->why_off);
	return o;
}

/* Start `true` under mechanism m on a pty; 0 if it ran, else -1 with *why. */
static int
sandbox_try(struct sandbox *sb, enum sandbox_mech m, char **why)
{
	static const char *const argv[] = { "true", NULL };
	struct spawn_pty_args a;
	int fd, status;
	pid_t pid;

	memset(&a, 0, sizeof a);
	a.argv = argv;
	a.sandbox = sb;
	a.mech = m;
	(void)sandbox_prepare(sb, m);
	if ((pid = spawn_pty(&a, &fd, why)) == -1)
		return -1;
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	close(fd);	/* after the wait: a hangup would be a SIGHUP */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*why = xasprintf("a test process ended with status %#x", status);
		return -1;
	}
	return 0;
}

/* Read a one-number /proc/sys file; -1 if absent. */
static long
sandbox_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* For `cade policy check` without --sandbox: what a session would get. */
int
sandbox_auto_contained(const struct config *cfg)
{
	struct sandbox *sb;
	char *cause = NULL, *why = NULL, *cwd;
	enum sandbox_mech m;
	int ok = 0;

	if (strcmp(conf_str(cfg, "workspace"), "docker") == 0)
		return 1;
	cwd = getcwd(NULL, 0);
	sb = sandbox_new(cfg, cwd != NULL ? cwd : "/", &cause);
	free(cwd);
	if (sb == NULL) {
		free(cause);
		return 0;
	}
	m = sandbox_wanted(sb);
	if (m == SANDBOX_AUTO || m == SANDBOX_NS)
		ok = sandbox_try(sb, SANDBOX_NS, &why) == 0;
	free(why);
	why = NULL;
	if (!ok && (m == SANDBOX_AUTO || m == SANDBOX_LANDLOCK))
		ok = sandbox_try(sb, SANDBOX_LANDLOCK, &why) == 0;
	free(why);
	sandbox_free(sb);
	return ok;
}

/* `cade sandbox check`. */
int
sandbox_check_main(int argc, char **argv, struct config *cfg)
{
	struct sandbox *sb;
	char *cause = NULL, *why_ns = NULL, *why_ll = NULL, *cwd;
	int ns_ok, ll_ok, abi, seccomp;
	long v;

	if (argc < 2 || strcmp(argv[1], "check") != 0 || argc > 2) {
		fprintf(stderr, "cade: usage: cade sandbox check\n");
		return CADE_EXIT_USAGE;
	}
	cwd = getcwd(NULL, 0);
	sb = sandbox_new(cfg, cwd != NULL ? cwd : "/", &cause);
	free(cwd);
	if (sb == NULL) {
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		return CADE_EXIT_ERROR;
	}
	abi = sandbox_landlock_abi();
	seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	ns_ok = sandbox_try(sb, SANDBOX_NS, &why_ns) == 0;
	ll_ok = sandbox_try(sb, SANDBOX_LANDLOCK, &why_ll) == 0;

	printf("namespaces: %s\n", ns_ok ? "yes (user, mount, pid, network)" :
	    why_ns);
	if (!ns_ok) {
		if ((v = sandbox_sysctl("/proc/sys/kernel/unprivileged_userns_clone")) == 0)
			printf("  enable: sysctl kernel.unprivileged_userns_clone=1\n");
		if (sandbox_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
			printf("  enable: sysctl kernel.apparmor_restrict_unprivileged_userns=0 "
			    "(or an AppArmor profile for cade allowing userns)\n");
		if (sandbox_sysctl("/proc/sys/user/max_user_namespaces") == 0)
			printf("  enable: sysctl user.max_user_namespaces=15000\n");
		printf("  in a container: run it with user namespaces allowed "
		    "(e.g. docker --security-opt seccomp=unconfined)\n");
	}
	if (abi == 0)
		printf("landlock: no (enable: boot with lsm=...,landlock or a kernel "
		    ">= 5.13 built with CONFIG_SECURITY_LANDLOCK)\n");
	else
		printf("landlock: ABI %d%s%s%s\n", abi,
		    abi >= 4 ? ", TCP rules" : ", no TCP rules (ABI >= 4, Linux 6.7)",
		    abi >= 6 ? ", signal scoping" : ", no signal scoping (ABI >= 6, Linux 6.12)",
		    ll_ok ? "" : " (but it failed to start)");
	if (abi != 0 && !ll_ok)
		printf("  %s\n", why_ll);
	printf("seccomp: %s\n", seccomp ? "yes" : "no");
	printf("auto picks: %s\n", ns_ok ? "namespaces" : ll_ok ? "landlock" :
	    "off (commands are not contained)");
	printf("network: %s\n", sb->net ? "on (network = bridge)" :
	    "off (loopback only)");
	free(why_ns);
	free(why_ll);
	sandbox_free(sb);
	return CADE_EXIT_OK;
}
