"""Working days: when a "Nouveau" request is late, and how long a request has waited."""

from datetime import datetime, timezone

from dossiers.follow_up import overdue_before, working_days_waited

WEDNESDAY = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
SATURDAY = datetime(2026, 12, 5, 10, tzinfo=timezone.utc)


def test_late_after_two_working_days_weekends_left_out():
    # Wednesday: what came before Monday (Paris midnight) has waited more than 2 working days.
    assert overdue_before(WEDNESDAY, 2) == datetime(2026, 11, 29, 23, tzinfo=timezone.utc)
    # Saturday counts from Friday: before Wednesday.
    assert overdue_before(SATURDAY, 2) == datetime(2026, 12, 1, 23, tzinfo=timezone.utc)


def test_days_waited_count_working_days_only():
    friday = datetime(2026, 11, 27, 16, tzinfo=timezone.utc)
    assert working_days_waited(friday, WEDNESDAY) == 3
    assert working_days_waited(WEDNESDAY, WEDNESDAY) == 0
    assert working_days_waited(friday, datetime(2026, 11, 29, 12, tzinfo=timezone.utc)) == 1
