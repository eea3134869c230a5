"""Working days for following requests up: when a "Nouveau" request is late, and how long
each request has waited (Monday to Friday, counted by numpy's business-day calendar)."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import numpy

PARIS = ZoneInfo("Europe/Paris")


def _paris_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(PARIS).date()


def overdue_before(moment: datetime, working_days: int) -> datetime:
    """Requests received before this instant have waited more than `working_days` working
    days at `moment` (the start, in Paris, of the working day that many days back)."""
    day = numpy.busday_offset(_paris_day(moment), -working_days, roll="backward")
    start = datetime.combine(day.astype(date), time(0), tzinfo=PARIS)
    return start.astimezone(timezone.utc)


def working_days_waited(received: datetime, moment: datetime) -> int:
    """Working days from the day a request was received to the day of `moment`."""
    return int(numpy.busday_count(_paris_day(received), _paris_day(moment)))
