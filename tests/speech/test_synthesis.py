"""Synthesis with the real programs (espeak-ng, lame, opusenc) and its two caches."""

from pathlib import Path

import pytest

from speech.synthesis import (
    FORMATS,
    AudioFormat,
    Speaker,
    SpeechUnavailable,
    encode,
    fixed_messages,
    seconds_of,
    spoken_text,
    wave,
)


def test_a_sentence_becomes_audio_of_a_plausible_length():
    wav = wave("Bonjour. CléA est le certificat des savoirs de base.")
    assert wav[:4] == b"RIFF" and 2.0 < seconds_of(wav) < 8.0
    mp3, ogg = encode(wav, FORMATS["mp3"]), encode(wav, FORMATS["ogg"])
    assert mp3[:3] == b"ID3" or mp3[0] == 0xFF
    assert ogg[:4] == b"OggS" and b"OpusHead" in ogg[:100]
    assert len(mp3) < len(wav) / 5


def test_longer_texts_last_longer():
    short = seconds_of(wave("Oui."))
    long = seconds_of(wave("Oui. " + "Le calcul, le français et le numérique. " * 5))
    assert long > 5 * short


def test_choices_are_read_after_the_text():
    assert spoken_text("Vous êtes salarié ?", ["Oui", "Non"]) == (
        "Vous êtes salarié ?\nVous pouvez choisir : Oui ; Non."
    )
    assert spoken_text("Bonjour", []) == "Bonjour"


def test_fixed_answers_are_the_responses_without_slots():
    fixed = fixed_messages()
    assert len(fixed) > 50 and not [text for text in fixed if "{" in text]


def test_fixed_answers_are_cached_on_disk_others_only_in_memory(tmp_path: Path):
    fixed = spoken_text("Le CPF peut payer CléA.", ["Oui"])
    speaker = Speaker(tmp_path, fixed={fixed})
    first = speaker.audio(fixed, FORMATS["mp3"])
    assert [path.read_bytes() for path in tmp_path.glob("*.mp3")] == [first]
    assert speaker.audio(fixed, FORMATS["mp3"]) == first
    personal = "Votre nom : Zéphyrine Quillebeuf."
    assert speaker.audio(personal, FORMATS["mp3"]) == speaker.audio(personal, FORMATS["mp3"])
    assert len(list(tmp_path.iterdir())) == 1  # nothing personal written to disk


def test_empty_or_too_long_texts_are_refused(tmp_path: Path):
    speaker = Speaker(tmp_path, fixed=set())
    with pytest.raises(ValueError):
        speaker.audio("   ", FORMATS["mp3"])
    with pytest.raises(ValueError):
        speaker.audio("a" * 5000, FORMATS["mp3"])


def test_a_missing_program_is_reported():
    with pytest.raises(SpeechUnavailable):
        encode(b"RIFF", AudioFormat("x", "audio/x", ("no-such-encoder",)))
