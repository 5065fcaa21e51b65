/*
 * cli.c: `cade mcp list|add|remove` (cade(1), doc/MCP.md).
 *
 * list starts every server it may (the project's only when trusted, or with
 * --yes), waits for each to be ready or disabled, and prints one line per
 * server with its tools.  add and remove edit the user's mcp.json, keeping
 * every other entry and key as it was; the file is written 0600 (env and
 * headers may hold tokens) through a temporary file and rename.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/loop.h"
#include "cade/mcp.h"
#include "cade/safe.h"
#include "cade/util.h"

#include "mcp-int.h"

/* The user's mcp.json path. */
static char *
mcp_cli_file(void)
{
	char *dir = util_xdg_dir("XDG_CONFIG_HOME", ".config"), *p;

	p = xasprintf("%s/mcp.json", dir);
	free(dir);
	return p;
}

/* Read the user file as JSON (absent: an empty object); NULL if broken. */
static cJSON *
mcp_cli_read(const char *path)
{
	char *text, *cause = NULL;
	cJSON *root;

	if ((text = util_read_small(path, 1024 * 1024, NULL, &cause)) == NULL) {
		if (errno == ENOENT) {
			free(cause);
			return cJSON_CreateObject();
		}
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		return NULL;
	}
	root = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(root)) {
		fprintf(stderr, "cade: '%s' is not a JSON object: fix or move "
		    "it, then try again\n", path);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* Write root to path, 0600, atomically. */
static int
mcp_cli_write(const char *path, const cJSON *root)
{
	char *text = cJSON_Print(root), *dir, *cause = NULL;
	int rc;

	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	(void)util_mkdir_p(dir, 0700);
	free(dir);
	if ((rc = util_write_text_atomic(path, text, 0600, &cause)) != 0) {
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
	}
	free(text);
	return rc;
}

/* cade mcp list [--yes] */
static int
mcp_cli_list(int argc, char **argv, struct config *cfg)
{
	struct mcp_opts o;
	struct loop *loop;
	struct mcp *m;
	char *cwd, *cause = NULL, *text;
	int i;

	memset(&o, 0, sizeof o);
	o.trust_project = conf_bool(cfg, "mcp_trust_project");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
			o.trust_project = 1;
		else {
			fprintf(stderr, "cade: mcp list: unknown option '%s' "
			    "(try: cade mcp list [--yes])\n", argv[i]);
			return CADE_EXIT_USAGE;
		}
	}
	cwd = getcwd(NULL, 0);
	o.project_root = cwd;
	text = xasprintf("file://%s", cwd != NULL ? cwd : "/");
	o.roots_uri = text;
	loop = loop_new();
	m = mcp_new(loop, cfg, NULL, &o, &cause);
	free(text);
	if (m == NULL) {
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		free(cwd);
		loop_free(loop);
		return CADE_EXIT_ERROR;
	}
	(void)mcp_start(m, 1);
	text = mcp_describe(m, 1);
	/* Servers wrote the tool names and descriptions: neutralised. */
	safe_fprintf(stdout, "%s\n", text);
	if (mcp_untrusted(m))
		printf("(the project's servers were not started: cade mcp list "
		    "--yes trusts them for this run)\n");
	free(text);
	mcp_free(m);
	loop_free(loop);
	free(cwd);
	return CADE_EXIT_OK;
}

