"""E-mails on a new pre-dossier, against a local SMTP server started by the test."""

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.dossier as dossier
from dossiers.db import make_engine
from dossiers.notify import SmtpSettings, messages_for, send
from dossiers.repository import Repository
from referentiel import load_referentiel


def body(message) -> str:
    return message.get_content()


def test_new_pre_dossier_mails_the_antenne_and_the_candidate(smtp_server, tmp_path, monkeypatch):
    inbox, port = smtp_server
    monkeypatch.setenv("CLEA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CLEA_SMTP_PORT", str(port))
    monkeypatch.setenv("CLEA_CONSOLE_URL", "https://clea.example/console")
    store = Repository(make_engine(f"sqlite:///{tmp_path / 'dossiers.db'}"))
    store.migrate()
    store.sync_antennes(load_referentiel())
    monkeypatch.setattr(dossier, "repository", lambda: store)
    slots = {
        "antenne": "amiens",
        "commune": "Ham",
        "postal_code": "80400",
        "dossier_first_name": "Léa",
        "dossier_last_name": "Martin",
        "dossier_contact": "lea.martin@exemple.fr",
        "situation": "autre",
        "dossier_contact_time": "Peu importe",
        "dossier_request_id": "r1",
    }
    tracker = Tracker(
        "s1",
        slots,
        {"text": "oui", "intent": {}, "entities": []},
        [],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(dossier.ActionDossierCreate().run(dispatcher, tracker, {}))
    reference = dispatcher.messages[0]["reference"]

    to_antenne, to_candidate = inbox.messages
    assert to_antenne["To"] == "contactamiens@transitionspro-hdf.fr"
    assert reference in to_antenne["Subject"] and "https://clea.example/console" in body(to_antenne)
    assert not any(secret in body(to_antenne) for secret in ("Léa", "Martin", "lea.martin", "Ham"))
    assert to_candidate["To"] == "lea.martin@exemple.fr" and reference in body(to_candidate)


def test_no_smtp_settings_no_mail(monkeypatch):
    monkeypatch.delenv("CLEA_SMTP_HOST", raising=False)
    assert SmtpSettings.from_settings() is None


def test_an_smtp_failure_is_reported_not_raised():
    settings = SmtpSettings(host="127.0.0.1", port=1, sender="a@b.fr", console_url="x")
    ref = load_referentiel()
    assert (
        send(messages_for("CLEA-2026-AAAA", ref.antenne("lille"), None, ref, settings), settings)
        is False
    )
