# The build's promises: install honours PREFIX and DESTDIR, V=1 shows commands.

t_install_prefix_destdir() {
	local d
	d=$(mktemp -d)
	defer "rm -rf '$d'"
	make -C "$REPO" --no-print-directory install PREFIX=/opt/fl DESTDIR="$d" >/dev/null
	[ -x "$d/opt/fl/sbin/faultline" ] || fail "no $d/opt/fl/sbin/faultline"
	[ -f "$d/opt/fl/share/doc/faultline/README.md" ] || fail "README not installed"
	"$d/opt/fl/sbin/faultline" --version | grep -q '^faultline ' || fail "installed binary does not run"
}

t_verbose_build_shows_commands() {
	local out
	out=$(make -C "$REPO" --no-print-directory -B -n V=1 faultline 2>&1)
	echo "$out" | grep -q -- "-Werror" || fail "V=1 does not show the compiler command"
	out=$(make -C "$REPO" --no-print-directory -B -n faultline 2>&1)
	echo "$out" | grep -q "printf" || fail "the quiet build does not print short lines"
}
