"""Rasa's own checks on the project: data validation and the test stories."""

import subprocess
from pathlib import Path

from helpers import RASA, ROOT, rasa_env

# Warnings `rasa data validate` gives on purpose; README.md explains each.
EXPECTED_WARNING_SUBJECTS = ("utter_domain_", "utter_ask_which_domain", "'message_too_long'")


def _rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RASA), *args], cwd=ROOT, env=rasa_env(), capture_output=True, text=True
    )


def test_data_validates_with_only_the_documented_warnings():
    result = _rasa("data", "validate", "--config", "config.yml",
                   "--domain", "bot/domain", "--data", "data")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    warnings = [line for line in output.splitlines() if "UserWarning" in line]
    unexpected = [w for w in warnings if not any(s in w for s in EXPECTED_WARNING_SUBJECTS)]
    assert not unexpected


def test_stories_are_predicted_without_error(model: Path, tmp_path: Path):
    result = _rasa("test", "core", "--model", str(model), "--stories", "tests/stories",
                   "--fail-on-prediction-errors", "--out", str(tmp_path), "--no-plot")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "story:" not in failed
