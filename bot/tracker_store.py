"""Rasa's SQL tracker store, able to erase a conversation ("supprimer mes données").

Rasa writes a tracker's events back when it saves it, so deleting rows from an
action is not enough: the erasure happens here, in place of the save that
follows the action that asked for it (it sets the `data_erasure` slot).

On SQLite (the embedded mode), the file is in WAL mode with synchronous=NORMAL:
a save no longer waits for the disk (Rasa calls the store on its event loop, so
every conversation waited), and a crash of the process loses nothing; only a
power cut may lose the last messages.
"""

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete, event

from bot import action_validation

# Rasa loads this module at start-up in every mode (endpoints*.yml): the place
# for the Rasa server's own speed-up.
action_validation.install()

ERASURE_SLOT = "data_erasure"


class ErasableSQLTrackerStore(SQLTrackerStore):
    """Deletes every stored event of a sender whose conversation asked for erasure."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not tracker.get_slot(ERASURE_SLOT):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            session.execute(
                delete(self.SQLEvent).where(self.SQLEvent.sender_id == tracker.sender_id)
            )
            session.commit()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
