"""The dashboard: an antenne's (or, for the admin, the region's or one antenne's) requests
at a glance. Each chart is an SVG image drawn on the server (web/charts.py), with its data
as a table beside it for screen readers."""

import asyncio
import statistics
import time
from datetime import datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from babel.dates import format_date
from babel.numbers import format_decimal

from dossiers.follow_up import PARIS, overdue_before
from dossiers.repository import now
from dossiers.status import LABELS, VALUES
from referentiel import load_referentiel
from referentiel.quiz import load_quiz
from web import charts
from web.console import REPOSITORY, _context, _require_user

WEEKS = 12
# A page's charts are drawn from the figures its tables show, when they are this recent.
CHART_REUSE_SECONDS = 60
SHOWN_FIGURES = web.AppKey("shown_figures", dict)  # antenne (or None) -> (monotonic, figures)
routes = web.RouteTableDef()


def _scope(request: web.Request, user: dict) -> str | None:
    """The antenne shown: the staff member's own; the admin's choice (None: the region)."""
    if not user["is_admin"]:
        return user["antenne_id"]
    chosen = request.query.get("antenne")
    return chosen if chosen in {a.id for a in load_referentiel().antennes} else None


def week_starts(today: datetime, weeks: int = WEEKS) -> list[datetime]:
    """The Mondays (Paris) of the last `weeks` weeks, this one last."""
    day = today.astimezone(PARIS).date()
    monday = day - timedelta(days=day.weekday())
    return [
        datetime.combine(monday - timedelta(weeks=back), datetime.min.time(), tzinfo=PARIS)
        for back in range(weeks - 1, -1, -1)
    ]


async def figures(request: web.Request, antenne_id: str | None) -> dict[str, Any]:
    """Every figure of the dashboard, as (label, value) rows per table."""
    ref, quiz = load_referentiel(), load_quiz()
    moment = now()
    weeks = week_starts(moment)
    data = await asyncio.to_thread(
        request.app[REPOSITORY].dashboard,
        antenne_id,
        weeks[0],
        overdue_before(moment, ref.follow_up.overdue_after_working_days),
        quiz.levels[0].id,
    )
    per_week = [
        sum(1 for received in data["received"] if start <= received < start + timedelta(weeks=1))
        for start in weeks
    ]
    situations = {s.id: s.label for s in ref.situations}
    waits = data["hours_to_first_contact"]
    weak_total = {domain.id: 0 for domain in ref.domains}
    for by_domain in data["weak_domains"].values():
        for domain, count in by_domain.items():
            weak_total[domain] = weak_total.get(domain, 0) + count
    return {
        "weeks": [
            (f"sem. du {format_date(start, 'd MMM', locale='fr_FR')}", count)
            for start, count in zip(weeks, per_week)
        ],
        "statuses": [(LABELS[status], data["by_status"].get(status, 0)) for status in VALUES],
        "situations": [
            (label, data["by_situation"].get(situation, 0))
            for situation, label in situations.items()
        ]
        + [("Non précisée", data["by_situation"].get(None, 0))],
        "domains": [(domain.short, weak_total.get(domain.id, 0)) for domain in ref.domains],
        "domains_by_antenne": {
            antenne.name: [
                data["weak_domains"].get(antenne.id, {}).get(domain.id, 0) for domain in ref.domains
            ]
            for antenne in ref.antennes
            if not antenne_id or antenne.id == antenne_id
        },
        "late": data["late"],
        "contacted": len(waits),
        "median_hours": statistics.median(waits) if waits else None,
        "p90_hours": statistics.quantiles(waits, n=10)[-1] if len(waits) >= 2 else None,
    }


def duration(hours: float | None) -> str:
    """ "5 h" under two days, "3,5 jours" beyond."""
    if hours is None:
        return "—"
    if hours < 48:
        return f"{format_decimal(round(hours, 1), locale='fr_FR')} h"
    return f"{format_decimal(round(hours / 24, 1), locale='fr_FR')} jours"


@routes.get("/console/dashboard")
@aiohttp_jinja2.template("dashboard.html")
async def dashboard_page(request: web.Request) -> dict:
    user = await _require_user(request)
    antenne_id = _scope(request, user)
    ref = load_referentiel()
    shown = await figures(request, antenne_id)
    request.app[SHOWN_FIGURES][antenne_id] = (time.monotonic(), shown)
    return await _context(
        request,
        user,
        figures=shown,
        scope=antenne_id,
        duration=duration,
        domains=[d.short for d in ref.domains],
        overdue_days=ref.follow_up.overdue_after_working_days,
        query=f"?antenne={antenne_id}" if user["is_admin"] and antenne_id else "",
    )


CHARTS = {
    "weeks": (charts.columns, "pré-dossiers reçus"),
    "statuses": (charts.bars, "pré-dossiers"),
    "situations": (charts.bars, "pré-dossiers"),
    "domains": (charts.bars, "candidats à former"),
}


@routes.get(r"/console/dashboard/{chart:(weeks|statuses|situations|domains)}.svg")
async def chart(request: web.Request) -> web.Response:
    """One chart as an SVG image, from the figures the dashboard page just showed (or
    fresh ones when none are recent). Its inline styles are matplotlib's; as an image it runs
    nothing, and the pages that show it keep their strict policy."""
    user = await _require_user(request)
    antenne_id = _scope(request, user)
    shown_at, shown = request.app[SHOWN_FIGURES].get(antenne_id, (0.0, None))
    if shown is None or time.monotonic() - shown_at > CHART_REUSE_SECONDS:
        shown = await figures(request, antenne_id)
    rows = shown[request.match_info["chart"]]
    draw, unit = CHARTS[request.match_info["chart"]]
    svg = await asyncio.to_thread(
        draw, tuple(label for label, _ in rows), tuple(value for _, value in rows), unit
    )
    return web.Response(
        body=svg,
        content_type="image/svg+xml",
        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )
