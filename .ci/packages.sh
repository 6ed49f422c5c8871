#!/bin/bash
# .ci/packages.sh - the packages, from a clean checkout on a Debian machine:
#   1. the version of configure.ac is the one of debian/changelog, the spec,
#      jmalloc.pc and jmalloc.h;
#   2. the Debian packages build from the `make dist` tarball with
#      dpkg-buildpackage (which runs `make check`), lintian at -EviIL
#      +pedantic has no error or warning, and they hold the files they
#      should;
#   3. installed with apt, a program builds through pkg-config and runs,
#      the autopkgtest passes, `man 3 jmalloc` and `man 3 jmfree` find the
#      pages; then the packages are removed again;
#   4. the RPMs build with `rpmbuild -ta` from the same tarball (running
#      %check; this starts early and runs beside the Debian build), hold
#      the files the spec promises, and rpmlint is quiet.
# Everything is built in a temporary directory: the checkout stays clean.
#
# Usage, from anywhere: bash .ci/packages.sh
ci_name=packages
# shellcheck source=.ci/common.sh
. "$(dirname "$0")/common.sh"
start=$SECONDS

# pkg-config must find the installed package's jmalloc.pc, not another.
unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR

log "installing the packaging tools"
apt_get update -qq || { sleep 30; apt_get update -qq; }
apt_get install -y -qq build-essential autoconf automake libtool \
	pkgconf check mandoc man-db file debhelper dpkg-dev lintian rpm \
	rpmlint >/dev/null

