"""End to end over HTTP: a conversation creates one pre-dossier; erasure leaves nothing behind."""

import json
import sqlite3

from helpers import say, texts

from dossiers.db import make_engine
from dossiers.repository import Repository
from harness.servers import Servers, new_sender


def store(servers: Servers) -> Repository:
    return Repository(make_engine(f"sqlite:///{servers.workdir / 'dossiers.db'}"))


def stored_texts(servers: Servers, sender: str) -> list[str]:
    with sqlite3.connect(servers.workdir / "trackers.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    return [json.loads(data).get("text") or "" for (data,) in rows]


def test_a_conversation_creates_one_pre_dossier_then_erases_it(servers: Servers):
    sender = new_sender()
    repository = store(servers)
    before, before_lille = repository.count(), repository.count("lille")
    assert "commune" in texts(say(servers, "je veux m'inscrire à cléa", sender))
    consent = say(servers, "Roubaix", sender)
    assert "Êtes-vous d'accord" in texts(consent) and "Lille" in texts(consent)
    assert "prénom" in texts(say(servers, consent[-1]["buttons"][0]["payload"], sender))
    assert "nom de famille" in texts(say(servers, "Léa", sender))
    assert "téléphone" in texts(say(servers, "Martin", sender))
    assert "10 chiffres" in texts(say(servers, "0612", sender))
    situation = say(servers, "06 12 34 56 78", sender)
    assert "situation" in texts(situation)
    assert "appelé" in texts(say(servers, situation[-1]["buttons"][0]["payload"], sender))
    summary = texts(say(servers, "Le matin", sender))
    assert "Léa Martin" in summary and "06 12 34 56 78" in summary and "Roubaix" in summary
    created = say(servers, "/affirm", sender)
    assert "Votre référence : CLEA-" in texts(created)
    say(servers, "/affirm", sender)  # a double click on "C'est correct"
    assert repository.count() == before + 1 and repository.count("lille") == before_lille + 1

    assert "Voulez-vous vraiment" in texts(say(servers, "supprimer mes données", sender))
    assert "effacées" in texts(say(servers, "/affirm", sender))
    assert repository.count() == before
    say(servers, "bonjour", sender)
    remaining = stored_texts(servers, sender)
    assert "Léa" not in remaining and "06 12 34 56 78" not in remaining
    assert remaining == ["bonjour"]


def stored_rows(servers: Servers, sender: str) -> list[str]:
    with sqlite3.connect(servers.workdir / "trackers.db") as db:
        return [
            data
            for (data,) in db.execute(
                "SELECT data FROM events WHERE sender_id = ?", (sender,)
            ).fetchall()
        ]


def test_stop_in_the_middle_of_the_form_stores_nothing_and_forgets_what_was_typed(
    servers: Servers,
):
    sender = new_sender()
    before = store(servers).count()
    say(servers, "je veux m'inscrire", sender)
    say(servers, "Arras", sender)
    assert "prénom" in texts(say(servers, "/affirm", sender))
    assert "nom de famille" in texts(say(servers, "Philomène", sender))
    assert "téléphone" in texts(say(servers, "Vantorre", sender))
    assert [row for row in stored_rows(servers, sender) if "Vantorre" in row]
    assert "J'efface" in texts(say(servers, "stop", sender))
    assert not [
        row for row in stored_rows(servers, sender) if "Vantorre" in row or "Philomène" in row
    ]
    assert "Bonjour" in texts(say(servers, "bonjour", sender))
    assert "je veux m'inscrire" in stored_texts(servers, sender)  # what came before stays
    assert store(servers).count() == before
    assert "Êtes-vous d'accord" in texts(
        say(servers, "je veux m'inscrire", sender)
    )  # a new request
