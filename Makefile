# The two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.10
VENV := .venv
BIN := $(VENV)/bin

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
# Every other setting is read by settings.py (README, "Settings").

.PHONY: help lint setup browser nginx speech audio responses territory train run run-scaled status reload-scaled shell test bench bench-console retention digest backup restore lock clean

help:
	@echo "make run    set up, train if needed, start the assistant (the web app on :8080)"
	@echo "make test   set up, lint and type checks, train if needed, run the whole test suite"
	@echo "make lint   the lint, format and type checks alone (ruff, mypy)"
	@echo "make run-scaled  nginx, 2 Rasa servers, 2 action servers under supervisord, PostgreSQL and Redis, port 8000"
	@echo "make status  the scaled mode's processes: state, uptime, restarts"
	@echo "make reload-scaled  train if needed, then restart the action and Rasa servers one at a time (new model, no request lost)"
	@echo "make shell  chat with the assistant in the terminal"
	@echo "make bench  measure NLU, latency, throughput, memory against Rasa's default config (~15 min)"
	@echo "make bench-console  time the staff console on 5,000 pre-dossiers, SQLite and PostgreSQL (~2 min)"
	@echo "make audio  read the fixed answers aloud ahead of time (var/audio/), with figures"
	@echo "make responses  render referentiel/ into bot/domain/responses.yml"
	@echo "make territory  regenerate the territory and place data from ../shared/data"
	@echo "make retention  delete pre-dossiers closed > 12 months and conversations idle > 90 days"
	@echo "make digest e-mail each antenne its daily counts of new and late pre-dossiers (SMTP)"
	@echo "make backup copy the pre-dossier store into var/backups/ (copies past 30 days deleted)"
	@echo "make restore FILE=var/backups/…  replace the pre-dossier store with a copy"
	@echo "make lock   re-pin constraints.txt from the virtual environment"

setup: $(VENV)/.installed node_modules/.package-lock.json

$(VENV)/.installed: requirements.txt constraints.txt
	@PYTHON="$(PYTHON)" VENV="$(VENV)" scripts/setup.sh
	@touch $@

# The widget's socket.io-client and the browser tests' axe-core, pinned in package-lock.json.
node_modules/.package-lock.json: package-lock.json
	@echo "==> Installing the npm packages (package-lock.json; log: var/log/npm.log)"
	@mkdir -p var/log
	@npm ci --no-audit --no-fund --loglevel=error > var/log/npm.log 2>&1 || { cat var/log/npm.log; exit 1; }

responses: setup
	@$(BIN)/python -m referentiel.build_responses

territory: setup
	@$(BIN)/python -m referentiel.build_territory

train: responses
	@scripts/train.sh

run: train speech
	@$(BIN)/python -m deploy.embedded

run-scaled: train nginx speech
	@$(BIN)/python -m deploy.scaled

# The scaled mode's processes: state, since when, restarts (supervisord).
status: setup
	@$(BIN)/python -m deploy.scaled --status

# A new model or new code in the running scaled mode, one server at a time.
reload-scaled: train
	@$(BIN)/python -m deploy.scaled --reload

shell: train
	@$(BIN)/python -m deploy.embedded --shell

# Debian's chromium, driven by Playwright in the browser tests (no browser download).
browser:
	@scripts/setup-debian-package.sh /usr/bin/chromium chromium "the browser tests"

# Debian's espeak-ng (the French voice), lame (MP3 for the widget) and opus-tools (Ogg/Opus
# voice notes): answers read aloud, offline (speech/).
speech:
	@scripts/setup-debian-package.sh /usr/bin/espeak-ng espeak-ng "reading answers aloud"
	@scripts/setup-debian-package.sh /usr/bin/lame lame "reading answers aloud (MP3)"
	@scripts/setup-debian-package.sh /usr/bin/opusenc opus-tools "voice notes (Ogg/Opus)"

# The fixed answers read aloud ahead of time into var/audio/, with figures (reports/speech.json).
audio: setup speech
	@$(BIN)/python -m speech.prepare

# Debian's nginx, the load balancer of the scaled mode (run with our configuration).
nginx:
	@scripts/setup-debian-package.sh /usr/sbin/nginx nginx "the scaled mode"

bench: train nginx
	@$(BIN)/python -m bench.run

bench-console: setup
	@$(BIN)/python -m bench.console

# The lint, format and type gates (settings in pyproject.toml): a few seconds.
lint: setup
	@echo "==> Lint, format and type checks (ruff, mypy)"
	@$(BIN)/ruff check --quiet .
	@$(BIN)/ruff format --check --quiet .
	@$(BIN)/mypy --no-error-summary

test: lint train browser nginx speech
	@echo "==> Running the test suite"
	$(BIN)/python -m pytest

retention: setup
	@$(BIN)/python -m dossiers.retention $(RETENTION_ARGS)

digest: setup
	@$(BIN)/python -m dossiers.digest

backup: setup
	@$(BIN)/python -m dossiers.backup

restore: setup
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/dossiers-….db (or .dump)"; exit 2; }
	@$(BIN)/python -m dossiers.backup --restore "$(FILE)"

lock: setup
	@(echo "# Lock file: the full set of pinned packages, from \`make lock\`."; \
	  $(BIN)/pip freeze --exclude-editable) > constraints.txt
	@echo "constraints.txt updated"

clean:
	rm -rf models reports .pytest_cache
