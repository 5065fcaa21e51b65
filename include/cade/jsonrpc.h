/*
 * jsonrpc.h: JSON-RPC 2.0 messages over a newline-delimited byte stream,
 * as the Agent Client Protocol's stdio transport carries them.
 *
 * Two pieces, both free of I/O so they can be unit-tested and fuzzed:
 * a line splitter (bytes in, whole lines out through a callback, every line
 * capped) and a classifier that turns one line into a request, a
 * notification, a response or an error to answer with.  The builders
 * return one line of JSON without the newline; the caller frees it.
 */
#ifndef CADE_JSONRPC_H
#define CADE_JSONRPC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cade/buf.h"

/* Error codes: JSON-RPC 2.0 and ACP's reserved range. */
#define JSONRPC_PARSE_ERROR		-32700
#define JSONRPC_INVALID_REQUEST		-32600
#define JSONRPC_METHOD_NOT_FOUND	-32601
#define JSONRPC_INVALID_PARAMS		-32602
#define JSONRPC_INTERNAL_ERROR		-32603
#define JSONRPC_AUTH_REQUIRED		-32000
#define JSONRPC_NOT_FOUND		-32002

/* The longest line accepted; a longer one is dropped and reported. */
#define JSONRPC_MAX_LINE	(16 * 1024 * 1024)

/*
 * The splitter.  Lines end at '\n' (a '\r' before it is dropped); empty
 * lines are skipped.  A line over the cap is reported once with len 0 and
 * too_long set, and its bytes up to the next newline are discarded.
 */
typedef void (*jsonrpc_line_fn)(const char *line, size_t len, int too_long, void *arg);

struct jsonrpc_reader {
	struct buf	 line;
	size_t		 max;
	int		 skipping;	/* inside a line that was too long */
	jsonrpc_line_fn	 cb;
	void		*arg;
};

void	jsonrpc_reader_init(struct jsonrpc_reader *, size_t max, jsonrpc_line_fn, void *arg);
void	jsonrpc_reader_free(struct jsonrpc_reader *);
/* Feed bytes; the callback runs for each complete line. */
void	jsonrpc_reader_feed(struct jsonrpc_reader *, const char *, size_t);
/* End of input: a last line without a newline is delivered. */
void	jsonrpc_reader_finish(struct jsonrpc_reader *);

enum jsonrpc_kind {
	JSONRPC_REQUEST,	/* method + id */
	JSONRPC_NOTIFICATION,	/* method, no id */
	JSONRPC_RESPONSE,	/* id + result or error */
	JSONRPC_INVALID		/* answer with code/message (id may be NULL) */
};

struct jsonrpc_msg {
	enum jsonrpc_kind kind;
	cJSON		*root;		/* owned; the fields below point into it */
	const cJSON	*id;		/* string or number, or NULL */
	const char	*method;
	const cJSON	*params;	/* object, array, or NULL */
	const cJSON	*result;
	const cJSON	*error;
	int		 code;		/* JSONRPC_INVALID: the error to send */
	const char	*message;	/* JSONRPC_INVALID: static text */
};

/* Classify one line.  Always fills m; release with jsonrpc_msg_free(). */
void	jsonrpc_parse(const char *line, size_t len, struct jsonrpc_msg *m);
void	jsonrpc_msg_free(struct jsonrpc_msg *);

/* Builders: id may be NULL (null id).  result/params are taken (may be NULL). */
char	*jsonrpc_result(const cJSON *id, cJSON *result);
char	*jsonrpc_error(const cJSON *id, int code, const char *message, cJSON *data);
char	*jsonrpc_request(long id, const char *method, cJSON *params);
char	*jsonrpc_notification(const char *method, cJSON *params);

#endif
