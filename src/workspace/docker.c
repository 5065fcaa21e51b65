/*
 * docker.c: the Docker workspace, a container cade creates and drives
 * itself through the Docker Engine API on a unix socket or a TCP port,
 * with or without TLS (docker-api.c, docker-net.c).
 *
 * Every connection goes from cade into the daemon; the container never has
 * to reach the host, so it works with networking off.  The HTTP transport
 * is docker-api.c (docker-int.h).  Control calls
 * (version, image check, create, start, inspect, stop, remove) are blocking
 * libcurl easy requests with short timeouts, made only at startup and
 * teardown; the health check while the session runs (docker_check) asks on
 * the loop's curl driver and never waits.  Two connections are hijacked
 * by hand (HTTP request written here, "101 UPGRADED" read back, then the
 * socket is a raw stream):
 *
 *   - the lifeline: an attach to the container's stdin.  The container's
 *     main process is a shell loop reading stdin, and the container is
 *     created with StdinOnce, so when cade goes away in any manner (even
 *     SIGKILL) the daemon closes that stdin, the loop ends and the container
 *     stops.  A stopped container labelled cade.session=<other id> is thus
 *     an orphan, and the next start removes it (see docker_sweep).  EOF on the lifeline is how
 *     alive() notices the container or the daemon went away, for free (why
 *     is for the health check to find out).
 *   - the shell: an exec of bash (or /bin/sh) with a TTY; the socket is the
 *     fd shell.c reads and writes.  A resize is a POST /exec/{id}/resize
 *     written on a fresh connection and not waited for; its answer is
 *     read on the loop when it comes, and a size asked for meanwhile is
 *     sent then, so they apply in order.
 *
 * File tools work on the host side of the bind mount (root), mapped to
 * /workspace for the model by workspace.c.  The container user is the
 * host's uid:gid (the owner of root when cade runs as root), so files the
 * agent creates keep the right owner on the host.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "docker.h"
#include "docker-int.h"
#include "cade/http.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/util.h"
#include "cade/workspace.h"

/* Split "repo[:tag|@digest]" into fromImage and tag for a pull. */
static void
docker_split_image(const char *image, char **repo, char **tag)
{
	const char *slash = strrchr(image, '/'), *colon, *at;

	if ((at = strchr(image, '@')) != NULL) {
		*repo = xstrdup(image);
		*tag = xstrdup("");
		return;
	}
	colon = strrchr(image, ':');
	if (colon != NULL && (slash == NULL || colon > slash)) {
		*repo = xstrndup(image, (size_t)(colon - image));
		*tag = xstrdup(colon + 1);
	} else {
		*repo = xstrdup(image);
		*tag = xstrdup("latest");
	}
}

