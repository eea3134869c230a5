"""The held-out set stays out of the training data, and keeps its size and mix."""

import re
from pathlib import Path

import yaml

from referentiel.text import fold

ROOT = Path(__file__).resolve().parent.parent.parent
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"


def normalised(text: str) -> str:
    """Folded words only; a message of symbols alone keeps its symbols."""
    folded = fold(text)
    return re.sub(r"[^a-z0-9]+", " ", folded).strip() or folded.replace(" ", "")


def examples(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (block["intent"], line.strip()[2:].strip())
        for block in data.get("nlu", [])
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


def training_examples() -> list[tuple[str, str]]:
    return [ex for path in sorted((ROOT / "data").rglob("*.yml")) for ex in examples(path)]


def test_heldout_set_is_large_enough():
    heldout = examples(HELDOUT)
    assert len(heldout) >= 150
    assert len({intent for intent, _ in heldout}) == len({i for i, _ in training_examples()})


def test_no_heldout_message_is_in_the_training_data():
    training = {normalised(text) for _, text in training_examples()}
    leaked = [text for _, text in examples(HELDOUT) if normalised(text) in training]
    assert not leaked


def test_every_intent_has_at_least_25_training_examples():
    counts: dict[str, int] = {}
    for intent, _ in training_examples():
        counts[intent] = counts.get(intent, 0) + 1
    assert min(counts.values()) >= 25, counts
