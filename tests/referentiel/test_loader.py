from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from referentiel import load_referentiel
from referentiel.loader import DATA_FILE


def test_counts_match_the_clients_page():
    ref = load_referentiel()
    assert len(ref.domains) == 7
    assert sum(len(domain.subdomains) for domain in ref.domains) == 28
    assert len(ref.antennes) == 5
    assert ref.certificate.figures.criteria == 108
    assert [len(domain.subdomains) for domain in ref.domains] == [5, 5, 4, 4, 3, 3, 4]


def test_ids_are_consistent():
    ref = load_referentiel()
    assert [domain.id for domain in ref.domains] == list(range(1, 8))
    for domain in ref.domains:
        for sub in domain.subdomains:
            assert sub.id.startswith(f"{domain.id}.")
    assert len({antenne.id for antenne in ref.antennes}) == 5


def test_every_sub_domain_has_a_plain_title_of_its_own():
    ref = load_referentiel()
    subdomains = [sub for domain in ref.domains for sub in domain.subdomains]
    assert len(subdomains) == 28
    for sub in subdomains:
        assert sub.plain.strip() and sub.official.strip()
        assert sub.plain.casefold() != sub.official.casefold(), sub.id
    assert len({sub.plain for sub in subdomains}) == 28


def test_a_plain_title_equal_to_the_official_one_is_refused(tmp_path: Path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    sub = data["domains"][0]["subdomains"][2]
    sub["plain"] = sub["official"]
    broken = tmp_path / "clea.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="plain title"):
        load_referentiel(broken)


def test_contacts_of_head_office_and_antennes():
    ref = load_referentiel()
    assert ref.organisation.phone == "03 59 61 62 63"
    assert ref.organisation.website == "www.transitionspro-hdf.fr"
    assert {a.name for a in ref.antennes} == {
        "Lille",
        "Amiens",
        "Arras",
        "Saint-Omer",
        "Valenciennes",
    }
    assert all(a.email.endswith("@transitionspro-hdf.fr") for a in ref.antennes)


def test_figures_that_disagree_with_the_domains_are_refused(tmp_path: Path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    data["domains"] = data["domains"][:6]
    broken = tmp_path / "clea.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError, match="6 domains listed"):
        load_referentiel(broken)


def test_unknown_fields_are_refused(tmp_path: Path):
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    data["organisation"]["fax"] = "03 00 00 00 00"
    broken = tmp_path / "clea.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_referentiel(broken)