tmp=$(mktemp -d)
# apt reads the .deb files as its unprivileged user: let it in.
chmod 755 "$tmp"
installed=no
rpm_pid=
cleanup() {
	if [ -n "$rpm_pid" ]; then
		kill -- "-$rpm_pid" 2>/dev/null || true
		wait "$rpm_pid" 2>/dev/null || true
	fi
	if [ "$installed" = yes ]; then
		apt_get purge -y -qq libjmalloc-dev libjmalloc1 >/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- 1. The version and the release tarball -------------------------------------

log "version: configure.ac, debian/changelog, jmalloc.spec"
bash .ci/check-version.sh

# A copy of the source tree: the files in git's index, as they are in the
# working tree (a new file counts once it is added), or the whole directory
# when this is not a git checkout.  Build products of the checkout stay out.
src=$tmp/src
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached |
		while IFS= read -r -d '' f; do
			# Not the files deleted but not yet committed.
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done |
		tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
else
	cp -a "$top/." "$src"
fi

log "make dist"
(cd "$src" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf -fi failed"
mkdir "$tmp/build"
(cd "$tmp/build" && "$src/configure" -q && make -s dist >/dev/null)
version=$(cd "$tmp/build" && ./config.status --version | sed -n '1s/.* //p')
tarball=$tmp/build/jmalloc-$version.tar.gz
[ -f "$tarball" ] || die "make dist did not make jmalloc-$version.tar.gz"
tar -tzf "$tarball" >"$tmp/dist.files"
grep -qx "jmalloc-$version/jmalloc.spec" "$tmp/dist.files" ||
	die "jmalloc.spec is not in the dist tarball (EXTRA_DIST in Makefile.am)"
bash .ci/check-version.sh "$tmp/build/jmalloc.pc" "$tmp/build/include/jmalloc.h"

# The shared library's file name, from libtool's current:revision:age.
# The packages are named after the soname, libjmalloc.so.1.
lt_version=$(sed -n 's/^JM_LT_VERSION = //p' "$tmp/build/Makefile")
[[ $lt_version =~ ^[0-9]+:[0-9]+:[0-9]+$ ]] ||
	die "cannot find the libtool version (JM_LT_VERSION) in the Makefile: '$lt_version'"
IFS=: read -r lt_c lt_r lt_a <<<"$lt_version"
soname=libjmalloc.so.$((lt_c - lt_a))
sofile=$soname.$lt_a.$lt_r
[ "$soname" = libjmalloc.so.1 ] ||
	die "the soname is now $soname: rename libjmalloc1 (debian/, jmalloc.spec's %files, this script)"

# The RPMs build meanwhile, in a process group of their own: the longest
# part of each package build is one test program, so the two builds share
# the machine's cores.  Section 4 waits for it.
log "rpmbuild -ta jmalloc-$version.tar.gz (runs %check), in the background"
rpmtop=$tmp/rpm
mkdir "$rpmtop"
# --nodeps: the rpm database of a Debian machine is empty, so the build
# dependencies come from apt.  Debian's rpm runs brp-compress, which needs
# bash (`read -d`), under /bin/sh: run it with bash so the man pages are
# compressed as on Fedora.
setsid rpmbuild -ta --nodeps \
	--define "_topdir $rpmtop" \
	--define '__brp_compress /bin/bash %{_rpmconfigdir}/brp-compress %{?_prefix}' \
	"$tarball" >"$rpmtop/build.log" 2>&1 </dev/null &
rpm_pid=$!

# --- 2. Debian packages ------------------------------------------------------

log "dpkg-buildpackage -us -uc (runs make check)"
deb=$tmp/deb
mkdir "$deb"
tar -C "$deb" -xzf "$tarball"
cp "$tarball" "$deb/jmalloc_$version.orig.tar.gz"
cp -a "$src/debian" "$deb/jmalloc-$version/"
debver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
jobs=$(nproc 2>/dev/null || echo 2)
(cd "$deb/jmalloc-$version" &&
	DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$jobs" \
	dpkg-buildpackage -us -uc >"$deb/build.log" 2>&1) || {
	tail -n 150 "$deb/build.log"
	find "$deb" -name test-suite.log -exec cat {} +
	die "dpkg-buildpackage failed (the end of its log is above)"
}
grep -E '^# (TOTAL|PASS|SKIP|FAIL|XPASS|ERROR):' "$deb/build.log" || true
grep -q '^# PASS: ' "$deb/build.log" || die "the package build ran no tests"
changes=$deb/jmalloc_${debver}_$arch.changes
dev_deb=$deb/libjmalloc-dev_${debver}_$arch.deb
lib_deb=$deb/libjmalloc1_${debver}_$arch.deb

log "lintian -EviIL +pedantic"
# Tags at info, pedantic and experimental level are printed, not fatal;
# overrides (O:) carry their reason in debian/*.lintian-overrides.  (With
# --show-overrides, --fail-on counts overridden tags too: the tags are
# judged below instead.)
lintian -EviIL +pedantic --show-overrides --fail-on none "$changes" >"$deb/lintian.txt" 2>&1 || {
	cat "$deb/lintian.txt"
	die "lintian failed"
}
# The tags, without the explanations (N:) that -i adds.
grep -E '^[A-MO-Z]: ' "$deb/lintian.txt" || echo "(no tags)"
if grep -Eq '^[EW]: ' "$deb/lintian.txt"; then
	die "lintian reported errors or warnings (above)"
fi

log "the files in the .deb packages"
# deb_files DEB: the paths of its files and links, not its directories.
deb_files() {
	dpkg-deb --fsys-tarfile "$1" | tar -tvf - |
		awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print "/" $6 }' | LC_ALL=C sort
}
# expect_files WHAT GOT-FILE: GOT-FILE must hold exactly the lines of stdin.
expect_files() {
	local want
	want=$(LC_ALL=C sort)
	if [ "$want" != "$(cat "$2")" ]; then
		echo "packages: $1 holds:" >&2
		cat "$2" >&2
		echo "packages: it should hold:" >&2
		printf '%s\n' "$want" >&2
		die "$1 does not hold the files it should"
	fi
	echo "ok: $1: $(wc -l <"$2") files, as expected"
}
deb_files "$lib_deb" >"$deb/lib.files"
expect_files "$(basename "$lib_deb")" "$deb/lib.files" <<EOF
/usr/lib/$multiarch/libjmalloc.so.1
/usr/lib/$multiarch/$sofile
/usr/share/doc/libjmalloc1/changelog.Debian.gz
/usr/share/doc/libjmalloc1/copyright
/usr/share/lintian/overrides/libjmalloc1
EOF
deb_files "$dev_deb" >"$deb/dev.files"
# The manual pages: those that Makefile.am distributes.
man_pages=$(sed -n '/^dist_man_MANS/,/^$/p' "$src/Makefile.am" |
	grep -o 'man/[a-z_]*\.3' | sed 's|^man/|/usr/share/man/man3/|; s|$|.gz|')
expect_files "$(basename "$dev_deb")" "$deb/dev.files" <<EOF
/usr/include/jmalloc.h
/usr/include/jmalloc.hpp
/usr/lib/$multiarch/libjmalloc.a
/usr/lib/$multiarch/libjmalloc.so
/usr/lib/$multiarch/pkgconfig/jmalloc.pc
/usr/share/doc/libjmalloc-dev/changelog.Debian.gz
/usr/share/doc/libjmalloc-dev/copyright
/usr/share/doc/libjmalloc-dev/examples/example.c
/usr/share/doc/libjmalloc-dev/examples/example.cc
/usr/share/lintian/overrides/libjmalloc-dev
$man_pages
EOF

# --- 3. Install, use, remove ---------------------------------------------------

log "apt install ./libjmalloc-dev_*.deb ./libjmalloc1_*.deb"
# Another run of this script on the machine installs and removes the same
# packages: take turns, until they are removed again.
exec 9>/run/lock/libjmalloc-packages.lock
flock -w 3600 9 || die "another run of this script held /run/lock/libjmalloc-packages.lock for an hour"
# The packages may not be installed already: the checks below must see the
# ones built here, and this script removes what it installs.
for pkg in libjmalloc1 libjmalloc-dev; do
	if dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null | grep -x installed >/dev/null; then
		die "$pkg is installed on this machine already; remove it first (apt purge libjmalloc-dev libjmalloc1)"
	fi
done
installed=yes
(cd "$deb" && apt_get install -y -qq "./$(basename "$dev_deb")" \
	"./$(basename "$lib_deb")" >/dev/null)
for pkg in libjmalloc1 libjmalloc-dev; do
	got=$(dpkg-query -W -f '${Version}' "$pkg")
	[ "$got" = "$debver" ] || die "$pkg $got is installed, not $debver"
done
[ "$(pkg-config --modversion jmalloc)" = "$version" ] ||
	die "pkg-config --modversion jmalloc is $(pkg-config --modversion jmalloc), not $version"

log "a program built through pkg-config runs against the installed library"
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror -o "$tmp/example" "$src/examples/example.c" \
	$(pkg-config --cflags --libs jmalloc)
"$tmp/example"
# (/lib is /usr/lib on a merged-/usr system.)
ldd "$tmp/example" | grep -E "=> (/usr)?/lib/$multiarch/libjmalloc\.so\.1 " >/dev/null ||
	die "the example is not linked with /usr/lib/$multiarch/libjmalloc.so.1: $(ldd "$tmp/example")"

log "autopkgtest debian/tests/link-and-run, run directly"
mkdir "$tmp/autopkgtest"
(cd "$src" && AUTOPKGTEST_TMP=$tmp/autopkgtest sh debian/tests/link-and-run)

log "man 3 jmalloc, man 3 jmfree, man 3 jmalloc_aligned, ..."
for page in jmalloc jmfree jmcalloc jmrealloc jmalloc_good_size jmalloc_trim jmalloc_stats \
	jmalloc_aligned jmfree_aligned jmrealloc_aligned jmalloc_good_size_aligned; do
	where=$(man -w 3 "$page") ||
		die "man 3 $page finds no page (does /etc/dpkg/dpkg.cfg.d exclude /usr/share/man?)"
	# An alias page is installed as a link to jmalloc.3.gz, which man shows.
	installed_page=/usr/share/man/man3/$page.3.gz
	if [ ! -e "$installed_page" ] || [ "$where" != "$(readlink -f "$installed_page")" ]; then
		die "man 3 $page finds $where, not the installed $installed_page"
	fi
	out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings 3 "$page" 2>&1 >/dev/null)
	[ -z "$out" ] || die "man 3 $page warns: $out"
	LC_ALL=C.UTF-8 MANWIDTH=80 man 3 "$page" | grep 'jmfree' >/dev/null ||
		die "man 3 $page does not show the jmalloc page"
	echo "ok: man 3 $page: $installed_page${where:+ (shows $where)}"
