#!/usr/bin/env bash
# Install a package from Debian's archive unless its program is there, without
# starting any system service it ships (the project runs its own).
# Usage: scripts/setup-debian-package.sh PROGRAM PACKAGE "what needs it"
set -euo pipefail
program=$1 package=$2 purpose=$3
if [[ -x "$program" ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "Debian's $package is needed for $purpose: run 'apt-get install $package' as root." >&2
  exit 1
fi
echo "==> Installing Debian's $package for $purpose"
apt-get update -qq
# RUNLEVEL=1: the package's scripts do not start a system service.
RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "$package" >/dev/null
echo "==> Installed $package: $program"
