"""The second opinion: the linear model's ranking averaged with DIET's."""

import numpy as np
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix

from bot.nlu.ensemble import AveragedIntentClassifier


def ranked(message: Message, ranking: dict[str, float]) -> None:
    entries = [{"name": name, "confidence": value} for name, value in ranking.items()]
    message.set("intent", entries[0])
    message.set("intent_ranking", entries)


def test_the_two_rankings_are_averaged_with_the_configured_weight(monkeypatch):
    def linear_model(self, messages):
        for message in messages:
            ranked(message, {"ask_financing": 0.9, "ask_duration": 0.1})
        return messages

    monkeypatch.setattr(LogisticRegressionClassifier, "process", linear_model)
    classifier = AveragedIntentClassifier(
        {**AveragedIntentClassifier.get_default_config(), "previous_weight": 0.4},
        "ensemble",
        None,
        None,
    )
    message = Message.build(text="ca dure cb et c payant")
    ranked(message, {"ask_duration": 0.7, "greet": 0.3})  # DIET's
    classifier.process([message])
    ranking = {e["name"]: round(e["confidence"], 2) for e in message.get("intent_ranking")}
    assert ranking == {"ask_financing": 0.54, "ask_duration": 0.34, "greet": 0.12}
    assert message.get("intent")["name"] == "ask_financing"


def test_the_features_are_those_rasa_builds_without_the_sequence_features():
    def featured(seed: int) -> Message:
        rng = np.random.default_rng(seed)
        message = Message.build(text="c quoi clea")
        for origin, width in (("words", 5), ("chars", 7)):
            for kind, rows in (("sequence", 3), ("sentence", 1)):
                matrix = coo_matrix(rng.integers(0, 3, size=(rows, width)))
                message.add_features(Features(matrix, kind, "text", origin))
        return message

    classifier = AveragedIntentClassifier(
        AveragedIntentClassifier.get_default_config(), "ensemble", None, None
    )
    messages = [featured(1), featured(2)]
    ours = classifier._create_X(messages)
    rasa = LogisticRegressionClassifier._create_X(classifier, messages)
    assert ours.shape == rasa.shape == (2, 12)
    assert (ours != rasa).nnz == 0
