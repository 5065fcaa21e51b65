/*
 * event-table.h: every event type and each of its fields, declared once.
 *
 * This file is an X-macro list (neovim's ui_events.in.h is the model): it
 * is included several times with EVENT, F and EVENT_END defined to build
 * the enum event_type, one struct ev_<name> of fields per type, the typed
 * event_post_<name>() functions, the field descriptors the encoder and the
 * accessors check against, and (through tests/docs.sh) doc/EVENTS.md.
 * Adding a field is adding one F() line here and one row in doc/EVENTS.md.
 *
 *   EVENT(ID, name, transient, what it says)
 *   F(name, kind, field, meaning)
 *   EVENT_END(name)
 *
 * Kinds (the C type of the struct member, and when the field is written):
 *   STR    const char *	always; NULL is written as ""
 *   OSTR   const char *	only when not NULL
 *   INT    int64_t		always
 *   OINT   int64_t		only when has_<field> is set
 *   NUM    double		always
 *   BOOL   int		always, true or false
 *   OBOOL  int		only when true
 *   JSON   const cJSON *	always (copied); NULL is written as null
 *   OJSON  const cJSON *	only when not NULL (copied)
 * Transient events reach the live sinks and are never stored.
 */

EVENT(SESSION_START, session_start, 0, "a session opened (or was resumed)")
F(session_start, STR, id, "the session id")
F(session_start, STR, cwd, "cade's working directory")
F(session_start, STR, root, "the workspace root")
F(session_start, STR, workspace, "the workspace kind: local or docker")
F(session_start, STR, workspace_id, "the container id (docker) or empty")
F(session_start, STR, shell, "the shell the workspace runs")
F(session_start, STR, model, "the configured model")
F(session_start, STR, version, "cade's version")
F(session_start, OBOOL, resumed, "the session continues a stored one")
F(session_start, JSON, sandbox, "what contains commands: {mechanism (ns, landlock, off, docker), wanted, network (on, off), writable, hidden, why_off}")
EVENT_END(session_start)

EVENT(USER_MESSAGE, user_message, 0, "a message to the model from the person")
F(user_message, STR, text, "the message")
F(user_message, OBOOL, automated, "a nudge cade sent, not the person")
F(user_message, OBOOL, skill, "an injected skill")
F(user_message, OJSON, images, "images sent after the text: [{path, mime, bytes, sha256}]; the bytes are kept once per content in the session's blobs/<sha256>")
EVENT_END(user_message)

EVENT(ASSISTANT_DELTA, assistant_delta, 1, "a piece of the streamed answer")
F(assistant_delta, STR, text, "the piece")
EVENT_END(assistant_delta)

EVENT(REASONING_DELTA, reasoning_delta, 1, "a piece of streamed reasoning")
F(reasoning_delta, STR, text, "the piece")
EVENT_END(reasoning_delta)

EVENT(ASSISTANT_MESSAGE, assistant_message, 0, "the model's whole reply")
F(assistant_message, STR, text, "the answer text")
F(assistant_message, OSTR, reasoning, "the reasoning text")
F(assistant_message, JSON, tool_calls, "the calls: [{id, name, arguments (JSON text)}]")
F(assistant_message, OBOOL, incomplete, "the stream ended early")
F(assistant_message, OBOOL, cancelled, "the person cancelled the reply")
F(assistant_message, OSTR, finish_reason, "the finish reason the server gave")
F(assistant_message, STR, model, "the model that answered")
EVENT_END(assistant_message)

EVENT(TOOL_CALL, tool_call, 0, "the model asked for a tool")
F(tool_call, STR, call_id, "the call's id")
F(tool_call, STR, name, "the tool")
F(tool_call, OJSON, arguments, "the arguments (an object)")
F(tool_call, OSTR, arguments_text, "the arguments when they are not valid JSON")
EVENT_END(tool_call)

EVENT(POLICY_DECISION, policy_decision, 0, "the gate decided on a call")
F(policy_decision, STR, call_id, "the call's id")
F(policy_decision, STR, tool, "the tool")
F(policy_decision, OSTR, action, "what the call does, in one line")
F(policy_decision, STR, risk, "LOW, MEDIUM, HIGH or UNKNOWN")
F(policy_decision, STR, decision, "allow, ask or deny")
F(policy_decision, STR, rule, "the rule that matched")
F(policy_decision, STR, reason, "why")
F(policy_decision, STR, by, "who decided: policy, person, flag:--yes, headless, ...")
F(policy_decision, OSTR, suggest, "a narrow allow rule for this action")
F(policy_decision, OSTR, scope, "how long a person's answer holds")
F(policy_decision, OSTR, preview, "what the person was shown")
F(policy_decision, OSTR, undo, "on ask: whether a checkpoint can undo the action (undoable: ... / not undoable: ...)")
EVENT_END(policy_decision)

EVENT(TOOL_RUNNING, tool_running, 0, "an allowed call started")
F(tool_running, STR, call_id, "the call's id")
F(tool_running, OSTR, name, "the tool")
EVENT_END(tool_running)

EVENT(TOOL_OUTPUT, tool_output, 0, "a running command's output so far, kept so a resume after a crash can say what was seen")
F(tool_output, STR, call_id, "the call's id")
F(tool_output, STR, text, "output since the call's previous tool_output")
EVENT_END(tool_output)

