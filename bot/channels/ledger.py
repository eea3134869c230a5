"""What the messaging channels remember between requests, in the conversation store's database.

- **Deliveries seen**: a provider's delivery id (Telegram's `update_id`, Messenger's
  `mid`, Twilio's `MessageSid`) is written once; a retried or replayed request with
  the same id is answered 200 and does nothing. Ids are kept DELIVERY_DAYS days, and
  a message dated before that window (Telegram and Messenger date theirs) is stale.
- **Replies missed**: a reply the provider would not take, retries included, is kept
  in order and sent before anything else when the person writes again. Kept
  MISSED_DAYS days, and erased with the conversation.

The tables live beside Rasa's events (SQLite in the embedded mode, PostgreSQL in
the scaled mode), so every Rasa server of a group shares them.
"""

import json
import time
from typing import Any

import structlog
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.pool import StaticPool

from bot.channels.agent import our_tracker_store

DELIVERY_DAYS = 7
MISSED_DAYS = 7
DAY_S = 86_400
PURGE_EVERY = 500  # writes between two purges of expired rows

logger = structlog.get_logger()
metadata = MetaData()
deliveries = Table(
    "channel_deliveries",
    metadata,
    Column("delivery_id", String(255), primary_key=True),
    Column("received_at", Float, nullable=False, index=True),
)
missed_replies = Table(
    "channel_missed_replies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation", String(255), nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("kept_at", Float, nullable=False, index=True),
)


class DeliveryLedger:
    """Deliveries seen and replies missed, on `engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine)
        self._writes = 0

    def first_time(self, provider: str, delivery_id: Any) -> bool:
        """True the first time a provider's delivery id is seen (always True without an id)."""
        if delivery_id in (None, ""):
            return True
        self._purge_now_and_then()
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(deliveries).values(
                        delivery_id=f"{provider}:{delivery_id}"[:255], received_at=time.time()
                    )
                )
        except IntegrityError:
            logger.info("channel.delivery.repeated", provider=provider)
            return False
        return True

    def keep_missed(self, conversation: str, message: dict[str, Any]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                insert(missed_replies).values(
                    conversation=conversation,
                    message=json.dumps(message, ensure_ascii=False),
                    kept_at=time.time(),
                )
            )

    def missed(self, conversation: str) -> list[tuple[int, dict[str, Any]]]:
        """The replies the person did not get, oldest first, with their ids."""
        since = time.time() - MISSED_DAYS * DAY_S
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(missed_replies.c.id, missed_replies.c.message)
                .where(
                    missed_replies.c.conversation == conversation, missed_replies.c.kept_at >= since
                )
                .order_by(missed_replies.c.id)
            ).all()
        return [(row.id, json.loads(row.message)) for row in rows]

    def delivered(self, reply_id: int) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(missed_replies).where(missed_replies.c.id == reply_id))

    def _purge_now_and_then(self) -> None:
        self._writes += 1
        if self._writes % PURGE_EVERY != 1:
            return
        now = time.time()
        with self.engine.begin() as connection:
            connection.execute(
                delete(deliveries).where(deliveries.c.received_at < now - DELIVERY_DAYS * DAY_S)
            )
            connection.execute(
                delete(missed_replies).where(missed_replies.c.kept_at < now - MISSED_DAYS * DAY_S)
            )


def fresh(sent_at: float | None) -> bool:
    """False for a message the provider dated before the window of deliveries kept
    (a replay its id would no longer stop); True when undated."""
    return sent_at is None or time.time() - sent_at <= DELIVERY_DAYS * DAY_S


def create_tables(engine: Engine) -> None:
    """The ledger's tables, created once (several servers may start together)."""
    try:
        metadata.create_all(engine)
    except DBAPIError:  # another server created them between the check and the creation
        metadata.create_all(engine)


def forget_missed(conversation: str) -> Any:
    """The statement erasing the replies kept for a conversation (with its events)."""
    return delete(missed_replies).where(missed_replies.c.conversation == conversation)


_process_ledger: DeliveryLedger | None = None


def current_ledger() -> DeliveryLedger:
    """The ledger on the running Rasa server's conversation store (an in-memory one when
    the store is not SQL, or outside a server)."""
    global _process_ledger
    if _process_ledger is None:
        _process_ledger = DeliveryLedger(
            _store_engine()
            or create_engine(
                "sqlite://",
                future=True,
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
            )
        )
    return _process_ledger


def _store_engine() -> Engine | None:
    return getattr(our_tracker_store(), "engine", None)
