"""Every message gets an answer: the apology when Rasa sent nothing or failed."""

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.delivery import apology, deliver, for_channel
from bot.display import display


def run(handler) -> list[dict]:
    collector = CollectingOutputChannel()
    asyncio.run(deliver(handler, UserMessage("bonjour", collector, "abcdefgh12")))
    return collector.messages


def test_an_answered_message_gets_no_apology():
    async def answer(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "Bonjour !"})

    assert [m["text"] for m in run(answer)] == ["Bonjour !"]


def test_silence_gets_the_apology_with_the_phone_and_a_button():
    async def silence(message: UserMessage) -> None:
        pass

    messages = run(silence)
    assert len(messages) == 1
    assert "03 59 61 62 63" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "Menu", "payload": "/ask_menu"}]


def test_an_error_inside_rasa_gets_the_apology_and_is_not_raised():
    async def failure(message: UserMessage) -> None:
        raise RuntimeError("tracker store unreachable")

    assert [m["text"] for m in run(failure)] == [apology()["text"]]


def test_the_watched_output_keeps_the_channel_name():
    async def name_check(message: UserMessage) -> None:
        assert message.output_channel.name() == CollectingOutputChannel.name()
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})

    assert len(run(name_check)) == 1


def first_messages(channel: str, text: str, stored: int, monkeypatch) -> list[str]:
    from bot.channels import delivery

    monkeypatch.setattr(delivery, "_stored_user_messages", lambda _: stored)

    async def answer(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "Réponse"})

    collector = CollectingOutputChannel()
    asyncio.run(
        deliver(answer, UserMessage(text, collector, f"{channel}:notice", input_channel=channel))
    )
    return [m["text"] for m in collector.messages]


def test_a_messaging_apps_first_message_hears_first_that_the_conversation_is_kept(monkeypatch):
    for channel in ("telegram", "facebook", "twilio"):
        notice, answer = first_messages(channel, "c koi clea", 0, monkeypatch)
        assert "90 jours" in notice and "vos droits" in notice and answer == "Réponse"
    assert first_messages("telegram", "c koi clea", 1, monkeypatch) == ["Réponse"]
    assert first_messages("telegram", "/greet", 0, monkeypatch) == ["Réponse"]  # it says it
    assert first_messages("socketio", "c koi clea", 0, monkeypatch) == ["Réponse"]


def test_two_requests_in_one_message_are_each_handed_to_the_assistant():
    seen: list[tuple[str, str]] = []

    async def answer(message: UserMessage) -> None:
        seen.append((message.text, message.message_id))
        await message.output_channel.send_response(message.sender_id, {"text": message.text})

    collector = CollectingOutputChannel()
    asyncio.run(
        deliver(
            answer,
            UserMessage(
                "c'est quoi CléA ? Et ça coûte combien ?", collector, "web:two", message_id="m1"
            ),
        )
    )
    assert seen == [("c'est quoi CléA ?", "m1.1"), ("ça coûte combien ?", "m1.2")]
    assert [m["text"] for m in collector.messages] == ["c'est quoi CléA ?", "ça coûte combien ?"]


def test_the_widget_s_drawings_reach_the_website_only():
    drawing = {"custom": display("progress", number=9, total=18)}
    assert for_channel("socketio", drawing) == drawing and for_channel("rest", drawing) == drawing
    assert for_channel("telegram", drawing) is None
    both = {"text": "Question 9 sur 18.", **drawing}
    assert for_channel("twilio", both) == {"text": "Question 9 sur 18."}
    other = {"custom": {"text": "une charge utile d'un autre"}}
    assert for_channel("facebook", other) == other  # not ours: left as it is


def test_a_drawing_alone_is_no_answer_on_a_messaging_app():
    async def drawing_only(message: UserMessage) -> None:
        await message.output_channel.send_response(
            message.sender_id, {"custom": display("progress", number=1, total=18)}
        )

    class Telegram(CollectingOutputChannel):
        @classmethod
        def name(cls) -> str:
            return "telegram"

    collector = Telegram()
    asyncio.run(
        deliver(drawing_only, UserMessage("2", collector, "tg:drawing", input_channel="telegram"))
    )
    assert collector.messages[-1]["text"] == apology()["text"]
    assert not [m for m in collector.messages if "custom" in m]
