#!/usr/bin/env bash
# Start the action server and the web app, then the Rasa server (or the terminal chat
# with --shell) in the foreground, started again if it stops on its own; Ctrl-C stops all.
set -euo pipefail
mkdir -p var
# The token Rasa shows the action server on each call (a new one at each start).
export CLEA_ACTIONS_TOKEN="${CLEA_ACTIONS_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"

echo "==> Starting the action server on ${ACTIONS_HOST}:${ACTIONS_PORT}"
SANIC_HOST="$ACTIONS_HOST" .venv/bin/python -m actions.server --port "$ACTIONS_PORT" &
actions_pid=$!
echo "==> Starting the staff console on port ${CLEA_WEB_PORT:-8080}"
.venv/bin/python -m web.app &
web_pid=$!
trap 'kill "$actions_pid" "$web_pid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT

common=(--model models/clea.tar.gz --endpoints bot/endpoints.yml --port "$RASA_PORT"
        --interface 127.0.0.1)
if [[ "${1:-}" == "--shell" ]]; then
  echo "==> Starting the terminal chat (about 1 minute to load the model)"
  .venv/bin/rasa shell "${common[@]}"
else
  echo "==> Starting the Rasa server on port ${RASA_PORT} (about 1 minute to load the model)"
  echo "    Rasa listens on 127.0.0.1 only: people reach it through the web app (port ${CLEA_WEB_PORT:-8080})"
  # bot/credentials.yml plus the messaging apps the environment enables (no secret written).
  .venv/bin/python -m bot.channels.credentials var/credentials.yml
  # Should Rasa fail (a non-zero exit), the website and the actions keep serving (the
  # widget apologises) while it is started again; Ctrl-C stops everything.
  stopping=""
  trap 'stopping=1' INT TERM
  delay=5
  while true; do
    status=0
    .venv/bin/rasa run "${common[@]}" --credentials var/credentials.yml || status=$?
    [[ -n "$stopping" || "$status" -eq 0 ]] && break  # stopped on purpose
    echo "==> The Rasa server stopped (exit ${status}); the website and the actions still run."
    echo "    Starting it again in ${delay} s (Ctrl-C stops everything)."
    sleep "$delay" || true
    [[ -n "$stopping" ]] && break
    delay=$(( delay < 60 ? delay * 2 : 60 ))
  done
fi
