#!/usr/bin/env bash
# The load balancer of the scaled mode: Debian's nginx (installed without starting
# its system service; deploy/scaled.py runs it with the project's own configuration).
set -euo pipefail
if [[ -x /usr/sbin/nginx ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "The scaled mode needs Debian's nginx: run 'apt-get install nginx' as root." >&2
  exit 1
fi
echo "==> Installing Debian's nginx for the scaled mode"
apt-get update -qq
# RUNLEVEL=1: the package's scripts do not start the system service.
RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  nginx >/dev/null
echo "==> $(/usr/sbin/nginx -v 2>&1)"