done

log "apt purge libjmalloc-dev libjmalloc1"
apt_get purge -y -qq libjmalloc-dev libjmalloc1 >/dev/null
installed=no
for pkg in libjmalloc1 libjmalloc-dev; do
	if dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null | grep -x installed >/dev/null; then
		die "$pkg is still installed"
	fi
done
for f in /usr/include/jmalloc.h /usr/include/jmalloc.hpp "/usr/lib/$multiarch/libjmalloc.so.1" \
	"/usr/lib/$multiarch/pkgconfig/jmalloc.pc" /usr/share/man/man3/jmalloc.3.gz; do
	[ ! -e "$f" ] || die "$f is still there after the packages were removed"
done
! pkg-config --exists jmalloc || die "pkg-config still finds jmalloc"
echo "ok: removed"
exec 9>&-

# --- 4. RPMs -------------------------------------------------------------------

log "rpmbuild -ta jmalloc-$version.tar.gz (runs %check): waiting for it"
rpm_status=0
wait "$rpm_pid" || rpm_status=$?
rpm_pid=
if [ "$rpm_status" -ne 0 ]; then
	tail -n 150 "$rpmtop/build.log"
	die "rpmbuild failed with status $rpm_status (the end of its log is above)"
fi
grep -E '^# (TOTAL|PASS|SKIP|FAIL|XPASS|ERROR):' "$rpmtop/build.log" || true
grep -q '^# PASS: ' "$rpmtop/build.log" || die "%check ran no tests"
rpmarch=$(rpm --eval '%{_arch}')
lib_rpm=$rpmtop/RPMS/$rpmarch/jmalloc-$version-1.$rpmarch.rpm
dev_rpm=$rpmtop/RPMS/$rpmarch/jmalloc-devel-$version-1.$rpmarch.rpm
srpm=$rpmtop/SRPMS/jmalloc-$version-1.src.rpm
for f in "$lib_rpm" "$dev_rpm" "$srpm"; do
	[ -f "$f" ] || die "rpmbuild did not write $f: $(cd "$rpmtop" && find RPMS SRPMS -type f)"
