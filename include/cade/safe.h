/*
 * safe.h: text the model, a tool or a file controls, made harmless for a
 * terminal (src/safe.c says how).  Every path that prints such text to a
 * terminal or a stream goes through here; the terminal pane is the one
 * exception.
 */
#ifndef CADE_SAFE_H
#define CADE_SAFE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cade/util.h"

enum safe_mode {
	SAFE_VISIBLE,	/* controls shown as ^[, ^G, ^? ... (a terminal) */
	SAFE_STRIP	/* escape sequences and controls removed (a file, a pipe) */
};

/* Neutralised copy of s[0..n) (always a new allocation); outlen may be NULL. */
char		*safe_text(const char *s, size_t n, enum safe_mode, size_t *outlen);
/* 1 if s needs no change: valid UTF-8 with no controls but newline and tab. */
int		 safe_clean(const char *s, size_t n);
/* 1 for C0 (except newline and tab), DEL and C1 code points. */
int		 safe_is_control(uint32_t cp);
/* Caret form of a control into out ("^[", "^?", "^[[" for U+009B); its length, 0 if none. */
size_t		 safe_caret(uint32_t cp, char out[4]);
/* SAFE_VISIBLE for a terminal, SAFE_STRIP otherwise. */
enum safe_mode	 safe_mode_for(FILE *);
/* Print untrusted text to f, neutralised for what f is. */
void		 safe_fputs(const char *s, FILE *f);
void		 safe_fprintf(FILE *f, const char *fmt, ...) CADE_PRINTF(2, 3);
/* JSON text with DEL and C1 controls escaped too (cJSON escapes C0); caller frees. */
char		*safe_json(const char *json);

#endif
