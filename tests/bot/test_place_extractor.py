"""The place extractor: a `place` entity anywhere, and the one routing rule."""

from rasa.shared.nlu.training_data.message import Message

from bot.nlu.place_extractor import PlaceExtractor, place_span


def parse(text: str, intent: str, ranking: tuple[str, ...] = ()) -> Message:
    message = Message.build(text=text)
    message.set("intent", {"name": intent, "confidence": 0.9})
    message.set(
        "intent_ranking", [{"name": name, "confidence": 0.9} for name in (intent, *ranking)]
    )
    extractor = PlaceExtractor({**PlaceExtractor.get_default_config()})
    return extractor.process([message])[0]


def test_a_place_question_names_the_place_and_is_routed():
    message = parse("quelle antenne pour Lens ?", "find_antenne")
    assert [e["value"] for e in message.get("entities")] == ["Lens"]
    assert message.get("intent")["name"] == "give_location"
    assert message.get("intent_ranking")[1]["name"] == "find_antenne"


def test_another_topic_keeps_its_intent_and_its_place():
    message = parse("il va pleuvoir demain à Lille ?", "out_of_scope")
    assert message.get("intent")["name"] == "out_of_scope"
    assert [e["value"] for e in message.get("entities")] == ["Lille"]


def test_a_message_that_is_only_a_place_is_routed_whatever_the_intent():
    assert parse("moi c'est vers chateau thierry", "ask_who_for").get("intent")["name"] == (
        "give_location"
    )


def test_when_nlu_is_unsure_its_likeliest_intent_decides():
    unsure_where = parse("c quelle antenne pour lievin", "nlu_fallback", ("find_antenne",))
    assert unsure_where.get("intent")["name"] == "give_location"
    unsure_weather = parse("il va pleuvoir a lille ?", "nlu_fallback", ("out_of_scope",))
    assert unsure_weather.get("intent")["name"] == "nlu_fallback"


def test_no_place_no_entity():
    message = parse("je suis à la rue", "give_situation")
    assert not message.get("entities") and message.get("intent")["name"] == "give_situation"


def test_a_button_payload_is_left_alone():
    message = parse('/give_location{"commune_id":"62498"}', "give_location")
    assert not message.get("entities")


def test_the_entity_spans_the_words_that_name_the_place():
    for text, words in (
        ("quelle antenne pour Lens ?", "Lens"),
        ("jhabite à Saint-Omer svp", "Saint-Omer"),
        ("moi c vers 62300", "62300"),
        ("j'suis à st omer", "st omer"),
    ):
        entity = parse(text, "find_antenne").get("entities")[0]
        assert text[entity["start"] : entity["end"]] == words


def test_a_place_not_read_from_its_words_spans_the_whole_message():
    assert place_span("dans le pas de calais", "") == (0, len("dans le pas de calais"))
    assert place_span("vers Arras", "lens") == (0, len("vers Arras"))
