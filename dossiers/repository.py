"""The one repository layer over the pre-dossier store, for the actions and the console."""

import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from dossiers.db import make_engine
from dossiers.models import (
    antenne,
    audit,
    contact_attempt,
    history,
    pre_dossier,
    quiz_result,
    staff_user,
)
from dossiers.status import VALUES, Status, after_contact
from referentiel.loader import Referentiel

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
SQLITE_LOCK_RETRIES = 5
UNDONE = "Annulation"  # the text of a history line that undoes the one before
# New pre-dossiers per phone number or e-mail address in 24 hours (abuse, mistakes).
MAX_PER_CONTACT_PER_DAY = 3
T = TypeVar("T")


class StoreUnavailable(Exception):
    """The database cannot be reached; nothing was written."""


class TooManyRequests(Exception):
    """The same phone or e-mail sent the day's most pre-dossiers already; nothing was written."""


@dataclass(frozen=True)
class NewPreDossier:
    """What the candidate gave, and the key of their request (the same on a retry)."""

    request_key: str
    sender_id: str
    antenne_id: str
    first_name: str
    last_name: str
    phone: str | None = None
    email: str | None = None
    postal_code: str | None = None
    commune: str | None = None
    situation: str | None = None
    contact_time: str | None = None
    quiz_levels: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListQuery:
    """Which pre-dossiers a console list shows, and in which order."""

    antenne_id: str | None = None  # None: every antenne (the admin)
    status: str | None = None
    situation: str | None = None
    since: datetime | None = None
    search: str = ""
    assigned_to: int | None = None  # "Mes dossiers"
    unassigned: bool = False  # "Non attribués"
    overdue_before: datetime | None = None  # "En retard": "Nouveau", received before this
    sort: str = "received"  # a key of SORTS
    descending: bool = True


# The list's sortable columns; the reference breaks ties, so pages never overlap.
SORTS = {
    "received": pre_dossier.c.created_at,
    "waiting": pre_dossier.c.created_at,
    "status": pre_dossier.c.status,
    "handler": staff_user.c.name,
    "commune": pre_dossier.c.commune,
    "situation": pre_dossier.c.situation,
    "antenne": pre_dossier.c.antenne_id,
}


