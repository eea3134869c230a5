"""Delete what is kept too long: closed pre-dossiers and old conversations.

Usage: python -m dossiers.retention [--closed-months 12] [--conversation-days 90]
Prints what it deleted. The tracker store is CLEA_TRACKER_DB_URL (default: the
SQLite file of TRACKER_DB_PATH, var/trackers.db).
"""

import argparse
import os
import sys
from datetime import timedelta

from sqlalchemy import MetaData, Table, delete, func, inspect, select

from dossiers.db import ROOT, make_engine
from dossiers.repository import Repository, now

DAYS_PER_MONTH = 30.44


def tracker_db_url() -> str:
    path = os.environ.get("TRACKER_DB_PATH", str(ROOT / "var" / "trackers.db"))
    return os.environ.get("CLEA_TRACKER_DB_URL") or f"sqlite:///{path}"


def purge_conversations(url: str, older_than: timedelta) -> int:
    """Delete every conversation whose last event is older than the cutoff; the number deleted."""
    engine = make_engine(url)
    if not inspect(engine).has_table("events"):
        return 0
    events = Table("events", MetaData(), autoload_with=engine)
    cutoff = (now() - older_than).timestamp()
    stale = (
        select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(func.max(events.c.timestamp) < cutoff)
    )
    with engine.begin() as connection:
        senders = connection.execute(stale).scalars().all()
        if senders:
            connection.execute(delete(events).where(events.c.sender_id.in_(senders)))
    engine.dispose()
    return len(senders)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed-months", type=float, default=12)
    parser.add_argument("--conversation-days", type=float, default=90)
    args = parser.parse_args(argv)
    repository = Repository.from_environment()
    repository.migrate()
    closed = repository.purge_closed_before(now() - timedelta(days=args.closed_months * DAYS_PER_MONTH))
    conversations = purge_conversations(tracker_db_url(), timedelta(days=args.conversation_days))
    print(f"Pre-dossiers closed more than {args.closed_months:g} months ago, deleted: {closed}")
    print(f"Conversations idle more than {args.conversation_days:g} days, deleted: {conversations}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
