/*
 * tuidoc: print doc/TUI.md's rows for the global keys and the slash
 * commands as the tables in src/tui/commands.c say they should read;
 * tests/docs.sh compares them with the page.
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

int
main(int argc, char **argv)
{
	size_t i;
	char *s;

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
