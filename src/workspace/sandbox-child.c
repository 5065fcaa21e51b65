/*
 * sandbox-child.c: entering the sandbox, in the child between fork and
 * exec (doc/SANDBOX.md).  Only system calls here: no allocation, no stdio,
 * nothing that is not async-signal-safe; every path was resolved by
 * sandbox.c in the parent.
 *
 * Namespaces, bubblewrap-style but with the kernel's mount API:
 *   unshare(user, mount, pid[, net]); map our own uid and gid (setgroups
 *   deny first); fork: this process waits and passes on the status, the
 *   child is pid 1 of the new pid namespace and goes on:
 *   make every mount private; clone each writable tree (open_tree) while
 *   it is still writable; mark the whole tree read-only (mount_setattr,
 *   recursive); tmpfs on /tmp; a fresh /dev holding only null, zero,
 *   full, random, urandom, tty, ptmx, the pty file system and a private
 *   shm; an empty /run (service sockets); a proc for the new pid
 *   namespace (so no outside process is visible or signalable); move the
 *   writable clones back into place (creating mount points inside the new
 *   /tmp when the workspace lives there); a read-only empty tmpfs over
 *   each hidden directory and /dev/null over each hidden file; lo up;
 *   then every capability is dropped (bounding set too, so even uid 0
 *   inside gets none back at exec) and no_new_privs is set, so the mounts
 *   cannot be undone: a nested user namespace would see them locked.
 *
 * Landlock (ABI 1..7, from kernel headers, constants defined here when
 * the installed headers are older): writes handled and granted only
 * beneath the writable paths, the private TMPDIR and a few device files;
 * reads handled (when hidden paths exist) and granted on every tree but
 * the hidden ones; TCP bind/connect handled with no rule when the network
 * is off (ABI >= 4); signals and abstract unix sockets scoped (ABI >= 6).
 * Then a seccomp filter (classic BPF, linux/filter.h) refusing socket()
 * for every family but AF_UNIX and AF_NETLINK when the network is off, and
 * io_uring_setup always (io_uring could open sockets past the filter).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

#include "cade/util.h"

#include "sandbox-int.h"

/* Landlock rights newer than Debian 12's headers (linux/landlock.h of 6.1). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE		(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP		(1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP		(1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET	(1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL			(1ULL << 1)
#endif

/* The ruleset attribute as of ABI 6; its size tells the kernel which fields we fill. */
struct sandbox_ll_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;
	uint64_t	scoped;
};

#if defined(__x86_64__)
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define SANDBOX_AUDIT_ARCH	AUDIT_ARCH_RISCV64
#endif

/* Write a short string to a /proc file. */
static int
sandbox_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd == -1)
		return -1;
	n = write(fd, s, strlen(s));
	err = errno;
	close(fd);
	errno = err;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* mkdir -p on a stack copy (mount points inside the new /tmp). */
static void
sandbox_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof buf)
		return;
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];

			buf[i] = '\0';
			(void)mkdir(buf, 0755);
			buf[i] = c;
		}
	}
}

/* Drop every capability (bounding, ambient, effective/permitted/inheritable). */
static int
sandbox_drop_caps(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	int cap;

	for (cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 && errno == EINVAL)
			break;
	}
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(&hdr, 0, sizeof hdr);
	memset(data, 0, sizeof data);
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	return (int)syscall(SYS_capset, &hdr, data);
}

/*
 * ifconfig lo up.  Interface ioctls reach dev_ioctl() through any socket;
 * an AF_UNIX one is the cheapest to close (an AF_INET close in a fresh
 * network namespace was seen to take milliseconds).
 */
static int
sandbox_lo_up(void)
{
	struct ifreq ifr;
	int s, rc;

	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rc;
}

