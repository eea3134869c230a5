import pytest

from web.export import neutralise


@pytest.mark.parametrize("value", ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_would_run_as_formulas_are_neutralised(value: str):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(("value", "expected"), [("Léa", "Léa"), (None, ""), (59000, "59000")])
def test_other_cells_are_kept(value, expected):
    assert neutralise(value) == expected
