/*
 * terminal.c: the terminal tool, a thin wrapper over the session's shell.
 *
 * A command goes to shell_run(); is_input text (or keys such as "C-c") goes
 * to shell_input(); an empty command while something runs just collects
 * more of its output.  The shell calls back from the loop when the command
 * ends or its timeout fires (the command is then left running and the
 * model is told how to continue), and the shell_result becomes a
 * tool_result: the cleaned output plus one status line.
 *
 * sandbox "off" (approved by the gate, which rates it at least MEDIUM)
 * runs the command outside the local sandbox: the workspace is armed with
 * it and the shell is given ws_escalate_line(), which hands over its cwd
 * and environment and waits for the outside command's status, so output
 * and exit code come back the usual way (doc/SANDBOX.md).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/shell.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"

#include "tools-int.h"

#define TERM_MAX_TIMEOUT	3600

struct term_call {
	tool_done_fn	 done;
	void		*arg;
	int		 timeout;
	struct workspace *escalated;	/* ran outside the sandbox: disarm when done */
	const char	*note;		/* a line added to the output, or NULL */
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
	if (call->note != NULL)
		(void)buf_printf(&b, "[%s]\n", call->note);
	if (call->escalated != NULL && !sr->timed_out &&
	    call->escalated->ops->escalate_end != NULL)
		call->escalated->ops->escalate_end(call->escalated);
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
	const char *cmd = tool_arg_str(args, "command"), *sandbox;
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
	if (!is_input && *cmd != '\0' && (sandbox = tool_arg_str(args, "sandbox")) !=
	    NULL && strcmp(sandbox, "off") == 0) {
		/* Approved to run outside the sandbox (the gate rated it >= MEDIUM). */
		const char *c = ws_containment(ctx->ws);

		if (strcmp(c, "docker") == 0) {
			free(call);
			done(tool_result_error("sandbox \"off\" is for the local "
			    "workspace: the Docker container has no outside to run in"),
			    arg);
			return;
		}
		if (strcmp(c, "off") == 0)
			call->note = "no sandbox is in force: it ran as any command";
		else if (ctx->ws->ops->escalate == NULL ||
		    ctx->ws->ops->escalate(ctx->ws, ctx->loop, cmd, &cause) == -1) {
			free(call);
			done(tool_result_error("cannot run outside the sandbox: %s",
			    cause != NULL ? cause : "not supported here"), arg);
			free(cause);
			return;
		} else {
			call->escalated = ctx->ws;
			call->note = "ran outside the sandbox";
			cmd = ws_escalate_line();
		}
	}
	/* C-c also ends a command running outside the sandbox for the shell. */
	if (is_input && strstr(cmd, "C-c") != NULL &&
	    ctx->ws->ops->escalate_end != NULL)
		ctx->ws->ops->escalate_end(ctx->ws);
	if (is_input || *cmd == '\0')
		rc = shell_input(ctx->shell, cmd, (int)timeout, term_done, call, &cause);
	else
		rc = shell_run(ctx->shell, cmd, (int)timeout, term_done, call, &cause);
	if (rc == -1) {
		if (call->escalated != NULL)
			call->escalated->ops->escalate_end(call->escalated);
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
	const char *cmd = tool_arg_str(args, "command"), *sb, *out = "";
	size_t n = 0;

	if (cmd == NULL)
		return xstrdup("");
	if (tool_arg_bool(args, "is_input", 0))
		return xasprintf("input: %s", cmd);
	if ((sb = tool_arg_str(args, "sandbox")) != NULL && strcmp(sb, "off") == 0)
		out = "OUTSIDE THE SANDBOX: ";
	while (cmd[n] != '\0' && cmd[n] != '\n' && n < 200)
		n++;
	return cmd[n] == '\0' ? xasprintf("%s%s", out, cmd) :
	    xasprintf("%s%.*s ...", out, (int)n, cmd);
}

/* The command runs in the shell; is_input types it into what runs there. */
static void
term_effects(const cJSON *args, struct tool_effects *out)
{
	const char *cmd = tool_arg_str(args, "command");

	const char *sb = tool_arg_str(args, "sandbox"), *why;

	if (cmd == NULL)
		tool_effects_bad(out, "terminal call without a command");
	else
		tool_effects_command(out, cmd, tool_arg_bool(args, "is_input", 0));
	/* Points into args, which outlive the assessment. */
	if (sb != NULL && strcmp(sb, "off") == 0 &&
	    !tool_arg_bool(args, "is_input", 0)) {
		why = tool_arg_str(args, "justification");
		out->act.unsandboxed = why != NULL ? why : "";
	}
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
	    "\"sandbox\":{\"type\":\"string\",\"enum\":[\"on\",\"off\"],\"description\":"
	    "\"off: run this one command outside the sandbox (network, files outside "
	    "the workspace); always needs the person's approval\"},"
	    "\"justification\":{\"type\":\"string\",\"description\":\"why it must "
	    "run outside the sandbox (shown to the person)\"},"
	    TOOL_RISK_PROP "},\"required\":[\"command\",\"security_risk\"]}",
	.mutating = 1,
	.exec = term_exec,
	.preview = NULL,
	.summary = term_summary,
	.kind = TOOL_KIND_EXECUTE,
	.effects = term_effects,
	.in_shell = 1,
};
