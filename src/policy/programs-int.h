/*
 * programs-int.h: what programs.c and programs-world.c share (the per-program
 * checks of the policy engine); not a public contract.
 */
#ifndef CADE_PROGRAMS_INT_H
#define CADE_PROGRAMS_INT_H

#include <stddef.h>

#include "policy-int.h"

typedef void	(*prog_opt_fn)(struct prog_call *, const struct shp_word *,
		    const char *opt);

struct prog_scan {
	struct pol_ctx	*x;
	const char	*prog;
};

/* programs.c: what the checks share */
void		 prog_code(struct pol_ctx *x, const char *prog,
		    const char *what, const char *s, size_t n);
/* The segment no longer changes nothing. */
void		 prog_not_readonly(struct pol_ctx *x);
const struct shp_word *prog_operand(struct prog_call *pc,
		    const char *argopts,
		    const char *longs, size_t *at);
/* An option's value is shell code the program runs. */
void		 prog_opt_code(struct prog_call *pc, const struct shp_word *v,
		    const char *opt);
void		 prog_opt_script(struct prog_call *pc,
		    const struct shp_word *v, const char *opt);
int		 prog_opts(struct prog_call *pc, const char *shorts,
		    const char *longs, prog_opt_fn fn);
/* A program runs code whose text is not visible here. */
void		 prog_runs(struct pol_ctx *x, const char *prog,
		    const char *what);
void		 prog_scan_cb(void *arg, int what, const char *s, size_t n);
/* Run a scanner over a word. */
void		 prog_scan_word(struct prog_call *pc, const struct shp_word *w,
		    void (*scan)(const char *, size_t, pol_scan_fn, void *));
/* make/just/npm run ... TARGET: targets named for the world ask. */
void		 prog_targets(struct prog_call *pc, size_t from);

/* programs.c: checks named in the command table (commands.c) */
void		 prog_awk(struct prog_call *pc);
void		 prog_declare(struct prog_call *pc);
void		 prog_emacs(struct prog_call *pc);
void		 prog_gdb(struct prog_call *pc);
void		 prog_lldb(struct prog_call *pc);
void		 prog_kill(struct prog_call *pc);
void		 prog_make(struct prog_call *pc);
void		 prog_man(struct prog_call *pc);
void		 prog_pager(struct prog_call *pc);
void		 prog_parallel(struct prog_call *pc);
void		 prog_printf(struct prog_call *pc);
void		 prog_read(struct prog_call *pc);
void		 prog_rsync(struct prog_call *pc);
void		 prog_sed(struct prog_call *pc);
void		 prog_shell(struct prog_call *pc);
void		 prog_ssh(struct prog_call *pc);
void		 prog_tar(struct prog_call *pc);
void		 prog_vim(struct prog_call *pc);
void		 prog_zip(struct prog_call *pc);

/* programs-world.c: checks named in the command table */
void		 prog_fetch_run(struct prog_call *pc);
void		 prog_cargo(struct prog_call *pc);
void		 prog_fetch_always(struct prog_call *pc);
/* gh/glab: what each sub-command does (read-only, writes, destroys). */
void		 prog_forge(struct prog_call *pc);
void		 prog_git(struct prog_call *pc);
/* curl/wget/httpie: data or a writing method sent to a non-local host. */
void		 prog_http(struct prog_call *pc);
void		 prog_httpie(struct prog_call *pc);
void		 prog_js(struct prog_call *pc);
void		 prog_npm(struct prog_call *pc);
void		 prog_yarn(struct prog_call *pc);
void		 prog_pip(struct prog_call *pc);
void		 prog_pkgtool(struct prog_call *pc);
/* python -m pip install ... */
void		 prog_python(struct prog_call *pc);
/* just/task/rake/invoke/nox/fab/mage TARGET. */
void		 prog_runner(struct prog_call *pc);
void		 prog_sql(struct prog_call *pc);
void		 prog_sqlite(struct prog_call *pc);

#endif
