"""The conversation store: "stop" during a pre-dossier deletes what was typed for it."""

import asyncio
import json

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select

from bot.tracker_store import ErasableSQLTrackerStore


def stored(store: ErasableSQLTrackerStore, sender: str) -> list[str]:
    with store.session_scope() as session:
        return [f"{row.type_name}:{row.data}" for row in session.execute(
            select(store.SQLEvent.type_name, store.SQLEvent.data)
            .where(store.SQLEvent.sender_id == sender)).all()]


def test_stop_deletes_what_was_typed_for_the_request_and_nothing_before(tmp_path):
    store = ErasableSQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    before = [UserUttered("je veux m'inscrire"), ActionExecuted("action_dossier_offer"),
              SlotSet("dossier_request_id", "r1"), BotUttered("Êtes-vous d'accord ?")]
    form = [UserUttered("oui"), SlotSet("dossier_first_name", "Zéphyrine"),
            UserUttered("Quillebeuf"), SlotSet("dossier_last_name", "Quillebeuf"),
            UserUttered("06 41 27 93 58"), BotUttered("Quel est votre numéro ?")]
    tracker = DialogueStateTracker.from_events("web:s", before + form)
    asyncio.run(store.save(tracker))
    assert any("Quillebeuf" in row for row in stored(store, "web:s"))  # kept while going on
    for event in [UserUttered("stop"), ActionExecuted("action_dossier_cancel"),
                  SlotSet("dossier_first_name", None), SlotSet("dossier_last_name", None),
                  SlotSet("dossier_discarded", True)]:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    rows = stored(store, "web:s")
    assert not [row for row in rows if "Quillebeuf" in row or "Zéphyrine" in row or "06 41" in row]
    assert any("je veux m'inscrire" in row for row in rows)  # what came before stays
    assert any(json.loads(row.split(":", 1)[1]).get("name") == "dossier_discarded"
               for row in rows if row.startswith("slot:"))
    # The conversation reads back and goes on.
    again = asyncio.run(store.retrieve("web:s"))
    again.update(UserUttered("bonjour"))
    asyncio.run(store.save(again))
    assert any("bonjour" in row for row in stored(store, "web:s"))
    assert not [row for row in stored(store, "web:s") if "Quillebeuf" in row]
