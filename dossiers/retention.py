"""Delete what is kept too long: pre-dossiers and conversations, as the texts promise.

Usage: python -m dossiers.retention [--closed-months 12] [--open-months 24] [--conversation-days 90]
The defaults are those of referentiel/clea.yml (`personal_data`), the durations
the assistant tells people. Prints what it deleted. The web app runs it every
day (`run_every_day`). The tracker store is CLEA_TRACKER_DB_URL (default: the
SQLite file of TRACKER_DB_PATH, var/trackers.db).
"""

import argparse
import asyncio
import logging
import sys
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import MetaData, Table, delete, func, inspect, select

from dossiers.db import make_engine
from dossiers.repository import Repository, now
from referentiel import load_referentiel
from settings import current

DAYS_PER_MONTH = 30.44
DAY_S = 86_400
logger = logging.getLogger(__name__)


def tracker_db_url() -> str:
    return current().tracker_db_url


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


@dataclass(frozen=True)
class Policy:
    """How long each kind of data is kept."""

    closed_months: float
    open_months: float
    conversation_days: float

    @classmethod
    def from_referentiel(cls) -> "Policy":
        data = load_referentiel().personal_data
        return cls(data.kept_months_after_closing, data.kept_months_at_most, data.conversation_days)


def purge(repository: Repository, tracker_url: str, policy: Policy) -> dict[str, int]:
    """Apply the policy once; how many pre-dossiers and conversations were deleted."""
    month = timedelta(days=DAYS_PER_MONTH)
    return {
        "closed": repository.purge_closed_before(now() - policy.closed_months * month),
        "open": repository.purge_open_created_before(now() - policy.open_months * month),
        "conversations": purge_conversations(tracker_url, timedelta(days=policy.conversation_days)),
    }


async def run_every_day(repository: Repository, first_delay_s: float = 60) -> None:
    """Purge once a day, for ever (a task of the web app); a failure waits for the next day."""
    await asyncio.sleep(first_delay_s)
    while True:
        try:
            deleted = await asyncio.to_thread(
                purge, repository, tracker_db_url(), Policy.from_referentiel()
            )
            logger.info("Retention: deleted %s", deleted)
        except Exception as error:  # the store unreachable: try again tomorrow
            logger.error("Retention failed: %s", type(error).__name__)
        await asyncio.sleep(DAY_S)


def main(argv: list[str]) -> int:
    policy = Policy.from_referentiel()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed-months", type=float, default=policy.closed_months)
    parser.add_argument("--open-months", type=float, default=policy.open_months)
    parser.add_argument("--conversation-days", type=float, default=policy.conversation_days)
    args = parser.parse_args(argv)
    repository = Repository.from_settings()
    repository.migrate()
    deleted = purge(
        repository,
        tracker_db_url(),
        Policy(args.closed_months, args.open_months, args.conversation_days),
    )
    print(
        f"Pre-dossiers closed more than {args.closed_months:g} months ago, "
        f"deleted: {deleted['closed']}"
    )
    print(
        f"Pre-dossiers never closed, made more than {args.open_months:g} months ago, "
        f"deleted: {deleted['open']}"
    )
    print(
        f"Conversations idle more than {args.conversation_days:g} days, "
        f"deleted: {deleted['conversations']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
