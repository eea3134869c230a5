"""Whitespace tokens of the normalised text: DIET sees "je suis au chomage" where the
person wrote "jsui o chaumage", and "je suis de xlieux" for any place the territory
reads in the message, at training and at serving alike."""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.noise import noisy
from referentiel.normalise import PLACE_WORD, normalised_words
from referentiel.territory import Location, locate

MIN_NOISY_LENGTH = 4  # "oui", "b": no noise
# A clause that only says where the person is ("j habite a xlieux"), left out of what DIET
# reads when the rest of the message is a request of at least MIN_QUESTION_WORDS words.
PLACE_STATEMENT = re.compile(
    rf"\b(?:(?:moi )?(?:j habite|je vis|je suis|on est|je reside|je travaille|je bosse|moi c est)"
    rf"|c est)(?: (?:a|au|de|du|d|sur|pres de|vers|dans le coin de|a cote de))? {PLACE_WORD}\b"
)
MIN_QUESTION_WORDS = 2
PLACE_INTENT = "give_location"


def without_place_statement(normalised: str) -> str:
    """The normalised text without the clause that says where the person is."""
    return " ".join(PLACE_STATEMENT.sub(" ", normalised).split())


def states_where(text: str, location: Location) -> bool:
    """The message says where the person is ("j'habite à Lens", "je bosse à Arras")."""
    if not location.is_place:
        return False
    normalised = " ".join(normalised_words(text, place=location.words))
    return without_place_statement(normalised) != normalised


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalisingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer over referentiel.normalise's text; other attributes as is.

    At training, each intent example also gets `noise_copies` seeded noisy copies
    (bot/nlu/noise.py): what the normaliser does not undo, DIET learns to read.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**WhitespaceTokenizer.get_default_config(), "noise_copies": 1, "noise_seed": 42}

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        copies, seed = self._config["noise_copies"], self._config["noise_seed"]
        noisy_examples = [
            Message.build(text=text, intent=example.get(INTENT))
            for example in training_data.intent_examples
            if len(example.get(TEXT) or "") >= MIN_NOISY_LENGTH
            for copy in range(copies)
            if (text := noisy(example.get(TEXT), seed + copy)) != example.get(TEXT)
        ]
        return super().process_training_data(training_data.merge(TrainingData(noisy_examples)))

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        if attribute != TEXT or text.startswith("/"):
            return super().tokenize(message, attribute)
        location = locate(text)
        normalised = " ".join(
            normalised_words(text, place=location.words if location.is_place else "")
        )
        # "c'est payant ? j'habite à Lens": DIET reads the question, the place is an entity.
        # Not in a training example of the place intent itself, which teaches the place
        # statements ("jsui demandeur d'emploi, j'habite X" is no example of a situation).
        question = without_place_statement(normalised)
        if (
            question
            and question != normalised
            and len(question.split()) >= MIN_QUESTION_WORDS
            and message.get(INTENT) != PLACE_INTENT
        ):
            normalised = question
        if not normalised:  # only symbols or emoji: read as they are
            return super().tokenize(message, attribute)
        return self._apply_token_pattern(
            self._convert_words_to_tokens(normalised.split(), normalised)
        )
