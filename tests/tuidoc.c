/*
 * tuidoc: print doc/TUI.md's rows for the global keys, the chat's keys,
 * the confirmation prompt's keys and the slash commands, and cade(1)'s
 * list of the chat's keys, as the tables in src/tui/commands.c say they
 * should read; tests/docs.sh compares them with the pages.
 *
 *   tuidoc keys | chat | confirm | man | (nothing: the commands)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/tui/tui-int.h"

/* Print s with '|' escaped for a Markdown table cell. */
static void
tuidoc_cell(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			putchar('\\');
		putchar(*s);
	}
}

/* Print s for roff: hyphens as \-, backslashes as \e. */
static void
tuidoc_roff(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '-')
			fputs("\\-", stdout);
		else if (*s == '\\')
			fputs("\\e", stdout);
		else
			putchar(*s);
	}
	putchar('\n');
}

/* A table of keys as Markdown rows, or as roff .TP items. */
static void
tuidoc_help_keys(const struct tui_help_key *k, size_t n, int roff)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (roff) {
			fputs(".TP\n.B ", stdout);
			tuidoc_roff(k[i].keys);
			tuidoc_roff(k[i].help);
			continue;
		}
		fputs("| ", stdout);
		tuidoc_cell(k[i].keys);
		fputs(" | ", stdout);
		tuidoc_cell(k[i].help);
		fputs(" |\n", stdout);
	}
}

int
main(int argc, char **argv)
{
	size_t i;
	char *s;

	if (argc == 2 && (strcmp(argv[1], "chat") == 0 ||
	    strcmp(argv[1], "man") == 0)) {
		tuidoc_help_keys(tui_chat_keys, tui_chat_keys_size,
		    strcmp(argv[1], "man") == 0);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "confirm") == 0) {
		tuidoc_help_keys(tui_confirm_keys, tui_confirm_keys_size, 0);
		return 0;
	}

	if (argc == 2 && strcmp(argv[1], "keys") == 0) {
		for (i = 0; i < tui_key_table_size; i++) {
			s = tui_key_entry_name(&tui_key_table[i]);
			printf("| %s | %s |\n", s, tui_key_table[i].help);
			free(s);
		}
		return 0;
	}
	for (i = 0; i < tui_cmd_table_size; i++) {
		s = tui_cmd_entry_usage(&tui_cmd_table[i]);
		fputs("| `", stdout);
		tuidoc_cell(s);
		fputs("` | ", stdout);
		tuidoc_cell(tui_cmd_table[i].help);
		fputs(" |\n", stdout);
		free(s);
	}
	return 0;
}