/* Wait for the pid-1 child and leave with its status (the middle process). */
static void CADE_NORETURN
sandbox_relay(pid_t child)
{
	int status;

	while (waitpid(child, &status, 0) == -1) {
		if (errno != EINTR)
			_exit(127);
	}
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

/* The device files a contained shell may use, bound into a fresh /dev. */
static const char *const sandbox_devs[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
	"/dev/tty", "/dev/ptmx",
};

/*
 * A fresh /dev (tmpfs) with only the harmless devices, the pty file system
 * and a private /dev/shm: on the host's /dev a uid allowed by DAC could
 * write a disk (root, or the "disk" group) whatever the read-only mount.
 */
static int
sandbox_new_dev(const char **stage)
{
	int fds[nitems(sandbox_devs)], pts, fd, err;
	size_t i;

	for (i = 0; i < nitems(sandbox_devs); i++)
		fds[i] = open_tree(AT_FDCWD, sandbox_devs[i],
		    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	pts = open_tree(AT_FDCWD, "/dev/pts", OPEN_TREE_CLONE |
	    OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
	    "mode=0755,size=64k") == -1) {
		*stage = "mount a private /dev";
		goto fail;
	}
	for (i = 0; i < nitems(sandbox_devs); i++) {
		if (fds[i] == -1)
			continue;
		if ((fd = open(sandbox_devs[i], O_WRONLY | O_CREAT | O_CLOEXEC,
		    0666)) != -1)
			close(fd);
		if (move_mount(fds[i], "", AT_FDCWD, sandbox_devs[i],
		    MOVE_MOUNT_F_EMPTY_PATH) == -1) {
			*stage = "bind a device into /dev";
			goto fail;
		}
	}
	(void)mkdir("/dev/pts", 0755);
	(void)mkdir("/dev/shm", 01777);
	if (pts != -1 && move_mount(pts, "", AT_FDCWD, "/dev/pts",
	    MOVE_MOUNT_F_EMPTY_PATH) == -1) {
		*stage = "bind /dev/pts";
		goto fail;
	}
	if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=1777") == -1) {
		*stage = "mount a private /dev/shm";
		goto fail;
	}
	(void)symlink("/proc/self/fd", "/dev/fd");
	(void)symlink("/proc/self/fd/0", "/dev/stdin");
	(void)symlink("/proc/self/fd/1", "/dev/stdout");
	(void)symlink("/proc/self/fd/2", "/dev/stderr");
	err = 0;
	goto out;
fail:
	err = errno;
out:
	for (i = 0; i < nitems(sandbox_devs); i++)
		if (fds[i] != -1)
			close(fds[i]);
	if (pts != -1)
		close(pts);
	errno = err;
	return err == 0 ? 0 : -1;
}

/*
 * An empty /run: it holds the sockets of services that act for whoever
 * connects (systemd, D-Bus, the Docker daemon, the user's session bus), and
 * a read-only mount does not stop connect(2).  With the network on, the
 * resolver's directory comes back (/etc/resolv.conf may point into it).
 */
static int
sandbox_new_run(const struct sandbox *sb, const char **stage)
{
	static const char resolve[] = "/run/systemd/resolve";
	int fd = -1, err = 0;

	if (access("/run", F_OK) == -1)
		return 0;
	if (sb->net)
		fd = open_tree(AT_FDCWD, resolve, OPEN_TREE_CLONE |
		    OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0755,size=1m") == -1) {
		*stage = "mount an empty /run";
		err = errno;
	} else if (fd != -1) {
		sandbox_mkdirs(resolve);
		if (move_mount(fd, "", AT_FDCWD, resolve,
		    MOVE_MOUNT_F_EMPTY_PATH) == -1) {
			*stage = "bind the resolver into /run";
			err = errno;
		}
	}
	if (fd != -1)
		close(fd);
	errno = err;
	return err == 0 ? 0 : -1;
}

#define SANDBOX_FAIL(name) do { *stage = (name); goto fail; } while (0)

