"""NLU on the held-out set: CI floor on accuracy, full report written to reports/."""

import json
import subprocess
from collections import Counter
from pathlib import Path

from helpers import RASA, ROOT, rasa_env

ACCURACY_FLOOR = 0.90
REPORT_DIR = ROOT / "reports"


def evaluate(model: Path, out: Path) -> dict:
    """Run `rasa test nlu` on the held-out set and summarise its reports."""
    result = subprocess.run(
        [str(RASA), "test", "nlu", "--model", str(model), "--nlu", "tests/nlu/heldout.yml",
         "--out", str(out), "--no-plot"],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    errors = json.loads((out / "intent_errors.json").read_text(encoding="utf-8"))
    per_intent = {
        name: round(scores["f1-score"], 3)
        for name, scores in report.items()
        if isinstance(scores, dict) and name not in ("macro avg", "weighted avg", "micro avg")
    }
    pairs = Counter(f"{e['intent']} -> {e['intent_prediction']['name']}" for e in errors)
    return {
        "accuracy": round(report["accuracy"], 4),
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "messages": int(report["macro avg"]["support"]),
        "per_intent_f1": per_intent,
        "confusion_pairs": dict(pairs.most_common()),
        "errors": [
            {"text": e["text"], "expected": e["intent"],
             "predicted": e["intent_prediction"]["name"]}
            for e in errors
        ],
    }


def write_report(summary: dict) -> None:
    REPORT_DIR.mkdir(exist_ok=True)
    (REPORT_DIR / "nlu-heldout.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    lines = [
        f"accuracy {summary['accuracy']:.3f}  macro-F1 {summary['macro_f1']:.3f}  "
        f"({summary['messages']} held-out messages)",
        "per-intent F1: " + ", ".join(f"{k} {v:.2f}" for k, v in summary["per_intent_f1"].items()),
        "confusion pairs: " + ", ".join(f"{k} ({v})" for k, v in summary["confusion_pairs"].items()),
    ]
    (REPORT_DIR / "nlu-heldout.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def test_heldout_intent_accuracy(model: Path, tmp_path: Path):
    summary = evaluate(model, tmp_path)
    write_report(summary)
    assert summary["messages"] >= 150
    assert summary["accuracy"] >= ACCURACY_FLOOR, summary["confusion_pairs"]
