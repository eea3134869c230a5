"""The conversation store: "stop" during a pre-dossier deletes what was typed for it;
conversations kept in memory stay what the database holds."""

import asyncio
import json

from helpers import project_domain
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete, select

from bot.tracker_store import ErasableSQLTrackerStore


def stored(store: ErasableSQLTrackerStore, sender: str) -> list[str]:
    with store.session_scope() as session:
        return [
            f"{row.type_name}:{row.data}"
            for row in session.execute(
                select(store.SQLEvent.type_name, store.SQLEvent.data).where(
                    store.SQLEvent.sender_id == sender
                )
            ).all()
        ]


def test_stop_deletes_what_was_typed_for_the_request_and_nothing_before(tmp_path):
    store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    before = [
        UserUttered("je veux m'inscrire"),
        ActionExecuted("action_dossier_offer"),
        SlotSet("dossier_request_id", "r1"),
        BotUttered("Êtes-vous d'accord ?"),
    ]
    form = [
        UserUttered("oui"),
        SlotSet("dossier_first_name", "Zéphyrine"),
        UserUttered("Quillebeuf"),
        SlotSet("dossier_last_name", "Quillebeuf"),
        UserUttered("06 41 27 93 58"),
        BotUttered("Quel est votre numéro ?"),
    ]
    tracker = DialogueStateTracker.from_events("web:s", before + form)
    asyncio.run(store.save(tracker))
    assert any("Quillebeuf" in row for row in stored(store, "web:s"))  # kept while going on
    for event in [
        UserUttered("stop"),
        ActionExecuted("action_dossier_cancel"),
        SlotSet("dossier_first_name", None),
        SlotSet("dossier_last_name", None),
        SlotSet("dossier_discarded", True),
    ]:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    rows = stored(store, "web:s")
    assert not [row for row in rows if "Quillebeuf" in row or "Zéphyrine" in row or "06 41" in row]
    assert any("je veux m'inscrire" in row for row in rows)  # what came before stays
    assert any(
        json.loads(row.split(":", 1)[1]).get("name") == "dossier_discarded"
        for row in rows
        if row.startswith("slot:")
    )
    # The conversation reads back and goes on.
    again = asyncio.run(store.retrieve("web:s"))
    again.update(UserUttered("bonjour"))
    asyncio.run(store.save(again))
    assert any("bonjour" in row for row in stored(store, "web:s"))
    assert not [row for row in stored(store, "web:s") if "Quillebeuf" in row]


DOMAIN = project_domain()


def turn(tracker: DialogueStateTracker, text: str) -> None:
    for new_event in [
        UserUttered(text, {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        BotUttered(f"réponse à {text}"),
        ActionExecuted("action_listen"),
    ]:
        tracker.update(new_event)


def two_servers(tmp_path) -> tuple[ErasableSQLTrackerStore, ErasableSQLTrackerStore]:
    """Two stores on one database, as two Rasa servers of the scaled mode."""
    return tuple(
        ErasableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
        for _ in range(2)
    )


def texts(tracker: DialogueStateTracker) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def talked(store: ErasableSQLTrackerStore, sender: str, *said: str) -> DialogueStateTracker:
    """A conversation begun as Rasa begins one, read back (and kept) by `store`, then a
    turn for each of `said`, saved."""
    asyncio.run(store.create_tracker(sender))
    tracker = asyncio.run(store.retrieve(sender))
    for text in said:
        turn(tracker, text)
    asyncio.run(store.save(tracker))
    return tracker


def test_a_kept_conversation_reads_what_another_server_added(tmp_path):
    one, other = two_servers(tmp_path)
    tracker = talked(one, "web:a", "un")
    assert asyncio.run(one.retrieve("web:a")) is tracker  # kept: not read again
    elsewhere = asyncio.run(other.retrieve("web:a"))
    turn(elsewhere, "deux")
    asyncio.run(other.save(elsewhere))
    again = asyncio.run(one.retrieve("web:a"))
    assert again is tracker and texts(again) == ["un", "deux"]
    turn(again, "trois")
    asyncio.run(one.save(again))
    # What is stored is what a store that keeps nothing reads: each event once.
    fresh = asyncio.run(
        ErasableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db")).retrieve(
            "web:a"
        )
    )
    assert texts(fresh) == ["un", "deux", "trois"]
    assert [e.as_dict() for e in fresh.events] == [e.as_dict() for e in again.events]


def test_a_kept_conversation_whose_rows_were_deleted_is_read_again(tmp_path):
    one, other = two_servers(tmp_path)
    tracker = talked(one, "web:b", "un", "deux")
    with other.session_scope() as session:  # as the retention job or an erasure elsewhere
        session.execute(
            delete(other.SQLEvent)
            .where(other.SQLEvent.sender_id == "web:b", other.SQLEvent.data.like('%"deux"%'))
            .execution_options(synchronize_session=False)
        )
        session.commit()
    again = asyncio.run(one.retrieve("web:b"))
    assert again is not tracker and texts(again) == ["un"]


def test_a_tracker_changed_but_not_saved_is_read_again(tmp_path):
    one, _ = two_servers(tmp_path)
    tracker = talked(one, "web:c", "un")
    turn(tracker, "perdu")  # a turn that failed before its save
    again = asyncio.run(one.retrieve("web:c"))
    assert again is not tracker and texts(again) == ["un"]


def test_a_new_session_is_read_from_its_start(tmp_path):
    one, other = two_servers(tmp_path)
    talked(one, "web:d", "hier")
    elsewhere = asyncio.run(other.retrieve("web:d"))
    for new_event in [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]:
        elsewhere.update(new_event)
    turn(elsewhere, "aujourd'hui")
    asyncio.run(other.save(elsewhere))
    for store in (one, other):
        again = asyncio.run(store.retrieve("web:d"))
        assert texts(again) == ["aujourd'hui"]
        assert isinstance(again.events[0], SessionStarted)


def test_erasure_forgets_the_kept_conversation(tmp_path):
    one, _ = two_servers(tmp_path)
    tracker = talked(one, "web:e", "mon nom est Zéphyrine")
    tracker.update(SlotSet("data_erasure", True))
    asyncio.run(one.save(tracker))
    assert asyncio.run(one.retrieve("web:e")) is None
    assert stored(one, "web:e") == []
