"""The pronunciation lexicon (referentiel/pronunciation.yml): how the voice reads our texts."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PRONUNCIATION_FILE = Path(__file__).with_name("pronunciation.yml")


@dataclass(frozen=True)
class Pronunciation:
    voice: str
    words_per_minute: int
    words: dict[str, str]
    address_signs: dict[str, str]
    signs: dict[str, str]
    listen_requests: tuple[str, ...]  # anywhere in the message
    listen_words: tuple[str, ...]  # as the whole message
    reading_difficulties: tuple[str, ...]
    reading_help: str  # {phone}: the head office's
    no_audio_here: str  # {phone}


@lru_cache(maxsize=1)
def load_pronunciation(path: Path = PRONUNCIATION_FILE) -> Pronunciation:
    """The lexicon, checked: every entry a non-empty text."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables = {
        name: {str(k): str(v) for k, v in data[name].items()}
        for name in ("words", "address_signs", "signs")
    }
    for name, table in tables.items():
        empty = [key for key, said in table.items() if not key.strip() or not said.strip()]
        if empty:
            raise ValueError(f"{path.name}: {name} with nothing to say: {empty}")
    return Pronunciation(
        voice=str(data["voice"]["name"]),
        words_per_minute=int(data["voice"]["words_per_minute"]),
        listen_requests=tuple(str(p) for p in data["listen_requests"]),
        listen_words=tuple(str(w) for w in data["listen_words"]),
        reading_difficulties=tuple(str(p) for p in data["reading_difficulties"]),
        reading_help=str(data["reading_help"]),
        no_audio_here=str(data["no_audio_here"]),
        **tables,
    )