/* The namespace sandbox; see the top of the file. */
static int
sandbox_enter_ns(const struct sandbox *sb, int errfd, const char **stage)
{
	int fds[SANDBOX_MAX_PATHS];
	struct mount_attr ma;
	size_t i, nfd = 0;
	pid_t pid;
	int err;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
	    (sb->net ? 0 : CLONE_NEWNET)) == -1)
		SANDBOX_FAIL("unshare user, mount, pid and network namespaces");
	if (sandbox_write_file("/proc/self/setgroups", "deny") == -1 &&
	    errno != ENOENT)
		SANDBOX_FAIL("setgroups deny");
	if (sandbox_write_file("/proc/self/uid_map", sb->uid_map) == -1)
		SANDBOX_FAIL("uid_map");
	if (sandbox_write_file("/proc/self/gid_map", sb->gid_map) == -1)
		SANDBOX_FAIL("gid_map");
	if ((pid = fork()) == -1)
		SANDBOX_FAIL("fork pid 1");
	if (pid > 0) {
		close(errfd);
		sandbox_relay(pid);
	}
	/* pid 1 of the new namespace from here on. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* type is ignored for a propagation change; "none", not NULL, for valgrind */
	if (mount(NULL, "/", "none", MS_REC | MS_PRIVATE, NULL) == -1)
		SANDBOX_FAIL("make mounts private");
	for (i = 0; i < sb->nwritable; i++) {
		fds[nfd] = open_tree(AT_FDCWD, sb->writable[i].path,
		    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (fds[nfd] == -1)
			SANDBOX_FAIL("clone a writable tree");
		nfd++;
	}
	memset(&ma, 0, sizeof ma);
	ma.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
	if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ma, sizeof ma) == -1)
		SANDBOX_FAIL("make / read-only");
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=1777") == -1)
		SANDBOX_FAIL("mount a private /tmp");
	if (sandbox_new_dev(stage) == -1)
		goto fail;
	if (sandbox_new_run(sb, stage) == -1)
		goto fail;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    NULL) == -1)
		SANDBOX_FAIL("mount /proc for the pid namespace");
	for (i = 0; i < nfd; i++) {
		/* A mount point inside the new /tmp (elsewhere: EEXIST, EROFS). */
		sandbox_mkdirs(sb->writable[i].path);
		if (move_mount(fds[i], "", AT_FDCWD, sb->writable[i].path,
		    MOVE_MOUNT_F_EMPTY_PATH) == -1)
			SANDBOX_FAIL("bind a writable tree");
		close(fds[i]);
	}
	nfd = 0;
	for (i = 0; i < sb->nhidden; i++) {
		const char *p = sb->hidden[i].path;
		int rc;

		if (sb->hidden[i].is_dir)
			rc = mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID |
			    MS_NODEV | MS_NOEXEC, "size=4k,mode=0700");
		else
			rc = mount("/dev/null", p, NULL, MS_BIND, NULL);
		/* Under the private /tmp, or gone since: nothing to hide. */
		if (rc == -1 && errno != ENOENT)
			SANDBOX_FAIL("hide a credential path");
	}
	if (!sb->net && sandbox_lo_up() == -1)
		SANDBOX_FAIL("bring lo up");
	if (sandbox_drop_caps() == -1)
		SANDBOX_FAIL("drop capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		SANDBOX_FAIL("no_new_privs");
	return 0;
fail:
	err = errno;
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	errno = err;
	return -1;
}

/* One Landlock path_beneath rule; a vanished path is skipped. */
static int
sandbox_ll_rule(int ruleset, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb;
	int fd, rc, err;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return errno == ENOENT || errno == EACCES ? 0 : -1;
	memset(&pb, 0, sizeof pb);
	pb.allowed_access = access;
	pb.parent_fd = fd;
	rc = (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

/* The seccomp filter: refuse io_uring, and non-local sockets when offline. */
static int
sandbox_seccomp(int net)
{
#ifdef SANDBOX_AUDIT_ARCH
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_AUDIT_ARCH, 1, 0),
		/* Another ABI (i386 socketcall...): refuse it outright. */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		/* x32 system calls carry bit 30. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog;

	prog.filter = f;
	prog.len = (unsigned short)nitems(f);
	if (net) {
		/* Network allowed: keep only the io_uring refusal. */
		static struct sock_filter g[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};

		prog.filter = g;
		prog.len = (unsigned short)nitems(g);
	}
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#else
	(void)net;
	errno = ENOSYS;
	return -1;
#endif
}

