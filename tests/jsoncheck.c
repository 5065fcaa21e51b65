/*
 * jsoncheck: a test helper that reads JSON Lines (cade --json output or a
 * recorded request) so shell tests need no JSON tool beyond the C toolchain.
 *   jsoncheck lines FILE        each line must be an object with seq/ts/type;
 *                               prints the types, one per line
 *   jsoncheck get FILE PATH     prints the value at PATH (a.b.0.c) of a JSON file
 *   jsoncheck count FILE TYPE   number of JSON-lines events of TYPE
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

int
main(int argc, char **argv)
{
	char *text, *line, *save = NULL, *path, *part, *out;
	cJSON *o, *v;
	long count = 0, lineno = 0;

	if (argc < 3)
		return 2;
	text = slurp(argv[2]);
	if (strcmp(argv[1], "get") == 0 && argc == 4) {
		o = cJSON_Parse(text);
		v = o;
		path = strdup(argv[3]);
		for (part = strtok_r(path, ".", &save); part != NULL && v != NULL;
		    part = strtok_r(NULL, ".", &save))
			v = cJSON_IsArray(v) ? cJSON_GetArrayItem(v, (int)strtol(part, NULL, 10)) :
			    cJSON_GetObjectItemCaseSensitive(v, part);
		if (v == NULL)
			return 1;
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
			return 1;
		}
		v = cJSON_GetObjectItem(o, "type");
		if (strcmp(argv[1], "lines") == 0)
			puts(v->valuestring);
		else if (strcmp(argv[1], "count") == 0 && argc == 4 &&
		    strcmp(v->valuestring, argv[3]) == 0)
			count++;
		cJSON_Delete(o);
	}
	if (strcmp(argv[1], "count") == 0)
		printf("%ld\n", count);
	free(text);
	return 0;
}
