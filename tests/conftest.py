"""Shared fixtures: the trained model and the real servers for end-to-end tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.servers import MODEL, Servers

# Fixtures for every test folder: the pre-dossier store, the console, an SMTP server.
pytest_plugins = ("known_warnings", "store_fixture", "console_fixture", "smtp_fixture")


@pytest.fixture(scope="session")
def model() -> Path:
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run the tests with `make test`.")
    return MODEL


@pytest.fixture(scope="session")
def servers(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    running = Servers(tmp_path_factory.mktemp("servers"), model)
    try:
        running.start()
        yield running
    finally:
        running.stop()