/* The first {"error": ...} in a pull's JSON-lines progress stream, or NULL. */
static char *
docker_pull_error(const char *s)
{
	const char *line = s, *nl;
	char *out = NULL, *one;
	cJSON *j, *e;

	while (out == NULL && *line != '\0') {
		nl = strchr(line, '\n');
		one = nl != NULL ? xstrndup(line, (size_t)(nl - line)) :
		    xstrdup(line);
		if ((j = cJSON_Parse(one)) != NULL) {
			e = cJSON_GetObjectItemCaseSensitive(j, "error");
			if (cJSON_IsString(e))
				out = xstrdup(e->valuestring);
			cJSON_Delete(j);
		}
		free(one);
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	return out;
}

/* Make sure the image is here: inspect it, pull it only when allowed. */
static int
docker_image(struct docker *d, const char *image, int pull, char **cause)
{
	struct docker_reply r;
	char *path, *repo, *tag, *erepo, *etag, *msg;
	long status;

	if (*image == '\0') {
		*cause = xstrdup("no docker image given (--image IMAGE or image = "
		    "... in the config)");
		return -1;
	}
	path = xasprintf("/images/%s/json", image);
	status = docker_simple(d, "GET", path, DOCKER_CALL_MS, &msg);
	free(path);
	if (status >= 200 && status <= 299)
		return 0;
	if (status != 404) {
		*cause = xasprintf("cannot inspect image '%s': %s", image,
		    msg != NULL ? msg : "no answer");
		free(msg);
		return -1;
	}
	free(msg);
	if (!pull) {
		*cause = xasprintf("image '%s' is not on this machine: get it "
		    "with 'docker pull %s' (or build it), or run cade with --pull",
		    image, image);
		return -1;
	}
	docker_split_image(image, &repo, &tag);
	erepo = docker_escape(d, repo);
	etag = docker_escape(d, tag);
	path = xasprintf("/images/create?fromImage=%s%s%s", erepo,
	    *tag != '\0' ? "&tag=" : "", etag);
	free(repo);
	free(tag);
	free(erepo);
	free(etag);
	log_debug("pulling %s", image);
	if (docker_call(d, "POST", path, NULL, DOCKER_PULL_MS, &r, cause) == -1) {
		free(path);
		return -1;
	}
	free(path);
	if (r.status < 200 || r.status > 299)
		msg = docker_errmsg(&r);
	else
		msg = docker_pull_error(r.body.s);
	buf_free(&r.body);
	if (msg != NULL) {
		*cause = xasprintf("cannot pull image '%s': %s", image, msg);
		free(msg);
		return -1;
	}
	return 0;
}

/* Parse a size like "2g", "512m", "1073741824" (binary units); 0: no limit. */
static int
docker_parse_size(const char *s, long long *out)
{
	long long v = 0, mult = 1;
	const char *p = s;

	*out = 0;
	if (s == NULL || *s == '\0')
		return 0;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	switch (tolower((unsigned char)*p)) {
	case '\0':
		break;
	case 'b':
		p++;
		break;
	case 'k':
		mult = 1LL << 10;
		p++;
		break;
	case 'm':
		mult = 1LL << 20;
		p++;
		break;
	case 'g':
		mult = 1LL << 30;
		p++;
		break;
	case 't':
		mult = 1LL << 40;
		p++;
		break;
	default:
		return -1;
	}
	if (mult > 1 && tolower((unsigned char)*p) == 'b')
		p++;
	if (*p != '\0' || v > LLONG_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* The container user: ours, or the owner of root when we run as root. */
static void
docker_user(const char *root, unsigned long *uid, unsigned long *gid)
{
	struct stat sb;

	*uid = getuid();
	*gid = getgid();
	if (*uid == 0 && stat(root, &sb) == 0) {
		*uid = sb.st_uid;
		*gid = sb.st_gid;
	}
}

/*
 * Wait up to wait_ms for the answer to the resize in flight and close its
 * connection.  Resizes go one at a time so they apply in order.
 */
static void
docker_resize_collect(struct docker *d, int wait_ms)
{
	struct pollfd pfd;
	char tmp[256];
	ssize_t got;

	if (d->resize_fd == -1)
		return;
	if (d->resize_loop != NULL) {
		loop_fd_del(d->resize_loop, d->resize_fd);
		d->resize_loop = NULL;
	}
	pfd.fd = d->resize_fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, wait_ms) == 1) {
		got = recv(pfd.fd, tmp, sizeof tmp - 1, MSG_DONTWAIT);
		if (got > 0) {
			tmp[got] = '\0';
			if (got < 12 || strncmp(tmp + 8, " 20", 3) != 0)
				log_debug("resize answered: %.40s", tmp);
		}
	} else
		log_debug("no answer to a resize in %d ms", wait_ms);
	close(d->resize_fd);
	d->resize_fd = -1;
}

/* 1 if the file exists in the container (HEAD on its archive). */
static int
docker_has_file(struct docker *d, const char *path)
{
	char *p, *epath = docker_escape(d, path);
	long status;

	p = xasprintf("/containers/%s/archive?path=%s", d->cid, epath);
	status = docker_simple(d, "HEAD", p, DOCKER_CALL_MS, NULL);
	free(p);
	free(epath);
	return status == 200;
}

/* Remove a container (kill it if it runs); logs failures. */
static void
docker_remove(struct docker *d, const char *id)
{
	char *p = xasprintf("/containers/%s?force=1&v=1", id), *msg = NULL;
	long status;

	status = docker_simple(d, "DELETE", p, DOCKER_SHORT_MS, &msg);
	if (status != 204 && status != 404)
		log_debug("cannot remove container %.12s: %s", id,
		    msg != NULL ? msg : "?");
	free(msg);
	free(p);
}

/* The label's value on a container from the list, or "". */
static const char *
docker_label(const cJSON *c, const char *name)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(c, "Labels");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Seconds since a stopped container finished (inspect's State.FinishedAt), or -1. */
static long
docker_stopped_for(struct docker *d, const char *id, time_t now)
{
	const cJSON *state, *fin;
	char *path = xasprintf("/containers/%s/json", id), *why = NULL;
	struct tm tm;
	long age = -1;
	cJSON *j;

	j = docker_json(d, "GET", path, NULL, DOCKER_CALL_MS, NULL, &why);
	free(path);
	free(why);
	if (j == NULL)
		return -1;
	state = cJSON_GetObjectItemCaseSensitive(j, "State");
	fin = cJSON_GetObjectItemCaseSensitive(state, "FinishedAt");
	memset(&tm, 0, sizeof tm);
	/* "2026-11-22T23:57:36.123456789Z"; "0001-01-01T00:00:00Z" if never run. */
	if (cJSON_IsString(fin) &&
	    strptime(fin->valuestring, "%Y-%m-%dT%H:%M:%S", &tm) != NULL &&
	    tm.tm_year > 70)
		age = (long)(now - timegm(&tm));
	cJSON_Delete(j);
	return age;
}

/*
 * Remove orphans and find this session's container if one is left (its id,
 * caller frees, with *running set; or NULL).  An orphan is a container of
 * another session, not kept, not running: its cade is gone (the lifeline
 * stops a container whose cade dies).  Orphans of this project directory
 * go at once; those of other directories only after DOCKER_ORPHAN_OTHER
 * seconds, so a crash elsewhere stays resumable for a while and cades in
 * other projects do not race each other.  A never-started container may
 * be another cade starting right now: it gets DOCKER_ORPHAN_AGE seconds.
 */
static char *
docker_sweep(struct docker *d, const char *root, int *running, char **cause)
{
	const char *filter = "{\"label\":[\"" DOCKER_LABEL "\"]}";
	char *efilter = docker_escape(d, filter), *path, *mine = NULL;
	const cJSON *c;
	cJSON *list;
	time_t now = time(NULL);

	*running = 0;
	path = xasprintf("/containers/json?all=1&filters=%s", efilter);
	free(efilter);
	list = docker_json(d, "GET", path, NULL, DOCKER_CALL_MS, NULL, cause);
	free(path);
	if (list == NULL)
		return NULL;
	cJSON_ArrayForEach(c, list) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "Id");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "State");
		const cJSON *cr = cJSON_GetObjectItemCaseSensitive(c, "Created");
		const char *state = cJSON_IsString(st) ? st->valuestring : "";
		int up = strcmp(state, "running") == 0 ||
		    strcmp(state, "paused") == 0 ||
		    strcmp(state, "restarting") == 0;
		int here = strcmp(docker_label(c, "cade.root"), root) == 0;
		long age;

		if (!cJSON_IsString(id))
			continue;
		if (d->session != NULL &&
		    strcmp(docker_label(c, DOCKER_LABEL), d->session) == 0) {
			if (mine == NULL && here) {
				mine = xstrdup(id->valuestring);
				*running = up;
			} else if (!up)
				docker_remove(d, id->valuestring);
			continue;
		}
		if (up || strcmp(docker_label(c, "cade.keep"), "true") == 0)
			continue;
		if (strcmp(state, "created") == 0) {
			age = cJSON_IsNumber(cr) ? (long)(now - (time_t)cr->valuedouble) : 0;
			if (age < (here ? DOCKER_ORPHAN_AGE : DOCKER_ORPHAN_OTHER))
				continue;
		} else if (!here) {
			age = docker_stopped_for(d, id->valuestring, now);
			if (age < DOCKER_ORPHAN_OTHER)
				continue;
		}
		log_debug("removing orphan container %.12s (session %s, %s)",
		    id->valuestring, docker_label(c, DOCKER_LABEL), state);
		docker_remove(d, id->valuestring);
	}
	cJSON_Delete(list);
	return mine;
}

