#!/usr/bin/env bash
# Create the Python 3.10 virtual environment if missing and install the pinned packages.
set -euo pipefail
: "${PYTHON:=python3.10}" "${VENV:=.venv}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
  cat >&2 <<MSG
Python 3.10 is needed (Rasa Open Source 3.6 supports no newer Python), and '$PYTHON' is not it.
Get it one of these ways, then run the command again:
  - pyenv install 3.10.13   (this folder's .python-version then selects it)
  - apt-get install python3.10 python3.10-venv   (where your distribution has it)
  - or point to one you have: make run PYTHON=/path/to/python3.10
MSG
  exit 1
fi

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "==> Creating the virtual environment in $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi
mkdir -p var/log
log=var/log/setup.log
echo "==> Installing the pinned dependencies (about 2 minutes and 3 GB the first time; log: $log)"
start=$(date +%s)
if ! "$VENV/bin/pip" install --disable-pip-version-check --progress-bar off \
    -r requirements.txt -c constraints.txt > "$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "The installation failed: the whole log is in $log" >&2
  exit 1
fi
echo "==> Dependencies installed in $(( $(date +%s) - start )) s"
