"""What the voice says: addresses, references, hours and the lexicon's words."""

from referentiel.pronunciation import load_pronunciation
from speech.reading import speakable


def test_addresses_are_said_sign_by_sign():
    said = speakable("Écrivez à contactlille@transitionspro-hdf.fr.")
    assert said == "Écrivez à contactlille arobase transitions pro tiret h d f point fr."
    assert (
        speakable("Voir www.transitionspro-hdf.fr") == "Voir transitions pro tiret h d f point fr"
    )
    assert speakable("https://www.cnil.fr/") == "cnil point fr"


def test_references_hours_and_fractions():
    assert (
        speakable("Votre référence : CLEA-2026-AB3K.")
        == "Votre référence : C L E A, 2026, A B 3 K."
    )
    assert speakable("De 8h30 à 12h") == "De 8 heures 30 à 12 heures"
    assert speakable("Question 9 / 18") == "Question 9 sur 18"


def test_the_lexicon_says_acronyms_and_leaves_other_words():
    assert speakable("Le CPF et l'AIF") == "Le cé pé èf et l'a i èf"
    assert speakable("CléA numérique") == "Cléa numérique"
    assert speakable("ACPF CPFs") == "ACPF CPFs"  # whole words only
    assert (
        speakable("Appelez le 03 59 61 63 63") == "Appelez le 03 59 61 63 63"
    )  # the voice reads it


def test_pictograms_and_bullets_are_not_read():
    assert speakable("• Oui ✅ → suite") == "Oui suite"


def test_the_lexicon_file_is_complete():
    lexicon = load_pronunciation()
    assert lexicon.voice and 80 <= lexicon.words_per_minute <= 200
    assert {"@", ".", "-"} <= set(lexicon.address_signs)
    assert {"CléA", "CPF"} <= set(lexicon.words)