/* Only [A-Za-z0-9_.-] may follow the first character of a container name. */
static char *
docker_name(const char *session)
{
	char *name = xasprintf("cade-%s", session), *p;

	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '-')
			*p = '_';
	}
	if (strlen(name) > 64)
		name[64] = '\0';
	return name;
}

/* The create request's JSON body. */
static char *
docker_create_body(const struct config *cfg, struct docker *d,
    const char *root, const char *image, char **cause)
{
	cJSON *j, *hc, *labels, *mounts, *m, *ep, *env, *sec;
	unsigned long uid, gid;
	long long mem;
	long pids;
	char *user, *out;

	if (docker_parse_size(conf_str(cfg, "container_memory"), &mem) == -1) {
		*cause = xasprintf("container_memory '%s' is not a size (like "
		    "512m or 2g)", conf_str(cfg, "container_memory"));
		return NULL;
	}
	pids = conf_int(cfg, "container_pids");
	docker_user(root, &uid, &gid);
	user = xasprintf("%lu:%lu", uid, gid);

	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "Image", image);
	ep = cJSON_AddArrayToObject(j, "Entrypoint");
	cJSON_AddItemToArray(ep, cJSON_CreateString("/bin/sh"));
	cJSON_AddItemToArray(ep, cJSON_CreateString("-c"));
	cJSON_AddItemToArray(ep, cJSON_CreateString(DOCKER_MAIN_SCRIPT));
	cJSON_AddItemToObject(j, "Cmd", cJSON_CreateArray());
	cJSON_AddStringToObject(j, "User", user);
	cJSON_AddStringToObject(j, "WorkingDir", DOCKER_MOUNT);
	env = cJSON_AddArrayToObject(j, "Env");
	/* A uid the image does not know has no home: give it a writable one. */
	if (uid != 0)
		cJSON_AddItemToArray(env, cJSON_CreateString("HOME=/tmp"));
	cJSON_AddBoolToObject(j, "AttachStdin", 1);
	cJSON_AddBoolToObject(j, "OpenStdin", 1);
	cJSON_AddBoolToObject(j, "StdinOnce", 1);
	cJSON_AddBoolToObject(j, "Tty", 0);
	labels = cJSON_AddObjectToObject(j, "Labels");
	cJSON_AddStringToObject(labels, DOCKER_LABEL, d->session);
	cJSON_AddStringToObject(labels, "cade.root", root);
	cJSON_AddStringToObject(labels, "cade.keep", d->keep ? "true" : "false");

	hc = cJSON_AddObjectToObject(j, "HostConfig");
	mounts = cJSON_AddArrayToObject(hc, "Mounts");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "Type", "bind");
	cJSON_AddStringToObject(m, "Source", root);
	cJSON_AddStringToObject(m, "Target", DOCKER_MOUNT);
	cJSON_AddBoolToObject(m, "ReadOnly", 0);
	cJSON_AddItemToArray(mounts, m);
	cJSON_AddStringToObject(hc, "NetworkMode", conf_str(cfg, "network"));
	cJSON_AddBoolToObject(hc, "Privileged", 0);
	sec = cJSON_AddArrayToObject(hc, "SecurityOpt");
	cJSON_AddItemToArray(sec, cJSON_CreateString("no-new-privileges"));
	if (mem > 0)
		cJSON_AddNumberToObject(hc, "Memory", (double)mem);
	if (pids > 0)
		cJSON_AddNumberToObject(hc, "PidsLimit", (double)pids);
	cJSON_AddBoolToObject(hc, "AutoRemove", 0);

	out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	free(user);
	if (out == NULL)
		fatal("out of memory");
	return out;
}