/* Landlock plus seccomp; see the top of the file. */
static int
sandbox_enter_landlock(const struct sandbox *sb, const char **stage)
{
	static const char *const devs[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx",
		"/dev/pts", "/dev/random", "/dev/urandom",
	};
	struct sandbox_ll_attr attr;
	uint64_t write_fs, read_fs, file_bits;
	size_t size, i;
	int abi, rs = -1, err;

	if ((abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, 1U)) < 1)
		SANDBOX_FAIL("Landlock is not available");
	write_fs = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
	    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
	    LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
	    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
	    LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		write_fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		write_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	read_fs = sb->nreadable > 0 ? LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_READ_DIR : 0;
	memset(&attr, 0, sizeof attr);
	attr.handled_access_fs = write_fs | read_fs;
	size = sizeof attr.handled_access_fs;
	if (abi >= 4) {
		attr.handled_access_net = sb->net ? 0 :
		    LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
		size = offsetof(struct sandbox_ll_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_SIGNAL |
		    LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
		size = sizeof attr;
	}
	if ((rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0U)) == -1)
		SANDBOX_FAIL("create a Landlock ruleset");
	for (i = 0; i < sb->nwritable; i++) {
		if (sandbox_ll_rule(rs, sb->writable[i].path, sb->writable[i].is_dir ?
		    write_fs | read_fs : (write_fs | read_fs) &
		    (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
		    LANDLOCK_ACCESS_FS_TRUNCATE)) == -1)
			SANDBOX_FAIL("add a Landlock rule for a writable path");
	}
	if (sb->tmpdir != NULL &&
	    sandbox_ll_rule(rs, sb->tmpdir, write_fs | read_fs) == -1)
		SANDBOX_FAIL("add a Landlock rule for TMPDIR");
	file_bits = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
	    LANDLOCK_ACCESS_FS_TRUNCATE;
	for (i = 0; i < nitems(devs); i++) {
		uint64_t a = (write_fs | read_fs) & file_bits;

		if (strcmp(devs[i], "/dev/pts") == 0)
			a = (write_fs | read_fs) & (file_bits | LANDLOCK_ACCESS_FS_READ_DIR);
		if (sandbox_ll_rule(rs, devs[i], a) == -1)
			SANDBOX_FAIL("add a Landlock rule for a device");
	}
	for (i = 0; i < sb->nreadable; i++) {
		if (sandbox_ll_rule(rs, sb->readable[i].path, sb->readable[i].is_dir ?
		    read_fs : LANDLOCK_ACCESS_FS_READ_FILE) == -1)
			SANDBOX_FAIL("add a Landlock read rule");
	}
	/* uid 0 keeps no capability either (no module loading, no raw I/O). */
	if (sandbox_drop_caps() == -1)
		SANDBOX_FAIL("drop capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		SANDBOX_FAIL("no_new_privs");
	if (syscall(SYS_landlock_restrict_self, rs, 0U) == -1)
		SANDBOX_FAIL("enforce the Landlock ruleset");
	close(rs);
	rs = -1;
	if (sandbox_seccomp(sb->net) == -1)
		SANDBOX_FAIL("install the seccomp filter");
	return 0;
fail:
	err = errno;
	if (rs >= 0)
		close(rs);
	errno = err;
	return -1;
}

/* Enter mechanism m; see sandbox.h. */
int
sandbox_child_enter(const struct sandbox *sb, enum sandbox_mech m, int errfd,
    const char **stage)
{
	*stage = NULL;
	if (sb == NULL || m == SANDBOX_OFF)
		return 0;
	if (m == SANDBOX_NS)
		return sandbox_enter_ns(sb, errfd, stage);
	if (m == SANDBOX_LANDLOCK)
		return sandbox_enter_landlock(sb, stage);
	*stage = "no sandbox mechanism chosen";
	errno = EINVAL;
	return -1;
}
