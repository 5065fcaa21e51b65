/*
 * sandbox-int.h: what sandbox.c (building the sandbox from the config, in
 * the parent) and sandbox-child.c (entering it, in the child) share.
 */
#ifndef CADE_SANDBOX_INT_H
#define CADE_SANDBOX_INT_H

#include <sys/types.h>

#include "cade/sandbox.h"

/* The most writable or hidden paths the child handles (fds on its stack). */
#define SANDBOX_MAX_PATHS	64

struct sandbox_path {
	char	*path;		/* absolute, symlinks resolved, exists */
	int	 is_dir;
};

struct sandbox {
	enum sandbox_mech	 want;		/* from the config */
	enum sandbox_mech	 mech;		/* in force once the shell started */
	int			 net;		/* 1: network = bridge */
	struct sandbox_path	 writable[SANDBOX_MAX_PATHS];	/* [0] is the workspace */
	size_t			 nwritable;
	struct sandbox_path	 hidden[SANDBOX_MAX_PATHS];
	size_t			 nhidden;
	/* Landlock only: what stays readable when hidden paths exist. */
	struct sandbox_path	*readable;
	size_t			 nreadable;
	char			*tmpdir;	/* Landlock: the private TMPDIR */
	char			 uid_map[64], gid_map[64];
	char			*why_off;
	char			*env[3];	/* "TMPDIR=...", NULL-terminated */
};

#endif
