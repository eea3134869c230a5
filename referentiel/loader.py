"""Typed loader for referentiel/clea.yml."""

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, root_validator

DATA_FILE = Path(__file__).with_name("clea.yml")


class Data(BaseModel):
    """Base of the referentiel's models: read-only, unknown fields refused."""

    class Config:
        frozen = True
        extra = "forbid"


class Figures(Data):
    domains: int
    subdomains: int
    criteria: int


class Certificate(Data):
    name: str
    full_name: str
    creator: str
    creator_short: str
    national_body: str
    figures: Figures
    pass_rate_percent: int
    years_to_finish: int


class SubDomain(Data):
    id: str
    official: str  # the title in the référentiel, shown behind "Les titres officiels"
    plain: str  # a few everyday words with the same meaning, shown first

    @root_validator(skip_on_failure=True)
    def _plain_title_differs_from_the_official_one(cls, values: dict) -> dict:
        plain = values["plain"].strip()
        if not plain or plain.casefold() == values["official"].strip().casefold():
            raise ValueError(f"sub-domain {values['id']}: give a plain title of its own")
        return values


class Domain(Data):
    id: int
    short: str
    plain: str
    official: str
    keywords: tuple[str, ...]
    subdomains: tuple[SubDomain, ...]


class CleaNumerique(Data):
    topics: tuple[str, ...]
    separate_certificate: bool
    needs_clea_socle: bool


class ProcessStep(Data):
    id: str
    name: str
    plain: str


class Process(Data):
    max_evaluation_hours: int
    steps: tuple[ProcessStep, ...]


class Jury(Data):
    name: str
    acronym: str
    frequency: str


class Organisation(Data):
    name: str
    former_name: str
    since: str
    phone: str
    website: str
    website_url: str
    antenne_missions: tuple[str, ...]
    jury: Jury


class Antenne(Data):
    id: str
    name: str
    of_name: str  # "d'Arras", "de Lille"
    contact: str
    email: str
    arrondissements: tuple[str, ...]
    phone: str = ""  # set by a deployer; none is invented
    hours: str = ""


class AntenneContactLines(Data):
    phone: str  # {phone}
    hours: str  # {hours}


class Departement(Data):
    code: str
    name: str
    with_article: str
    keywords: tuple[str, ...]


class Region(Data):
    name: str
    departements: tuple[Departement, ...]


class Situation(Data):
    id: str
    label: str
    keywords: tuple[str, ...]


class FinancingScheme(Data):
    id: str
    name: str
    plain: str
    terms: tuple[str, ...]
    definition: str


class SituationFinancing(Data):
    intro: str
    schemes: tuple[str, ...]
    note: str | None = None
    steps: str


class Financing(Data):
    schemes: tuple[FinancingScheme, ...]
    by_situation: dict[str, SituationFinancing]
    questions: dict[str, tuple[str, ...]]

    def schemes_for(self, situation_id: str) -> tuple[FinancingScheme, ...]:
        """The schemes that apply to a situation, in the order to show them."""
        by_id = {scheme.id: scheme for scheme in self.schemes}
        return tuple(by_id[i] for i in self.by_situation[situation_id].schemes)


class PersonalData(Data):
    controller: str
    seen_by: str
    kept_months_after_closing: int
    kept_months_at_most: int
    conversation_days: int
    backup_days: int
    data_protection_contact: str
    complaint_authority: str
    complaint_url: str
    delete_phrase: str
    contact_times: tuple[str, ...]
    correction_words: dict[str, tuple[str, ...]]


class Emails(Data):
    candidate_subject: str
    candidate_body: str
    antenne_subject: str
    antenne_body: str
    digest_subject: str
    digest_body: str
    result_subject: str
    result_body: str  # {levels}, {meanings}, {phone}


class FollowUp(Data):
    overdue_after_working_days: int
    page_size: int
    undo_minutes: int
    contact_outcomes: dict[str, str]
    reached_outcome: str

    @root_validator(skip_on_failure=True)
    def _reached_is_an_outcome(cls, values: dict) -> dict:
        if values["reached_outcome"] not in values["contact_outcomes"]:
            raise ValueError(f"reached_outcome {values['reached_outcome']} is no contact outcome")
        return values


class LegalNotice(Data):
    """What the legal notice and the accessibility statement say; empty fields are left out
    until the client gives them."""

    publisher_address: str = ""
    publication_director: str = ""
    host: str = ""
    accessibility_contact: str = ""


class Referentiel(Data):
    certificate: Certificate
    domains: tuple[Domain, ...]
    clea_numerique: CleaNumerique
    process: Process
    organisation: Organisation
    antenne_contact_lines: AntenneContactLines
    antennes: tuple[Antenne, ...]
    region: Region
    situations: tuple[Situation, ...]
    financing: Financing
    personal_data: PersonalData
    follow_up: FollowUp
    emails: Emails
    legal_notice: LegalNotice

    @root_validator(skip_on_failure=True)
    def _figures_match_domains(cls, values: dict) -> dict:
        figures = values["certificate"].figures
        domains = values["domains"]
        if len(domains) != figures.domains:
            raise ValueError(f"{len(domains)} domains listed, figures say {figures.domains}")
        subdomain_count = sum(len(domain.subdomains) for domain in domains)
        if subdomain_count != figures.subdomains:
            raise ValueError(
                f"{subdomain_count} sub-domains listed, figures say {figures.subdomains}"
            )
        return values

    @root_validator(skip_on_failure=True)
    def _financing_refers_to_known_ids(cls, values: dict) -> dict:
        financing = values["financing"]
        scheme_ids = {scheme.id for scheme in financing.schemes}
        situation_ids = {situation.id for situation in values["situations"]}
        if set(financing.by_situation) != situation_ids:
            raise ValueError("financing.by_situation must list every situation once")
        unknown = {
            scheme_id for entry in financing.by_situation.values() for scheme_id in entry.schemes
        } - scheme_ids
        if unknown:
            raise ValueError(f"unknown financing schemes: {sorted(unknown)}")
        return values

    @root_validator(skip_on_failure=True)
    def _each_arrondissement_has_one_antenne(cls, values: dict) -> dict:
        codes = [code for antenne in values["antennes"] for code in antenne.arrondissements]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(f"arrondissements under several antennes: {repeated}")
        return values

    def antenne(self, antenne_id: str) -> Antenne:
        """The antenne with this id."""
        for antenne in self.antennes:
            if antenne.id == antenne_id:
                return antenne
        raise KeyError(antenne_id)

    def situation(self, situation_id: str) -> Situation:
        """The situation with this id."""
        for situation in self.situations:
            if situation.id == situation_id:
                return situation
        raise KeyError(situation_id)

    def domain(self, domain_id: int) -> Domain:
        """The domain with this number (1 to 7)."""
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise KeyError(domain_id)


def load_referentiel(path: Path = DATA_FILE) -> Referentiel:
    """Load and validate the CléA referentiel (cached for the default file)."""
    if path == DATA_FILE:
        return _load_default()
    return _parse(path)


@lru_cache(maxsize=1)
def _load_default() -> Referentiel:
    return _parse(DATA_FILE)


def _parse(path: Path) -> Referentiel:
    with path.open(encoding="utf-8") as handle:
        return Referentiel.parse_obj(yaml.safe_load(handle))
