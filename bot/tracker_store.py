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

Rasa's store reads and rebuilds every event of a conversation for each message. This
one keeps the trackers of the last `KEPT_CONVERSATIONS` conversations in memory and
reads only the rows added since (by another server, in the scaled mode); a tracker
whose rows were deleted (erasure, retention), whose new rows start a session, or that
was changed without being saved, is read again whole. A kept tracker's save stores
the events added since, without counting the stored ones first as Rasa does. Its
trackers are `IncrementalTracker`s (bot/trackers.py).
"""

import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import delete, func, select

from bot import log_privacy
from bot.channels import ledger
from bot.trackers import IncrementalTracker
from dossiers.db import private_sqlite_file, use_wal

# Rasa loads this module at start-up in every mode (endpoints*.yml), once its
# logging is set up: the place to scrub the Rasa server's logs.
log_privacy.install()

ERASURE_SLOT = "data_erasure"
# Set when the person stops a pre-dossier: what they typed for it is deleted.
DISCARD_SLOT = "dossier_discarded"
REQUEST_SLOT = "dossier_request_id"
DISCARDED_SLOTS = frozenset(
    {"dossier_first_name", "dossier_last_name", "dossier_contact", "dossier_contact_time"}
)
# Conversations whose tracker is kept in memory, the least recently used dropped first.
KEPT_CONVERSATIONS = 200


@dataclass
class _Kept:
    """A tracker kept in memory, and what it was built from."""

    tracker: IncrementalTracker
    saved_events: int  # its length when it was read or saved: longer means changed since
    last_id: int  # the highest row id it holds
    rows: int  # the conversation's rows up to `last_id`, every session counted


class ErasableSQLTrackerStore(SQLTrackerStore):
    """Deletes every stored event of a sender whose conversation asked for erasure."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database:
            use_wal(self.engine, synchronous="NORMAL")
            private_sqlite_file(Path(self.engine.url.database))
        ledger.create_tables(self.engine)  # the messaging channels' tables
        self._kept: OrderedDict[str, _Kept] = OrderedDict()

    def init_tracker(self, sender_id: str) -> IncrementalTracker:
        """A new conversation's tracker."""
        return IncrementalTracker(
            sender_id, self.domain.slots, max_event_history=self.max_event_history
        )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's current session, from memory when what is kept is current."""
        kept = self._kept.get(sender_id)
        if (
            kept is not None
            and len(kept.tracker.events) == kept.saved_events
            and self._catch_up(kept)
        ):
            self._kept.move_to_end(sender_id)
            return kept.tracker
        self._kept.pop(sender_id, None)
        return self._read_whole(sender_id)

    def _read_whole(self, sender_id: str) -> IncrementalTracker | None:
        with self.session_scope() as session:
            rows = (
                self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
                .with_entities(self.SQLEvent.id, self.SQLEvent.data)
                .all()
            )
            if not rows or not self.domain:
                return None
            held = self._rows_up_to(session, sender_id, rows[-1].id)
        tracker = IncrementalTracker.from_events(
            sender_id, deserialised(row.data for row in rows), self.domain.slots
        )
        self._keep(_Kept(tracker, len(tracker.events), rows[-1].id, held))
        return tracker

    def _catch_up(self, kept: _Kept) -> bool:
        """Add the rows saved since to the kept tracker; False when it must be read again."""
        sender_id = kept.tracker.sender_id
        with self.session_scope() as session:
            rows = session.execute(
                select(self.SQLEvent.id, self.SQLEvent.type_name, self.SQLEvent.data)
                .where(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > kept.last_id)
                .order_by(self.SQLEvent.id)
            ).all()
            if self._rows_up_to(session, sender_id, kept.last_id) != kept.rows:
                return False  # rows were deleted
        if any(row.type_name == SessionStarted.type_name for row in rows):
            return False
        for new_event in deserialised(row.data for row in rows):
            kept.tracker.events.append(new_event)  # as a read does: no model id stamped
            new_event.apply_to(kept.tracker)
        if rows:
            kept.saved_events = len(kept.tracker.events)
            kept.last_id = rows[-1].id
            kept.rows += len(rows)
        return True

    def _rows_up_to(self, session: Any, sender_id: str, last_id: int) -> int:
        return session.execute(
            select(func.count())
            .select_from(self.SQLEvent)
            .where(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id <= last_id)
        ).scalar_one()

    def _keep(self, kept: _Kept) -> None:
        self._kept[kept.tracker.sender_id] = kept
        self._kept.move_to_end(kept.tracker.sender_id)
        while len(self._kept) > KEPT_CONVERSATIONS:
            self._kept.popitem(last=False)

    def _append(self, kept: _Kept) -> None:
        """Store the events added to a kept tracker since it was read or saved."""
        tracker = kept.tracker
        new = list(islice(tracker.events, kept.saved_events, None))
        if not new:
            return
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, new_event) for new_event in new]
            session.add_all(rows)
            session.flush()
            last_id = rows[-1].id
            session.commit()
        if any(isinstance(new_event, SessionStarted) for new_event in new):
            self._kept.pop(tracker.sender_id, None)  # a read now starts at the new session
            return
        kept.saved_events, kept.last_id = len(tracker.events), last_id
        kept.rows += len(new)

    def _row(self, sender_id: str, new_event: Event) -> Any:
        """An event as Rasa's `SQLTrackerStore.save` stores it."""
        data = new_event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=new_event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def user_message_count(self, sender_id: str) -> int:
        """How many messages of the person the conversation holds (its size cap)."""
        with self.session_scope() as session:
            return session.execute(
                select(func.count())
                .select_from(self.SQLEvent)
                .where(self.SQLEvent.sender_id == sender_id, self.SQLEvent.type_name == "user")
            ).scalar_one()

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.get_slot(ERASURE_SLOT):
            with self.session_scope() as session:
                session.execute(
                    delete(self.SQLEvent).where(self.SQLEvent.sender_id == tracker.sender_id)
                )
                session.execute(ledger.forget_missed(tracker.sender_id))
                session.commit()
            self._kept.pop(tracker.sender_id, None)
            return
        kept = self._kept.get(tracker.sender_id)
        if (
            kept is not None
            and kept.tracker is tracker
            and len(tracker.events) >= kept.saved_events
        ):
            if self.event_broker:
                await self._stream_new_events(
                    self.event_broker,
                    list(islice(tracker.events, kept.saved_events, None)),
                    tracker.sender_id,
                )
            self._append(kept)
        else:  # a tracker this store did not hand out (a new conversation, Rasa's API)
            self._kept.pop(tracker.sender_id, None)
            await super().save(tracker)
        since = _discarded_request_start(tracker) if tracker.get_slot(DISCARD_SLOT) else None
        if since is not None:
            self._delete_typed_since(tracker.sender_id, since)
            self._kept.pop(tracker.sender_id, None)

    def _delete_typed_since(self, sender_id: str, since: float) -> None:
        """Delete what the person typed from `since` on, and the slots that held it."""
        with self.session_scope() as session:
            rows = session.execute(
                select(self.SQLEvent.id, self.SQLEvent.type_name, self.SQLEvent.data).where(
                    self.SQLEvent.sender_id == sender_id,
                    self.SQLEvent.timestamp >= since,
                    self.SQLEvent.type_name.in_(("user", "slot")),
                )
            ).all()
            typed = [
                row.id
                for row in rows
                if row.type_name == "user" or json.loads(row.data).get("name") in DISCARDED_SLOTS
            ]
            if typed:
                session.execute(delete(self.SQLEvent).where(self.SQLEvent.id.in_(typed)))
                session.commit()