EVENT(OBSERVATION, observation, 0, "what a call gave back")
F(observation, STR, call_id, "the call's id")
F(observation, STR, name, "the tool")
F(observation, STR, text, "the whole output")
F(observation, OINT, exit_code, "the command's exit status")
F(observation, OBOOL, error, "the call failed")
F(observation, OBOOL, refused, "the call was refused and never ran")
F(observation, OBOOL, timed_out, "the command ran out of time")
F(observation, OBOOL, truncated, "the output was cut at the cap")
F(observation, OSTR, diff, "the change to the workspace, unified diff")
F(observation, STR, digest, "sha256 of the output")
F(observation, OINT, duration_ms, "how long it ran")
F(observation, OJSON, extra, "tool-specific data, e.g. {plan}")
EVENT_END(observation)

EVENT(STATE, state, 0, "the agent changed state")
F(state, STR, from, "the state it left (see agent_state_name)")
F(state, STR, to, "the state it entered")
EVENT_END(state)

EVENT(USAGE, usage, 0, "tokens and cost of one reply")
F(usage, STR, model, "the model")
F(usage, BOOL, reported, "the server reported usage (else estimated)")
F(usage, INT, prompt_tokens, "input tokens of this reply")
F(usage, INT, completion_tokens, "output tokens of this reply")
F(usage, INT, cached_tokens, "input tokens served from cache")
F(usage, INT, reasoning_tokens, "output tokens spent reasoning")
F(usage, NUM, cost, "cost of this reply")
F(usage, INT, request_bytes, "bytes sent")
F(usage, INT, response_bytes, "bytes received")
F(usage, INT, total_prompt_tokens, "session total of input tokens")
F(usage, INT, total_completion_tokens, "session total of output tokens")
F(usage, INT, total_cached_tokens, "session total of cached tokens")
F(usage, NUM, total_cost, "session total cost")
F(usage, OBOOL, implausible, "the server sent an absurd token count, clamped to 10^9")
EVENT_END(usage)

EVENT(RETRY, retry, 0, "the LLM client will try again")
F(retry, INT, attempt, "the attempt about to start")
F(retry, INT, max, "the most attempts")
F(retry, INT, delay_ms, "the wait before it")
F(retry, STR, reason, "what failed")
F(retry, STR, model, "the model")
EVENT_END(retry)

EVENT(ERROR, error, 0, "something failed")
F(error, STR, kind, "the area: workspace, store, condense, internal, or an LLM status")
F(error, STR, message, "what happened")
EVENT_END(error)

EVENT(NOTICE, notice, 0, "something the person should know")
F(notice, STR, text, "the notice")
F(notice, OSTR, title, "a session title (cade sessions shows it)")
F(notice, OSTR, level, "warning: also printed on stderr by headless runs without -v")
EVENT_END(notice)

EVENT(CONDENSATION, condensation, 0, "older history was replaced by a summary")
F(condensation, STR, summary, "the model's summary")
F(condensation, STR, text, "the message that replaced the history")
F(condensation, INT, from, "first replaced history message (index)")
F(condensation, INT, to, "end of the replaced range (index, exclusive)")
F(condensation, INT, tokens_before, "estimated request tokens before")
F(condensation, INT, tokens_after, "estimated request tokens after")
EVENT_END(condensation)

EVENT(FINISH, finish, 0, "a task ended")
F(finish, STR, status, "finished, replied, limit, budget, stuck, aborted, cancelled or error")
F(finish, STR, message, "the final answer or why it stopped")
F(finish, INT, steps, "model requests made")
F(finish, INT, prompt_tokens, "session input tokens")
F(finish, INT, completion_tokens, "session output tokens")
F(finish, NUM, cost, "session cost")
F(finish, INT, refusals, "calls refused")
EVENT_END(finish)

EVENT(TOOL_PROGRESS, tool_progress, 1, "progress of a running MCP tool, shown in its card")
F(tool_progress, STR, call_id, "the call's id")
F(tool_progress, NUM, progress, "how far, in the server's units")
F(tool_progress, NUM, total, "the end of the scale, 0 if unknown")
F(tool_progress, OSTR, message, "what the server says it is doing")
EVENT_END(tool_progress)

EVENT(CHECKPOINT, checkpoint, 0, "the workspace before and after a step that may change it (doc/CHECKPOINTS.md)")
F(checkpoint, STR, call_id, "the step's call id")
F(checkpoint, STR, tool, "the tool")
F(checkpoint, STR, summary, "the command or path")
F(checkpoint, INT, step, "the agent's step number")
F(checkpoint, JSON, before, "the snapshot before: {tree: git tree id in the shadow repository, git: sha256 of the project's git state or empty}")
F(checkpoint, JSON, after, "the snapshot after, the same form")
F(checkpoint, BOOL, changed, "before and after differ")
F(checkpoint, OJSON, files, "what changed: [{path, status A/D/M/T}], at most 200")
F(checkpoint, OJSON, big, "paths over checkpoint_max_file, noted and not copied")
F(checkpoint, INT, ms, "what both snapshots took")
EVENT_END(checkpoint)

EVENT(UNDO, undo, 0, "the workspace was put back: undo, redo or rewind")
F(undo, STR, action, "undo, redo or rewind")
F(undo, JSON, call_ids, "the steps affected")
F(undo, OSTR, call_id, "rewind: the step rewound to (the conversation goes on from before it)")
F(undo, JSON, from, "the workspace as found (a snapshot, as in checkpoint)")
F(undo, JSON, to, "the workspace as left")
F(undo, STR, what, "one line: what was done")
F(undo, JSON, files, "what the action changed: [{path, status}]")
F(undo, OBOOL, forced, "done over changes made outside cade")
F(undo, OJSON, outside, "those changes: [{path, status}]")
F(undo, OSTR, note, "what the model is told (undo and redo)")
EVENT_END(undo)
