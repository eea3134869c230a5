"""The held-out set stays out of the training data, and keeps its size and mix."""

from harness.evaluation import ROOT, examples, normalised, training_examples

HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"


def test_heldout_set_is_large_enough():
    heldout = examples(HELDOUT)
    assert len(heldout) >= 150
    assert {intent for intent, _ in heldout} == {i for i, _ in training_examples()}


def test_no_heldout_message_is_in_the_training_data():
    training = {normalised(text) for _, text in training_examples()}
    leaked = [text for _, text in examples(HELDOUT) if normalised(text) in training]
    assert not leaked


def test_every_intent_has_at_least_25_training_examples():
    counts: dict[str, int] = {}
    for intent, _ in training_examples():
        counts[intent] = counts.get(intent, 0) + 1
    assert min(counts.values()) >= 25, counts
