"""Reads a message that names a place in the region as the `give_location` intent.

DIET cannot learn 3,881 commune names; the territory look-up knows them all.
It runs after DIET and the fallback classifier and takes over when the whole
message is a place ("Maubeuge", "59600", "le Nord"), or when NLU already heard
a place question or could not decide and the message names a place in context.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from referentiel.territory import Outcome, load_territory

RECOGNISED = {Outcome.FOUND, Outcome.CHOOSE, Outcome.OUTSIDE_REGION, Outcome.ASK_COMMUNE}


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class PlaceRecognizer(GraphComponent):
    """Sets the place intent on messages that name a place of the region."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent": "give_location",
            # Intents after which a place named in context ("je suis de Lens") wins.
            "place_intents": ["give_location", "find_antenne", "nlu_fallback"],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.intent = config["intent"]
        self.place_intents = set(config["place_intents"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PlaceRecognizer:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        territory = load_territory()
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # a button payload names its intent itself
                continue
            # Near names (typos, close names) are never recognised here, and comparing
            # with every commune's name would be most of the NLU's time: skipped.
            location = territory.locate(text, near_names=False)
            predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if location.outcome in RECOGNISED and (
                location.place_only or predicted in self.place_intents
            ):
                self._set_intent(message)
        return messages

    def _set_intent(self, message: Message) -> None:
        intent = {INTENT_NAME_KEY: self.intent, "confidence": 1.0}
        ranking = [
            entry for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != self.intent
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
