"""Rasa's SQL tracker store, able to erase a conversation ("supprimer mes données").

Rasa writes a tracker's events back when it saves it, so deleting rows from an
action is not enough: the erasure happens here, in place of the save that
follows the action that asked for it (it sets the `data_erasure` slot).
"""

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete

ERASURE_SLOT = "data_erasure"


class ErasableSQLTrackerStore(SQLTrackerStore):
    """Deletes every stored event of a sender whose conversation asked for erasure."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not tracker.get_slot(ERASURE_SLOT):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            session.execute(
                delete(self.SQLEvent).where(self.SQLEvent.sender_id == tracker.sender_id)
            )
            session.commit()
