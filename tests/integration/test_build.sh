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

# The manual page and completion come from the option tables and install.
t_install_man_and_completion() {
	local d
	d=$(mktemp -d)
	defer "rm -rf '$d'"
	make -C "$REPO" --no-print-directory install PREFIX=/usr DESTDIR="$d" >/dev/null
	[ -f "$d/usr/share/man/man8/faultline.8" ] || fail "no man page installed"
	man -l "$d/usr/share/man/man8/faultline.8" 2>/dev/null | grep -q -- '--probability' ||
		grep -q 'probability' "$d/usr/share/man/man8/faultline.8" || fail "the man page lacks the options"
	bash -n "$d/usr/share/bash-completion/completions/faultline" || fail "completion is not valid bash"
	# shellcheck disable=SC1091
	(source "$d/usr/share/bash-completion/completions/faultline"
	 COMP_WORDS=(faultline net drop --loc); COMP_CWORD=3; _faultline
	 [ "${COMPREPLY[*]}" = "--local-port" ] || exit 1
	 COMP_WORDS=(faultline net drop --direction e); COMP_CWORD=4; _faultline
	 [ "${COMPREPLY[*]}" = "egress" ] || exit 1) || fail "completion does not complete options and values"
}

# Nothing under src/ includes upward, nor one family another's headers.
t_layers_include_downward_only() {
	local out
	out=$("$REPO/tests/layers.sh") || fail "upward includes: $out"
}
