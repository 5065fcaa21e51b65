/*
 * commands.c: the command table, one row per program the policy engine
 * knows, and the checks of the commands that change files or the shell's
 * state.
 *
 * risk.c unwraps a simple command (the wrappers are rows with CF_WRAP),
 * finds the row of what runs and calls, in order: its .form check for
 * each form of the command line (git -C dir push is also "git push"),
 * its .analyze check (what it does to files, the shell's state and the
 * code it runs: rm, cd, export, eval, sh -c, find -exec ...), the checks
 * every program gets (programs.c), then its .check (what its own options
 * do).  The flags say what a program is, for the links risk.c draws
 * across an action (a download that reaches a shell, an environment
 * dump that reaches the network) and for the read-only judgement of
 * confirm=always.  Adding a command's check is adding or changing its row
 * here: no code outside the table tests a program's name.
 *
 * A name ending in '*' stands for every name that starts so and has no
 * row of its own (python3.11 is "python3*").
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/util.h"
#include "policy-int.h"
#include "programs-int.h"

static void	pol_cmd_alias(struct prog_call *);
static void	pol_cmd_cd(struct prog_call *);
static void	pol_cmd_chmod(struct prog_call *);
static void	pol_cmd_copy(struct prog_call *);
static void	pol_cmd_create(struct prog_call *);
static void	pol_cmd_dd(struct prog_call *);
static void	pol_cmd_delete(struct prog_call *);
static void	pol_cmd_eval(struct prog_call *);
static void	pol_cmd_export(struct prog_call *);
static void	pol_cmd_extract(struct prog_call *);
static int	pol_cmd_find_lists(struct pol_ctx *, const struct shp_cmd *,
		    size_t);
static void	pol_cmd_git_form(struct pol_ctx *, char **, size_t, int, int,
		    int);
static int	pol_cmd_git_lists(struct pol_ctx *, const struct shp_cmd *,
		    size_t);
static void	pol_cmd_inplace(struct prog_call *);
static void	pol_cmd_perl(struct prog_call *);
static void	pol_cmd_popd(struct prog_call *);
static void	pol_cmd_source(struct prog_call *);
static void	pol_cmd_trap(struct prog_call *);
static void	pol_cmd_watch(struct prog_call *);

/*
 * The table, sorted by name (bytes).  Each row: name, flags (K_* what it
 * is, CF_* how it behaves), then only the members it needs.
 */