/* Create the container; sets d->cid. */
static int
docker_create(const struct config *cfg, struct docker *d, const char *root,
    const char *image, char **cause)
{
	char *body, *name, *path, *why = NULL;
	const cJSON *id;
	cJSON *j;
	long status = 0;

	if ((body = docker_create_body(cfg, d, root, image, cause)) == NULL)
		return -1;
	name = docker_name(d->session);
	path = xasprintf("/containers/create?name=%s", name);
	j = docker_json(d, "POST", path, body, DOCKER_CALL_MS, &status, &why);
	if (j == NULL && status == 409) {
		/* The name is taken (a container of this session elsewhere): go unnamed. */
		free(why);
		why = NULL;
		j = docker_json(d, "POST", "/containers/create", body,
		    DOCKER_CALL_MS, &status, &why);
	}
	free(path);
	free(name);
	free(body);
	if (j == NULL) {
		*cause = xasprintf("cannot create a container from '%s': %s",
		    image, why);
		free(why);
		return -1;
	}
	id = cJSON_GetObjectItemCaseSensitive(j, "Id");
	if (!cJSON_IsString(id) || *id->valuestring == '\0') {
		*cause = xstrdup("docker daemon created a container without an id");
		cJSON_Delete(j);
		return -1;
	}
	d->cid = xstrdup(id->valuestring);
	cJSON_Delete(j);
	log_debug("created container %s from %s", d->cid, image);
	return 0;
}

/* Attach the lifeline (before start, so the container never runs without it). */
static int
docker_lifeline(struct docker *d, char **cause)
{
	char *path, *why = NULL;

	path = xasprintf("/containers/%s/attach?stream=1&stdin=1&stdout=1&stderr=1",
	    d->cid);
	d->life = docker_hijack(d, path, "", &why);
	free(path);
	if (d->life == NULL) {
		*cause = xasprintf("cannot attach to container %.12s: %s",
		    d->cid, why);
		free(why);
		return -1;
	}
	return 0;
}

