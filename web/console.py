"""The antenne staff console: login, the antenne's pre-dossiers, taking and following them."""

import asyncio
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from aiohttp.web_request import FileField
from aiohttp_session import get_session, new_session
from babel.dates import format_datetime, get_timezone
from multidict import MultiDictProxy

from dossiers.follow_up import overdue_before, working_days_waited
from dossiers.repository import UNDONE, ListQuery, Repository, as_utc, now
from dossiers.status import LABELS, VALUES, Status, after_contact, needs_confirmation
from referentiel import load_referentiel
from referentiel.quiz import load_quiz
from web.clients import client_address
from web.export import Column, csv_header, csv_rows, export_columns, write_xlsx
from web.security import (
    LoginLimiter,
    hash_password,
    new_csrf_token,
    password_matches,
    password_problem,
    same_token,
)

AUDIT_LABELS = {
    "login_failed": "Connexion refusée",
    "account_locked": "Identifiant bloqué (trop d'échecs)",
    "client_locked": "Adresse bloquée (trop d'échecs)",
    "password_changed": "Mot de passe changé",
    "password_reset": "Nouveau mot de passe donné",
    "account_disabled": "Compte désactivé",
    "account_enabled": "Compte réactivé",
    "account_created": "Compte créé",
    "account_changed": "Compte modifié",
    "csv_export": "Export CSV",
    "xlsx_export": "Export tableur (.xlsx)",
}
AUDIT_LINES = 200
LOGIN_MAX_CHARS = 128
NAME_MAX_CHARS = 128
ADMIN = "admin"  # the antenne choice that makes an administrator
TOO_MANY_TRIES = "Trop de tentatives. Réessayez dans quelques minutes."
REPOSITORY = web.AppKey("repository", Repository)
LIMITER = web.AppKey("limiter", LoginLimiter)
routes = web.RouteTableDef()
T = TypeVar("T")
PARIS = get_timezone("Europe/Paris")


