"""What a person sees of the NLU: each message parsed by the trained model as the Rasa
server parses it (normaliser, place extractor and fallback included), a fallback counted as a miss.

`rasa test nlu` undoes the fallback before scoring (it scores the intent the fallback
replaced), which overstates what people get; this does not.
"""

import asyncio
import difflib
import json
import logging
import re
from collections import Counter
from pathlib import Path

import yaml
from rasa.core.agent import Agent
from rasa.utils.log_utils import configure_structlog
from sklearn.metrics import f1_score

from referentiel.build_territory import place_extractor_setting
from referentiel.clauses import requests
from referentiel.normalise import normalise
from referentiel.text import fold

FALLBACK = "nlu_fallback"
ROUTED = "give_location"
ROUTE_INTENTS = place_extractor_setting("route_intents") - {ROUTED}
CALL_BACK_STEMS = ("rappel", "recontact")
ROOT = Path(__file__).resolve().parent.parent


def quiet_parsing() -> None:
    """No line logged per message parsed (Rasa's debug log, on by default outside its CLI)."""
    configure_structlog(logging.WARNING)


def examples(path: Path) -> list[tuple[str, str]]:
    """(intent, text) of a Rasa YAML NLU file."""
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


def normalised(text: str) -> str:
    """Folded words only; a message of symbols alone keeps its symbols."""
    folded = fold(text)
    return re.sub(r"[^a-z0-9]+", " ", folded).strip() or folded.replace(" ", "")


def near_duplicates(texts: list[str], known: list[str], threshold: float = 0.85) -> list[tuple]:
    """(text, known text, similarity) for each pair at least `threshold` alike."""
    known_normalised = sorted({normalised(k) for k in known})
    found = []
    for text in texts:
        matcher = difflib.SequenceMatcher(b=normalised(text), autojunk=False)
        for candidate in known_normalised:
            matcher.set_seq1(candidate)
            if (
                matcher.real_quick_ratio() >= threshold
                and matcher.quick_ratio() >= threshold
                and matcher.ratio() >= threshold
            ):
                found.append((text, candidate, round(matcher.ratio(), 2)))
    return found


def parse_all(model: Path, texts: list[str]) -> list[list[dict]]:
    """The server's parse of each text's requests: one, or two when the channels hand
    them over apart (referentiel/clauses.py)."""
    quiet_parsing()

    async def parse() -> list[list[dict]]:
        agent = Agent.load(str(model))
        return [await parse_requests(agent, text) for text in texts]

    return asyncio.run(parse())


async def parse_requests(agent: Agent, text: str) -> list[dict]:
    """The parse of each of a message's requests, in order."""
    parsed = []
    for part in requests(text):
        parsed.append(await agent.parse_message(part))
    return parsed


def asks_a_call_back(text: str) -> bool:
    """ "rappelez moi", "jveux qu'on me rappelle", "être recontacté"."""
    return any(word.startswith(CALL_BACK_STEMS) for word in normalise(text).split())


def _answered_as(parse: dict, expected: str) -> str:
    intent = (parse.get("intent") or {}).get("name") or FALLBACK
    names_place = any(e.get("entity") == "place" for e in parse.get("entities") or [])
    if intent == ROUTED and names_place and expected in ROUTE_INTENTS:
        return expected
    if (expected, intent) == ("contact_human", "want_register") and asks_a_call_back(
        parse.get("text") or ""
    ):
        return expected
    return intent


def answered_as(parses: list[dict], expected: str) -> str:
    """The intent the assistant answers, as the person asked it.

    A message of a routing intent that names a place ("quelle antenne pour Lens ?",
    "bonjour, Arras") is answered with that place's antenne, by design (config.yml,
    route_intents): the same answer as give_location, which is what the person asked for.
    A request to be called back, labelled contact_human in sets written before issue 13,
    is answered as issue 13 asks: the pre-dossier, whose antenne calls back (want_register).
    A message of two requests is answered twice: right when the expected answer is one
    of the two and neither is "Vouliez-vous dire… ?"."""
    intents = [_answered_as(parse, expected) for parse in parses]
    if expected in intents and FALLBACK not in intents:
        return expected
    return next(intent for intent in intents if intent != expected)


def summarise(labelled: list[tuple[str, str]], parsed: list[list[dict]]) -> dict:
    """Accuracy, fallback rate, macro-F1, per-intent F1 and the errors, as a person sees them."""
    expected = [intent for intent, _ in labelled]
    predicted = [answered_as(p, want) for p, want in zip(parsed, expected)]
    labels = sorted(set(expected))
    per_intent = f1_score(expected, predicted, labels=labels, average=None, zero_division=0)
    errors = [
        {"text": text, "expected": want, "predicted": got}
        for (want, text), got in zip(labelled, predicted)
        if got != want
    ]
    return {
        "messages": len(labelled),
        "read_as_two_requests": sum(len(parses) > 1 for parses in parsed),
        "accuracy": round(sum(e == p for e, p in zip(expected, predicted)) / len(labelled), 4),
        "fallback_rate": round(predicted.count(FALLBACK) / len(labelled), 4),
        "macro_f1": round(float(per_intent.mean()), 4),
        "per_intent_f1": {label: round(float(f1), 3) for label, f1 in zip(labels, per_intent)},
        "confusion_pairs": dict(
            Counter(f"{e['expected']} -> {e['predicted']}" for e in errors).most_common()
        ),
        "errors": errors,
    }


def write_report(summary: dict, name: str, title: str) -> str:
    """reports/<name>.json and .txt; the text's first line."""
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    (reports / f"{name}.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    first = (
        f"{title}: accuracy {summary['accuracy']:.3f}, fallback rate "
        f"{summary['fallback_rate']:.3f}, macro-F1 {summary['macro_f1']:.3f} "
        f"({summary['messages']} messages, {summary['read_as_two_requests']} read as two "
        f"requests, as a person sees them: a fallback is a miss)"
    )
    lines = [
        first,
        "per-intent F1: " + ", ".join(f"{k} {v:.2f}" for k, v in summary["per_intent_f1"].items()),
        "confusion pairs: "
        + ", ".join(f"{k} ({v})" for k, v in summary["confusion_pairs"].items()),
    ]
    (reports / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return first
