"""CSV export of pre-dossiers that opens cleanly in French Excel."""

import csv
import io
import re
from datetime import datetime, timezone
from typing import Callable, Iterable, Optional

from dossiers.follow_up import PARIS
from referentiel.loader import Referentiel
from referentiel.quiz import Quiz

BOM = "\ufeff"
# A cell starting with one of these would run as a formula in a spreadsheet, also after
# spaces, and also at the start of a piece a spreadsheet may split off at a "," or ";".
FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r", "\n")
PIECES = re.compile(r"[,;]")
def neutralise(value: object) -> str:
    """The cell's text, prefixed with ' when a spreadsheet could run it as a formula."""
    text = "" if value is None else str(value)
    dangerous = text.startswith(CONTROL_STARTS) or any(
        piece.lstrip(" \t\r\n").startswith(FORMULA_STARTS) for piece in PIECES.split(text)
    )
    return "'" + text if dangerous else text


Column = tuple[str, Callable[[dict], object]]


def iso_time(value: Optional[datetime]) -> str:
    """ "2026-12-01 14:25", Paris time: a spreadsheet sorts it and reads it as a date."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")


def export_columns(ref: Referentiel, quiz: Quiz, status_labels: dict[str, str]) -> list[Column]:
    """The export's columns: title, and how a row (repository.export_batches) fills it."""
    situations = {s.id: s.label for s in ref.situations}
    antennes = {a.id: a.name for a in ref.antennes}
    levels = {level.id: level.label for level in quiz.levels}
    outcomes = ref.follow_up.contact_outcomes

    def level_of(domain: int) -> Callable[[dict], object]:
        return lambda row: levels.get(row["quiz_levels"].get(domain), "")

    return [
        ("Référence", lambda row: row["reference"]),
        ("Antenne", lambda row: antennes.get(row["antenne_id"], row["antenne_id"])),
        ("Statut", lambda row: status_labels.get(row["status"], row["status"])),
        ("Statut depuis le", lambda row: iso_time(row["status_at"])),
        ("Reçu le", lambda row: iso_time(row["created_at"])),
        ("Suivi par", lambda row: row["handler"]),
        ("Prénom", lambda row: row["first_name"]),
        ("Nom", lambda row: row["last_name"]),
        ("Téléphone", lambda row: row["phone"]),
        ("E-mail", lambda row: row["email"]),
        ("Code postal", lambda row: row["postal_code"]),
        ("Commune", lambda row: row["commune"]),
        ("Situation", lambda row: situations.get(row["situation"] or "", row["situation"])),
        ("Moment d'appel", lambda row: row["contact_time"]),
        ("Tentatives de contact", lambda row: row["contact_attempts"]),
        ("Dernier contact", lambda row: iso_time(row["last_contact_at"])),
        ("Résultat du dernier contact",
         lambda row: outcomes.get(row["last_contact_outcome"] or "", "")),
        *((f"Test : {domain.short}", level_of(domain.id)) for domain in ref.domains),
    ]


def _lines(rows: Iterable[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue()


def csv_header(columns: list[Column]) -> str:
    """The BOM (French Excel then reads UTF-8) and the titles."""
    return BOM + _lines([[title for title, _ in columns]])


def csv_rows(rows: Iterable[dict], columns: list[Column]) -> str:
    """Rows as CSV lines: ";" separators, every cell quoted and neutralised."""
    return _lines([[fill(row) for _, fill in columns] for row in rows])
