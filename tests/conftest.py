"""Shared fixtures: the trained model and the real servers for end-to-end tests."""

from pathlib import Path
from typing import Iterator

import pytest

from helpers import MODEL, Servers
from store_fixture import repository  # noqa: F401  (the fixture, for every test folder)


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
