// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "cmd.h"
#include "log.h"

int cmd_net(int argc, char **argv)
{
	pr_warn("net: not built yet\n");
	return FL_EXIT_FAIL;
}
