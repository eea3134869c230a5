"""The action server's answers are validated as Rasa does, with a validator built once."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import bot.tracker_store  # noqa: F401  (installs the check, as the Rasa server does)
from bot.action_validation import validate_action_result


def remote_action() -> RemoteAction:
    return RemoteAction("validate_location_form", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_rasa_uses_the_check_built_once():
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_answer_passes():
    answer = {"events": [{"event": "slot", "name": "antenne", "value": "arras"}],
              "responses": [{"response": "utter_contact"}]}
    assert remote_action()._validate_action_result(answer)


def test_an_invalid_answer_is_refused_with_rasa_s_explanation():
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        remote_action()._validate_action_result({"events": [{"event": 3}]})
