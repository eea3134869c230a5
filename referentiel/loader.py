"""Typed loader for referentiel/clea.yml."""

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, root_validator

DATA_FILE = Path(__file__).with_name("clea.yml")


class _Data(BaseModel):
    class Config:
        frozen = True
        extra = "forbid"


class Figures(_Data):
    domains: int
    subdomains: int
    criteria: int


class Certificate(_Data):
    name: str
    full_name: str
    creator: str
    creator_short: str
    national_body: str
    figures: Figures
    pass_rate_percent: int
    years_to_finish: int


class SubDomain(_Data):
    id: str
    official: str


class Domain(_Data):
    id: int
    short: str
    plain: str
    official: str
    keywords: tuple[str, ...]
    subdomains: tuple[SubDomain, ...]


class CleaNumerique(_Data):
    topics: tuple[str, ...]
    separate_certificate: bool
    needs_clea_socle: bool


class ProcessStep(_Data):
    id: str
    name: str
    plain: str


class Process(_Data):
    max_evaluation_hours: int
    steps: tuple[ProcessStep, ...]


class Jury(_Data):
    name: str
    acronym: str
    frequency: str


class Organisation(_Data):
    name: str
    former_name: str
    since: str
    phone: str
    website: str
    website_url: str
    antenne_missions: tuple[str, ...]
    jury: Jury


class Antenne(_Data):
    id: str
    name: str
    contact: str
    email: str


class FinancingScheme(_Data):
    id: str
    name: str
    plain: str


class RegionScheme(_Data):
    name: str
    programme: str


class Financing(_Data):
    employee_schemes: tuple[FinancingScheme, ...]
    region_scheme: RegionScheme


class Referentiel(_Data):
    certificate: Certificate
    domains: tuple[Domain, ...]
    clea_numerique: CleaNumerique
    process: Process
    organisation: Organisation
    antennes: tuple[Antenne, ...]
    financing: Financing

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
