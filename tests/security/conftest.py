"""The console fixtures (tests/console_fixture.py) for every security test."""
