# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# TAP helpers of the packaging tests (tests/pkg/*), sourced.
src=${KSTREAM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
work=$(mktemp -d /tmp/kstream-pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT
tnum=0
failed=0

ok() { tnum=$((tnum + 1)); echo "ok $tnum - $*"; }
nok() { tnum=$((tnum + 1)); echo "not ok $tnum - $*"; failed=1; }
check() { # check NAME CMD...: ok when CMD exits 0; its output as comments if not
	local name=$1
	shift
	if "$@" >"$work/last.out" 2>&1; then
		ok "$name"
	else
		nok "$name"
		tail -n 30 "$work/last.out" | sed 's/^/# /'
	fi
}
same() { # same NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1"
		diff <(echo "$2") <(echo "$3") | head -n 40 | sed 's/^/# /'
	fi
}
