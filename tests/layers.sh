#!/usr/bin/env bash
# The layers of src/, top to bottom: cli, engine, faults, lib. A file may
# include headers of its own layer and the layers below, never above; a
# fault family's own headers are for its folder alone (the engine and the
# commands know families only through src/faults/fault.h and kinds.c). Prints each
# offending include and exits 1, or exits 0 silently.
set -u
cd "$(dirname "$0")/.."
rank() { case $1 in src/cli/*) echo 4;; src/engine/*) echo 3;; src/faults/*) echo 2;; src/lib/*) echo 1;; *) echo 0;; esac; }
# Where each header lives (headers are included by bare name).
declare -A home
while read -r h; do home[$(basename "$h")]=$h; done < <(find src -name '*.h')
bad=0
while read -r f; do
	while read -r inc; do
		h=${home[$inc]:-}
		[ -n "$h" ] || continue	# a system, libbpf or generated header
		if [ "$(rank "$h")" -gt "$(rank "$f")" ]; then
			echo "$f includes $inc ($h): upward"; bad=1
		fi
		fam_f=$(echo "$f" | sed -n 's|^src/faults/\([^/]*\)/.*|\1|p')
		fam_h=$(echo "$h" | sed -n 's|^src/faults/\([^/]*\)/.*|\1|p')
		if [ -n "$fam_h" ] && [ "$fam_f" != "$fam_h" ]; then
			echo "$f includes $inc ($h): a family's own header, outside its folder"; bad=1
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(find src -name '*.c' -o -name '*.h')
exit $bad
