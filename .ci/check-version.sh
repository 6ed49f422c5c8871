#!/bin/bash
# .ci/check-version.sh - configure.ac holds the package version; everything
# else that states it must agree:
#   - debian/changelog (the upstream part of its top entry),
#   - jmalloc.spec (Version: and the top %changelog entry),
#   - the built jmalloc.pc and include/jmalloc.h, when given.
#
# Usage: bash .ci/check-version.sh [BUILT_JMALLOC_PC [BUILT_JMALLOC_H]]
# Needs autoconf and dpkg-dev.  Prints the version and exits 0 when all
# agree; names each file that does not and exits 1 otherwise.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
pc=${1:-}
header=${2:-}

# AC_INIT's version, with the m4_define'd names it is made of expanded.
# autoconf writes its cache in the working directory: trace from a
# temporary one so that the checkout stays clean.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2016 # $2 and $1 are autoconf's trace format
raw=$(cd "$tmp" && autoconf --trace='AC_INIT:$2' "$top/configure.ac")
# shellcheck disable=SC2016
(cd "$tmp" && autoconf --trace='m4_define:$1=$2' "$top/configure.ac") >"$tmp/defs"
version=
IFS=. read -r -a parts <<<"$raw"
for part in "${parts[@]}"; do
	value=$(sed -n "s/^${part}=//p" "$tmp/defs" | tail -1)
	version=${version:+$version.}${value:-$part}
done
if ! [[ $version =~ ^[0-9]+(\.[0-9]+)*$ ]]; then
	echo "check-version: cannot work out AC_INIT's version in configure.ac (got '$version' from '$raw')" >&2
	exit 1
fi

failed=0
agree() {
	# agree WHAT VALUE: VALUE must be the version of configure.ac.
	if [ "$2" = "$version" ]; then
		echo "check-version: $1: $2"
	else
		echo "check-version: FAIL: $1 says '$2', configure.ac says '$version'" >&2
		failed=1
	fi
}

# debian/changelog: [epoch:]upstream-revision.
deb=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
deb_upstream=${deb#*:}
agree "debian/changelog ($deb)" "${deb_upstream%-*}"

spec=$top/jmalloc.spec
agree "jmalloc.spec Version" "$(sed -n 's/^Version:[[:space:]]*//p' "$spec")"
# The top %changelog entry ends with "- VERSION-RELEASE".
entry=$(sed -n '/^%changelog/,$ { /^\* /{ s/.* - \([^ ]*\)$/\1/p; q; } }' "$spec")
agree "jmalloc.spec %changelog ($entry)" "${entry%-*}"

if [ -n "$pc" ]; then
	agree "$(basename "$pc") Version" "$(sed -n 's/^Version:[[:space:]]*//p' "$pc")"
fi
if [ -n "$header" ]; then
	agree "$(basename "$header") JMALLOC_VERSION_STRING" \
		"$(sed -n 's/^#define JMALLOC_VERSION_STRING "\(.*\)"$/\1/p' "$header")"
fi

if [ "$failed" -ne 0 ]; then
	echo "check-version: the version is set in configure.ac (AC_INIT); bring the files named above into line with it (a new debian/changelog entry: dch -v VERSION-1; the spec: Version: and a %changelog entry)" >&2
	exit 1
fi
echo "check-version: all agree on $version"
