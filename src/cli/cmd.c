// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "cmd.h"
#include "log.h"

int fl_dispatch(const struct fl_cmd *cmds, const char *what, int argc, char **argv)
{
	const struct fl_cmd *c, *hit = NULL;
	size_t len;

	if (argc < 1) {
		pr_warn("%s: missing command; try 'faultline %s help'\n", what, what);
		return FL_EXIT_USAGE;
	}
	len = strlen(argv[0]);
	for (c = cmds; c->name; c++) {
		if (!strcmp(c->name, argv[0]))
			return c->fn(argc, argv);
		if (!strncmp(c->name, argv[0], len)) {
			if (hit) {
				pr_warn("%s: '%s' is ambiguous\n", what, argv[0]);
				return FL_EXIT_USAGE;
			}
			hit = c;
		}
	}
	if (hit)
		return hit->fn(argc, argv);
	/* pr_warn says "faultline: " already */
	if (strcmp(what, "faultline"))
		pr_warn("%s: unknown command '%s'; try 'faultline help'\n", what, argv[0]);
	else
		pr_warn("unknown command '%s'; try 'faultline help'\n", argv[0]);
	return FL_EXIT_USAGE;
}

