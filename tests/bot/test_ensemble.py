"""The second opinion: the linear model's ranking averaged with DIET's."""

from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.message import Message

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
        "ensemble", None, None)
    message = Message.build(text="ca dure cb et c payant")
    ranked(message, {"ask_duration": 0.7, "greet": 0.3})  # DIET's
    classifier.process([message])
    ranking = {e["name"]: round(e["confidence"], 2) for e in message.get("intent_ranking")}
    assert ranking == {"ask_financing": 0.54, "ask_duration": 0.34, "greet": 0.12}
    assert message.get("intent")["name"] == "ask_financing"
