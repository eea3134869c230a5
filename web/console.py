"""The antenne staff console: login, the antenne's pre-dossiers, taking and following them."""

import asyncio
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session, new_session
from babel.dates import format_datetime

from dossiers.models import STATUSES
from dossiers.repository import Repository, now
from referentiel import load_referentiel
from referentiel.quiz import load_quiz
from web.clients import client_address
from web.export import to_csv
from web.security import (
    LoginLimiter, hash_password, new_csrf_token, password_matches, password_problem, same_token,
)

STATUS_LABELS = {
    "nouveau": "Nouveau",
    "pris_en_charge": "Pris en charge",
    "contacte": "Contacté",
    "oriente": "Orienté vers un évaluateur",
    "clos": "Clos",
}
AUDIT_LABELS = {
    "login_failed": "Connexion refusée",
    "account_locked": "Identifiant bloqué (trop d'échecs)",
    "client_locked": "Adresse bloquée (trop d'échecs)",
    "password_changed": "Mot de passe changé",
    "password_reset": "Nouveau mot de passe donné",
    "account_disabled": "Compte désactivé",
    "account_enabled": "Compte réactivé",
    "csv_export": "Export CSV",
}
AUDIT_LINES = 200
LOGIN_MAX_CHARS = 128
TOO_MANY_TRIES = "Trop de tentatives. Réessayez dans quelques minutes."
REPOSITORY = web.AppKey("repository", Repository)
LIMITER = web.AppKey("limiter", LoginLimiter)
routes = web.RouteTableDef()


def french_date(value: Optional[datetime]) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return format_datetime(value, "d MMMM y 'à' HH:mm", tzinfo="Europe/Paris", locale="fr_FR")


async def _db(request: web.Request, method: str, *args, **kwargs):
    """A repository call, off the event loop."""
    repository = request.app[REPOSITORY]
    return await asyncio.to_thread(getattr(repository, method), *args, **kwargs)


async def _limiter(request: web.Request, method: str, *args):
    """A login limiter call, off the event loop (it may talk to Redis)."""
    return await asyncio.to_thread(getattr(request.app[LIMITER], method), *args)


async def _audit(request: web.Request, action: str, user: Optional[dict], subject: str = "") -> None:
    await _db(request, "record_audit", action, user["id"] if user else None, subject,
              client_address(request))


async def _count_failure(request: web.Request, login: str, client: Optional[str]) -> None:
    """Count a failed try of the account (and client); audit the lockouts it starts."""
    for limit in await _limiter(request, "failed", login, client):
        await _audit(request, f"{limit}_locked", None, login if limit == "account" else client)


async def current_user(request: web.Request) -> Optional[dict]:
    """The logged-in account; a session of a disabled account, or older than the account's
    session version (logout, password change or reset, disabling), is ended."""
    session = await get_session(request)
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = await _db(request, "staff_user", user_id=user_id)
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


async def _context(request: web.Request, user: Optional[dict], **values: Any) -> dict:
    session = await get_session(request)
    if "csrf" not in session:
        session["csrf"] = new_csrf_token()
    antennes = {a.id: a.name for a in load_referentiel().antennes}
    return {"user": user, "csrf": session["csrf"], "antennes": antennes,
            "status_labels": STATUS_LABELS, "french_date": french_date, **values}


async def _require_user(request: web.Request) -> dict:
    user = await current_user(request)
    if user is None:
        raise web.HTTPFound("/console/login")
    return user


async def _checked_form(request: web.Request) -> dict:
    form = await request.post()
    session = await get_session(request)
    if not same_token(session.get("csrf"), form.get("csrf")):
        raise web.HTTPForbidden(text="Formulaire expiré : rechargez la page.")
    return form


async def _visible_dossier(request: web.Request, user: dict) -> dict:
    """The pre-dossier of the URL, only if it belongs to the user's antenne (admins: all)."""
    dossier = await _db(request, "get", request.match_info["reference"])
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
    if await _limiter(request, "blocked", login_tried, client):
        context = await _context(request, None, error=TOO_MANY_TRIES)
        return aiohttp_jinja2.render_template("login.html", request, context, status=429)
    user = await _db(request, "staff_user", login=login_tried)
    usable = user is not None and user["is_active"]
    # Unknown and disabled accounts get a dummy verification: their answer takes as long.
    if not await asyncio.to_thread(password_matches, user["password_hash"] if usable else None,
                                   str(form.get("password", ""))):
        await _audit(request, "login_failed", None, login_tried)
        await _count_failure(request, login_tried, client)
        context = await _context(request, None, error="Identifiant ou mot de passe incorrect.")
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    await _limiter(request, "succeeded", login_tried)
    await _start_session(request, user["id"], user["session_version"])
    raise web.HTTPFound("/console")


