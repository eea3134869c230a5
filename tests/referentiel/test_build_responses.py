import yaml

from referentiel import load_referentiel
from referentiel.build_responses import OUTPUT_FILE, render_domain_file, render_responses


def test_domain_responses_do_not_drift_from_the_referentiel():
    assert OUTPUT_FILE.read_text(encoding="utf-8") == render_domain_file(), (
        "bot/domain/responses.yml differs from referentiel/: run `make responses`"
    )


def test_generated_file_is_valid_rasa_yaml():
    data = yaml.safe_load(OUTPUT_FILE.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    assert all(isinstance(variants, list) for variants in data["responses"].values())


def _all_text() -> str:
    return "\n".join(
        variant["text"] for variants in render_responses().values() for variant in variants
    )


def test_every_fact_of_the_referentiel_is_stated():
    ref = load_referentiel()
    text = _all_text()
    facts = [
        ref.organisation.phone,
        ref.organisation.website,
        ref.organisation.former_name,
        ref.organisation.jury.acronym,
        ref.certificate.full_name,
        f"{ref.certificate.pass_rate_percent} %",
        f"{ref.process.max_evaluation_hours} heures",
        f"{ref.certificate.figures.criteria} critères",
        f"{ref.certificate.figures.subdomains} sous-domaines",
    ]
    facts += [domain.official for domain in ref.domains]
    facts += [sub.official for domain in ref.domains for sub in domain.subdomains]
    facts += [f"{a.name} : {a.contact}, {a.email}" for a in ref.antennes]
    facts += [f"{scheme.name} ({scheme.plain})" for scheme in ref.financing.schemes]
    facts += [entry.steps for entry in ref.financing.by_situation.values()]
    facts += [d.with_article for d in ref.region.departements]
    missing = [fact for fact in facts if fact not in text]
    assert not missing


def test_one_response_pair_per_domain():
    responses = render_responses()
    for domain in load_referentiel().domains:
        assert f"utter_domain_{domain.id}_part1" in responses
        part2 = responses[f"utter_domain_{domain.id}_part2"][0]["text"]
        assert len(part2.splitlines()) == 1 + len(domain.subdomains)


def _domain_detail(responses: dict, domain_id: int, suffix: str = "") -> str:
    return "\n".join(
        responses[f"utter_domain_{domain_id}{suffix}_{part}"][0]["text"]
        for part in ("part1", "part2")
    )


def test_domain_details_show_the_plain_titles_not_the_official_ones():
    responses = render_responses()
    for domain in load_referentiel().domains:
        detail = _domain_detail(responses, domain.id)
        lines = detail.splitlines()
        for sub in domain.subdomains:
            assert f"{sub.id} {sub.plain}" in lines
            assert sub.official not in lines and f"« {sub.official} »" not in detail
        assert domain.official not in detail
        assert "«" not in detail


def test_official_titles_answers_show_the_official_titles():
    responses = render_responses()
    ref = load_referentiel()
    for domain in ref.domains:
        official = _domain_detail(responses, domain.id, "_official")
        assert f"« {domain.official} »" in official
        for sub in domain.subdomains:
            assert f"{sub.id} « {sub.official} »" in official.splitlines()
            assert sub.plain not in official
    every_domain = "\n".join(
        responses[f"utter_domains_official_{part}"][0]["text"] for part in ("part1", "part2")
    )
    assert all(f"{d.id}. « {d.official} »" in every_domain for d in ref.domains)


def test_answers_that_name_the_antenne_say_what_it_is_and_that_it_confirms():
    responses = render_responses()
    office = f"bureau de {load_referentiel().organisation.name} près de chez vous"
    for name in (
        "utter_antenne_found",
        "utter_contact_antenne",
        "utter_media_message_antenne",
        "utter_ask_location",
    ):
        assert office in responses[name][0]["text"], name
    for name in ("utter_antenne_found", "utter_contact_antenne", "utter_media_message_antenne"):
        assert "Elle vous le confirmera." in responses[name][0]["text"], name


def test_antenne_addresses_point_to_the_website():
    responses = render_responses()
    website = load_referentiel().organisation.website
    for name in (
        "utter_antenne_found",
        "utter_contact_antenne",
        "utter_contact",
        "utter_antennes_part2",
    ):
        text = responses[name][0]["text"]
        assert "adresse" in text and website in text, name


def test_one_financing_answer_per_situation():
    responses = render_responses()
    ref = load_referentiel()
    for situation in ref.situations:
        text = responses[f"utter_financing_{situation.id}"][0]["text"]
        for scheme in ref.financing.schemes_for(situation.id):
            assert scheme.name in text
    titles = [b["title"] for b in responses["utter_ask_situation"][0]["buttons"]]
    assert titles == [s.label for s in ref.situations]


def test_no_euro_amount_is_stated():
    assert "€" not in _all_text() and "euro" not in _all_text().lower()


def test_domain_buttons_send_the_domain_number():
    buttons = render_responses()["utter_ask_which_domain"][0]["buttons"]
    assert [b["payload"] for b in buttons] == [
        f'/ask_subdomains{{{{"domain":"{n}"}}}}' for n in range(1, 8)
    ]