/* cade mcp add NAME -- CMD ARGS... | add NAME --url URL [--header 'K: V']... */
static int
mcp_cli_add(int argc, char **argv)
{
	cJSON *root, *servers, *e, *arr, *hdrs = NULL;
	const char *name;
	char *path, *colon;
	int i, rc;

	if (argc < 4 || mcp_server_name_ok(argv[1]) != 0) {
		fprintf(stderr, "cade: usage: cade mcp add NAME -- COMMAND "
		    "[ARGS...] | cade mcp add NAME --url URL [--header 'Name: "
		    "value']... (NAME: letters, digits, '-', '_')\n");
		return CADE_EXIT_USAGE;
	}
	name = argv[1];
	e = cJSON_CreateObject();
	if (strcmp(argv[2], "--") == 0) {
		cJSON_AddStringToObject(e, "command", argv[3]);
		arr = cJSON_AddArrayToObject(e, "args");
		for (i = 4; i < argc; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(argv[i]));
	} else if (strcmp(argv[2], "--url") == 0) {
		if (strncmp(argv[3], "http://", 7) != 0 &&
		    strncmp(argv[3], "https://", 8) != 0) {
			fprintf(stderr, "cade: mcp add: the URL must start with "
			    "http:// or https://\n");
			cJSON_Delete(e);
			return CADE_EXIT_USAGE;
		}
		cJSON_AddStringToObject(e, "url", argv[3]);
		for (i = 4; i + 1 < argc && strcmp(argv[i], "--header") == 0;
		    i += 2) {
			if ((colon = strchr(argv[i + 1], ':')) == NULL) {
				fprintf(stderr, "cade: mcp add: a header is "
				    "'Name: value'\n");
				cJSON_Delete(e);
				cJSON_Delete(hdrs);
				return CADE_EXIT_USAGE;
			}
			if (hdrs == NULL)
				hdrs = cJSON_CreateObject();
			*colon = '\0';
			cJSON_AddStringToObject(hdrs, argv[i + 1],
			    colon[1] == ' ' ? colon + 2 : colon + 1);
		}
		if (i != argc) {
			fprintf(stderr, "cade: mcp add: unexpected '%s'\n",
			    argv[i]);
			cJSON_Delete(e);
			cJSON_Delete(hdrs);
			return CADE_EXIT_USAGE;
		}
		if (hdrs != NULL)
			cJSON_AddItemToObject(e, "headers", hdrs);
	} else {
		fprintf(stderr, "cade: mcp add: after NAME comes '--' and the "
		    "command, or --url\n");
		cJSON_Delete(e);
		return CADE_EXIT_USAGE;
	}
	path = mcp_cli_file();
	if ((root = mcp_cli_read(path)) == NULL) {
		cJSON_Delete(e);
		free(path);
		return CADE_EXIT_ERROR;
	}
	servers = cJSON_GetObjectItemCaseSensitive(root, "mcpServers");
	if (!cJSON_IsObject(servers)) {
		cJSON_DeleteItemFromObjectCaseSensitive(root, "mcpServers");
		servers = cJSON_AddObjectToObject(root, "mcpServers");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(servers, name);
	cJSON_AddItemToObject(servers, name, e);
	rc = mcp_cli_write(path, root);
	if (rc == 0)
		printf("added MCP server '%s' to %s\n", name, path);
	cJSON_Delete(root);
	free(path);
	return rc == 0 ? CADE_EXIT_OK : CADE_EXIT_ERROR;
}

/* cade mcp remove NAME */
static int
mcp_cli_remove(int argc, char **argv)
{
	cJSON *root, *servers;
	char *path;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "cade: usage: cade mcp remove NAME\n");
		return CADE_EXIT_USAGE;
	}
	path = mcp_cli_file();
	if ((root = mcp_cli_read(path)) == NULL) {
		free(path);
		return CADE_EXIT_ERROR;
	}
	servers = cJSON_GetObjectItemCaseSensitive(root, "mcpServers");
	if (cJSON_GetObjectItemCaseSensitive(servers, argv[1]) == NULL) {
		fprintf(stderr, "cade: no MCP server named '%s' in %s\n",
		    argv[1], path);
		cJSON_Delete(root);
		free(path);
		return CADE_EXIT_ERROR;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(servers, argv[1]);
	rc = mcp_cli_write(path, root);
	if (rc == 0)
		printf("removed MCP server '%s' from %s\n", argv[1], path);
	cJSON_Delete(root);
	free(path);
	return rc == 0 ? CADE_EXIT_OK : CADE_EXIT_ERROR;
}

/* See mcp.h: argv[0] is "mcp". */
int
mcp_main(int argc, char **argv, struct config *cfg)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return mcp_cli_list(argc - 1, argv + 1, cfg);
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return mcp_cli_add(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "remove") == 0)
		return mcp_cli_remove(argc - 1, argv + 1);
	fprintf(stderr, "cade: usage: cade mcp list [--yes] | cade mcp add "
	    "NAME -- COMMAND [ARGS...] | cade mcp add NAME --url URL "
	    "[--header 'Name: value']... | cade mcp remove NAME\n");
	return CADE_EXIT_USAGE;
}
