/*
 * escalate.h: running one approved command outside the local sandbox, in
 * the shell's directory and environment (escalate.c; doc/SANDBOX.md).
 * Private to src/workspace/: local.c owns the door and the esc.
 */
#ifndef CADE_ESCALATE_H
#define CADE_ESCALATE_H

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

#endif
