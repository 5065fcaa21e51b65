/*
 * registry.c: the tool table, the schemas sent to the model and argument
 * validation; see state.c for the per-session tool state and args.c for the helpers.
 *
 * The agent asks tool_schemas() for the "tools" array of each request (the
 * model decides whether file_editor or apply_patch is offered), looks a
 * call up with tool_find(), checks its arguments with tool_validate() and,
 * once policy allows it, runs exec().  Everything a tool remembers across
 * calls lives in struct tool_state, owned by the session.
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cade/conf.h"
#include "cade/tool.h"
#include "cade/util.h"

#include "tools-int.h"

static const struct tool_entry *const tool_table[] = {
	&tool_terminal,
	&tool_file_editor,
	&tool_apply_patch,
	&tool_grep,
	&tool_glob,
	&tool_task_tracker,
	&tool_think,
	&tool_finish,
	&tool_recall,
};

/* See tool.h. */
const struct tool_entry *
tool_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < nitems(tool_table); i++)
		if (strcmp(tool_table[i]->name, name) == 0)
			return tool_table[i];
	return NULL;
}

/* See tool.h. */
const struct tool_entry *
tool_find_in(const struct tool_set *set, const char *name)
{
	const struct tool_entry *t = tool_find(name);
	size_t i;

	for (i = 0; t == NULL && set != NULL && name != NULL && i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			t = set->v[i];
	return t;
}

/* See tool.h. */
void
tool_describe_entry(const struct tool_entry *t, const char *name,
    const cJSON *args, struct tool_effects *out)
{
	memset(out, 0, sizeof *out);
	out->self = t;
	out->act.tool = tool_effects_own(out, xstrdup(name != NULL ? name : ""));
	if (t == NULL) {
		out->act.unknown = 1;
		out->act.mutating = 1;
	} else if (t->effects != NULL)
		t->effects(args, out);
}

/* See tool.h. */
void
tool_describe(const char *tool, const cJSON *args, struct tool_effects *out)
{
	tool_describe_entry(tool_find(tool), tool, args, out);
}

/* See tool.h. */
void
tool_assess_entry(struct policy *p, const struct tool_entry *t,
    const char *name, const cJSON *args, const char *root,
    struct policy_verdict *out)
{
	struct tool_effects e;

	tool_describe_entry(t, name, args, &e);
	policy_assess_action(p, &e.act, args, root, out);
	tool_effects_free(&e);
}

/* See tool.h. */
void
tool_assess(struct policy *p, const char *tool, const cJSON *args,
    const char *root, struct policy_verdict *out)
{
	tool_assess_entry(p, tool_find(tool), tool, args, root, out);
}

/* See tool.h. */
enum tool_kind
tool_kind_of(const struct tool_entry *t, const cJSON *args)
{
	struct tool_effects e;
	enum tool_kind k;
	size_t i;

	if (t == NULL)
		return TOOL_KIND_OTHER;
	if (t->kind != TOOL_KIND_EDIT || args == NULL)
		return t->kind;
	/* An editor call that writes nothing (a view) only reads. */
	tool_describe_entry(t, t->name, args, &e);
	k = e.act.bad != NULL || e.act.command != NULL ? TOOL_KIND_EDIT :
	    TOOL_KIND_READ;
	for (i = 0; i < e.act.npaths; i++)
		if (e.act.paths[i].write)
			k = TOOL_KIND_EDIT;
	tool_effects_free(&e);
	return k;
}

/* See tool.h. */
const char *
tool_kind_name(enum tool_kind k)
{
	static const char *const names[] = {
		[TOOL_KIND_OTHER] = "other",
		[TOOL_KIND_READ] = "read",
		[TOOL_KIND_EDIT] = "edit",
		[TOOL_KIND_SEARCH] = "search",
		[TOOL_KIND_EXECUTE] = "execute",
		[TOOL_KIND_THINK] = "think",
	};

	return (size_t)k < nitems(names) && names[k] != NULL ? names[k] :
	    "other";
}

/* See tool.h. */
const struct tool_entry *const *
tool_all(size_t *n)
{
	*n = nitems(tool_table);
	return tool_table;
}

/*
 * A pattern with a '/' matches the whole model name ("openai/gpt-*");
 * otherwise it matches the part after the last '/' so routers' prefixes
 * ("openrouter/openai/gpt-4o") do not hide the family.
 */
int
tool_uses_apply_patch(const struct config *cfg, const char *model)
{
	const char *list, *base, *p, *e;
	char *pat;
	int hit = 0;

	if (model == NULL || cfg == NULL)
		return 0;
	list = conf_str(cfg, "apply_patch_models");
	base = strrchr(model, '/');
	base = base == NULL ? model : base + 1;
	for (p = list; p != NULL && *p != '\0' && !hit; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		while (p < e && isspace((unsigned char)*p))
			p++;
		pat = xstrndup(p, (size_t)(e - p));
		util_trim(pat);
		if (*pat != '\0')
			hit = fnmatch(pat, strchr(pat, '/') ? model : base,
			    FNM_CASEFOLD) == 0;
		free(pat);
	}
	return hit;
}

/* See tool.h. */
cJSON *
tool_schemas(const struct config *cfg, const char *model)
{
	return tool_schemas_in(cfg, model, NULL);
}

/* One entry of the "tools" array. */
static void
tool_schema_push(cJSON *arr, const struct tool_entry *t)
{
	cJSON *o, *f, *params;

	params = cJSON_Parse(t->schema);
	if (params == NULL) {
		if (!t->server_validates)
			fatal("tool %s: schema is not valid JSON", t->name);
		params = cJSON_Parse("{\"type\":\"object\"}");
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "function");
	f = cJSON_AddObjectToObject(o, "function");
	cJSON_AddStringToObject(f, "name", t->name);
	cJSON_AddStringToObject(f, "description", t->description);
	cJSON_AddItemToObject(f, "parameters", params);
	cJSON_AddItemToArray(arr, o);
}

/* See tool.h. */
cJSON *
tool_schemas_in(const struct config *cfg, const char *model,
    const struct tool_set *set)
{
	cJSON *arr = cJSON_CreateArray();
	int ap = tool_uses_apply_patch(cfg, model);
	size_t i;

	for (i = 0; i < nitems(tool_table); i++) {
		const struct tool_entry *t = tool_table[i];

		if (t == &tool_apply_patch && !ap)
			continue;
		if (t == &tool_file_editor && ap)
			continue;
		tool_schema_push(arr, t);
	}
	for (i = 0; set != NULL && i < set->n; i++)
		tool_schema_push(arr, set->v[i]);
	return arr;
}

/* The JSON type name of a value, as a schema spells it. */
static const char *
tool_json_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsNumber(v))
		return v->valuedouble == (double)(long long)v->valuedouble ?
		    "integer" : "number";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsObject(v))
		return "object";
	return "null";
}

