#!/usr/bin/env bash
# What the browser tests need besides the npm packages (installed by `make setup`):
# Debian's chromium, which Playwright drives (no browser download).
set -euo pipefail
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
