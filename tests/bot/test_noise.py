"""Seeded training noise: reproducible, and a real change of the text."""

from bot.nlu.noise import noisy

TEXTS = [
    "je voudrais passer le clea",
    "c'est quoi l'évaluation ?",
    "qui peut m'aider à trouver mon antenne",
]


def test_the_same_text_and_seed_give_the_same_noise():
    assert [noisy(t, 42) for t in TEXTS] == [noisy(t, 42) for t in TEXTS]


def test_noise_changes_the_text_a_little():
    changed = [noisy(t, seed) for t in TEXTS for seed in range(10)]
    assert sum(c not in TEXTS for c in changed) >= 0.8 * len(changed)
    assert all(
        abs(len(c) - len(t)) <= 6 for c, t in zip(changed, [t for t in TEXTS for _ in range(10)])
    )
