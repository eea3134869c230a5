"""Buttons of referentiel/responses.yml that actions add to their messages."""

from functools import lru_cache
from pathlib import Path

import yaml

TEMPLATES_FILE = Path(__file__).with_name("responses.yml")


@lru_cache(maxsize=1)
def _templates() -> dict:
    with TEMPLATES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def button(key: str) -> dict[str, str]:
    """A button of responses.yml by its key ("menu", "something_else")."""
    return dict(_templates()["buttons"][key])


def suggestion(intent: str) -> dict[str, str] | None:
    """The button that stands for an intent in "Vouliez-vous dire… ?", if it has one."""
    key = _templates()["suggestions"].get(intent)
    return button(key) if key else None
