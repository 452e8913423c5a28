// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every fault family faultline has. Adding one is a folder under
 * src/faults/ that defines `const struct fl_fault_kind fl_NAME_kind`, and
 * its name in this list.
 */
#include <string.h>
#include "fault.h"

#define FL_FAMILIES(X) X(net) X(sys)

#define FL_DECLARE(name) extern const struct fl_fault_kind fl_##name##_kind;
#define FL_ENTRY(name) &fl_##name##_kind,
FL_FAMILIES(FL_DECLARE)

const struct fl_fault_kind *const fl_kinds[] = { FL_FAMILIES(FL_ENTRY) NULL };

const struct fl_fault_kind *fl_kind_find(const char *name)
{
	for (int i = 0; fl_kinds[i]; i++)
		if (!strcmp(fl_kinds[i]->name, name))
			return fl_kinds[i];
	return NULL;
}

const struct fl_fault_kind *fl_kind_of_event(uint32_t ev_kind, const char **name)
{
	for (int i = 0; fl_kinds[i]; i++)
		for (const struct fl_opt_value *v = fl_kinds[i]->events; v && v->name; v++)
			if (v->value == ev_kind) {
				*name = v->name;
				return fl_kinds[i];
			}
	return NULL;
}

int fl_kind_action(const struct fl_fault_kind *k, const char *name)
{
	for (int i = 0; k->actions[i].name; i++)
		if (!strcmp(k->actions[i].name, name))
			return i;
	return -1;
}
