/*
 * cade.h: program-wide constants: exit statuses (documented in cade(1))
 * and the entry points main() dispatches to.
 */
#ifndef CADE_CADE_H
#define CADE_CADE_H

struct config;

enum cade_exit {
	CADE_EXIT_OK = 0,		/* finished */
	CADE_EXIT_ERROR = 1,		/* LLM, config or workspace error */
	CADE_EXIT_USAGE = 2,		/* bad command line */
	CADE_EXIT_LIMIT = 3,		/* step or budget limit */
	CADE_EXIT_STUCK = 4,		/* stuck detection paused the agent */
	CADE_EXIT_POLICY = 5,		/* --on-ask abort */
	CADE_EXIT_INTERRUPTED = 130,	/* stopped by the person (as SIGINT) */
	CADE_EXIT_SIGNAL = 128		/* + N: stopped by signal N (143 SIGTERM) */
};

struct cade_run {
	const char	*prompt;	/* initial task, or NULL */
	const char	*resume;	/* session id, "last", or NULL */
};

/* Headless run (no TTY needed); returns an exit status. */
int	headless_main(struct config *, const struct cade_run *);
/* The TUI; returns an exit status. */
int	tui_main(struct config *, const struct cade_run *);
/* cade acp: the Agent Client Protocol on stdin/stdout; returns an exit status. */
int	acp_main(struct config *, const struct cade_run *);

#endif
