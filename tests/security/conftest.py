"""The console fixtures (tests/console_fixture.py) for every security test."""

from console_fixture import console, store  # noqa: F401  (the fixtures)
