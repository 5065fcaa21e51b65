/*
 * jsoncheck: a test helper that reads JSON Lines (cade --json output or a
 * recorded request) so shell tests need no JSON tool beyond the C toolchain.
 *   jsoncheck lines FILE        each line must be an object with seq/ts/type;
 *                               prints the types, one per line
 *   jsoncheck get FILE PATH     prints the value at PATH (a.b.0.c) of a JSON file
 *   jsoncheck count FILE TYPE   number of JSON-lines events of TYPE
 *   jsoncheck text FILE TYPE    the "text" fields of every event of TYPE,
 *                               joined (streamed deltas put back together)
 *   jsoncheck prefix A B        exit 0 if request body A, up to the end of
 *                               its last message, is a byte prefix of B
 * Exit 1 with a message on the first malformed line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Read a whole file. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	if (s == NULL || fread(s, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	s[n] = '\0';
	fclose(f);
	return s;
}

/* Offset of the ']' closing the "messages" array of a request body, or -1. */
static long
messages_end(const char *s)
{
	const char *p = strstr(s, "\"messages\":[");
	int depth = 0, in_str = 0;

	if (p == NULL)
		return -1;
	for (p += strlen("\"messages\":"); *p != '\0'; p++) {
		if (in_str) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				in_str = 0;
			continue;
		}
		if (*p == '"')
			in_str = 1;
		else if (*p == '[' || *p == '{')
			depth++;
		else if ((*p == ']' || *p == '}') && --depth == 0)
			return p - s;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	char *text, *line, *save = NULL, *path, *part, *out;
	cJSON *o, *v;
	long count = 0, lineno = 0;

	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "prefix") == 0 && argc == 4) {
		char *a = slurp(argv[2]), *b = slurp(argv[3]);
		long end = messages_end(a);
		int same = end > 0 && strncmp(a, b, (size_t)end) == 0 && b[end] == ',';

		if (!same)
			fprintf(stderr, "%s is not a prefix of %s\n", argv[2], argv[3]);
		free(a);
		free(b);
		return same ? 0 : 1;
	}
	text = slurp(argv[2]);
	if (strcmp(argv[1], "get") == 0 && argc == 4) {
		o = cJSON_Parse(text);
		v = o;
		path = strdup(argv[3]);
		for (part = strtok_r(path, ".", &save); part != NULL && v != NULL;
		    part = strtok_r(NULL, ".", &save))
			v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, (int)strtol(part, NULL, 10)) :
			    cJSON_GetObjectItemCaseSensitive(v, part);
		if (v == NULL) {
			free(path);
			cJSON_Delete(o);
			free(text);
			return 1;
		}
		if (cJSON_IsString(v))
			puts(v->valuestring);
		else {
			out = cJSON_PrintUnformatted(v);
			puts(out);
			free(out);
		}
		free(path);
		cJSON_Delete(o);
		free(text);
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		o = cJSON_Parse(line);
		if (!cJSON_IsObject(o) || !cJSON_IsNumber(cJSON_GetObjectItem(o, "seq")) ||
		    !cJSON_IsString(cJSON_GetObjectItem(o, "ts")) ||
		    !cJSON_IsString(cJSON_GetObjectItem(o, "type"))) {
			fprintf(stderr, "line %ld is not an event: %.80s\n", lineno, line);
			cJSON_Delete(o);
			free(text);
			return 1;
		}
		v = cJSON_GetObjectItem(o, "type");
		if (strcmp(argv[1], "lines") == 0)
			puts(v->valuestring);
		else if (strcmp(argv[1], "count") == 0 && argc == 4 &&
		    strcmp(v->valuestring, argv[3]) == 0)
			count++;
		else if (strcmp(argv[1], "text") == 0 && argc == 4 &&
		    strcmp(v->valuestring, argv[3]) == 0 &&
		    cJSON_IsString(cJSON_GetObjectItem(o, "text")))
			fputs(cJSON_GetObjectItem(o, "text")->valuestring, stdout);
		cJSON_Delete(o);
	}
	if (strcmp(argv[1], "count") == 0)
		printf("%ld\n", count);
	free(text);
	return 0;
}
