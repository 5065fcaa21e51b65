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
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/conf.h"
#include "cade/log.h"
#include "cade/spawn.h"
#include "cade/util.h"
#include "cade/workspace.h"

/* Milliseconds a shell gets to exit on SIGHUP before SIGKILL. */
#define LOCAL_GRACE_MS 300

struct local {
	int	master;
	int	status;
	int	reaped;
};

static const char *const local_env_unset[] = {
	"LLM_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "CADE_LOG", NULL
};
static const char *const local_env_set[] = {
	"TERM=xterm-256color", NULL
};

/* Kill the shell (if any) and close its stream. */
static void
local_stop(struct workspace *ws)
{
	struct local *l = ws->priv;

	if (ws->pid > 0 && !l->reaped) {
		l->status = spawn_kill_session(ws->pid, LOCAL_GRACE_MS);
		l->reaped = 1;
	}
	if (l->master != -1) {
		close(l->master);
		l->master = -1;
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
	struct local *l = ws->priv;
	struct spawn_pty_args a;
	char *bash;
	pid_t pid;
	int fd;

	local_stop(ws);
	bash = spawn_which("bash");
	memset(&a, 0, sizeof a);
	a.argv = bash != NULL ? bash_argv : sh_argv;
	a.env_set = local_env_set;
	a.env_unset = local_env_unset;
	a.cwd = ws->root;
	a.rows = rows;
	a.cols = cols;
	free(ws->shell_name);
	ws->shell_name = xstrdup(bash != NULL ? "bash" : "sh");
	free(bash);
	if ((pid = spawn_pty(&a, &fd, cause)) == -1)
		return -1;
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
}

static const struct ws_ops local_ops = {
	.name = "local",
	.shell_open = local_shell_open,
	.shell_resize = local_shell_resize,
	.shell_close = local_shell_close,
	.alive = local_alive,
	.destroy = local_destroy,
};

/* A workspace on this machine, rooted at root (or workspace_dir, or cwd). */
struct workspace *
ws_local_create(const struct config *cfg, const char *root, char **cause)
{
	struct workspace *ws;
	struct local *l;
	char *real, *bash;

	if ((real = ws_resolve_root(cfg, root, cause)) == NULL)
		return NULL;
	ws = xcalloc(1, sizeof *ws);
	l = xcalloc(1, sizeof *l);
	l->master = -1;
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