/* Start the container (a no-op if it runs). */
static int
docker_start(struct docker *d, const char *image, char **cause)
{
	char *path = xasprintf("/containers/%s/start", d->cid), *msg = NULL;
	long status;

	status = docker_simple(d, "POST", path, DOCKER_CALL_MS, &msg);
	free(path);
	if (status == 204 || status == 304)
		return 0;
	*cause = xasprintf("cannot start a container from '%s': %s%s", image,
	    msg != NULL ? msg : "no answer from the daemon",
	    msg != NULL && strstr(msg, "/bin/sh") != NULL ?
	    " (the image needs /bin/sh)" : "");
	free(msg);
	return -1;
}

/* Find the shell: bash if the image has it, else /bin/sh. */
static int
docker_find_shell(struct workspace *ws, char **cause)
{
	static const char *const bashes[] = { "/bin/bash", "/usr/bin/bash" };
	struct docker *d = ws->priv;
	size_t i;

	for (i = 0; i < nitems(bashes); i++) {
		if (docker_has_file(d, bashes[i])) {
			d->shell_path = xstrdup(bashes[i]);
			ws->shell_name = xstrdup("bash");
			return 0;
		}
	}
	if (!docker_has_file(d, "/bin/sh")) {
		*cause = xstrdup("the image has neither bash nor /bin/sh");
		return -1;
	}
	d->shell_path = xstrdup("/bin/sh");
	ws->shell_name = xstrdup("sh");
	return 0;
}

/* POST /exec/{id}/resize now and wait for the answer; the HTTP status or -1. */
static long
docker_resize_wait(struct docker *d, int rows, int cols)
{
	char *path = xasprintf("/exec/%s/resize?h=%d&w=%d", d->exec_id, rows,
	    cols);
	long status;

	status = docker_simple(d, "POST", path, DOCKER_SHORT_MS, NULL);
	free(path);
	return status;
}

static void	docker_shell_close(struct workspace *);

/* Exec the shell with a TTY and hijack its stream: the fd shell.c uses. */
static int
docker_shell_open(struct workspace *ws, int rows, int cols, char **cause)
{
	struct docker *d = ws->priv;
	cJSON *j, *cmd, *env, *reply;
	const cJSON *id;
	struct dnet_conn *conn;
	char *body, *path, *why = NULL;
	int fd, i;

	docker_shell_close(ws);
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "AttachStdin", 1);
	cJSON_AddBoolToObject(j, "AttachStdout", 1);
	cJSON_AddBoolToObject(j, "AttachStderr", 1);
	cJSON_AddBoolToObject(j, "Tty", 1);
	cJSON_AddStringToObject(j, "WorkingDir", DOCKER_MOUNT);
	env = cJSON_AddArrayToObject(j, "Env");
	cJSON_AddItemToArray(env, cJSON_CreateString("TERM=xterm-256color"));
	cmd = cJSON_AddArrayToObject(j, "Cmd");
	cJSON_AddItemToArray(cmd, cJSON_CreateString(d->shell_path));
	if (strcmp(ws->shell_name, "bash") == 0) {
		cJSON_AddItemToArray(cmd, cJSON_CreateString("--noprofile"));
		cJSON_AddItemToArray(cmd, cJSON_CreateString("--norc"));
	}
	cJSON_AddItemToArray(cmd, cJSON_CreateString("-i"));
	body = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (body == NULL)
		fatal("out of memory");
	path = xasprintf("/containers/%s/exec", d->cid);
	reply = docker_json(d, "POST", path, body, DOCKER_CALL_MS, NULL, &why);
	free(path);
	free(body);
	if (reply == NULL) {
		*cause = xasprintf("cannot start a shell in container %.12s: %s",
		    d->cid, why);
		free(why);
		return -1;
	}
	id = cJSON_GetObjectItemCaseSensitive(reply, "Id");
	free(d->exec_id);
	d->exec_id = cJSON_IsString(id) ? xstrdup(id->valuestring) : NULL;
	cJSON_Delete(reply);
	if (d->exec_id == NULL) {
		*cause = xstrdup("docker daemon created an exec without an id");
		return -1;
	}
	path = xasprintf("/exec/%s/start", d->exec_id);
	conn = docker_hijack(d, path, "{\"Detach\":false,\"Tty\":true}", &why);
	free(path);
	if (conn == NULL || (fd = dnet_stream(conn, ws->loop, &d->relay,
	    &why)) == -1) {
		*cause = xasprintf("cannot attach to the shell in container "
		    "%.12s: %s", d->cid, why);
		free(why);
		return -1;
	}
	/* The exec may not run yet when the upgrade arrives: retry the first size. */
	if (rows > 0 && cols > 0) {
		for (i = 0; i < 100; i++) {
			long st = docker_resize_wait(d, rows, cols);

			if (st == 200 || st == 201 || st == -1)
				break;
			usleep(10 * 1000);
		}
	}
	d->shell_fd = fd;
	log_debug("shell %s in %.12s (exec %.12s) on fd %d", d->shell_path,
	    d->cid, d->exec_id, fd);
	return fd;
}

