# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced (after lib.sh) by tests that install into the host's system
# directories.  They run in a private mount namespace (the script re-executes
# itself under unshare -m) with overlays on the directories they write,
# whose upper layers are in $work: nothing reaches the host's real /usr,
# /etc or /var, and it all goes with $work.
#   overlay_dirs DIR...
if [ "${KSTREAM_PKG_NS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
	rm -rf "$work"
	trap - EXIT
	exec env KSTREAM_PKG_NS=1 unshare --mount --propagation private "$0" "$@"
fi
overlay_dirs() {
	local d n
	for d in "$@"; do
		n=$(echo "${d#/}" | tr / _)
		mkdir -p "$work/ovl/$n/upper" "$work/ovl/$n/work"
		mount -t overlay overlay \
			-o "lowerdir=$d,upperdir=$work/ovl/$n/upper,workdir=$work/ovl/$n/work" "$d" ||
			return 1
	done
}
