/*
 * condense.h: context accounting and the condensation request.
 *
 * cade keeps every event in the store but sends the model a bounded view.
 * This module knows how big a model's window is, estimates tokens from bytes
 * (4 bytes a token until the server's usage says otherwise), and builds the
 * summarisation request that replaces the middle of a long history.
 */
#ifndef CADE_CONDENSE_H
#define CADE_CONDENSE_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct config;

/* Tokens-per-byte estimate, corrected by each reply's usage. */
struct condense_est {
	double	ratio;		/* tokens per byte */
	int	samples;
};

void	 condense_est_init(struct condense_est *);
/* Fold in a request of bytes that the server counted as tokens. */
void	 condense_est_update(struct condense_est *, size_t bytes, long tokens);
long	 condense_est_tokens(const struct condense_est *, size_t bytes);

/* Context window in tokens: config (per model) or by model family. */
long	 condense_window(const struct config *, const char *model);

/*
 * The summarisation request's messages: a fixed instruction, then the
 * transcript of msgs[from, to) (each part capped so the request itself stays
 * within max_bytes), then the current plan if any.  Caller frees.
 */
cJSON	*condense_request(cJSON *const *msgs, size_t from, size_t to,
	    const cJSON *plan, size_t max_bytes);
/* The history message that stands in for the condensed part; caller frees. */
char	*condense_summary_text(const char *summary, const cJSON *plan);

#endif