static int	docker_shell_resize(struct workspace *, int, int);

/* Loop: the resize in flight was answered (or its connection ended); send the next size if one waits. */
static void
docker_resize_answered(struct loop *l, int fd, int revents, void *arg)
{
	struct workspace *ws = arg;
	struct docker *d = ws->priv;
	int rows = d->resize_rows, cols = d->resize_cols;

	(void)l;
	(void)fd;
	(void)revents;
	docker_resize_collect(d, 0);
	d->resize_rows = d->resize_cols = 0;
	if (rows > 0 && cols > 0)
		(void)docker_shell_resize(ws, rows, cols);
}

/*
 * Send the resize to the daemon without waiting for its answer, which is
 * read before the next resize (the daemon answers in about a millisecond).
 */
static int
docker_shell_resize(struct workspace *ws, int rows, int cols)
{
	struct docker *d = ws->priv;
	struct dnet_conn *c;
	char *path, *why = NULL;
	long st;

	if (d->exec_id == NULL || rows <= 0 || cols <= 0)
		return -1;
	if (dnet_tls(d->net)) {
		/* No raw socket to leave the answer on: wait (about 1 ms). */
		st = docker_resize_wait(d, rows, cols);
		return st == 200 || st == 201 ? 0 : -1;
	}
	if (ws->loop != NULL && d->resize_fd != -1) {
		/* One in flight: this size goes when it is answered. */
		d->resize_rows = rows;
		d->resize_cols = cols;
		return 0;
	}
	docker_resize_collect(d, DOCKER_RESIZE_WAIT_MS);
	path = xasprintf("/exec/%s/resize?h=%d&w=%d", d->exec_id, rows, cols);
	c = docker_send_post(d, path, "", 0, &why);
	free(path);
	if (c == NULL) {
		log_debug("resize: %s", why);
		free(why);
		return -1;
	}
	d->resize_fd = dnet_take_fd(c);
	/* On the loop, the answer is read when it comes: nothing waits. */
	if (ws->loop != NULL &&
	    loop_fd_add(ws->loop, d->resize_fd, POLLIN, docker_resize_answered,
	    ws) == 0)
		d->resize_loop = ws->loop;
	return 0;
}

/* Close the shell stream. */
static void
docker_shell_close(struct workspace *ws)
{
	struct docker *d = ws->priv;

	/* An answer not in yet does not matter any more: never wait for it. */
	docker_resize_collect(d, d->resize_loop != NULL ? 0 : 200);
	d->resize_rows = d->resize_cols = 0;
	if (d->shell_fd != -1) {
		close(d->shell_fd);
		d->shell_fd = -1;
	}
	dnet_relay_free(d->relay);
	d->relay = NULL;
}

/*
 * Why the container went away, from its inspection j (NULL: the call
 * failed with status and why); caller frees.
 */
static char *
docker_diagnose(struct docker *d, const cJSON *j, long status, const char *why)
{
	const cJSON *state, *code, *oom, *err;
	long ec;

	if (j == NULL) {
		if (status == 404)
			return xasprintf("container %.12s was removed", d->cid);
		if (status == 0)
			return xasprintf("lost the Docker daemon: %s", why);
		return xasprintf("cannot inspect container %.12s: %s", d->cid,
		    why);
	}
	state = cJSON_GetObjectItemCaseSensitive(j, "State");
	code = cJSON_GetObjectItemCaseSensitive(state, "ExitCode");
	oom = cJSON_GetObjectItemCaseSensitive(state, "OOMKilled");
	err = cJSON_GetObjectItemCaseSensitive(state, "Error");
	ec = cJSON_IsNumber(code) ? (long)code->valuedouble : -1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(state, "Running")))
		return xasprintf("lost the connection to container %.12s (was "
		    "the Docker daemon restarted?)", d->cid);
	return xasprintf("container %.12s exited (status %ld%s%s%s)",
	    d->cid, ec, cJSON_IsTrue(oom) ?
	    ": out of memory, see container_memory" :
	    ec == 137 ? ": killed" : "",
	    cJSON_IsString(err) && *err->valuestring != '\0' ? ": " : "",
	    cJSON_IsString(err) ? err->valuestring : "");
}