static const struct pol_cmd pol_cmd_table[] = {
	{ ".", .analyze = pol_cmd_source },
	{ "GET", .flags = K_FETCH | K_NETSEND },
	{ "POST", .flags = K_NETSEND },
	{ "Rscript", .flags = K_INTERP, .analyze = pol_check_interp },
	{ "[", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "[[", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "ack", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "ag", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "alias", .analyze = pol_cmd_alias },
	{ "aria2c",
	    .flags = K_FETCH | CF_SAVE_NAMED, .saveas = "|-o|--out|",
	    .argopts = "d" },
	{ "asdf",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, "exec" } },
	{ "ash", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "awk", .check = prog_awk },
	{ "base32", .flags = CF_DECODE_OPT },
	{ "base64", .flags = CF_DECODE_OPT },
	{ "basename", .flags = CF_READONLY },
	{ "basenc", .flags = CF_DECODE_OPT },
	{ "bash",
	    .flags = K_SHELL, .analyze = pol_check_shell, .check = prog_shell },
	{ "bat", .flags = CF_VIEWER },
	{ "builtin",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, NULL } },
	{ "bun",
	    .flags = K_INTERP, .analyze = pol_check_interp, .check = prog_js,
	    .code = "|-e|-p|--eval|--print|", .runs = "|package.json|" },
	{ "bundle",
	    .flags = CF_WRAP, .check = prog_pkgtool,
	    .wrap = { "", "|gemfile|", "", 0, W_BENIGN, "exec" },
	    .runs = "|Gemfile|", .installs = "|add|" },
	{ "bunx", .check = prog_fetch_always },
	{ "bunzip2", .flags = K_DECODE },
	{ "busybox",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_APPLET, NULL } },
	{ "bzcat", .flags = K_DECODE },
	{ "cabal", .check = prog_pkgtool, .installs = "|install|" },
	{ "caffeinate",
	    .flags = CF_WRAP, .wrap = { "tw", "", "", 0, W_BENIGN, NULL } },
	{ "cap", .check = prog_runner },
	{ "cargo",
	    .check = prog_cargo, .runs = "|build.rs|Cargo.toml|",
	    .installs = "|install|binstall|" },
	{ "cat", .flags = CF_READONLY | CF_VIEWER | CF_COPY_IN | CF_CAT },
	{ "catchsegv",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, NULL } },
	{ "cd", .flags = CF_READONLY, .analyze = pol_cmd_cd },
	{ "cgdb", .check = prog_gdb },
	{ "chattr", .analyze = pol_cmd_chmod },
	{ "chgrp", .analyze = pol_cmd_chmod },
	{ "chmod", .analyze = pol_cmd_chmod },
	{ "chown", .analyze = pol_cmd_chmod },
	{ "chromium", .flags = CF_VIEWER },
	{ "chromium-browser", .flags = CF_VIEWER },
	{ "chronic",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, NULL } },
	{ "chroot",
	    .flags = CF_WRAP,
	    .wrap = { "", "|userspec|groups|", "", 1, 0, NULL } },
	{ "chrt",
	    .flags = CF_WRAP,
	    .wrap = { "TPD", "|sched-runtime|sched-period|sched-deadline|", "", 1, W_BENIGN, NULL } },
	{ "cksum", .flags = CF_READONLY },
	{ "clickhouse-client", .check = prog_sql, .code = "|-q|" },
	{ "cmake", .runs = "|CMakeLists.txt|" },
	{ "cmp", .flags = CF_READONLY },
	{ "cockroach", .check = prog_sql, .code = "|-e|" },
	{ "code", .flags = CF_VIEWER },
	{ "column", .flags = CF_READONLY },
	{ "comm", .flags = CF_READONLY },
	{ "command",
	    .flags = CF_WRAP,
	    .wrap = { "", "", "", 0, W_BENIGN | W_QUERY, NULL } },
	{ "compgen", .flags = K_ENVDUMP },
	{ "composer",
	    .flags = CF_SLASH_PKG, .check = prog_pkgtool,
	    .installs = "|require|global require|" },
	{ "conda",
	    .flags = CF_WRAP, .check = prog_pkgtool,
	    .wrap = { "np", "|name|prefix|", "", 0, W_BENIGN, "run" },
	    .installs = "|install|" },
	{ "cp", .analyze = pol_cmd_copy, .argopts = "tS" },
	{ "cpulimit",
	    .flags = CF_WRAP,
	    .wrap = { "l", "|limit|", "", 0, W_BENIGN, NULL } },
	{ "csh", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "curl",
	    .flags = K_FETCH | K_NETSEND | CF_SAVE_O, .check = prog_http,
	    .saveas = "|-o|--output|" },
	{ "curlie", .flags = K_FETCH | K_NETSEND, .check = prog_http },
	{ "cut", .flags = CF_READONLY },
	{ "dash",
	    .flags = K_SHELL, .analyze = pol_check_shell, .check = prog_shell },
	{ "date", .flags = CF_READONLY },
	{ "dbus-run-session",
	    .flags = CF_WRAP,
	    .wrap = { "", "|config-file|dbus-daemon|", "", 0, W_BENIGN, NULL } },
	{ "dd", .analyze = pol_cmd_dd },
	{ "declare",
	    .flags = CF_DUMP_OPT, .analyze = pol_cmd_export,
	    .check = prog_declare },
	{ "delta", .flags = CF_VIEWER },
	{ "deno",
	    .flags = K_INTERP, .analyze = pol_check_interp,
	    .check = prog_pkgtool, .code = "|-e|-p|--eval|--print|",
	    .installs = "|install|" },
	{ "dep", .check = prog_runner },
	{ "df", .flags = CF_READONLY },
	{ "diff", .flags = CF_READONLY },
	{ "diff-so-fancy", .flags = CF_VIEWER },
	{ "direnv",
	    .flags = CF_WRAP, .wrap = { "", "", "", 1, W_BENIGN, "exec" } },
	{ "dirname", .flags = CF_READONLY },
	{ "doas", .flags = CF_WRAP, .wrap = { "uC", "", "", 0, 0, NULL } },
	{ "docker", .runs = "|docker-compose.yml|compose.yaml|Dockerfile|" },
	{ "docker-compose", .runs = "|docker-compose.yml|compose.yaml|" },
	{ "dotnet",
	    .check = prog_pkgtool, .installs = "|tool install|add package|" },
	{ "du", .flags = CF_READONLY },
	{ "duckdb", .check = prog_sqlite, .code = "|-c|-s|" },
	{ "eatmydata",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, NULL } },
	{ "echo", .flags = CF_READONLY | CF_PRINTS },
	{ "ed", .flags = CF_VIEWER },
	{ "egrep", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "elinks", .flags = CF_VIEWER },
	{ "emacs", .flags = CF_VIEWER, .check = prog_emacs },
	{ "emacsclient", .flags = CF_VIEWER },
	{ "env",
	    .flags = K_ENVDUMP | CF_WRAP | CF_READONLY,
	    .analyze = pol_cmd_export,
	    .wrap = { "uCP", "|unset|chdir|", "S", 0, W_BENIGN | W_ENVASSIGN, NULL } },
	{ "eval", .analyze = pol_cmd_eval },
	{ "ex", .check = prog_vim },
	{ "exec",
	    .flags = CF_WRAP, .wrap = { "a", "", "", 0, W_BENIGN, NULL } },
	{ "expand", .flags = CF_READONLY },
	{ "export",
	    .flags = CF_DUMP_BARE | CF_DUMP_OPT, .analyze = pol_cmd_export,
	    .check = prog_declare },
	{ "fab", .check = prog_runner },
	{ "fakeroot", .flags = CF_WRAP, .wrap = { "", "", "", 0, 0, NULL } },
	{ "false", .flags = CF_READONLY | CF_VIEWER },
	{ "fd", .flags = CF_READONLY },
	{ "fetch", .flags = K_FETCH },
	{ "fgrep", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "file", .flags = CF_READONLY },
	{ "find",
	    .flags = CF_READONLY | CF_O_NOT_OUT, .analyze = pol_check_find,
	    .lists = pol_cmd_find_lists },
	{ "firefox", .flags = CF_VIEWER },
	{ "firejail", .flags = CF_WRAP, .wrap = { "", "", "", 0, 0, NULL } },
	{ "fish", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "flock",
	    .flags = CF_WRAP,
	    .wrap = { "wE", "|timeout|conflict-exit-code|", "c", 1, 0, NULL } },
	{ "fmt", .flags = CF_READONLY },
	{ "fold", .flags = CF_READONLY },
	{ "free", .flags = CF_READONLY },
	{ "ftp", .flags = K_NETSEND },
	{ "fuser", .flags = CF_PIDS },
	{ "gawk", .check = prog_awk },
	{ "gdb", .check = prog_gdb },
	{ "gedit", .flags = CF_VIEWER },
	{ "gem", .check = prog_pkgtool, .installs = "|install|" },
	{ "gh", .check = prog_forge },
	{ "git",
	    .flags = CF_READONLY, .check = prog_git, .form = pol_cmd_git_form,
	    .lists = pol_cmd_git_lists, .runs = "|.pre-commit-config.yaml|" },
	{ "glab", .check = prog_forge },
	{ "go",
	    .flags = CF_SLASH_PKG, .check = prog_pkgtool, .runs = "|go.mod|",
	    .installs = "|install|get|" },
	{ "google-chrome", .flags = CF_VIEWER },
	{ "gradle", .runs = "|build.gradle|build.gradle.kts|" },
	{ "gradlew", .runs = "|build.gradle|build.gradle.kts|" },
	{ "grep", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "gunzip", .flags = K_DECODE },
	{ "gvim", .check = prog_vim },
	{ "hatch",
	    .flags = CF_WRAP, .check = prog_pkgtool,
	    .wrap = { "e", "|env|", "", 0, W_BENIGN, "run" },
	    .runs = "|pyproject.toml|", .installs = "|dep add|" },
	{ "head", .flags = CF_READONLY | CF_VIEWER },
	{ "help", .flags = CF_READONLY },
	{ "hexdump", .flags = CF_READONLY },
	{ "hostname", .flags = CF_READONLY },
	{ "http", .flags = K_FETCH | K_NETSEND, .check = prog_httpie },
	{ "https", .flags = K_FETCH | K_NETSEND, .check = prog_httpie },
	{ "hx", .flags = CF_VIEWER },
	{ "id", .flags = CF_READONLY },
	{ "info", .flags = CF_READONLY },
	{ "install", .analyze = pol_cmd_copy, .argopts = "mogtS" },
	{ "invoke", .check = prog_runner },
	{ "ionice",
	    .flags = CF_WRAP,
	    .wrap = { "cnp", "|class|classdata|", "", 0, W_BENIGN, NULL } },
	{ "join", .flags = CF_READONLY },
	{ "jq", .flags = CF_READONLY },
	{ "just", .check = prog_runner, .runs = "|justfile|Justfile|" },
	{ "kak", .flags = CF_VIEWER },
	{ "kate", .flags = CF_VIEWER },
	{ "kill", .check = prog_kill },
	{ "ksh", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "less", .flags = CF_READONLY | CF_VIEWER, .check = prog_pager },
	{ "lldb", .check = prog_lldb },
	{ "ln", .analyze = pol_cmd_copy, .argopts = "tS" },
	{ "local", .analyze = pol_cmd_export, .check = prog_declare },
	{ "locale", .flags = CF_READONLY },
	{ "ls", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "lsblk", .flags = CF_READONLY },
	{ "lscpu", .flags = CF_READONLY },
	{ "lsof", .flags = CF_O_NOT_OUT | CF_PIDS },
	{ "ltrace",
	    .flags = CF_WRAP, .wrap = { "aenopsuABDIX", "", "", 0, 0, NULL } },
	{ "lua", .flags = K_INTERP, .analyze = pol_check_interp },
	{ "luajit", .flags = K_INTERP, .analyze = pol_check_interp },
	{ "luarocks", .check = prog_pkgtool, .installs = "|install|" },
	{ "lwp-download", .flags = K_FETCH },
	{ "lwp-request", .flags = K_FETCH },
	{ "lynx", .flags = CF_VIEWER },
	{ "mage", .check = prog_runner },
	{ "mail", .flags = K_NETSEND },
	{ "mailx", .flags = K_NETSEND },
	{ "make",
	    .check = prog_make, .runs = "|Makefile|makefile|GNUmakefile|" },
	{ "mamba",
	    .flags = CF_WRAP, .check = prog_pkgtool,
	    .wrap = { "np", "|name|prefix|", "", 0, W_BENIGN, "run" },
	    .installs = "|install|" },
	{ "man", .flags = CF_READONLY, .check = prog_man },
	{ "mariadb", .check = prog_sql, .code = "|-e|" },
	{ "mawk", .check = prog_awk },
	{ "md5sum", .flags = CF_READONLY },
	{ "micro", .flags = CF_VIEWER },
	{ "mina", .check = prog_runner },
	{ "mix", .runs = "|mix.exs|" },
	{ "mkdir", .analyze = pol_cmd_create, .argopts = "m" },
	{ "mkfifo", .analyze = pol_cmd_create },
	{ "mksh", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "more", .flags = CF_READONLY | CF_VIEWER, .check = prog_pager },
	{ "most", .flags = CF_VIEWER, .check = prog_pager },
	{ "mutt", .flags = K_NETSEND },
	{ "mv", .flags = CF_MOVE, .analyze = pol_cmd_copy, .argopts = "tS" },
	{ "mvn", .runs = "|pom.xml|" },
	{ "mvnw", .runs = "|pom.xml|" },
	{ "mycli", .check = prog_sql, .code = "|-e|" },
	{ "mysql", .check = prog_sql, .code = "|-e|" },
	{ "nano", .flags = CF_VIEWER },
	{ "nawk", .check = prog_awk },
	{ "nc", .flags = K_FETCH | K_NETSEND },
	{ "ncat", .flags = K_FETCH | K_NETSEND },
	{ "netcat", .flags = K_FETCH | K_NETSEND },
	{ "nice",
	    .flags = CF_WRAP,
	    .wrap = { "n", "|adjustment|", "", 0, W_BENIGN, NULL } },
	{ "nl", .flags = CF_READONLY },
	{ "nm", .flags = CF_O_NOT_OUT },
	{ "nocache",
	    .flags = CF_WRAP, .wrap = { "n", "", "", 0, W_BENIGN, NULL } },
	{ "node",
	    .flags = K_INTERP, .analyze = pol_check_interp,
	    .code = "|-e|-p|--eval|--print|" },
	{ "nodejs",
	    .flags = K_INTERP, .analyze = pol_check_interp,
	    .code = "|-e|-p|--eval|--print|" },
	{ "nohup",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, NULL } },
	{ "nox", .check = prog_runner, .runs = "|conftest.py|noxfile.py|" },
	{ "npm", .check = prog_npm, .runs = "|package.json|" },
	{ "nproc", .flags = CF_READONLY },
	{ "npx", .check = prog_fetch_run, .runs = "|package.json|" },
	{ "nsenter",
	    .flags = CF_WRAP,
	    .wrap = { "tSGw", "|target|setuid|setgid|wd|", "", 0, 0, NULL } },
	{ "numactl",
	    .flags = CF_WRAP,
	    .wrap = { "NmCpiP", "|cpunodebind|membind|physcpubind|preferred|interleave|localalloc|", "", 0, W_BENIGN, NULL } },
	{ "nvim", .flags = CF_VIEWER, .check = prog_vim },
	{ "od", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "open", .flags = CF_VIEWER },
	{ "openssl", .flags = K_NETSEND | CF_DECODE_OPT },
	{ "osascript", .flags = K_INTERP, .analyze = pol_check_interp },
	{ "parallel", .check = prog_parallel },
	{ "paste", .flags = CF_READONLY },
	{ "pdm",
	    .flags = CF_WRAP, .check = prog_pkgtool,
	    .wrap = { "", "", "", 0, W_BENIGN, "run" },
	    .runs = "|pyproject.toml|", .installs = "|add|" },
	{ "perl", .flags = K_INTERP | CF_CODE_CLUSTER, .analyze = pol_cmd_perl },
	{ "perl5*",
	    .flags = K_INTERP | CF_CODE_CLUSTER, .analyze = pol_cmd_perl },
	{ "pgcli", .check = prog_sql, .code = "|-c|" },
	{ "pgrep", .flags = CF_O_NOT_OUT | CF_PIDS },
	{ "php",
	    .flags = K_INTERP, .analyze = pol_check_interp, .code = "|-r|" },
	{ "php*",
	    .flags = K_INTERP, .analyze = pol_check_interp, .code = "|-r|" },
	{ "pidof", .flags = CF_PIDS },
	{ "pip", .check = prog_pip, .runs = "|setup.py|pyproject.toml|" },
	{ "pip3", .check = prog_pip, .runs = "|setup.py|pyproject.toml|" },
	{ "pipenv",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, "run" } },
	{ "pipx", .check = prog_pkgtool, .installs = "|install|run|" },
	{ "pkexec",
	    .flags = CF_WRAP, .wrap = { "", "|user|", "", 0, 0, NULL } },
	{ "pkill", .flags = CF_O_NOT_OUT },
	{ "pnpm",
	    .flags = CF_WRAP, .check = prog_js,
	    .wrap = { "", "", "", 0, W_BENIGN, "exec" },
	    .runs = "|package.json|" },
	{ "podman", .runs = "|Dockerfile|" },
	{ "poetry",
	    .flags = CF_WRAP, .check = prog_pkgtool,
	    .wrap = { "C", "|directory|", "", 0, W_BENIGN, "run" },
	    .runs = "|pyproject.toml|", .installs = "|add|" },
	{ "popd", .flags = CF_READONLY, .analyze = pol_cmd_popd },
	{ "posh", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "powershell",
	    .flags = K_INTERP | CF_CODE_NOCASE, .analyze = pol_check_interp,
	    .code = "|-c|-command|-encodedcommand|-enc|-ec|-e|" },
	{ "pre-commit", .runs = "|.pre-commit-config.yaml|" },
	{ "printenv", .flags = K_ENVDUMP | CF_READONLY },
	{ "printf",
	    .flags = CF_READONLY | CF_PRINTS | CF_FORMAT,
	    .check = prog_printf },
	{ "proxychains",
	    .flags = CF_WRAP, .wrap = { "f", "", "", 0, 0, NULL } },
	{ "proxychains4",
	    .flags = CF_WRAP, .wrap = { "f", "", "", 0, 0, NULL } },
	{ "ps", .flags = CF_READONLY | CF_O_NOT_OUT | CF_PIDS },
	{ "psql", .check = prog_sql, .code = "|-c|" },
	{ "pushd", .flags = CF_READONLY, .analyze = pol_cmd_cd },
	{ "pwd", .flags = CF_READONLY },
	{ "pwsh",
	    .flags = K_INTERP | CF_CODE_NOCASE, .analyze = pol_check_interp,
	    .code = "|-c|-command|-encodedcommand|-enc|-ec|-e|" },
	{ "py.test", .runs = "|conftest.py|pytest.ini|" },
	{ "pyenv",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, "exec" } },
	{ "pytest", .runs = "|conftest.py|pytest.ini|pyproject.toml|" },
	{ "python",
	    .flags = K_INTERP, .analyze = pol_check_interp,
	    .check = prog_python, .code = "|-c|", .runs = "|setup.py|" },
	{ "python*",
	    .flags = K_INTERP, .analyze = pol_check_interp, .code = "|-c|" },
	{ "python2",
	    .flags = K_INTERP, .analyze = pol_check_interp, .code = "|-c|" },
	{ "python3",
	    .flags = K_INTERP, .analyze = pol_check_interp,
	    .check = prog_python, .code = "|-c|", .runs = "|setup.py|" },
	{ "python3*",
	    .flags = K_INTERP, .analyze = pol_check_interp,
	    .check = prog_python, .code = "|-c|" },
	{ "rake", .check = prog_runner, .runs = "|Rakefile|" },
	{ "rbash", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "rbenv",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, "exec" } },
	{ "read", .check = prog_read },
	{ "readlink", .flags = CF_READONLY },
	{ "readonly", .analyze = pol_cmd_export, .check = prog_declare },
	{ "realpath", .flags = CF_READONLY },
	{ "rev", .flags = K_DECODE | CF_READONLY },
	{ "rg", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "rm", .analyze = pol_cmd_delete },
	{ "rmdir", .analyze = pol_cmd_delete },
	{ "rsync",
	    .flags = K_NETSEND | CF_O_NOT_OUT | CF_SYNC,
	    .analyze = pol_cmd_copy, .check = prog_rsync, .argopts = "efT" },
	{ "ruby",
	    .flags = K_INTERP | CF_CODE_CLUSTER, .analyze = pol_check_interp },
	{ "ruby*",
	    .flags = K_INTERP | CF_CODE_CLUSTER, .analyze = pol_check_interp },
	{ "run0",
	    .flags = CF_WRAP,
	    .wrap = { "u", "|user|unit|property|description|slice|setenv|chdir|", "", 0, 0, NULL } },
	{ "runuser",
	    .flags = CF_WRAP,
	    .wrap = { "ugG", "|user|group|supp-group|shell|", "c", 0, 0, NULL } },
	{ "rvim", .check = prog_vim },
	{ "rye",
	    .flags = CF_WRAP, .check = prog_pkgtool,
	    .wrap = { "", "", "", 0, W_BENIGN, "run" }, .installs = "|add|" },
	{ "scp",
	    .flags = K_NETSEND, .analyze = pol_cmd_copy, .check = prog_ssh,
	    .argopts = "cFiJloPS" },
	{ "script",
	    .flags = CF_WRAP,
	    .wrap = { "ETIOBm", "|log-timing|echo|log-in|log-out|log-io|logging-format|", "c", 1, 0, NULL } },
	{ "sed",
	    .flags = CF_READONLY, .analyze = pol_cmd_inplace, .check = prog_sed,
	    .rwshort = 'i', .rwlong = "|in-place|" },
	{ "sendmail", .flags = K_NETSEND },
	{ "seq", .flags = CF_READONLY },
	{ "set", .flags = CF_DUMP_BARE },
	{ "setfacl", .analyze = pol_cmd_chmod },
	{ "setsid",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, NULL } },
	{ "sftp", .flags = K_NETSEND, .check = prog_ssh },
	{ "sh",
	    .flags = K_SHELL, .analyze = pol_check_shell, .check = prog_shell },
	{ "sha1sum", .flags = CF_READONLY },
	{ "sha256sum", .flags = CF_READONLY },
	{ "sha512sum", .flags = CF_READONLY },
	{ "shred", .flags = CF_FORCE, .analyze = pol_cmd_delete },
	{ "sleep", .flags = CF_READONLY },
	{ "socat", .flags = K_FETCH | K_NETSEND },
	{ "sort", .flags = CF_READONLY, .rwshort = 'o', .rwlong = "|output|" },
	{ "source", .analyze = pol_cmd_source },
	{ "sponge", .analyze = pol_cmd_create },
	{ "sqlcmd", .check = prog_sql, .code = "|-q|-Q|" },
	{ "sqlite", .check = prog_sqlite },
	{ "sqlite3", .check = prog_sqlite },
	{ "srm", .flags = CF_FORCE, .analyze = pol_cmd_delete },
	{ "ssh",
	    .flags = K_NETSEND | CF_VIEWER, .analyze = pol_check_ssh,
	    .check = prog_ssh },
	{ "stack", .check = prog_pkgtool, .installs = "|install|" },
	{ "stat", .flags = CF_READONLY },
	{ "stdbuf",
	    .flags = CF_WRAP,
	    .wrap = { "ioe", "|input|output|error|", "", 0, W_BENIGN, NULL } },
	{ "strace",
	    .flags = CF_WRAP,
	    .wrap = { "abeEIoOpPsSuUX", "", "", 0, 0, NULL } },
	{ "strings", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "su",
	    .flags = CF_WRAP,
	    .wrap = { "sgGw", "|shell|group|supp-group|whitelist-environment|", "c", 0, 0, NULL } },
	{ "subl", .flags = CF_VIEWER },
	{ "sudo",
	    .flags = CF_WRAP,
	    .wrap = { "ugChpDrtTU", "|user|group|host|prompt|chdir|role|type|other-user|close-from|", "", 0, 0, NULL } },
	{ "tac", .flags = CF_READONLY },
	{ "tail", .flags = CF_READONLY | CF_VIEWER },
	{ "tar",
	    .flags = CF_O_NOT_OUT, .analyze = pol_cmd_extract,
	    .check = prog_tar, .diropt = "-C" },
	{ "task", .check = prog_runner, .runs = "|Taskfile.yml|" },
	{ "taskset",
	    .flags = CF_WRAP, .wrap = { "", "", "", 1, W_BENIGN, NULL } },
	{ "tclsh", .flags = K_INTERP, .analyze = pol_check_interp },
	{ "tcsh", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "tee", .flags = CF_COPY_IN | CF_TEE, .analyze = pol_cmd_create },
	{ "telnet", .flags = K_FETCH | K_NETSEND },
	{ "test", .flags = CF_READONLY | CF_O_NOT_OUT },
	{ "tftp", .flags = K_NETSEND },
	{ "time",
	    .flags = CF_WRAP,
	    .wrap = { "fo", "|format|output|", "", 0, W_BENIGN, NULL } },
	{ "timeout",
	    .flags = CF_WRAP,
	    .wrap = { "sk", "|signal|kill-after|", "", 1, W_BENIGN, NULL } },
	{ "top", .flags = CF_O_NOT_OUT },
	{ "torsocks", .flags = CF_WRAP, .wrap = { "", "", "", 0, 0, NULL } },
	{ "touch", .analyze = pol_cmd_create, .argopts = "dtr" },
	{ "tox", .runs = "|conftest.py|tox.ini|" },
	{ "toybox",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_APPLET, NULL } },
	{ "tr", .flags = K_DECODE | CF_READONLY },
	{ "trap", .analyze = pol_cmd_trap },
	{ "tree", .flags = CF_READONLY },
	{ "trickle",
	    .flags = CF_WRAP,
	    .wrap = { "udwtlsnL", "", "", 0, W_BENIGN, NULL } },
	{ "true", .flags = CF_READONLY | CF_VIEWER },
	{ "truncate", .analyze = pol_cmd_create, .argopts = "sr" },
	{ "type", .flags = CF_READONLY },
	{ "typeset",
	    .flags = CF_DUMP_OPT, .analyze = pol_cmd_export,
	    .check = prog_declare },
	{ "uname", .flags = CF_READONLY },
	{ "unbuffer",
	    .flags = CF_WRAP, .wrap = { "", "", "", 0, W_BENIGN, NULL } },
	{ "uniq", .flags = CF_READONLY },
	{ "unlink", .analyze = pol_cmd_delete },
	{ "unshare", .flags = CF_WRAP, .wrap = { "", "", "", 0, 0, NULL } },
	{ "unxz", .flags = K_DECODE },
	{ "unzip",
	    .flags = CF_O_NOT_OUT, .analyze = pol_cmd_extract, .diropt = "-d" },
	{ "unzstd", .flags = K_DECODE },
	{ "uptime", .flags = CF_READONLY },
	{ "usql", .check = prog_sql, .code = "|-c|" },
	{ "uudecode", .flags = K_DECODE },
	{ "uv",
	    .flags = CF_WRAP, .check = prog_pkgtool,
	    .wrap = { "p", "|python|with|directory|project|package|extra|group|env-file|", "", 0, W_BENIGN, "run" },
	    .runs = "|pyproject.toml|",
	    .installs = "|add|pip install|tool install|" },
	{ "uvx", .check = prog_fetch_always },
	{ "valgrind", .flags = CF_WRAP, .wrap = { "", "", "", 0, 0, NULL } },
	{ "vi", .flags = CF_VIEWER, .check = prog_vim },
	{ "view", .check = prog_vim },
	{ "vim", .flags = CF_VIEWER, .check = prog_vim },
	{ "vimdiff", .check = prog_vim },
	{ "w3m", .flags = CF_VIEWER },
	{ "watch", .analyze = pol_cmd_watch },
	{ "wc", .flags = CF_READONLY },
	{ "wget",
	    .flags = K_FETCH | K_NETSEND | CF_SAVE_NAMED, .check = prog_http,
	    .saveas = "|-O|--output-document|" },
	{ "whereis", .flags = CF_READONLY },
	{ "which", .flags = CF_READONLY },
	{ "whoami", .flags = CF_READONLY },
	{ "wipe", .flags = CF_FORCE, .analyze = pol_cmd_delete },
	{ "wish", .flags = K_INTERP, .analyze = pol_check_interp },
	{ "xargs",
	    .flags = CF_WRAP | CF_O_NOT_OUT,
	    .wrap = { "IaEdLnPs", "|arg-file|delimiter|eof|replace|max-lines|max-args|max-procs|max-chars|process-slot-var|", "", 0, W_XARGS, NULL } },
	{ "xdg-open", .flags = CF_VIEWER },
	{ "xh", .flags = K_FETCH | K_NETSEND, .check = prog_httpie },
	{ "xvfb-run",
	    .flags = CF_WRAP,
	    .wrap = { "nslfew", "|server-num|server-args|auth-file|error-file|wait|", "", 0, W_BENIGN, NULL } },
	{ "xxd", .flags = CF_DECODE_OPT },
	{ "xzcat", .flags = K_DECODE },
	{ "yarn", .check = prog_yarn, .runs = "|package.json|" },
	{ "yash", .flags = K_SHELL, .analyze = pol_check_shell },
	{ "yq", .flags = CF_READONLY },
	{ "zcat", .flags = K_DECODE },
	{ "zed", .flags = CF_VIEWER },
	{ "zgrep", .flags = CF_O_NOT_OUT },
	{ "zip", .check = prog_zip },
	{ "zsh",
	    .flags = K_SHELL, .analyze = pol_check_shell, .check = prog_shell },
	{ "zstdcat", .flags = K_DECODE },
};

