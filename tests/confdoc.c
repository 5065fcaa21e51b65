/*
 * confdoc: print the SETTINGS section of cade(1) as the config table says
 * it should read; tests/docs.sh compares it with doc/cade.1.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "cade/conf.h"

/* Print s with roff's hyphen escaped; capitalise the first letter if cap. */
static void
confdoc_text(const char *s, int cap)
{
	for (; *s != '\0'; s++, cap = 0) {
		if (*s == '-')
			fputs("\\-", stdout);
		else
			putchar(cap ? toupper((unsigned char)*s) : *s);
	}
}

int
main(void)
{
	const struct conf_entry *k;
	char *choices;
	size_t i;

	for (i = 0; i < conf_table_size; i++) {
		k = &conf_table[i];
		printf(".TP\n.B %s\n", k->name);
		confdoc_text(k->text, 1);
		putchar('.');
		if (k->type == CONF_T_ENUM) {
			choices = conf_choices_text(k, ", ");
			fputs(" One of ", stdout);
			confdoc_text(choices, 0);
			putchar('.');
			free(choices);
		}
		if (k->type == CONF_T_INT && (k->minimum != 0 || k->maximum != 0))
			printf(" Between %ld and %ld.", k->minimum,
			    conf_maximum(k));
		fputs(" Default: ", stdout);
		if (*k->default_str == '\0')
			fputs("(empty)", stdout);
		else
			confdoc_text(k->default_str, 0);
		putchar('.');
		if (k->env != NULL)
			printf(" Environment: %s%s%s.", k->env,
			    k->env_fallback != NULL ? ", " : "",
			    k->env_fallback != NULL ? k->env_fallback : "");
		if (k->flags & CONF_PER_MODEL)
			fputs(" May be set per model.", stdout);
		putchar('\n');
	}
	return 0;
}
