/*
 * sandbox.h: containment for the local workspace's shell (doc/SANDBOX.md).
 *
 * A sandbox is built once per workspace from the config ("sandbox",
 * "sandbox_writable", "sandbox_hidden", "network"): the writable and hidden
 * paths are resolved on the host, before any fork.  spawn.c then applies it
 * in the child between fork and exec (sandbox_child_enter), so the shell is
 * contained from its first instruction and costs nothing per command.
 *
 * Mechanisms: SANDBOX_NS (user + mount + pid + network namespaces: / read
 * only, writable paths bound read-write, tmpfs over hidden paths and /tmp,
 * a network namespace holding only lo), SANDBOX_LANDLOCK (Landlock write
 * and read rules, TCP and signal scoping where the ABI has them, a seccomp
 * filter refusing every socket but AF_UNIX and AF_NETLINK), SANDBOX_OFF.
 * "auto" tries them in that order; a forced mechanism that cannot start is
 * an error, never a silent fallback.
 */
#ifndef CADE_SANDBOX_H
#define CADE_SANDBOX_H

#include <cjson/cJSON.h>

struct config;
struct sandbox;

enum sandbox_mech { SANDBOX_OFF, SANDBOX_NS, SANDBOX_LANDLOCK, SANDBOX_AUTO };

/* Resolve the config for a workspace rooted at root (realpath'd); NULL + *cause on a bad setting. */
struct sandbox	*sandbox_new(const struct config *, const char *root, char **cause);
void		 sandbox_free(struct sandbox *);

/* What was asked for (SANDBOX_AUTO or a mechanism) and what is in force. */
enum sandbox_mech sandbox_wanted(const struct sandbox *);
enum sandbox_mech sandbox_mech(const struct sandbox *);
/* Record the mechanism the shell actually started under (and why, for off). */
void		 sandbox_set_mech(struct sandbox *, enum sandbox_mech, const char *why);
/* "ns", "landlock", "off" (status bar, --json); "auto" for SANDBOX_AUTO. */
const char	*sandbox_mech_name(enum sandbox_mech);
/* 1 if commands may use the network (network = bridge). */
int		 sandbox_net(const struct sandbox *);
/* Why the sandbox is off (NULL when a mechanism is in force or it was asked off). */
const char	*sandbox_why_off(const struct sandbox *);
/*
 * Before starting a shell under a mechanism: compute what it needs (Landlock:
 * readable trees, the private TMPDIR).  Returns the environment entries
 * ("NAME=value") the contained shell needs; NULL-terminated, owned.
 */
const char *const *sandbox_prepare(struct sandbox *, enum sandbox_mech);
/* Names to remove from the shell's environment (agent sockets); NULL-terminated. */
const char *const *sandbox_env_unset(void);

/*
 * 1 if host_path is one of the hidden paths or lies beneath one (whatever
 * the mechanism, also when off: the file tools refuse hidden paths always).
 */
int		 sandbox_is_hidden(const struct sandbox *, const char *host_path);

/* {"mechanism","wanted","network","writable":[...],"hidden":[...],"why_off"} for session_start. */
cJSON		*sandbox_json(const struct sandbox *);

/*
 * In the child between fork and exec (async-signal-safe: no allocation).
 * SANDBOX_NS forks once more: the caller continues as pid 1 of the new pid
 * namespace while this process waits for it and exits with its status,
 * closing errfd first.  -1 with errno and *stage (a name from a static
 * table) on failure.
 */
int		 sandbox_child_enter(const struct sandbox *, enum sandbox_mech,
		    int errfd, const char **stage);

/* Landlock ABI version of this kernel, 0 if none. */
int		 sandbox_landlock_abi(void);

/* Would a session started here with this config contain its commands
 * (the docker workspace, or a sandbox mechanism that starts)? */
int		 sandbox_auto_contained(const struct config *);

/* `cade sandbox check`: argv starts after "sandbox"; returns the exit status. */
int		 sandbox_check_main(int argc, char **argv, struct config *);

#endif
