/*
 * local.c: the local workspace, a directory on this machine.
 *
 * File tools work in root directly; the shell is `bash --noprofile --norc -i`
 * (or /bin/sh -i when there is no bash) started through spawn.c on a pty in
 * root, and its master fd is the byte stream shell.c reads.  The user's rc
 * files are skipped so the shell is predictable (shell.c sets the prompt and
 * markers itself).  cade's API keys are removed from the shell's
 * environment: the model can run `env`, and nothing it runs needs them.
 * Destroying the workspace ends the shell's whole session (its background
 * jobs too) and reaps it.
 *
 * The shell is contained by the workspace's sandbox (sandbox.h): spawn.c
 * enters it in the child before exec.  With sandbox = auto the first
 * shell tries namespaces, then Landlock, and settles on the first that
 * starts; if none does it runs uncontained and says why (the session
 * reports it).  A forced mechanism that cannot start is an error.  A
 * replacement shell uses the mechanism the first one settled on.
 */
#include "config.h"

#include <sys/socket.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/log.h"
#include "cade/sandbox.h"
#include "cade/spawn.h"
#include "cade/util.h"
#include "cade/workspace.h"

#include "escalate.h"

/* Milliseconds a shell gets to exit on SIGHUP before SIGKILL. */
#define LOCAL_GRACE_MS 300

struct local {
	int	master;
	int	status;
	int	reaped;
	int	settled;	/* the sandbox mechanism is chosen */
	int	door;		/* our end of the escalation socket pair, or -1 */
	struct esc *esc;	/* escalation over door, made at first use */
};

static const char *const local_env_unset[] = {
	"LLM_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "CADE_LOG", NULL
};
static const char *const local_env_set[] = {
	"TERM=xterm-256color", NULL
};

/* Two NULL-terminated lists as one; caller frees the array only. */
static const char **
local_concat(const char *const *a, const char *const *b)
{
	const char **out;
	size_t n = 0, m = 0, i;

	while (a != NULL && a[n] != NULL)
		n++;
	while (b != NULL && b[m] != NULL)
		m++;
	out = xcalloc(n + m + 1, sizeof *out);
	for (i = 0; i < n; i++)
		out[i] = a[i];
	for (i = 0; i < m; i++)
		out[n + i] = b[i];
	return out;
}

/* Spawn the shell under mechanism m. */
static pid_t
local_spawn(struct workspace *ws, const char *const *argv, enum sandbox_mech m,
    int rows, int cols, int *fd, int *sandbox_failed, char **cause)
{
	struct local *l = ws->priv;
	struct spawn_pty_args a;
	const char **env, **unset;
	int sv[2] = { -1, -1 };
	pid_t pid;

	memset(&a, 0, sizeof a);
	/* Contained: the sandbox's TMPDIR, and no agent sockets. */
	env = local_concat(local_env_set, m != SANDBOX_OFF ?
	    sandbox_prepare(ws->sandbox, m) : NULL);
	unset = local_concat(local_env_unset, m != SANDBOX_OFF ?
	    sandbox_env_unset() : NULL);
	a.argv = argv;
	a.env_set = env;
	a.env_unset = unset;
	a.cwd = ws->root;
	a.rows = rows;
	a.cols = cols;
	a.sandbox = ws->sandbox;
	a.mech = m;
	a.sandbox_failed = sandbox_failed;
	*sandbox_failed = 0;
	/* A contained shell gets the escalation door (escalate.c). */
	if (m != SANDBOX_OFF &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0)
		a.door_fd = sv[1];
	pid = spawn_pty(&a, fd, cause);
	if (sv[1] != -1)
		close(sv[1]);
	if (l->door != -1)
		close(l->door);
	l->door = pid != -1 ? sv[0] : -1;
	if (pid == -1 && sv[0] != -1)
		close(sv[0]);
	free(env);
	free(unset);
	return pid;
}

/* Kill the shell (if any) and close its stream. */
static void
local_stop(struct workspace *ws)
{
	struct local *l = ws->priv;

	if (ws->pid > 0 && !l->reaped) {
		l->status = spawn_kill_session(ws->pid, ws->idle_stop ? 0 :
		    LOCAL_GRACE_MS);
		l->reaped = 1;
	}
	if (l->master != -1) {
		close(l->master);
		l->master = -1;
	}
	esc_free(l->esc);
	l->esc = NULL;
	if (l->door != -1) {
		close(l->door);
		l->door = -1;
	}
}

