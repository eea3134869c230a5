"""A second opinion on the intent: logistic regression on the same features as DIET,
its probabilities averaged with DIET's.

The two models err differently: DIET learns dense combinations, the linear model
weighs each word and character n-gram on its own. Their average ranks the right
intent first more often than either alone, and is less often unsure (measured on
the dev set, README "NLU"). Runs right after DIET; the fallback reads the average.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack, vstack

RANKING_LENGTH = 10


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class AveragedIntentClassifier(LogisticRegressionClassifier):
    """Logistic regression whose ranking is averaged with the previous classifier's."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "ranking_length": 0,
            "previous_weight": 0.5,
        }

    def process(self, messages: list[Message]) -> list[Message]:
        previous = [_confidences(message) for message in messages]
        super().process(messages)
        weight = self.config["previous_weight"]
        for message, before in zip(messages, previous):
            own = _confidences(message)
            averaged = sorted(
                (
                    {
                        INTENT_NAME_KEY: name,
                        PREDICTED_CONFIDENCE_KEY: weight * before.get(name, 0.0)
                        + (1 - weight) * own.get(name, 0.0),
                    }
                    for name in {*before, *own}
                ),
                key=lambda entry: -entry[PREDICTED_CONFIDENCE_KEY],
            )[:RANKING_LENGTH]
            message.set(INTENT, averaged[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, averaged, add_to_output=True)
        return messages

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """The sparse sentence features of each message, as Rasa's `_create_X` builds
        them, without also combining the sequence features it then drops (about a fifth
        of the NLU's time per message). Dense features: Rasa's own way."""
        rows = []
        for message in messages:
            sentence = [
                feature
                for feature in message.features
                if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE
            ]
            if not sentence or any(feature.is_dense() for feature in sentence):
                return super()._create_X(messages)
            rows.append(csr_matrix(hstack([feature.features for feature in sentence])))
        return vstack(rows)


def _confidences(message: Message) -> dict[str, float]:
    return {
        entry[INTENT_NAME_KEY]: float(entry[PREDICTED_CONFIDENCE_KEY])
        for entry in message.get(INTENT_RANKING_KEY) or []
    }
