/*
 * conf.h: configuration, merged from four sources (later wins):
 *   built-in defaults < config file < environment < command-line flags.
 *
 * Keys are declared in one table, conf_table[] in conf.c: name, type,
 * choices, range, default, environment variable and help in one row.
 * Consumers read values through the typed getters and never supply a
 * default of their own; state a person changes while cade runs (/model,
 * /confirm) lives in the object that owns it, not in the config.
 * Unknown keys and bad values are errors with file:line.  Per-model settings
 * use "model.<NAME>.<key>" and fall back to the global key.  The API key is
 * never accepted from a flag and never printed (conf_print masks it); a
 * config file holding it must not be readable by group or others.
 */
#ifndef CADE_CONF_H
#define CADE_CONF_H

#include <stdio.h>

struct config;

enum conf_type {
	CONF_T_STR, CONF_T_INT, CONF_T_DOUBLE, CONF_T_BOOL, CONF_T_ENUM,
	CONF_T_LIST
};

#define CONF_PER_MODEL	0x1	/* may be set as model.NAME.key */
#define CONF_SECRET	0x2	/* masked, never from a flag */
#define CONF_NO_SPLIT	0x4	/* LIST: items may hold commas */
#define CONF_HTTP_URL	0x8	/* must start http:// or https:// */
#define CONF_NOT_EMPTY	0x10	/* must not be empty */

#define CONF_INT_MAX	1000000000L

/* One setting. */
struct conf_entry {
	const char		 *name;
	enum conf_type		  type;
	const char *const	 *choices;	/* ENUM: NULL-terminated */
	long			  minimum;	/* INT */
	long			  maximum;	/* INT; 0: CONF_INT_MAX */
	const char		 *default_str;
	int			  flags;
	const char		 *env;		/* read by conf_load_env */
	const char		 *env_fallback;
	const char		 *text;		/* one line of help */
};

extern const struct conf_entry	conf_table[];
extern const size_t		conf_table_size;

/* The row for a (global) key, NULL if there is none. */
const struct conf_entry *conf_find_entry(const char *name);
/* An ENUM row's choices joined by sep; caller frees. */
char		*conf_choices_text(const struct conf_entry *, const char *sep);
/* The largest value an INT row accepts. */
long		 conf_maximum(const struct conf_entry *);

enum conf_origin { CONF_DEFAULT, CONF_FILE, CONF_ENV, CONF_FLAG, CONF_RUNTIME };

struct config	*conf_new(void);
void		 conf_free(struct config *);
/* A copy with every value and origin. */
struct config	*conf_clone(const struct config *);

/* Missing file: 0 (nothing loaded).  Error: -1 with *cause "path:line: ..." */
int		 conf_load_file(struct config *, const char *path, char **cause);
/* The parser alone (no I/O): mode is the file's permission bits. */
int		 conf_load_text(struct config *, const char *name, const char *text,
		    size_t len, unsigned mode, char **cause);
/* The environment variables the table names (LLM_API_KEY, ...). */
int		 conf_load_env(struct config *, char **cause);
/* Validate and set; list keys append unless value is empty (clears). */
int		 conf_set(struct config *, const char *key, const char *value,
		     enum conf_origin, char **cause);
/* Default config path ($XDG_CONFIG_HOME/cade/config); caller frees. */
char		*conf_default_path(void);

/* Typed getters.  Asking for an undeclared key is a programming error (fatal). */
const char	*conf_str(const struct config *, const char *key);
/* The workspace root: root, else workspace_dir, else cwd; realpath'd, caller frees; NULL with *cause. */
char		*conf_workspace_root(const struct config *, const char *root, char **cause);
long		 conf_int(const struct config *, const char *key);
double		 conf_double(const struct config *, const char *key);
int		 conf_bool(const struct config *, const char *key);
/* For list keys: NULL-terminated array owned by the config. */
const char *const *conf_list(const struct config *, const char *key);
/* Per-model: model.<model>.<key> if set, else the global key. */
const char	*conf_model_str(const struct config *, const char *model, const char *key);
double		 conf_model_double(const struct config *, const char *model, const char *key);
long		 conf_model_int(const struct config *, const char *model, const char *key);
enum conf_origin conf_origin_of(const struct config *, const char *key);

/* The merged config, one "key = value  # origin" line each, key masked. */
void		 conf_print(const struct config *, FILE *);

#endif
