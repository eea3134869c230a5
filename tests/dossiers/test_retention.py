"""Retention: old conversations in Rasa's own tracker table, and long-closed pre-dossiers."""

import asyncio
import time
from datetime import timedelta

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import MetaData, Table, insert, select, update

from dossiers.db import make_engine
from dossiers.models import pre_dossier
from dossiers.repository import NewPreDossier, Repository, now
from dossiers.retention import (
    DAYS_PER_MONTH,
    Policy,
    main,
    purge,
    purge_conversations,
    run_every_day,
)
from dossiers.status import Status
from referentiel import load_referentiel


def test_old_conversations_are_deleted_recent_ones_kept(tmp_path):
    db = tmp_path / "trackers.db"
    SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))  # Rasa creates its table
    engine = make_engine(f"sqlite:///{db}")
    events = Table("events", MetaData(), autoload_with=engine)
    old = time.time() - 100 * 86400
    with engine.begin() as connection:
        for sender, stamp in [("old", old), ("old", old + 1), ("recent", time.time())]:
            connection.execute(
                insert(events).values(
                    sender_id=sender, type_name="user", timestamp=stamp, data="{}"
                )
            )
    assert purge_conversations(f"sqlite:///{db}", timedelta(days=90)) == 1
    with engine.connect() as connection:
        assert set(connection.execute(select(events.c.sender_id)).scalars()) == {"recent"}


def test_the_command_reports_what_it_did(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLEA_DATABASE_URL", f"sqlite:///{tmp_path / 'dossiers.db'}")
    monkeypatch.setenv("TRACKER_DB_PATH", str(tmp_path / "none.db"))
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "closed more than 12 months ago, deleted: 0" in out
    assert "never closed, made more than 24 months ago, deleted: 0" in out
    assert "idle more than 90 days, deleted: 0" in out


def _made(repository: Repository, number: int, months_ago: float, closed: bool = False) -> str:
    reference, _ = repository.create_pre_dossier(
        NewPreDossier(
            request_key=f"web:r:{number}",
            sender_id="web:r",
            antenne_id="lille",
            first_name="Léa",
            last_name="Martin",
            phone=f"06 00 00 00 {number:02d}",
        )
    )
    when = now() - timedelta(days=months_ago * DAYS_PER_MONTH)
    values = (
        {"created_at": when, "status": Status.CLOSED.value, "closed_at": when}
        if closed
        else {"created_at": when}
    )
    with repository.engine.begin() as connection:
        connection.execute(
            update(pre_dossier).where(pre_dossier.c.reference == reference).values(**values)
        )
    return reference


def test_the_policy_purges_what_the_texts_promise(repository: Repository, tmp_path):
    policy = Policy.from_referentiel()
    data = load_referentiel().personal_data
    assert (policy.closed_months, policy.open_months, policy.conversation_days) == (
        data.kept_months_after_closing,
        data.kept_months_at_most,
        data.conversation_days,
    )
    kept_open = _made(repository, 1, 23)
    gone_open = _made(repository, 2, 25)
    kept_closed = _made(repository, 3, 11, closed=True)
    gone_closed = _made(repository, 4, 13, closed=True)
    deleted = purge(repository, f"sqlite:///{tmp_path / 'none.db'}", policy)
    assert deleted == {"closed": 1, "open": 1, "conversations": 0}
    assert repository.get(kept_open) and repository.get(kept_closed)
    assert repository.get(gone_open) is None and repository.get(gone_closed) is None


def test_the_web_app_purges_every_day(repository: Repository, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_PATH", str(tmp_path / "none.db"))
    gone = _made(repository, 5, 25)

    async def one_day() -> None:
        task = asyncio.create_task(run_every_day(repository, first_delay_s=0))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if await asyncio.to_thread(repository.get, gone) is None:
                break
        task.cancel()

    asyncio.run(one_day())
    assert repository.get(gone) is None
