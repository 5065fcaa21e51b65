// acp-client.mjs: drives `cade acp` with the official ACP TypeScript client
// (@agentclientprotocol/sdk 2.4.0) for tests/acp.sh.  One scenario per run:
//   node acp-client.mjs SCENARIO WORKDIR [extra cade flags...]
// Environment: CADE (the binary), ACP_SDK (the package directory).
// Prints "PASS text" / "FAIL text" lines (acp.sh turns them into TAP) and
// "VAR name=value" lines for values a later scenario needs.  Every wait has
// a deadline; nothing sleeps for a fixed time.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pathToFileURL } from "node:url";

const [scenario, work, ...cadeFlags] = process.argv.slice(2);
const acp = await import(pathToFileURL(join(process.env.ACP_SDK,
    "dist/v1/stable/acp.js")).href);
const DEADLINE = 60000;
let failures = 0;

function check(cond, text) {
	console.log(`${cond ? "PASS" : "FAIL"} ${text}`);
	if (!cond)
		failures++;
	return cond;
}

// Wait until fn() is true, polling every 20 ms, up to the deadline.
async function until(fn, what, ms = DEADLINE) {
	const end = Date.now() + ms;
	while (!fn()) {
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

function startCade(flags = []) {
	const child = spawn(process.env.CADE, ["acp", ...cadeFlags, ...flags], {
		cwd: work, stdio: ["pipe", "pipe", "pipe"] });
	child.stderrText = "";
	child.stderr.on("data", (d) => { child.stderrText += d; });
	child.exited = new Promise((r) => child.on("exit", (code, sig) => r({ code, sig })));
	return child;
}

// A client whose permission answers come from the queue `answers`.
function makeClient(state) {
	return acp.client({ name: "cade-test" })
	    .onRequest("session/request_permission", async ({ params }) => {
		state.asks.push(params);
		const a = state.answers.shift() ?? "reject_once";
		if (a === "cancelled")
			return { outcome: { outcome: "cancelled" } };
		if (a === "hold") {	// answer "cancelled" once the test says so
			await until(() => state.release, "the test to release the request");
			return { outcome: { outcome: "cancelled" } };
		}
		if (a === "error")
			throw new Error("the test client refuses to answer");
		return { outcome: { outcome: "selected", optionId: a } };
	    })
	    .onNotification("session/update", async ({ params }) => {
		state.updates.push(params);
	    });
}

async function withCade(fn, flags = []) {
	const child = startCade(flags);
	const state = { asks: [], answers: [], updates: [] };
	const stream = acp.ndJsonStream(Writable.toWeb(child.stdin),
	    Readable.toWeb(child.stdout));
	try {
		await makeClient(state).connectWith(stream, (ctx) => fn(ctx, state, child));
	} finally {
		child.stdin.end();
	}
	const ex = await Promise.race([child.exited,
	    new Promise((r) => setTimeout(() => r(null), DEADLINE))]);
	if (!check(ex !== null && ex.code === 0, `cade acp exits 0 at EOF (${JSON.stringify(ex)})`))
		child.kill("SIGKILL");
	return state;
}

async function init(ctx) {
	return ctx.request("initialize", { protocolVersion: 1,
	    clientCapabilities: { fs: { readTextFile: false, writeTextFile: false } },
	    clientInfo: { name: "cade-test", version: "1" } });
}

const kinds = (st, sid) => st.updates.filter((u) => u.sessionId === sid)
    .map((u) => u.update);
const textOf = (ups, kind) => ups.filter((u) => u.sessionUpdate === kind)
    .map((u) => u.content.text).join("");

// Decisions in a stored session: the last one per call.
function decisions(id) {
	const file = join(process.env.XDG_STATE_HOME, "cade/sessions", id, "events.jsonl");
	const last = new Map();
	for (const line of readFileSync(file, "utf8").split("\n")) {
		if (!line)
			continue;
		const ev = JSON.parse(line);
		if (ev.type === "policy_decision")
			last.set(ev.call_id, ev);
	}
	return [...last.values()];
}

const scenarios = {
	// initialize, session/new, a prompt that edits a file and runs a command.
	async basic() {
		await withCade(async (ctx, st) => {
			const r = await init(ctx);
			check(r.protocolVersion === 1, "initialize: protocol version 1");
			check(r.agentCapabilities.loadSession === true, "initialize: loadSession");
			check(r.agentCapabilities.promptCapabilities.embeddedContext === true,
			    "initialize: embedded context in prompts");
			check(r.agentInfo.name === "cade", "initialize: agentInfo names cade");
			check(r.agentCapabilities.sessionCapabilities?.close !== undefined,
			    "initialize: session/close is offered");
			const s = await ctx.request("session/new", { cwd: work, mcpServers: [] });
			check(typeof s.sessionId === "string" && s.sessionId.length > 0,
			    "session/new: a session id");
			check(s.modes.currentModeId === "risky" &&
			    s.modes.availableModes.map((m) => m.id).join() === "always,risky,never",
			    "session/new: confirmation modes, risky by default");
			await until(() => kinds(st, s.sessionId).some((u) =>
			    u.sessionUpdate === "available_commands_update"), "commands");
			const cmds = kinds(st, s.sessionId).find((u) =>
			    u.sessionUpdate === "available_commands_update");
			check(cmds.availableCommands.some((c) => c.name === "compact"),
			    "available_commands_update lists slash commands");
			const p = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "write hello.txt and show it" },
				{ type: "resource_link", uri: `file://${work}/notes.md`, name: "notes.md" }] });
			check(p.stopReason === "end_turn", `prompt ends with end_turn (${p.stopReason})`);
			const ups = kinds(st, s.sessionId);
			const calls = ups.filter((u) => u.sessionUpdate === "tool_call");
			const edit = calls.find((c) => c.toolCallId === "call_edit");
			const run = calls.find((c) => c.toolCallId === "call_cat");
			check(edit && edit.kind === "edit" && edit.rawInput.path === "hello.txt" &&
			    edit.locations[0].path === join(work, "hello.txt"),
			    "tool_call for the edit: kind edit, rawInput, location");
			check(run && run.kind === "execute" && run.title === "cat hello.txt",
			    "tool_call for the command: kind execute, the command as title");
			const done = (id) => ups.filter((u) => u.sessionUpdate === "tool_call_update" &&
			    u.toolCallId === id && u.status === "completed")[0];
			const diff = done("call_edit")?.content?.find((c) => c.type === "diff");
			check(diff && diff.path === join(work, "hello.txt") && diff.oldText === null &&
			    diff.newText === "hello from cade\n", "the edit's update carries a diff");
			const pd = done("call_patch")?.content?.find((c) => c.type === "diff");
			check(pd && pd.path === join(work, "hello.txt") && pd.oldText === "hello from cade\n" &&
			    pd.newText === "hello from ACP\n", "an apply_patch edit carries the file before and after");
			check(ups.some((u) => u.sessionUpdate === "tool_call_update" &&
			    u.toolCallId === "call_cat" && u.status === "in_progress"),
			    "the command goes in_progress");
			check(/hello from ACP/.test(done("call_cat")?.content?.[0]?.content?.text ?? ""),
			    "the command's output is tool_call content");
			check(textOf(ups, "agent_message_chunk") === "All done.",
			    "the answer streams as agent_message_chunk");
			check(textOf(ups, "agent_thought_chunk") === "thinking about it",
			    "reasoning streams as agent_thought_chunk");
			const plan = ups.find((u) => u.sessionUpdate === "plan");
			check(plan && plan.entries.length === 2 && plan.entries[0].status === "completed" &&
			    plan.entries[1].status === "pending", "the task tracker's plan is a plan update");
			check(readFileSync(join(work, "hello.txt"), "utf8") === "hello from ACP\n",
			    "the file is on disk");
			const req = JSON.parse(readFileSync(join(process.env.RECORD, "req-0001.json"), "utf8"));
			check(JSON.stringify(req.messages).includes(`[notes.md](file://${work}/notes.md)`),
			    "a resource link reaches the model");
			console.log(`VAR session=${s.sessionId}`);
		});
	},

	// session/load of the session basic made: replayed as updates, then a prompt.
	async load() {
		const id = process.env.SESSION;
		await withCade(async (ctx, st) => {
			await init(ctx);
			const r = await ctx.request("session/load", { sessionId: id, cwd: work,
			    mcpServers: [] });
			check(r && r.modes.currentModeId === "risky", "session/load answers with the modes");
			const ups = kinds(st, id);
			check(textOf(ups, "user_message_chunk").startsWith("write hello.txt and show it"),
			    "replay: the user's message");
			check(textOf(ups, "agent_message_chunk") === "All done.", "replay: the answer");
			check(ups.some((u) => u.sessionUpdate === "tool_call" && u.toolCallId === "call_edit") &&
			    ups.some((u) => u.sessionUpdate === "tool_call_update" &&
			    u.toolCallId === "call_cat" && u.status === "completed"),
			    "replay: the tool calls and their results");
			const n = st.updates.length;
			const p = await ctx.request("session/prompt", { sessionId: id,
			    prompt: [{ type: "text", text: "and again?" }] });
			check(p.stopReason === "end_turn" &&
			    textOf(kinds(st, id).slice(n), "agent_message_chunk") === "Again: done.",
			    "a loaded session takes prompts");
			const req = readFileSync(join(process.env.RECORD, "req-0001.json"), "utf8");
			check(req.includes("hello from ACP") && req.includes("and again?"),
			    "the loaded history reaches the model");
			let err = null;
			try {
				await ctx.request("session/load", { sessionId: "nope", cwd: work, mcpServers: [] });
			} catch (e) { err = e; }
			check(err && err.code === -32002, "loading an unknown session: resource not found");
			err = null;
			try {
				await ctx.request("session/prompt", { sessionId: id,
				    prompt: [{ type: "text", text: "this one fails" }] });
			} catch (e) { err = e; }
			check(err && err.code === -32603 && /401|key|auth/i.test(err.message),
			    `an LLM error ends the prompt with a JSON-RPC error (${err?.message})`);
		});
	},

	// A risky command: allow_once runs it, reject_once refuses it.
	async permission() {
		await withCade(async (ctx, st) => {
			await init(ctx);
			const s = await ctx.request("session/new", { cwd: work, mcpServers: [] });
			st.answers.push("allow_once");
			let p = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "remove one.txt" }] });
			check(st.asks.length === 1, "the risky command raises session/request_permission");
			const ask = st.asks[0];
			const kinds_ = ask.options.map((o) => o.kind);
			check(ask.toolCall.toolCallId === "call_rm1" && ask.toolCall.kind === "execute" &&
			    kinds_.includes("allow_once") && kinds_.includes("reject_once"),
			    `it names the call and offers allow/reject (${kinds_.join(",")})`);
			check(!kinds_.includes("allow_always") ||
			    ask.options.find((o) => o.kind === "allow_always").name.includes("rm"),
			    "allow_always names the rule it would add");
			check(p.stopReason === "end_turn", "the turn ends normally");
			check(!existsSync(join(work, "one.txt")), "allow_once: the command ran (one.txt is gone)");
			st.answers.push("reject_once");
			p = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "remove two.txt" }] });
			check(st.asks.length === 2 && p.stopReason === "end_turn",
			    "reject_once: asked, and the turn ends with end_turn after the answer");
			check(existsSync(join(work, "two.txt")), "reject_once: the command did not run (two.txt is there)");
			const upd = kinds(st, s.sessionId).filter((u) => u.sessionUpdate === "tool_call_update" &&
			    u.toolCallId === "call_rm2" && u.status === "failed");
			check(upd.length === 1, "the refused call is reported failed");
			const req = readFileSync(join(process.env.RECORD, "req-0004.json"), "utf8");
			check(req.includes("the person rejected this action"), "the model is told of the refusal");
			st.answers.push("error");
			p = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "remove three.txt" }] });
			check(existsSync(join(work, "three.txt")) && p.stopReason === "end_turn",
			    "a client error answering is a refusal");
			st.answers.push("allow_always");
			await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "push main twice" }] });
			const always = st.asks[3];
			const opt = always?.options.find((o) => o.kind === "allow_always");
			check(st.asks.length === 4 && opt && opt.name.includes("allow: git push origin main"),
			    "allow_always names the narrow rule; the same command then runs without asking");
			st.answers.push("reject_always");
			await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "push release twice" }] });
			check(st.asks.length === 5 && st.asks[4].options.some((o) => o.kind === "reject_always"),
			    "reject_always: asked once, and the same command is then refused without asking");
			st.answers.push("cancelled");
			p = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "remove four.txt" }] });
			check(existsSync(join(work, "four.txt")) && p.stopReason === "end_turn",
			    "a cancelled permission request is a refusal told to the model");
			const d = decisions(s.sessionId);
			const by = (id) => d.find((e) => e.call_id === id);
			check(by("call_rm1")?.decision === "allow" && by("call_rm1")?.by === "person" &&
			    by("call_rm2")?.decision === "deny" && by("call_rm2")?.by === "person",
			    "the audit records the person's decisions");
			check(by("call_push1")?.decision === "allow" && by("call_push1")?.scope === "session" &&
			    by("call_push2")?.decision === "allow" && by("call_push2")?.by === "policy" &&
			    by("call_push3")?.decision === "deny" && by("call_push3")?.by === "person" &&
			    by("call_push4")?.decision === "deny" && by("call_push4")?.by === "policy",
			    "the always answers are recorded, and later calls decided by the new rules");
			const denied = by("call_deny");
			check(denied?.decision === "deny" && denied?.by === "policy" &&
			    st.asks.every((a) => a.toolCall.toolCallId !== "call_deny"),
			    "a deny rule refuses without asking the client");
		});
	},

	// session/cancel while a command runs.
	async cancel() {
		await withCade(async (ctx, st) => {
			await init(ctx);
			const s = await ctx.request("session/new", { cwd: work, mcpServers: [] });
			const t0 = Date.now();
			const pr = ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "wait a while" }] });
			await until(() => kinds(st, s.sessionId).some((u) =>
			    u.sessionUpdate === "tool_call_update" && u.status === "in_progress" &&
			    /live-1/.test(u.content?.[0]?.content?.text ?? "")),
			    "the command's first output line");
			check(true, "a running command's output streams as in_progress content");
			const all = JSON.stringify(st.updates);
			check(!all.includes("tok-acp-0123456789") && all.includes("<secret-hidden>"),
			    "a secret in the live output is masked");
			await ctx.notify("session/cancel", { sessionId: s.sessionId });
			const p = await pr;
			check(p.stopReason === "cancelled", `session/cancel: stopReason cancelled (${p.stopReason})`);
			check(Date.now() - t0 < 30000, "the command was interrupted, not waited for");
			check(!existsSync(join(work, "late.txt")), "the rest of the command never ran");
			const p2 = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "still there?" }] });
			check(p2.stopReason === "end_turn", "the session takes the next prompt");
			st.answers.push("hold");
			const p3 = ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "remove keep.txt" }] });
			await until(() => st.asks.length === 1, "the permission request");
			await ctx.notify("session/cancel", { sessionId: s.sessionId });
			check((await p3).stopReason === "cancelled",
			    "session/cancel while a permission request is out: cancelled");
			check(existsSync(join(work, "keep.txt")), "the action waiting for permission never ran");
			st.answers.push("allow_once");
			const p4 = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "remove keep.txt, really" }] });
			check(st.asks.length === 2 && p4.stopReason === "end_turn" &&
			    !existsSync(join(work, "keep.txt")),
			    "the next prompt asks again (the first request still unanswered) and runs the allowed action");
			st.release = true;
		});
	},

	// stop reasons: refusal, max_tokens, max_turn_requests (--max-steps 3, per prompt).
	async stops() {
		await withCade(async (ctx, st) => {
			await init(ctx);
			const s = await ctx.request("session/new", { cwd: work, mcpServers: [] });
			const ask = async (text) => (await ctx.request("session/prompt",
			    { sessionId: s.sessionId, prompt: [{ type: "text", text }] })).stopReason;
			check(await ask("something forbidden") === "refusal",
			    "a content filter stop is refusal");
			check(await ask("write a lot") === "max_tokens",
			    "replies that keep hitting the output limit: max_tokens");
			check(await ask("think forever") === "max_turn_requests",
			    "the step limit: max_turn_requests");
			check(await ask("go on") === "end_turn", "the next prompt has the step budget again");
			const r = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "/cost" }] });
			check(r.stopReason === "end_turn" && /tokens in/.test(textOf(kinds(st,
			    s.sessionId).slice(-1), "agent_message_chunk")),
			    "a slash command answers without the model");
			await ctx.request("session/set_mode", { sessionId: s.sessionId, modeId: "always" });
			await until(() => kinds(st, s.sessionId).some((u) =>
			    u.sessionUpdate === "current_mode_update" && u.currentModeId === "always"),
			    "current_mode_update");
			check(true, "session/set_mode switches the confirmation mode");
			let err = null;
			try {
				await ctx.request("session/set_mode", { sessionId: s.sessionId, modeId: "yolo" });
			} catch (e) { err = e; }
			check(err && err.code === -32602, "an unknown mode: invalid params");
		}, ["--max-steps", "3"]);
	},

	// Two sessions in one process, each with its own workspace and shell.
	async multi() {
		await withCade(async (ctx, st) => {
			await init(ctx);
			const a = await ctx.request("session/new", { cwd: join(work, "a"), mcpServers: [] });
			const b = await ctx.request("session/new", { cwd: join(work, "b"), mcpServers: [] });
			check(a.sessionId !== b.sessionId, "two sessions, two ids");
			const [pa, pb] = await Promise.all([
				ctx.request("session/prompt", { sessionId: a.sessionId,
				    prompt: [{ type: "text", text: "where am I" }] }),
				ctx.request("session/prompt", { sessionId: b.sessionId,
				    prompt: [{ type: "text", text: "where am I" }] })]);
			check(pa.stopReason === "end_turn" && pb.stopReason === "end_turn",
			    "both prompts end");
			check(existsSync(join(work, "a/here.txt")) && existsSync(join(work, "b/here.txt")),
			    "each command ran in its own session's directory");
			const c = await ctx.request("session/close", { sessionId: a.sessionId });
			let err = null;
			try {
				await ctx.request("session/prompt", { sessionId: a.sessionId,
				    prompt: [{ type: "text", text: "hello?" }] });
			} catch (e) { err = e; }
			check(c && err && err.code === -32002,
			    "session/close frees a session; it is then unknown");
		});
	},

	// mcpServers from session/new reach cade's MCP client.
	async mcp() {
		let loaded = null;
		await withCade(async (ctx, st) => {
			const r = await init(ctx);
			check(r.agentCapabilities.mcpCapabilities.http === true,
			    "initialize: MCP over HTTP is offered (stdio always is)");
			let err = null;
			try {
				await ctx.request("session/new", { cwd: work, mcpServers: [
				    { name: "x", type: "sse", url: "http://127.0.0.1:1/", headers: [] }] });
			} catch (e) { err = e; }
			check(err && err.code === -32602, "an SSE MCP server: invalid params");
			const s = await ctx.request("session/new", { cwd: work, mcpServers: [
			    { name: "t", command: process.env.MCPSRV, args: [],
				env: [{ name: "ACP_TEST_ENV", value: "1" }] }] });
			const p = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "echo through mcp" }] });
			const ups = kinds(st, s.sessionId);
			const done = ups.find((u) => u.sessionUpdate === "tool_call_update" &&
			    u.toolCallId === "call_m1" && u.status === "completed");
			check(p.stopReason === "end_turn" &&
			    /hi from mcp/.test(JSON.stringify(done?.content ?? [])),
			    "the client's MCP server runs the model's tool call");
			const call = ups.find((u) => u.sessionUpdate === "tool_call" &&
			    u.toolCallId === "call_m1");
			check(call && call.kind === "other" &&
			    call.title === 'mcp__t__echo {"text":"hi from mcp"}',
			    `an MCP tool's call is described by its entry: kind and title (${call?.kind} ${call?.title})`);
			loaded = s.sessionId;
		});
		// Loaded without its server: titled by the summary recorded with its decision.
		await withCade(async (ctx, st) => {
			await init(ctx);
			await ctx.request("session/load", { sessionId: loaded, cwd: work,
			    mcpServers: [] });
			const ups = kinds(st, loaded);
			check(ups.some((u) => u.toolCallId === "call_m1" &&
			    u.title === 'mcp__t__echo {"text":"hi from mcp"}'),
			    "session/load titles an MCP call from its recorded summary");
		});
	},

	// Image blocks (and an image resource's blob) reach the model as
	// image_url content parts, kept in the session's blobs as @path's are.
	async images() {
		const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAACklEQVR4nGMAAQAABQABDQottAAAAABJRU5ErkJggg==";
		const lastReq = () => {
			const f = readdirSync(process.env.RECORD).filter((n) =>
			    /^req-.*\.json$/.test(n)).sort().pop();
			return readFileSync(join(process.env.RECORD, f), "utf8");
		};
		await withCade(async (ctx, st) => {
			const r = await init(ctx);
			check(r.agentCapabilities.promptCapabilities.image === true,
			    "initialize: images in prompts");
			const s = await ctx.request("session/new", { cwd: work, mcpServers: [] });
			const p = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "what are these" },
				{ type: "image", mimeType: "image/png", data: png },
				{ type: "resource", resource: { uri: `file://${work}/pic.png`,
				    mimeType: "image/png", blob: png } }] });
			check(p.stopReason === "end_turn", `an image prompt ends with end_turn (${p.stopReason})`);
			const req = lastReq();
			const part = `{"type":"image_url","image_url":{"url":"data:image/png;base64,${png}"}}`;
			check(req.includes(`{"type":"text","text":"what are these"},${part},${part}`),
			    "the text, then both images as image_url content parts");
			const sha = createHash("sha256").update(Buffer.from(png, "base64")).digest("hex");
			check(existsSync(join(process.env.XDG_STATE_HOME, "cade/sessions",
			    s.sessionId, "blobs", sha)), "the image is kept in the session's blobs");
			const ev = readFileSync(join(process.env.XDG_STATE_HOME, "cade/sessions",
			    s.sessionId, "events.jsonl"), "utf8");
			check(ev.includes(`"images":[{"path":"image 1","mime":"image/png","bytes":67,"sha256":"${sha}"},` +
			    `{"path":"file://${work}/pic.png"`), "the user_message event names both images");
			let err = null;
			try {
				await ctx.request("session/prompt", { sessionId: s.sessionId,
				    prompt: [{ type: "image", mimeType: "image/png", data: "not base64!" }] });
			} catch (e) { err = e; }
			check(err && err.code === -32602, "image data that is not base64: invalid params");
			const q = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "and this" },
				{ type: "image", mimeType: "image/png", data: "aGVsbG8=" }] });
			check(q.stopReason === "end_turn" && /cade: image image 1 not attached: not a PNG, JPEG, GIF or WebP image/.test(
			    textOf(kinds(st, s.sessionId), "agent_message_chunk")),
			    "bytes that are no image: one line to the client, the turn goes on");
			check(!lastReq().includes("image_url\":{\"url\":\"data:image/png;base64,aGVs"),
			    "... and they do not reach the model");
			console.log(`VAR imgsession=${s.sessionId}`);
		});
	},

	// session/load replays a message's images from the session's blobs.
	async imagesload() {
		const id = process.env.SESSION;
		await withCade(async (ctx, st) => {
			await init(ctx);
			await ctx.request("session/load", { sessionId: id, cwd: work, mcpServers: [] });
			const imgs = kinds(st, id).filter((u) => u.sessionUpdate === "user_message_chunk" &&
			    u.content.type === "image");
			check(imgs.length === 2 && imgs.every((u) => u.content.mimeType === "image/png" &&
			    u.content.data === "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAACklEQVR4nGMAAQAABQABDQottAAAAABJRU5ErkJggg==") &&
			    imgs[0].content.uri === undefined && imgs[1].content.uri === `file://${work}/pic.png`,
			    "replay: the message's images as image chunks, from the blobs");
		});
	},

	// A model that takes no images: the image is refused in one line.
	async imagesno() {
		await withCade(async (ctx, st) => {
			await init(ctx);
			const s = await ctx.request("session/new", { cwd: work, mcpServers: [] });
			const p = await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: "look" }, { type: "image",
				mimeType: "image/png", data: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAACklEQVR4nGMAAQAABQABDQottAAAAABJRU5ErkJggg==" }] });
			check(p.stopReason === "end_turn" && /cade: image image 1 not attached: text-model does not take images/.test(
			    textOf(kinds(st, s.sessionId), "agent_message_chunk")),
			    "a model the list says takes no images: one line to the client");
		});
	},

	// images = off: not offered.
	async imagesoff() {
		await withCade(async (ctx) => {
			const r = await init(ctx);
			check(r.agentCapabilities.promptCapabilities.image === false,
			    "initialize: images = off offers no images");
		});
	},

	// The same task through ACP (allow_once) as through cade -p --json --yes.
	async equiv() {
		await withCade(async (ctx, st) => {
			await init(ctx);
			const s = await ctx.request("session/new", { cwd: work, mcpServers: [] });
			st.answers.push("allow_once");
			await ctx.request("session/prompt", { sessionId: s.sessionId,
			    prompt: [{ type: "text", text: process.env.TASK }] });
			const mine = decisions(s.sessionId).map((e) =>
			    [e.call_id, e.tool, e.action, e.risk, e.rule, e.decision].join(" "));
			const theirs = decisions(process.env.HEADLESS_SESSION).map((e) =>
			    [e.call_id, e.tool, e.action, e.risk, e.rule, e.decision].join(" "));
			check(mine.length >= 2 && JSON.stringify(mine) === JSON.stringify(theirs),
			    `the store records the same decisions as headless mode (${mine.join("; ")})`);
		});
	},
};

try {
	await scenarios[scenario]();
} catch (e) {
	check(false, `${scenario}: ${e?.stack ?? e?.message ?? JSON.stringify(e)}`);
}
process.exit(failures ? 1 : 0);
