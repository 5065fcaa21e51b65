/*
 * terminal.c: the terminal tool, a thin wrapper over the session's shell.
 *
 * A command goes to shell_run(); is_input text (or keys such as "C-c") goes
 * to shell_input(); an empty command while something runs just collects
 * more of its output.  The shell calls back from the loop when the command
 * ends or its timeout fires (the command is then left running and the
 * model is told how to continue), and the shell_result becomes a
 * tool_result: the cleaned output plus one status line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/shell.h"
#include "cade/tool.h"
#include "cade/util.h"

#include "tools-int.h"

#define TERM_MAX_TIMEOUT	3600

struct term_call {
	tool_done_fn	 done;
	void		*arg;
	int		 timeout;
};

/* Convert the shell's result and hand it on. */
static void
term_done(struct shell_result *sr, void *arg)
{
	struct term_call *call = arg;
	struct tool_result *r = tool_result_new();
	struct buf b;

	buf_init(&b, 0);
	(void)buf_append(&b, sr->output, sr->len);
	if (b.len > 0 && b.s[b.len - 1] != '\n')
		(void)buf_putc(&b, '\n');
	if (sr->truncated)
		(void)buf_printf(&b, "[%zu bytes of output cut from the middle]\n",
		    sr->dropped);
	if (sr->timed_out)
		(void)buf_printf(&b, "[still running after %d s: send an empty command "
		    "to wait for more output, or is_input \"C-c\" to interrupt it]\n",
		    call->timeout);
	else if (sr->exit_code >= 0)
		(void)buf_printf(&b, "[exit code %d]\n", sr->exit_code);
	r->text = buf_detach(&b, NULL);
	buf_free(&b);
	r->has_exit = !sr->timed_out && sr->exit_code >= 0;
	r->exit_code = sr->exit_code;
	r->timed_out = sr->timed_out;
	r->truncated = sr->truncated;
	memcpy(r->digest, sr->digest, sizeof r->digest);
	r->digest[sizeof r->digest - 1] = '\0';
	shell_result_free(sr);
	call->done(r, call->arg);
	free(call);
}

static void
term_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	const char *cmd = tool_arg_str(args, "command");
	int is_input = tool_arg_bool(args, "is_input", 0);
	struct term_call *call;
	char *cause = NULL;
	long timeout;
	int rc;

	if (cmd == NULL) {
		done(tool_result_error("missing required parameter 'command'"), arg);
		return;
	}
	if (ctx->shell == NULL || shell_dead(ctx->shell)) {
		done(tool_result_error("the shell is not running"), arg);
		return;
	}
	if (tool_arg_int(args, "timeout", conf_int(ctx->cfg, "command_timeout"),
	    &timeout) == -1 || timeout < 1) {
		done(tool_result_error("'timeout' must be a positive number of seconds"), arg);
		return;
	}
	if (timeout > TERM_MAX_TIMEOUT)
		timeout = TERM_MAX_TIMEOUT;
	if (!is_input && *cmd != '\0' && shell_busy(ctx->shell)) {
		done(tool_result_error("a command is still running: send an empty command "
		    "to see its new output, or is_input \"C-c\" to interrupt it"), arg);
		return;
	}
	if (!is_input && *cmd == '\0' && !shell_busy(ctx->shell)) {
		done(tool_result_error("command is empty and nothing is running"), arg);
		return;
	}
	call = xcalloc(1, sizeof *call);
	call->done = done;
	call->arg = arg;
	call->timeout = (int)timeout;
	if (is_input || *cmd == '\0')
		rc = shell_input(ctx->shell, cmd, (int)timeout, term_done, call, &cause);
	else
		rc = shell_run(ctx->shell, cmd, (int)timeout, term_done, call, &cause);
	if (rc == -1) {
		free(call);
		done(tool_result_error("%s", cause != NULL ? cause : "the shell refused "
		    "the command"), arg);
		free(cause);
	}
}

/* The command (first line), or the keys sent. */
static char *
term_summary(const cJSON *args)
{
	const char *cmd = tool_arg_str(args, "command");
	size_t n = 0;

	if (cmd == NULL)
		return xstrdup("");
	if (tool_arg_bool(args, "is_input", 0))
		return xasprintf("input: %s", cmd);
	while (cmd[n] != '\0' && cmd[n] != '\n' && n < 200)
		n++;
	return cmd[n] == '\0' ? xstrdup(cmd) : xasprintf("%.*s ...", (int)n, cmd);
}

const struct tool_entry tool_terminal = {
	.name = "terminal",
	.description = "Run a bash command in a persistent shell (cwd, env and "
	    "background jobs persist; a real terminal). A command still running at "
	    "the timeout keeps running: call again with an empty command to wait, or "
	    "is_input true to send text or keys (C-c, C-d, C-z, Enter). Avoid "
	    "interactive programs and pagers; chain with && and cap long output.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"command\":{\"type\":\"string\"},"
	    "\"timeout\":{\"type\":\"integer\",\"description\":\"seconds (default from "
	    "config)\"},"
	    "\"is_input\":{\"type\":\"boolean\",\"description\":\"send command as input "
	    "to the running process\"},"
	    TOOL_RISK_PROP "},\"required\":[\"command\",\"security_risk\"]}",
	.mutating = 1,
	.exec = term_exec,
	.preview = NULL,
	.summary = term_summary,
};