/* Check v against a (subset of) JSON Schema: type, enum, items, required. */
static int
tool_check(const cJSON *schema, const cJSON *v, const char *where, char **cause)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
	const cJSON *en = cJSON_GetObjectItemCaseSensitive(schema, "enum");
	const cJSON *props, *req, *it, *sub;
	const char *got = tool_json_type(v);
	int okay = 1;

	if (cJSON_IsString(type)) {
		const char *want = type->valuestring;

		long l;

		/* Numbers and booleans sent as strings are accepted (tool_arg_*). */
		okay = strcmp(want, got) == 0 ||
		    (strcmp(want, "number") == 0 && strcmp(got, "integer") == 0) ||
		    (strcmp(want, "integer") == 0 && cJSON_IsString(v) &&
		    util_parse_long(v->valuestring, -1000000000L, 1000000000L, &l) == 0) ||
		    (strcmp(want, "boolean") == 0 && cJSON_IsString(v) &&
		    (strcmp(v->valuestring, "true") == 0 || strcmp(v->valuestring, "false") == 0));
		if (!okay) {
			*cause = xasprintf("%s must be %s %s, not %s", where,
			    strchr("aeiou", want[0]) ? "an" : "a", want, got);
			return -1;
		}
	}
	if (cJSON_IsArray(en)) {
		char *s;

		okay = 0;
		cJSON_ArrayForEach(it, en)
			if (cJSON_Compare(it, v, 1))
				okay = 1;
		if (!okay) {
			s = cJSON_PrintUnformatted(en);
			*cause = xasprintf("%s must be one of %s", where, s);
			free(s);
			return -1;
		}
	}
	if (cJSON_IsArray(v) && (sub = cJSON_GetObjectItemCaseSensitive(schema, "items")) != NULL) {
		int i = 0;

		cJSON_ArrayForEach(it, v) {
			char *w = xasprintf("%s[%d]", where, i++);
			int rc = tool_check(sub, it, w, cause);

			free(w);
			if (rc == -1)
				return -1;
		}
	}
	if (!cJSON_IsObject(v))
		return 0;
	req = cJSON_GetObjectItemCaseSensitive(schema, "required");
	cJSON_ArrayForEach(it, req) {
		if (cJSON_IsString(it) &&
		    cJSON_GetObjectItemCaseSensitive(v, it->valuestring) == NULL) {
			*cause = xasprintf("missing required parameter '%s'%s%s",
			    it->valuestring, strcmp(where, "arguments") ? " in " : "",
			    strcmp(where, "arguments") ? where : "");
			return -1;
		}
	}
	props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
	cJSON_ArrayForEach(it, v) {
		char *w;
		int rc;

		sub = cJSON_GetObjectItemCaseSensitive(props, it->string);
		if (sub == NULL || cJSON_IsNull(it))
			continue;	/* tolerated: models add extras */
		w = xasprintf("'%s'", it->string);
		rc = tool_check(sub, it, w, cause);
		free(w);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* See tool.h. */
int
tool_validate(const struct tool_entry *t, const cJSON *args, char **cause)
{
	cJSON *schema;
	int rc;

	if (!cJSON_IsObject(args)) {
		*cause = xstrdup("arguments must be a JSON object");
		return -1;
	}
	/* A run-time tool's server validates against its own (richer) schema. */
	if (t->server_validates)
		return 0;
	schema = cJSON_Parse(t->schema);
	if (schema == NULL)
		fatal("tool %s: schema is not valid JSON", t->name);
	rc = tool_check(schema, args, "arguments", cause);
	cJSON_Delete(schema);
	return rc;
}

