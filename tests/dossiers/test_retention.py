"""Retention: old conversations in Rasa's own tracker table, and long-closed pre-dossiers."""

import time
from datetime import timedelta

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy import MetaData, Table, insert, select

from dossiers.db import make_engine
from dossiers.retention import main, purge_conversations


def test_old_conversations_are_deleted_recent_ones_kept(tmp_path):
    db = tmp_path / "trackers.db"
    SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))  # Rasa creates its table
    engine = make_engine(f"sqlite:///{db}")
    events = Table("events", MetaData(), autoload_with=engine)
    old = time.time() - 100 * 86400
    with engine.begin() as connection:
        for sender, stamp in [("old", old), ("old", old + 1), ("recent", time.time())]:
            connection.execute(insert(events).values(
                sender_id=sender, type_name="user", timestamp=stamp, data="{}"))
    assert purge_conversations(f"sqlite:///{db}", timedelta(days=90)) == 1
    with engine.connect() as connection:
        assert set(connection.execute(select(events.c.sender_id)).scalars()) == {"recent"}


def test_the_command_reports_what_it_did(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLEA_DATABASE_URL", f"sqlite:///{tmp_path / 'dossiers.db'}")
    monkeypatch.setenv("TRACKER_DB_PATH", str(tmp_path / "none.db"))
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "closed more than 12 months ago, deleted: 0" in out
    assert "idle more than 90 days, deleted: 0" in out