def _paris(pattern: str):
    """A date formatter in Paris time and French, "" for no date (SQLite's are naive UTC)."""

    def show(value: datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(as_utc(value), pattern, tzinfo=PARIS, locale="fr_FR")

    return show


short_date = _paris("dd/MM/y HH:mm")  # "01/12/2026 14:25": the lists
french_date = _paris("d MMMM y 'à' HH:mm")  # "1 décembre 2026 à 14:25"


async def _db(request: web.Request, call: Callable[[Repository], T]) -> T:
    """A repository call, off the event loop."""
    return await asyncio.to_thread(call, request.app[REPOSITORY])


async def _limiter(request: web.Request, call: Callable[[LoginLimiter], T]) -> T:
    """A login limiter call, off the event loop (it may talk to Redis)."""
    return await asyncio.to_thread(call, request.app[LIMITER])


async def _audit(request: web.Request, action: str, user: dict | None, subject: str = "") -> None:
    await _db(
        request,
        lambda store: store.record_audit(
            action, user["id"] if user else None, subject, client_address(request)
        ),
    )


async def _count_failure(request: web.Request, login: str, client: str | None) -> None:
    """Count a failed try of the account (and client); audit the lockouts it starts."""
    for limit in await _limiter(request, lambda limiter: limiter.failed(login, client)):
        await _audit(
            request, f"{limit}_locked", None, login if limit == "account" else client or ""
        )


async def current_user(request: web.Request) -> dict | None:
    """The logged-in account; a session of a disabled account, or older than the account's
    session version (logout, password change or reset, disabling), is ended."""
    session = await get_session(request)
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = await _db(request, lambda store: store.staff_user(user_id=user_id))
    if user is None or not user["is_active"] or session.get("version") != user["session_version"]:
        session.invalidate()
        return None
    return dict(user)


async def _start_session(request: web.Request, user_id: int, version: int) -> None:
    """A fresh session (no fixation) at the account's current session version."""
    session = await new_session(request)
    session["user_id"] = user_id
    session["version"] = version
    session["csrf"] = new_csrf_token()


async def _context(request: web.Request, user: dict | None, **values: Any) -> dict:
    session = await get_session(request)
    if "csrf" not in session:
        session["csrf"] = new_csrf_token()
    antennes = {a.id: a.name for a in load_referentiel().antennes}
    return {
        "user": user,
        "csrf": session["csrf"],
        "antennes": antennes,
        "status_labels": LABELS,
        "french_date": french_date,
        "short_date": short_date,
        "flash": session.pop("flash", None),
        **values,
    }


async def _require_user(request: web.Request, new_password_allowed: bool = False) -> dict:
    """The logged-in account; one with a one-time password is sent to choose its own
    first (the password page itself is `new_password_allowed`)."""
    user = await current_user(request)
    if user is None:
        raise web.HTTPFound("/console/login")
    if user["must_change_password"] and not new_password_allowed:
        raise web.HTTPFound("/console/password")
    return user


async def _checked_form(request: web.Request) -> MultiDictProxy[str | bytes | FileField]:
    form = await request.post()
    session = await get_session(request)
    given = form.get("csrf")
    if not same_token(session.get("csrf"), given if isinstance(given, str) else None):
        raise web.HTTPForbidden(text="Formulaire expiré : rechargez la page.")
    return form


async def _visible_dossier(request: web.Request, user: dict) -> dict:
    """The pre-dossier of the URL, only if it belongs to the user's antenne (admins: all)."""
    dossier = await _db(request, lambda store: store.get(request.match_info["reference"]))
    if dossier is None or (not user["is_admin"] and dossier["antenne_id"] != user["antenne_id"]):
        raise web.HTTPNotFound(text="Pré-dossier introuvable.")
    return dossier


@routes.get("/console/login")
@aiohttp_jinja2.template("login.html")
async def login_page(request: web.Request) -> dict:
    return await _context(request, None, error=None)


@routes.post("/console/login")
async def login(request: web.Request) -> web.StreamResponse:
    form = await _checked_form(request)
    login_tried = str(form.get("login", "")).strip()[:LOGIN_MAX_CHARS]
    client = client_address(request)
    if await _limiter(request, lambda limiter: limiter.blocked(login_tried, client)):
        context = await _context(request, None, error=TOO_MANY_TRIES)
        return aiohttp_jinja2.render_template("login.html", request, context, status=429)
    user = await _db(request, lambda store: store.staff_user(login=login_tried))
    usable = user is not None and user["is_active"]
    # Unknown and disabled accounts get a dummy verification: their answer takes as long.
    if not await asyncio.to_thread(
        password_matches, user["password_hash"] if usable else None, str(form.get("password", ""))
    ):
        await _audit(request, "login_failed", None, login_tried)
        await _count_failure(request, login_tried, client)
        context = await _context(request, None, error="Identifiant ou mot de passe incorrect.")
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    await _limiter(request, lambda limiter: limiter.succeeded(login_tried))
    await _db(request, lambda store: store.record_login(user["id"]))
    await _start_session(request, user["id"], user["session_version"])
    raise web.HTTPFound("/console")


@routes.post("/console/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """Log out, ending every session of the account (on every browser)."""
    await _checked_form(request)
    user = await current_user(request)
    if user is not None:
        await _db(request, lambda store: store.end_sessions(user["id"]))
    (await get_session(request)).invalidate()
    raise web.HTTPFound("/console/login")


PERIODS = {"7": "7 derniers jours", "30": "30 derniers jours", "365": "12 derniers mois"}
VIEWS = {
    "all": "Tous",
    "mine": "Mes dossiers",
    "unassigned": "Non attribués",
    "overdue": "En retard",
}
SORT_LABELS = {
    "received": "Reçu le",
    "status": "Statut",
    "handler": "Suivi par",
    "waiting": "Attente",
    "commune": "Commune",
    "situation": "Situation",
    "antenne": "Antenne",
}


def _filters(request: web.Request, user: dict) -> dict[str, Any]:
    """The list's filters, view, order and page from the query string, each checked
    against its known values (an unknown one is ignored)."""
    query = request.query
    situations = {s.id for s in load_referentiel().situations}
    antennes = {a.id for a in load_referentiel().antennes}
    sorts = set(SORT_LABELS) - (set() if user["is_admin"] else {"antenne"})
    page = query.get("page", "1")
    return {
        "status": query.get("status") if query.get("status") in VALUES else None,
        "situation": query.get("situation") if query.get("situation") in situations else None,
        "period": query.get("period") if query.get("period") in PERIODS else None,
        "search": query.get("q", "")[:100],
        "view": query.get("view") if query.get("view") in VIEWS else "all",
        "antenne": (
            query.get("antenne") if user["is_admin"] and query.get("antenne") in antennes else None
        ),
        "sort": query.get("sort") if query.get("sort") in sorts else "received",
        "descending": query.get("dir") != "asc",
        "page": int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
    }


def _list_query(user: dict, filters: dict[str, Any]) -> ListQuery:
    follow_up = load_referentiel().follow_up
    view = filters["view"]
    return ListQuery(
        antenne_id=filters["antenne"] if user["is_admin"] else user["antenne_id"],
        status=filters["status"],
        situation=filters["situation"],
        search=filters["search"],
        since=now() - timedelta(days=int(filters["period"])) if filters["period"] else None,
        assigned_to=user["id"] if view == "mine" else None,
        unassigned=view == "unassigned",
        overdue_before=(
            overdue_before(now(), follow_up.overdue_after_working_days)
            if view == "overdue"
            else None
        ),
        sort=filters["sort"],
        descending=filters["descending"],
    )


def _link(filters: dict[str, Any], **changes: Any) -> str:
    """The list's address with `changes` to its filters (a new filter or order: page 1)."""
    values = {**filters, "page": 1, **changes}
    params = {
        "view": values["view"] if values["view"] != "all" else None,
        "status": values["status"],
        "situation": values["situation"],
        "period": values["period"],
        "q": values["search"] or None,
        "antenne": values["antenne"],
        "sort": values["sort"] if values["sort"] != "received" else None,
        "dir": "asc" if not values["descending"] else None,
        "page": values["page"] if values["page"] > 1 else None,
    }
    return "/console?" + urlencode({k: v for k, v in params.items() if v is not None})


@routes.get("/console")
@aiohttp_jinja2.template("list.html")
async def dossier_list(request: web.Request) -> dict:
    user = await _require_user(request)
    filters = _filters(request, user)
    ref = load_referentiel()
    size = ref.follow_up.page_size
    late_before = overdue_before(now(), ref.follow_up.overdue_after_working_days)
    rows, total = await asyncio.to_thread(
        request.app[REPOSITORY].page_pre_dossiers,
        _list_query(user, filters),
        (filters["page"] - 1) * size,
        size,
    )
    if rows == [] and total and filters["page"] > 1:  # past the last page
        raise web.HTTPFound(_link(filters, page=(total - 1) // size + 1))
    counts = (
        await asyncio.to_thread(request.app[REPOSITORY].counts_by_antenne, late_before)
        if user["is_admin"]
        else {}
    )
    moment = now()
    for row in rows:
        row["late"] = row["status"] == Status.NEW.value and as_utc(row["created_at"]) < late_before
        row["waited"] = (
            working_days_waited(row["created_at"], moment)
            if row["status"] != Status.CLOSED.value
            else None
        )
    first = (filters["page"] - 1) * size + 1
    return await _context(
        request,
        user,
        dossiers=rows,
        total=total,
        first=first,
        last=first + len(rows) - 1,
        previous_page=_link(filters, page=filters["page"] - 1) if filters["page"] > 1 else None,
        next_page=_link(filters, page=filters["page"] + 1) if first + size <= total else None,
        situations={s.id: s.label for s in ref.situations},
        periods=PERIODS,
        views=VIEWS,
        outcomes=ref.follow_up.contact_outcomes,
        view_links={view: _link(filters, view=view) for view in VIEWS},
        sort_links={
            key: _link(
                filters, sort=key, descending=not (filters["sort"] == key and filters["descending"])
            )
            for key in SORT_LABELS
        },
        sort_labels=SORT_LABELS,
        counts=counts,
        export_link=_link(filters).replace("/console?", "/console/export.csv?"),
        xlsx_link=_link(filters).replace("/console?", "/console/export.xlsx?"),
        **filters,
    )


def _export(request: web.Request, query: ListQuery) -> tuple[list[Column], Iterator]:
    """The export's columns, and its rows in batches."""
    ref = load_referentiel()
    domains = [domain.id for domain in ref.domains]
    return (
        export_columns(ref, load_quiz(), LABELS),
        request.app[REPOSITORY].export_batches(query, domains),
    )


@routes.get("/console/export.csv")
async def export(request: web.Request) -> web.StreamResponse:
    """The whole filtered list as CSV, streamed batch by batch (flat memory, any size)."""
    user = await _require_user(request)
    query = _list_query(user, _filters(request, user))
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="pre-dossiers.csv"',
        }
    )
    await response.prepare(request)
    columns, batches = _export(request, query)
    await response.write(csv_header(columns).encode("utf-8"))
    sent = 0
    try:
        while batch := await asyncio.to_thread(next, batches, None):
            await response.write(csv_rows(batch, columns).encode("utf-8"))
            sent += len(batch)
        await response.write_eof()
    finally:  # an export cut short is recorded too, with the rows it sent
        await _audit(request, "csv_export", user, f"{sent} lignes {request.query_string}".strip())
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_CHUNK = 65536


@routes.get("/console/export.xlsx")
async def export_xlsx(request: web.Request) -> web.StreamResponse:
    """The whole filtered list as a spreadsheet: written to a private temporary file row by
    row, sent, then deleted."""
    user = await _require_user(request)
    query = _list_query(user, _filters(request, user))
    columns, batches = _export(request, query)
    handle, name = tempfile.mkstemp(suffix=".xlsx")  # mode 0600
    os.close(handle)
    path = Path(name)
    try:
        rows = await asyncio.to_thread(write_xlsx, batches, columns, path)
        response = web.StreamResponse(
            headers={
                "Content-Type": XLSX_TYPE,
                "Content-Disposition": 'attachment; filename="pre-dossiers.xlsx"',
            }
        )
        await response.prepare(request)
        with path.open("rb") as workbook:
            while chunk := await asyncio.to_thread(workbook.read, FILE_CHUNK):
                await response.write(chunk)
        await response.write_eof()
        await _audit(request, "xlsx_export", user, f"{rows} lignes {request.query_string}".strip())
        return response
    finally:
        path.unlink(missing_ok=True)


@routes.get("/console/d/{reference}")
@aiohttp_jinja2.template("detail.html")
async def dossier_detail(request: web.Request) -> dict:
    user = await _require_user(request)
    dossier = await _visible_dossier(request, user)
    ref, quiz = load_referentiel(), load_quiz()
    levels = {level.id: level.label for level in quiz.levels}
    quiz_lines = (
        [
            (domain.short, levels.get(dossier["quiz_levels"].get(domain.id), "—"))
            for domain in ref.domains
        ]
        if dossier["quiz_levels"]
        else []
    )
    situations = {s.id: s.label for s in ref.situations}
    staff_names = {
        account["id"]: account["name"]
        for account in await _db(request, lambda store: store.list_staff())
    }
    return await _context(
        request,
        user,
        dossier=dossier,
        quiz_lines=quiz_lines,
        staff_names=staff_names,
        undone=UNDONE,
        outcomes=ref.follow_up.contact_outcomes,
        handler=staff_names.get(dossier["assigned_to"]),
        situation=situations.get(dossier["situation"] or "", "—"),
    )


async def _flash(
    request: web.Request, text: str, kind: str = "done", undo: int | None = None
) -> None:
    """A message shown once, on the next page: what an action did (and its undo)."""
    (await get_session(request))["flash"] = {"text": text, "kind": kind, "undo": undo}


def _detail(reference: str) -> web.HTTPFound:
    return web.HTTPFound(f"/console/d/{reference}")


async def _confirm(
    request: web.Request,
    user: dict,
    dossier: dict,
    question: str,
    action: str,
    fields: dict[str, str],
) -> web.Response:
    """The page that asks before an action that is hard to take back."""
    context = await _context(
        request, user, dossier=dossier, question=question, action=action, fields=fields
    )
    return aiohttp_jinja2.render_template("confirm.html", request, context)


@routes.post("/console/d/{reference}/take")
async def take(request: web.Request) -> web.StreamResponse:
    """ "Je m'en occupe": the request is the user's, and "Pris en charge"."""
    user = await _require_user(request)
    await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    if await _db(request, lambda store: store.take(dossier["reference"], user["id"])):
        await _flash(request, "Vous suivez ce pré-dossier. Son statut est « Pris en charge ».")
    else:
        await _flash(request, "Quelqu'un d'autre vient de le prendre en charge.", "error")
    raise _detail(dossier["reference"])


@routes.post("/console/d/{reference}/note")
async def add_note(request: web.Request) -> web.StreamResponse:
    user = await _require_user(request)
    form = await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    text = str(form.get("note", "")).strip()[:2000]
    if text:
        await _db(request, lambda store: store.add_note(dossier["reference"], user["id"], text))
        await _flash(request, "Note ajoutée.")
    else:
        await _flash(request, "La note est vide : rien n'est ajouté.", "error")
    raise _detail(dossier["reference"])


@routes.post("/console/d/{reference}/contact")
async def log_contact(request: web.Request) -> web.StreamResponse:
    """A try to reach the candidate, in the call log."""
    user = await _require_user(request)
    form = await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    follow_up = load_referentiel().follow_up
    outcome = str(form.get("outcome", ""))
    if outcome not in follow_up.contact_outcomes:
        await _flash(request, "Choisissez le résultat de l'appel.", "error")
        raise _detail(dossier["reference"])
    reached = outcome == follow_up.reached_outcome
    comment = str(form.get("comment", "")).strip()[:1000]
    await _db(
        request,
        lambda store: store.log_contact(
            dossier["reference"], user["id"], outcome, comment, reached
        ),
    )
    text = f"Appel noté : « {follow_up.contact_outcomes[outcome]} »."
    after = after_contact(dossier["status"]).value
    if reached and after != dossier["status"]:
        text += f" Le statut passe à « {LABELS[after]} »."
    await _flash(request, text)
    raise _detail(dossier["reference"])


@routes.post("/console/d/{reference}/reassign")
async def reassign(request: web.Request) -> web.StreamResponse:
    """Send the request to another antenne, after a confirmation; undoable for a while."""
    user = await _require_user(request)
    form = await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    antennes = {a.id: a for a in load_referentiel().antennes}
    antenne_id = str(form.get("antenne", ""))
    if antenne_id not in antennes or antenne_id == dossier["antenne_id"]:
        await _flash(request, "Choisissez l'antenne à qui confier ce pré-dossier.", "error")
        raise _detail(dossier["reference"])
    target = antennes[antenne_id]
    if form.get("confirmed") != "1":
        return await _confirm(
            request,
            user,
            dossier,
            f"Confier {dossier['reference']} à l'antenne {target.of_name} ? "
            "Il quittera la liste de votre antenne.",
            "reassign",
            {"antenne": antenne_id},
        )
    line = await _db(
        request, lambda store: store.reassign(dossier["reference"], user["id"], antenne_id)
    )
    await _flash(
        request, f"{dossier['reference']} est confié à l'antenne {target.of_name}.", undo=line
    )
    raise web.HTTPFound("/console")


@routes.post("/console/d/{reference}/status")
async def change_status(request: web.Request) -> web.StreamResponse:
    """A new status; going back to "Nouveau" and closing are confirmed, and undoable."""
    user = await _require_user(request)
    form = await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    status = str(form.get("status", ""))
    if status not in VALUES:
        raise web.HTTPBadRequest(text="Statut inconnu.")
    reason = str(form.get("reason", "")).strip()[:1000]
    if status == dossier["status"]:
        await _flash(request, f"Le statut est déjà « {LABELS[status]} ».", "error")
        raise _detail(dossier["reference"])
    if needs_confirmation(dossier["status"], status) and form.get("confirmed") != "1":
        return await _confirm(
            request,
            user,
            dossier,
            f"Passer {dossier['reference']} de « {LABELS[dossier['status']]} » "
            f"à « {LABELS[status]} » ?",
            "status",
            {"status": status, "reason": reason},
        )
    line = await _db(
        request, lambda store: store.change_status(dossier["reference"], user["id"], status, reason)
    )
    await _flash(
        request,
        f"Statut changé : « {LABELS[status]} ».",
        undo=line if needs_confirmation(dossier["status"], status) else None,
    )
    raise _detail(dossier["reference"])


@routes.post(r"/console/undo/{line:\d+}")
async def undo(request: web.Request) -> web.StreamResponse:
    """Undo one's own last status change or reassignment, for a few minutes."""
    user = await _require_user(request)
    await _checked_form(request)
    minutes = load_referentiel().follow_up.undo_minutes
    undone = await _db(
        request,
        lambda store: store.undo(
            int(request.match_info["line"]), user["id"], now() - timedelta(minutes=minutes)
        ),
    )
    if undone is None:
        await _flash(
            request,
            "Ce changement ne peut plus être annulé : changez-le à nouveau depuis le pré-dossier.",
            "error",
        )
        raise web.HTTPFound("/console")
    if undone["kind"] == "status":
        await _flash(
            request, f"Annulé : le statut est de nouveau « {LABELS[undone['restored']]} »."
        )
    else:
        antennes = {a.id: a.of_name for a in load_referentiel().antennes}
        await _flash(
            request,
            f"Annulé : {undone['reference']} est de nouveau à l'antenne "
            f"{antennes.get(undone['restored'], undone['restored'])}.",
        )
    raise _detail(undone["reference"])


@routes.get("/console/password")
@aiohttp_jinja2.template("password.html")
async def password_page(request: web.Request) -> dict:
    user = await _require_user(request, new_password_allowed=True)
    first = (
        "Votre mot de passe a été donné par l'administrateur : choisissez le vôtre."
        if user["must_change_password"]
        else None
    )
    return await _context(request, user, message=first)


@routes.post("/console/password")
async def change_password(request: web.Request) -> web.StreamResponse:
    """Change one's password: tries of the current one count as failed logins of the account;
    the other sessions of the account end, this one goes on."""
    user = await _require_user(request, new_password_allowed=True)
    form = await _checked_form(request)
    new = str(form.get("new", ""))
    status = 200
    if await _limiter(request, lambda limiter: limiter.blocked(user["login"])):
        message, status = TOO_MANY_TRIES, 429
    elif not await asyncio.to_thread(
        password_matches, user["password_hash"], str(form.get("current", ""))
    ):
        await _count_failure(request, user["login"], None)
        message = "Le mot de passe actuel est incorrect."
    elif problem := password_problem(new, user["login"], user["name"]):
        message = problem
    else:
        new_hash = await asyncio.to_thread(hash_password, new)
        version = await _db(request, lambda store: store.set_password(user["id"], new_hash))
        if version is None:  # the account is gone
            raise web.HTTPFound("/console/login")
        await _limiter(request, lambda limiter: limiter.succeeded(user["login"]))
        await _audit(request, "password_changed", user, user["login"])
        await _start_session(request, user["id"], version)
        message = "Votre mot de passe est changé."
    return aiohttp_jinja2.render_template(
        "password.html", request, await _context(request, user, message=message), status=status
    )


async def _require_admin(request: web.Request) -> dict:
    user = await _require_user(request)
    if not user["is_admin"]:
        raise web.HTTPNotFound(text="Page introuvable.")
    return user


async def _staff_page(
    request: web.Request, admin: dict, status: int = 200, **values: Any
) -> web.Response:
    context = await _context(
        request, admin, accounts=await _db(request, lambda store: store.list_staff()), **values
    )
    return aiohttp_jinja2.render_template("staff.html", request, context, status=status)


async def _account_of_url(request: web.Request) -> dict:
    """The staff account of the URL, or 404."""
    account = await _db(
        request, lambda store: store.staff_user(user_id=int(request.match_info["user_id"]))
    )
    if account is None:
        raise web.HTTPNotFound(text="Compte introuvable.")
    return dict(account)


@routes.get("/console/staff")
async def staff_page(request: web.Request) -> web.Response:
    return await _staff_page(request, await _require_admin(request))


async def _admin_acts_on_account(request: web.Request) -> tuple[dict, dict]:
    """The admin posting a checked form about the account of the URL, and that account."""
    admin = await _require_admin(request)
    await _checked_form(request)
    return admin, await _account_of_url(request)


@routes.post(r"/console/staff/{user_id:\d+}/disable")
async def disable_account(request: web.Request) -> web.StreamResponse:
    """Disable an account, which ends its sessions; never one's own."""
    admin, account = await _admin_acts_on_account(request)
    if account["id"] == admin["id"]:
        return await _staff_page(
            request, admin, status=400, message="Vous ne pouvez pas désactiver votre propre compte."
        )
    await _db(request, lambda store: store.set_staff_active(account["id"], False))
    await _audit(request, "account_disabled", admin, account["login"])
    raise web.HTTPFound("/console/staff")


@routes.post(r"/console/staff/{user_id:\d+}/enable")
async def enable_account(request: web.Request) -> web.StreamResponse:
    """Enable a disabled account again (its old sessions stay ended)."""
    admin, account = await _admin_acts_on_account(request)
    await _db(request, lambda store: store.set_staff_active(account["id"], True))
    await _audit(request, "account_enabled", admin, account["login"])
    raise web.HTTPFound("/console/staff")


@routes.post("/console/staff")
async def create_account(request: web.Request) -> web.StreamResponse:
    """A new account, with a one-time password shown once to the admin."""
    admin = await _require_admin(request)
    form = await _checked_form(request)
    login_given = str(form.get("login", "")).strip()[:LOGIN_MAX_CHARS]
    name = str(form.get("name", "")).strip()[:NAME_MAX_CHARS]
    antenne = str(form.get("antenne", ""))
    antennes = {a.id for a in load_referentiel().antennes}
    problem = (
        "Donnez un identifiant et un nom."
        if not login_given or not name
        else "Choisissez l'antenne, ou « Administrateur »."
        if antenne not in antennes | {ADMIN}
        else f"L'identifiant {login_given} existe déjà."
        if await _db(request, lambda store: store.staff_user(login=login_given))
        else None
    )
    if problem:
        return await _staff_page(request, admin, status=400, message=problem)
    password = secrets.token_urlsafe(12)
    password_hash = await asyncio.to_thread(hash_password, password)
    await _db(
        request,
        lambda store: store.create_staff_user(
            login_given,
            name,
            password_hash,
            None if antenne == ADMIN else antenne,
            antenne == ADMIN,
            True,
        ),
    )
    await _audit(request, "account_created", admin, login_given)
    return await _staff_page(
        request,
        admin,
        new_password=password,
        reset_login=login_given,
        done=f"Compte {login_given} créé.",
    )


@routes.post(r"/console/staff/{user_id:\d+}/edit")
async def edit_account(request: web.Request) -> web.StreamResponse:
    """Change an account's name, and the antenne of a staff member."""
    admin = await _require_admin(request)
    form = await _checked_form(request)
    account = await _account_of_url(request)
    name = str(form.get("name", "")).strip()[:NAME_MAX_CHARS]
    antenne = str(form.get("antenne", "")) or None
    if not name or (antenne and antenne not in {a.id for a in load_referentiel().antennes}):
        return await _staff_page(
            request, admin, status=400, message="Donnez un nom et une antenne connue."
        )
    await _db(request, lambda store: store.update_staff(account["id"], name, antenne))
    await _audit(request, "account_changed", admin, account["login"])
    await _flash(request, f"Compte {account['login']} modifié.")
    raise web.HTTPFound("/console/staff")


@routes.post(r"/console/staff/{user_id:\d+}/reset")
async def reset_password(request: web.Request) -> web.StreamResponse:
    """A new random password for the account, shown once (never cached); its sessions end."""
    admin, account = await _admin_acts_on_account(request)
    new_password = secrets.token_urlsafe(12)
    new_hash = await asyncio.to_thread(hash_password, new_password)
    await _db(request, lambda store: store.set_password(account["id"], new_hash, True))
    await _audit(request, "password_reset", admin, account["login"])
    return await _staff_page(
        request, admin, new_password=new_password, reset_login=account["login"]
    )


@routes.get("/console/audit")
@aiohttp_jinja2.template("audit.html")
async def audit_page(request: web.Request) -> dict:
    """The last lines of the audit trail, newest first; admins only."""
    admin = await _require_admin(request)
    return await _context(
        request,
        admin,
        entries=await _db(request, lambda store: store.list_audit(AUDIT_LINES)),
        audit_labels=AUDIT_LABELS,
    )
