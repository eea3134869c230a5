"""The action server's answers are validated as Rasa does, with a validator built once;
a refused connection is tried again; a call carries the conversation's recent events."""

import asyncio

import aiohttp
import pytest
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.action_validation import ACTION_CALL_EVENTS, install, validate_action_result
from harness.processes import free_port


@pytest.fixture(autouse=True, scope="module")
def installed() -> None:
    install()  # as bot/server.py does where our Rasa servers start


def remote_action() -> RemoteAction:
    return RemoteAction("validate_location_form", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_rasa_uses_the_check_built_once():
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_answer_passes():
    answer = {
        "events": [{"event": "slot", "name": "antenne", "value": "arras"}],
        "responses": [{"response": "utter_contact"}],
    }
    assert remote_action()._validate_action_result(answer)


def test_an_invalid_answer_is_refused_with_rasa_s_explanation():
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action()._validate_action_result({"events": [{"event": 3}]})


def test_a_refused_connection_is_tried_again_until_the_action_server_answers(monkeypatch):
    """The action server (or nginx before it) restarts: the call waits for it, not the person."""
    monkeypatch.setattr("bot.action_validation.CONNECT_RETRY_DELAYS_S", (0.2, 0.2, 0.2, 0.2))
    port = free_port()

    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"events": [], "responses": []})

    async def scenario() -> dict:
        app = web.Application()
        app.router.add_post("/webhook", answer)
        runner = web.AppRunner(app)
        await runner.setup()

        async def start_late() -> None:
            await asyncio.sleep(0.5)  # the first tries are refused
            await web.TCPSite(runner, "127.0.0.1", port).start()

        starting = asyncio.ensure_future(start_late())
        action = RemoteAction("action_x", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        try:
            return await action.action_endpoint.request(
                json={"next_action": "action_x"}, method="post"
            )
        finally:
            await starting
            await runner.cleanup()

    assert asyncio.run(scenario()) == {"events": [], "responses": []}


def test_a_connection_refused_every_time_fails_after_the_tries(monkeypatch):
    monkeypatch.setattr("bot.action_validation.CONNECT_RETRY_DELAYS_S", (0.01, 0.01))
    action = RemoteAction("action_x", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    with pytest.raises(aiohttp.ClientConnectorError):
        asyncio.run(action.action_endpoint.request(json={}, method="post"))


def test_a_call_carries_the_slots_the_latest_message_and_the_recent_events_only():
    domain = Domain.load("bot/domain")
    tracker = DialogueStateTracker("web:s", domain.slots)
    tracker.update(SlotSet("antenne", "arras"))  # set long ago: still sent
    for number in range(ACTION_CALL_EVENTS):
        tracker.update(UserUttered(f"message {number}", {"name": "greet", "confidence": 1.0}))
        tracker.update(ActionExecuted("utter_greet"))
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)
    call = RemoteAction("action_contact", endpoint)._action_call_format(tracker, domain)
    events = call["tracker"]["events"]
    assert len(events) == ACTION_CALL_EVENTS
    assert events[-1] == tracker.events[-1].as_dict()
    assert call["tracker"]["slots"]["antenne"] == "arras"
    assert call["tracker"]["latest_message"]["text"] == f"message {ACTION_CALL_EVENTS - 1}"
    assert call["tracker"]["latest_event_time"] == tracker.events[-1].timestamp
    assert "domain" not in call  # selective: only validate_dossier_form asks for it
    form_call = RemoteAction("validate_dossier_form", endpoint)._action_call_format(tracker, domain)
    assert form_call["domain"]["forms"]["dossier_form"]["required_slots"]