/* git sub-commands that only read. */
static const char *const pol_git_readonly[] = {
	"blame", "describe", "diff", "grep", "log", "ls-files", "ls-tree",
	"rev-list", "rev-parse", "shortlog", "show", "status",
};

/* The row named exactly name, or NULL. */
static const struct pol_cmd *
pol_cmd_search(const char *name)
{
	size_t lo = 0, hi = nitems(pol_cmd_table), mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(pol_cmd_table[mid].name, name);
		if (c == 0)
			return &pol_cmd_table[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The row for a program: its own, else the longest "stem*" it starts with. */
const struct pol_cmd *
pol_cmd_find(const char *name)
{
	const struct pol_cmd *e;
	char key[POL_CMD_STEM + 2];
	size_t n;

	if ((e = pol_cmd_search(name)) != NULL)
		return e;
	for (n = strnlen(name, POL_CMD_STEM); n > 0; n--) {
		memcpy(key, name, n);
		key[n] = '*';
		key[n + 1] = '\0';
		if ((e = pol_cmd_search(key)) != NULL)
			return e;
	}
	return NULL;
}

/* The flags of a program's row (0: no row). */
unsigned
pol_cmd_flags(const char *name)
{
	const struct pol_cmd *e = pol_cmd_find(name);

	return e != NULL ? e->flags : 0;
}

/* Does any program run the project file of this base name? */
int
pol_cmd_runfile(const char *base)
{
	size_t i, n = strlen(base);

	for (i = 0; i < nitems(pol_cmd_table); i++)
		if (pol_cmd_table[i].runs != NULL &&
		    pol_in_bars(pol_cmd_table[i].runs, base, n))
			return 1;
	return 0;
}

/* Rows out of order, a stem too long to be found, a wrapper without its
 * options or options without CF_WRAP (for the unit test): the first bad
 * name, or NULL. */
const char *
pol_cmd_table_check(void)
{
	size_t i, n;

	for (i = 0; i < nitems(pol_cmd_table); i++) {
		if (i > 0 && strcmp(pol_cmd_table[i - 1].name,
		    pol_cmd_table[i].name) >= 0)
			return pol_cmd_table[i].name;
		n = strlen(pol_cmd_table[i].name);
		if (n > 0 && pol_cmd_table[i].name[n - 1] == '*' &&
		    n - 1 > POL_CMD_STEM)
			return pol_cmd_table[i].name;
		if (((pol_cmd_table[i].flags & CF_WRAP) != 0) !=
		    (pol_cmd_table[i].wrap.argopts != NULL))
			return pol_cmd_table[i].name;
	}
	return NULL;
}

/* ---- the shell's state ---- */

/* eval WORDS: the words joined are shell code. */
static void
pol_cmd_eval(struct prog_call *pc)
{
	pol_join_analyze(pc->x, pc->r, pc->i, pc->eff + 1, pc->name);
}

/* source FILE / . FILE: the file runs in this shell. */
static void
pol_cmd_source(struct prog_call *pc)
{
	if (pc->eff + 1 < pc->c->argc)
		pol_script_arg(pc->x, pc->r, pc->i, &pc->c->argv[pc->eff + 1],
		    pc->name);
}

/* watch [-n N] CMD...: the words are shell code; with -x they are the
 * command's words, as given (judged as that command, one level deeper). */
static void
pol_cmd_watch(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	const struct shp_word *ops[1];
	size_t k;

	for (k = pc->eff + 1; k < c->argc && c->argv[k].s[0] == '-'; k++)
		if (strcmp(c->argv[k].s, "-n") == 0 ||
		    strcmp(c->argv[k].s, "--interval") == 0)
			k++;
	if (pol_operands(c, k, "", ops, 1) == 0)
		return;
	if (!pol_has_opt(c, pc->eff + 1, 'x', "exec")) {
		pol_join_analyze(pc->x, pc->r, pc->i, k, pc->name);
		return;
	}
	if (pc->x->depth >= POL_MAX_NEST) {
		FIND(pc->x, RISK_UNKNOWN, 0, "unparsed", "code nested too deeply "
		    "to check (%s)", pc->name);
		return;
	}
	pol_analyze_argv(pc->x, c->argv + k, c->argc - k);
}

/* alias NAME=CODE ...: the code runs when the alias is used. */
static void
pol_cmd_alias(struct prog_call *pc)
{
	const char *eq;
	size_t k;

	for (k = pc->eff + 1; k < pc->c->argc; k++)
		if ((eq = strchr(pc->c->argv[k].s, '=')) != NULL)
			pol_analyze_text(pc->x, eq + 1, strlen(eq + 1), pc->name);
}

/* trap CODE SIGNAL...: the code runs on the signal. */
static void
pol_cmd_trap(struct prog_call *pc)
{
	const struct shp_word *w;

	if (pc->eff + 1 >= pc->c->argc || pc->c->argv[pc->eff + 1].s[0] == '-')
		return;
	w = &pc->c->argv[pc->eff + 1];
	if (pol_word_dynamic(w))
		pol_dynamic_code(pc->x, pc->r, pc->i, pc->name, w->s);
	else
		pol_analyze_text(pc->x, w->s, w->len, pc->name);
}

/* cd/pushd: follow the working directory for later relative paths. */
static void
pol_cmd_cd(struct prog_call *pc)
{
	struct pol_ctx *x = pc->x;
	const struct shp_word *ops[1];
	struct pol_path pp;
	size_t n = pol_operands(pc->c, pc->eff + 1, "", ops, 1);

	if (n == 0) {
		free(x->cwd);
		x->cwd = xstrdup(x->p->home);
		return;
	}
	memset(&pp, 0, sizeof pp);
	if (strcmp(ops[0]->s, "-") != 0)
		pol_path_word(x, ops[0], 1, &pp);
	free(x->cwd);
	x->cwd = pp.abs;	/* NULL: unknown from here on */
}

/* popd: where it returns is not followed. */
static void
pol_cmd_popd(struct prog_call *pc)
{
	free(pc->x->cwd);
	pc->x->cwd = NULL;
}

/* export/declare/local ... NAME=value: judged as assignments. */
static void
pol_cmd_export(struct prog_call *pc)
{
	size_t k;

	for (k = pc->eff + 1; k < pc->c->argc; k++)
		if (shp_is_assignment(pc->c->argv[k].s))
			pol_check_assign(pc->x, &pc->c->argv[k]);
}

/* ---- files ---- */

/* rm/unlink/rmdir/shred ...: every operand is deleted. */
static void
pol_cmd_delete(struct prog_call *pc)
{
	struct pol_ctx *x = pc->x;
	const struct shp_cmd *c = pc->c;
	const struct shp_word *ops[256];
	size_t n = 0, k;
	int r = 0, f = 0, end = 0;
	const char *a, *q;

	for (k = pc->eff + 1; k < c->argc && n < nitems(ops); k++) {
		a = c->argv[k].s;
		if (!end && strcmp(a, "--") == 0) {
			end = 1;
			continue;
		}
		if (!end && a[0] == '-' && a[1] != '\0') {
			if (strcmp(a, "--recursive") == 0)
				r = 1;
			else if (strcmp(a, "--force") == 0)
				f = 1;
			else if (strcmp(a, "--no-preserve-root") == 0)
				FIND(x, RISK_HIGH, 1, "rm-root",
				    "rm --no-preserve-root");
			else if (a[1] != '-')
				for (q = a + 1; *q != '\0'; q++) {
					if (*q == 'r' || *q == 'R')
						r = 1;
					else if (*q == 'f')
						f = 1;
				}
			continue;
		}
		ops[n++] = &c->argv[k];
	}
	if (pc->e->flags & CF_FORCE)
		f = 1;
	for (k = 0; k < n; k++)
		pol_rate_delete(x, ops[k], r, f);
	if (n == 0 && x->xargs == 1) {
		struct shp_word unk = { (char *)"<xargs>", 7, SHP_VAR };

		pol_rate_delete(x, &unk, r, f);
	}
}

/* mv/cp/install/ln/rsync/scp: the destination is written (wiped with
 * rsync --delete); mv's sources go away. */
static void
pol_cmd_copy(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	const struct shp_word *ops[256], *dest = NULL;
	size_t n, k;

	n = pol_operands(c, pc->eff + 1, pc->e->argopts, ops, nitems(ops));
	for (k = pc->eff + 1; k + 1 < c->argc; k++)
		if (strcmp(c->argv[k].s, "-t") == 0 ||
		    strcmp(c->argv[k].s, "--target-directory") == 0)
			dest = &c->argv[k + 1];
	if (dest == NULL && n >= 2)
		dest = ops[--n];
	else if (dest == NULL && n == 1)
		n = 0;
	if (dest != NULL && strchr(dest->s, ':') == NULL) {
		if ((pc->e->flags & CF_SYNC) &&
		    pol_has_opt(c, pc->eff + 1, 0, "delete"))
			pol_rate_delete(pc->x, dest, 1, 1);
		else
			pol_rate_write(pc->x, dest, 0);
	}
	if (pc->e->flags & CF_MOVE)
		for (k = 0; k < n; k++)
			pol_rate_delete(pc->x, ops[k], 1, 0);
}

/* tee/touch/mkdir/truncate ...: every operand is written. */
static void
pol_cmd_create(struct prog_call *pc)
{
	const struct shp_word *ops[256];
	size_t n, k;

	n = pol_operands(pc->c, pc->eff + 1, pc->e->argopts, ops, nitems(ops));
	for (k = 0; k < n; k++)
		pol_rate_write(pc->x, ops[k], 0);
}

/* chmod/chown ... MODE FILE...: the files change (recursively with -R). */
static void
pol_cmd_chmod(struct prog_call *pc)
{
	const struct shp_word *ops[256];
	size_t n, k;
	int rec = pol_has_opt(pc->c, pc->eff + 1, 'R', "recursive");

	n = pol_operands(pc->c, pc->eff + 1, "", ops, nitems(ops));
	for (k = pol_has_opt(pc->c, pc->eff + 1, 0, "reference") ? 0 : 1;
	    k < n; k++)
		pol_rate_write(pc->x, ops[k], rec);
}

/* dd of=FILE. */
static void
pol_cmd_dd(struct prog_call *pc)
{
	struct shp_word w;
	size_t k;

	for (k = pc->eff + 1; k < pc->c->argc; k++)
		if (strncmp(pc->c->argv[k].s, "of=", 3) == 0) {
			w = pc->c->argv[k];
			w.s += 3;
			w.len -= 3;
			pol_rate_write(pc->x, &w, 0);
		}
}

/* sed -i SCRIPT FILE... (perl -i -e CODE FILE...): the files are
 * rewritten. */
static void
pol_cmd_inplace(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	const struct shp_word *ops[256];
	size_t n, k;
	int script;

	if (!pol_has_opt(c, pc->eff + 1, 'i', "in-place"))
		return;
	script = !pol_has_opt(c, pc->eff + 1, 'e', "expression") &&
	    !pol_has_opt(c, pc->eff + 1, 'f', "file");
	n = pol_operands(c, pc->eff + 1, "efl", ops, nitems(ops));
	for (k = script ? 1 : 0; k < n; k++)
		pol_rate_write(pc->x, ops[k], 0);
}

/* perl: code like any interpreter's, and perl -i rewrites its files. */
static void
pol_cmd_perl(struct prog_call *pc)
{
	pol_check_interp(pc);
	pol_cmd_inplace(pc);
}

/* tar -C DIR / unzip -d DIR: DIR is written. */
static void
pol_cmd_extract(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	size_t k;

	for (k = pc->eff + 1; k + 1 < c->argc; k++)
		if (strcmp(c->argv[k].s, pc->e->diropt) == 0 ||
		    strcmp(c->argv[k].s, "--directory") == 0)
			pol_rate_write(pc->x, &c->argv[k + 1], 0);
}

/* find ROOT...: lists paths under its roots (inside: all roots are). */
static int
pol_cmd_find_lists(struct pol_ctx *x, const struct shp_cmd *c, size_t eff)
{
	struct pol_path pp;
	size_t k;
	int inside = 1;

	for (k = eff + 1; k < c->argc && inside; k++) {
		const char *a = c->argv[k].s;

		if (a[0] == '-' || a[0] == '(' || a[0] == '!')
			break;
		pol_path_word(x, &c->argv[k], 0, &pp);
		inside = pp.cls == PC_INSIDE || pp.cls == PC_ROOT;
		free(pp.abs);
	}
	return inside;
}

/* ---- git ---- */

/* git ls-files / git diff: paths of the repository. */
static int
pol_cmd_git_lists(struct pol_ctx *x, const struct shp_cmd *c, size_t eff)
{
	(void)x;
	return eff + 1 < c->argc && (strcmp(c->argv[eff + 1].s, "ls-files") == 0 ||
	    strcmp(c->argv[eff + 1].s, "diff") == 0);
}

/* git push without a refspec: is the checked-out branch protected? */
static void
pol_cmd_git_push(struct pol_ctx *x, char *const *words, size_t n, size_t g)
{
	char path[PATH_MAX], line[256], *b, *nl;
	FILE *fp;
	size_t k, plain = 0;
	int head = 0;

	for (k = g + 1; k < n; k++)
		if (words[k][0] != '-' && ++plain == 2)
			head = strcmp(words[k], "HEAD") == 0 ||
			    strcmp(words[k], "@") == 0;
	if ((plain > 1 && !(plain == 2 && head)) || x->root == NULL)
		return;
	if ((size_t)snprintf(path, sizeof path, "%s/.git/HEAD", x->root) >=
	    sizeof path || (fp = fopen(path, "r")) == NULL)
		return;
	if (fgets(line, sizeof line, fp) != NULL &&
	    strncmp(line, "ref: refs/heads/", 16) == 0) {
		b = line + 16;
		if ((nl = strchr(b, '\n')) != NULL)
			*nl = '\0';
		if (strcmp(b, "main") == 0 || strcmp(b, "master") == 0 ||
		    strcmp(b, "trunk") == 0 || strcmp(b, "production") == 0 ||
		    strcmp(b, "prod") == 0 || strcmp(b, "stable") == 0 ||
		    strncmp(b, "release", 7) == 0)
			FIND(x, RISK_HIGH, 0, "git-push-protected",
			    "pushes the protected branch '%s'", b);
	}
	fclose(fp);
}

/* git branch/tag/remote/stash that only list (git stash alone stashes,
 * git tag -a NAME tags, git branch NAME branches). */
static int
pol_cmd_git_lists_only(char *const *w, size_t n)
{
	static const struct {
		const char	*sub;
		int		 bare;		/* alone, it lists */
		const char	*first;		/* "|-v|": first words that list */
	} subs[] = {
		{ "branch", 1, "|-v|-vv|-a|-r|-l|--list|" },
		{ "remote", 1, "|-v|--verbose|show|get-url|" },
		{ "stash", 0, "|list|show|" },
		{ "tag", 1, "|-l|--list|-v|--verify|" },
	};
	size_t i;

	for (i = 0; i < nitems(subs); i++) {
		if (strcmp(w[0], subs[i].sub) != 0)
			continue;
		if (n == 1)
			return subs[i].bare;
		return pol_in_bars(subs[i].first, w[1], strlen(w[1]));
	}
	return 0;
}

/*
 * git [-C dir] [-c k=v] ... SUB ...: the -c keys git runs or trusts, the
 * form "git SUB ..." for rules and deny lists, a push to a protected
 * branch, and whether the sub-command only reads.  eff: this form is
 * what runs; benign: only benign wrappers before it.
 */
static void
pol_cmd_git_form(struct pol_ctx *x, char **words, size_t n, int eff,
    int help, int benign)
{
	const char *eq;
	size_t g = 1;

	while (g < n && words[g][0] == '-') {
		if (strcmp(words[g], "-c") == 0 && g + 1 < n && !help &&
		    (eq = strchr(words[g + 1], '=')) != NULL)
			pol_prog_git_key(x, words[g + 1],
			    (size_t)(eq - words[g + 1]), eq + 1, 0);
		if (strcmp(words[g], "-C") == 0 ||
		    strcmp(words[g], "-c") == 0 ||
		    strcmp(words[g], "--git-dir") == 0 ||
		    strcmp(words[g], "--work-tree") == 0 ||
		    strcmp(words[g], "--namespace") == 0)
			g++;
		g++;
	}
	if (g > 1 && g < n) {
		char **gw = xcalloc(n - g + 1, sizeof *gw);

		gw[0] = words[0];
		memcpy(gw + 1, words + g, (n - g) * sizeof *gw);
		if (!help)
			pol_form_rules(x, gw, n - g + 1);
		pol_deny_list(x, gw, n - g + 1);
		free(gw);
	}
	if (g < n && strcmp(words[g], "push") == 0 && eff)
		pol_cmd_git_push(x, words, n, g);
	if (x->depth == 0 && eff && g < n && benign)
		x->out->seg[x->seg].readonly = POL_IN(pol_git_readonly,
		    words[g]) || pol_cmd_git_lists_only(words + g, n - g);
}
