"""Answers that state a rule say what the client's page says (table: facts.yml)."""

from pathlib import Path

import pytest
import yaml

from harness.servers import ROOT

FACTS = yaml.safe_load(Path(__file__).with_name("facts.yml").read_text(encoding="utf-8"))
RESPONSES = yaml.safe_load((ROOT / "bot" / "domain" / "responses.yml").read_text())["responses"]


def texts_of(name: str) -> list[str]:
    return [" ".join(variant["text"].split()) for variant in RESPONSES[name]]


@pytest.mark.parametrize(
    "row", FACTS, ids=[f"{row['response']}-{n}" for n, row in enumerate(FACTS)]
)
def test_the_answer_says_what_the_source_says(row: dict):
    assert row["source"]
    for text in texts_of(row["response"]):
        assert [phrase for phrase in row["required"] if phrase not in text] == [], text
        assert [phrase for phrase in row["forbidden"] if phrase in text] == [], text