def deserialised(serialised: Iterable[str]) -> list[Event]:
    """Stored events as Rasa reads them, each type found in a table built once (Rasa
    walks every Event subclass for each event: a quarter of a long conversation's read)."""
    types = _event_types()
    events = []
    for data in serialised:
        parameters = json.loads(data)
        event_type = types.get(parameters.get("event"))
        read = (
            event_type._from_parameters(parameters)
            if event_type
            else Event.from_parameters(parameters)
        )
        if read is not None:
            events.append(read)
    return events


_EVENT_TYPES: dict[str, type[Event]] = {}


def _event_types() -> dict[str, type[Event]]:
    if not _EVENT_TYPES:
        for event_type in all_subclasses(Event):  # the first of a name wins, as in Rasa
            _EVENT_TYPES.setdefault(event_type.type_name, event_type)
    return _EVENT_TYPES


def _discarded_request_start(tracker: DialogueStateTracker) -> float | None:
    """When this turn stopped a request: the time that request started, else None."""
    start = None
    discarded_now = False
    for stored in tracker.events:
        if isinstance(stored, UserUttered):
            discarded_now = False
        elif isinstance(stored, SlotSet) and stored.key == DISCARD_SLOT:
            discarded_now = bool(stored.value)
        elif isinstance(stored, SlotSet) and stored.key == REQUEST_SLOT and stored.value:
            start = stored.timestamp
    return start if discarded_now else None
