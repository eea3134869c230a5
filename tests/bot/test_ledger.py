"""Deliveries seen once, replies kept for later, on a real database file."""

import time

import pytest
from sqlalchemy import create_engine, select, update

from bot.channels import ledger
from bot.channels.ledger import DeliveryLedger, deliveries, forget_missed, missed_replies


@pytest.fixture
def book(tmp_path) -> DeliveryLedger:
    return DeliveryLedger(create_engine(f"sqlite:///{tmp_path / 'trackers.db'}", future=True))


def test_a_delivery_is_seen_once_per_provider(book):
    assert book.first_time("telegram", 1001)
    assert not book.first_time("telegram", 1001)
    assert book.first_time("twilio", 1001)  # another provider's id space
    assert book.first_time("messenger", None) and book.first_time("messenger", None)


def test_a_second_server_on_the_same_database_sees_the_delivery_too(book):
    other = DeliveryLedger(create_engine(book.engine.url, future=True))
    assert book.first_time("messenger", "m_1")
    assert not other.first_time("messenger", "m_1")


def test_missed_replies_come_back_in_order_until_delivered(book):
    book.keep_missed("tg:1", {"text": "Votre numéro de dossier : CLEA-1234"})
    book.keep_missed("tg:1", {"text": "Autre chose ?", "buttons": [{"title": "Menu"}]})
    book.keep_missed("tg:2", {"text": "pour quelqu'un d'autre"})
    missed = book.missed("tg:1")
    assert [message["text"] for _, message in missed] == [
        "Votre numéro de dossier : CLEA-1234",
        "Autre chose ?",
    ]
    book.delivered(missed[0][0])
    assert [message["text"] for _, message in book.missed("tg:1")] == ["Autre chose ?"]
    with book.engine.begin() as connection:
        connection.execute(forget_missed("tg:1"))
    assert book.missed("tg:1") == [] and len(book.missed("tg:2")) == 1


def test_old_rows_expire(book, monkeypatch):
    book.first_time("telegram", 1)
    book.keep_missed("tg:1", {"text": "vieux"})
    long_ago = time.time() - (ledger.DELIVERY_DAYS + 1) * ledger.DAY_S
    with book.engine.begin() as connection:
        connection.execute(update(deliveries).values(received_at=long_ago))
        connection.execute(update(missed_replies).values(kept_at=long_ago))
    assert book.missed("tg:1") == []
    book._writes = 0  # the next write purges
    assert book.first_time("telegram", 2)
    with book.engine.connect() as connection:
        kept = connection.execute(select(deliveries.c.delivery_id)).scalars().all()
        assert kept == ["telegram:2"]
        assert connection.execute(select(missed_replies.c.id)).all() == []


def test_a_message_dated_before_the_window_is_stale():
    assert ledger.fresh(None) and ledger.fresh(time.time() - 60)
    assert not ledger.fresh(time.time() - (ledger.DELIVERY_DAYS + 1) * ledger.DAY_S)
