"""Rasa's own checks on the project: data validation, the test stories, and the
conversations in people's own words (NLU and dialogue together)."""

import re
import subprocess
from pathlib import Path

import yaml

from harness.servers import RASA, ROOT, rasa_env

# Warnings `rasa data validate` gives on purpose; README.md explains them.
UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
CHANNEL_ONLY_INTENTS = ("The intent 'message_too_long' is listed in the domain file",)
SENT_BY_RASA = ("utter_restart",)  # Rasa's action_restart sends it after "/restart"
CONVERSATIONS = ROOT / "tests" / "conversations" / "test_conversations.yml"


def responses_sent_by_actions() -> tuple[str, ...]:
    """Response names (or their f-string prefixes) that custom actions, forms and channels send."""
    source = "\n".join(
        path.read_text()
        for folder in ("actions", "bot/channels")
        for path in (ROOT / folder).glob("*.py")
    )
    domain = yaml.safe_load((ROOT / "bot" / "domain" / "intents.yml").read_text())
    asked_by_forms = [
        f"utter_ask_{slot}"
        for form in domain.get("forms", {}).values()
        for slot in form["required_slots"]
    ]
    return tuple(
        set(re.findall(r"[\"'](utter_\w+)", source)) | set(asked_by_forms) | set(SENT_BY_RASA)
    )


def _rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RASA), *args], cwd=ROOT, env=rasa_env(), capture_output=True, text=True
    )


def test_data_validates_with_only_the_documented_warnings():
    result = _rasa(
        "data", "validate", "--config", "config.yml", "--domain", "bot/domain", "--data", "data"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    warnings = [line for line in output.splitlines() if "UserWarning" in line]
    sent_by_actions = responses_sent_by_actions()
    unexpected = [
        warning
        for warning in warnings
        if not any(intent in warning for intent in CHANNEL_ONLY_INTENTS)
        and not (
            (unused := UNUSED_RESPONSE.search(warning))
            and unused.group(1).startswith(sent_by_actions)
        )
    ]
    assert not unexpected


def test_stories_are_predicted_without_error(model: Path, tmp_path: Path):
    result = _rasa(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        "tests/stories",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
        "--no-plot",
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "story:" not in failed


def test_conversations_in_people_s_words_are_understood_and_answered(model: Path, tmp_path: Path):
    """NLU and dialogue together (`--e2e`): each message of tests/conversations/ is read
    by the model, its intent and places checked, then the next actions."""
    result = _rasa(
        "test",
        "core",
        "--e2e",
        "--model",
        str(model),
        "--stories",
        "tests/conversations",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
        "--no-plot",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    stories = len(yaml.safe_load(CONVERSATIONS.read_text(encoding="utf-8"))["stories"])
    assert re.search(r"Correct:\s+(\d+) / (\d+)", output).groups() == (str(stories),) * 2
