import json

import pytest

from bot.channels.incoming import (
    MAX_MESSAGE_CHARS,
    TOO_LONG_INTENT,
    InvalidRequest,
    parse_rest_body,
    prepare_text,
)


def _body(**fields) -> bytes:
    return json.dumps(fields).encode("utf-8")


def test_reads_sender_message_and_metadata():
    incoming = parse_rest_body(_body(sender="abc", message=" c koi cléa ", metadata={"a": 1}))
    assert (incoming.sender, incoming.text, incoming.metadata) == ("abc", "c koi cléa", {"a": 1})


def test_numeric_sender_is_accepted_as_text():
    assert parse_rest_body(_body(sender=42, message="bonjour")).sender == "42"


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
        _body(sender="abc"),
        _body(sender="abc", message=12),
        _body(sender="abc", message="   "),
        _body(sender="abc", message="\x00\x01"),
    ],
)
def test_unreadable_bodies_are_refused(body: bytes):
    with pytest.raises(InvalidRequest):
        parse_rest_body(body)


def test_over_long_text_never_reaches_nlu():
    assert prepare_text("a" * (MAX_MESSAGE_CHARS + 1)) == TOO_LONG_INTENT
    assert prepare_text("a" * MAX_MESSAGE_CHARS) == "a" * MAX_MESSAGE_CHARS


def test_control_characters_are_removed():
    assert prepare_text("bon\x00jour\x07\n") == "bonjour"


def test_non_dict_metadata_is_dropped():
    assert parse_rest_body(_body(sender="a", message="b", metadata="x")).metadata is None
