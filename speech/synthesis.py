"""Speech synthesis on our servers, offline: espeak-ng's French voice (Debian package),
encoded as MP3 for the web widget (lame) or as Ogg/Opus for voice notes (opus-tools).

Audio is cached by what is said. The assistant's fixed answers (bot/domain/responses.yml
without a slot) hold no personal data: their audio is kept on disk, shared by every
process, and can be made ahead of time (python -m speech.prepare). Any other text (it may
hold a name or a phone number) is kept only in this process's memory, a few at a time.
"""

import hashlib
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from referentiel.pronunciation import load_pronunciation
from speech.reading import speakable

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = ROOT / "bot" / "domain" / "responses.yml"
CACHE_DIR = ROOT / "var" / "audio"
SAMPLE_RATE = 22050  # espeak-ng's, 16-bit mono
MAX_CHARACTERS = 3000
SYNTHESIS_TIMEOUT_S = 30
MEMORY_ENTRIES = 64


@dataclass(frozen=True)
class AudioFormat:
    extension: str
    content_type: str
    encoder: tuple[str, ...]


FORMATS = {
    "mp3": AudioFormat("mp3", "audio/mpeg", ("lame", "--quiet", "-b", "48", "-m", "m", "-", "-")),
    "ogg": AudioFormat("ogg", "audio/ogg", ("opusenc", "--quiet", "--bitrate", "24", "-", "-")),
}


class SpeechUnavailable(Exception):
    """The voice could not be made (program missing, failed or too slow)."""


def wave(text: str) -> bytes:
    """What the voice says for `text`, as WAV."""
    lexicon = load_pronunciation()
    return _run(
        (
            "espeak-ng",
            "-v",
            lexicon.voice,
            "-s",
            str(lexicon.words_per_minute),
            "-b",
            "1",
            "--stdin",
            "--stdout",
        ),
        speakable(text).encode("utf-8"),
    )


def seconds_of(wav: bytes) -> float:
    """The duration of espeak-ng's WAV (its header is 44 bytes)."""
    return max(len(wav) - 44, 0) / (SAMPLE_RATE * 2)


def encode(wav: bytes, audio_format: AudioFormat) -> bytes:
    return _run(audio_format.encoder, wav)


def _run(command: tuple[str, ...], data: bytes) -> bytes:
    try:
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=SYNTHESIS_TIMEOUT_S, check=True
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise SpeechUnavailable(f"{command[0]}: {error}") from error
    return done.stdout


def spoken_text(text: str, choices: Iterable[str] = ()) -> str:
    """A message as it is read: its text, then its choices, so that a person who cannot
    read the buttons hears them."""
    choices = [choice.strip() for choice in choices if choice.strip()]
    if not choices:
        return text
    return f"{text.rstrip()}\nVous pouvez choisir : " + " ; ".join(choices) + "."


def fixed_messages(responses: Path = RESPONSES) -> set[str]:
    """The spoken texts of the assistant's fixed answers, with their buttons."""
    data = yaml.safe_load(responses.read_text(encoding="utf-8"))
    spoken = set()
    for variants in data["responses"].values():
        for variant in variants:
            titles = [button["title"] for button in variant.get("buttons", [])]
            if "{" not in variant.get("text", "{") and not any("{" in t for t in titles):
                spoken.add(spoken_text(variant["text"], titles))
    return spoken


class Speaker:
    """Audio for the assistant's messages, with its two caches."""

    def __init__(self, directory: Path = CACHE_DIR, fixed: set[str] | None = None) -> None:
        self.directory = directory
        self.fixed = fixed_messages() if fixed is None else fixed
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, spoken: str, audio_format: AudioFormat) -> str:
        lexicon = load_pronunciation()
        said = "|".join(
            (
                lexicon.voice,
                str(lexicon.words_per_minute),
                audio_format.extension,
                speakable(spoken),
            )
        )
        return hashlib.sha256(said.encode("utf-8")).hexdigest()

    def audio(self, spoken: str, audio_format: AudioFormat) -> bytes:
        """The audio of `spoken` (a message's spoken_text), from a cache when made before."""
        if not spoken.strip() or len(spoken) > MAX_CHARACTERS:
            raise ValueError("nothing to say, or too long")
        key = self.key(spoken, audio_format)
        if spoken in self.fixed:
            path = self.directory / f"{key}.{audio_format.extension}"
            if path.exists():
                return path.read_bytes()
            audio = encode(wave(spoken), audio_format)
            self.directory.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{threading.get_ident()}.part")
            partial.write_bytes(audio)
            partial.replace(path)  # another process may make the same file: both are whole
            return audio
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        audio = encode(wave(spoken), audio_format)
        with self._lock:
            self._memory[key] = audio
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)
        return audio