@routes.post("/console/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """Log out, ending every session of the account (on every browser)."""
    await _checked_form(request)
    user = await current_user(request)
    if user is not None:
        await _db(request, "end_sessions", user["id"])
    (await get_session(request)).invalidate()
    raise web.HTTPFound("/console/login")


PERIODS = {"7": "7 derniers jours", "30": "30 derniers jours", "365": "12 derniers mois"}


def _filters(request: web.Request) -> dict[str, Any]:
    """The list filters of the query string, each checked against its known values."""
    query = request.query
    situations = {s.id for s in load_referentiel().situations}
    period = query.get("period") if query.get("period") in PERIODS else None
    return {
        "status": query.get("status") if query.get("status") in STATUSES else None,
        "situation": query.get("situation") if query.get("situation") in situations else None,
        "period": period,
        "search": query.get("q", "")[:100],
    }


async def _listed(request: web.Request, user: dict, filters: dict[str, Any]) -> list[dict]:
    antenne_id = None if user["is_admin"] else user["antenne_id"]
    since = now() - timedelta(days=int(filters["period"])) if filters["period"] else None
    return await _db(request, "list_pre_dossiers", antenne_id, filters["status"],
                     filters["search"], situation=filters["situation"], since=since)


@routes.get("/console")
@aiohttp_jinja2.template("list.html")
async def dossier_list(request: web.Request) -> dict:
    user = await _require_user(request)
    filters = _filters(request)
    antenne_id = None if user["is_admin"] else user["antenne_id"]
    new_count = await _db(request, "count", antenne_id, STATUSES[0])
    situations = {s.id: s.label for s in load_referentiel().situations}
    return await _context(request, user, dossiers=await _listed(request, user, filters),
                          new_count=new_count, situations=situations, periods=PERIODS,
                          query_string=request.query_string, **filters)


@routes.get("/console/export.csv")
async def export(request: web.Request) -> web.Response:
    user = await _require_user(request)
    rows = await _listed(request, user, _filters(request))
    await _audit(request, "csv_export", user, f"{len(rows)} lignes {request.query_string}".strip())
    situations = {s.id: s.label for s in load_referentiel().situations}
    labels = {"status": STATUS_LABELS, "situation": situations}

    def show(key: str, value: object) -> object:
        if key == "created_at":
            return french_date(value)
        return labels.get(key, {}).get(value, value)

    return web.Response(
        body=to_csv(rows, show).encode("utf-8"),
        content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="pre-dossiers.csv"'},
    )


@routes.get("/console/d/{reference}")
@aiohttp_jinja2.template("detail.html")
async def dossier_detail(request: web.Request) -> dict:
    user = await _require_user(request)
    dossier = await _visible_dossier(request, user)
    ref, quiz = load_referentiel(), load_quiz()
    levels = {level.id: level.label for level in quiz.levels}
    quiz_lines = [
        (domain.short, levels.get(dossier["quiz_levels"].get(domain.id), "—"))
        for domain in ref.domains
    ] if dossier["quiz_levels"] else []
    situations = {s.id: s.label for s in ref.situations}
    staff_names = {account["id"]: account["name"] for account in await _db(request, "list_staff")}
    return await _context(request, user, dossier=dossier, quiz_lines=quiz_lines,
                          staff_names=staff_names,
                          situation=situations.get(dossier["situation"] or "", "—"),
                          next_statuses=[s for s in STATUSES if s != dossier["status"]])


@routes.post("/console/d/{reference}/take")
async def take(request: web.Request) -> web.StreamResponse:
    user = await _require_user(request)
    await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    await _db(request, "take", dossier["reference"], user["id"])
    raise web.HTTPFound(f"/console/d/{dossier['reference']}")


@routes.post("/console/d/{reference}/note")
async def add_note(request: web.Request) -> web.StreamResponse:
    user = await _require_user(request)
    form = await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    text = str(form.get("note", "")).strip()[:2000]
    if text:
        await _db(request, "add_note", dossier["reference"], user["id"], text)
    raise web.HTTPFound(f"/console/d/{dossier['reference']}")


@routes.post("/console/d/{reference}/reassign")
async def reassign(request: web.Request) -> web.StreamResponse:
    user = await _require_user(request)
    form = await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    antenne_id = str(form.get("antenne", ""))
    if antenne_id not in {a.id for a in load_referentiel().antennes}:
        raise web.HTTPBadRequest(text="Antenne inconnue.")
    await _db(request, "reassign", dossier["reference"], user["id"], antenne_id)
    raise web.HTTPFound("/console")


@routes.get("/console/password")
@aiohttp_jinja2.template("password.html")
async def password_page(request: web.Request) -> dict:
    return await _context(request, await _require_user(request), message=None)


@routes.post("/console/password")
async def change_password(request: web.Request) -> web.StreamResponse:
    """Change one's password: tries of the current one count as failed logins of the account;
    the other sessions of the account end, this one goes on."""
    user = await _require_user(request)
    form = await _checked_form(request)
    new = str(form.get("new", ""))
    status = 200
    if await _limiter(request, "blocked", user["login"]):
        message, status = TOO_MANY_TRIES, 429
    elif not await asyncio.to_thread(password_matches, user["password_hash"],
                                     str(form.get("current", ""))):
        await _count_failure(request, user["login"], None)
        message = "Le mot de passe actuel est incorrect."
    elif problem := password_problem(new, user["login"], user["name"]):
        message = problem
    else:
        new_hash = await asyncio.to_thread(hash_password, new)
        version = await _db(request, "set_password", user["id"], new_hash)
        await _limiter(request, "succeeded", user["login"])
        await _audit(request, "password_changed", user, user["login"])
        await _start_session(request, user["id"], version)
        message = "Votre mot de passe est changé."
    return aiohttp_jinja2.render_template(
        "password.html", request, await _context(request, user, message=message), status=status)


async def _require_admin(request: web.Request) -> dict:
    user = await _require_user(request)
    if not user["is_admin"]:
        raise web.HTTPNotFound(text="Page introuvable.")
    return user


async def _staff_page(request: web.Request, admin: dict, status: int = 200,
                      **values: Any) -> web.Response:
    context = await _context(request, admin, accounts=await _db(request, "list_staff"), **values)
    return aiohttp_jinja2.render_template("staff.html", request, context, status=status)


async def _account_of_url(request: web.Request) -> dict:
    """The staff account of the URL, or 404."""
    account = await _db(request, "staff_user", user_id=int(request.match_info["user_id"]))
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
        return await _staff_page(request, admin, status=400,
                                 message="Vous ne pouvez pas désactiver votre propre compte.")
    await _db(request, "set_staff_active", account["id"], False)
    await _audit(request, "account_disabled", admin, account["login"])
    raise web.HTTPFound("/console/staff")


@routes.post(r"/console/staff/{user_id:\d+}/enable")
async def enable_account(request: web.Request) -> web.StreamResponse:
    """Enable a disabled account again (its old sessions stay ended)."""
    admin, account = await _admin_acts_on_account(request)
    await _db(request, "set_staff_active", account["id"], True)
    await _audit(request, "account_enabled", admin, account["login"])
    raise web.HTTPFound("/console/staff")


@routes.post(r"/console/staff/{user_id:\d+}/reset")
async def reset_password(request: web.Request) -> web.StreamResponse:
    """A new random password for the account, shown once (never cached); its sessions end."""
    admin, account = await _admin_acts_on_account(request)
    new_password = secrets.token_urlsafe(12)
    new_hash = await asyncio.to_thread(hash_password, new_password)
    await _db(request, "set_password", account["id"], new_hash)
    await _audit(request, "password_reset", admin, account["login"])
    return await _staff_page(request, admin, new_password=new_password, reset_login=account["login"])


@routes.get("/console/audit")
@aiohttp_jinja2.template("audit.html")
async def audit_page(request: web.Request) -> dict:
    """The last lines of the audit trail, newest first; admins only."""
    admin = await _require_admin(request)
    return await _context(request, admin, entries=await _db(request, "list_audit", AUDIT_LINES),
                          audit_labels=AUDIT_LABELS)


@routes.post("/console/d/{reference}/status")
async def change_status(request: web.Request) -> web.StreamResponse:
    user = await _require_user(request)
    form = await _checked_form(request)
    dossier = await _visible_dossier(request, user)
    status = str(form.get("status", ""))
    if status not in STATUSES:
        raise web.HTTPBadRequest(text="Statut inconnu.")
    reason = str(form.get("reason", "")).strip()[:1000]
    await _db(request, "change_status", dossier["reference"], user["id"], status, reason)
    raise web.HTTPFound(f"/console/d/{dossier['reference']}")
