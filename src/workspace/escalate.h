/*
 * escalate.h: running one approved command outside the local sandbox, in
 * the shell's directory and environment (escalate.c; doc/SANDBOX.md).
 * Private to src/workspace/: local.c owns the door and the esc.
 */
#ifndef CADE_ESCALATE_H
#define CADE_ESCALATE_H

#include <stddef.h>

struct loop;
struct esc;

/* door: our end of the socket pair (the shell has the other on fd 63); not owned. */
struct esc	*esc_new(struct loop *, int door, int master, const char *const *env_unset);
void		 esc_free(struct esc *);
/* The next state message from the shell runs command outside; -1 with *cause. */
int		 esc_arm(struct esc *, const char *command, char **cause);
/* Stop waiting; an outside command still running is ended. */
void		 esc_disarm(struct esc *);
/* The bash line that hands the shell's state over and waits for the status. */
const char	*esc_shell_line(void);

/*
 * The shell's message (escmsg.c, untrusted bytes): 1 once msg holds it
 * whole; parse: *cwd (absolute) and *envp point into msg, *envp is a
 * NULL-terminated array the caller frees (not its strings), entries named
 * in unset left out.  -1 if malformed.
 */
int		 esc_msg_complete(const char *msg, size_t len);
int		 esc_msg_parse(const char *msg, size_t len, const char *const *unset,
		    const char **cwd, const char ***envp);

#endif