def _latest_contact(column):
    """The last call-log line's `column` for each pre-dossier (None before any)."""
    return (
        select(column)
        .where(contact_attempt.c.pre_dossier_id == pre_dossier.c.id)
        .order_by(contact_attempt.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _conditions(query: ListQuery) -> list:
    """The WHERE conditions of `query`'s filters."""
    conditions = []
    if query.antenne_id is not None:
        conditions.append(pre_dossier.c.antenne_id == query.antenne_id)
    if query.status:
        conditions.append(pre_dossier.c.status == query.status)
    if query.situation:
        conditions.append(pre_dossier.c.situation == query.situation)
    if query.since:
        conditions.append(pre_dossier.c.created_at >= query.since)
    if query.assigned_to is not None:
        conditions.append(pre_dossier.c.assigned_to == query.assigned_to)
    if query.unassigned:
        conditions.append(pre_dossier.c.assigned_to.is_(None))
    if query.overdue_before is not None:
        conditions += [
            pre_dossier.c.status == Status.NEW.value,
            pre_dossier.c.created_at < query.overdue_before,
        ]
    if query.search.strip():
        pattern = f"%{query.search.strip().lower()}%"
        conditions.append(
            func.lower(pre_dossier.c.reference).like(pattern)
            | func.lower(pre_dossier.c.last_name).like(pattern)
            | func.lower(pre_dossier.c.first_name).like(pattern)
            | func.replace(pre_dossier.c.phone, " ", "").like(pattern.replace(" ", ""))
        )
    return conditions


def _selected(query: ListQuery, *columns):
    """The pre-dossiers `query` selects, with the name of who handles each (or None) and
    their last contact attempt; all their columns, or only `columns` when given."""
    return (
        select(
            *(columns or (pre_dossier,)),
            staff_user.c.name.label("handler"),
            _latest_contact(contact_attempt.c.at).label("last_contact_at"),
            _latest_contact(contact_attempt.c.outcome).label("last_contact_outcome"),
        )
        .select_from(
            pre_dossier.outerjoin(staff_user, pre_dossier.c.assigned_to == staff_user.c.id),
        )
        .where(*_conditions(query))
    )


# What an export holds of each pre-dossier, beside its handler, contact attempts and levels.
EXPORTED = (
    "id",
    "reference",
    "antenne_id",
    "status",
    "created_at",
    "first_name",
    "last_name",
    "phone",
    "email",
    "postal_code",
    "commune",
    "situation",
    "contact_time",
)


def level_key(domain: int) -> str:
    """The key of a quiz domain's level in an exported row."""
    return f"level_{domain}"


def _export_statement(query: ListQuery, domains: Sequence[int]):
    """One statement for a whole export row: each extra figure is an indexed lookup."""
    this = pre_dossier.c.id
    attempts = select(func.count()).where(contact_attempt.c.pre_dossier_id == this)
    status_at = select(func.max(history.c.at)).where(
        history.c.pre_dossier_id == this, history.c.kind.in_(("created", "status"))
    )
    levels = [
        select(quiz_result.c.level)
        .where(quiz_result.c.pre_dossier_id == this, quiz_result.c.domain == domain)
        .scalar_subquery()
        .label(level_key(domain))
        for domain in domains
    ]
    return _selected(
        query,
        *(pre_dossier.c[name] for name in EXPORTED),
        attempts.scalar_subquery().label("contact_attempts"),
        status_at.scalar_subquery().label("status_at"),
        *levels,
    )


def _order(query: ListQuery) -> list:
    """ "Waiting" longest first is "received" oldest first."""
    descending = query.descending != (query.sort == "waiting")
    column = SORTS.get(query.sort, SORTS["received"])
    direction = column.desc() if descending else column.asc()
    tie = pre_dossier.c.id.desc() if descending else pre_dossier.c.id.asc()
    return [direction.nulls_last() if query.sort == "handler" else direction, tie]


def now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def new_reference(year: int) -> str:
    """A short reference to give the candidate, e.g. CLEA-2026-4F7K."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(4))
    return f"CLEA-{year}-{code}"


class Repository:
    """Reads and writes pre-dossiers; every method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_settings(cls) -> "Repository":
        return cls(make_engine())

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision."""
        config = Config(str(ALEMBIC_INI))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def reachable(self) -> bool:
        """Whether the store answers a query now."""
        try:
            return self._transaction(lambda connection: connection.execute(select(1)).scalar()) == 1
        except (StoreUnavailable, SQLAlchemyError):
            return False

    def sync_antennes(self, ref: Referentiel) -> None:
        """Make the antenne table match referentiel/ (its one source)."""

        def work(connection: Connection) -> None:
            known = set(connection.execute(select(antenne.c.id)).scalars())
            for item in ref.antennes:
                values = {"name": item.name, "contact": item.contact, "email": item.email}
                if item.id in known:
                    connection.execute(
                        update(antenne).where(antenne.c.id == item.id).values(**values)
                    )
                else:
                    connection.execute(insert(antenne).values(id=item.id, **values))

        self._transaction(work)

    def create_pre_dossier(self, new: NewPreDossier) -> tuple[str, bool]:
        """(reference, created): a request already stored returns its reference unchanged;
        TooManyRequests past the day's limit for the same contact."""
        existing = self.reference_for_request(new.request_key)
        if existing:
            return existing, False
        if self.recent_for_contact(new.phone, new.email) >= MAX_PER_CONTACT_PER_DAY:
            raise TooManyRequests()

        def work(connection: Connection) -> str:
            created = now()
            reference = self._free_reference(connection, created.year)
            dossier_id = connection.execute(
                insert(pre_dossier).values(
                    reference=reference,
                    request_key=new.request_key,
                    sender_id=new.sender_id,
                    antenne_id=new.antenne_id,
                    status=Status.NEW.value,
                    first_name=new.first_name,
                    last_name=new.last_name,
                    phone=new.phone,
                    email=new.email,
                    postal_code=new.postal_code,
                    commune=new.commune,
                    situation=new.situation,
                    contact_time=new.contact_time,
                    created_at=created,
                    updated_at=created,
                )
            ).inserted_primary_key[0]
            for domain, level in sorted(new.quiz_levels.items()):
                connection.execute(
                    insert(quiz_result).values(
                        pre_dossier_id=dossier_id, domain=domain, level=level
                    )
                )
            connection.execute(
                insert(history).values(
                    pre_dossier_id=dossier_id, at=created, kind="created", to_value=Status.NEW.value
                )
            )
            return reference

        try:
            return self._transaction(work), True
        except IntegrityError:  # the same request, stored by a concurrent retry
            reference = self.reference_for_request(new.request_key)
            if reference is None:
                raise
            return reference, False

    def recent_for_contact(self, phone: str | None, email: str | None) -> int:
        """Pre-dossiers created in the last 24 hours with this phone or e-mail."""
        same_contact = [
            column == value
            for column, value in ((pre_dossier.c.phone, phone), (pre_dossier.c.email, email))
            if value
        ]
        if not same_contact:
            return 0
        since = now() - timedelta(days=1)
        return self._transaction(
            lambda connection: connection.execute(
                select(func.count())
                .select_from(pre_dossier)
                .where(or_(*same_contact), pre_dossier.c.created_at >= since)
            ).scalar_one()
        )

    def reference_for_request(self, request_key: str) -> str | None:
        return self._transaction(
            lambda connection: connection.execute(
                select(pre_dossier.c.reference).where(pre_dossier.c.request_key == request_key)
            ).scalar_one_or_none()
        )

    def take(self, reference: str, staff_user_id: int | None) -> bool:
        """'Prendre en charge' a new pre-dossier; when two staff members click at once, one wins."""

        def work(connection: Connection) -> bool:
            # One conditional UPDATE: the row lock makes a concurrent one see the new status.
            result = connection.execute(
                update(pre_dossier)
                .where(
                    pre_dossier.c.reference == reference, pre_dossier.c.status == Status.NEW.value
                )
                .values(status=Status.TAKEN.value, assigned_to=staff_user_id, updated_at=now())
            )
            if result.rowcount != 1:
                return False
            dossier_id = connection.execute(
                select(pre_dossier.c.id).where(pre_dossier.c.reference == reference)
            ).scalar_one()
            self._record(
                connection,
                dossier_id,
                staff_user_id,
                "status",
                Status.NEW.value,
                Status.TAKEN.value,
            )
            return True

        return self._transaction(work)

    def change_status(
        self, reference: str, staff_user_id: int | None, status: str, reason: str = ""
    ) -> int | None:
        """Move a pre-dossier to a status; recorded in its history with who and when. The
        history line's id (to undo it), or None when nothing changed."""
        if status not in VALUES:
            raise ValueError(f"unknown status {status}")

        def work(connection: Connection) -> int | None:
            row = connection.execute(
                select(pre_dossier.c.id, pre_dossier.c.status)
                .where(pre_dossier.c.reference == reference)
                .with_for_update()
            ).one_or_none()
            if row is None or row.status == status:
                return None
            self._set_status(connection, row.id, status)
            return self._record(
                connection, row.id, staff_user_id, "status", row.status, status, reason
            )

        return self._transaction(work)

    @staticmethod
    def _set_status(connection: Connection, dossier_id: int, status: str) -> None:
        changed = now()
        connection.execute(
            update(pre_dossier)
            .where(pre_dossier.c.id == dossier_id)
            .values(
                status=status,
                updated_at=changed,
                closed_at=changed if status == Status.CLOSED.value else None,
            )
        )

    def add_note(self, reference: str, staff_user_id: int | None, text: str) -> bool:
        """An internal note in the pre-dossier's history."""
        return (
            self._on_dossier(
                reference,
                lambda connection, row: self._record(
                    connection, row.id, staff_user_id, "note", row.status, row.status, text
                ),
            )
            is not None
        )

    def log_contact(
        self, reference: str, staff_user_id: int | None, outcome: str, comment: str, reached: bool
    ) -> bool:
        """One try to reach the candidate in the call log. When they were `reached`, a request
        not yet contacted becomes "Contacté" (in its history), and is followed by the caller
        when nobody followed it."""

        def work(connection: Connection, row) -> bool:
            connection.execute(
                insert(contact_attempt).values(
                    pre_dossier_id=row.id,
                    at=now(),
                    staff_user_id=staff_user_id,
                    outcome=outcome,
                    comment=comment or None,
                )
            )
            after = after_contact(row.status).value
            if reached and after != row.status:
                self._set_status(connection, row.id, after)
                self._record(connection, row.id, staff_user_id, "status", row.status, after)
                connection.execute(
                    update(pre_dossier)
                    .where(pre_dossier.c.id == row.id, pre_dossier.c.assigned_to.is_(None))
                    .values(assigned_to=staff_user_id)
                )
            return True

        return self._on_dossier(reference, work) is not None

    def reassign(self, reference: str, staff_user_id: int | None, antenne_id: str) -> int | None:
        """Send a pre-dossier to another antenne; it leaves the first one's list. The history
        line's id (to undo it), or None when nothing changed."""

        def work(connection: Connection, row) -> int | None:
            if row.antenne_id == antenne_id:
                return None
            connection.execute(
                update(pre_dossier)
                .where(pre_dossier.c.id == row.id)
                .values(antenne_id=antenne_id, assigned_to=None, updated_at=now())
            )
            return self._record(
                connection, row.id, staff_user_id, "reassigned", row.antenne_id, antenne_id
            )

        return self._on_dossier(reference, work)

    def undo(self, history_id: int, staff_user_id: int, since: datetime) -> dict | None:
        """Put back what history line `history_id` changed (a status, or the antenne) when
        `staff_user_id` made it after `since` and nothing changed since; recorded in the
        history too. The pre-dossier's reference, the line's kind and the value put back;
        None when it can no longer be undone."""

        def work(connection: Connection) -> dict | None:
            line = (
                connection.execute(select(history).where(history.c.id == history_id))
                .mappings()
                .one_or_none()
            )
            if (
                line is None
                or line["kind"] not in ("status", "reassigned")
                or line["staff_user_id"] != staff_user_id
                or as_utc(line["at"]) < since
            ):
                return None
            row = connection.execute(
                select(
                    pre_dossier.c.id,
                    pre_dossier.c.reference,
                    pre_dossier.c.status,
                    pre_dossier.c.antenne_id,
                )
                .where(pre_dossier.c.id == line["pre_dossier_id"])
                .with_for_update()
            ).one()
            later = connection.execute(
                select(func.count())
                .select_from(history)
                .where(
                    history.c.pre_dossier_id == row.id,
                    history.c.id > history_id,
                    history.c.kind.in_(("status", "reassigned")),
                )
            ).scalar_one()
            current = row.status if line["kind"] == "status" else row.antenne_id
            if later or current != line["to_value"]:
                return None
            if line["kind"] == "status":
                self._set_status(connection, row.id, line["from_value"])
            else:
                connection.execute(
                    update(pre_dossier)
                    .where(pre_dossier.c.id == row.id)
                    .values(antenne_id=line["from_value"], updated_at=now())
                )
            self._record(
                connection,
                row.id,
                staff_user_id,
                line["kind"],
                line["to_value"],
                line["from_value"],
                UNDONE,
            )
            return {
                "reference": row.reference,
                "kind": line["kind"],
                "restored": line["from_value"],
            }

        return self._transaction(work)

    def _on_dossier(self, reference: str, work) -> T | None:
        def locked(connection: Connection) -> T | None:
            row = connection.execute(
                select(pre_dossier.c.id, pre_dossier.c.status, pre_dossier.c.antenne_id)
                .where(pre_dossier.c.reference == reference)
                .with_for_update()
            ).one_or_none()
            if row is None:
                return None
            return work(connection, row)

        return self._transaction(locked)

    def get(self, reference: str) -> dict | None:
        """A pre-dossier with its quiz levels, history and call log (newest first), or None."""

        def work(connection: Connection) -> dict | None:
            row = (
                connection.execute(select(pre_dossier).where(pre_dossier.c.reference == reference))
                .mappings()
                .one_or_none()
            )
            if row is None:
                return None
            levels = connection.execute(
                select(quiz_result.c.domain, quiz_result.c.level).where(
                    quiz_result.c.pre_dossier_id == row["id"]
                )
            ).all()
            events = (
                connection.execute(
                    select(history)
                    .where(history.c.pre_dossier_id == row["id"])
                    .order_by(history.c.id)
                )
                .mappings()
                .all()
            )
            contacts = (
                connection.execute(
                    select(contact_attempt)
                    .where(contact_attempt.c.pre_dossier_id == row["id"])
                    .order_by(contact_attempt.c.id.desc())
                )
                .mappings()
                .all()
            )
            return {
                **row,
                "quiz_levels": dict(levels),
                "history": [dict(e) for e in events],
                "contacts": [dict(c) for c in contacts],
            }

        return self._transaction(work)

    def count(self, antenne_id: str | None = None, status: str | None = None) -> int:
        query = select(func.count()).select_from(pre_dossier)
        if antenne_id:
            query = query.where(pre_dossier.c.antenne_id == antenne_id)
        if status:
            query = query.where(pre_dossier.c.status == status)
        return self._transaction(lambda connection: connection.execute(query).scalar_one())

    def delete_for_sender(self, sender_id: str) -> int:
        """Delete every pre-dossier of a conversation ("supprimer mes données")."""
        return self._transaction(
            lambda connection: (
                connection.execute(
                    delete(pre_dossier).where(pre_dossier.c.sender_id == sender_id)
                ).rowcount
            )
        )

    def purge_closed_before(self, cutoff: datetime) -> int:
        """Delete the pre-dossiers closed before the cutoff (retention)."""
        return self._transaction(
            lambda connection: (
                connection.execute(
                    delete(pre_dossier).where(
                        pre_dossier.c.status == Status.CLOSED.value,
                        pre_dossier.c.closed_at < cutoff,
                    )
                ).rowcount
            )
        )

    def purge_open_created_before(self, cutoff: datetime) -> int:
        """Delete the pre-dossiers never closed and created before the cutoff (retention)."""
        return self._transaction(
            lambda connection: (
                connection.execute(
                    delete(pre_dossier).where(
                        pre_dossier.c.status != Status.CLOSED.value,
                        pre_dossier.c.created_at < cutoff,
                    )
                ).rowcount
            )
        )

    # -- staff -------------------------------------------------------------------

    def create_staff_user(
        self,
        login: str,
        name: str,
        password_hash: str,
        antenne_id: str | None,
        is_admin: bool = False,
        one_time: bool = False,
    ) -> int:
        """A new account; with a `one_time` password, it chooses its own at its first login."""
        return self._transaction(
            lambda connection: connection.execute(
                insert(staff_user).values(
                    login=login,
                    name=name,
                    password_hash=password_hash,
                    antenne_id=antenne_id,
                    is_admin=is_admin,
                    is_active=True,
                    created_at=now(),
                    must_change_password=one_time,
                )
            ).inserted_primary_key[0]
        )

    def set_password(self, user_id: int, password_hash: str, one_time: bool = False) -> int | None:
        """Set an account's password and end its sessions: the new session version, or None
        when there is no such account. A `one_time` password (given by the admin) is to be
        replaced at the next login."""
        return self._end_sessions(
            user_id, password_hash=password_hash, must_change_password=one_time
        )

    def end_sessions(self, user_id: int) -> int | None:
        """End every session of an account: the new session version, or None (no such account)."""
        return self._end_sessions(user_id)

    def list_staff(self) -> list[dict]:
        return self._transaction(
            lambda connection: [
                dict(row)
                for row in connection.execute(
                    select(staff_user).order_by(staff_user.c.login)
                ).mappings()
            ]
        )

    def update_staff(self, user_id: int, name: str, antenne_id: str | None) -> bool:
        """Change an account's name, and the antenne of a staff member (an admin has none)."""
        conditions = [staff_user.c.id == user_id]
        values = {"name": name}
        if antenne_id:
            conditions.append(staff_user.c.is_admin.is_(False))
            values["antenne_id"] = antenne_id
        return self._transaction(
            lambda connection: (
                connection.execute(update(staff_user).where(*conditions).values(**values)).rowcount
                == 1
            )
        )

    def record_login(self, user_id: int) -> None:
        self._transaction(
            lambda connection: connection.execute(
                update(staff_user).where(staff_user.c.id == user_id).values(last_login_at=now())
            )
        )

    def set_staff_active(self, user_id: int, active: bool) -> bool:
        """Disable a staff account, ending its sessions, or enable it again; False when there
        is no such account."""
        if not active:
            return self._end_sessions(user_id, is_active=False) is not None
        return self._transaction(
            lambda connection: (
                connection.execute(
                    update(staff_user).where(staff_user.c.id == user_id).values(is_active=True)
                ).rowcount
                == 1
            )
        )

    def _end_sessions(self, user_id: int, **values) -> int | None:
        def work(connection: Connection) -> int | None:
            changed = connection.execute(
                update(staff_user)
                .where(staff_user.c.id == user_id)
                .values(session_version=staff_user.c.session_version + 1, **values)
            ).rowcount
            if changed != 1:
                return None
            return connection.execute(
                select(staff_user.c.session_version).where(staff_user.c.id == user_id)
            ).scalar_one()

        return self._transaction(work)

    def staff_user(self, *, login: str | None = None, user_id: int | None = None):
        """A staff account by login or id, or None."""
        column, value = (staff_user.c.login, login) if login else (staff_user.c.id, user_id)
        return self._transaction(
            lambda connection: (
                connection.execute(select(staff_user).where(column == value))
                .mappings()
                .one_or_none()
            )
        )

    def page_pre_dossiers(
        self, query: "ListQuery", offset: int = 0, limit: int = 50
    ) -> tuple[list[dict], int]:
        """One page of the pre-dossiers `query` selects, in its order, with each handler's
        name; and how many it selects in all."""
        selected = _selected(query)
        order = _order(query)

        def work(connection: Connection) -> tuple[list[dict], int]:
            total = connection.execute(
                select(func.count()).select_from(selected.subquery())
            ).scalar_one()
            rows = connection.execute(
                selected.order_by(*order).offset(offset).limit(limit)
            ).mappings()
            return [dict(row) for row in rows], total

        return self._transaction(work)

    def export_batches(
        self, query: "ListQuery", domains: Sequence[int] = (), size: int = 1000
    ) -> Iterator[list[RowMapping]]:
        """Every pre-dossier `query` selects, oldest first, in batches of `size`, each row
        with its handler, its last contact and number of contact attempts, the date of its
        last status change and its level in each quiz domain of `domains` (level_key): one
        statement per batch, so an export of any size holds one batch in memory."""
        statement = _export_statement(query, domains).order_by(pre_dossier.c.id).limit(size)
        last_id = 0
        while batch := self._all(statement.where(pre_dossier.c.id > last_id)):
            yield batch
            last_id = batch[-1]["id"]

    def _all(self, statement) -> list[RowMapping]:
        return self._transaction(lambda connection: connection.execute(statement).mappings().all())

    def dashboard(
        self, antenne_id: str | None, since: datetime, overdue_before: datetime, strong_level: str
    ) -> dict:
        """The figures of a dashboard, for one antenne or all (None): the dates received
        since `since`; the split by status and by situation and the late "Nouveau" ones
        (all time); the hours from arrival to the first contact attempt; per antenne and
        quiz domain, the candidates below `strong_level`."""
        scope = [pre_dossier.c.antenne_id == antenne_id] if antenne_id else []

        def work(connection: Connection) -> dict:
            def grouped(column) -> dict:
                return dict(
                    connection.execute(
                        select(column, func.count()).where(*scope).group_by(column)
                    ).all()
                )

            received = list(
                connection.execute(
                    select(pre_dossier.c.created_at).where(
                        *scope, pre_dossier.c.created_at >= since
                    )
                ).scalars()
            )
            first_contact = (
                select(contact_attempt.c.pre_dossier_id, func.min(contact_attempt.c.at).label("at"))
                .group_by(contact_attempt.c.pre_dossier_id)
                .subquery()
            )
            waits = [
                (as_utc(contacted) - as_utc(created)).total_seconds() / 3600
                for created, contacted in connection.execute(
                    select(pre_dossier.c.created_at, first_contact.c.at)
                    .join(first_contact, first_contact.c.pre_dossier_id == pre_dossier.c.id)
                    .where(*scope)
                )
            ]
            late = connection.execute(
                select(func.count())
                .select_from(pre_dossier)
                .where(
                    *scope,
                    pre_dossier.c.status == Status.NEW.value,
                    pre_dossier.c.created_at < overdue_before,
                )
            ).scalar_one()
            weak: dict[str, dict[int, int]] = {}
            for antenne_of, domain, count in connection.execute(
                select(pre_dossier.c.antenne_id, quiz_result.c.domain, func.count())
                .join(quiz_result, quiz_result.c.pre_dossier_id == pre_dossier.c.id)
                .where(*scope, quiz_result.c.level != strong_level)
                .group_by(pre_dossier.c.antenne_id, quiz_result.c.domain)
            ):
                weak.setdefault(antenne_of, {})[domain] = count
            return {
                "received": [as_utc(moment) for moment in received],
                "by_status": grouped(pre_dossier.c.status),
                "by_situation": grouped(pre_dossier.c.situation),
                "hours_to_first_contact": waits,
                "late": late,
                "weak_domains": weak,
            }

        return self._transaction(work)

    def counts_by_antenne(
        self, overdue_before: datetime, received_since: datetime | None = None
    ) -> dict[str, dict[str, int]]:
        """Per antenne: all its pre-dossiers, the "Nouveau" ones, those waiting since before
        `overdue_before`, and those received since `received_since` (the last day)."""
        is_new = pre_dossier.c.status == Status.NEW.value
        recent = pre_dossier.c.created_at >= (received_since or now())
        query = select(
            pre_dossier.c.antenne_id,
            func.count(),
            func.sum(case((is_new, 1), else_=0)),
            func.sum(case((is_new & (pre_dossier.c.created_at < overdue_before), 1), else_=0)),
            func.sum(case((recent, 1), else_=0)),
        ).group_by(pre_dossier.c.antenne_id)
        return self._transaction(
            lambda connection: {
                antenne_id: {
                    "total": total,
                    "new": int(new or 0),
                    "overdue": int(overdue or 0),
                    "received": int(received or 0),
                }
                for antenne_id, total, new, overdue, received in connection.execute(query)
            }
        )

    # -- audit -------------------------------------------------------------------

    def record_audit(
        self, action: str, staff_user_id: int | None, subject: str = "", client: str = ""
    ) -> None:
        """One line of the console's audit trail: what, by whom, about what, from where."""
        self._transaction(
            lambda connection: connection.execute(
                insert(audit).values(
                    at=now(),
                    action=action,
                    staff_user_id=staff_user_id,
                    subject=subject[:255] or None,
                    client=client[:64] or None,
                )
            )
        )

    def list_audit(self, limit: int = 200) -> list[dict]:
        """The newest lines of the audit trail first, with the login of who did it."""
        query = (
            select(audit, staff_user.c.login.label("staff_login"))
            .select_from(audit.outerjoin(staff_user, audit.c.staff_user_id == staff_user.c.id))
            .order_by(audit.c.id.desc())
            .limit(limit)
        )
        return self._transaction(
            lambda connection: [dict(row) for row in connection.execute(query).mappings()]
        )

    # -- helpers -----------------------------------------------------------------

    @staticmethod
    def _free_reference(connection: Connection, year: int) -> str:
        while True:
            reference = new_reference(year)
            taken = connection.execute(
                select(pre_dossier.c.id).where(pre_dossier.c.reference == reference)
            ).first()
            if taken is None:
                return reference

    @staticmethod
    def _record(
        connection: Connection,
        dossier_id: int,
        staff_user_id: int | None,
        kind: str,
        from_value: str,
        to_value: str,
        text: str = "",
    ) -> int:
        """One line of a pre-dossier's history; its id."""
        return connection.execute(
            insert(history).values(
                pre_dossier_id=dossier_id,
                at=now(),
                staff_user_id=staff_user_id,
                kind=kind,
                from_value=from_value,
                to_value=to_value,
                text=text or None,
            )
        ).inserted_primary_key[0]

    def _transaction(self, work: Callable[[Connection], T]) -> T:
        """Run work in one transaction; SQLite's "database is locked" is retried."""
        for attempt in range(SQLITE_LOCK_RETRIES):
            try:
                with self.engine.begin() as connection:
                    return work(connection)
            except OperationalError as error:
                locked = self.engine.dialect.name == "sqlite" and "locked" in str(error)
                if locked and attempt + 1 < SQLITE_LOCK_RETRIES:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                if error.connection_invalidated or _is_connection_error(error):
                    raise StoreUnavailable(str(error.orig)) from error
                raise
        raise StoreUnavailable("the database stayed locked")


def _is_connection_error(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return any(word in text for word in ("connect", "server closed", "terminating", "timeout"))
