/*
 * prompt.h: the system prompt and skills.
 *
 * The system prompt is built once per session and never changes afterwards
 * (no clock, no counters): a byte-stable prefix lets providers' prompt
 * caches hit.  Skills are markdown files in .cade/skills/ whose front matter
 * lists trigger words; a skill is injected (once) after the user message
 * that mentions one.
 */
#ifndef CADE_PROMPT_H
#define CADE_PROMPT_H

#include <stddef.h>

struct workspace;
struct prompt_skills;

/* Built-in prompt + workspace facts + AGENTS.md files; caller frees. */
char			*prompt_system(const struct workspace *, size_t *builtin_len);
struct prompt_skills	*prompt_skills_load(const char *root);
void			 prompt_skills_free(struct prompt_skills *);
/* Text of skills triggered by msg and not injected before, or NULL; caller frees. */
char			*prompt_skills_match(struct prompt_skills *, const char *msg);

#endif