/* 1 while the lifeline is open: EOF on it means the container or daemon is gone. */
static int
docker_life_open(struct docker *d)
{
	char tmp[256];
	ssize_t got;

	if (d->life == NULL || d->life_ended)
		return 0;
	for (;;) {
		got = dnet_recv(d->life, tmp, sizeof tmp, 0);
		if (got > 0)
			continue;
		if (got == -1 && (errno == EAGAIN || errno == EINTR))
			return 1;
		break;
	}
	/* Why is for docker_check to find out: asking here would wait. */
	log_debug("the lifeline of %.12s ended", d->cid);
	d->life_ended = 1;
	return 0;
}

/* 1 while the container is known to be there; never waits. */
static int
docker_alive(struct workspace *ws)
{
	struct docker *d = ws->priv;

	return d->error == NULL && docker_life_open(d);
}

/* Stop and remove the container (unless kept), then free the backend. */
static void
docker_destroy(struct workspace *ws)
{
	struct docker *d = ws->priv;
	char *path, *msg = NULL;
	long status;

	if (d == NULL)
		return;
	docker_shell_close(ws);
	docker_get_cancel(d);
	http_free(d->http);
	d->http = NULL;
	/* Closing the lifeline ends the container's main process by itself. */
	dnet_close(d->life);
	d->life = NULL;
	/* Stop even a kept container, so a quick --resume finds it stopped. */
	if (d->cid != NULL && d->curl != NULL) {
		path = xasprintf("/containers/%s/stop?t=1", d->cid);
		status = docker_simple(d, "POST", path, DOCKER_SHORT_MS, &msg);
		if (status != 204 && status != 304 && status != 404)
			log_debug("stop %.12s: %s", d->cid, msg != NULL ? msg : "?");
		free(msg);
		free(path);
		if (!d->keep)
			docker_remove(d, d->cid);
		else
			log_debug("keeping container %s", d->cid);
	}
	if (d->curl != NULL)
		curl_easy_cleanup(d->curl);
	dnet_free(d->net);
	free(d->cid);
	free(d->exec_id);
	free(d->shell_path);
	free(d->session);
	free(d->error);
	free(d);
	ws->priv = NULL;
}

static enum ws_health	docker_check(struct workspace *);
static const char	*docker_error(const struct workspace *);

/* No sandbox to hide paths or escalate from: the container is the containment. */
static const struct ws_ops docker_ops = {
	.name = "docker",
	/* the exec's TTY stream */
	.shell_open = docker_shell_open, .shell_resize = docker_shell_resize,
	.shell_close = docker_shell_close,
	/* the lifeline, the health check on the loop, and why it is gone */
	.alive = docker_alive, .check = docker_check, .error = docker_error,
	.destroy = docker_destroy,
};

/* A random session id for callers that have none (tests). */
static char *
docker_session_id(void)
{
	return xasprintf("%lx-%lx", (unsigned long)util_wall_ms(),
	    (unsigned long)getpid());
}

/*
 * Check the daemon, sweep orphans, reattach this session's container or
 * create one, start it, and find its shell.
 */
