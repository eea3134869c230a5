#!/usr/bin/env bash
# Train the model only when its inputs changed (by content, not by file dates).
set -euo pipefail
model=models/clea.tar.gz
stamp=models/clea.sha256
mapfile -t inputs < <(ls config.yml constraints.txt; find bot/domain data -name '*.yml' | sort)
hash=$(for file in "${inputs[@]}"; do echo "== $file"; cat "$file"; done | sha256sum | cut -d' ' -f1)

if [[ -f "$model" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  echo "==> Model up to date (training data and config unchanged): $model"
  exit 0
fi
echo "==> Training the model from ${#inputs[@]} files (a few minutes on 2 cores)"
start=$(date +%s)
.venv/bin/rasa train --config config.yml --domain bot/domain --data data \
  --out models --fixed-model-name clea
echo "$hash" > "$stamp"
seconds=$(( $(date +%s) - start ))
echo "$seconds" > models/clea.train-seconds
echo "==> Trained in ${seconds} s: $model ($(du -h "$model" | cut -f1))"
