#!/usr/bin/env bash
# Train a model only when its inputs changed (by content, not by file dates).
# Usage: scripts/train.sh [CONFIG OUT_DIR NAME]   (default: config.yml models clea)
set -euo pipefail
config=${1:-config.yml}
out=${2:-models}
name=${3:-clea}
model=$out/$name.tar.gz
stamp=$out/$name.sha256
# The tokenizer normalises text and reads places before training: its code and data
# are inputs too.
mapfile -t inputs < <(ls "$config" constraints.txt bot/nlu/tokenizer.py bot/nlu/noise.py bot/nlu/ensemble.py \
  referentiel/normalise.py referentiel/lexicon.yml referentiel/territory.py \
  referentiel/territory.json referentiel/france.json; find bot/domain data -name '*.yml' | sort)
hash=$(for file in "${inputs[@]}"; do echo "== $file"; cat "$file"; done | sha256sum | cut -d' ' -f1)

if [[ -f "$model" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  echo "==> Model up to date (training data and config unchanged): $model"
  exit 0
fi
mkdir -p var/log
log=var/log/train-$name.log
echo "==> Training $model from ${#inputs[@]} files (a few minutes on 2 cores; log: $log)"
start=$(date +%s)
.venv/bin/rasa train --config "$config" --domain bot/domain --data data \
  --out "$out" --fixed-model-name "$name" > "$log" 2>&1 &
training=$!
# One line per component as it starts training, from the log.
tail -n +1 -f --pid="$training" "$log" \
  | sed -un "s/.*Starting to train component '\([A-Za-z]*\)'.*/    training \1/p" || true
if ! wait "$training"; then
  tail -n 20 "$log" >&2
  echo "Training failed: the whole log is in $log" >&2
  exit 1
fi
echo "$hash" > "$stamp"
seconds=$(( $(date +%s) - start ))
echo "$seconds" > "$out/$name.train-seconds"
echo "==> Trained in ${seconds} s: $model ($(du -h "$model" | cut -f1))"