done

log "the files in the RPMs"
# rpm_files RPM: its files and links, not its directories nor the build-id
# links; documentation and licence files as doc:NAME and license:NAME.
rpm_files() {
	rpm -qp --qf '[%{FILEMODES:perms} %{FILEFLAGS:fflags} %{FILENAMES}\n]' "$1" |
		awk '$1 ~ /^d/ || $NF ~ /^\/usr\/lib\/\.build-id\// { next }
		     {
			n = split($NF, p, "/")
			if (NF == 3 && $2 ~ /l/) print "license:" p[n]
			else if (NF == 3 && $2 ~ /d/ && $NF !~ /\/man\//) print "doc:" p[n]
			else print $NF
		     }' | LC_ALL=C sort
}
libdir=$(rpm --eval '%{_libdir}')
mandir=$(rpm --eval '%{_mandir}')
includedir=$(rpm --eval '%{_includedir}')
rpm_files "$lib_rpm" >"$rpmtop/lib.files"
expect_files "$(basename "$lib_rpm")" "$rpmtop/lib.files" <<EOF
$libdir/libjmalloc.so.1
$libdir/$sofile
doc:README.md
license:LICENSE
EOF
rpm_files "$dev_rpm" >"$rpmtop/dev.files"
expect_files "$(basename "$dev_rpm")" "$rpmtop/dev.files" <<EOF
$includedir/jmalloc.h
$includedir/jmalloc.hpp
$libdir/libjmalloc.so
$libdir/pkgconfig/jmalloc.pc
$(printf '%s\n' "$man_pages" | sed "s|^/usr/share/man|$mandir|")
EOF
rpm -qp --requires "$dev_rpm" | grep -E "^jmalloc(\\(.*\\))? = $version-1\$" >/dev/null ||
	die "jmalloc-devel does not require jmalloc = $version-1: $(rpm -qp --requires "$dev_rpm")"
rpm -qp --provides "$dev_rpm" | grep -x "pkgconfig(jmalloc) = $version" >/dev/null ||
	die "jmalloc-devel does not provide pkgconfig(jmalloc) = $version"

log "rpmlint"
rpmlint -c .ci/rpmlint.toml "$lib_rpm" "$dev_rpm" "$srpm" jmalloc.spec >"$rpmtop/rpmlint.txt" 2>&1 || {
	cat "$rpmtop/rpmlint.txt"
	die "rpmlint failed"
}
cat "$rpmtop/rpmlint.txt"
if grep -Eq ': [EW]: ' "$rpmtop/rpmlint.txt"; then
	die "rpmlint reported errors or warnings (above)"
fi

log "all package checks passed ($((SECONDS - start)) s)"
