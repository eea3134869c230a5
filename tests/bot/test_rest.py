"""The REST channel finds what the assistant said to a message sent again."""

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.rest import replies_to


def conversation(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("web-1", list(events))


BUTTONS = [{"title": "Oui", "payload": "/affirm"}]


def test_the_replies_between_the_message_and_the_next_one_are_found():
    tracker = conversation(
        UserUttered("bonjour", message_id="first-message"),
        BotUttered("Bonjour !"),
        UserUttered("c koi clea", message_id="second-message"),
        ActionExecuted("utter_what_is_clea"),
        BotUttered("CléA est un certificat.", data={"buttons": BUTTONS}),
        SlotSet("antenne", "arras"),
        BotUttered(None, data={"custom": {"clea_display": {"kind": "bars"}}}),
        UserUttered("merci", message_id="third-message"),
        BotUttered("Avec plaisir."),
    )
    assert replies_to(tracker, "second-message") == [
        {"recipient_id": "web-1", "text": "CléA est un certificat.", "buttons": BUTTONS},
        {"recipient_id": "web-1", "custom": {"clea_display": {"kind": "bars"}}},
    ]


def test_a_message_split_in_two_requests_gets_the_replies_to_both():
    tracker = conversation(
        UserUttered("c koi clea", message_id="message-1.1"),
        BotUttered("Un certificat."),
        UserUttered("ça coûte combien", message_id="message-1.2"),
        BotUttered("Rien."),
        UserUttered("merci", message_id="message-2"),
        BotUttered("Avec plaisir."),
    )
    assert [reply["text"] for reply in replies_to(tracker, "message-1")] == [
        "Un certificat.",
        "Rien.",
    ]


def test_a_message_not_in_the_conversation_has_no_replies_and_a_silent_turn_has_none():
    tracker = conversation(UserUttered("bonjour", message_id="message-1"))
    assert replies_to(tracker, "message-9") is None
    assert replies_to(tracker, "message-1") == []
