/*
 * workspace.h: where the agent's actions run.
 *
 * A workspace is a vtable: local (a directory here) or docker (a container
 * cade creates and drives through the Docker Engine API; the host always
 * calls in).  Both provide a root directory on the host (file tools work
 * there directly; for docker it is the bind mount) and a byte stream to one
 * interactive shell (a pty master for local, the hijacked exec socket for
 * docker).  Paths the model sees are "model paths": the root itself for
 * local, /workspace for docker; ws_to_host()/ws_to_model() map them.
 */
#ifndef CADE_WORKSPACE_H
#define CADE_WORKSPACE_H

#include <sys/types.h>

struct config;
struct loop;
struct sandbox;
struct workspace;

/*
 * A health check's answer: there, gone, there but maybe not for long (ask
 * again in a moment), or no answer yet (the question is under way: ask
 * again in a moment; it does not count as an answer).
 */
enum ws_health { WS_ALIVE, WS_GONE, WS_UNSURE, WS_ASKING };

struct ws_ops {
	const char	*name;
	/* Start the interactive shell; returns a non-blocking fd for its byte stream. */
	int	(*shell_open)(struct workspace *, int rows, int cols, char **cause);
	int	(*shell_resize)(struct workspace *, int rows, int cols);
	/* Close the shell stream (the fd returned by shell_open). */
	void	(*shell_close)(struct workspace *);
	/* 1 while the shell/container is alive. */
	int	(*alive)(struct workspace *);
	/* After the shell stream ended: is the workspace still there?  Never
	 * waits: WS_ALIVE, WS_GONE (error() says why), WS_UNSURE (ask again
	 * in a moment), or WS_ASKING (the backend is finding out on the loop:
	 * ask again in a moment).  May be NULL: a new shell can always start. */
	enum ws_health (*check)(struct workspace *);
	/* Why the workspace is gone, or NULL.  May be NULL. */
	const char *(*error)(const struct workspace *);
	/* Stop and clean up (docker: stop and remove the container unless kept). */
	void	(*destroy)(struct workspace *);
	/* 1 if a host path is hidden from the shell (the sandbox's credentials); may be NULL. */
	int	(*hidden)(const struct workspace *, const char *host_path);
	/*
	 * Escalation (local sandbox; may be NULL): arm so that the shell
	 * running ws_escalate_line() has command run outside the sandbox in
	 * its cwd and environment; -1 with *cause if the shell has no door.
	 * escalate_end disarms (and ends the outside command if still running).
	 */
	int	(*escalate)(struct workspace *, struct loop *, const char *command,
		    char **cause);
	void	(*escalate_end)(struct workspace *);
};

struct workspace {
	const struct ws_ops	*ops;
	char			*root;		/* host directory, absolute, realpath'd */
	char			*model_root;	/* what the model sees: root or "/workspace" */
	char			*shell_name;	/* "bash" or "sh": which shell was found */
	char			*id;		/* display: path or container id */
	pid_t			 pid;		/* local shell pid, or -1 */
	struct sandbox		*sandbox;	/* local: the shell's containment; NULL for docker */
	int			 idle_stop;	/* the shell is idle: stop it with no grace */
	struct loop		*loop;		/* the shell's loop (set by shell_start) */
	void			*priv;
};

/* Create from config ("workspace", "workspace_dir", "image", ...); root
 * (NULL: workspace_dir or cwd) as for ws_resolve_root(). */
struct workspace	*ws_create(const struct config *, const char *root,
			    const char *session_id, char **cause);
struct workspace	*ws_local_create(const struct config *, const char *root, char **cause);
struct workspace	*ws_docker_create(const struct config *, const char *root,
			    const char *session_id, char **cause);
void			 ws_destroy(struct workspace *);
/* ops->check and ops->error, for callers that do not care which backend. */
enum ws_health		 ws_check(struct workspace *);
const char		*ws_error(const struct workspace *);
/* The root to use: root if given, else workspace_dir, else cwd; realpath'd, caller frees. */
char			*ws_resolve_root(const struct config *, const char *root, char **cause);
/*
 * Containment of the workspace's commands, for the status bar and
 * session_start: "ns", "landlock", "off" (local) or "docker".
 */
const char		*ws_containment(const struct workspace *);
/* 1 if commands may reach the network (network = bridge, or nothing contains them). */
int			 ws_network(const struct workspace *, const struct config *);
/* 1 if host_path is hidden from the workspace's commands (the file tools refuse it too). */
static inline int
ws_hidden(const struct workspace *ws, const char *host_path)
{
	return ws != NULL && ws->ops != NULL && ws->ops->hidden != NULL &&
	    ws->ops->hidden(ws, host_path);
}
/* The line to type into the shell after ops->escalate (bash only). */
const char		*ws_escalate_line(void);
/* Model path -> host path (NULL if outside the workspace); caller frees. */
char			*ws_to_host(const struct workspace *, const char *model_path);
/* Host path -> model path; caller frees. */
char			*ws_to_model(const struct workspace *, const char *host_path);

#endif
