"""settings.py is the one reader of the environment."""

import re

import pytest

import settings
from harness.servers import ROOT

PACKAGES = (
    "actions",
    "bench",
    "bot",
    "deploy",
    "dossiers",
    "harness",
    "referentiel",
    "speech",
    "web",
)
READS_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\benviron\b")


def test_nothing_but_settings_reads_the_environment():
    readers = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if READS_ENVIRONMENT.search(path.read_text(encoding="utf-8"))
    ]
    assert not readers


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CLEA_WEB_PORT", "")
    monkeypatch.setenv("CLEA_REDIS_HOST", "  ")
    assert settings.current().web_port == 8080
    assert settings.current().redis_host is None


def test_a_changed_variable_is_seen_at_once(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ACTIONS_PORT", "6001")
    assert settings.current().action_endpoint_url == "http://127.0.0.1:6001/webhook"
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://actions.internal/webhook")
    assert settings.current().action_endpoint_url == "http://actions.internal/webhook"
    monkeypatch.setenv("RASA_PORT", "6002")
    assert settings.current().rasa_url == "http://127.0.0.1:6002"


def test_relative_paths_are_the_project_s(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRACKER_DB_PATH", "var/other.db")
    monkeypatch.setenv("CLEA_LOG_DIR", "var/other-logs")
    assert settings.current().tracker_db_url == f"sqlite:///{ROOT / 'var' / 'other.db'}"
    assert settings.current().log_dir == ROOT / "var" / "other-logs"


def test_a_bad_value_is_refused_with_its_variable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CLEA_WEB_PORT", "huit mille")
    with pytest.raises(ValueError, match="web_port"):
        settings.current()


def test_secrets_are_not_shown_by_the_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CLEA_SECRET_KEY", "a-very-secret-key")
    current = settings.current()
    assert "a-very-secret-key" not in repr(current)
    assert current.secret("secret_key") == "a-very-secret-key"


def test_only_the_variables_given_count_as_set(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CLEA_ALLOWED_ORIGINS", "https://example.org")
    assert settings.current().is_set("allowed_origins")
    monkeypatch.delenv("CLEA_ALLOWED_ORIGINS")
    assert not settings.current().is_set("allowed_origins")