struct workspace *
ws_docker_create(const struct config *cfg, const char *root,
    const char *session_id, char **cause)
{
	const char *image = conf_str(cfg, "image"), *host;
	struct workspace *ws;
	struct docker *d;
	char *real, *mine, *why = NULL;
	int running = 0;

	if ((real = ws_resolve_root(cfg, root, cause)) == NULL)
		return NULL;
	ws = xcalloc(1, sizeof *ws);
	d = xcalloc(1, sizeof *d);
	ws->ops = &docker_ops;
	ws->root = real;
	ws->model_root = xstrdup(DOCKER_MOUNT);
	ws->pid = -1;
	ws->priv = d;
	d->shell_fd = d->resize_fd = -1;
	d->keep = conf_bool(cfg, "keep_container");
	d->session = session_id != NULL && *session_id != '\0' ?
	    xstrdup(session_id) : docker_session_id();

	host = conf_str(cfg, "docker_host");
	if (host == NULL || *host == '\0')
		host = getenv("DOCKER_HOST");
	if ((d->net = dnet_new(host, cause)) == NULL)
		goto fail;
	d->sock = dnet_name(d->net);
	if (dnet_probe(d->net, cause) == -1)
		goto fail;
	if ((d->curl = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	if (docker_negotiate(d, cause) == -1)
		goto fail;
	mine = docker_sweep(d, ws->root, &running, &why);
	if (why != NULL) {
		*cause = xasprintf("cannot list containers: %s", why);
		free(why);
		goto fail;
	}
	if (mine != NULL) {
		d->cid = mine;
		log_debug("reattaching container %s (%s)", mine,
		    running ? "running" : "stopped");
	} else {
		if (docker_image(d, image, conf_bool(cfg, "pull"), cause) == -1)
			goto fail;
		if (docker_create(cfg, d, ws->root, image, cause) == -1)
			goto fail;
	}
	if (docker_lifeline(d, cause) == -1)
		goto fail;
	if (!running && docker_start(d, image, cause) == -1)
		goto fail;
	if (docker_find_shell(ws, cause) == -1)
		goto fail;
	ws->id = xstrndup(d->cid, 12);
	log_debug("docker workspace %s: %s mounted at %s, shell %s", ws->id,
	    ws->root, DOCKER_MOUNT, d->shell_path);
	return ws;

fail:
	ws_destroy(ws);
	return NULL;
}

/*
 * The answer to an inspection of the container (j NULL: the call failed,
 * with status and why): running with the lifeline open is only WS_UNSURE
 * (a killed container's exec stream can close a little before the daemon
 * reports it stopped); anything else is WS_GONE, and d->error says why.
 */
static enum ws_health
docker_verdict(struct docker *d, const cJSON *j, long status, const char *why)
{
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(j, "State");

	if (j != NULL &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(state, "Running")) &&
	    docker_life_open(d))
		return WS_UNSURE;
	if (d->error == NULL) {
		d->error = docker_diagnose(d, j, status, why);
		log_debug("%s", d->error);
	}
	return WS_GONE;
}

/* The health check's inspection ended (on the loop): keep its answer. */
static void
docker_check_end(struct docker *d, const struct docker_reply *r,
    const char *cause)
{
	char *why = NULL;
	cJSON *j = NULL;

	if (r != NULL)
		j = docker_reply_json(r, "GET", "/containers/json", &why);
	d->health = docker_verdict(d, j, r != NULL ? r->status : 0,
	    why != NULL ? why : cause);
	d->checked = 1;
	cJSON_Delete(j);
	free(why);
}

/*
 * After the shell stream ended: is the container still there?  The
 * inspection runs on the loop's curl driver (ws->loop, set by shell_start),
 * so this never waits, even for a daemon that stopped answering: the
 * first call starts it and says WS_ASKING; a later call returns its answer
 * (or WS_ASKING while it is under way, DOCKER_SHORT_MS at most).  With no
 * loop (a caller of the backend alone) the inspection is made here.
 */
static enum ws_health
docker_check(struct workspace *ws)
{
	struct docker *d = ws->priv;
	char *path, *why = NULL;
	enum ws_health h;
	long status = 0;
	cJSON *j;

	if (d == NULL || d->error != NULL)
		return WS_GONE;
	if (d->checked) {
		d->checked = 0;
		return (enum ws_health)d->health;
	}
	if (d->async != NULL)
		return WS_ASKING;
	path = xasprintf("/containers/%s/json", d->cid);
	if (ws->loop != NULL && docker_get_start(d, ws->loop, path,
	    DOCKER_SHORT_MS, docker_check_end, &why) == 0) {
		free(path);
		return WS_ASKING;
	}
	if (why == NULL)
		j = docker_json(d, "GET", path, NULL, DOCKER_SHORT_MS, &status,
		    &why);
	else
		j = NULL;
	free(path);
	h = docker_verdict(d, j, status, why);
	cJSON_Delete(j);
	free(why);
	return h;
}

/* ops->error: why the container is gone, or NULL. */
static const char *
docker_error(const struct workspace *ws)
{
	const struct docker *d = ws->priv;

	return d != NULL ? d->error : NULL;
}

/* Why the container is gone, or NULL. */
const char *
ws_docker_error(const struct workspace *ws)
{
	if (ws == NULL || ws->ops != &docker_ops)
		return NULL;
	return docker_error(ws);
}

/* The full container id, or NULL. */
const char *
ws_docker_container(const struct workspace *ws)
{
	const struct docker *d;

	if (ws == NULL || ws->ops != &docker_ops || ws->priv == NULL)
		return NULL;
	d = ws->priv;
	return d->cid;
}

/* The daemon's socket path or tcp://host:port, or NULL. */
const char *
ws_docker_socket(const struct workspace *ws)
{
	const struct docker *d;

	if (ws == NULL || ws->ops != &docker_ops || ws->priv == NULL)
		return NULL;
	d = ws->priv;
	return d->sock;
}
