"""Places read anywhere in a message, as `place` entities, and the one rule that routes.

DIET cannot learn 3,881 commune names; referentiel.territory reads them (exact
names, short names, postal codes, départements, typos, communes of other
regions). This component runs last in the pipeline:
- every message that names a place gets a `place` entity (its value is the
  place as the assistant will name it; `outcome` says found, choose, confirm,
  outside_region or ask_commune);
- the one routing decision (`route_intents`, `answer_then_route` in config.yml): a
  message that is only a place ("moi c'est vers Château-Thierry"), a place in a
  message whose intent is about where to go, or one that says where the person
  is ("j'habite à Agny et je voudrais savoir qui appeler"), becomes
  `give_location`, so that the answer is the antenne. A question asked with a
  place keeps its intent: its answer, then the antenne (data/rules/places.yml).
  Other intents keep their own answer ("il va pleuvoir à Lille ?" stays out of
  scope). When NLU was unsure (the fallback), its likeliest intent decides.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.tokenizer import states_where
from referentiel.territory import Location, locate, name_key

ENTITY = "place"
FALLBACK_INTENT = "nlu_fallback"
FOUND_CONFIDENCE = 1.0
QUESTION_CONFIDENCE = 0.8  # a typo to confirm


def place_value(location: Location) -> str:
    """How the place reads: its name, postal code or département."""
    return location.name or location.postal_code or location.departement or location.query


def place_span(text: str, words: str) -> tuple[int, int]:
    """Where the words that name the place (name-key form) are in the message; the
    whole message when they are not found as they are (a département read from a
    number, a name read from its SMS form)."""
    keys = [
        (key, word.start(), word.end())
        for word in re.finditer(r"[^\W_]+", text)
        for key in name_key(word.group()).split()
    ]
    wanted = words.split()
    for first in range(len(keys) - len(wanted) + 1) if wanted else ():
        if [key for key, _, _ in keys[first : first + len(wanted)]] == wanted:
            return keys[first][1], keys[first + len(wanted) - 1][2]
    return 0, len(text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PlaceExtractor(GraphComponent):
    """Adds `place` entities; a place in a routing intent's message makes it give_location."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent": "give_location",
            # Intents whose message, when it names a place, is answered with the antenne.
            "route_intents": [
                "give_location",
                "find_antenne",
                "ask_antennes",
                "contact_human",
                "greet",
            ],
            "answer_then_route": [],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self.intent = config["intent"]
        self.route_intents = frozenset(config["route_intents"])
        self.answer_then_route = frozenset(config["answer_then_route"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PlaceExtractor:
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # a button payload names its intent itself
                continue
            location = locate(text)
            if not location.is_place:
                continue
            confidence = (
                QUESTION_CONFIDENCE if location.outcome.value == "confirm" else (FOUND_CONFIDENCE)
            )
            start, end = place_span(text, location.words)
            entity = {
                "entity": ENTITY,
                "start": start,
                "end": end,
                "value": place_value(location),
                "outcome": location.outcome.value,
                "confidence_entity": confidence,
                "extractor": type(self).__name__,
            }
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if (
                self._understood_intent(message) in self.route_intents
                or location.place_only
                or (intent not in self.answer_then_route and states_where(text, location))
            ):
                self._route(message, confidence)
        return messages

    @staticmethod
    def _understood_intent(message: Message) -> str | None:
        """The intent NLU read; when it was unsure (the fallback), its likeliest one: with
        a place, "c quelle antenne pour lievin" is sure enough to route."""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if intent != FALLBACK_INTENT:
            return intent
        ranking = [entry.get(INTENT_NAME_KEY) for entry in message.get(INTENT_RANKING_KEY) or []]
        return next((name for name in ranking if name != FALLBACK_INTENT), None)

    def _route(self, message: Message, confidence: float) -> None:
        """give_location first; the intent NLU predicted stays in the ranking."""
        intent = {INTENT_NAME_KEY: self.intent, PREDICTED_CONFIDENCE_KEY: confidence}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != self.intent
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
