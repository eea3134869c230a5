#!/usr/bin/env bash
# What the browser tests need: Debian's chromium (Playwright drives it; no browser
# download) and the npm packages they inject (axe-core), pinned in package-lock.json.
set -euo pipefail
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "==> Installing the npm packages of the browser tests (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
  echo "The browser tests need Debian's chromium: run 'apt-get install chromium' as root." >&2
  exit 1
fi
echo "==> Installing Debian's chromium for the browser tests (about 1 minute)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "==> $(/usr/bin/chromium --version)"
