"""Rasa's SQL tracker store, able to erase a conversation ("supprimer mes données").

Rasa writes a tracker's events back when it saves it, so deleting rows from an
action is not enough: the erasure happens here, in place of the save that
follows the action that asked for it (it sets the `data_erasure` slot). In the
same way, a pre-dossier stopped with "stop" leaves nothing of what was typed
for it: after the save of that turn (`dossier_discarded` set), the person's
messages since the request began and the slots that held them are deleted.

On SQLite (the embedded mode), the file is in WAL mode with synchronous=NORMAL:
a save no longer waits for the disk (Rasa calls the store on its event loop, so
every conversation waited), and a crash of the process loses nothing; only a
power cut may lose the last messages.
"""

import json
import os
from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete, event, func, select

from bot import action_validation, log_privacy
from bot.channels import ledger

# Rasa loads this module at start-up in every mode (endpoints*.yml), once its
# logging is set up: the place for the Rasa server's own speed-up and log scrubbing.
action_validation.install()
log_privacy.install()

ERASURE_SLOT = "data_erasure"
# Set when the person stops a pre-dossier: what they typed for it is deleted.
DISCARD_SLOT = "dossier_discarded"
REQUEST_SLOT = "dossier_request_id"
DISCARDED_SLOTS = frozenset({"dossier_first_name", "dossier_last_name", "dossier_contact",
                             "dossier_contact_time"})


class ErasableSQLTrackerStore(SQLTrackerStore):
    """Deletes every stored event of a sender whose conversation asked for erasure."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            _owner_only(self.engine.url.database)
        ledger.create_tables(self.engine)  # the messaging channels' tables

    def user_message_count(self, sender_id: str) -> int:
        """How many messages of the person the conversation holds (its size cap)."""
        with self.session_scope() as session:
            return session.execute(
                select(func.count()).select_from(self.SQLEvent).where(
                    self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == "user")
            ).scalar_one()

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(ERASURE_SLOT):
            with self.session_scope() as session:
                session.execute(
                    delete(self.SQLEvent).where(self.SQLEvent.sender_id == tracker.sender_id)
                )
                session.execute(ledger.forget_missed(tracker.sender_id))
                session.commit()
            return
        await super().save(tracker)
        since = _discarded_request_start(tracker) if tracker.get_slot(DISCARD_SLOT) else None
        if since is not None:
            self._delete_typed_since(tracker.sender_id, since)

    def _delete_typed_since(self, sender_id: str, since: float) -> None:
        """Delete what the person typed from `since` on, and the slots that held it."""
        with self.session_scope() as session:
            rows = session.execute(
                select(self.SQLEvent.id, self.SQLEvent.type_name, self.SQLEvent.data).where(
                    self.SQLEvent.sender_id == sender_id, self.SQLEvent.timestamp >= since,
                    self.SQLEvent.type_name.in_(("user", "slot")))
            ).all()
            typed = [row.id for row in rows if row.type_name == "user"
                     or json.loads(row.data).get("name") in DISCARDED_SLOTS]
            if typed:
                session.execute(delete(self.SQLEvent).where(self.SQLEvent.id.in_(typed)))
                session.commit()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _owner_only(database: Optional[str]) -> None:
    """The conversations' SQLite file (and its WAL companions) readable by its owner only."""
    if not database:
        return
    for path in (database, f"{database}-wal", f"{database}-shm"):
        if os.path.exists(path):
            os.chmod(path, 0o600)


def _discarded_request_start(tracker: DialogueStateTracker) -> Optional[float]:
    """When this turn stopped a request: the time that request started, else None."""
    start = None
    discarded_now = False
    for event in tracker.events:
        if isinstance(event, UserUttered):
            discarded_now = False
        elif isinstance(event, SlotSet) and event.key == DISCARD_SLOT:
            discarded_now = bool(event.value)
        elif isinstance(event, SlotSet) and event.key == REQUEST_SLOT and event.value:
            start = event.timestamp
    return start if discarded_now else None
