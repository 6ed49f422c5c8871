# .ci/common.sh - how each CI script starts, sourced after it sets ci_name
# (the prefix of its messages; empty for .ci/run): strict mode, the source
# tree as the working directory and $top, log and die, and apt-get run as
# root, waiting for another apt or dpkg at work on the machine.
# shellcheck shell=bash
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck disable=SC2034 # used by the scripts that source this file
top=$PWD
log() { printf '\n=== %s%s\n' "${ci_name:+$ci_name: }" "$*"; }
die() { printf '%s: FAIL: %s\n' "${ci_name:-ci}" "$*" >&2; exit 1; }

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
apt_get() { $SUDO apt-get -o DPkg::Lock::Timeout=600 "$@"; }
