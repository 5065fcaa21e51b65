/*
 * modellist.c: an endpoint's model list as data, with no I/O: parsing the
 * /models reply (also the form the cache on disk keeps), looking a model
 * up, and writing a list back out in the form the parser reads.  Apart
 * from models.c (the fetch, the cache files, the probe) so that the parser
 * of these untrusted bytes can be fuzzed alone (tests/fuzz_models.c).
 *
 * The reply is the OpenAI list shape, {"data": [{"id": ...}]}, read
 * leniently for what providers add: see models.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/llm.h"
#include "cade/util.h"

#define MODELS_MAX		4096

/* See llm.h. */
void
llm_models_free(struct llm_models *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		free(m->v[i].id);
	free(m->v);
	free(m->base_url);
	free(m->error);
	free(m);
}

/* A number that may come as a JSON number or a numeric string. */
static double
models_num(const cJSON *j, double dflt)
{
	char *end;
	double v;

	if (cJSON_IsNumber(j))
		return j->valuedouble;
	if (cJSON_IsString(j) && j->valuestring[0] != '\0') {
		v = strtod(j->valuestring, &end);
		if (*end == '\0')
			return v;
	}
	return dflt;
}

/* 1 if the array j holds the string s, 0 if not, -1 if j is no array. */
static int
models_has(const cJSON *j, const char *s)
{
	const cJSON *e;

	if (!cJSON_IsArray(j))
		return -1;
	cJSON_ArrayForEach(e, j)
		if (cJSON_IsString(e) && strcmp(e->valuestring, s) == 0)
			return 1;
	return 0;
}

/* See llm.h. */
int
llm_models_parse(const char *body, size_t len, struct llm_models *m,
    char **cause)
{
	cJSON *root, *data, *it, *p;
	struct llm_model_info *mi;
	double v;

	root = cJSON_ParseWithLength(body, len);
	data = cJSON_GetObjectItem(root, "data");
	if (!cJSON_IsArray(data)) {
		*cause = xstrdup("the reply is not a model list (no \"data\" "
		    "array)");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(it, data) {
		p = cJSON_GetObjectItem(it, "id");
		if (!cJSON_IsString(p) || p->valuestring[0] == '\0' ||
		    m->n >= MODELS_MAX)
			continue;
		m->v = xreallocarray(m->v, m->n + 1, sizeof *m->v);
		mi = &m->v[m->n++];
		mi->id = xstrndup(p->valuestring, 200);
		v = models_num(cJSON_GetObjectItem(it, "context_length"), -1);
		if (v < 0)
			v = models_num(cJSON_GetObjectItem(it, "max_model_len"), -1);
		if (v < 0)
			v = models_num(cJSON_GetObjectItem(it, "context_window"),
			    -1);
		if (v < 0)
			v = models_num(cJSON_GetObjectItem(cJSON_GetObjectItem(it,
			    "meta"), "n_ctx_train"), -1);
		/* Range-checked before the cast (untrusted numbers). */
		mi->context = v > 0 && v < 1e9 ? (long)v : 0;
		p = cJSON_GetObjectItem(it, "pricing");
		v = models_num(cJSON_GetObjectItem(p, "prompt"), -1);
		mi->price_in = v >= 0 && v < 1 ? v * 1e6 : -1;
		v = models_num(cJSON_GetObjectItem(p, "completion"), -1);
		mi->price_out = v >= 0 && v < 1 ? v * 1e6 : -1;
		p = cJSON_GetObjectItem(cJSON_GetObjectItem(it, "architecture"),
		    "input_modalities");
		if (!cJSON_IsArray(p))
			p = cJSON_GetObjectItem(it, "input_modalities");
		mi->images = models_has(p, "image");
	}
	cJSON_Delete(root);
	return 0;
}

/* See llm.h. */
const struct llm_model_info *
llm_models_find(const struct llm_models *m, const char *id)
{
	size_t i;

	for (i = 0; m != NULL && i < m->n; i++)
		if (strcmp(m->v[i].id, id) == 0)
			return &m->v[i];
	return NULL;
}


/* See llm.h. */
char *
llm_models_json(const struct llm_models *m)
{
	cJSON *root, *data, *o, *p;
	char *text;
	size_t i;

	/* The OpenRouter shape llm_models_parse() reads. */
	root = cJSON_CreateObject();
	if (m->base_url != NULL)
		cJSON_AddStringToObject(root, "base_url", m->base_url);
	data = cJSON_AddArrayToObject(root, "data");
	for (i = 0; i < m->n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", m->v[i].id);
		if (m->v[i].context > 0)
			cJSON_AddNumberToObject(o, "context_length",
			    (double)m->v[i].context);
		if (m->v[i].price_in >= 0 || m->v[i].price_out >= 0) {
			p = cJSON_AddObjectToObject(o, "pricing");
			if (m->v[i].price_in >= 0)
				cJSON_AddNumberToObject(p, "prompt",
				    m->v[i].price_in / 1e6);
			if (m->v[i].price_out >= 0)
				cJSON_AddNumberToObject(p, "completion",
				    m->v[i].price_out / 1e6);
		}
		/* Image input kept too (llm_model_images() reads it). */
		if (m->v[i].images >= 0) {
			p = cJSON_AddObjectToObject(o, "architecture");
			p = cJSON_AddArrayToObject(p, "input_modalities");
			cJSON_AddItemToArray(p, cJSON_CreateString("text"));
			if (m->v[i].images)
				cJSON_AddItemToArray(p,
				    cJSON_CreateString("image"));
		}
		cJSON_AddItemToArray(data, o);
	}
	if ((text = cJSON_PrintUnformatted(root)) == NULL)
		fatal("out of memory");
	cJSON_Delete(root);
	return text;
}
