import json

import pytest

from bot.channels.identity import issue_web_id
from bot.channels.incoming import (
    TOO_LONG_INTENT,
    IncomingMessage,
    InvalidRequest,
    parse_rest_body,
    prepare_text,
)
from settings import current


def _body(**fields) -> bytes:
    return json.dumps(fields).encode("utf-8")


SENDER = issue_web_id()


def test_reads_sender_and_message_and_drops_the_client_metadata():
    incoming = parse_rest_body(_body(sender=SENDER, message=" c koi cléa ", metadata={"a": 1}))
    assert incoming == IncomingMessage(SENDER, "c koi cléa")


@pytest.mark.parametrize(
    "sender",
    [
        "42",
        42,
        "abcdefgh12",
        "tg:42",
        "wa:whatsapp:+33612345678",
        SENDER[:-1] + ("0" if SENDER[-1] != "0" else "1"),  # a signature made up
        "web:" + "0" * 32 + "." + "0" * 32,
    ],
)
def test_only_ids_we_issued_are_accepted(sender):
    with pytest.raises(InvalidRequest, match="inconnue"):
        parse_rest_body(_body(sender=sender, message="bonjour"))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"{not json",
        b"\xff\xfe\x00bad",
        b"[1, 2]",
        _body(message="bonjour"),
        _body(sender="", message="bonjour"),
        _body(sender="  ", message="bonjour"),
        _body(sender=True, message="bonjour"),
        _body(sender="x" * 200, message="bonjour"),
        _body(sender=SENDER),
        _body(sender=SENDER, message=12),
        _body(sender=SENDER, message="   "),
        _body(sender=SENDER, message="\x00\x01"),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"sender": "x", "message": "a", "n": ' + b"9" * 5000 + b"}",
    ],
)
def test_unreadable_bodies_are_refused(body: bytes):
    with pytest.raises(InvalidRequest):
        parse_rest_body(body)


def test_over_long_text_never_reaches_nlu():
    longest = current().max_message_chars
    assert prepare_text("a" * (longest + 1)) == TOO_LONG_INTENT
    assert prepare_text("a" * longest) == "a" * longest


def test_control_characters_are_removed():
    assert prepare_text("bon\x00jour\x07\n") == "bonjour"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ('/give_location{"commune_id":"59350"}', '/give_location{"commune_id":"59350"}'),
        (
            '/quiz_answer{"quiz_item":"q1","quiz_choice":2}',
            '/quiz_answer{"quiz_item":"q1","quiz_choice":2}',
        ),
        ('/give_location{"commune_id":{"a":1}}', "/give_location"),
        ('/give_location{"commune_id":[1,2]}', "/give_location"),
        ('/give_location{"commune_id":"' + "x" * 300 + '"}', "/give_location"),
        ("/give_location{not json}", "/give_location"),
        ("/affirm", "/affirm"),
        ("j'habite à {Lille}", "j'habite à {Lille}"),
    ],
)
def test_payload_entities_are_kept_only_when_plain(payload, expected):
    assert prepare_text(payload) == expected


def test_a_message_id_is_read_when_it_is_a_short_plain_token():
    incoming = parse_rest_body(_body(sender=SENDER, message="oui", message_id="a1B2-c3_d4e5f6"))
    assert incoming == IncomingMessage(SENDER, "oui", "a1B2-c3_d4e5f6")


@pytest.mark.parametrize("message_id", ["short", "x" * 65, "a b c d e f", 12345678, "é" * 10])
def test_a_made_up_message_id_is_refused(message_id):
    with pytest.raises(InvalidRequest, match="message_id"):
        parse_rest_body(_body(sender=SENDER, message="oui", message_id=message_id))