/* Start bash (or sh) on a new pty in root; returns the non-blocking master. */
static int
local_shell_open(struct workspace *ws, int rows, int cols, char **cause)
{
	static const char *const bash_argv[] = {
		"bash", "--noprofile", "--norc", "-i", NULL
	};
	static const char *const sh_argv[] = { "/bin/sh", "-i", NULL };
	static const enum sandbox_mech order[] = { SANDBOX_NS, SANDBOX_LANDLOCK };
	struct local *l = ws->priv;
	const char *const *argv;
	struct buf why;
	char *bash, *err = NULL;
	pid_t pid = -1;
	int fd = -1, failed = 0;
	size_t i;

	local_stop(ws);
	bash = spawn_which("bash");
	argv = bash != NULL ? bash_argv : sh_argv;
	free(ws->shell_name);
	ws->shell_name = xstrdup(bash != NULL ? "bash" : "sh");
	free(bash);
	if (ws->sandbox == NULL) {
		if ((pid = local_spawn(ws, argv, SANDBOX_OFF, rows, cols, &fd,
		    &failed, cause)) == -1)
			return -1;
	} else if (l->settled || sandbox_wanted(ws->sandbox) != SANDBOX_AUTO) {
		enum sandbox_mech m = l->settled ? sandbox_mech(ws->sandbox) :
		    sandbox_wanted(ws->sandbox);

		if ((pid = local_spawn(ws, argv, m, rows, cols, &fd, &failed,
		    cause)) == -1)
			return -1;
		if (!l->settled)
			sandbox_set_mech(ws->sandbox, m, m == SANDBOX_OFF ?
			    "sandbox = off" : NULL);
	} else {
		/* auto: the first mechanism that starts; never silently none. */
		buf_init(&why, 0);
		for (i = 0; i < nitems(order) && pid == -1; i++) {
			pid = local_spawn(ws, argv, order[i], rows, cols, &fd,
			    &failed, &err);
			if (pid != -1) {
				sandbox_set_mech(ws->sandbox, order[i], NULL);
				break;
			}
			log_debug("sandbox %s: %s", sandbox_mech_name(order[i]), err);
			if (!failed) {
				buf_free(&why);
				*cause = err;
				return -1;
			}
			(void)buf_printf(&why, "%s%s", why.len > 0 ? "; " : "", err);
			free(err);
			err = NULL;
		}
		if (pid == -1) {
			if ((pid = local_spawn(ws, argv, SANDBOX_OFF, rows, cols,
			    &fd, &failed, cause)) == -1) {
				buf_free(&why);
				return -1;
			}
			sandbox_set_mech(ws->sandbox, SANDBOX_OFF, why.s);
		}
		buf_free(&why);
	}
	l->settled = 1;
	ws->pid = pid;
	l->master = fd;
	l->reaped = 0;
	l->status = 0;
	return fd;
}

/* TIOCSWINSZ on the master. */
static int
local_shell_resize(struct workspace *ws, int rows, int cols)
{
	struct local *l = ws->priv;

	return spawn_pty_resize(l->master, rows, cols);
}

/* Close the master: the kernel hangs up the pty, so the shell gets SIGHUP. */
static void
local_shell_close(struct workspace *ws)
{
	struct local *l = ws->priv;

	if (l->master != -1) {
		close(l->master);
		l->master = -1;
	}
}

/* 1 while the shell process runs (reaps it when it has exited). */
static int
local_alive(struct workspace *ws)
{
	struct local *l = ws->priv;
	int r;

	if (ws->pid <= 0 || l->reaped)
		return 0;
	if ((r = spawn_reap(ws->pid, &l->status)) != 0) {
		l->reaped = 1;
		return 0;
	}
	return 1;
}

/* End the shell's session and free the backend state. */
static void
local_destroy(struct workspace *ws)
{
	if (ws->priv == NULL)
		return;
	local_stop(ws);
	free(ws->priv);
	ws->priv = NULL;
	sandbox_free(ws->sandbox);
	ws->sandbox = NULL;
}

/* Arm the door: the shell's next escalation line runs command outside. */
static int
local_escalate(struct workspace *ws, struct loop *loop, const char *command,
    char **cause)
{
	struct local *l = ws->priv;

	if (l->door == -1 || ws->pid <= 0) {
		*cause = xstrdup("the shell is not contained: the command runs as "
		    "any other");
		return -1;
	}
	if (strcmp(ws->shell_name, "bash") != 0) {
		*cause = xstrdup("running outside the sandbox needs bash");
		return -1;
	}
	if (l->esc == NULL)
		l->esc = esc_new(loop, l->door, l->master, local_env_unset);
	return esc_arm(l->esc, command, cause);
}

/* Disarm (ends the outside command if it still runs). */
static void
local_escalate_end(struct workspace *ws)
{
	struct local *l = ws->priv;

	esc_disarm(l->esc);
}

/* The sandbox's hidden paths, for the file tools. */
static int
local_hidden(const struct workspace *ws, const char *host_path)
{
	return ws->sandbox != NULL && sandbox_is_hidden(ws->sandbox, host_path);
}

/* No check or error: a directory here is always there, a new shell can start. */
static const struct ws_ops local_ops = {
	.name = "local",
	/* the shell's pty */
	.shell_open = local_shell_open, .shell_resize = local_shell_resize,
	.shell_close = local_shell_close, .alive = local_alive,
	.destroy = local_destroy,
	/* the sandbox: hidden paths, and the door for one approved command */
	.hidden = local_hidden,
	.escalate = local_escalate, .escalate_end = local_escalate_end,
};

/* A workspace on this machine, rooted at root (or workspace_dir, or cwd). */
struct workspace *
ws_local_create(const struct config *cfg, const char *root, char **cause)
{
	struct workspace *ws;
	struct local *l;
	char *real, *bash;

	struct sandbox *sb = NULL;

	if ((real = ws_resolve_root(cfg, root, cause)) == NULL)
		return NULL;
	/* No config (unit tests): no sandbox. */
	if (cfg != NULL && (sb = sandbox_new(cfg, real, cause)) == NULL) {
		free(real);
		return NULL;
	}
	ws = xcalloc(1, sizeof *ws);
	ws->sandbox = sb;
	l = xcalloc(1, sizeof *l);
	l->master = -1;
	l->door = -1;
	ws->ops = &local_ops;
	ws->root = real;
	ws->model_root = xstrdup(real);
	ws->id = xstrdup(real);
	ws->pid = -1;
	bash = spawn_which("bash");
	ws->shell_name = xstrdup(bash != NULL ? "bash" : "sh");
	free(bash);
	ws->priv = l;
	log_debug("local workspace at %s", real);
	return ws;
}
